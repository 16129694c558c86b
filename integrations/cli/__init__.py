"""The ``playbook`` command line: one module per command group, sharing :mod:`integrations.cli.common`.

``app`` is the Typer app and ``main`` the console-script entry point (``playbook = "integrations.cli:main"``).
"""

from integrations.cli.app import app, main

__all__ = ["app", "main"]
