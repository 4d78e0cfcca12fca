"""Start-up: what each entry point imports, and the shortcuts that make it fast.

The speed itself is measured side by side in ``benchmarks/startup.py``; these
tests check the behaviour that makes it: lazy imports, the deterministic account
without numba, xarray or scipy.optimize, the compile notice, and that every
shortcut computes what the long way computes.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats
from scipy.optimize import brentq

import sibrisk
from sibrisk import _jit
from sibrisk.engine.breakeven import breakeven
from sibrisk.metrics.catalogue import CatalogueContract, settle_expected, wanted
from sibrisk.metrics.schema import OUTPUT_COLUMNS
from sibrisk.outcomes import draw as D
from sibrisk.outcomes.expected import expected_outcomes
from sibrisk.scenario.params import point_parameters
from sibrisk.scenario.uncertainty import Distribution

PROBE = """
import io, json, sys, contextlib
from sibrisk.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    status = main({argv!r})
heavy = ("numba", "xarray", "scipy.optimize", "scipy.stats", "pandas", "matplotlib")
print(json.dumps({{"status": status, "loaded": [m for m in heavy if m in sys.modules]}}))
"""


def loaded_by(argv: list[str]) -> dict:
    """What a command imports, run in a fresh interpreter."""
    out = subprocess.run([sys.executable, "-c", PROBE.format(argv=argv)], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout)


def test_import_sibrisk_loads_no_numerical_library():
    code = ("import sys, sibrisk; print(sorted(m for m in ('numpy', 'numba', 'xarray', "
            "'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_help_loads_no_numerical_library():
    code = ("import sys, contextlib, io\nfrom sibrisk.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    try:\n        main(['--help'])\n    except SystemExit:\n        pass\n"
            "print([m for m in ('numpy', 'numba', 'xarray', 'scipy') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_account_runs_without_numba_xarray_or_scipy_optimize():
    result = loaded_by(["account", "--json"])
    assert result == {"status": 0, "loaded": []}


def test_every_public_name_resolves():
    for name in sibrisk.__all__:
        assert getattr(sibrisk, name) is not None, name
    assert set(sibrisk.__all__) <= set(dir(sibrisk))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        sibrisk.nope  # noqa: B018


def test_old_module_names_still_import_with_a_warning(recwarn):
    """sibrisk 0.1's flat module names (``sibrisk.simulate``, ``sibrisk.risk``, ...) give
    the modules at their new homes, with a DeprecationWarning, for one release; the
    functions that share a name with such a module stay functions."""
    import importlib

    import sibrisk.engine.simulate

    for old, new in (("simulate", "engine.simulate"), ("risk", "metrics.risk"),
                     ("account", "metrics.account"), ("settlement", "ledger.settlement"),
                     ("sweep", "engine.sweep"), ("solve", "engine.solve")):
        sys.modules.pop(f"sibrisk.{old}", None)
        with pytest.warns(DeprecationWarning, match=f"sibrisk.{old} is now sibrisk.{new}"):
            module = importlib.import_module(f"sibrisk.{old}")
        assert module is importlib.import_module(f"sibrisk.{new}")
    from sibrisk.simulate import DEFAULT_CHUNK_SIZE  # noqa: F401 - the old path works

    for name in ("account", "simulate", "solve", "sweep"):
        assert callable(getattr(sibrisk, name)) and not isinstance(getattr(sibrisk, name),
                                                                   type(sys)), name
    assert sibrisk.simulate is sibrisk.engine.simulate.simulate
    # the public modules keep their short names, without a warning
    import sibrisk.plot
    import sibrisk.power

    assert sibrisk.plot is importlib.import_module("sibrisk.report.plot")
    assert sibrisk.power.sample_size is sibrisk.evidence.sample_size


def test_interpreted_kernel_gives_the_compiled_numbers(drc):
    """The account settles its one row with the kernel's Python source; the compiled
    kernel gives the same numbers (to rounding) for the same row."""
    s = drc.replace("contract.payment_year", 2)
    outcomes = expected_outcomes(s, "cohort")
    rates = sibrisk.price_surplus_share(s).applied_rates.astype(float)
    interpreted = settle_expected(s, outcomes, rates)
    from sibrisk.ledger.discount import discount_factors

    cat = CatalogueContract.of(s, rates=rates)
    row = lambda a: np.ascontiguousarray(np.asarray(a, dtype=float)[None, :])  # noqa: E731
    want = wanted(1, cat.years, yearly=True, irr=True)
    compiled = cat.settle(row(outcomes.participants), row(outcomes.gross),
                          row(outcomes.additional), row(outcomes.deadweight),
                          point_parameters(s), np.empty((1, 0)), np.empty(0, dtype=np.int64),
                          discount_factors(s.discounting, cat.years - 1)[None], want=want)
    np.testing.assert_allclose([interpreted.values[k] for k in OUTPUT_COLUMNS], compiled[0],
                               rtol=1e-13, atol=1e-9)
    assert interpreted.irr == pytest.approx(float(want.irr[0]), rel=1e-13)
    np.testing.assert_allclose(interpreted.account, want.yearly[0, 2], rtol=1e-13, atol=1e-9)


def test_a_kernel_runs_as_python_inside_interpreted():
    u = np.linspace(0.001, 0.999, 200)
    n = np.full(u.size, 56, dtype=np.int64)
    p = np.full(u.size, 0.3)
    compiled, python = np.empty(u.size, np.int64), np.empty(u.size, np.int64)
    D.binomial_many(n, p, u, compiled)
    with _jit.interpreted():
        D.binomial_many(n, p, u, python)
    np.testing.assert_array_equal(compiled, python)
    np.testing.assert_array_equal(compiled, stats.binom.ppf(u, 56, 0.3))


def test_compile_notice_is_said_once_and_quiet_silences_it(tmp_path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}  # an empty cache: numba compiles
    argv = [sys.executable, "-m", "sibrisk", "simulate", "--runs", "200", "--seed", "1",
            "--json"]
    first = subprocess.run(argv, capture_output=True, text=True, env=env, check=True)
    notes = [line for line in first.stderr.splitlines() if "compiling" in line]
    assert len(notes) == 1 and notes[0].startswith("sibrisk: compiling"), first.stderr
    again = subprocess.run(argv, capture_output=True, text=True, env=env, check=True)
    assert "compiling" not in again.stderr  # loaded from the cache the first run wrote
    assert json.loads(again.stdout) == json.loads(first.stdout)
    quiet = subprocess.run([*argv, "--quiet"], capture_output=True, text=True,
                           env={**env, "NUMBA_CACHE_DIR": str(tmp_path / "other")},
                           check=True)
    assert "compiling" not in quiet.stderr


@pytest.mark.parametrize("vary, output", [
    ("effect.decay", "municipal_account"), ("effect.decay", "budget_surplus"),
    ("gross_employment", "investor_result"), ("marginal_effect", "budget_surplus"),
    ("municipality.ordinary_effort_saved_share", "municipal_account"),
])
def test_breakeven_bisection_finds_brents_root(drc, vary, output):
    be = breakeven(drc, vary, output)
    fixed = sibrisk.price_surplus_share(drc)
    from sibrisk.metrics.account import evaluate

    def f(x):
        return evaluate(drc.replace(vary, x), fixed)[output]

    half = (be.bounds[1] - be.bounds[0]) / 200
    reference = brentq(f, be.value - half, be.value + half, xtol=1e-15, rtol=1e-15)
    assert be.value == pytest.approx(reference, rel=1e-12, abs=1e-14)


KINDS = {
    "uniform": {"low": 0.1, "high": 0.3},
    "triangular": {"low": 0.05, "mode": 0.15, "high": 0.4},
    "pert": {"low": 0.05, "mode": 0.3, "high": 0.4, "shape": 6.0},
    "normal": {"mean": 0.15, "sd": 0.1},
    "truncnormal": {"mean": 0.15, "sd": 0.1, "low": 0.0, "high": 1.0},
    "lognormal": {"mean": 2.5, "sd": 0.7},
    "beta": {"a": 2.0, "b": 8.0, "low": 1.0, "high": 3.0},
    "evidence": {"successes": 3, "trials": 20, "prior": "jeffreys"},
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_closed_form_mean_and_support_agree_with_scipy(kind):
    """Reading a scenario computes means and supports without scipy.stats; scipy's
    frozen distributions are the oracle."""
    dist = Distribution(kind, tuple(KINDS[kind].items()))
    frozen = dist._frozen()
    assert dist.mean() == pytest.approx(float(frozen.mean()), rel=1e-12)
    lo, hi = frozen.support()
    assert dist.support() == (float(lo), float(hi))


def test_truncnormal_far_in_a_tail_uses_scipys_careful_mean():
    dist = Distribution("truncnormal", (("mean", 0.0), ("sd", 0.01), ("low", 0.5),
                                        ("high", 0.6)))
    assert math.isfinite(dist.mean())
    assert dist.mean() == pytest.approx(float(dist._frozen().mean()), rel=1e-9)


KEYS = [k for k in sibrisk.load_scenario("drc-sib-2023").numeric_inputs()
        if k not in sibrisk.AGGREGATE_INPUTS]


@given(key=st.sampled_from(KEYS),
       value=st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                       st.integers(-10, 10**6), st.sampled_from([0, 1, 0.5, 15, 2.0])))
def test_replacing_one_input_equals_the_general_path(drc, key, value):
    """``Scenario.replace`` of one number takes a shortcut; it must give the same
    scenario (distributions and correlations dropped alike) or the same error."""
    def outcome(f):
        try:
            s = f()
        except sibrisk.ScenarioError as exc:
            return ("error", str(exc))
        return ("ok", s, s.uncertain, s.correlation)

    fast = outcome(lambda: drc._replace_leaf(key, value))
    slow = outcome(lambda: drc._replace_via_dict({key: value}))
    assert fast == slow
    if fast[0] == "ok":
        assert fast[1].get(key) == slow[1].get(key)
