"""Sweeps: every point is the simulation of that point, reproducible whatever the grid
around it; every point draws the same uniforms for the same purpose."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import sibrisk
from sibrisk import cli
from sibrisk.errors import ScenarioError, SibriskError
from sibrisk.metrics.risk import summarize_contracts

DRC = "drc-sib-2023"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "contracts"
SHARE, DECAY = "contract.investor_surplus_share", "effect.decay"


@pytest.fixture(scope="module")
def grid():
    return sibrisk.sweep(DRC, {SHARE: [0.3, 0.7], DECAY: [0.1, 0.2]}, runs=10_000, seed=4)


def test_a_point_is_the_simulation_of_that_point(grid):
    at = {SHARE: 0.7, DECAY: 0.2}
    stream = int(grid.outcome_stream.sel(at))
    s = sibrisk.load_scenario(DRC).replace(at)
    ref = sibrisk.summarize(sibrisk.simulate(s, runs=10_000, seed=4, stream=stream))
    for name in ("investor_loss_probability", "investor_return_mean_se",
                 "municipal_deficit_probability", "payback_year_quantiles"):
        assert np.array_equal(grid[name].sel(at).values, ref[name].values)
    assert grid.attrs["runs_per_point"] == 10_000 and grid.attrs["seed"] == 4


def test_every_point_shares_the_draws_and_does_not_depend_on_the_grid(grid):
    # one stream for every point: contract terms and outcome inputs alike (common random
    # numbers; tests/test_crn.py checks the coupling)
    assert (grid.outcome_stream == 0).all()
    # a point's numbers do not depend on which other points are in the grid
    alone = sibrisk.sweep(DRC, {DECAY: [0.2], SHARE: [0.7]}, runs=10_000, seed=4)
    assert float(alone.investor_loss_probability.squeeze()) == float(
        grid.investor_loss_probability.sel({SHARE: 0.7, DECAY: 0.2}))
    # common random numbers: a larger share never raises the probability of a loss
    p = grid.investor_loss_probability
    assert (p.sel({SHARE: 0.7}) <= p.sel({SHARE: 0.3})).all()


def test_zipped_axes_and_mistakes():
    z = sibrisk.sweep(DRC, {SHARE: [0.3, 0.7], DECAY: [0.1, 0.2]}, runs=2_000, seed=1, zip=True)
    assert z.investor_loss_probability.dims == ("point",)
    assert list(z[DECAY].values) == [0.1, 0.2]
    with pytest.raises(SibriskError, match="zip: every axis needs the same number"):
        sibrisk.sweep(DRC, {SHARE: [0.3], DECAY: [0.1, 0.2]}, runs=10, zip=True)
    with pytest.raises(ScenarioError, match="did you mean 'effect.decay'"):
        sibrisk.sweep(DRC, {"effect.decy": [0.1]}, runs=10)
    with pytest.raises(ScenarioError, match="effect.decay = 1.5"):
        sibrisk.sweep(DRC, {DECAY: [1.5]}, runs=10)
    with pytest.raises(SibriskError, match="give at least one axis"):
        sibrisk.sweep(DRC, {}, runs=10)


def test_contract_sweep_matches_the_contract_simulated_alone():
    path = EXAMPLES / "early-termination.toml"
    ds = sibrisk.sweep(None, {"payments[0].rates.employed": [150_000.0, 250_000.0]},
                       contract=path, runs=10_000, seed=2)
    contract = sibrisk.load_contract(path).to_dict()
    contract["payments"][0]["rates"]["employed"] = 250_000.0
    ref = summarize_contracts(sibrisk.simulate(DRC, runs=10_000, seed=2, contracts=contract,
                                               contract_stats=("npv", "irr", "exposure")))
    ref = ref[contract["name"]]["actors"]["investor"]
    row = ds.sel({"payments[0].rates.employed": 250_000.0, "actor": "investor"})
    assert float(row.loss_probability) == ref["loss_probability"]
    assert float(row.npv_mean) == pytest.approx(ref["npv_mean"], rel=1e-12)
    p = ds.loss_probability.sel(actor="investor")
    assert float(p[1]) < float(p[0])  # a higher price, on the same draws, loses less often
    with pytest.raises(SibriskError, match="axis = 'payments\\[0\\].rates.nothing'"):
        sibrisk.sweep(None, {"payments[0].rates.nothing": [1.0]}, contract=path, runs=10)


def test_sweep_on_the_command_line(capsys, tmp_path):
    out = tmp_path / "sweep.nc"
    status = cli.main(["sweep", "--axis", f"{SHARE}=0.3:0.7:3", "--runs", "2000", "--seed",
                       "1", "--out", str(out), "--json"])
    d = json.loads(capsys.readouterr().out)
    assert status == 0 and d["point_count"] == 3 and len(d["points"]) == 3
    assert d["points"][0]["at"] == {SHARE: 0.3}
    assert set(d["points"][0]["summary"]["investor_return_quantiles"]) == {"0.05", "0.5",
                                                                          "0.95"}
    saved = xr.open_dataset(out, engine="scipy")
    assert saved.investor_loss_probability.shape == (3,)
    status = cli.main(["sweep", "--axis", f"{SHARE}=0.3:0.7"])
    err = capsys.readouterr().err
    assert status == 1 and "write NAME=START:STOP:N" in err


DESIGN = EXAMPLES.parent / "sweeps" / "price-share-cap.toml"


def test_keep_runs_keeps_every_points_runs():
    """keep_runs: each point's run-level NPVs, the same both ways, and what its summary
    summarises; without a contract, the runs of that point's own simulation."""
    axes = {"payments[0].rates.employed": [150_000.0, 250_000.0], "cap": [4e6, 8e6]}
    fast = sibrisk.sweep(None, axes, contract=DESIGN, runs=3_000, seed=2, keep_runs=True)
    slow = sibrisk.sweep(None, axes, contract=DESIGN, runs=3_000, seed=2, keep_runs=True,
                         engine="general")
    assert fast.actor_npv.dims == ("payments[0].rates.employed", "cap", "actor", "run")
    np.testing.assert_allclose(fast.actor_npv, slow.actor_npv, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(fast.contract_payment, slow.contract_payment, rtol=1e-12)
    np.testing.assert_allclose(fast.actor_npv.mean("run"), fast.npv_mean, rtol=1e-9, atol=1e-6)
    lost = fast.actor_npv < -sibrisk.metrics.risk.LOSS_TOLERANCE
    np.testing.assert_array_equal(lost.mean("run"), fast.loss_probability)
    plain = sibrisk.sweep(DRC, {DECAY: [0.1, 0.2]}, runs=2_000, seed=1, keep_runs=True)
    at = plain.sel({DECAY: 0.2})
    alone = sibrisk.simulate(sibrisk.load_scenario(DRC).replace(DECAY, 0.2), 2_000, 1,
                             stream=int(at.outcome_stream))
    np.testing.assert_array_equal(at.investor_result, alone.investor_result)
    assert "run" not in sibrisk.sweep(DRC, {DECAY: [0.1]}, runs=100, seed=1).dims
    with pytest.raises(SibriskError, match="keep_runs"):
        sibrisk.sweep(None, {"cap": np.linspace(1e6, 9e6, 10_000)}, contract=DESIGN,
                      runs=100_000, keep_runs=True)
