"""Edges: CLI, HTTP and Slack translate requests into calls to ``assistant`` and ``ingest``."""
