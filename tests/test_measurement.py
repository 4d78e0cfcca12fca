"""Measurement noise: a contract that pays on an effect measured against a comparison
group, judged against the true effect (simulate(..., comparison_size=, judge_effects=)).

The oracle is an exact enumeration: with the inputs at their point values and a
fixed composition, the cohort's participants in work are a sum of binomials by type,
the comparison group's a binomial of its size, and the probability that the
measured effect misses the threshold is a finite sum.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats

import sibrisk
from sibrisk.engine.simulate import fixed_counts
from sibrisk.metrics.risk import summarize_contracts

DRC = "drc-sib-2023"
THRESHOLD = 0.10
RUNS = 40_000


def _contract(threshold=THRESHOLD, name="threshold"):
    return sibrisk.load_contract({
        "name": name, "scenario": DRC,
        "payments": [{"kind": "effect", "name": "on_effect", "measure": "pooled",
                      "per": "participant", "points": [[threshold, 150_000.0]]}]})


def _exact_unpaid(scenario, comparison_size):
    """P(measured effect < threshold) with the inputs at their point values."""
    n = fixed_counts(scenario).astype(int)
    g = np.array([t.gross_employment for t in scenario.types])
    c = np.array([t.control_employment for t in scenario.types])
    total = n.sum()
    treated = np.array([1.0])  # distribution of participants in work, by convolution
    for n_i, g_i in zip(n, g, strict=True):
        treated = np.convolve(treated, stats.binom.pmf(np.arange(n_i + 1), n_i, g_i))
    rate = (n * c).sum() / total
    k = np.arange(total + 1)[:, None]
    if comparison_size is None:
        measured, weight = k / total - rate, treated[:, None]
    else:
        m = np.arange(comparison_size + 1)[None, :]
        measured = k / total - m / comparison_size
        weight = treated[:, None] * stats.binom.pmf(m, comparison_size, rate)
    return float(weight[measured < THRESHOLD - 1e-9].sum()), rate, (n * g).sum() / total


@pytest.mark.parametrize("comparison_size", [None, 280, 56])
def test_misjudgement_meets_the_exact_probability(comparison_size):
    """Every run's true effect (17.6 pp) meets the 10 pp target, so every unpaid run is
    a misjudgement; its share agrees with the exact enumeration within 4 standard
    errors, and a smaller comparison group misjudges more often."""
    s = sibrisk.load_scenario(DRC)
    ds = sibrisk.simulate(s, runs=RUNS, seed=3, parameter_uncertainty=False,
                          contracts=[_contract()], comparison_size=comparison_size,
                          judge_effects=True)
    exact, rate, programme = _exact_unpaid(s, comparison_size)
    assert programme - rate >= THRESHOLD
    r = summarize_contracts(ds)["threshold"]
    assert r["effect_deserved_probability"] == 1.0
    assert r["paid_when_undeserved_probability"] is None  # no such run
    got, se = r["unpaid_when_deserved_probability"], r["unpaid_when_deserved_probability_se"]
    assert abs(got - exact) <= 4 * se, (got, exact, se)
    assert r["misjudged_probability"] == got
    # the payment's error: each unpaid run loses the whole payment
    assert r["measurement_overpayment_mean"] == pytest.approx(
        -got * 150_000.0 * s.cohort.size, rel=1e-9)


def test_exact_probabilities_rise_as_the_comparison_group_shrinks():
    """Not monotone in general (the measured effect lives on a lattice: 280 controls
    misjudge less often than a rate known exactly), but a small group clearly costs."""
    s = sibrisk.load_scenario(DRC)
    p = [_exact_unpaid(s, m)[0] for m in (280, 100, 56)]
    assert p[0] < p[1] < p[2] and p[2] > _exact_unpaid(s, None)[0] + 0.03


def test_without_a_comparison_size_the_engine_is_unchanged():
    """judge_effects alone adds its variables and changes no other number."""
    plain = sibrisk.simulate(DRC, runs=5_000, seed=1, contracts=[_contract()])
    judged = sibrisk.simulate(DRC, runs=5_000, seed=1, contracts=[_contract()],
                              judge_effects=True)
    for name in plain.data_vars:
        np.testing.assert_array_equal(plain[name].values, judged[name].values)
    assert {"contract_effect_paid", "contract_effect_deserved",
            "contract_payment_true_effect"} <= set(judged.data_vars)


def test_variants_share_the_comparison_groups_draws():
    """Common random numbers: a contract with a higher threshold is paid only in runs in
    which the one with the lower threshold is paid too."""
    ds = sibrisk.simulate(DRC, runs=20_000, seed=5, comparison_size=100,
                          contracts=[_contract(0.05, "low"), _contract(0.15, "high")])
    low = ds.contract_effect_paid.sel(contract="low").values
    high = ds.contract_effect_paid.sel(contract="high").values
    assert high.sum() > 0 and not (high & ~low).any() and (low & ~high).any()


def test_same_numbers_whatever_the_threads():
    args = dict(runs=30_000, seed=9, contracts=[_contract()], comparison_size=150,
                chunk_size=8_192)
    one = sibrisk.simulate(DRC, threads=1, **args)
    two = sibrisk.simulate(DRC, threads=2, **args)
    for name in ("contract_effect_paid", "contract_effect_deserved", "contract_payment",
                 "contract_payment_true_effect"):
        np.testing.assert_array_equal(one[name].values, two[name].values)


@pytest.mark.parametrize("kwargs, words", [
    (dict(comparison_size=0), "comparison_size = 0: must be a whole number"),
    (dict(comparison_size=2.5), "comparison_size = 2.5"),
    (dict(comparison_size=True), "comparison_size = True"),
])
def test_bad_comparison_sizes(kwargs, words):
    with pytest.raises(sibrisk.SibriskError, match=words):
        sibrisk.simulate(DRC, runs=100, seed=1, contracts=[_contract()], **kwargs)


def test_measurement_needs_a_contract_that_measures_an_effect():
    with pytest.raises(sibrisk.SibriskError, match="give contracts"):
        sibrisk.simulate(DRC, runs=100, seed=1, comparison_size=50)
    card = sibrisk.load_contract({"name": "card", "scenario": DRC, "payments": [
        {"kind": "rate_card", "rates": {"employed": 200_000.0}}]})
    with pytest.raises(sibrisk.SibriskError, match="none of the contracts pays on a measured"):
        sibrisk.simulate(DRC, runs=100, seed=1, contracts=[card], comparison_size=50)


def test_a_sweep_point_is_the_contract_simulated_alone():
    """sweep(..., comparison_size=) gives each point the misjudgement of simulating that
    variant alone (same seed and stream), and misjudges more as the threshold rises past
    the true effect."""
    base = _contract().to_dict()
    ds = sibrisk.sweep(None, {"payments[0].points[0][0]": [0.05, 0.15]}, contract=base,
                       runs=10_000, seed=4, comparison_size=100)
    base["payments"][0]["points"][0][0] = 0.15
    alone = summarize_contracts(sibrisk.simulate(
        DRC, runs=10_000, seed=4, contracts=[base], comparison_size=100))["threshold"]
    row = ds.sel({"payments[0].points[0][0]": 0.15})
    for name in ("effect_deserved_probability", "unpaid_when_deserved_probability",
                 "paid_when_undeserved_probability", "misjudged_probability",
                 "misjudged_probability_se", "measurement_overpayment_mean"):
        assert float(row[name]) == pytest.approx(alone[name], rel=1e-12), name
    p = ds.misjudged_probability.values
    assert p[1] > p[0]


def test_a_sweep_needs_a_contract_that_measures_an_effect():
    with pytest.raises(sibrisk.SibriskError, match="give a contract that pays on a measured"):
        sibrisk.sweep(DRC, {"effect.decay": [0.1]}, runs=100, comparison_size=50)


def test_comparison_size_on_the_command_line(capsys, tmp_path):
    from sibrisk.cli import main

    path = tmp_path / "threshold.toml"
    path.write_text('name = "threshold"\nscenario = "drc-sib-2023"\n[[payments]]\n'
                    'kind = "effect"\nname = "on_effect"\nmeasure = "pooled"\n'
                    'per = "participant"\npoints = [[0.10, 150_000]]\n')
    args = ["simulate", "--runs", "5000", "--seed", "2", "--contract", str(path),
            "--comparison-size", "100", "--quiet"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "not paid, though the true effect meets the target" in out
    assert main([*args, "--json"]) == 0
    r = json.loads(capsys.readouterr().out)["contracts"]["threshold"]
    ref = summarize_contracts(sibrisk.simulate(DRC, runs=5000, seed=2, contracts=[str(path)],
                                               comparison_size=100))["threshold"]
    assert r["misjudged_probability"] == ref["misjudged_probability"]
    assert main(["sweep", "--contract", str(path), "--axis", "payments[0].points[0][0]=0.1,0.2",
                 "--comparison-size", "100", "--runs", "2000", "--seed", "1", "--quiet"]) == 0
    assert "P(unpaid," in capsys.readouterr().out
    assert main(["simulate", "--runs", "100", "--comparison-size", "100"]) != 0
    assert "--comparison-size applies to a --contract" in capsys.readouterr().err


def test_a_chain_of_metrics_is_measured_on_one_comparison_group():
    """A payment on the effect on `employed`, triggered by the effect on `sustained`
    (80 % of the employed): the comparison group's count on `sustained` is drawn from
    its count on `employed`, as the cohort's is, so the joint probability of payment
    meets an exact enumeration of all four counts (drawn independently it would not)."""
    size, q = 40, 0.8
    contract = sibrisk.load_contract({
        "name": "chain", "scenario": DRC,
        "metrics": [{"name": "employed", "month": 2},
                    {"name": "sustained", "of": "employed", "retention": q, "month": 6}],
        "payments": [{"kind": "effect", "name": "on_effect", "measure": "pooled",
                      "per": "participant", "points": [[THRESHOLD, 150_000.0]],
                      "trigger": {"metric": "sustained", "pooled_at_least": 0.05}}]})
    s = sibrisk.load_scenario(DRC)
    ds = sibrisk.simulate(s, runs=RUNS, seed=8, parameter_uncertainty=False,
                          contracts=[contract], comparison_size=size)
    r = summarize_contracts(ds)["chain"]
    n = fixed_counts(s).astype(int)
    g = np.array([t.gross_employment for t in s.types])
    rate = (n * np.array([t.control_employment for t in s.types])).sum() / n.sum()
    total = n.sum()
    treated = np.array([1.0])
    for n_i, g_i in zip(n, g, strict=True):
        treated = np.convolve(treated, stats.binom.pmf(np.arange(n_i + 1), n_i, g_i))
    k = np.arange(total + 1)
    kt = k[:, None, None, None]
    ks = k[None, :, None, None]
    m = np.arange(size + 1)
    mc = m[None, None, :, None]
    ms = m[None, None, None, :]
    weight = (treated[:, None, None, None] * stats.binom.pmf(ks, kt, q)
              * stats.binom.pmf(mc, size, rate) * stats.binom.pmf(ms, mc, q))
    paid = ((kt / total - mc / size >= THRESHOLD - 1e-9)
            & (ks / total - ms / size >= 0.05 - 1e-9))
    exact = float(weight[~paid].sum())
    assert r["effect_deserved_probability"] == 1.0
    got, se = r["unpaid_when_deserved_probability"], r["unpaid_when_deserved_probability_se"]
    assert abs(got - exact) <= 4 * se, (got, exact, se)
    # independent draws of the two comparison counts would give a different answer
    loose = (treated[:, None, None, None] * stats.binom.pmf(ks, kt, q)
             * stats.binom.pmf(mc, size, rate)
             * stats.binom.pmf(ms, size, rate * q))
    assert abs(float(loose[~paid].sum()) - exact) > 8 * se, (float(loose[~paid].sum()), exact)


def test_contracts_that_measure_no_effect_are_not_judged():
    card = sibrisk.load_contract({"name": "card", "scenario": DRC, "payments": [
        {"kind": "rate_card", "rates": {"employed": 200_000.0}}]})
    ds = sibrisk.simulate(DRC, runs=2_000, seed=1, contracts=[_contract(), card],
                          comparison_size=100)
    r = summarize_contracts(ds)
    assert r["card"]["misjudged_probability"] is None
    assert r["card"]["unpaid_when_deserved_probability_se"] is None
    assert r["threshold"]["misjudged_probability"] is not None
