"""Retrieval: embedders, the Chroma index, BM25 and their fusion."""
