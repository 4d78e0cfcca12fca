"""The compiled sweep engine: contract variants settled by the numba kernel give the numbers
of the general path (simulate and summarize_contracts) to rounding, whatever the terms,
caps, blocks and threads; contracts outside its family are settled the general way."""

from __future__ import annotations

import copy
import subprocess
import sys

import numba
import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

import sibrisk
from sibrisk.errors import SibriskError
from sibrisk.ledger import family as _compiled
from sibrisk.ledger.settlement import bind_checked
from sibrisk.metrics import risk

DRC = "drc-sib-2023"
RUNS, SEED = 4_000, 3
QUANTILES = (0.05, 0.5, 0.95)


def _both(contract, axes, *, runs=RUNS, seed=SEED, **kw):
    """The same sweep by the compiled and by the general engine."""
    auto = sibrisk.sweep(None, axes, contract=contract, runs=runs, seed=seed, engine="auto",
                         **kw)
    general = sibrisk.sweep(None, axes, contract=contract, runs=runs, seed=seed,
                            engine="general", **kw)
    return auto, general


def _assert_same(auto: xr.Dataset, general: xr.Dataset) -> None:
    assert list(auto.data_vars) == list(general.data_vars)
    xr.testing.assert_identical(auto.coords.to_dataset(), general.coords.to_dataset())
    assert auto.attrs == general.attrs
    for name in general.data_vars:
        assert auto[name].dims == general[name].dims, name
        np.testing.assert_allclose(auto[name].values, general[name].values, rtol=1e-9,
                                   atol=1e-6, equal_nan=True, err_msg=name)


def _bound(contract):
    return bind_checked(sibrisk.Contract.from_dict(contract), sibrisk.load_scenario(DRC))


@pytest.fixture
def kernel(monkeypatch):
    """The number of variants each call of the compiled kernel settled."""
    calls: list[int] = []
    real = _compiled.settle_and_summarize

    def spy(family, *args, **kwargs):
        calls.append(family.variants)
        return real(family, *args, **kwargs)

    monkeypatch.setattr(_compiled, "settle_and_summarize", spy)
    return calls


# ---------------------------------------------------------------------------
# Contracts of the compiled family
# ---------------------------------------------------------------------------
STANDARD = {"name": "standard", "scenario": DRC,
            "payments": [{"kind": "surplus_share", "investor_share": 0.5}]}

# a chain of two metrics; every kind of cap binds in some runs at some points
RATE_CARD = {
    "name": "card", "scenario": DRC, "lag_months": 1.0, "cap": 3.0e6,
    "metrics": [{"name": "employed", "month": 2.0},
                {"name": "sustained", "of": "employed", "retention": 0.7, "month": 14.0}],
    "payments": [{"kind": "rate_card",
                  "rates": {"employed": {"with_experience": 120_000.0,
                                         "no_experience": 160_000.0},
                            "sustained": 40_000.0},
                  "cap_per_participant": 220_000.0, "metric_caps": {"sustained": 500_000.0},
                  "cap": 3.5e6}]}

SAVINGS = {
    "name": "savings", "scenario": DRC, "cap": 5.0e6,
    "payers": [{"name": "municipality", "pays": 0.7, "saves": 0.6},
               {"name": "state", "pays": 0.3, "saves": 0.4}],
    "capital": {"commitment": 4.0e6, "drawdown": [[0.0, 0.6], [12.0, 0.4]]},
    "payments": [{"kind": "savings_share", "share": 0.8, "interest": 0.04, "share_after": 0.25,
                  "years": 12, "cap": 5.0e6}]}

# a share of 0 repays nothing (share_after only once nothing is owed: with no commitment);
# more years than the horizon has savings
NO_SHARE = {
    "name": "no-share", "scenario": DRC, "capital": {"commitment": 3.0e6},
    "payments": [{"kind": "savings_share", "share": 0.4, "interest": 0.02, "share_after": 0.3,
                  "years": 20}]}

FAMILY = {
    "standard": (STANDARD, {"payments[0].investor_share": [0.2, 0.5, 0.9]}, False),
    "rate-card": (RATE_CARD, {"payments[0].rates.sustained": [40_000.0, 100_000.0],
                              "cap": [3.0e6, 1e9]}, True),
    "savings-share": (SAVINGS, {"payments[0].share": [0.5, 0.8],
                                "payments[0].cap": [4.5e6, 1e9]}, True),
    "share-zero": (NO_SHARE, {"payments[0].share": [0.0, 0.4],
                              "capital.commitment": [0.0, 3.0e6]}, False),
}


@pytest.mark.parametrize("case", list(FAMILY))
def test_compiled_sweep_equals_the_general_sweep(case, kernel):
    """The compiled kernel settles every point, and every field equals the general path's."""
    contract, axes, capped = FAMILY[case]
    assert _compiled.outside_family(_bound(contract)) is None
    auto, general = _both(contract, axes)
    points = int(np.prod([len(v) for v in axes.values()]))
    assert sum(kernel) == points  # the auto sweep went the compiled way, every point
    _assert_same(auto, general)
    p = auto.cap_bound_probability.values
    if capped:  # the caps bind in some runs, not all, at some point
        assert ((p > 0.0) & (p < 1.0)).any(), p
    else:
        assert (p == 0.0).all()


def test_contract_caps_cut_the_payment():
    """The contract cap and the share of the savings change the money (the test has teeth)."""
    auto, _ = _both(RATE_CARD, FAMILY["rate-card"][1])
    pay = auto.payment_mean
    assert (pay.sel(cap=3.0e6) < pay.sel(cap=1e9)).all()
    auto, _ = _both(NO_SHARE, FAMILY["share-zero"][1])
    pay = auto.payment_mean
    # no share, capital owed: nothing paid; nothing owed: share_after of the savings
    assert float(pay.sel({"payments[0].share": 0.0, "capital.commitment": 3.0e6})) == 0.0
    assert float(pay.sel({"payments[0].share": 0.0, "capital.commitment": 0.0})) > 0.0


def test_a_payer_passing_on_all_its_savings():
    """A savings share of 1: the payer's loss probability is the same both ways."""
    contract = {"name": "all-savings", "scenario": DRC,
                "payments": [{"kind": "savings_share", "share": 1.0, "years": 15}]}
    _assert_same(*_both(contract, {"payments[0].share": [0.5, 1.0]}, runs=3_000))


def test_quantile_errors_of_atoms():
    """Atoms of the NPV (a capped savings share) give the same quantile errors both ways."""
    contract = {"name": "atoms", "scenario": DRC, "cap": 4.0e6,
                "payments": [{"kind": "savings_share", "share": 0.8, "interest": 0.3,
                              "years": 30}]}
    _assert_same(*_both(contract, {"cap": [4.0e6]}, runs=3_000))


# ---------------------------------------------------------------------------
# Outside the family: the general path
# ---------------------------------------------------------------------------
CARD = {"name": "outside", "scenario": DRC,
        "payments": [{"kind": "rate_card", "rates": {"employed": 150_000.0}}]}


def _with(**changes):
    contract = copy.deepcopy(CARD)
    contract.update(changes)
    return contract


OUTSIDE = {
    "trigger": (_with(payments=[{**CARD["payments"][0], "trigger": {"pooled_at_least": 0.1}}]),
                "trigger"),
    "termination": (_with(termination_month=12.0), "termination"),
    "evaluation": (_with(evaluation={"fee": 100_000.0, "month": 12.0, "paid_by": "payers"}),
                   "evaluation"),
    "loan": (_with(capital={"model": "loan", "repay_month": 36.0}), "loan"),
    "grant": (_with(capital={"model": "grant"}), "grant"),
    "tranches": (_with(capital={"tranches": [{"name": "senior", "share": 0.7, "coupon": 0.05},
                                             {"name": "junior", "share": 0.3}]}), "tranches"),
    "guarantee": (_with(capital={"guarantee": {"amount": 1.0e6}}), "guarantee"),
    "effect": (_with(payments=[{"kind": "effect", "points": [[0.1, 50_000.0]]}]), "Effect"),
}


@pytest.mark.parametrize("case", list(OUTSIDE))
def test_outside_the_family_is_named(case):
    """outside_family names why a contract the kernel cannot settle is outside it."""
    contract, word = OUTSIDE[case]
    assert _compiled.outside_family(_bound(CARD)) is None
    reason = _compiled.outside_family(_bound(contract))
    assert reason is not None and word in reason


def test_outside_the_family_sweeps_the_general_way(kernel):
    """A guaranteed contract's auto sweep does not use the kernel and equals the general one."""
    contract = OUTSIDE["guarantee"][0]
    auto, general = _both(contract, {"capital.guarantee.amount": [5.0e5, 2.0e6]}, runs=2_000)
    assert kernel == []
    _assert_same(auto, general)
    assert "guarantor" in auto.actor.values


def test_terms_that_change_the_structure_fall_back(kernel):
    """Variants of different structure (savings years) are no family, and still agree."""
    contract = {"name": "mixed", "scenario": DRC, "cap": 4.0e6,
                "payments": [{"kind": "rate_card", "rates": {"employed": 100_000.0},
                              "cap": 2.0e6},
                             {"kind": "savings_share", "share": 0.5, "interest": 0.03,
                              "share_after": 0.2, "years": 3}]}
    bounds = []
    for years in (3, 8):
        variant = copy.deepcopy(contract)
        variant["payments"][1]["years"] = years
        bounds.append(_bound(variant))
    horizon = sibrisk.load_scenario(DRC).effect.horizon
    assert _compiled.compile_family(bounds[:1], horizon) is not None
    assert _compiled.compile_family(bounds, horizon) is None
    auto, general = _both(contract, {"payments[1].years": [3, 8],
                                     "payments[0].rates.employed": [80_000.0, 120_000.0]})
    _assert_same(auto, general)
    pay = auto.payment_mean.sel({"payments[0].rates.employed": 80_000.0})
    assert float(pay[0]) != float(pay[1])  # the years matter


# ---------------------------------------------------------------------------
# Measures and mistakes
# ---------------------------------------------------------------------------
def test_irr_goes_the_general_way(kernel):
    """measures=('npv', 'irr') skips the kernel, keeps IRR fields and the NPV fields agree."""
    axes = {"payments[0].share": [0.5, 0.8]}
    auto, general = _both(SAVINGS, axes, measures=("npv", "irr"))
    assert kernel == []
    _assert_same(auto, general)
    for name in ("irr_quantiles", "irr_quantiles_se", "irr_defined_probability"):
        assert name in auto and auto[name].notnull().any(), name
    assert auto.attrs["measures"] == "npv, irr"
    npv_only = sibrisk.sweep(None, axes, contract=SAVINGS, runs=RUNS, seed=SEED)
    assert sum(kernel) == 2
    for name in npv_only.data_vars:
        np.testing.assert_allclose(npv_only[name].values, auto[name].values, rtol=1e-9,
                                   atol=1e-6, equal_nan=True, err_msg=name)


@pytest.mark.parametrize("measures", [("irr",), ("npv", "var"), ("npv", "npv"), "risk"])
def test_bad_measures_are_named(measures):
    """Measures without 'npv', unknown or repeated raise a SibriskError naming measures."""
    with pytest.raises(SibriskError, match="measures = "):
        sibrisk.sweep(None, {"payments[0].investor_share": [0.5]}, contract=STANDARD, runs=10,
                      measures=measures)


def test_a_bad_engine_is_named():
    """An unknown engine raises a SibriskError naming engine."""
    with pytest.raises(SibriskError, match="engine = 'fast'"):
        sibrisk.sweep(None, {"payments[0].investor_share": [0.5]}, contract=STANDARD, runs=10,
                      engine="fast")


# ---------------------------------------------------------------------------
# The summary of one sample
# ---------------------------------------------------------------------------
ATOMS = (-2.5e6, -74_164.7, -1.0, -0.0, 0.0, 0.5, 1.0e6, 1.0e6 + 1e-4, 3.3e6)
# amounts of money: no subnormal spreads (see test_a_tiny_spread_is_summarised)
MONEY = st.floats(-1e12, 1e12, allow_nan=False, allow_infinity=False,
                  allow_subnormal=False).map(lambda v: 0.0 if abs(v) < 1e-200 else v)
VALUES = st.one_of(st.sampled_from(ATOMS), MONEY)


@st.composite
def samples(draw) -> np.ndarray:
    """Samples with ties: short lists, one value repeated, or mixtures of a few atoms and a
    continuous part (up to 3,000 values, drawn with a seeded generator)."""
    form = draw(st.sampled_from(("list", "constant", "mixture")))
    if form == "list":
        return np.array(draw(st.lists(VALUES, min_size=1, max_size=80)), dtype=float)
    n = draw(st.integers(1, 3_000))
    if form == "constant":
        return np.full(n, draw(VALUES))
    atoms = np.array(draw(st.lists(VALUES, min_size=1, max_size=5)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    scale = draw(st.sampled_from((1e-3, 1.0, 1e6)))
    continuous = rng.normal(draw(st.sampled_from((-1.0, 0.0, 1.0))) * scale, scale, n)
    atom = rng.random(n) < draw(st.sampled_from((0.0, 0.5, 0.9, 0.99, 1.0)))
    return np.where(atom, rng.choice(atoms, n), continuous)


def _kernel_summary(x: np.ndarray, quantiles: tuple[float, ...] = QUANTILES
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    mid, lo, hi = _compiled.quantile_ranks(x.size, quantiles)
    stats, value, se = np.empty(4), np.empty(len(quantiles)), np.empty(len(quantiles))
    _compiled._summarize_sample(x, mid, lo, hi, stats, value, se)
    return stats, value, se


#: Quantiles in any order, some of them close together (their windows then overlap).
SOME_QUANTILES = st.lists(st.sampled_from((0.01, 0.05, 0.06, 0.25, 0.5, 0.51, 0.75, 0.95,
                                           0.99)), min_size=1, max_size=5, unique=True)


@settings(max_examples=60, deadline=None)
@given(samples(), SOME_QUANTILES)
def test_summary_of_a_sample_equals_the_reference(x, quantiles):
    """_summarize_sample gives risk's mean, loss probability and quantiles, with errors."""
    n = x.size
    w = np.full(n, 1.0 / n)
    stats, value, se = _kernel_summary(x, tuple(quantiles))
    mean = risk._mean(x, w, False)
    prob = risk._prob(risk._lost(x), w, False)  # a loss: below -LOSS_TOLERANCE
    xs, cw = risk._sorted(x, w)
    ref = [risk._quantile(xs, cw, q, False) for q in quantiles]
    # sums in another order: rounding of a sum of n terms of at most max|x|
    dust = 8 * n * np.finfo(float).eps * float(np.abs(x).max())
    np.testing.assert_allclose(stats[:2], mean, rtol=1e-9, atol=dust)
    np.testing.assert_allclose(stats[2:], prob, rtol=1e-9, atol=0.0)
    np.testing.assert_array_equal(value, [v for v, _ in ref])
    np.testing.assert_allclose(se, [s for _, s in ref], rtol=1e-9, atol=0.0)


def _crowded(case: str) -> np.ndarray:
    """Samples whose quantiles fall in a bin of the histogram too full to sort whole."""
    rng = np.random.default_rng(7)
    n = 200_001
    x = rng.normal(0.0, 1e6, n)
    crowd = rng.random(n)
    if case == "inside a window":  # 600 values, two atoms 1e-12 apart, amid the median
        x = np.concatenate([rng.uniform(-2e6, -1e6, 99_700), np.full(300, 1.0),
                            np.full(300, 1.0 + 1e-12), np.full(5, 1.0 + 1e-6),
                            rng.uniform(1e6, 2e6, 99_696)])
        return rng.permutation(x)
    gap = {"one atom": 0.0, "two atoms": 1e-12, "two atoms apart": 10.0}[case]
    x[crowd < 0.6] = 1.0
    x[(crowd >= 0.6) & (crowd < 0.8)] = 1.0 + gap
    if gap != 10.0:  # values just above the atoms, in their bin
        x[crowd >= 0.99] = 1.0 + rng.random(int((crowd >= 0.99).sum())) * 1e-6
    return x


@pytest.mark.parametrize("case", ["one atom", "two atoms", "two atoms apart",
                                  "inside a window"])
def test_crowded_bins_are_summarised(case):
    """Quantiles in a bin too full to sort whole (divided into bins again, then each
    sorted, selected in, or left as one atom) equal the reference."""
    x = _crowded(case)
    quantiles = (0.05, 0.3, 0.5, 0.62, 0.79, 0.95)
    stats, value, se = _kernel_summary(x, quantiles)
    xs, cw = risk._sorted(x, np.full(x.size, 1.0 / x.size))
    ref = [risk._quantile(xs, cw, q, False) for q in quantiles]
    np.testing.assert_array_equal(value, [v for v, _ in ref])
    np.testing.assert_allclose(se, [s for _, s in ref], rtol=1e-9, atol=0.0)


def test_a_tiny_spread_is_summarised():
    """Two values 1e-306 apart are summarised as the reference does (in a subprocess)."""
    code = (
        "import numpy as np\n"
        "from sibrisk.ledger import family as _compiled\n"
        "from sibrisk.metrics import risk\n"
        "x = np.array([0.0, 1e-306, 0.0])\n"
        "mid, lo, hi = _compiled.quantile_ranks(3, (0.05, 0.5, 0.95))\n"
        "stats, value, se = np.empty(4), np.empty(3), np.empty(3)\n"
        "_compiled._summarize_sample(x, mid, lo, hi, stats, value, se)\n"
        "xs, cw = risk._sorted(x, np.full(3, 1 / 3))\n"
        "ref = [risk._quantile(xs, cw, q, False)[0] for q in (0.05, 0.5, 0.95)]\n"
        "assert value.tolist() == ref, (value, ref)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]


# ---------------------------------------------------------------------------
# Threads
# ---------------------------------------------------------------------------
def test_same_numbers_whatever_the_threads(kernel):
    """A compiled sweep on one thread and on two gives identical datasets."""
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("numba has a single thread here")
    axes = {"payments[0].rates.sustained": [40_000.0, 70_000.0, 100_000.0],
            "cap": [3.0e6, 1e9]}
    before = numba.get_num_threads()
    out = []
    try:
        for threads in (1, 2):
            numba.set_num_threads(threads)
            out.append(sibrisk.sweep(None, axes, contract=RATE_CARD, runs=5_000, seed=SEED))
    finally:
        numba.set_num_threads(before)
    assert sum(kernel) == 2 * 6
    xr.testing.assert_identical(out[0], out[1])


# ---------------------------------------------------------------------------
# Terms the outcomes were not drawn for, several outcome models, the inputs
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("axes", [
    {"metrics[1].retention": [0.3, 0.7]},  # counts drawn with the base contract's 0.7
    {"metrics[1].retention": [0.3]},  # a block of variants none of which the draw fits
], ids=["retention", "retention-only-other"])
def test_a_retention_the_outcomes_were_not_drawn_with_goes_the_general_way(axes, kernel):
    """A variant whose metric chain differs from the drawn one is simulated instead."""
    _assert_same(*_both(RATE_CARD, axes))


def test_dates_beyond_the_drawn_discount_factors_go_the_general_way(kernel):
    """A drawdown later than the outcomes' discount factors reach: simulated instead."""
    _assert_same(*_both(SAVINGS, {"capital.drawdown[1][0]": [12.0, 240.0]}))


def test_several_outcome_models_each_settled_on_its_own_draws(kernel):
    """Points that change the outcome model and the contract: each model is drawn once and
    its variants settled on it; the same as the general way."""
    auto, general = _both(SAVINGS, {"effect.decay": [0.1, 0.3], "payments[0].share": [0.5, 0.8]},
                          runs=3_000)
    assert sum(kernel) == 4
    _assert_same(auto, general)
    assert (auto.outcome_stream == 0).all()  # two models, one stream: common random numbers


def test_sweep_inputs_are_checked_before_anything_is_drawn(kernel):
    """Runs, quantiles and every value of a contract axis are checked up front; no quantile
    at all is allowed."""
    axes = {"cap": [3e6, 4e6]}
    with pytest.raises(SibriskError, match="runs"):
        sibrisk.sweep(None, axes, contract=SAVINGS, runs=0)
    with pytest.raises(SibriskError, match="quantiles"):
        sibrisk.sweep(None, axes, contract=SAVINGS, runs=100, quantiles=(0.5, 1.5))
    with pytest.raises(sibrisk.ContractError, match="cap"):
        sibrisk.sweep(None, {"cap": [3e6, -1.0]}, contract=SAVINGS, runs=100)
    assert not kernel
    auto, general = _both(SAVINGS, axes, runs=500, quantiles=())
    _assert_same(auto, general)
    assert auto.sizes["quantile"] == 0
