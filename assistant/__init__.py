"""Playbook Assistant: grounded answers from a customer-experience playbook."""

__version__ = "0.1.0"
