"""The bundled demo playbook (Markdown in en/ and es/, policy tables in data/), shipped as package data.

Code finds it through ``importlib.resources`` (see ``assistant.settings.BUNDLED_KNOWLEDGE_DIR``), so an installed
wheel works from any directory. Nothing in the code depends on its words.
"""
