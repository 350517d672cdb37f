"""Many repositories at once: analyse each with the same rules and options, then compare and pool.

The stages, one module each: ``task`` (what a worker runs for one repository: plain data in,
plain data out), ``run`` (a local process pool or a Dask cluster, and the progress count),
``pool`` (pooled matrices and their per-repository spread), ``compare`` (the repository x metric
table, the heterogeneity test of revisit rates, the two-repository differences) and ``result``
(the :class:`~miner.fleet.result.Fleet` every fleet renderer consumes).
"""
