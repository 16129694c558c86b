"""The dataset loader: bundled sets are big and varied enough, and a malformed item is named by line."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from evals.dataset import DatasetError, load_dataset

GOOD_ITEM = """\
  - id: refund-window
    question: "What is the refund window?"
    reference: "30 days."
    sources: [{doc: refund-policy, section: Limits}]
    facts: ["30 days"]
    tags: [refunds]
"""


def _write(tmp_path: Path, body: str, header: str = "version: 1\nkind: questions\nitems:\n") -> Path:
    path = tmp_path / "set.yaml"
    path.write_text(header + body, encoding="utf-8")
    return path


def test_bundled_golden_set_meets_the_acceptance() -> None:
    """A failure means the golden set shrank below 80 questions, 15 out-of-scope, or lost a required kind."""
    golden = load_dataset("golden")
    items = golden.questions
    assert len(items) >= 80
    assert sum(not q.answerable for q in items) >= 15
    tags = Counter(t for q in items for t in q.tags)
    for required in ("procedure", "numbers", "roles", "escalation", "kpis", "spanish", "multi-part", "out-of-scope"):
        assert tags[required] >= 3, required
    assert sum(q.language == "es" for q in items) >= 10
    assert all(len(q.sources) >= 2 for q in items if "multi-part" in q.tags)


def test_bundled_drafting_set_meets_the_acceptance() -> None:
    """A failure means the drafting set has fewer than 20 cases or lost refund/rescue/Spanish coverage, or the cases
    of issue 14 (negation, mixed reasons, third languages, breached and future SLA, zero and missing amounts)."""
    cases = load_dataset("drafting").drafts
    assert len(cases) >= 20
    assert {c.kind for c in cases} == {"refund", "rescue"}
    assert {c.expect.action for c in cases} == {"full_refund", "credit", "rescue_offer", "verify_charge", None}
    assert {c.expect.error for c in cases} == {None, "invalid_input"}
    tags = {t for c in cases for t in c.tags}
    assert {"negation", "mixed-reasons", "french", "german", "breached", "future", "zero", "missing"} <= tags
    assert any(c.expect.requires_approval for c in cases)
    assert sum(c.language == "es" for c in cases) >= 3


def test_a_good_file_loads(tmp_path: Path) -> None:
    """A failure means the documented format itself is refused."""
    oos = '  - {id: oos, question: "Capital of France?", answerable: false}\n'
    data = load_dataset(_write(tmp_path, GOOD_ITEM + oos))
    assert [q.id for q in data.questions] == ["refund-window", "oos"]
    assert data.questions[0].sources[0].doc == ["refund-policy"]


def test_a_follow_up_carries_its_thread(tmp_path: Path) -> None:
    """A failure means a follow-up item lost the conversation it must be asked with."""
    thread = ('    thread:\n      - {role: user, text: "Refund window for tier B?"}\n'
              '      - {role: assistant, text: "30 days."}\n')
    item = GOOD_ITEM.replace('    question: "What is the refund window?"\n',
                             '    question: "and for tier C?"\n' + thread)
    (question,) = load_dataset(_write(tmp_path, item)).questions
    turns = [(t.role, t.text) for t in question.thread]
    assert turns == [("user", "Refund window for tier B?"), ("assistant", "30 days.")]


def test_golden_set_has_messy_items_of_every_kind() -> None:
    """A failure means the golden set lost the ways people really ask (issue 13): greetings, typos, ..., follow-ups."""
    messy = [q for q in load_dataset("golden").questions if "messy" in q.tags]
    kinds = Counter(t for q in messy for t in q.tags)
    for kind in ("greeting", "typo", "paraphrase", "comparison", "negation", "follow-up"):
        assert kinds[kind] >= 2, kind
    assert all(q.thread for q in messy if "follow-up" in q.tags)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (GOOD_ITEM + '  - id: second\n    question: "What now?"\n    reference: "x"\n    sources: [{doc: a}]\n',
         ":10: item 'second': item: an answerable question needs facts"),
        (GOOD_ITEM + '  - id: Bad Id\n    question: "Why?"\n    answerable: false\n',
         ":10: item 'Bad Id': id: String should match pattern"),
        (GOOD_ITEM + '  - id: typo\n    question: "Why?"\n    answerable: false\n    tagz: [a]\n',
         ":10: item 'typo': tagz: Extra inputs are not permitted"),
        (GOOD_ITEM + GOOD_ITEM, ":10: item 'refund-window': duplicate id (first used on line 4)"),
        (GOOD_ITEM + '  - {id: oos, question: "Why?", answerable: false, facts: ["y"]}\n',
         ":10: item 'oos': item: an unanswerable question has no sources"),
        ("  - id: x\n\tquestion: tabbed\n", ":5: not valid YAML"),
        (GOOD_ITEM + '  - {id: f, question: "And C?", answerable: false, thread: [{role: bot, text: hi}]}\n',
         ":10: item 'f': thread.0.role: Input should be 'user' or 'assistant'"),
    ],
    ids=["missing-facts", "bad-id", "unknown-field", "duplicate-id", "oos-with-facts", "not-yaml", "bad-thread-role"],
)
def test_malformed_items_are_named_by_line(tmp_path: Path, body: str, expected: str) -> None:
    """A failure means a QA lead gets an error without the line or the field to fix."""
    with pytest.raises(DatasetError) as info:
        load_dataset(_write(tmp_path, body))
    assert expected in info.value.message, info.value.message
    assert info.value.message.startswith(str(tmp_path / "set.yaml"))


def test_wrong_header_and_missing_file(tmp_path: Path) -> None:
    """A failure means a file that is not a dataset is half-loaded instead of refused."""
    with pytest.raises(DatasetError, match="must start with 'version: 1'"):
        load_dataset(_write(tmp_path, GOOD_ITEM, header="version: 2\nkind: questions\nitems:\n"))
    with pytest.raises(DatasetError, match="non-empty 'cases' list"):
        load_dataset(_write(tmp_path, "", header="version: 1\nkind: drafts\ncases: []\n"))
    with pytest.raises(DatasetError, match="cannot read"):
        load_dataset(tmp_path / "nope.yaml")


def test_drafting_case_fields_are_validated(tmp_path: Path) -> None:
    """A failure means a draft case with an impossible action or channel is accepted."""
    body = ("  - id: c1\n    kind: refund\n    client: C-2002\n    message: hi\n    channel: fax\n"
            "    expect: {action: full_refund}\n")
    with pytest.raises(DatasetError, match=r":4: item 'c1': channel: Input should be"):
        load_dataset(_write(tmp_path, body, header="version: 1\nkind: drafts\ncases:\n"))
