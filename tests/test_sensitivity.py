"""Sensitivity: tornado ranges against the deterministic account, Sobol' indices against
the variance shares of a model that is linear in its uncertain inputs."""

from __future__ import annotations

import json

import numpy as np
import pytest

import sibrisk
from sibrisk import cli
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
    s = sibrisk.sobol(linear, "budget_surplus", n=4096, seed=3, n_resamples=199)
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
        assert float(row.total_order_low) <= exact <= float(row.total_order_high) + 0.01
    assert s.attrs["evaluations"] == 4096 * 4


def test_sobol_is_reproducible_and_checks_its_inputs(linear, drc):
    a = sibrisk.sobol(linear, "budget_surplus", n=256, seed=5, n_resamples=99)
    b = sibrisk.sobol(linear, "budget_surplus", n=256, seed=5, n_resamples=99)
    for name in a.data_vars:
        assert np.array_equal(a[name].values, b[name].values)
    with pytest.raises(SibriskError, match="n = 1000: must be a power of 2"):
        sibrisk.sobol(linear, n=1000)
    with pytest.raises(SibriskError, match="not finite"):
        sibrisk.sobol(drc, "municipal_payback_year", n=256)


def test_sensitivity_on_the_command_line(capsys):
    status = cli.main(["sensitivity", "--n", "512", "--json"])
    out = capsys.readouterr().out
    assert status == 0
    d = json.loads(out)
    assert d["output"] == "municipal_account" and d["tornado"][0]["input"] == "effect.decay"
    assert {x["input"] for x in d["sobol"]} == {x["input"] for x in d["tornado"]}
    status = cli.main(["sensitivity", "--n", "512"])
    assert status == 0 and "Sobol' indices" in capsys.readouterr().out
