"""``--compare A B``: two configurations side by side, one table.

A configuration is either a ``results.json`` of an earlier run, or ``name:key=value,key=value`` where the
keys are settings (``retrieval_mode=dense``, ``top_k=3``, ``chunk_size=600``...). Settings that change what
is indexed (chunking, embedding model) get their own index, ingested into ``<out>/<name>/data``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from assistant.settings import Settings
from evals.dataset import DatasetError
from evals.results import EvalResults

INDEX_SETTINGS = frozenset({"chunk_size", "chunk_overlap", "embedding_model", "knowledge_dir"})


@dataclass
class Configuration:
    """One side of a comparison."""

    name: str
    results: EvalResults | None = None
    overrides: dict[str, str] = field(default_factory=dict)

    @property
    def needs_own_index(self) -> bool:
        """True when the overrides change what is indexed."""
        return bool(INDEX_SETTINGS & self.overrides.keys())

    def settings(self, base: Settings, out_dir: Path) -> Settings:
        """``base`` with the overrides applied (validated like the environment is).

        Raises:
            DatasetError: an unknown setting or an invalid value.
        """
        unknown = sorted(set(self.overrides) - set(Settings.model_fields))
        if unknown:
            raise DatasetError(f"configuration {self.name!r}: unknown setting(s) {', '.join(unknown)}")
        data: dict[str, Any] = base.model_dump()
        data.update(self.overrides)
        if self.needs_own_index:
            data["data_dir"] = out_dir / self.name / "data"
        try:
            return Settings.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise DatasetError(f"configuration {self.name!r}: {first['loc'][0]}: {first['msg']}") from exc


def parse_configuration(spec: str) -> Configuration:
    """A configuration from a results file path or ``name:key=value,...``.

    Raises:
        DatasetError: neither a results file nor a valid ``name:key=value`` list.
    """
    path = Path(spec)
    if path.suffix == ".json":
        from evals.results import load_results

        try:
            return Configuration(name=path.parent.name or path.stem, results=load_results(path))
        except Exception as exc:  # reported as the user's input problem, with the reason
            raise DatasetError(str(getattr(exc, "message", exc))) from exc
    name, sep, rest = spec.partition(":")
    if not sep or not name.strip():
        raise DatasetError(f"{spec!r}: expected a results.json or 'name:key=value,key=value'")
    overrides: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in rest.split(","))):
        key, eq, value = pair.partition("=")
        if not eq or not key.strip():
            raise DatasetError(f"{spec!r}: {pair!r} is not key=value")
        overrides[key.strip()] = value.strip()
    return Configuration(name=name.strip(), overrides=overrides)


def comparison_table(named: list[tuple[str, EvalResults]]) -> dict[str, Any]:
    """Rows of every aggregate metric any side has, with the last-minus-first delta."""
    names = [n for n, _ in named]
    metrics = sorted({k for _, r in named for k in r.aggregate if not k.endswith(".count")})
    rows = []
    for metric in metrics:
        values = [r.aggregate.get(metric) for _, r in named]
        first, last = values[0], values[-1]
        delta = None if first is None or last is None else round(last - first, 4)
        rows.append({"metric": metric, "values": values, "delta": delta})
    return {"names": names, "rows": rows}
