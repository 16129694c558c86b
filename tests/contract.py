"""The JSON fields ../shared/PRODUCT.md promises, once, for every test that checks an interface (CLI, HTTP, drafts)."""

from __future__ import annotations

ASK_KEYS = {"id", "answer", "abstained", "confidence", "citations", "latency_ms"}
CITATION_KEYS = {"n", "doc_id", "title", "section", "source", "score"}
DRAFT_KEYS = {"kind", "language", "draft", "recommended_action", "client", "sla", "policy_citations", "typification",
              "requires_approval", "escalate_to"}
CLIENT_KEYS = {"id", "name", "tier", "plan", "tenure_months", "monthly_value", "churn_risk", "account_owner",
               "language"}
SLA_KEYS = {"tier", "channel", "priority", "first_response_target", "resolution_target", "business_hours", "citation"}
INGEST_KEYS = {"documents", "chunks", "added", "updated", "removed", "unchanged", "skipped", "seconds"}
