"""The compiled loops (miner.sequence.compiled) give the numbers of the numpy loops they replace on
long histories, draw for draw; small statistics never import numba; the compiled code is
cached outside a package directory that cannot be written."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import miner.sequence.compiled
from miner.measures.statistics.independence import _swap_chain, independence
from miner.measures.statistics.structure import _markov_chain, structure, surrogates
from miner.sequence.kernels import count_steps
from miner.sequence.revisits import (
    SequenceOptions,
    Step,
    analyse_sequence,
    primary_indices,
    quantize_shares,
    step_kinds,
)
from tests.measures.test_stats import analysed, revisit_frame
from tests.sequence.test_revisits import PHASES, sequences, step


@settings(max_examples=60, deadline=None)
@given(
    sequences(),
    st.integers(1, 6),
    st.sampled_from([False, True]),
    st.integers(0, 2**32 - 1),
)
def test_compiled_count_equals_the_numpy_scan_and_analyse_sequence(
    generated: tuple[list[Step], tuple[str, ...]], window: int, backward: bool, seed: int
) -> None:
    steps, phases = generated
    primary = primary_indices(steps, phases)
    kinds = step_kinds(primary, quantize_shares(steps, phases))
    orders = np.random.default_rng(seed).permuted(np.tile(kinds.of, (4, 1)), axis=1)
    by_step = np.ascontiguousarray(np.vstack([kinds.of[None], orders]).T, dtype=np.int32)
    counted = {
        compiled: count_steps(
            by_step,
            kinds.primary,
            kinds.by_phase,
            window=window,
            rounding_bits=10,
            backward_only=backward,
            compiled=compiled,
        ).tolist()
        for compiled in (False, True)
    }
    assert counted[True] == counted[False]
    options = SequenceOptions(window=window, revisits="backward" if backward else "all")
    assert counted[True][0] == len(analyse_sequence(steps, phases, options).revisit_events)


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 9), st.integers(0, 2**32 - 1))
def test_compiled_markov_chain_takes_the_states_of_searchsorted(phases: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    weights = rng.random((phases, phases)) * (rng.random((phases, phases)) < 0.6)
    weights[weights.sum(axis=1) == 0, 0] = 1.0
    cumulative = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    cumulative[:, -1] = 1.0
    shifted = (cumulative + np.arange(phases)[:, None]).ravel()
    uniforms = rng.random((200, 7))
    uniforms[rng.random(uniforms.shape) < 0.05] = 1.0 - 2**-53  # the largest draw
    first = int(rng.integers(phases))
    compiled = miner.sequence.compiled.markov_chain(shifted, phases, first, uniforms)
    assert compiled.tolist() == _markov_chain(shifted, phases, first, uniforms).tolist()


def test_surrogates_are_the_same_draws_compiled_or_not() -> None:
    rng = np.random.default_rng(3)
    primary = np.repeat(rng.integers(0, 5, 80), rng.integers(1, 6, 80))
    kinds = rng.integers(0, 40, len(primary))
    numpy_rng, compiled_rng = np.random.default_rng(9), np.random.default_rng(9)
    by_numpy = surrogates(primary, kinds, 5, 50, numpy_rng)
    by_compiled = surrogates(primary, kinds, 5, 50, compiled_rng, compiled=True)
    assert (by_numpy == by_compiled).all()
    assert numpy_rng.random() == compiled_rng.random()  # the same draws were used up


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 60), st.integers(0, 2**32 - 1))
def test_compiled_swap_chain_makes_the_same_swaps(events: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    sources = rng.integers(0, 4, events)
    targets = np.tile(rng.integers(0, 5, events), (6, 1))
    allowed = rng.random((4, 5)) < 0.7
    chains = {
        compiled: _swap_chain(
            sources, targets, allowed, 600, np.random.default_rng(seed), compiled=compiled
        ).tolist()
        for compiled in (False, True)
    }
    assert chains[True] == chains[False]


def test_structure_and_independence_agree_on_both_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    order = np.random.default_rng(5).integers(0, 4, 400)
    steps = [step(i, PHASES[k]) for i, k in enumerate(order)]
    sequence = analysed(steps, 3)
    cells = {(a, b): 3 + (i * j) % 5 for i, a in enumerate(PHASES) for j, b in enumerate(PHASES)}
    table = revisit_frame({key: value for key, value in cells.items() if key[0] != key[1]})
    results = []
    for compiled in (False, True):
        for module in ("structure", "independence"):
            monkeypatch.setattr(
                f"miner.measures.statistics.{module}.use_compiled",
                lambda _, chosen=compiled: chosen,
            )
        results.append(
            (
                structure(steps, sequence, PHASES, resamples=99, seed=4),
                independence(table, resamples=99, seed=4),
            )
        )
    assert results[0] == results[1]
    assert results[0][0]["expected"] > 0 and results[0][1]["p_value"] > 0


PROBE = (
    "import sys\n"
    "import numpy as np\n"
    "from miner.measures.statistics.independence import independence\n"
    "from miner.measures.statistics.structure import structure\n"
    "from tests.sequence.test_revisits import PHASES, step\n"
    "from tests.measures.test_stats import analysed, revisit_frame\n"
    "order = np.random.default_rng(5).integers(0, 4, 400)\n"
    "steps = [step(i, PHASES[k]) for i, k in enumerate(order)]\n"
    "assert structure(steps, analysed(steps, 3), PHASES)['expected'] > 0\n"
    "table = revisit_frame({(a, b): 4 for a in PHASES[:4] for b in PHASES[:4] if a != b})\n"
    "assert independence(table)['p_value'] > 0\n"
    "print('numba' in sys.modules)\n"
)


def test_a_small_history_computes_its_statistics_without_numba() -> None:
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, cwd=root
    )
    assert done.stdout.split() == ["False"]


CALL = (
    "import importlib.util, sys\n"
    "import numpy as np\n"
    "spec = importlib.util.spec_from_file_location('copied', sys.argv[1])\n"
    "module = importlib.util.module_from_spec(spec)\n"
    "spec.loader.exec_module(module)\n"
    "shifted = np.array([0.5, 1.0, 1.5, 2.0])\n"
    "uniforms = np.array([[0.7], [0.2], [0.9]])\n"
    "print(module.markov_chain(shifted, 2, 0, uniforms).ravel().tolist())\n"
)


@pytest.mark.parametrize("user_cache", [True, False])
def test_compiled_code_is_cached_outside_an_unwritable_package(
    tmp_path: Path, user_cache: bool
) -> None:
    package = tmp_path / "package"
    package.mkdir()
    source = shutil.copy(miner.sequence.compiled.__file__, package / "compiled.py")
    (package / "__pycache__").write_text("")  # no cache directory can be made beside it
    cache_home = tmp_path / "cache"
    cache_home.mkdir()
    if not user_cache:
        (cache_home / "numba").write_text("")  # nor in the user's cache directory
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["XDG_CACHE_HOME"] = str(cache_home)
    done = subprocess.run(
        [sys.executable, "-c", CALL, str(source)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    assert done.stdout.split() == ["[0,", "1,", "0,", "1]"]
    cached = list(cache_home.rglob("*.nbi"))
    assert bool(cached) == user_cache
