"""The pipeline for one repository: options, mining (with the store), notes, and the
finished :class:`~miner.pipeline.analysis.Analysis`."""
