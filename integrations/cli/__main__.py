"""``python -m integrations.cli``: the ``playbook`` command without the console script."""

from integrations.cli.app import main

main()
