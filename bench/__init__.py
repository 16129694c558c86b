"""Benchmarks: ingest and ask speed against floors measured in the same run, scaling, HTTP load, backends.

Run with ``python -m bench.run [--quick] [--out bench/results]`` (or ``make bench`` / ``make bench-quick``).
"""
