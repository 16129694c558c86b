"""Ingest: load files, chunk them by headings, embed, and store a new index generation."""
