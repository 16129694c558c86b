"""`playbook validate [DIR]`, the JSON Schemas of the policy tables, and a broken folder at start-up."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from assistant.policy.schema import json_schemas
from assistant.settings import BUNDLED_KNOWLEDGE_DIR
from tests.integrations.cli.helpers import assert_clean_error, one_json, run

DATA = BUNDLED_KNOWLEDGE_DIR / "data"
SECOND = Path(__file__).resolve().parents[3] / "evals" / "fixtures" / "second-company" / "data"


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """A copy of the bundled tables with a bad value in a YAML file, a bad CSV row and no sla.csv."""
    folder = tmp_path / "tables"
    shutil.copytree(DATA, folder)
    limits = folder / "refund_limits.yaml"
    limits.write_text(limits.read_text(encoding="utf-8").replace("approver_max: 2000", "approver_max: lots"), "utf-8")
    codes = folder / "typification.csv"
    codes.write_text(codes.read_text(encoding="utf-8").replace("CRD-01,credit", "CRD-1,credit"), "utf-8")
    (folder / "sla.csv").unlink()
    return folder


@pytest.mark.parametrize("folder", [DATA, SECOND])
def test_valid_folders_pass(folder: Path) -> None:
    """A failure means a valid policy-tables folder (the bundled one, or another company's) is reported broken."""
    result = run("validate", str(folder), "--json")
    assert result.exit_code == 0, result.output
    payload = one_json(result)
    assert payload["valid"] is True and payload["problems"] == []
    assert {"sla.csv", "refund_limits.yaml", "company.yaml"} <= set(payload["tables"])


def test_every_problem_is_printed_with_file_line_and_field(broken: Path) -> None:
    """A failure means a broken folder passes, or a problem is reported without the file, line and field to fix."""
    result = run("validate", str(broken))
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert "sla.csv: required table is missing" in lines
    limits_line = 1 + next(
        i for i, text in enumerate((broken / "refund_limits.yaml").read_text().splitlines()) if "lots" in text
    )
    assert any(line.startswith(f"refund_limits.yaml:{limits_line}: limits.1.approver_max: ") for line in lines), lines
    assert any(line.startswith("typification.csv:6: code: String should match pattern") for line in lines), lines
    assert lines[-1] == f"3 problem(s) in {broken}"
    payload = one_json(run("validate", str(broken), "--json"))
    assert payload["valid"] is False and len(payload["problems"]) == 3


def test_a_missing_table_is_one_clear_error_at_start_up_not_a_crash(
    broken: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure means a policy-tables folder without sla.csv crashes an unrelated command (ask) with a traceback,
    instead of one line that names the problem and the command that lists them all."""
    monkeypatch.setenv("PLAYBOOK_KNOWLEDGE_DATA_DIR", str(broken))
    monkeypatch.setenv("PLAYBOOK_EMBEDDING_MODEL", "hash")
    line = assert_clean_error(run("ask", "What is the refund window?"))
    assert line.startswith(f"error: policy tables in {broken}: ")
    assert "(and 2 more); run `playbook validate" in line


def test_committed_json_schemas_match_the_models() -> None:
    """A failure means knowledge/schema/*.schema.json (what the README points teams at) is out of date:
    regenerate with `playbook validate --schema knowledge/schema`."""
    folder = BUNDLED_KNOWLEDGE_DIR / "schema"
    for name, schema in json_schemas().items():
        path = folder / f"{name.rsplit('.', 1)[0]}.schema.json"
        assert json.loads(path.read_text(encoding="utf-8")) == schema, path
