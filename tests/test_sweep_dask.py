"""Sweeps on a dask cluster give the local numbers bit for bit, even when a worker dies.

The tests start a two-worker LocalCluster on loopback (127.0.0.1; its HTTP server on a free
loopback port).
"""

from __future__ import annotations

import logging
import os
import threading
import time

import pytest
import xarray as xr
from distributed import Client, LocalCluster

import sibrisk

DRC = "drc-sib-2023"
AXES = {"contract.investor_surplus_share": [0.3, 0.5, 0.7],
        "effect.decay": [0.1, 0.15, 0.2, 0.25]}
DESIGN = os.path.join(os.path.dirname(__file__), "..", "examples", "sweeps",
                      "price-share-cap.toml")
TERMS = {"payments[0].rates.employed": [150_000.0, 200_000.0, 250_000.0, 300_000.0],
         "payments[1].share": [0.1, 0.2, 0.3, 0.4],
         "cap": [3e6, 4e6, 5e6, 6e6, 7e6, 8e6, 9e6, 1e7]}


@pytest.fixture(scope="module")
def client():
    sibrisk.simulate(DRC, runs=10, seed=0)  # compile (and cache) the kernels before the workers
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR) as cluster, \
            Client(cluster) as c:
        yield c


def test_dask_gives_the_local_numbers(client):
    local = sibrisk.sweep(DRC, AXES, runs=20_000, seed=3)
    remote = sibrisk.sweep(DRC, AXES, runs=20_000, seed=3, client=client)
    xr.testing.assert_identical(local, remote)
    contract = "examples/contracts/tranches.toml"
    axes = {"capital.tranches[0].coupon": [0.0, 0.05, 0.1]}
    here = os.path.join(os.path.dirname(__file__), "..", contract)
    local = sibrisk.sweep(None, axes, contract=here, runs=5_000, seed=1)
    remote = sibrisk.sweep(None, axes, contract=here, runs=5_000, seed=1, client=client)
    xr.testing.assert_identical(local, remote)


def _kill_a_busy_worker_during(client, work):
    """Run ``work()`` in a thread, kill a worker as soon as one holds a task, and return
    what ``work`` returned."""
    got = {}
    run = threading.Thread(target=lambda: got.setdefault("ds", work()))
    run.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # wait until a worker holds a task, then kill it
        busy = [w for w, tasks in client.processing().items() if tasks]
        if busy:
            break
        time.sleep(0.05)
    assert busy, "no task started on the cluster"
    try:
        client.run(os._exit, 1, workers=[busy[0]])
    except Exception:  # noqa: BLE001 - the worker died answering, as it should
        pass
    run.join(timeout=300)
    assert not run.is_alive()
    return got["ds"]


def test_a_worker_lost_mid_sweep_changes_nothing(client):
    """A worker killed while it simulates a point: dask retries, the numbers stay."""
    expected = sibrisk.sweep(DRC, AXES, runs=300_000, seed=8)
    got = _kill_a_busy_worker_during(
        client, lambda: sibrisk.sweep(DRC, AXES, runs=300_000, seed=8, client=client))
    xr.testing.assert_identical(expected, got)


def test_compiled_contract_sweep_on_dask_even_when_a_worker_is_lost(client):
    """Price x share x cap, settled by the compiled kernel in several blocks on outcomes
    drawn by one task: the cluster gives the local numbers, also when a worker dies while
    it holds the outcomes or a block."""
    local = sibrisk.sweep(None, TERMS, contract=DESIGN, runs=200_000, seed=5)
    assert local.sizes == {"payments[0].rates.employed": 4, "payments[1].share": 4,
                           "cap": 8, "actor": 3, "quantile": 3}
    got = _kill_a_busy_worker_during(
        client, lambda: sibrisk.sweep(None, TERMS, contract=DESIGN, runs=200_000, seed=5,
                                      client=client))
    xr.testing.assert_identical(local, got)


def test_sweep_on_a_scheduler_from_the_command_line(client, capsys):
    from sibrisk import cli

    args = ["sweep", "--axis", "effect.decay=0.1,0.2", "--runs", "5000", "--seed", "2",
            "--json"]
    assert cli.main(args) == 0
    local = capsys.readouterr().out
    assert cli.main([*args, "--scheduler", client.scheduler.address]) == 0
    assert capsys.readouterr().out == local
    assert cli.main([*args, "--scheduler", "tcp://127.0.0.1:9"]) == 1
    assert "cannot connect" in capsys.readouterr().err


def test_contract_sweep_on_a_scheduler_from_the_command_line(client, capsys, tmp_path):
    """sibrisk sweep --contract ... --scheduler ADDRESS writes the local file's numbers."""
    from sibrisk import cli

    args = ["sweep", "--contract", DESIGN, "--axis", "payments[0].rates.employed=150000:250000:3",
            "--axis", "payments[1].share=0.1,0.3", "--axis", "cap=4000000,8000000",
            "--runs", "5000", "--seed", "2"]
    here, there = tmp_path / "here.nc", tmp_path / "there.nc"
    assert cli.main([*args, "--out", str(here)]) == 0
    assert cli.main([*args, "--out", str(there), "--scheduler", client.scheduler.address]) == 0
    capsys.readouterr()
    with xr.open_dataset(here) as a, xr.open_dataset(there) as b:
        assert a.sizes["payments[0].rates.employed"] == 3
        xr.testing.assert_identical(a.load(), b.load())
