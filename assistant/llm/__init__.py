"""The LLM room: the tool-calling agent, its tools and prompts; used by :mod:`assistant.entry` when a chat model is set.

Nothing here decides anything the deterministic core decides: the agent words an answer from the passages
``search_playbook`` returned, or a draft from the plan :func:`assistant.drafting.plan.plan_draft` made, and
its output is checked against them before anyone sees it.
"""
