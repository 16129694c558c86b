"""The external-set run written out: ``results.json`` and a self-contained ``report.html`` (nothing fetched)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from evals.external_sets import SLICE_NAMES
from evals.report import template_env


def misses(items: list[dict[str, Any]], n: int = 10) -> list[dict[str, Any]]:
    """Questions whose gold document was not cited, spread over the set (every k-th), at most ``n``."""
    missed = [i for i in items if not i["gold_cited"]]
    step = max(1, len(missed) // n)
    return missed[::step][:n]


def render_external(results: dict[str, Any]) -> str:
    """The report page as HTML text."""
    return template_env().get_template("external.html.j2").render(
        r=results, slice_names=SLICE_NAMES,
        misses={name: misses(s["items"]) for name, s in results["sets"].items()},
    )


def write_external_report(results: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    """Write ``results.json`` and ``report.html`` into ``out_dir``; returns both paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / "results.json"
    json_path.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    html_path = out_dir / "report.html"
    html_path.write_text(render_external(results), encoding="utf-8")
    return json_path, html_path
