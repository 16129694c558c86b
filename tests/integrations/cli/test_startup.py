"""What a CLI start costs: commands that need no model or index import neither; `--version` is the package's.

Each command runs in a fresh interpreter (imports are per process); timings are `make bench`'s, not asserted here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from assistant import __version__

ROOT = Path(__file__).resolve().parents[3]
HEAVY = ("torch", "sentence_transformers", "transformers", "chromadb", "langchain", "langchain_core", "onnxruntime")

RUN = """
import json, sys
from typer.testing import CliRunner
from integrations.cli import app
result = CliRunner().invoke(app, sys.argv[1:])
heavy = sorted({name.split(".")[0] for name in sys.modules} & set(HEAVY))
print(json.dumps({"exit": result.exit_code, "output": result.output, "heavy": heavy}))
"""


def _run(tmp_path: Path, *args: str) -> dict[str, object]:
    env = os.environ | {"PLAYBOOK_DATA_DIR": str(tmp_path / "data"), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", f"HEAVY = {HEAVY!r}\n{RUN}", *args], cwd=tmp_path, env=env, capture_output=True,
        text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "args",
    [("--help",), ("--version",), ("client", "C-1001", "--json"), ("config", "--json"), ("quiz", "--help")],
)
def test_light_commands_import_no_model_index_or_llm_library(tmp_path: Path, args: tuple[str, ...]) -> None:
    """A failure means a command that needs neither the model nor the index pays seconds of imports for them."""
    result = _run(tmp_path, *args)
    assert result["exit"] == 0, result["output"]
    assert result["heavy"] == [], result["heavy"]
    if args[0] == "client":
        assert json.loads(str(result["output"]))["id"] == "C-1001"


def test_version_is_the_installed_package_version(tmp_path: Path) -> None:
    """A failure means `playbook --version` and the package metadata (pyproject's dynamic version) disagree."""
    result = _run(tmp_path, "--version")
    assert result["output"] == f"playbook {__version__}\n"
    assert metadata.version("playbook-assistant") == __version__
