"""The policy room: the knowledge base's tables (typed and validated), SLA clocks, approvals and lookups.

``tables`` loads ``knowledge/data/`` against ``schema`` (checked by ``validate``); ``sla`` and ``hours`` compute
due times and clock states; ``durations`` reads and says ISO 8601 durations; ``approval`` decides who approves an
amount; ``lookups`` answers the client and SLA questions of the CLI, HTTP and the agent's tools.
"""
