"""Evaluation suite (golden datasets, metrics, report): see evals/README.md."""
