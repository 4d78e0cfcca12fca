"""Uncertain inputs: every distribution draws what scipy says, and bad tables get clear errors."""

import numpy as np
import pytest
from scipy import stats

import sibrisk
from sibrisk import Scenario, ScenarioError
from sibrisk.scenario.uncertainty import PRIORS, Distribution

TABLES = {
    "uniform": {"dist": "uniform", "low": 0.1, "high": 0.3},
    "triangular": {"dist": "triangular", "low": 0.05, "mode": 0.15, "high": 0.4},
    "pert": {"dist": "pert", "low": 0.05, "mode": 0.15, "high": 0.4},
    "truncnormal": {"dist": "truncnormal", "mean": 0.15, "sd": 0.1, "low": 0.0, "high": 1.0},
    "beta": {"dist": "beta", "a": 2.0, "b": 8.0},
    "evidence": {"dist": "evidence", "successes": 3, "trials": 20},
}


def with_decay(drc, table):
    d = drc.to_dict()
    d["effect"]["decay"] = table
    return Scenario.from_dict(d, source="t.toml")


@pytest.mark.parametrize("kind", sorted(TABLES))
def test_draws_follow_the_distribution(drc, kind):
    dist = with_decay(drc, TABLES[kind]).uncertain_inputs["effect.decay"]
    x = dist.draw(np.random.default_rng(1), 50_000)
    assert stats.kstest(x, dist._frozen().cdf).pvalue > 1e-3
    # the quantile function (used for correlated draws) agrees with the sampler
    y = dist.ppf(np.random.default_rng(2).random(50_000))
    assert stats.ks_2samp(x, y).pvalue > 1e-3
    # no value given: the point value is the distribution's mean
    assert with_decay(drc, TABLES[kind]).effect.decay == pytest.approx(dist._frozen().mean())


def test_lognormal_and_normal_on_unbounded_inputs(drc):
    d = drc.to_dict()
    d["municipality"]["other_net_costs"] = {"dist": "normal", "mean": 37543.0, "sd": 5000.0}
    d["municipality"]["saving_per_employed_year"] = {"dist": "lognormal", "mean": 9e4, "sd": 1e4}
    s = Scenario.from_dict(d)
    logn = s.uncertain_inputs["municipality.saving_per_employed_year"]
    x = logn.draw(np.random.default_rng(0), 200_000)
    assert x.mean() == pytest.approx(9e4, rel=0.01) and x.std() == pytest.approx(1e4, rel=0.02)


def test_evidence_is_a_beta_posterior_with_a_stated_prior(drc):
    dist = with_decay(drc, TABLES["evidence"]).uncertain_inputs["effect.decay"]
    assert dist.beta_posterior() == (3.5, 17.5)  # Jeffreys prior by default
    uniform = with_decay(drc, TABLES["evidence"] | {"prior": "uniform"})
    assert uniform.uncertain_inputs["effect.decay"].beta_posterior() == (4.0, 18.0)
    assert set(PRIORS) == {"jeffreys", "uniform"}


def test_whole_number_inputs_draw_whole_numbers(drc):
    d = drc.to_dict()
    d["effect"]["horizon"] = {"dist": "triangular", "low": 10, "mode": 15, "high": 20}
    s = Scenario.from_dict(d)
    assert s.effect.horizon == 15
    x = s.uncertain_inputs["effect.horizon"].draw(np.random.default_rng(0), 1000)
    assert np.all(x == np.round(x)) and x.min() >= 10 and x.max() <= 20
    ds = sibrisk.simulate(s, runs=2000, seed=1)
    assert set(np.unique(ds.input_value.sel(input="effect.horizon"))) <= set(range(10, 21))


BAD = [
    ({"dist": "gauss", "mean": 0.1}, "effect.decay.dist = 'gauss': must be one of"),
    ({"dist": "uniform", "low": 0.3}, "effect.decay.high: required for dist = 'uniform'"),
    ({"dist": "uniform", "low": 0.3, "high": 0.1}, "effect.decay.high = 0.1: must be above low"),
    ({"dist": "triangular", "low": 0.1, "mode": 0.5, "high": 0.3}, "effect.decay.mode = 0.5"),
    ({"dist": "truncnormal", "mean": 0.1, "sd": 0, "low": 0.0, "high": 1.0},
     "effect.decay.sd = 0"),
    ({"dist": "normal", "mean": 0.15, "sd": 0.05},
     "effect.decay.dist = 'normal': can draw values in [-inf, inf], outside the allowed [0, 1]"),
    ({"dist": "uniform", "low": 0.1, "high": 1.3}, "outside the allowed [0, 1]"),
    ({"dist": "evidence", "successes": 30, "trials": 20}, "effect.decay.successes = 30"),
    ({"dist": "evidence", "successes": 3, "trials": 20, "prior": "flat"},
     "effect.decay.prior = 'flat'"),
    ({"dist": "uniform", "low": 0.1, "high": 0.3, "mode": 0.2},
     "effect.decay.mode = 0.2: unknown key for dist = 'uniform'"),
    ({"dist": "uniform", "low": "a", "high": 0.3}, "effect.decay.low = 'a': must be a finite"),
    ({"dist": "uniform", "low": 0.1, "high": 0.3, "value": 2.0}, "effect.decay.value = 2.0"),
    ({"dist": "fixed"}, "effect.decay.value is missing"),
]


@pytest.mark.parametrize(("table", "words"), BAD, ids=[str(i) for i in range(len(BAD))])
def test_bad_distribution_tables(drc, table, words):
    with pytest.raises(ScenarioError) as info:
        with_decay(drc, table)
    assert str(info.value).startswith("t.toml: ") and words in str(info.value)


@pytest.mark.parametrize(("key", "words"), [
    ("contract.investor_surplus_share", "contract terms are chosen, not uncertain"),
    ("types.with_experience.share", "shares must sum to 1"),
    ("cohort.size", "the cohort size is chosen"),
])
def test_some_inputs_cannot_be_uncertain(drc, key, words):
    with pytest.raises(ScenarioError, match=words):
        drc.replace(key, {"dist": "uniform", "low": 0.1, "high": 0.9})


def test_evidence_only_for_probabilities(drc):
    with pytest.raises(ScenarioError, match="only for probabilities"):
        drc.replace("municipality.saving_per_employed_year",
                    {"dist": "evidence", "successes": 1, "trials": 2})


def _correlated(drc, rows):
    d = drc.to_dict()
    d["municipality"]["saving_per_employed_year"] = {"dist": "uniform", "low": 8e4, "high": 1e5}
    d["correlation"] = rows
    return Scenario.from_dict(d, source="c.toml")


@pytest.mark.parametrize(("rows", "words"), [
    ([{"inputs": ["effect.decay", "provider.cost_per_participant"], "rank": 0.5}],
     "correlation[0].inputs = 'provider.cost_per_participant': must be an uncertain input"),
    ([{"inputs": ["effect.decay", "municipality.saving_per_employed_year"], "rank": 1.5}],
     "correlation[0].rank = 1.5: must be a number in [-1, 1]"),
    ([{"inputs": ["effect.decay"], "rank": 0.5}], "must name two different uncertain inputs"),
    ([{"inputs": ["effect.decay", "municipality.saving_per_employed_year"], "rank": 0.5},
      {"inputs": ["municipality.saving_per_employed_year", "effect.decay"], "rank": 0.2}],
     "this pair is given twice"),
    ([{"inputs": ["effect.decay", "municipality.saving_per_employed_year"], "rank": 0.9},
      {"inputs": ["effect.decay", "types.with_experience.gross_employment"], "rank": 0.9},
      {"inputs": ["municipality.saving_per_employed_year",
                  "types.with_experience.gross_employment"], "rank": -0.9}],
     "not positive definite"),
    ([{"inputs": ["effect.decay", "municipality.saving_per_employed_year"], "rho": 0.5}],
     "correlation[0].rho = 0.5: unknown key"),
])
def test_bad_correlations(drc, rows, words):
    with pytest.raises(ScenarioError) as info:
        _correlated(drc, rows)
    assert words in str(info.value)


def test_fixing_an_input_drops_its_correlations(drc):
    s = _correlated(drc, [{"inputs": ["effect.decay", "municipality.saving_per_employed_year"],
                           "rank": 0.5}])
    assert s.correlation and not s.replace("effect.decay", 0.2).correlation
    assert Scenario.from_toml_text(s.to_toml()) == s


def test_distribution_round_trip_keeps_whole_numbers(drc):
    s = with_decay(drc, TABLES["evidence"])
    assert s.to_dict()["effect"]["decay"]["successes"] == 3
    assert Scenario.from_toml_text(s.to_toml()) == s
    assert isinstance(s.uncertain_inputs["effect.decay"], Distribution)


@pytest.mark.parametrize("frozen", [
    stats.beta(10.5, 9.5), stats.beta(23.5, 162.5), stats.beta(0.5, 0.5), stats.beta(0.05, 3),
    stats.beta(1.8, 2.2, loc=0.05, scale=0.25), stats.uniform(0.1, 0.2), stats.norm(37543, 5000),
    stats.lognorm(0.1, scale=9e4),
], ids=lambda f: f.dist.name)
def test_quantile_tables_match_scipy(frozen):
    from sibrisk.scenario._quantile import QuantileTable

    table = QuantileTable(frozen)
    assert table.ok
    u = np.concatenate([np.random.default_rng(0).random(200_000),
                        [1e-16, 1e-9, 2.0 ** -5, 0.5, 1 - 2.0 ** -5, 1 - 1e-9,
                         1 - 2.0 ** -53]])
    exact = np.where(u > 0.5, frozen.isf(1.0 - u), frozen.ppf(u))  # 1 - u is exact there
    scale = float(np.ptp(frozen.ppf([1e-12, 1 - 1e-12])))
    finite = np.isfinite(exact)
    assert np.abs(table(u)[finite] - exact[finite]).max() <= 1e-9 * scale
    assert (np.diff(table(np.sort(u))) >= -1e-12 * scale).all()  # monotone in u


def test_a_kink_too_sharp_for_the_table_falls_back_to_scipy():
    # the triangular's density has a corner at its mode: the table misses by ~1e-10 of the
    # range, more than it allows, so draws use scipy's exact quantile function instead
    from sibrisk.scenario._quantile import quantile_table

    frozen = stats.triang(0.4, loc=0.05, scale=0.3)
    assert quantile_table(frozen) is None
    dist = Distribution("triangular", (("low", 0.05), ("mode", 0.17), ("high", 0.35)))
    u = np.random.default_rng(3).random(1000)
    np.testing.assert_array_equal(dist.ppf(u), dist._frozen().ppf(u))


def test_a_table_that_misses_is_not_used():
    from sibrisk.scenario._quantile import QuantileTable, quantile_table

    class Jumpy:
        """A quantile function with a jump between nodes: interpolation cannot follow it."""

        def ppf(self, u):
            return np.where(np.asarray(u) < 0.3001, 0.0, 1.0)

        isf = lambda self, v: self.ppf(1 - np.asarray(v))  # noqa: E731
        pdf = lambda self, q: np.ones_like(np.asarray(q, dtype=float))  # noqa: E731

    assert not QuantileTable(Jumpy()).ok
    assert quantile_table(Jumpy()) is None
