"""Benchmark: contract evaluations per second of ``sibrisk.sweep`` over contract terms.

A contract with a price, a share and a cap, all terms of the contract file (a
rate card on ``employed``, a share of the savings, a total cap), is swept on
the built-in scenario over a grid of ``--points`` points on three axes:
``payments[0].rates.employed`` (the price), ``payments[1].share`` (the
share) and ``cap``. The points differ only in contract terms, so
``sibrisk.sweep`` draws the outcomes once and settles the variants in blocks
with its compiled kernel (``sibrisk.ledger.catalogue.family``; common random numbers). This
measures, side by side in one process:

- the naive way: every point re-simulated on its own, one
  ``sibrisk.simulate(scenario, runs, seed, contracts=[that point's contract],
  contract_stats=("npv",))`` and one ``sibrisk.metrics.risk.summarize_contracts`` per
  point (the same measures as the sweep keeps), timed on ``--naive-points``
  points spread over the grid and extrapolated per point (it costs the same
  at every point); its numbers are checked against the sweep's;
- ``sibrisk.sweep`` on the whole grid, here;
- ``sibrisk.sweep`` on the same grid with ``client=`` a ``distributed``
  ``LocalCluster`` of ``--workers`` worker processes with one thread each
  (warmed up first with a small sweep, so the workers' compilation or cache
  loading is not timed), checked to give the local dataset exactly
  (``xarray.testing.assert_identical``); twice: on a cluster with dask's
  worker environment as it comes, and on one without the
  ``MALLOC_TRIM_THRESHOLD_`` that dask's nannies set in their workers (see
  :func:`start_clusters`).

The rate is contract evaluations per second, points x runs / seconds. The
local ways are timed first, in turn (so a slow spell of the machine hits both
alike), with no cluster in the process; then the clusters are started and
timed. The best repeat of each counts, as ``timeit`` does. The defaults
are the issue's target itself, 10,000 points x 100,000 runs (a smaller grid
is extrapolated linearly in points x runs), and it says whether the goals
are met: the sweep at least 100x the naive way, and the target in under a
minute. It also reports the peak memory of this process.

    python benchmarks/sweep.py [--points 10000] [--runs 100000] [--naive-points 16]
                               [--repeat 2] [--workers 2 (0: no cluster)]
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import math
import os
import resource
import sys
import time

import numba
import numpy as np
import xarray as xr

import sibrisk
from sibrisk.engine.simulate import DEFAULT_CHUNK_SIZE
from sibrisk.engine.solve import _set_path
from sibrisk.engine.sweep import _block_size
from sibrisk.metrics.risk import summarize_contracts

SCENARIO = sibrisk.load_scenario("drc-sib-2023")
SEED = 2023

#: The contract: a price (rate card), a share (of the savings) and a cap, all contract terms.
CONTRACT = {
    "name": "design", "scenario": SCENARIO.name, "cap": 6_000_000.0,
    "payments": [{"kind": "rate_card", "rates": {"employed": 200_000.0}},
                 {"kind": "savings_share", "share": 0.2, "share_after": 0.1, "years": 10}],
}
PRICE, SHARE, CAP = "payments[0].rates.employed", "payments[1].share", "cap"
#: The range of every axis (the grid spreads its values evenly over it).
RANGES = {PRICE: (100_000.0, 300_000.0), SHARE: (0.05, 0.40), CAP: (2_000_000.0, 10_000_000.0)}
STATS = ("npv",)  # what the sweep keeps per actor (its default measures)

#: The issue's target and goals.
TARGET_POINTS, TARGET_RUNS, TARGET_SECONDS, TARGET_RATIO = 10_000, 100_000, 60.0, 100.0

#: The two clusters: dask's worker environment as it is, and without its malloc setting.
DASK = "dask's worker environment"
GLIBC = "glibc's malloc defaults"


def grid_shape(points: int) -> tuple[int, int, int]:
    """Three factors of ``points``, as equal as possible (largest first)."""
    best = (points, 1, 1)
    for a in range(1, points + 1):
        if points % a:
            continue
        for b in range(1, points // a + 1):
            if (points // a) % b:
                continue
            shape = tuple(sorted((a, b, points // a // b), reverse=True))
            if max(shape) < max(best):
                best = shape
    return best


def axes_for(points: int) -> dict[str, list[float]]:
    return {k: np.linspace(*RANGES[k], n).tolist()
            for k, n in zip(RANGES, grid_shape(points), strict=True)}


def contract_at(axes: dict[str, list[float]], index: int) -> sibrisk.Contract:
    """The contract at the flat index of a point of the grid (C order, as sweep's)."""
    where = np.unravel_index(index, tuple(len(v) for v in axes.values()))
    data = sibrisk.Contract.from_dict(CONTRACT).to_dict()
    for (key, values), i in zip(axes.items(), where, strict=True):
        _set_path(data, key, float(values[i]))
    return sibrisk.Contract.from_dict(data)


def naive(contracts: list[sibrisk.Contract], runs: int) -> tuple[float, list[dict]]:
    """Seconds to re-simulate and summarise every contract on its own, and the summaries."""
    out = []
    t0 = time.perf_counter()
    for c in contracts:
        ds = sibrisk.simulate(SCENARIO, runs, SEED, contracts=[c], contract_stats=STATS)
        out.append(summarize_contracts(ds)[c.name])
    return time.perf_counter() - t0, out


def swept(axes: dict[str, list[float]], runs: int, client=None) -> tuple[float, xr.Dataset]:
    """Seconds of one sweep of the grid (on ``client``'s cluster if given), and the sweep.

    With a client it is made the current one: sweep's ``distributed.as_completed`` follows
    its futures on the default client's event loop, which in this process (two clusters,
    two clients) would otherwise be the other client's loop; touching a client's
    connections from another loop's thread can corrupt them (seen here: an
    ``AssertionError`` in tornado's ``iostream`` and a sweep that never returned).
    """
    t0 = time.perf_counter()
    with client.as_current() if client is not None else contextlib.nullcontext():
        ds = sibrisk.sweep(SCENARIO, axes, contract=CONTRACT, runs=runs, seed=SEED,
                           client=client)
    return time.perf_counter() - t0, ds


def largest_difference(ds: xr.Dataset, axes: dict[str, list[float]], picks: list[int],
                       summaries: list[dict]) -> float:
    """The largest relative difference between the sweep's numbers and the naive way's."""
    worst = 0.0
    shape = tuple(len(v) for v in axes.values())
    for index, summary in zip(picks, summaries, strict=True):
        at = dict(zip(axes, np.unravel_index(index, shape), strict=True))
        point = ds.isel(at)
        pairs = [(float(point[k]), summary[k]) for k in ("payment_mean",
                                                         "cap_bound_probability")]
        for actor, stats in summary["actors"].items():
            for k, v in stats.items():
                if not isinstance(v, dict) and k in point:
                    pairs.append((float(point[k].sel(actor=actor)), v))
        for a, b in pairs:
            b = math.nan if b is None else float(b)
            if np.isnan(a) and np.isnan(b):
                continue
            worst = max(worst, abs(a - b) / max(abs(a), abs(b), 1e-300))
    return worst


def peak_mb() -> float:
    """Peak resident memory of this process so far, MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def note(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=TARGET_POINTS,
                        help="points of the grid (factored into three axes)")
    parser.add_argument("--runs", type=int, default=TARGET_RUNS, help="runs per point")
    parser.add_argument("--naive-points", type=int, default=16,
                        help="points re-simulated the naive way (extrapolated per point)")
    parser.add_argument("--repeat", type=int, default=2, help="repeats; the best counts")
    parser.add_argument("--workers", type=int, default=2,
                        help="worker processes of each LocalCluster (0: no cluster)")
    args = parser.parse_args(argv)
    axes = axes_for(args.points)
    points = math.prod(len(v) for v in axes.values())
    k = min(args.naive_points, points)
    picks = sorted({int(round(x)) for x in np.linspace(0, points - 1, k)})
    contracts = [contract_at(axes, i) for i in picks]
    evaluations = points * args.runs

    # compile and warm up first (the kernels, a sweep and a naive point)
    note("warming up")
    small = {key: values[:2] for key, values in axes.items()}
    swept(small, 2_000)
    naive(contracts[:1], 2_000)
    best = {"naive": math.inf, "sweep": math.inf}
    local = summaries = None
    # the local ways first, with no cluster in this process (its schedulers' and clients'
    # threads would share the two cores), in turn so that a slow spell hits both alike
    for r in range(args.repeat):
        note(f"repeat {r + 1}/{args.repeat}: naive")
        t, summaries = naive(contracts, args.runs)
        best["naive"] = min(best["naive"], t / len(picks))  # seconds per point
        note(f"repeat {r + 1}/{args.repeat}: sweep")
        t, local = swept(axes, args.runs)
        best["sweep"] = min(best["sweep"], t)
    local_peak = peak_mb()
    clusters = start_clusters(args.workers, small) if args.workers else {}
    best |= {label: math.inf for label in clusters}
    remote = {}
    try:
        for r in range(args.repeat):
            for label, (_, client) in clusters.items():
                note(f"repeat {r + 1}/{args.repeat}: sweep on the cluster, {label}")
                t, remote[label] = swept(axes, args.runs, client)
                best[label] = min(best[label], t)
    finally:
        for cluster, client in clusters.values():
            client.close()
            cluster.close()

    shape = " x ".join(str(len(v)) for v in axes.values())
    naive_rate = args.runs / best["naive"]
    sweep_rate = evaluations / best["sweep"]
    ratio = sweep_rate / naive_rate
    chunks = math.ceil(args.runs / DEFAULT_CHUNK_SIZE)
    print(f"scenario {SCENARIO.name}, seed {SEED}, {args.runs:,} runs per point, best of "
          f"{args.repeat}; {os.cpu_count()} cores, numba threads {numba.get_num_threads()}")
    print(f"contract: rate card on employed, savings share, total cap; grid {shape} = "
          f"{points:,} points over {', '.join(axes)}; "
          f"{_block_size(args.runs)} variants per "
          "compiled block")
    print(f"outcomes drawn in {chunks} chunk(s) of up to {DEFAULT_CHUNK_SIZE:,} runs; peak "
          f"memory of this process {local_peak:,.0f} MB after the naive runs and the local "
          "sweeps")
    print()
    print("| way | seconds | contract evaluations/s | over naive |")
    print("| --- | ---: | ---: | ---: |")
    print(f"| naive, per point (timed on {len(picks)} points) | "
          f"{best['naive']:.4f} | {naive_rate:,.0f} | 1.00x |")
    print(f"| naive, {points:,} points (extrapolated) | {best['naive'] * points:.2f} | "
          f"{naive_rate:,.0f} | 1.00x |")
    print(f"| sweep, here | {best['sweep']:.2f} | {sweep_rate:,.0f} | {ratio:.2f}x |")
    rates = {"sweep, here": sweep_rate}
    for label in clusters:
        rate = evaluations / best[label]
        rates[f"sweep, {args.workers} workers, {label}"] = rate
        print(f"| sweep, {args.workers}-worker LocalCluster, {label} | {best[label]:.2f} | "
              f"{rate:,.0f} | {rate / naive_rate:.2f}x |")
    print()
    diff = largest_difference(local, axes, picks, summaries)
    print(f"naive and sweep numbers at the {len(picks)} naive points: largest relative "
          f"difference {diff:.1e}")
    for label in clusters:
        xr.testing.assert_identical(local, remote[label])
        print(f"cluster ({label}) over local sweep: {best['sweep'] / best[label]:.2f}x "
              "speed-up; dataset identical to the local one (xarray.testing.assert_identical)")
    print()
    target = TARGET_POINTS * TARGET_RUNS
    print(f"target {TARGET_POINTS:,} points x {TARGET_RUNS:,} runs = {target:.1e} contract "
          "evaluations, extrapolated linearly from the rates above:")
    for label, rate in rates.items():
        print(f"  {label}: {target / rate:,.0f} s ({target / rate / 60:.1f} min)")
    fastest = max(rates, key=rates.get)
    seconds = target / rates[fastest]
    print()
    print("| goal | measured | met |")
    print("| --- | ---: | --- |")
    print(f"| sweep at least {TARGET_RATIO:.0f}x the naive way | {ratio:.2f}x | "
          f"{'yes' if ratio >= TARGET_RATIO else 'no'} |")
    print(f"| {TARGET_POINTS:,} x {TARGET_RUNS:,} in under {TARGET_SECONDS:.0f} s | "
          f"{seconds:,.0f} s ({fastest}) | {'yes' if seconds < TARGET_SECONDS else 'no'} |")
    return 0


def start_clusters(workers: int, small: dict[str, list[float]]) -> dict[str, tuple]:
    """Two LocalClusters of ``workers`` one-thread worker processes, warmed up: with dask's
    own worker environment, and with glibc's malloc left at its defaults.

    dask's nannies set ``MALLOC_TRIM_THRESHOLD_=65536`` in their workers' environment
    (``distributed.nanny.pre-spawn-environ``), which also switches off glibc's adaptive
    mmap threshold: every large array is then a fresh ``mmap`` whose pages fault in on
    first touch, which is slow on this VM. The second cluster has that variable removed
    from the config (this process and the workers then run with the same malloc). The
    nannies also write the variable into this process's ``os.environ`` (glibc reads it at
    process start only, so not this process's malloc), so the cluster without it starts
    first and the variable is checked in every worker.
    """
    import dask
    from distributed import Client, LocalCluster

    out = {}
    for label, trim in ((GLIBC, None), (DASK, 65536)):
        note(f"starting a {workers}-worker LocalCluster, {label}")
        with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_":
                              trim}):
            # no dashboard; the scheduler's HTTP server (there even so) on a free loopback
            # port, not 8787, which the first cluster holds
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   host="127.0.0.1", dashboard_address=None,
                                   scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                                   silence_logs=logging.ERROR)
        client = Client(cluster)
        seen = set(client.run(lambda: os.environ.get("MALLOC_TRIM_THRESHOLD_")).values())
        if seen != {None if trim is None else str(trim)}:
            raise RuntimeError(f"cluster {label}: workers' MALLOC_TRIM_THRESHOLD_ {seen}")
        # two blocks per worker, so that every worker loads the kernels before any timing
        block = _block_size(2_000)
        warm = small | {PRICE: np.linspace(*RANGES[PRICE], block * workers // 2).tolist()}
        swept(warm, 2_000, client)
        out[label] = (cluster, client)
    return {label: out[label] for label in (DASK, GLIBC)}


if __name__ == "__main__":
    sys.exit(main())
