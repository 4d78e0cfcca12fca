"""Common random numbers: every point of a sweep, and every contract variant, inverts the
same uniforms for the same purpose, so a tiny change of an input changes a vanishing
share of runs, and what the model makes monotone in an input is monotone over a grid."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import sibrisk
from sibrisk.ledger.discount import discount_factors
from sibrisk.metrics.risk import LOSS_TOLERANCE

DRC = "drc-sib-2023"
DECAY = "effect.decay"
GROSS = "types.no_experience.gross_employment"
# decay between 0.10 and 0.20 in steps of 0.0025: the investor's price steps down
# across it a few times
GRID = np.round(np.linspace(0.10, 0.20, 41), 4)
RUNS = 20_000
SEED = 3

# a price per participant in work and nothing else: the investor's money does not
# depend on the decay of the effect, the municipality's savings do
PRICE = {"name": "price", "scenario": DRC, "description": "a price per job",
         "payments": [{"kind": "rate_card", "name": "price", "rates": {"employed": 200_000.0}}]}


@pytest.fixture(scope="module")
def drc():
    return sibrisk.load_scenario(DRC)


@pytest.fixture(scope="module")
def decay_sweep():
    return sibrisk.sweep(DRC, {DECAY: GRID.tolist()}, runs=RUNS, seed=SEED, keep_runs=True)


def test_every_point_draws_from_one_stream(decay_sweep, drc):
    assert (decay_sweep.outcome_stream == 0).all()
    assert "the same stream at every point" in decay_sweep.attrs["random_numbers"]
    # a point is the simulation of the scenario at that point, whatever the grid
    at = drc.replace(DECAY, float(GRID[17]))
    alone = sibrisk.simulate(at, runs=RUNS, seed=SEED)
    np.testing.assert_array_equal(decay_sweep.investor_result.isel({DECAY: 17}),
                                  alone.investor_result)


def test_the_catalogue_investor_loses_more_often_at_a_faster_decay(decay_sweep, drc):
    """The catalogue contract is priced on the scenario's point values: a faster decay
    saves less, so the price per job falls, and on the same counts every run's result
    falls with it. Oracle: the result of each run from the price of
    ``price_surplus_share`` at the point and the counts of one simulation."""
    result = decay_sweep.investor_result.transpose(DECAY, "run").values
    assert (np.diff(result, axis=0) <= 1e-6).all()  # run by run, as the decay rises
    p = decay_sweep.investor_loss_probability.values
    assert (np.diff(p) >= 0).all() and p[-1] > p[0]
    counts = sibrisk.simulate(drc.replace(DECAY, 0.1), runs=RUNS, seed=SEED)
    gross = counts.gross_employed.values  # the same at every point: decay moves no count
    for i in (0, 20, 40):
        point = drc.replace(DECAY, float(GRID[i]))
        tariff = sibrisk.price_surplus_share(point)
        d_pay = discount_factors(point.discounting, point.contract.payment_year)[-1]
        oracle = gross @ tariff.applied_rates * d_pay - point.provider.cost_per_participant * 56
        np.testing.assert_allclose(result[i], oracle, rtol=1e-9, atol=1e-3)
        assert p[i] == np.mean(oracle < -LOSS_TOLERANCE)


def test_a_tiny_change_of_an_input_changes_a_vanishing_share_of_runs(drc):
    for key, x in ((DECAY, 0.15), (GROSS, 0.25), ("types.with_experience.control_employment",
                                                    0.26)):
        a = sibrisk.simulate(drc.replace(key, x), runs=RUNS, seed=SEED)
        b = sibrisk.simulate(drc.replace(key, x + 1e-9), runs=RUNS, seed=SEED)
        for name in ("gross_employed", "additional_employed"):
            moved = (a[name] != b[name]).any("type")
            assert float(moved.mean()) <= 1e-3, (key, name)
    # the pair: P(loss) at 0.15 and 0.150001 was 27.4 % and 26.6 %
    pair = sibrisk.sweep(DRC, {DECAY: [0.15, 0.150001]}, runs=RUNS, seed=SEED)
    p = pair.investor_loss_probability.values
    assert p[0] == p[1]


def test_a_fixed_price_makes_the_investor_indifferent_to_the_decay():
    """Under a price per job the investor's NPV does not depend on the decay: its loss
    probability is the same at every point, exactly; the municipality saves less as the
    effect decays faster, so its probability of a deficit never falls along the grid."""
    ds = sibrisk.sweep(None, {DECAY: GRID.tolist()}, contract=PRICE, runs=RUNS, seed=SEED,
                       keep_runs=True)
    investor = ds.loss_probability.sel(actor="investor").values
    assert (investor == investor[0]).all()
    npv = ds.actor_npv.sel(actor="investor").transpose(DECAY, "run").values
    assert (npv == npv[0]).all()
    deficit = ds.loss_probability.sel(actor="municipality").values
    assert (np.diff(deficit) >= 0).all() and deficit[-1] > deficit[0]


def test_drawn_composition_is_multinomial_and_coupled(drc):
    """A drawn composition as a chain of binomials: the counts by type are multinomial
    (oracle: scipy's pmf), and a nearby share or a larger cohort moves few runs, by at
    most one participant, in the direction of the change."""
    drawn = drc.replace("cohort.composition", "drawn")
    ds = sibrisk.simulate(drawn, runs=50_000, seed=2, parameter_uncertainty=False)
    first = ds.participants.isel(type=0).values.astype(int)
    assert (ds.participants.sum("type") == 56).all()
    observed = np.bincount(first, minlength=57)
    expected = stats.multinomial.pmf(np.stack([np.arange(57), 56 - np.arange(57)], axis=1),
                                     56, [0.35, 0.65]) * first.size
    big = expected >= 5
    obs = np.append(observed[big], observed[~big].sum())
    exp = np.append(expected[big], expected[~big].sum())
    assert stats.chi2.sf(((obs - exp) ** 2 / exp).sum(), obs.size - 1) > 1e-4

    def shares(x):
        return drawn.replace({"types.with_experience.share": x,
                              "types.no_experience.share": 1.0 - x})

    a = sibrisk.simulate(shares(0.35), runs=20_000, seed=2).participants.isel(type=0).values
    b = sibrisk.simulate(shares(0.35 + 1e-9), runs=20_000, seed=2).participants.isel(
        type=0).values
    assert (b >= a).all() and (a != b).mean() <= 1e-3
    bigger = sibrisk.simulate(drawn.replace("cohort.size", 57), runs=20_000, seed=2)
    c = bigger.participants.isel(type=0).values
    assert ((c - a >= 0) & (c - a <= 1)).all()


def test_contract_variants_share_the_composition_draws(drc):
    drawn = drc.replace("cohort.composition", "drawn")
    cheap = dict(PRICE, name="cheap")
    dear = dict(PRICE, name="dear", payments=[dict(PRICE["payments"][0],
                                                   rates={"employed": 250_000.0})])
    ds = sibrisk.simulate(drawn, runs=5_000, seed=4, contracts=[cheap, dear],
                          contract_stats=("npv",))
    pay = ds.contract_payment
    # the same employed counts in both: the payments are in the ratio of the prices
    np.testing.assert_allclose(pay.sel(contract="dear"), 1.25 * pay.sel(contract="cheap"),
                               rtol=1e-12)
