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


def test_a_worker_lost_mid_sweep_changes_nothing(client):
    expected = sibrisk.sweep(DRC, AXES, runs=300_000, seed=8)
    got = {}
    run = threading.Thread(target=lambda: got.setdefault(
        "ds", sibrisk.sweep(DRC, AXES, runs=300_000, seed=8, client=client)))
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
    xr.testing.assert_identical(expected, got["ds"])


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
