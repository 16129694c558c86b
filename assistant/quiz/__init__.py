"""Quiz mode: questions generated from the indexed playbook, graded against the clause they cite."""
