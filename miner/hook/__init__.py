"""The git hook: tag each new commit with its phase, or check that it names one.

Installed as a small ``sh`` script that runs the interpreter which installed it on
``miner.hook.main``, so a commit never pays for pandas, scipy or the report (``python -X
importtime -c 'import miner.hook'`` shows what it does pay for).

One job per module:

- :mod:`~miner.hook.install`: writing and removing the hook scripts (a user's hook is chained);
- :mod:`~miner.hook.message`: the message file (where trailers go, the atomic rewrite);
- :mod:`~miner.hook.context`: the repository as git's hook environment shows it, and every git
  call the hook makes;
- :mod:`~miner.hook.state`: what the hook keeps between commits under ``.git/miner/``;
- :mod:`~miner.hook.run`: the policy (what is tagged, what is checked) and the entry point.
"""

from __future__ import annotations

from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """The installed hook's entry point, :func:`miner.hook.run.main`. Imported when called, so
    that the CLI, which registers ``miner hook`` at every start, loads only the installer."""
    from miner.hook.run import main as run_main

    return run_main(argv)
