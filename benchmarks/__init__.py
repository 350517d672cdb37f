"""Benchmarks of ``miner`` against its baselines (``make bench``: ``python -m benchmarks.run``).

Not part of the test suite. ``generate`` builds the synthetic histories, ``measure`` holds the
shared timing helpers, each ``bench_*`` module measures one thing.
"""
