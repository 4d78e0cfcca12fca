"""The pricing solver against an exact answer on the same draws, and put back into simulate."""

from __future__ import annotations

import json

import numpy as np
import pytest

import sibrisk
from sibrisk import cli
from sibrisk.errors import SibriskError

DRC = "drc-sib-2023"
PRICE = {"name": "price", "scenario": DRC,
         "payments": [{"kind": "rate_card", "rates": {"employed": 250_000.0}}]}


@pytest.fixture(scope="module")
def price_for_ten_percent():
    return sibrisk.solve(None, "payments[0].rates.employed", "investor.loss_probability=0.10",
                         contract=sibrisk.load_contract(PRICE), bounds=(100_000, 600_000),
                         runs=50_000, seed=2)


def test_the_price_for_a_ten_percent_loss_is_exact_on_its_draws(price_for_ten_percent):
    # a run loses when rate x jobs < cost: on the same draws, the smallest rate with a loss
    # probability <= 10 % is the 90 % order statistic of cost / jobs
    ds = sibrisk.simulate(DRC, runs=50_000, seed=2)
    jobs = ds.gross_employed.sum("type").values
    cost = (ds.outcome_payment - ds.investor_result).values
    threshold = np.sort(np.where(jobs > 0, cost / np.maximum(jobs, 1), np.inf))
    exact = threshold[int(np.ceil(0.9 * threshold.size)) - 1]
    r = price_for_ten_percent
    assert r.value == pytest.approx(exact, rel=1e-8)
    assert r.achieved <= 0.10 and r.bracket[0] <= r.value <= r.bracket[1]
    assert r.value_se > 0


def test_the_price_put_back_into_simulate_gives_what_the_solver_reached(
        price_for_ten_percent):
    """With a fixed cost and whole jobs the probability of a loss is a step function of the
    price (steps at cost / k jobs): the solver lands on a step, at or just below 10 %, and a
    fresh seed gives the same probability within the errors of both."""
    r = price_for_ten_percent
    contract = dict(PRICE, payments=[{"kind": "rate_card", "rates": {"employed": r.value}}])
    ds = sibrisk.simulate(DRC, runs=100_000, seed=99, contracts=contract,
                          contract_stats=("npv",))
    p = float((ds.actor_npv.sel(actor="investor") < 0).mean())
    se = np.sqrt(p * (1 - p) / 100_000)
    assert abs(p - r.achieved) < 4 * np.hypot(se, r.achieved_se)
    assert p <= 0.10 + 4 * se


def test_solving_a_scenario_input(drc=None):
    r = sibrisk.solve(DRC, "contract.investor_surplus_share", "investor_loss_probability=0.2",
                      runs=20_000, seed=1)
    below = sibrisk.summarize(sibrisk.simulate(
        sibrisk.load_scenario(DRC).replace("contract.investor_surplus_share", r.value - 1e-6),
        runs=20_000, seed=1))
    assert float(below.investor_loss_probability) > 0.2 >= r.achieved  # the crossing


def test_solver_errors():
    with pytest.raises(SibriskError, match="write METRIC=VALUE"):
        sibrisk.solve(DRC, "contract.investor_surplus_share", "loss 0.1", runs=100)
    with pytest.raises(SibriskError, match="metric 'loss': not a measure here"):
        sibrisk.solve(DRC, "contract.investor_surplus_share", "loss=0.1", runs=100, grid=3)
    with pytest.raises(SibriskError, match="does not reach 0.01"):
        sibrisk.solve(DRC, "contract.investor_surplus_share", "investor_loss_probability=0.01",
                      runs=2_000, grid=3)
    with pytest.raises(SibriskError, match="bounds: give the range"):
        sibrisk.solve(None, "payments[0].rates.employed", "investor.loss_probability=0.1",
                      contract=sibrisk.load_contract(PRICE))
    with pytest.raises(SibriskError, match="not a number in the contract"):
        sibrisk.solve(None, "payments[0].rates.sustained", "investor.loss_probability=0.1",
                      contract=sibrisk.load_contract(PRICE), bounds=(1, 2))


def test_solve_on_the_command_line(capsys, tmp_path):
    path = tmp_path / "price.toml"
    path.write_text('name = "price"\nscenario = "drc-sib-2023"\n[[payments]]\n'
                    'kind = "rate_card"\nrates = { employed = 250000 }\n', encoding="utf-8")
    status = cli.main(["solve", "--contract", str(path), "--vary", "payments[0].rates.employed",
                       "--target", "investor.loss_probability=0.10", "--bounds", "100000",
                       "600000", "--runs", "20000", "--json"])
    d = json.loads(capsys.readouterr().out)
    assert status == 0 and 250_000 < d["value"] < 350_000 and d["metric"] == \
        "investor.loss_probability"


def test_the_fair_split_balances_two_risks():
    a, b = "investor_loss_probability", "municipal_deficit_probability"
    r = sibrisk.solve(DRC, "contract.investor_surplus_share", balance=(a, b), runs=20_000,
                      seed=1)
    assert r.metric == f"{a} - {b}" and r.target == 0.0
    s = sibrisk.load_scenario(DRC)

    def gap(share):
        x = sibrisk.summary_to_dict(sibrisk.summarize(sibrisk.simulate(
            s.replace("contract.investor_surplus_share", share), runs=20_000, seed=1)))
        return x[a] - x[b]

    # on the same draws: the investor's risk is the larger below the split, not above
    assert gap(r.value - 1e-6) > 0 >= gap(r.value) == pytest.approx(r.achieved)
    with pytest.raises(SibriskError, match="either a target"):
        sibrisk.solve(DRC, "contract.investor_surplus_share", runs=10)
