"""Sensitivity: tornado ranges against the deterministic account, Sobol' indices against
the variance shares of a model that is linear in its uncertain inputs, and the
replicate intervals' coverage and width against the exact indices of the Ishigami
function (Ishigami and Homma 1990; indices in Saltelli et al., Global Sensitivity
Analysis: The Primer, Wiley 2008, section 4.7)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats

import sibrisk
from sibrisk import cli
from sibrisk.engine import sensitivity
from sibrisk.errors import SibriskError

DRC = "drc-sib-2023"


@pytest.fixture(scope="module")
def drc():
    return sibrisk.load_scenario(DRC)


def _held(scenario, base, **changes):
    """The deterministic account (per cohort) with the contract held at the base price."""
    return sibrisk.account(scenario.replace(changes) if changes else scenario, per="cohort",
                           tariff=sibrisk.price_surplus_share(base))


def test_tornado_ends_are_the_account_at_the_quantiles(drc):
    t = sibrisk.tornado(drc, "municipal_account", level=0.8)
    assert t.attrs["base"] == pytest.approx(float(_held(drc, drc).municipal_account),
                                            rel=1e-10)
    assert set(t.input.values) == set(drc.uncertain_inputs)
    for key in t.input.values:
        dist = drc.uncertain_inputs[str(key)]
        low, high = dist.ppf(np.array([0.1, 0.9]))
        row = t.sel(input=key)
        assert float(row.low) == pytest.approx(low) and float(row.high) == pytest.approx(high)
        for value, out in ((low, row.output_low), (high, row.output_high)):
            expected = float(_held(drc, drc, **{str(key): float(value)}).municipal_account)
            assert float(out) == pytest.approx(expected, rel=1e-9, abs=1e-3)
    swings = t.swing.values
    assert (np.diff(swings) <= 0).all()  # widest first
    np.testing.assert_allclose(swings, np.abs(t.output_high - t.output_low))


def test_tornado_rejects_bad_requests(drc):
    with pytest.raises(SibriskError, match="output = 'municipal'.*'municipal_account'"):
        sibrisk.tornado(drc, "municipal")
    with pytest.raises(SibriskError, match=r"level = 1.5: must be a number in \(0, 1\)"):
        sibrisk.tornado(drc, level=1.5)
    fixed = drc.replace({key: float(drc.get(key)) for key in drc.uncertain_inputs})
    with pytest.raises(SibriskError, match="no input is uncertain"):
        sibrisk.tornado(fixed)


@pytest.fixture(scope="module")
def linear(drc):
    """Only the saving per employed year and the provider's cost uncertain: the budget
    surplus is linear in both, so its variance shares are exact."""
    fixed = {key: float(drc.get(key)) for key in drc.uncertain_inputs}
    return drc.replace({
        **fixed,
        "municipality.saving_per_employed_year": {"value": 88953.5, "dist": "uniform",
                                                  "low": 60000.0, "high": 120000.0},
        "provider.cost_per_participant": {"value": 74164.7, "dist": "uniform",
                                          "low": 60000.0, "high": 90000.0},
    })


def test_sobol_matches_the_variance_shares_of_a_linear_model(linear):
    s = sibrisk.sobol(linear, "budget_surplus", n=4096, seed=3)
    # slopes of the budget surplus (per cohort) in each input, from the account itself
    base = float(_held(linear, linear).budget_surplus)
    k_a = (float(_held(linear, linear, **{"municipality.saving_per_employed_year": 88954.5})
                 .budget_surplus) - base)
    k_c = (float(_held(linear, linear, **{"provider.cost_per_participant": 74165.7})
                 .budget_surplus) - base)
    var_a, var_c = (k_a * 60000.0) ** 2 / 12, (k_c * 30000.0) ** 2 / 12
    share = {"municipality.saving_per_employed_year": var_a / (var_a + var_c),
             "provider.cost_per_participant": var_c / (var_a + var_c)}
    for key, exact in share.items():
        row = s.sel(input=key)
        assert float(row.first_order) == pytest.approx(exact, abs=0.03)
        assert float(row.total_order) == pytest.approx(exact, abs=0.03)
        assert float(row.total_order_low) <= exact <= float(row.total_order_high)
        assert float(row.first_order_low) <= exact <= float(row.first_order_high)
        assert float(row.total_order_high - row.total_order_low) < 0.01
    assert s.attrs["evaluations"] == 8 * 4096 * 4 and s.attrs["replicates"] == 8


def test_sobol_is_reproducible_and_checks_its_inputs(linear, drc):
    a = sibrisk.sobol(linear, "budget_surplus", n=256, seed=5)
    b = sibrisk.sobol(linear, "budget_surplus", n=256, seed=5)
    for name in a.data_vars:
        assert np.array_equal(a[name].values, b[name].values)
    with pytest.raises(SibriskError, match="n = 1000: must be a power of 2"):
        sibrisk.sobol(linear, n=1000)
    with pytest.raises(SibriskError, match="not finite"):
        sibrisk.sobol(drc, "municipal_payback_year", n=256)
    with pytest.raises(SibriskError, match="replicates = 1: must be a whole number >= 2"):
        sibrisk.sobol(linear, n=256, replicates=1)
    with pytest.raises(SibriskError, match=r"confidence_level = 1.5: must be a number in"):
        sibrisk.sobol(linear, n=256, confidence_level=1.5)


A, B = 7.0, 0.1  # the Ishigami function's usual constants


def _ishigami(x: np.ndarray) -> np.ndarray:
    return np.sin(x[0]) + A * np.sin(x[1]) ** 2 + B * x[2] ** 4 * np.sin(x[0])


def _ishigami_exact() -> tuple[np.ndarray, np.ndarray]:
    v = A**2 / 8 + B * np.pi**4 / 5 + B**2 * np.pi**8 / 18 + 0.5
    v1 = 0.5 * (1 + B * np.pi**4 / 5) ** 2
    v2 = A**2 / 8
    v13 = 8 * B**2 * np.pi**8 / 225
    return np.array([v1, v2, 0.0]) / v, np.array([v1 + v13, v2, v13]) / v


def _uniform_ppf(u: np.ndarray) -> np.ndarray:
    return -np.pi + 2 * np.pi * u


def test_replicate_intervals_cover_the_exact_indices_and_match_their_spread():
    """Over 40 seeds, the 95 % intervals of the six Ishigami indices cover the exact
    values about 95 % of the time, and their half-width is the Student-t multiple of
    the estimates' own seed-to-seed spread (a bootstrap of one scrambled sample was
    ten to fifty times wider)."""
    first_exact, total_exact = _ishigami_exact()
    seeds = 40
    covered, half, estimate = [], [], []
    for seed in range(seeds):
        est = sensitivity.sobol_replicates(_ishigami, [_uniform_ppf] * 3, n=1024, seed=seed,
                                           replicates=8, confidence_level=0.95)
        for name, exact in (("first_order", first_exact), ("total_order", total_exact)):
            covered.append((est[f"{name}_low"] <= exact) & (exact <= est[f"{name}_high"]))
            half.append((est[f"{name}_high"] - est[f"{name}_low"]) / 2)
            estimate.append(est[name])
    covered = np.array(covered)
    assert 0.85 <= covered.mean() <= 1.0  # 240 intervals: 95 % +- 1.4 %
    half = np.array(half).reshape(seeds, 2, 3).mean(axis=0)
    spread = np.array(estimate).reshape(seeds, 2, 3).std(axis=0, ddof=1)
    t = stats.t.ppf(0.975, 7)
    ratio = half / spread  # t = 2.36 in expectation (measured: 2.0 to 2.4)
    assert (ratio > 0.6 * t).all() and (ratio < 1.6 * t).all()
    # and the estimates are right
    means = np.array(estimate).reshape(seeds, 2, 3).mean(axis=0)
    np.testing.assert_allclose(means, [first_exact, total_exact], atol=0.01)


def test_replicates_are_the_mean_and_the_spread_of_independent_scrambles(linear):
    """The index is the mean of the replicates, its standard error their standard
    deviation over sqrt(R); replicate i does not depend on how many there are."""
    est = sensitivity.sobol_replicates(_ishigami, [_uniform_ppf] * 3, n=256, seed=1,
                                       replicates=5, confidence_level=0.9)
    more = sensitivity.sobol_replicates(_ishigami, [_uniform_ppf] * 3, n=256, seed=1,
                                        replicates=7, confidence_level=0.9)
    np.testing.assert_array_equal(est["first_order_replicates"],
                                  more["first_order_replicates"][:5])
    reps = est["total_order_replicates"]
    np.testing.assert_allclose(est["total_order"], reps.mean(axis=0), rtol=1e-12)
    se = reps.std(axis=0, ddof=1) / np.sqrt(5)
    np.testing.assert_allclose(est["total_order_se"], se, rtol=1e-12)
    np.testing.assert_allclose(est["total_order_high"] - est["total_order"],
                               stats.t.ppf(0.95, 4) * se, rtol=1e-12)
    s = sibrisk.sobol(linear, "budget_surplus", n=256, seed=2, replicates=3)
    assert s.attrs["replicates"] == 3 and "Student-t" in s.attrs["method"]
    assert (s.first_order_se > 0).all()


def test_sensitivity_on_the_command_line(capsys):
    status = cli.main(["sensitivity", "--n", "512", "--json"])
    out = capsys.readouterr().out
    assert status == 0
    d = json.loads(out)
    assert d["output"] == "municipal_account" and d["tornado"][0]["input"] == "effect.decay"
    assert {x["input"] for x in d["sobol"]} == {x["input"] for x in d["tornado"]}
    status = cli.main(["sensitivity", "--n", "512"])
    assert status == 0 and "Sobol' indices" in capsys.readouterr().out


def test_several_cohorts_give_the_same_sensitivity(drc):
    """Without the cohort's luck the money of expected outcomes does not depend on how the
    participants are split into cohorts; the kernel is given one cell per cohort and type
    (it was given one per type, and wrote past its arrays)."""
    two = drc.replace("cohort.cohorts", 2)
    for output in ("municipal_account", "investor_result"):
        a, b = sibrisk.tornado(drc, output), sibrisk.tornado(two, output)
        assert a.attrs["base"] == pytest.approx(b.attrs["base"], rel=1e-12)
        np.testing.assert_allclose(a.output_low.values, b.output_low.values, rtol=1e-12)
        np.testing.assert_allclose(a.output_high.values, b.output_high.values, rtol=1e-12)
