"""sibrisk.evidence.power_analysis: exact power against simulation, the normal approximation against
statsmodels, Fisher's p-values against scipy, and the sample size's saw-tooth rule."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import (
    power_proportions_2indep,
    proportion_effectsize,
    proportions_ztest,
)

from sibrisk.errors import EvidenceError
from sibrisk.evidence import power_analysis as pw


# ---------------------------------------------------------------------------
# p-values of every outcome
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("alternative", ["two-sided", "greater"])
@pytest.mark.parametrize(("n1", "n0"), [(9, 14), (6, 6), (1, 7), (12, 3)])
def test_fisher_pvalues_are_scipys_for_every_table(n1, n0, alternative):
    p = pw.fisher_pvalues(n1, n0, alternative)
    assert p.shape == (n1 + 1, n0 + 1)
    for k1 in range(n1 + 1):
        for k0 in range(n0 + 1):
            table = [[k1, n1 - k1], [k0, n0 - k0]]
            ref = stats.fisher_exact(table, alternative=alternative).pvalue
            assert p[k1, k0] == pytest.approx(ref, rel=1e-9, abs=1e-14), (k1, k0)


def test_fisher_pvalues_of_a_larger_trial_on_random_tables():
    n1, n0 = 56, 280
    p = {alt: pw.fisher_pvalues(n1, n0, alt) for alt in ("two-sided", "greater")}
    rng = np.random.default_rng(0)
    for k1, k0 in zip(rng.integers(0, n1 + 1, 40), rng.integers(0, n0 + 1, 40), strict=True):
        table = [[k1, n1 - k1], [k0, n0 - k0]]
        for alt, values in p.items():
            assert values[k1, k0] == pytest.approx(
                stats.fisher_exact(table, alternative=alt).pvalue, rel=1e-9, abs=1e-14)


def test_z_pvalues_are_statsmodels_and_degenerate_tables_do_not_reject():
    n1, n0 = 15, 40
    two, greater = pw.z_pvalues(n1, n0, "two-sided"), pw.z_pvalues(n1, n0, "greater")
    for k1, k0 in [(3, 8), (15, 2), (0, 9), (7, 40), (1, 0)]:
        _, ref = proportions_ztest([k1, k0], [n1, n0])
        assert two[k1, k0] == pytest.approx(ref, rel=1e-10)
        _, ref = proportions_ztest([k1, k0], [n1, n0], alternative="larger")
        assert greater[k1, k0] == pytest.approx(ref, rel=1e-10)
    assert two[0, 0] == two[n1, n0] == 1.0  # no variance: no evidence of a difference


# ---------------------------------------------------------------------------
# Exact power against an independent simulation
# ---------------------------------------------------------------------------
SIMULATED = [  # (p_treated, p_control, n_treated, n_control, alternative, test)
    (0.35, 0.17, 56, 280, "two-sided", "z"),
    (0.35, 0.17, 56, 280, "greater", "fisher"),
    (0.30, 0.15, 30, 30, "two-sided", "fisher"),
    (0.25, 0.25, 20, 25, "two-sided", "z"),  # no effect: the test's size
    (0.20, 0.10, 40, 80, "greater", "z"),
]


def _simulated_power(p1, p0, n1, n0, alternative, test, runs, seed):
    """Draw trials, apply the test (scipy / statsmodels) to each distinct outcome, count
    rejections: a reference that shares no code with sibrisk.evidence.power_analysis."""
    rng = np.random.default_rng(seed)
    k1, k0 = rng.binomial(n1, p1, runs), rng.binomial(n0, p0, runs)
    tables, count = np.unique(np.column_stack([k1, k0]), axis=0, return_counts=True)
    rejected = 0
    for (a, b), c in zip(tables, count, strict=True):
        if test == "fisher":
            p = stats.fisher_exact([[a, n1 - a], [b, n0 - b]], alternative=alternative).pvalue
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # all-0 or all-1 tables: nan, no rejection
                p = proportions_ztest([a, b], [n1, n0], alternative="larger"
                                      if alternative == "greater" else "two-sided")[1]
        rejected += c * (p <= 0.05)
    return rejected / runs


@pytest.mark.parametrize("case", SIMULATED, ids=[f"{c[5]}-{c[4]}-{c[2]}v{c[3]}"
                                                 for c in SIMULATED])
def test_exact_power_agrees_with_simulation(case):
    p1, p0, n1, n0, alternative, test = case
    runs = 20_000
    exact = pw.power(p1, p0, n1, n0, alternative=alternative, test=test)
    simulated = _simulated_power(p1, p0, n1, n0, alternative, test, runs, seed=7)
    se = math.sqrt(exact * (1 - exact) / runs)
    assert abs(simulated - exact) <= 4 * se, (simulated, exact, se)


def test_fishers_test_never_rejects_more_often_than_alpha_without_an_effect():
    for p in (0.1, 0.3, 0.5):
        for n1, n0 in ((10, 10), (20, 100), (56, 280)):
            assert pw.power(p, p, n1, n0, test="fisher") <= 0.05 + 1e-12


# ---------------------------------------------------------------------------
# The normal approximation
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("alternative", ["two-sided", "greater"])
@pytest.mark.parametrize(("p1", "p0", "n1", "ratio"), [(0.35, 0.17, 56, 5), (0.35, 0.17, 56, 1),
                                                       (0.6, 0.5, 200, 2), (0.1, 0.3, 80, 1)])
def test_normal_power_is_statsmodels_power_proportions_2indep(p1, p0, n1, ratio, alternative):
    ours = pw.power(p1, p0, n1, control_ratio=ratio, alternative=alternative,
                    method="normal")
    ref = power_proportions_2indep(p1 - p0, p0, n1, ratio=ratio, alpha=0.05,
                                   alternative="larger" if alternative == "greater"
                                   else "two-sided").power
    assert ours == pytest.approx(ref, rel=1e-10)


def test_normal_power_is_close_to_the_arcsine_approximation():
    """Cohen's h (statsmodels' NormalIndPower) is another normal approximation: close."""
    for n1, ratio in ((56, 5), (56, 1), (100, 1)):
        h = proportion_effectsize(0.35, 0.17)
        ref = NormalIndPower().power(h, n1, 0.05, ratio=ratio)
        ours = pw.power(0.35, 0.17, n1, control_ratio=ratio, method="normal")
        assert ours == pytest.approx(ref, abs=0.03)


def test_fishers_normal_approximation_has_the_continuity_correction():
    n1, n0 = 56, 280
    c = (1 / n1 + 1 / n0) / 2
    pooled = (n1 * 0.35 + n0 * 0.17) / (n1 + n0)
    sd0 = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
    sd1 = math.sqrt(0.35 * 0.65 / n1 + 0.17 * 0.83 / n0)
    z = stats.norm.isf(0.025)
    ref = stats.norm.cdf((0.18 - c - z * sd0) / sd1) + stats.norm.cdf((-0.18 - c - z * sd0) / sd1)
    ours = pw.power(0.35, 0.17, n1, n0, test="fisher", method="normal")
    assert ours == pytest.approx(ref, rel=1e-12)
    assert ours < pw.power(0.35, 0.17, n1, n0, method="normal")
    assert ours == pytest.approx(pw.power(0.35, 0.17, n1, n0, test="fisher"), abs=0.03)


@given(st.floats(0.05, 0.9), st.floats(0.05, 0.5), st.floats(0.001, 0.3), st.integers(20, 500),
       st.sampled_from([0.5, 1, 5]), st.sampled_from(["two-sided", "greater"]))
def test_normal_power_rises_with_the_effect_and_the_group(p0, gap, more, n, ratio, alternative):
    """For effects of 5 points or more where the approximation is sensible (groups of 20 or
    more, rates of 5-95 %). Not everywhere: in tiny groups near a rate of 0 or 1, and for
    near-zero effects with unequal groups (where it dips just below alpha), the formula
    is not monotone."""
    p1 = min(p0 + gap, 0.95)
    p2 = min(p1 + more, 0.95)
    kw = {"control_ratio": ratio, "alternative": alternative, "method": "normal"}
    low = pw.power(p1, p0, n, **kw)
    assert 0 <= low <= 1
    assert pw.power(p2, p0, n, **kw) >= low - 1e-12
    assert pw.power(p1, p0, n + 10, **kw) >= low - 1e-12


# ---------------------------------------------------------------------------
# Sample size
# ---------------------------------------------------------------------------
def test_the_catalogues_sample_size():
    """35 % vs 17 %, five register controls per participant."""
    kw = {"control_ratio": 5}
    assert pw.power(0.35, 0.17, 56, **kw) == pytest.approx(0.8363, abs=1e-4)
    assert pw.power(0.35, 0.17, 56, test="fisher", **kw) == pytest.approx(0.8079, abs=1e-4)
    z = pw.sample_size(0.35, 0.17, **kw)
    fisher = pw.sample_size(0.35, 0.17, test="fisher", **kw)
    assert (z.n_treated, z.n_control) == (52, 260)
    assert (fisher.n_treated, fisher.n_control) == (55, 275)
    assert pw.sample_size(0.35, 0.17, method="normal", **kw).n_treated == 51
    assert pw.sample_size(0.35, 0.17, test="fisher", method="normal", **kw).n_treated == 58
    # with a control group as small as the programme group, far more than 60
    assert pw.sample_size(0.35, 0.17).n_treated > 85


@pytest.mark.parametrize("kw", [
    {"control_ratio": 5},
    {"control_ratio": 1, "test": "fisher", "alternative": "greater"},
    {"control_ratio": 2, "power": 0.9},
])
def test_exact_sample_size_is_where_the_power_stays_above_the_target(kw):
    kw = {"power": 0.8, **kw}
    s = pw.sample_size(0.4, 0.2, **kw)
    opts = {k: v for k, v in kw.items() if k != "power"}
    for n in range(s.n_treated, s.n_treated + s.window + 1):
        assert pw.power(0.4, 0.2, n, **opts) >= s.target
    assert pw.power(0.4, 0.2, s.n_treated - 1, **opts) < s.target
    assert s.first_n_treated <= s.n_treated
    assert pw.power(0.4, 0.2, s.first_n_treated, **opts) == s.first_power >= s.target
    assert s.power == pw.power(0.4, 0.2, s.n_treated, **opts)


def test_the_saw_tooth_first_reaches_then_dips():
    """The exact power can first reach the target and fall below it again."""
    kw = {"control_ratio": 0.5, "test": "fisher"}
    s = pw.sample_size(0.7, 0.3, **kw)
    assert (s.first_n_treated, s.n_treated) == (35, 39)
    assert pw.power(0.7, 0.3, 35, **kw) >= 0.8
    dips = [n for n in range(35, 39) if pw.power(0.7, 0.3, n, **kw) < 0.8]
    assert dips and max(dips) == 38


def test_normal_sample_size_is_the_smallest_reaching_the_target():
    s = pw.sample_size(0.3, 0.2, control_ratio=3, method="normal", alternative="greater")
    kw = {"control_ratio": 3, "method": "normal", "alternative": "greater"}
    assert pw.power(0.3, 0.2, s.n_treated, **kw) >= 0.8 > pw.power(0.3, 0.2, s.n_treated - 1,
                                                                     **kw)
    assert s.window == 0 and s.first_n_treated == s.n_treated
    assert s.to_dict()["n_control"] == s.n_control == round(3 * s.n_treated)


def test_power_curve_dataset():
    ds = pw.power_curve(0.35, 0.17, [20, 40, 56], control_ratio=5, test="fisher")
    assert list(ds.n_treated.values) == [20, 40, 56]
    assert list(ds.n_control.values) == [100, 200, 280]
    assert ds.power_exact.sel(n_treated=56) == pytest.approx(
        pw.power(0.35, 0.17, 56, control_ratio=5, test="fisher"))
    assert ds.power_normal.sel(n_treated=40) == pytest.approx(
        pw.power(0.35, 0.17, 40, 200, test="fisher", method="normal"))
    assert ds.attrs["test"] == "fisher" and ds.attrs["p_treated"] == 0.35
    fixed = pw.power_curve(0.35, 0.17, [10, 20], n_control=500, methods=("normal",))
    assert list(fixed.n_control.values) == [500, 500] and "power_exact" not in fixed


@pytest.mark.parametrize(("call", "words"), [
    (lambda: pw.power(0, 0.17, 56), "p_treated = 0: must be a rate strictly between 0 and 1"),
    (lambda: pw.power(0.35, 1.7, 56), "p_control = 1.7"),
    (lambda: pw.power(0.35, 0.17, 0), "n_treated = 0: must be a whole number >= 1"),
    (lambda: pw.power(0.35, 0.17, 56, 100, control_ratio=5), "give n_control or "
     "control_ratio, not both"),
    (lambda: pw.power(0.35, 0.17, 56, alpha=0), "alpha = 0"),
    (lambda: pw.power(0.35, 0.17, 56, test="t"), "test = 't': must be one of 'z', 'fisher'"),
    (lambda: pw.power(0.35, 0.17, 56, method="mc"), "method = 'mc'"),
    (lambda: pw.power(0.35, 0.17, 56, alternative="less"), "alternative = 'less'"),
    (lambda: pw.power(0.35, 0.17, 10_000, control_ratio=5), "use method='normal'"),
    (lambda: pw.sample_size(0.35, 0.17, power=0.01), "power = 0.01: must be above alpha"),
    (lambda: pw.sample_size(0.17, 0.35, alternative="greater"), "must be above p_control"),
    (lambda: pw.sample_size(0.2, 0.2), "must differ from p_control"),
    (lambda: pw.sample_size(0.35, 0.17, max_n=20), "max_n = 20: is too small"),
    (lambda: pw.sample_size(0.35, 0.17, control_ratio=-1), "control_ratio = -1"),
])
def test_bad_settings_are_one_line_errors(call, words):
    with pytest.raises(EvidenceError) as info:
        call()
    assert words in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("p1, p0", [(0.8, 0.2), (0.9, 0.5)])
def test_first_n_treated_is_the_smallest_size_reaching_the_target(p1, p0):
    """Tiny one-sided trials whose exact power reaches 50 % far below the normal answer
    (found by review): first_n_treated is the first size that reaches it, by brute force."""
    kw = dict(control_ratio=0.3, alternative="greater", test="z", power=0.5)
    s = pw.sample_size(p1, p0, **kw)
    brute = next(n for n in range(1, 200) if pw.power(
        p1, p0, n, control_ratio=0.3, alternative="greater", test="z") >= 0.5)
    assert s.first_n_treated == brute
