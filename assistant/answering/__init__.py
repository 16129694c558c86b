"""Answering a question without an LLM: read it, retrieve, answer from the tables or the sections, or abstain."""
