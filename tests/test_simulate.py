"""Monte Carlo engine: oracles (deterministic path, exact enumeration, scipy), reproducibility."""

import subprocess
import sys

import numpy as np
import pytest
import xarray as xr
from scipy import stats

import sibrisk
from sibrisk.engine.exact import gross_pmf
from sibrisk.engine.simulate import fixed_counts
from sibrisk.outcomes import draw as D


@pytest.fixture(scope="module")
def certain(drc):
    """The built-in scenario with every input at its point value (no distributions)."""
    return sibrisk.Scenario.from_dict(drc.point_values())


def test_without_uncertainty_every_run_is_the_deterministic_account(drc):
    ds = sibrisk.simulate(drc, runs=5, seed=1, parameter_uncertainty=False,
                          cohort_uncertainty=False)
    acc = sibrisk.account(drc, per="cohort")
    for name in ("outcome_payment", "investor_result", "investor_return", "investor_multiple",
                 "municipal_savings", "municipal_account", "budget_surplus",
                 "municipal_payback_year", "welfare_surplus", "employment_saving"):
        np.testing.assert_allclose(ds[name].values, float(acc[name]), rtol=1e-12, err_msg=name)


def test_payment_year_flows_through_both_paths(drc):
    later = drc.replace("contract.payment_year", 2)
    ds = sibrisk.simulate(later, runs=3, seed=1, parameter_uncertainty=False,
                          cohort_uncertainty=False)
    acc = sibrisk.account(later, per="cohort")
    for name in ("outcome_payment", "investor_irr", "municipal_payback_year", "municipal_account"):
        np.testing.assert_allclose(ds[name].values, float(acc[name]), rtol=1e-12, err_msg=name)


def within(mc, exact, se, k=3.0):
    """``mc`` within ``k`` standard errors of ``exact``; with no error estimated (None: an
    atom, or a probability of 0 or 1 in the runs) the two must agree."""
    return abs(mc - exact) <= k * (se or 0.0) + 1e-12


@pytest.mark.parametrize("name", ["certain", "drc"])
def test_monte_carlo_agrees_with_exact(name, request):
    scenario = request.getfixturevalue(name)
    mc = sibrisk.summary_to_dict(sibrisk.summarize(
        sibrisk.simulate(scenario, runs=200_000, seed=11)))
    ex = sibrisk.summary_to_dict(sibrisk.summarize(sibrisk.simulate(scenario, method="exact")))
    assert ex["investor_loss_probability_se"] is None  # exact: no error to estimate
    keys = ["investor_loss_probability", "investor_return_mean", "investor_var_5",
            "investor_cvar_5", "investor_result_mean"]
    if name == "certain":  # everything fixed: the exact answer covers the municipality too
        keys += ["municipal_deficit_probability", "municipal_account_mean",
                 "payback_within_10_years_probability", "deadweight_share_mean",
                 "welfare_surplus_mean"]
    else:
        assert "municipal_deficit_probability" not in ex
    for key in keys:
        assert within(mc[key], ex[key], mc[f"{key}_se"]), (key, mc[key], ex[key], mc[f"{key}_se"])
    runs = sibrisk.simulate(scenario, runs=200_000, seed=11).investor_return.values
    for q in ("0.05", "0.5", "0.95"):
        want = ex["investor_return_quantiles"][q]
        # the return is discrete (whole jobs), so a quantile can sit on either of two atoms:
        # the exact one must lie in the 3-sigma order-statistic interval of the Monte Carlo one
        lo, hi = order_statistic_interval(runs, float(q), z=3.0)
        assert lo <= want <= hi, (q, lo, want, hi)
        assert abs(mc["investor_return_quantiles"][q] - want) <= hi - lo


def order_statistic_interval(x, q, z):
    xs, n = np.sort(x), x.size
    half = z * np.sqrt(n * q * (1 - q))
    return xs[max(int(np.floor(n * q - half)), 0)], xs[min(int(np.ceil(n * q + half)), n - 1)]


def test_same_seed_same_numbers_any_threads_and_prefix(drc):
    one = sibrisk.simulate(drc, runs=70_000, seed=5, threads=1, chunk_size=10_000)
    two = sibrisk.simulate(drc, runs=70_000, seed=5, threads=2, chunk_size=10_000)
    xr.testing.assert_identical(one, two)
    head = sibrisk.simulate(drc, runs=12_345, seed=5, threads=2, chunk_size=10_000)
    xr.testing.assert_identical(head, one.isel(run=slice(0, 12_345)).assign_attrs(runs=12_345))
    other = sibrisk.simulate(drc, runs=1_000, seed=6, chunk_size=10_000)
    assert not np.array_equal(other.investor_result.values, one.investor_result.values[:1_000])
    stream = sibrisk.simulate(drc, runs=1_000, seed=5, stream=1, chunk_size=10_000)
    assert not np.array_equal(stream.investor_result.values, one.investor_result.values[:1_000])


def test_netcdf_identical_with_one_and_two_numba_threads(tmp_path):
    files = []
    for threads in ("1", "2"):
        out = tmp_path / f"t{threads}.nc"
        env = {**__import__("os").environ, "NUMBA_NUM_THREADS": threads}
        subprocess.run([sys.executable, "-m", "sibrisk", "simulate", "drc-sib-2023",
                        "--runs", "100000", "--seed", "3", "--out", str(out), "--json"],
                       check=True, env=env, capture_output=True)
        files.append(out.read_bytes())
    assert files[0] == files[1]
    back = xr.open_dataset(tmp_path / "t1.nc", engine="scipy")
    assert back.sizes["run"] == 100_000 and back.attrs["seed"] == 3


def test_counts_stay_within_the_cohort(drc):
    ds = sibrisk.simulate(drc.replace("cohort.composition", "drawn"), runs=20_000, seed=2)
    n, g, a = ds.participants, ds.gross_employed, ds.additional_employed
    dw = ds.deadweight_employed
    assert (dw >= 0).all() and (dw <= g).all() and (g >= 0).all() and (g <= n).all()
    assert (a >= -n).all() and (a <= g).all()  # negative: jobs lost in a harmful run
    np.testing.assert_array_equal(n.sum("type").values, 56)
    # a drawn composition averages the shares
    np.testing.assert_allclose(n.mean("run").values, [0.35 * 56, 0.65 * 56], rtol=0.01)


def test_fixed_counts_largest_remainder(drc):
    assert list(fixed_counts(drc)) == [20, 36]
    three = drc.to_dict()
    three["types"]["third"] = dict(three["types"]["no_experience"], share=0.2)
    three["types"]["no_experience"]["share"] = 0.45
    s = sibrisk.Scenario.from_dict(three).replace("cohort.size", 7)
    assert fixed_counts(s).sum() == 7 and list(fixed_counts(s)) == [3, 3, 1]


def test_cohort_luck_off_gives_expected_counts(drc):
    ds = sibrisk.simulate(drc, runs=1_000, seed=1, cohort_uncertainty=False)
    g = ds.input_value.sel(input="types.no_experience.gross_employment").values
    c = ds.input_value.sel(input="types.no_experience.control_employment").values
    # gross = n g and additional = n (g - c), negative in runs where the programme harms
    np.testing.assert_allclose(ds.gross_employed.sel(type="no_experience"),
                               0.65 * 56 * g, rtol=1e-12)
    np.testing.assert_allclose(ds.additional_employed.sel(type="no_experience"),
                               0.65 * 56 * (g - c), rtol=1e-9, atol=1e-9)
    assert (c > g).any()  # the harmful case is exercised


def test_uncertain_inputs_are_drawn_from_their_distributions(drc):
    ds = sibrisk.simulate(drc, runs=50_000, seed=4, cohort_uncertainty=False)
    x = ds.input_value.sel(input="types.with_experience.gross_employment").values
    assert stats.kstest(x, stats.beta(10.5, 9.5).cdf).pvalue > 0.001
    decay = ds.input_value.sel(input="effect.decay").values
    width = 0.25
    pert = stats.beta(1 + 4 * 0.10 / width, 1 + 4 * 0.15 / width, loc=0.05, scale=width)
    assert stats.kstest(decay, pert.cdf).pvalue > 0.001


def test_rank_correlation_is_honoured(drc):
    d = drc.to_dict()
    d["municipality"]["saving_per_employed_year"] = {
        "value": 88953.5, "dist": "lognormal", "mean": 88953.5, "sd": 8000.0}
    d["correlation"] = [{"inputs": ["effect.decay", "municipality.saving_per_employed_year"],
                         "rank": -0.6}]
    ds = sibrisk.simulate(sibrisk.Scenario.from_dict(d), runs=40_000, seed=9)
    a = ds.input_value.sel(input="effect.decay").values
    b = ds.input_value.sel(input="municipality.saving_per_employed_year").values
    assert stats.spearmanr(a, b).statistic == pytest.approx(-0.6, abs=0.02)
    assert stats.kstest(b, stats.lognorm(np.sqrt(np.log1p((8000 / 88953.5) ** 2)),
                                         scale=88953.5 / np.sqrt(1 + (8000 / 88953.5) ** 2)).cdf
                        ).pvalue > 0.001


CASES = [(1, 0.3), (5, 0.5), (20, 0.26), (36, 0.145), (56, 0.35), (200, 0.9), (1000, 0.3),
         (3000, 0.5), (100_000, 0.01), (40, 0.999), (10, 0.0), (10, 1.0)]


@pytest.mark.parametrize(("n", "p"), CASES)
def test_binomial_sampler_matches_scipy(n, p):
    m = 200_000
    u = np.random.default_rng(n).random(m)
    out = np.empty(m, dtype=np.int64)
    D.binomial_many(np.full(m, n), np.full(m, p), u, out)
    assert out.min() >= 0 and out.max() <= n
    if p in (0.0, 1.0):
        assert (out == n * p).all()
        return
    pmf = stats.binom.pmf(np.arange(n + 1), n, p)
    observed = np.bincount(out, minlength=n + 1).astype(float)
    big = pmf * m >= 5  # pool the thin tails into one cell
    obs = np.append(observed[big], observed[~big].sum())
    exp = np.append(pmf[big] * m, pmf[~big].sum() * m)
    keep = exp > 0
    chi2 = ((obs[keep] - exp[keep]) ** 2 / exp[keep]).sum()
    assert stats.chi2.sf(chi2, keep.sum() - 1) > 1e-4


def test_gross_counts_are_beta_binomial_whatever_the_control_rate(drc):
    # gross ~ Binomial(n, g) in every run (also where a drawn c exceeds g), so with g from
    # evidence the simulated gross counts follow the Beta-binomial that 'exact' uses
    ds = sibrisk.simulate(drc, runs=400_000, seed=12)
    for name, n in (("with_experience", 20), ("no_experience", 36)):
        pmf = gross_pmf(n, drc.uncertain_inputs[f"types.{name}.gross_employment"])
        counts = ds.gross_employed.sel(type=name).values.astype(int)
        empirical = np.bincount(counts, minlength=n + 1) / counts.size
        assert np.abs(empirical - pmf).max() < 4 * np.sqrt(pmf * (1 - pmf) / counts.size).max()
    np.testing.assert_allclose(gross_pmf(20, 0.5), stats.binom.pmf(range(21), 20, 0.5))


def test_harmful_runs_follow_the_deterministic_rules(drc):
    d = sibrisk.Scenario.from_dict(drc.point_values()).to_dict()
    d["effect"]["allow_negative"] = True
    d["types"]["with_experience"]["control_employment"] = 0.6  # above its gross 0.526
    harmful = sibrisk.Scenario.from_dict(d)
    flat = sibrisk.simulate(harmful, runs=3, seed=1, cohort_uncertainty=False)
    acc = sibrisk.account(harmful, per="cohort")
    for name in ("outcome_payment", "municipal_savings", "municipal_account"):
        np.testing.assert_allclose(flat[name].values, float(acc[name]), rtol=1e-12)
    ds = sibrisk.simulate(harmful, runs=200_000, seed=2)
    lucky = ds.sel(type="with_experience")
    assert (lucky.additional_employed <= 0).all()  # jobs lost, never gained
    assert (lucky.deadweight_employed == lucky.gross_employed).all()
    assert float(lucky.gross_employed.mean()) == pytest.approx(20 * 0.5263, rel=0.01)
    ex = sibrisk.summarize(sibrisk.simulate(harmful, method="exact"))
    mc = sibrisk.summarize(ds)
    for key in ("investor_loss_probability", "municipal_deficit_probability",
                "municipal_account_mean"):
        assert abs(float(mc[key]) - float(ex[key])) <= 3 * float(mc[f"{key}_se"]), key


def test_exact_refuses_what_it_cannot_enumerate(drc):
    uncertain_cost = drc.to_dict()
    uncertain_cost["provider"]["cost_per_participant"] = {
        "dist": "uniform", "low": 70_000.0, "high": 80_000.0}
    with pytest.raises(sibrisk.SibriskError, match="provider.cost_per_participant"):
        sibrisk.simulate(sibrisk.Scenario.from_dict(uncertain_cost), method="exact")
    with pytest.raises(sibrisk.SibriskError, match="cohort uncertainty off"):
        sibrisk.simulate(drc, method="exact", cohort_uncertainty=False)


def test_exact_with_drawn_composition_is_a_mixture(drc, certain):
    with pytest.raises(sibrisk.SibriskError, match="more than 5,000,000 outcomes"):
        sibrisk.simulate(certain.replace("cohort.composition", "drawn"), method="exact")
    drawn = drc.replace("cohort.composition", "drawn")
    ex = sibrisk.simulate(drawn, method="exact")
    assert float(ex.probability.sum()) == pytest.approx(1.0, abs=1e-9)
    mc = sibrisk.summary_to_dict(sibrisk.summarize(sibrisk.simulate(drawn, runs=100_000,
                                                                    seed=3)))
    exs = sibrisk.summary_to_dict(sibrisk.summarize(ex))
    assert within(mc["investor_loss_probability"], exs["investor_loss_probability"],
                  mc["investor_loss_probability_se"])


def test_bad_arguments(drc):
    for kwargs, words in [({"runs": 0}, "runs = 0"), ({"seed": -1}, "seed = -1"),
                          ({"chunk_size": 0}, "chunk_size = 0"), ({"method": "qmc"}, "'qmc'"),
                          ({"runs": 2.5}, "runs = 2.5")]:
        with pytest.raises(sibrisk.SibriskError, match=words):
            sibrisk.simulate(drc, **kwargs)


def test_dataset_is_labelled_and_yearly_on_request(drc):
    ds = sibrisk.simulate(drc, runs=100, seed=1)
    assert "year" not in ds.dims
    for key in ("currency", "price_year", "seed", "chunk_size", "numba_version",
                "sibrisk_version", "stream"):
        assert key in ds.attrs
    assert ds.investor_result.attrs["units"] == "DKK"
    assert "investor_irr_note" in ds.attrs
    yearly = sibrisk.simulate(drc, runs=100, seed=1, yearly=True)
    pv = (yearly.municipal_cash_flow * sibrisk.account(drc).discount_factor.values).sum("year")
    np.testing.assert_allclose(pv.values, yearly.municipal_account.values, rtol=1e-9)
    cum = np.cumsum(yearly.municipal_cash_flow.values * sibrisk.account(drc).discount_factor.values,
                    axis=1)
    np.testing.assert_allclose(sibrisk.ledger.stats.payback_year(cum),
                               yearly.municipal_payback_year.values, rtol=1e-9)


def test_save_is_whole_or_nothing(drc, tmp_path):
    ds = sibrisk.simulate(drc, runs=100, seed=2**40)
    path = sibrisk.save(ds, tmp_path / "r.nc")
    back = xr.open_dataset(path, engine="scipy")
    np.testing.assert_array_equal(back.investor_result.values, ds.investor_result.values)
    assert back.attrs["seed"] == str(2**40)
    with pytest.raises(sibrisk.SibriskError, match="must end in .nc"):
        sibrisk.save(ds, tmp_path / "r.csv")
    with pytest.raises(sibrisk.SibriskError, match="does not exist"):
        sibrisk.save(ds, tmp_path / "missing" / "r.nc")
    bad = ds.assign_attrs(broken=object())
    with pytest.raises(TypeError):
        sibrisk.save(bad, tmp_path / "bad.nc")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.nc"]


def test_progress_is_reported_as_chunks_finish(drc):
    seen = []
    sibrisk.simulate(drc, runs=25_000, seed=1, chunk_size=10_000, threads=2,
                     progress=lambda done, total: seen.append((done, total)))
    assert [t for _, t in seen] == [25_000] * 3
    assert [d for d, _ in seen] == sorted(d for d, _ in seen) and seen[-1][0] == 25_000


def test_binomial_draws_are_monotone_in_u_and_p():
    rng = np.random.default_rng(0)
    for _ in range(100):
        n = int(rng.integers(1, 400))
        p = np.linspace(0.001, 0.999, 999)
        by_p = np.empty(p.size, dtype=np.int64)
        D.binomial_many(np.full(p.size, n), p, np.full(p.size, rng.random()), by_p)
        u = np.sort(rng.random(999))
        by_u = np.empty(u.size, dtype=np.int64)
        D.binomial_many(np.full(u.size, n), np.full(u.size, rng.random()), u, by_u)
        assert (np.diff(by_p) >= 0).all() and (np.diff(by_u) >= 0).all()


def test_common_random_numbers_across_input_changes(drc):
    base = sibrisk.simulate(drc, runs=20_000, seed=8)
    wider = drc.replace("effect.decay", {"value": 0.15, "dist": "pert", "low": 0.05,
                                         "mode": 0.15, "high": 0.35})
    other = sibrisk.simulate(wider, runs=20_000, seed=8)
    # another decay distribution: the same cohorts, the same employment draws
    np.testing.assert_array_equal(base.gross_employed.values, other.gross_employed.values)
    keep = [k for k in base.input.values if k != "effect.decay"]
    np.testing.assert_array_equal(base.input_value.sel(input=keep).values,
                                  other.input_value.sel(input=keep).values)
    # a higher gross rate moves every run's count up or leaves it (monotone coupling)
    fixed = sibrisk.Scenario.from_dict(drc.point_values())
    low = sibrisk.simulate(fixed, runs=20_000, seed=8)
    high = sibrisk.simulate(fixed.replace("types.no_experience.gross_employment", 0.3),
                            runs=20_000, seed=8)
    assert (high.gross_employed.values >= low.gross_employed.values).all()


def test_types_may_mix_fixed_and_uncertain_rates(drc):
    mixed = drc.replace("types.with_experience.control_employment", 0.2596)
    ds = sibrisk.simulate(mixed, runs=5_000, seed=1)
    assert "types.with_experience.control_employment" not in ds.input.values
    assert ds.sizes["run"] == 5_000


def test_uncertain_horizon_keeps_its_last_year(drc):
    s = drc.replace("effect.horizon", {"dist": "uniform", "low": 10, "high": 20.6})
    ds = sibrisk.simulate(s, runs=4_000, seed=1, yearly=True)
    assert ds.input_value.sel(input="effect.horizon").max() == 21
    assert ds.sizes["year"] == 22


def test_payment_after_the_horizon(drc):
    late = drc.replace("contract.payment_year", 16)
    acc = sibrisk.account(late)
    assert acc.sizes["year"] == 17 and float(acc.effect_profile[16]) == 0.0
    ds = sibrisk.simulate(late, runs=3, seed=1, parameter_uncertainty=False,
                          cohort_uncertainty=False)
    np.testing.assert_allclose(ds.municipal_account.values,
                               float(sibrisk.account(late, per="cohort").municipal_account),
                               rtol=1e-12)


def test_fixing_one_input_keeps_the_others_draws(drc):
    base = sibrisk.simulate(drc, runs=2_000, seed=1)
    fixed = sibrisk.simulate(drc.replace("types.with_experience.gross_employment", 0.5263),
                             runs=2_000, seed=1)
    for key in fixed.input.values:
        np.testing.assert_array_equal(base.input_value.sel(input=key).values,
                                      fixed.input_value.sel(input=key).values)


def test_seeds_that_cannot_be_recorded_are_refused(drc):
    with pytest.raises(sibrisk.SibriskError, match="SeedSequence made from one"):
        sibrisk.simulate(drc, runs=10, seed=np.random.SeedSequence([7, 1]))
    same = sibrisk.simulate(drc, runs=10, seed=np.random.SeedSequence(7))
    np.testing.assert_array_equal(same.investor_result.values,
                                  sibrisk.simulate(drc, runs=10, seed=7).investor_result.values)
    for stream in (-1, 1.7):
        with pytest.raises(sibrisk.SibriskError, match="stream"):
            sibrisk.simulate(drc, runs=10, seed=1, stream=stream)


def test_shares_within_tolerance_of_one(drc):
    d = drc.to_dict()
    d["types"]["no_experience"]["share"] = 0.6500008
    d["cohort"]["composition"] = "drawn"
    s = sibrisk.Scenario.from_dict(d)
    assert sibrisk.simulate(s, runs=1_000, seed=1).sizes["run"] == 1_000
    ex = sibrisk.simulate(s, method="exact")
    assert float(ex.probability.sum()) == pytest.approx(1.0, abs=1e-9)


def test_too_many_outcomes_is_a_clear_error(drc):
    d = sibrisk.Scenario.from_dict(drc.point_values()).to_dict()
    row = d["types"]["no_experience"]
    d["types"] = {f"t{i}": dict(row, share=1 / 6) for i in range(6)}
    d["cohort"]["size"] = 600
    with pytest.raises(sibrisk.SibriskError, match="more than 5,000,000 outcomes"):
        sibrisk.simulate(sibrisk.Scenario.from_dict(d), method="exact")
