"""Benchmark: the built-in scenario's Monte Carlo, five ways, side by side in one process.

1. ``sibrisk``: ``sibrisk.simulate`` (numba kernels, chunks in threads);
2. ``numpy``: the same model hand-vectorised with numpy;
3. ``python``: a per-run loop in pure Python (the standard library's ``random``);
4. ``monaco``: the same model as a monaco simulation (``pip install ".[bench]"``);
5. ``floor``: sibrisk's own chunks, uniforms and arithmetic with the binomial
   sampling replaced by a trivial map, the fastest this design could go.

Every implementation draws the built-in scenario's uncertain inputs (Beta
posteriors of gross and control employment by type, PERT decay) and the
cohort's luck, then settles the catalogue's contract; each prints its
probability of an investor loss so the five can be seen to compute the same
thing. The fast versions run three times and the best counts (as ``timeit``
does: the others include a cold start of memory). Runs per second and the
ratios are printed; ``--json`` prints one object with ``runs_per_s`` keyed by
implementation and ``ratios``.

    python benchmarks/compare.py [--runs 2000000] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np
from numba import njit

import sibrisk
from sibrisk.engine.simulate import COHORT, DEFAULT_CHUNK_SIZE, _Plan, chunk_generator
from sibrisk.ledger import kernels as K
from sibrisk.ledger.catalogue import payback_year

SCENARIO = sibrisk.load_scenario("drc-sib-2023")


class Model:
    """The built-in scenario's numbers, in plain Python for the hand-written versions."""

    def __init__(self, s: sibrisk.Scenario):
        plan = _Plan(s, True, True)
        self.n = [int(x) for x in plan.counts]
        self.rates = [float(r) for r in plan.rates]
        un = s.uncertain_inputs
        self.g_beta = [un[f"types.{t}.gross_employment"].beta_posterior() for t in s.type_names]
        self.c_beta = [un[f"types.{t}.control_employment"].beta_posterior()
                       for t in s.type_names]
        pert = un["effect.decay"]
        self.pert = (pert["low"], pert["high"], *pert._pert_ab())
        m = s.municipality
        self.size = s.cohort.size
        self.up_front = (m.ordinary_effort_saved_share * m.ordinary_effort_cost
                         - m.other_net_costs) * self.size
        self.saving = m.saving_per_employed_year
        self.cost = s.provider.cost_per_participant * self.size
        self.full = s.effect.full_effect_years
        self.horizon = s.effect.horizon
        self.discount = [float(d) for d in sibrisk.account(s).discount_factor.values]


# ---------------------------------------------------------------------------
def run_sibrisk(runs: int, threads: int) -> tuple[float, float]:
    t0 = time.perf_counter()
    ds = sibrisk.simulate(SCENARIO, runs=runs, seed=1, threads=threads)
    elapsed = time.perf_counter() - t0
    return elapsed, float((ds.investor_result.values < 0).mean())


@njit(nogil=True, cache=True)
def _floor_kernel(n, g, c, u, rates, discount, params, varying, columns, gross_out, add_out,
                  out):
    k_types = rates.shape[0]
    p = params.copy()
    dw = np.empty(k_types)
    gross = np.empty(k_types)
    add = np.empty(k_types)
    for r in range(u.shape[0]):
        for i in range(k_types):
            ni = n[0, i]
            d = math.floor(u[r, i, 0] * (ni + 1.0))  # no binomial: a trivial map of u
            a = math.floor(u[r, i, 1] * (ni - d + 1.0))
            dw[i] = d
            add[i] = a
            gross[i] = d + a
            gross_out[r, i] = gross[i]
            add_out[r, i] = a
        for j in range(columns.shape[0]):
            p[columns[j]] = varying[r, j]
        K._settle_row(r, n[0], gross, dw, add, rates, discount, p, 0, out)


def run_floor(runs: int, threads: int, chunk: int = DEFAULT_CHUNK_SIZE) -> tuple[float, float]:
    plan = _Plan(SCENARIO, True, True)
    out = np.empty((runs, len(K.OUTPUT_COLUMNS)))
    gross = np.empty((runs, 2))
    add = np.empty((runs, 2))
    chunks = [(j, j * chunk, min(chunk, runs - j * chunk)) for j in range(math.ceil(runs / chunk))]

    def work(item):
        j, start, size = item
        draws = plan.draw_inputs(1, 0, j, size)
        g, c, params, varying, columns, discount = plan.arrays(draws)
        u = chunk_generator(1, 0, j, COHORT).random((size, 2, 2))
        rows = slice(start, start + size)
        _floor_kernel(plan.counts[None, :], g, c, u, plan.rates, discount, params, varying,
                      columns, gross[rows], add[rows], out[rows])

    t0 = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(work, chunks))
    elapsed = time.perf_counter() - t0
    return elapsed, float((out[:, K.O_INVESTOR] < 0).mean())


def run_numpy(runs: int, m: Model) -> tuple[float, float]:
    t0 = time.perf_counter()
    rng = np.random.default_rng(1)
    payment = np.zeros(runs)
    additional = np.zeros(runs)
    for i, n in enumerate(m.n):
        g = rng.beta(*m.g_beta[i], runs)
        c = rng.beta(*m.c_beta[i], runs)
        dw = rng.binomial(n, c)
        gain = g >= c
        # the programme adds jobs (g >= c) or, in a harmful run, takes some away
        extra = rng.binomial(np.where(gain, n - dw, dw),
                             np.where(gain, (g - c) / (1.0 - c), (c - g) / c))
        a = np.where(gain, extra, -extra)
        payment += m.rates[i] * (dw + a)
        additional += a
    low, high, pa, pb = m.pert
    decay = low + (high - low) * rng.beta(pa, pb, runs)
    t = np.arange(len(m.discount))
    f = np.where(t <= m.full, 1.0, (1.0 - decay[:, None]) ** np.maximum(t - m.full, 0))
    f[:, 0] = 0.0
    f[:, t > m.horizon] = 0.0
    yearly = m.saving * additional[:, None] * f * np.asarray(m.discount)
    cumulative = m.up_front - payment[:, None] + np.cumsum(yearly, axis=1)
    investor = payment - m.cost
    _ = payback_year(cumulative), cumulative[:, -1]
    elapsed = time.perf_counter() - t0
    return elapsed, float((investor < 0).mean())


def _binomial_py(rnd: random.Random, n: int, p: float) -> int:
    if p <= 0.0 or n <= 0:
        return 0
    if p >= 1.0:
        return n
    u = rnd.random()
    pk = (1.0 - p) ** n
    k = 0
    ratio = p / (1.0 - p)
    u -= pk
    while u > 0.0 and k < n:
        pk *= (n - k) / (k + 1.0) * ratio
        k += 1
        u -= pk
    return k


def one_run_python(rnd: random.Random, m: Model, draws=None) -> float:
    """One run of the model in plain Python; returns the investor's result."""
    payment = 0.0
    additional = 0
    for i, n in enumerate(m.n):
        g = draws[f"g{i}"] if draws else rnd.betavariate(*m.g_beta[i])
        c = draws[f"c{i}"] if draws else rnd.betavariate(*m.c_beta[i])
        dw = _binomial_py(rnd, n, c)
        if g >= c:
            a = _binomial_py(rnd, n - dw, (g - c) / (1.0 - c))
        else:  # a harmful run: some who would have worked lose the job
            a = -_binomial_py(rnd, dw, (c - g) / c)
        payment += m.rates[i] * (dw + a)
        additional += a
    low, high, pa, pb = m.pert
    decay = draws["decay"] if draws else low + (high - low) * rnd.betavariate(pa, pb)
    # the municipality's account year by year, and its payback year
    cumulative = m.up_front - payment
    last_negative, below, above = (0, cumulative, 0.0) if cumulative < 0 else (-1, 0.0, 0.0)
    fall = 1.0
    for t in range(1, m.horizon + 1):
        if t > m.full:
            fall *= 1.0 - decay
        cumulative += m.saving * additional * fall * m.discount[t]
        if cumulative < 0:
            last_negative, below = t, cumulative
        elif last_negative == t - 1:
            above = cumulative
    if last_negative < 0:
        payback = 0.0
    elif last_negative == m.horizon:
        payback = math.inf
    else:
        payback = last_negative + -below / (above - below)
    m.last_payback = payback  # kept so the work is not optimised away
    return payment - m.cost


def run_python(runs: int, m: Model) -> tuple[float, float]:
    rnd = random.Random(1)
    t0 = time.perf_counter()
    losses = sum(one_run_python(rnd, m) < 0 for _ in range(runs))
    return time.perf_counter() - t0, losses / runs


def run_monaco(runs: int, m: Model) -> tuple[float, float] | None:
    try:
        import monaco as mc
        from scipy import stats
    except ImportError:
        return None
    names = [f"g{i}" for i in range(len(m.n))] + [f"c{i}" for i in range(len(m.n))]

    def preprocess(case):
        draws = {name: case.invals[name].val for name in names + ["decay"]}
        return (draws, case.seed)

    def run(draws, seed):
        return (one_run_python(random.Random(seed), m, draws),)

    def postprocess(case, result):
        case.addOutVal("investor_result", result)

    sim = mc.Sim(name="sibrisk-benchmark", ndraws=runs, seed=1, verbose=False,
                 samplemethod=mc.SampleMethod.RANDOM, singlethreaded=True,
                 fcns={"preprocess": preprocess, "run": run, "postprocess": postprocess})
    for i in range(len(m.n)):
        sim.addInVar(name=f"g{i}", dist=stats.beta, distkwargs=dict(zip("ab", m.g_beta[i])))
        sim.addInVar(name=f"c{i}", dist=stats.beta, distkwargs=dict(zip("ab", m.c_beta[i])))
    low, high, pa, pb = m.pert
    sim.addInVar(name="decay", dist=stats.beta,
                 distkwargs={"a": pa, "b": pb, "loc": low, "scale": high - low})
    t0 = time.perf_counter()
    sim.runSim()
    elapsed = time.perf_counter() - t0
    results = np.array(sim.outvars["investor_result"].nums, dtype=float)
    return elapsed, float((results < 0).mean())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2_000_000, help="runs of the fast versions")
    parser.add_argument("--python-runs", type=int, default=20_000)
    parser.add_argument("--monaco-runs", type=int, default=2_000)
    parser.add_argument("--repeats", type=int, default=3,
                        help="repeats of the fast versions; the best counts")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    threads = numba.get_num_threads()
    m = Model(SCENARIO)
    # compile and warm up everything first, so no timing includes a compilation
    run_sibrisk(10_000, threads)
    run_floor(10_000, threads)
    timings: dict[str, tuple[float, float, int]] = {}
    for name, fn, runs, repeats in [
        ("sibrisk", lambda r: run_sibrisk(r, threads), args.runs, args.repeats),
        ("sibrisk_1_thread", lambda r: run_sibrisk(r, 1), args.runs // 2, args.repeats),
        ("floor", lambda r: run_floor(r, threads), args.runs, args.repeats),
        ("numpy", lambda r: run_numpy(r, m), args.runs, args.repeats),
        ("python", lambda r: run_python(r, m), args.python_runs, 1),
        ("monaco", lambda r: run_monaco(r, m), args.monaco_runs, 1),
    ]:
        results = [fn(runs) for _ in range(repeats)]  # best of the repeats, as timeit does
        results = [r for r in results if r is not None]
        if results:
            best = min(results)
            timings[name] = (best[0], best[1], runs)
    per_s = {k: v[2] / v[0] for k, v in timings.items()}
    ratios = {}
    for other in ("python", "numpy", "monaco"):
        if other in per_s:
            ratios[f"sibrisk_vs_{other}"] = per_s["sibrisk"] / per_s[other]
    ratios["floor_vs_sibrisk"] = per_s["floor"] / per_s["sibrisk"]
    report = {
        "runs_per_s": per_s,
        "ratios": ratios,
        "sibrisk_runs_per_s_per_core": per_s["sibrisk"] / threads,
        "threads": threads,
        "runs": {k: v[2] for k, v in timings.items()},
        "investor_loss_probability": {k: v[1] for k, v in timings.items()},
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"built-in scenario with its uncertainty on; {threads} threads for sibrisk and floor")
    for k, v in timings.items():
        print(f"{k:>17}: {per_s[k]:>13,.0f} runs/s  ({v[2]:,} runs in {v[0]:.2f} s; "
              f"P(investor loss) = {v[1]:.3f})")
    for k, v in ratios.items():
        print(f"{k:>17}: {v:,.1f}x")
    print(f"sibrisk per core: {report['sibrisk_runs_per_s_per_core']:,.0f} runs/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
