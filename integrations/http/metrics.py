"""Prometheus metrics of one app (its own registry, so several apps in one process never collide)."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Histogram


@dataclass
class Metrics:
    """Request counts and latencies per route, answers abstained, drafts by action."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        self.requests = Counter(
            "playbook_http_requests", "HTTP requests", ["method", "route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "playbook_http_request_seconds",
            "HTTP request latency",
            ["route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.answers = Counter("playbook_answers", "Answers given", ["abstained"], registry=self.registry)
        self.drafts = Counter("playbook_drafts", "Drafts written", ["kind", "action"], registry=self.registry)
