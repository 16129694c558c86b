"""The Chroma side of retrieval: connecting (client), one generation (generation), generations and pointer (store)."""
