"""Contracts on the catalogue's scenario and on simulations: the library reproduces the
catalogue's accounts, simulated payments meet exact oracles, variants share their draws."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import sibrisk
from sibrisk import cli
from sibrisk.contract.terms import Contract
from sibrisk.engine.simulate import fixed_cohort_counts, fixed_counts
from sibrisk.errors import ContractError, SibriskError
from sibrisk.ledger.settlement import settlement_to_dict
from sibrisk.metrics.risk import summarize_contracts

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "contracts"
DRC = "drc-sib-2023"


@pytest.fixture(scope="module")
def drc():
    return sibrisk.load_scenario(DRC)


def _stat(result, actor, column, run=0):
    return float(result.stats()[run, result.actors.index(actor),
                                sibrisk.ledger.stats.ACTOR_COLUMNS.index(column)])


# ---------------------------------------------------------------------------
# The catalogue's contract, through the library
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("payment_year", [0, 3])
def test_the_catalogue_contract_settles_to_the_catalogue_accounts(drc, payment_year):
    s = drc.replace("contract.payment_year", payment_year)
    acc = sibrisk.account(s, per="cohort")
    result = sibrisk.settle(Contract.from_scenario(s), scenario=s)
    assert math.isclose(float(result.total_paid_pv[0]), float(acc.outcome_payment), rel_tol=1e-12)
    assert math.isclose(_stat(result, "investor", "npv"), float(acc.investor_result),
                        rel_tol=1e-10)
    assert math.isclose(_stat(result, "municipality", "npv"), float(acc.municipal_account),
                        rel_tol=1e-10)
    assert math.isclose(_stat(result, "municipality", "payback_year"),
                        float(acc.municipal_payback_year), rel_tol=1e-12)
    assert math.isclose(_stat(result, "investor", "multiple"), float(acc.investor_multiple),
                        rel_tol=1e-12)
    if payment_year:
        assert math.isclose(_stat(result, "investor", "irr"), float(acc.investor_irr),
                            rel_tol=1e-9)
    else:  # paid with the outlay: no rate of return exists
        assert math.isnan(_stat(result, "investor", "irr"))
    # the published payment per participant (88,341) through the contract library
    assert round(float(result.total_paid[0]) / s.cohort.size * (1.0 if payment_year == 0 else
                 sibrisk.ledger.discount.discount_factors(s.discounting, 3)[-1])) == 88_341


def test_simulated_catalogue_contract_equals_the_engine_run_by_run(drc):
    plain = sibrisk.simulate(drc, runs=30_000, seed=11)
    ds = sibrisk.simulate(drc, runs=30_000, seed=11, contracts=Contract.from_scenario(drc))
    for name in ("investor_result", "municipal_account", "municipal_payback_year"):
        assert np.array_equal(plain[name].values, ds[name].values)  # unchanged, bit for bit
    c = ds.isel(contract=0)
    np.testing.assert_allclose(c.actor_npv.sel(actor="investor"), ds.investor_result,
                               rtol=1e-10, atol=1e-6)
    np.testing.assert_allclose(c.actor_npv.sel(actor="municipality"), ds.municipal_account,
                               rtol=1e-10, atol=1e-6)
    np.testing.assert_allclose(c.actor_payback_year.sel(actor="municipality"),
                               ds.municipal_payback_year, rtol=1e-10)
    np.testing.assert_allclose(c.contract_payment, ds.outcome_payment, rtol=1e-12)


# ---------------------------------------------------------------------------
# The catalogue's three organisations
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def organisations(drc):
    files = [EXAMPLES / f for f in ("standard.toml", "reinvestment.toml", "loan.toml")]
    return sibrisk.simulate(drc, runs=20_000, seed=5, contracts=files)


def test_reinvestment_keeps_the_payment_with_the_municipality(organisations, drc):
    std = organisations.sel(contract="standard")
    grant = organisations.sel(contract="reinvestment")
    cost = drc.provider.cost_per_participant * drc.cohort.size
    np.testing.assert_allclose(grant.actor_npv.sel(actor="foundation"), -cost, rtol=1e-12)
    np.testing.assert_allclose(grant.contract_reinvestment, std.contract_payment, rtol=1e-12)
    # the municipality keeps what it would have paid
    np.testing.assert_allclose(grant.actor_npv.sel(actor="municipality"),
                               std.actor_npv.sel(actor="municipality") + std.contract_payment,
                               rtol=1e-9)
    assert not bool(organisations.in_contract.sel(contract="reinvestment", actor="investor"))


def test_the_loan_moves_the_outcome_risk_to_the_provider(organisations, drc):
    std = organisations.sel(contract="standard")
    loan = organisations.sel(contract="loan-to-provider")
    cost = drc.provider.cost_per_participant * drc.cohort.size
    d3 = sibrisk.ledger.discount.discount_factors(drc.discounting, 3)[-1]
    lender = cost * 1.05**3 * d3 - cost  # repaid after 36 months whatever happens
    np.testing.assert_allclose(loan.actor_npv.sel(actor="lender"), lender, rtol=1e-12)
    np.testing.assert_allclose(loan.actor_irr.sel(actor="lender"), 0.05, rtol=1e-9)
    np.testing.assert_allclose(loan.actor_npv.sel(actor="provider"),
                               std.actor_npv.sel(actor="investor") - lender, rtol=1e-9,
                               atol=1e-6)
    assert float((loan.actor_npv.sel(actor="provider") < 0).mean()) == pytest.approx(
        float((std.actor_npv.sel(actor="investor") < lender).mean()))


# ---------------------------------------------------------------------------
# Simulated payments against exact oracles
# ---------------------------------------------------------------------------
def test_simulated_rate_card_meets_its_expectation(drc):
    """Metric draws are Binomial thinnings:
    E[payment] = sum n_t g_t (r_e + q1 r_13 + q1 q2 r_26)."""
    contract = sibrisk.load_contract({
        "name": "card", "metrics": [
            {"name": "sustained_13w", "of": "employed", "retention": 0.8},
            {"name": "sustained_26w", "of": "sustained_13w", "retention": 0.5}],
        "payments": [{"kind": "rate_card", "rates": {
            "employed": {"with_experience": 100.0, "no_experience": 200.0},
            "sustained_13w": 50.0, "sustained_26w": 40.0}}]})
    ds = sibrisk.simulate(drc, runs=200_000, seed=3, contracts=contract,
                          parameter_uncertainty=False)
    n = fixed_counts(drc)
    g = np.array([t.gross_employment for t in drc.types])
    expected = float(n * g @ (np.array([100.0, 200.0]) + 0.8 * 50.0 + 0.8 * 0.5 * 40.0))
    pay = ds.contract_payment.isel(contract=0).values
    se = pay.std(ddof=1) / math.sqrt(pay.size)
    assert abs(pay.mean() - expected) < 4 * se


def test_simulated_tiers_per_cohort_meet_the_exact_expectation(drc):
    """Two cohorts of 10 + 18: the employed count of each is a sum of two binomials;
    the expected tier payment is an exact sum over it."""
    s = drc.replace("cohort.cohorts", 2)
    points = [[0.10, 50.0], [0.20, 80.0]]
    contract = sibrisk.load_contract({"name": "tiers", "payments": [
        {"kind": "effect", "points": points, "per": "participant"}]})
    ds = sibrisk.simulate(s, runs=200_000, seed=9, contracts=contract, parameter_uncertainty=False)
    g = [t.gross_employment for t in s.types]
    c = [t.control_employment for t in s.types]
    pmf = np.convolve(stats.binom.pmf(np.arange(11), 10, g[0]),
                      stats.binom.pmf(np.arange(19), 18, g[1]))
    comparison = (10 * c[0] + 18 * c[1]) / 28
    effect = np.arange(29) / 28 - comparison
    tier = np.where(effect >= 0.20 - 1e-12, 80.0, np.where(effect >= 0.10 - 1e-12, 50.0, 0.0))
    expected = 2 * 28 * float(pmf @ tier)
    pay = ds.contract_payment.isel(contract=0).values
    se = pay.std(ddof=1) / math.sqrt(pay.size)
    assert abs(pay.mean() - expected) < 4 * se
    assert ds.participants.sum("type").values[0] == 56


def test_cohorts_split_the_participants_evenly(drc):
    s = drc.replace("cohort.cohorts", 2)
    assert fixed_cohort_counts(s).tolist() == [[10, 18], [10, 18]]
    drawn = sibrisk.simulate(s.replace("cohort.composition", "drawn"), runs=2_000, seed=1)
    assert (drawn.participants.sum("type") == 56).all()
    with pytest.raises(sibrisk.ScenarioError, match="cohort.cohorts"):
        drc.replace("cohort.cohorts", 57)


# ---------------------------------------------------------------------------
# Common random numbers
# ---------------------------------------------------------------------------
def _share(x: float) -> Contract:
    return sibrisk.load_contract({"name": f"share-{round(100 * x)}", "payments": [
        {"kind": "surplus_share", "investor_share": x}]})


def test_variants_share_draws_and_do_not_depend_on_each_other(drc):
    capped = sibrisk.load_contract({"name": "capped", "cap": 4_000_000.0, "payments": [
        {"kind": "surplus_share"}]})
    alone = sibrisk.simulate(drc, runs=70_000, seed=4, contracts=capped)
    many = sibrisk.simulate(drc, runs=70_000, seed=4, threads=1,
                            contracts=[_share(0.2), capped, _share(0.8)])
    for var in ("actor_npv", "contract_payment", "contract_payment_cut"):
        assert np.array_equal(alone[var].sel(contract="capped").values,
                              many[var].sel(contract="capped").values)
    pay = many.contract_payment
    # the same draws: a larger share pays more in every run, and a cap never pays more
    assert (pay.sel(contract="share-80") >= pay.sel(contract="share-20")).all()
    uncapped = many.outcome_payment
    assert (pay.sel(contract="capped") <= uncapped + 1e-6).all()
    cut = many.contract_payment_cut.sel(contract="capped")
    np.testing.assert_allclose(pay.sel(contract="capped") + cut, uncapped, rtol=1e-12)
    assert 0.0 < float((cut > 0).mean()) < 1.0


def test_contract_results_do_not_depend_on_threads(drc):
    files = [EXAMPLES / "tranches.toml", EXAMPLES / "rate-card.toml"]
    one = sibrisk.simulate(drc, runs=140_000, seed=8, threads=1, contracts=files)
    two = sibrisk.simulate(drc, runs=140_000, seed=8, threads=2, contracts=files)
    for var in ("actor_npv", "actor_irr", "actor_exposure", "contract_payment"):
        assert np.array_equal(one[var].values, two[var].values, equal_nan=True)


def test_summary_of_contracts(drc):
    ds = sibrisk.simulate(drc, runs=20_000, seed=2, contracts=[_share(0.5), _share(0.0)])
    risk = summarize_contracts(ds)
    assert set(risk) == {"share-50", "share-0"}
    inv = risk["share-50"]["actors"]["investor"]
    p = float((ds.actor_npv.sel(contract="share-50", actor="investor") < 0).mean())
    assert inv["loss_probability"] == p
    assert inv["loss_probability_se"] == pytest.approx(math.sqrt(p * (1 - p) / 20_000))
    # the investor's share moves money between investor and municipality, run by run
    total = ds.actor_npv.sel(actor=["investor", "municipality"]).sum("actor")
    np.testing.assert_allclose(total.sel(contract="share-50"), total.sel(contract="share-0"),
                               rtol=1e-9)


def test_simulate_rejects_bad_contract_lists(drc):
    with pytest.raises(SibriskError, match="two contracts are named 'share-50'"):
        sibrisk.simulate(drc, runs=10, contracts=[_share(0.5), _share(0.5)])
    with pytest.raises(SibriskError, match="at least one contract"):
        sibrisk.simulate(drc, runs=10, contracts=[])
    with pytest.raises(SibriskError, match="method='mc'"):
        sibrisk.simulate(drc, method="exact", contracts=[_share(0.5)])
    bad_types = sibrisk.load_contract({"name": "x", "payments": [
        {"kind": "rate_card", "rates": {"employed": {"with_experience": 1.0}}}]})
    with pytest.raises(ContractError, match=r"payments\[0\]\.rates\.employed.*no_experience"):
        sibrisk.simulate(drc, runs=10, contracts=bad_types)


# ---------------------------------------------------------------------------
# The command line
# ---------------------------------------------------------------------------
def _cli(capsys, *argv):
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_settle_json_reports_payments_actors_and_caps(capsys):
    status, out, _ = _cli(capsys, "settle", str(EXAMPLES / "rate-card.toml"), "--outcomes",
                          str(EXAMPLES / "outcomes.toml"), "--json")
    assert status == 0
    d = json.loads(out)
    # by hand from outcomes.toml: employed 6 + 4 with experience at 120,000 and 5 + 4
    # without at 160,000; 15 at 13 weeks and 12 at 26 weeks at 60,000 each; the 5 without
    # experience who reach 26 weeks have earned 280,000, capped at 250,000
    assert d["by_metric"]["employed"] == 10 * 120_000 + 9 * 160_000
    assert d["by_metric"]["sustained_13w"] == 15 * 60_000
    assert d["by_metric"]["sustained_26w"] == 12 * 60_000 - 5 * 30_000
    assert d["caps"] == {
        "bound": True, "where": ["participant"], "cut": {"participant": 150_000.0},
        "cut_total": 150_000.0,
        # which claim: the 26-week outcomes, paid at month 8 + 1, 12 x 60,000 claimed
        "claims_cut": [{"mechanism": "jobs", "metric": "sustained_26w", "month": 9.0,
                        "claimed": 720_000.0, "paid": 570_000.0, "cut": 150_000.0}]}
    assert d["total_paid"] == sum(d["by_metric"].values())
    assert set(d["by_actor"]) == {"municipality", "provider", "investor"}
    assert d["transfers_sum"] == 0.0


def test_settle_text_and_errors(capsys, tmp_path):
    status, out, _ = _cli(capsys, "settle", str(EXAMPLES / "thresholds.toml"), "--outcomes",
                          str(EXAMPLES / "outcomes.toml"))
    assert status == 0 and "measured effect on employed, herning" in out
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\n[[payments]]\nkind = "rate_crad"\n', encoding="utf-8")
    status, out, err = _cli(capsys, "settle", str(bad))
    assert status == 1 and out == ""
    assert err.count("\n") == 1 and "payments[0].kind = 'rate_crad'" in err
    status, _, err = _cli(capsys, "settle", str(EXAMPLES / "thresholds.toml"))
    assert status == 0  # expected outcomes of its scenario: comparison rates from the scenario
    outcomes = tmp_path / "o.toml"
    outcomes.write_text("[cohorts.a]\nparticipants = { with_experience = 2, no_experience = 3 }\n"
                        "employed = { with_experience = 3, no_experience = 1 }\n",
                        encoding="utf-8")
    status, _, err = _cli(capsys, "settle", str(EXAMPLES / "standard.toml"), "--outcomes",
                          str(outcomes))
    assert status == 1 and "cohorts.a.employed" in err and "with_experience" in err


def test_simulate_with_contracts_on_the_command_line(capsys):
    status, out, _ = _cli(capsys, "simulate", "--contract", str(EXAMPLES / "standard.toml"),
                          "--contract", str(EXAMPLES / "loan.toml"), "--runs", "5000",
                          "--seed", "1", "--json")
    assert status == 0
    d = json.loads(out)
    assert d["scenario"] == DRC and set(d["contracts"]) == {"standard", "loan-to-provider"}
    status, _, err = _cli(capsys, "simulate", "--contract", str(EXAMPLES / "standard.toml"),
                          "--contract", str(EXAMPLES / "thresholds.toml"), "--runs", "10")
    assert status == 1 and "name different scenarios" in err
    status, _, err = _cli(capsys, "simulate", "--contract", str(EXAMPLES / "standard.toml"),
                          "--method", "exact")
    assert status == 1 and "--method mc" in err


def test_settlement_dict_is_json_ready():
    result = sibrisk.settle(EXAMPLES / "tranches.toml", EXAMPLES / "outcomes.toml")
    d = settlement_to_dict(result)
    json.dumps(d, allow_nan=False)
    assert d["by_actor"]["evaluator"]["npv"] == 0.0
    assert d["outside"]["evaluation_cost"] == -150_000.0
    assert d["ignored_outcomes"] == ["sustained_13w", "sustained_26w"]


def test_contract_stats_keep_a_subset_with_the_same_values(drc):
    files = [EXAMPLES / "tranches.toml", EXAMPLES / "savings-share.toml"]
    full = sibrisk.simulate(drc, runs=20_000, seed=6, contracts=files)
    lean = sibrisk.simulate(drc, runs=20_000, seed=6, contracts=files, contract_stats=("npv",))
    some = sibrisk.simulate(drc, runs=20_000, seed=6, contracts=files,
                            contract_stats=["payback_year", "npv"])
    assert "actor_irr" not in lean and "actor_exposure" not in some
    # the NPV alone is summed in another order: equal to rounding
    np.testing.assert_allclose(lean.actor_npv, full.actor_npv, rtol=1e-12, atol=1e-6)
    assert np.array_equal(some.actor_npv, full.actor_npv)
    assert np.array_equal(some.actor_payback_year, full.actor_payback_year)
    np.testing.assert_array_equal(lean.contract_payment, full.contract_payment)
    with pytest.raises(SibriskError, match="contract_stats.*'npv', 'multiple'"):
        sibrisk.simulate(drc, runs=10, contracts=files, contract_stats=("npv", "vol"))


# ---------------------------------------------------------------------------
# Found in review
# ---------------------------------------------------------------------------
def test_contract_summary_with_the_npv_alone(drc):
    ds = sibrisk.simulate(drc, runs=2_000, seed=1, contracts=[EXAMPLES / "standard.toml"],
                          contract_stats=("npv",))
    risk = summarize_contracts(ds)["standard"]["actors"]["investor"]
    assert "npv_mean" in risk and "irr_quantiles" not in risk
    assert "largest_exposure_mean" not in risk


def test_an_empty_cohort_has_no_effect(tmp_path, capsys):
    outcomes = tmp_path / "o.toml"
    outcomes.write_text(
        "[cohorts.empty]\nparticipants = { with_experience = 0, no_experience = 0 }\n"
        "employed = { with_experience = 0, no_experience = 0 }\n"
        "comparison = { employed = 0.1 }\n"
        "[cohorts.full]\nparticipants = { with_experience = 10, no_experience = 18 }\n"
        "employed = { with_experience = 6, no_experience = 5 }\n"
        "comparison = { employed = 0.17 }\n", encoding="utf-8")
    status, out, _ = _cli(capsys, "settle", str(EXAMPLES / "thresholds.toml"), "--outcomes",
                          str(outcomes), "--json")
    assert status == 0
    d = json.loads(out)
    effects = d["measured_effects"]["employed"]
    assert effects["cohorts"]["empty"] is None
    assert effects["pooled"] == pytest.approx(11 / 28 - 0.17)  # the cohort with participants
    # only the cohort with participants is paid: 11/28 - 0.17 = 22.3 pp, top tier 110,000 x 28
    assert d["by_mechanism"]["tiers"] == pytest.approx(110_000 * 28)
    assert d["by_metric"]["employed"] == pytest.approx(d["total_paid"])


def test_expected_outcomes_use_the_scenarios_cohorts():
    result = sibrisk.settle(EXAMPLES / "thresholds.toml")
    assert result.cohort_names == ("cohort_1", "cohort_2")
    contract = sibrisk.load_contract(EXAMPLES / "thresholds.toml")
    ds = sibrisk.simulate(contract.scenario_object(), runs=10, seed=1, contracts=contract,
                          parameter_uncertainty=False, cohort_uncertainty=False)
    assert float(ds.contract_payment[0, 0]) == pytest.approx(float(result.total_paid_pv[0]))


def test_measured_effects_given_by_the_evaluator(tmp_path):
    data = {"cohorts": {
        "herning": {"participants": {"with_experience": 10, "no_experience": 18},
                    "employed": {"with_experience": 6, "no_experience": 5},
                    "measured_effect": {"employed": 0.16}},
        "viborg": {"participants": {"with_experience": 10, "no_experience": 18},
                   "employed": {"with_experience": 4, "no_experience": 4},
                   "comparison": {"employed": 0.17}}}}
    result = sibrisk.settle(EXAMPLES / "thresholds.toml", data)
    assert result.effects["employed"][0, 0] == pytest.approx(0.16)  # as given
    assert result.effects["employed"][0, 1] == pytest.approx(8 / 28 - 0.17)
    # tiers: herning at 16 pp earns 80,000, viborg at 11.6 pp 50,000, per participant
    assert float(result.by_mechanism["tiers"][0]) == pytest.approx(28 * 80_000 + 28 * 50_000)


def test_contracts_built_in_python_are_checked():
    from sibrisk.contract.terms import Payer, RateCard, SavingsShare

    with pytest.raises(ContractError, match=r"payments\[0\]\.rates\.employd = 1\.0: unknown"):
        sibrisk.settle(Contract(name="x", scenario=DRC, payments=(
            RateCard(rates={"employd": 1.0}),)))
    with pytest.raises(ContractError, match=r"payments\[0\]\.share = 80: must be"):
        sibrisk.settle(Contract(name="x", scenario=DRC, payments=(SavingsShare(share=80),)))
    with pytest.raises(ContractError, match="payers.pays = .*must sum to 1"):
        sibrisk.settle(Contract(name="x", scenario=DRC, payments=(SavingsShare(),),
                                payers=(Payer(pays=0.5),)))
    c = sibrisk.load_contract(EXAMPLES / "tranches.toml")
    assert Contract.from_dict(c.to_dict(), source=c.source) == c


def test_a_contract_is_evaluated_in_its_own_scenario(drc):
    with pytest.raises(ContractError, match="names scenario 'drc-two-municipalities'"):
        sibrisk.simulate(drc, runs=10, contracts=[EXAMPLES / "thresholds.toml"])
    with pytest.raises(ContractError, match=r"scenario = 'nowhere': neither a built-in"):
        sibrisk.settle({"name": "x", "scenario": "nowhere", "payments": [
            {"kind": "surplus_share"}]})


def test_an_outcomes_file_that_is_not_utf8(tmp_path, capsys):
    bad = tmp_path / "o.toml"
    bad.write_bytes("# Næstved\n".encode("cp1252"))
    status, _, err = _cli(capsys, "settle", str(EXAMPLES / "standard.toml"), "--outcomes",
                          str(bad))
    assert status == 1 and "not UTF-8" in err and err.count("\n") == 1


def test_one_mistake_one_message():
    with pytest.raises(ContractError) as info:
        sibrisk.Contract.from_dict({"name": "x", "metrics": [
            {"name": "sustained", "of": "employd", "retention": 0.5}], "payments": [
            {"kind": "rate_card", "rates": {"employed": 1, "sustained": 2}}]})
    assert info.value.problems == (info.value.problems[0],)
    assert "metrics[0].of = 'employd'" in str(info.value)
    observed = {"cohorts": {"a": {
        "participants": {"with_experience": 10, "no_experience": 18},
        "employed": {"with_experience": 5, "no_experience": 5},
        "sustained_26w": {"with_experience": 3, "no_experience": 3}}}}
    with pytest.raises(ContractError) as info:
        sibrisk.settle(EXAMPLES / "rate-card.toml", observed)
    assert len(info.value.problems) == 1
    assert "cohorts.a.sustained_13w is missing" in str(info.value)


def test_a_scenario_file_given_as_a_contract_is_named(capsys):
    """One line saying what the file is, not a dozen unknown keys."""
    from sibrisk.cli import main

    path = Path(__file__).parents[1] / "examples" / "contracts" / "drc-two-municipalities.toml"
    assert main(["settle", str(path)]) == 1
    err = capsys.readouterr().err
    assert "looks like a scenario file" in err and "unknown key" not in err
    assert err.count("\n") == 1
