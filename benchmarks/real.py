"""The real histories shipped as fast-import streams, rebuilt once into ``benchmarks/.work/real``.

``../shared/histories/NAME.fi.gz`` (or ``$MINER_HISTORIES/NAME.fi.gz``) holds a real project's
history without its code. :func:`ensure_real` rebuilds it into a repository kept under the
benchmarks' own cache folder (never inside a fixture or the project), so a second run reuses it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from benchmarks.generate import WORK
from benchmarks.measure import ROOT, environment

REAL = WORK / "real"
SMALL = ("e2e-taxi-ride-duration-prediction", "fsdl-text-recognizer-2022", "mlops-zoomcamp")
LARGE = ("pytest", "git")


def histories_dir() -> Path:
    return Path(os.environ.get("MINER_HISTORIES", ROOT.parent / "shared" / "histories"))


def available(name: str) -> bool:
    return (histories_dir() / f"{name}.fi.gz").is_file()


def ensure_real(name: str, work: Path = REAL) -> Path:
    """The rebuilt repository of history ``name`` (built on first use; ~30 s for git/git)."""
    dest = work / name
    done = dest / ".git" / "miner-rebuilt"
    if done.is_file():
        return dest
    if dest.exists():
        shutil.rmtree(dest)  # an interrupted build
    dest.mkdir(parents=True)
    env = environment()
    subprocess.run(["git", "init", "-q", "-b", "main", str(dest)], check=True, env=env)
    stream = histories_dir() / f"{name}.fi.gz"
    with subprocess.Popen(["gzip", "-dc", str(stream)], stdout=subprocess.PIPE) as unzip:
        subprocess.run(
            ["git", "-C", str(dest), "fast-import", "--quiet"],
            stdin=unzip.stdout,
            check=True,
            env=env,
        )
    if unzip.returncode != 0:
        raise RuntimeError(f"gzip -dc {stream} failed")
    subprocess.run(["git", "-C", str(dest), "reset", "-q", "--hard"], check=True, env=env)
    done.write_text("ok\n", encoding="utf-8")
    return dest
