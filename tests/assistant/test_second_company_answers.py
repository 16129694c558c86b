"""Another company's playbook and tables: its tier names are treated like the bundled tiers, with no code change."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.answering.ask import ask
from assistant.factory import build_services
from assistant.services import Services
from tests.conftest import hash_settings, make_pipeline

SECOND_COMPANY_TABLES = Path(__file__).resolve().parents[2] / "evals" / "fixtures" / "second-company" / "data"

POLICY = """\
    # Member care handbook

    ## Returns by membership

    Members can return an order within the window of their membership level.

    | Membership | Return window | Free shipping |
    |---|---|---|
    | Gold | 90 days | yes |
    | Silver | 45 days | no |

    ## Store hours

    The shops open at nine and close at six, every day but holidays.
    """


@pytest.fixture
def other_company(tmp_path: Path) -> Iterator[Services]:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "handbook.md").write_text(textwrap.dedent(POLICY), encoding="utf-8")
    data = SECOND_COMPANY_TABLES  # Corvina Cloud: tiers A/B/C named Platinum, Gold and Silver
    with build_services(hash_settings(tmp_path / "data", knowledge_data_dir=data, abstain_threshold=0.0)) as services:
        make_pipeline(services).run([docs])
        yield services


def test_a_tier_row_does_not_answer_for_another_tier(other_company: Services) -> None:
    """A failure means the Gold row answers a Silver question (tier names only worked as one-letter ids)."""
    answer = ask(other_company, "What is the return window for Silver members?")
    assert "45 days" in answer.answer and "90 days" not in answer.answer


def test_a_follow_up_naming_another_tier_of_this_company(other_company: Services) -> None:
    """A failure means "and for Gold?" is not read as the previous question asked for Gold."""
    answer = ask(other_company, "and for Gold?", thread=["What is the return window for Silver members?"])
    assert "90 days" in answer.answer and "45 days" not in answer.answer
