"""The regression gate: compare a run with a baseline, metric by metric, within configured tolerances.

``evals/gate.yaml`` lists the gated metrics and how far each may fall (absolute, on a 0-1 scale) before
the gate fails; metrics in ``lower_is_better`` may not rise by more than their tolerance. A gated metric the
baseline has but the run lacks fails the gate too (a metric must not vanish silently), unless the run measured
nothing of its group (``drafts.*`` without a drafting set, ``ragas.*`` with ``--no-ragas``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError

from evals.dataset import DatasetError
from evals.results import EvalResults

GATE_FILE = Path(__file__).parent / "gate.yaml"


class GateConfig(BaseModel):
    """Tolerances of the gate."""

    default_tolerance: float = Field(0.02, ge=0, le=1)
    metrics: dict[str, float | None] = Field(default_factory=dict)
    lower_is_better: list[str] = Field(default_factory=list)

    def tolerance(self, metric: str) -> float:
        """The allowed move against the metric's good direction."""
        value = self.metrics.get(metric)
        return self.default_tolerance if value is None else value


def load_gate(path: Path = GATE_FILE) -> GateConfig:
    """Read the gate file.

    Raises:
        DatasetError: unreadable or malformed.
    """
    try:
        return GateConfig.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise DatasetError(f"{path}: not a valid gate file ({str(exc).splitlines()[0]})") from exc


@dataclass(frozen=True)
class GateRow:
    """One gated metric: baseline, current, the allowed move and the verdict."""

    metric: str
    baseline: float | None
    current: float | None
    tolerance: float
    lower_is_better: bool
    passed: bool

    @property
    def delta(self) -> float | None:
        """Current minus baseline."""
        if self.baseline is None or self.current is None:
            return None
        return round(self.current - self.baseline, 4)


def check(current: EvalResults, baseline: EvalResults, config: GateConfig) -> list[GateRow]:
    """Compare ``current`` with ``baseline`` on every gated metric the baseline has.

    Returns:
        One row per gated metric; the gate passes when every row passes.
    """
    rows = []
    for metric in sorted(config.metrics):
        base = baseline.aggregate.get(metric)
        if base is None:
            continue  # the baseline did not measure it (e.g. no drafting set): nothing to regress from
        group = metric.partition(".")[0] + "."
        if not any(key.startswith(group) for key in current.aggregate):
            continue  # this run did not measure the group (no drafting set, or --no-ragas): not a regression
        now = current.aggregate.get(metric)
        tol = config.tolerance(metric)
        lower = metric in config.lower_is_better
        if now is None:
            ok = False
        elif lower:
            ok = now <= base + tol + 1e-9
        else:
            ok = now >= base - tol - 1e-9
        rows.append(GateRow(metric, base, now, tol, lower, ok))
    return rows
