"""The corpus is remembered and guarded (CLI): a bare ``playbook ingest`` re-ingests the recorded roots, ``--add`` and
``--remove`` change them, and a mistyped path, an empty folder or an ingest that would gut the index changes nothing.
Every test runs the real CLI in-process on a throwaway data dir with the hash embedder."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.factory import build_services
from assistant.settings import Settings
from tests.integrations.cli.helpers import assert_clean_error, one_json, run


@pytest.fixture(autouse=True)
def _hash_embedder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLAYBOOK_EMBEDDING_MODEL", "hash")


def write_docs(root: Path, names: list[str]) -> Path:
    """One small Markdown document per name."""
    root.mkdir(parents=True, exist_ok=True)
    for name in names:
        (root / f"{name}.md").write_text(f"# {name.title()} policy\n\n## Rule\n\nThe {name} rule applies to all.\n")
    return root


@pytest.fixture
def team(tmp_path: Path) -> Path:
    """A team's own playbook: six documents."""
    return write_docs(tmp_path / "team", ["refunds", "returns", "credits", "vip", "outage", "escalation"])


def status() -> dict:
    result = run("status", "--json")
    assert result.exit_code == 0, result.output
    return one_json(result)


def sources() -> set[str]:
    with build_services(Settings()) as services:
        index = services.store.open_active()
        return {str(r["metadata"]["source"]) for r in index.iter_records(include=("metadatas",))}


def test_bare_ingest_reingests_the_recorded_roots_not_the_bundled_playbook(team: Path) -> None:
    """A failure means a bare `playbook ingest` (or `make run`) silently replaces a team's corpus with the demo."""
    first = one_json(run("ingest", str(team), "--json"))
    assert first["documents"] == 6
    again = run("ingest", "--json")
    assert again.exit_code == 0, again.output
    summary = one_json(again)
    assert (summary["documents"], summary["removed"], summary["unchanged"]) == (6, 0, 6)
    assert status()["roots"] == [str(team.resolve())]


def test_a_missing_or_unsupported_path_is_refused_and_changes_nothing(team: Path, tmp_path: Path) -> None:
    """A failure means a mistyped path (`ingest /etc/passwd`) empties the index instead of failing."""
    assert run("ingest", str(team), "--json").exit_code == 0
    passwd = tmp_path / "passwd"
    passwd.write_text("root:x:0:0:root:/root:/bin/bash\n")
    for path in (passwd, tmp_path / "nowhere"):
        result = run("ingest", str(path), "--json")
        line = assert_clean_error(result)
        assert one_json(result)["error"]["code"] == "source_not_found", line
        assert str(path.name) in line
    assert status()["documents"] == 6 and len(sources()) == 6


def test_a_folder_without_documents_is_no_documents(team: Path, tmp_path: Path) -> None:
    """A failure means a folder with nothing to index replaces the corpus with nothing."""
    assert run("ingest", str(team), "--json").exit_code == 0
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.bin").write_bytes(b"\x00\x01")
    result = run("ingest", "--add", str(empty), "--json")
    assert_clean_error(result)
    error = one_json(result)["error"]
    assert error["code"] == "no_documents" and "notes.bin" in error["message"]
    assert status()["roots"] == [str(team.resolve())]


def test_an_ingest_removing_most_documents_needs_replace(team: Path, tmp_path: Path) -> None:
    """A failure means `ingest ../../etc` (three stray files) silently drops the team's six documents."""
    assert run("ingest", str(team), "--json").exit_code == 0
    stray = write_docs(tmp_path / "etc", ["rgb", "hosts", "motd"])
    result = run("ingest", str(stray), "--json")
    line = assert_clean_error(result)
    error = one_json(result)["error"]
    assert error["code"] == "replace_required" and "--replace" in line
    assert "team/refunds.md" in error["message"] and "6 of the 6" in error["message"]
    assert len(sources()) == 6 and status()["roots"] == [str(team.resolve())]

    confirmed = one_json(run("ingest", str(stray), "--replace", "--json"))
    assert (confirmed["documents"], confirmed["removed"], confirmed["added"]) == (3, 6, 3)
    assert status()["roots"] == [str(stray.resolve())]


def test_add_and_remove_change_the_corpus(team: Path, tmp_path: Path) -> None:
    """A failure means --add drops the existing documents, or --remove leaves the removed root's documents."""
    extra = write_docs(tmp_path / "extra", ["loyalty"])
    assert run("ingest", str(team), "--json").exit_code == 0
    added = one_json(run("ingest", "--add", str(extra), "--json"))
    assert (added["documents"], added["added"], added["removed"]) == (7, 1, 0)
    assert status()["roots"] == [str(team.resolve()), str(extra.resolve())]
    assert "extra/loyalty.md" in sources()

    removed = one_json(run("ingest", "--remove", str(team), "--json"))
    assert (removed["documents"], removed["removed"]) == (1, 6)
    assert status()["roots"] == [str(extra.resolve())] and sources() == {"extra/loyalty.md"}

    last = run("ingest", "--remove", "extra", "--json")  # by folder name; the last root: refused
    assert one_json(last)["error"]["code"] == "no_documents"
    unknown = run("ingest", "--remove", str(tmp_path / "other"), "--json")
    assert one_json(unknown)["error"]["code"] == "invalid_input"
    both = run("ingest", str(team), "--add", str(extra), "--json")
    assert one_json(both)["error"]["code"] == "invalid_input"
    assert sources() == {"extra/loyalty.md"}


def test_status_reports_roots_counts_generation_and_time(team: Path) -> None:
    """A failure means `playbook status` cannot say what the index was built from."""
    missing = run("status", "--json")
    assert one_json(missing)["error"]["code"] == "index_missing"
    assert run("ingest", str(team), "--json").exit_code == 0
    first = status()
    assert (first["documents"], first["generation"], first["roots"]) == (6, 1, [str(team.resolve())])
    assert first["chunks"] >= 6 and first["built_at"].endswith("+00:00")
    (team / "vip.md").write_text("# Vip policy\n\n## Rule\n\nVIP clients get a named contact.\n")
    assert run("ingest", "--json").exit_code == 0
    assert status()["generation"] == 2
    human = run("status")
    assert human.exit_code == 0 and f"root: {team.resolve()}" in human.stdout


def test_an_empty_index_answers_index_missing_not_an_abstention(team: Path) -> None:
    """A failure means an index with no chunks (left by an older version) answers every question with exit 0."""
    with build_services(Settings()) as services:
        empty = services.store.new_generation()
        services.store.switch(empty.name, {"fingerprint": "old"})
    result = run("ask", "How are refunds approved?", "--json")
    assert_clean_error(result)
    assert one_json(result)["error"]["code"] == "index_missing"
    # The next ingest builds a real index over the empty one.
    assert one_json(run("ingest", str(team), "--json"))["documents"] == 6
    assert run("ask", "How are refunds approved?", "--json").exit_code == 0


def test_a_vanished_root_says_how_to_drop_it(team: Path, tmp_path: Path) -> None:
    """A failure means a bare ingest after a corpus folder was moved fails without saying how to fix it."""
    extra = write_docs(tmp_path / "extra", ["loyalty"])
    assert run("ingest", str(team), "--json").exit_code == 0
    assert run("ingest", "--add", str(extra), "--json").exit_code == 0
    for path in extra.iterdir():
        path.unlink()
    extra.rmdir()
    result = run("ingest", "--json")
    line = assert_clean_error(result)
    assert one_json(result)["error"]["code"] == "source_not_found" and f"--remove {extra.resolve()}" in line
    assert one_json(run("ingest", "--remove", str(extra), "--json"))["documents"] == 6
