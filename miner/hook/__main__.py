"""``python -m miner.hook STAGE MSGFILE [SOURCE [SHA]] [--strict]``: what the pre-commit
framework's entries run (``.pre-commit-hooks.yaml``)."""

from miner.hook.run import main

raise SystemExit(main())
