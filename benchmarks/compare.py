"""Benchmark: the built-in scenario's Monte Carlo, side by side in one process.

1. ``sibrisk``: ``sibrisk.simulate`` (numba kernels, chunks in threads), on all
   threads and on one;
2. ``numpy``: the same model as a numpy expert writes it: blocks of 16,384 runs,
   one ``Generator`` per block (``SeedSequence.spawn``), a thread pool over the
   blocks (numpy's samplers and ufuncs release the GIL), numpy's own beta and
   binomial samplers, outputs preallocated and written block by block, and the
   same xarray Dataset as sibrisk's at the end;
3. ``python``: a per-run loop in pure Python (the standard library's ``random``);
4. ``monaco``: the same model as a monaco simulation (``pip install ".[bench]"``);
5. ``physical floor``: what any engine of sibrisk's results must do and nothing
   else: draw the uniforms sibrisk draws per run (2 per cell of the cohort, 1 per
   uncertain input; numpy PCG64 generators keyed per chunk and purpose, as
   sibrisk's random-number contract fixes them) and write the output bytes
   sibrisk's dataset holds per run into preallocated arrays whose pages are first
   touched in the threads, chunks in threads;
6. ``design floor``: ``sibrisk.simulate`` without the cohort's luck
   (``cohort_uncertainty=False``): its chunks, generators, quantile lookups, glue and
   settlement with the binomial draws left out: the fastest this design could go,
   not a floor of the work itself.

Every implementation draws the built-in scenario's uncertain inputs (Beta
posteriors of gross and control employment by type, PERT decay) and the
cohort's luck, then settles the catalogue's contract; each prints its
probability of an investor loss so they can be seen to compute the same thing
(the floors' are meaningless: they sample nothing). The fast versions are timed
in turn, round after round (so a slow spell of the shared machine falls on all
alike), and the best round of each counts, as ``timeit`` does. Runs per second
and the ratios are printed; ``--json`` prints one object with ``runs_per_s``
keyed by implementation, ``ratios`` and ``goals``.

    python benchmarks/compare.py [--runs 2000000] [--repeats 5] [--json]
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import random
import sys
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np
import xarray as xr
from numba import njit

import sibrisk
from sibrisk.ledger.tariff import price_surplus_share
from sibrisk.metrics.schema import OUTPUT_COLUMNS, OUTPUT_UNITS

SCENARIO = sibrisk.load_scenario("drc-sib-2023")
SEED = 1


class Model:
    """The built-in scenario's numbers, read through sibrisk's public API, for the
    hand-written versions."""

    def __init__(self, s: sibrisk.Scenario):
        probe = sibrisk.simulate(s, runs=1, seed=0)  # the participants by type
        self.n = [int(x) for x in probe.participants.values[0]]
        self.types = list(s.type_names)
        self.chunk_size = int(probe.attrs["chunk_size"])
        self.rates = [float(r) for r in price_surplus_share(s).applied_rates]
        un = s.uncertain_inputs
        self.inputs = list(un)
        self.g_beta = [un[f"types.{t}.gross_employment"].beta_posterior() for t in s.type_names]
        self.c_beta = [un[f"types.{t}.control_employment"].beta_posterior()
                       for t in s.type_names]
        pert = un["effect.decay"]
        low, mode, high, shape = pert["low"], pert["mode"], pert["high"], pert["shape"]
        self.pert = (low, high, 1 + shape * (mode - low) / (high - low),
                     1 + shape * (high - mode) / (high - low))
        m = s.municipality
        self.size = s.cohort.size
        self.up_front = (m.ordinary_effort_saved_share * m.ordinary_effort_cost
                         - m.other_net_costs) * self.size
        self.saving = m.saving_per_employed_year
        self.cost = s.provider.cost_per_participant * self.size
        self.full = s.effect.full_effect_years
        self.horizon = s.effect.horizon
        self.persistent = s.get("effect.persistent_share")
        self.production = s.get("welfare.production_per_employed_year")
        self.net_tax = s.get("welfare.net_tax_factor")
        self.distortion = s.get("welfare.tax_distortion")
        self.pay_year = s.contract.payment_year
        self.discount = [float(d) for d in sibrisk.account(s).discount_factor.values]


# ---------------------------------------------------------------------------
def run_sibrisk(runs: int, threads: int) -> tuple[float, float]:
    t0 = time.perf_counter()
    ds = sibrisk.simulate(SCENARIO, runs=runs, seed=SEED, threads=threads)
    elapsed = time.perf_counter() - t0
    return elapsed, float((ds.investor_result.values < 0).mean())


# ---------------------------------------------------------------------------
# the expert numpy version

NUMPY_BLOCK = 16_384
_COL = {name: j for j, name in enumerate(OUTPUT_COLUMNS)}


def simulate_numpy(runs: int, m: Model, threads: int, block: int = NUMPY_BLOCK,
                   seed: int = SEED) -> xr.Dataset:
    """The model as a numpy expert writes it (see the module's docstring)."""
    k = len(m.n)
    n = np.asarray(m.n, dtype=np.int64)
    disc = np.asarray(m.discount)
    years = disc.size
    cost = m.cost
    up_front = m.up_front
    d_pay = disc[m.pay_year]
    low, high, pa, pb = m.pert
    # outputs, as the dataset holds them: each per-run output a contiguous row
    out = np.empty((len(OUTPUT_COLUMNS), runs))
    gross = np.empty((runs, k))
    add = np.empty((runs, k))
    dead = np.empty((runs, k))
    inputs = np.empty((runs, len(m.inputs)))
    where = {key: j for j, key in enumerate(m.inputs)}
    blocks = math.ceil(runs / block)
    seeds = np.random.SeedSequence(seed).spawn(blocks)

    def work(b: int) -> None:
        lo, hi = b * block, min((b + 1) * block, runs)
        size = hi - lo
        rng = np.random.Generator(np.random.PCG64(seeds[b]))
        o = {name: out[j, lo:hi] for name, j in _COL.items()}
        pay = np.zeros(size)
        dw_pay = np.zeros(size)
        add_tot = np.zeros(size)
        for i, t in enumerate(m.types):
            g = rng.beta(*m.g_beta[i], size)
            c = rng.beta(*m.c_beta[i], size)
            inputs[lo:hi, where[f"types.{t}.gross_employment"]] = g
            inputs[lo:hi, where[f"types.{t}.control_employment"]] = c
            dw = rng.binomial(n[i], c)
            gain = g >= c
            # the programme adds jobs (g >= c) or, in a harmful run, takes some away
            with np.errstate(divide="ignore", invalid="ignore"):
                q = np.where(gain, (g - c) / (1.0 - c), (c - g) / c)
            extra = rng.binomial(np.where(gain, n[i] - dw, dw), q)
            a = np.where(gain, extra, -extra)
            gr = dw + a
            dd = np.where(gain, dw, gr)
            gross[lo:hi, i] = gr
            add[lo:hi, i] = a
            dead[lo:hi, i] = dd
            pay += m.rates[i] * gr
            dw_pay += m.rates[i] * dd
            add_tot += a
        decay = rng.beta(pa, pb, size)
        decay *= high - low
        decay += low
        inputs[lo:hi, where["effect.decay"]] = decay
        # the municipality's account year by year, and its last upward crossing of 0
        pay_pv = np.multiply(pay, d_pay, out=o["outcome_payment"])
        yearly = m.saving * add_tot
        keep = 1.0 - decay
        fall = np.ones(size)
        effect_years = np.zeros(size)
        cum = np.empty(size)
        last_neg = np.full(size, -1.0)
        neg_value = np.zeros(size)
        next_value = np.zeros(size)
        neg, was_neg, rising = (np.zeros(size, dtype=bool) for _ in range(3))
        for t in range(years):
            if 0 < t <= m.horizon:
                if t <= m.full:
                    effect_years += disc[t]
                else:
                    fall *= keep
                    effect_years += (1.0 - m.persistent) * disc[t] * fall
                    effect_years += m.persistent * disc[t]
            np.multiply(yearly, effect_years, out=cum)
            cum += up_front
            if t >= m.pay_year:
                cum -= pay_pv
            np.less(cum, 0.0, out=neg)
            np.copyto(last_neg, t, where=neg)
            np.copyto(neg_value, cum, where=neg)
            np.greater(was_neg, neg, out=rising)  # negative last year, not now
            np.copyto(next_value, cum, where=rising)
            neg, was_neg = was_neg, neg
        payback = o["municipal_payback_year"]
        with np.errstate(divide="ignore", invalid="ignore"):
            np.divide(-neg_value, next_value - neg_value, out=payback)
        payback += last_neg
        np.copyto(payback, 0.0, where=last_neg < 0)
        np.copyto(payback, np.inf, where=last_neg == years - 1)
        employment = np.multiply(yearly, effect_years, out=o["employment_saving"])
        savings = np.add(employment, up_front, out=o["municipal_savings"])
        np.subtract(savings, pay_pv, out=o["municipal_account"])
        surplus = np.subtract(savings, cost, out=o["budget_surplus"])
        investor = np.subtract(pay_pv, cost, out=o["investor_result"])
        np.divide(investor, cost, out=o["investor_return"])
        np.divide(pay, cost, out=o["investor_multiple"])
        welfare = o["welfare_surplus"]
        np.multiply(add_tot, effect_years, out=welfare)
        welfare *= m.production
        welfare -= cost
        welfare *= m.net_tax
        welfare += m.distortion * surplus
        np.multiply(dw_pay, d_pay, out=o["deadweight_payment"])
        share = o["deadweight_share"]
        share[:] = 0.0
        np.divide(dw_pay, pay, out=share, where=pay > 0.0)

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(work, range(blocks)))
    cur = SCENARIO.currency
    data = {name: ("run", out[j], {"units": OUTPUT_UNITS[name].format(cur=cur)})
            for name, j in _COL.items()}
    data["participants"] = (("run", "type"), np.broadcast_to(n.astype(float), (runs, k)))
    data["gross_employed"] = (("run", "type"), gross)
    data["additional_employed"] = (("run", "type"), add)
    data["deadweight_employed"] = (("run", "type"), dead)
    data["input_value"] = (("run", "input"), inputs)
    return xr.Dataset(data, coords={"run": np.arange(runs), "type": m.types,
                                    "input": m.inputs},
                      attrs={"scenario": SCENARIO.name, "currency": cur, "seed": seed})


def run_numpy(runs: int, m: Model, threads: int) -> tuple[float, float]:
    t0 = time.perf_counter()
    ds = simulate_numpy(runs, m, threads)
    elapsed = time.perf_counter() - t0
    return elapsed, float((ds.investor_result.values < 0).mean())


# ---------------------------------------------------------------------------
# the physical floor: sibrisk's uniforms and sibrisk's output bytes, nothing else

#: runs per block of uniforms inside a chunk: the block's 9 uniforms a run (1.2 MB)
#: stay in the core's cache between drawing and use
FLOOR_BLOCK = 16_384
# sibrisk's random-number contract (``attrs["random_numbers"]`` and the docstring of
# ``sibrisk.simulate``): SeedSequence(seed, spawn_key=(stream, chunk, purpose)), the
# cohort's uniforms purpose 0, an uncertain input 3 + the CRC-32 of its dotted key
_COHORT_PURPOSE, _FIRST_INPUT = 0, 3


@njit(nogil=True, cache=True)
def _physical_floor_kernel(u_cohort, u_inputs, start, run, out, gross, add, dead,
                           inputs):  # pragma: no cover - compiled
    """Write one block's outputs from its uniforms: every byte sibrisk's dataset holds
    per run (the 12 outputs, the gross, additional and deadweight counts by type, the
    drawn inputs and the run coordinate), each a trivial function of the uniforms."""
    cells = u_cohort.shape[1]
    for r in range(u_cohort.shape[0]):
        row = start + r
        s = 0.0
        for i in range(cells):
            x = u_cohort[r, i, 0]
            y = u_cohort[r, i, 1]
            dead[row, i] = x
            add[row, i] = y
            gross[row, i] = x + y
            s += x
        for k in range(u_inputs.shape[0]):
            x = u_inputs[k, r]
            inputs[row, k] = x
            s += x
        for j in range(out.shape[1]):
            out[row, j] = s
        run[row] = row


def run_physical_floor(runs: int, m: Model, threads: int, block: int = FLOOR_BLOCK,
                       seed: int = SEED) -> tuple[float, float]:
    """Uniforms and output writes only (see the module's docstring)."""
    t0 = time.perf_counter()
    k = len(m.n)
    chunk = m.chunk_size
    purposes = [_COHORT_PURPOSE] + [_FIRST_INPUT + zlib.crc32(key.encode("utf-8"))
                                    for key in m.inputs]
    # np.empty maps fresh pages: each is first touched by the thread that writes it
    out = np.empty((runs, len(OUTPUT_COLUMNS)))
    gross = np.empty((runs, k))
    add = np.empty((runs, k))
    dead = np.empty((runs, k))
    inputs = np.empty((runs, len(m.inputs)))
    run = np.empty(runs, dtype=np.int64)
    local = threading.local()

    def work(j: int) -> None:
        if not hasattr(local, "u_cohort"):
            local.u_cohort = np.empty((block, k, 2))
            local.u_inputs = np.empty((len(m.inputs), block))
        gens = [np.random.Generator(np.random.PCG64(np.random.SeedSequence(
            seed, spawn_key=(0, j, p)))) for p in purposes]
        start = j * chunk
        size = min(chunk, runs - start)
        for lo in range(0, size, block):
            b = min(block, size - lo)
            u_cohort = local.u_cohort[:b]
            gens[0].random(out=u_cohort)
            u_inputs = local.u_inputs[:, :b]
            for i, gen in enumerate(gens[1:]):
                gen.random(out=local.u_inputs[i, :b])
            _physical_floor_kernel(u_cohort, u_inputs, start + lo, run, out, gross, add,
                                   dead, inputs)

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(work, range(math.ceil(runs / chunk))))
    elapsed = time.perf_counter() - t0
    return elapsed, float((out[:, _COL["investor_result"]] < 0).mean())


# ---------------------------------------------------------------------------
# the design floor: sibrisk's own engine, with the binomial draws left out

def run_design_floor(runs: int, threads: int, chunk: int) -> tuple[float, float]:
    """``simulate`` without the cohort's luck: each cell's counts are their expectations
    given the run's rates, so everything but the binomial draws still runs (the
    uniforms, quantile lookups, settlement, outputs and the Dataset)."""
    t0 = time.perf_counter()
    ds = sibrisk.simulate(SCENARIO, runs=runs, seed=SEED, threads=threads, chunk_size=chunk,
                          cohort_uncertainty=False)
    elapsed = time.perf_counter() - t0
    return elapsed, float((ds.investor_result.values < 0).mean())


# ---------------------------------------------------------------------------
# pure Python and monaco (one run at a time)

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
    parser.add_argument("--repeats", type=int, default=5,
                        help="rounds of the fast versions; the best of each counts")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    threads = numba.get_num_threads()
    m = Model(SCENARIO)
    fast = {
        "sibrisk": (lambda r: run_sibrisk(r, threads), args.runs),
        "sibrisk_1_thread": (lambda r: run_sibrisk(r, 1), args.runs // 2),
        "numpy": (lambda r: run_numpy(r, m, threads), args.runs),
        "physical_floor": (lambda r: run_physical_floor(r, m, threads), args.runs),
        "design_floor": (lambda r: run_design_floor(r, threads, m.chunk_size), args.runs),
    }
    # compile and warm up everything first, so no timing includes a compilation
    for fn, _ in fast.values():
        fn(4 * m.chunk_size)
    rounds: dict[str, list[tuple[float, float]]] = {name: [] for name in fast}
    for _ in range(args.repeats):  # in turn, round after round; the best round counts
        for name, (fn, runs) in fast.items():
            rounds[name].append(fn(runs))
    timings = {name: (*min(results), fast[name][1]) for name, results in rounds.items()}
    for name, fn, runs in [("python", lambda r: run_python(r, m), args.python_runs),
                           ("monaco", lambda r: run_monaco(r, m), args.monaco_runs)]:
        result = fn(runs)
        if result is not None:
            timings[name] = (*result, runs)
    per_s = {k: v[2] / v[0] for k, v in timings.items()}
    ratios = {
        # goal >= 3: sibrisk against the numpy expert
        "sibrisk_vs_numpy": per_s["sibrisk"] / per_s["numpy"],
        # goal <= 3: sibrisk's time per run over the physical floor's
        "sibrisk_time_over_physical_floor": per_s["physical_floor"] / per_s["sibrisk"],
        "sibrisk_time_over_design_floor": per_s["design_floor"] / per_s["sibrisk"],
    }
    for other in ("python", "monaco"):
        if other in per_s:
            ratios[f"sibrisk_vs_{other}"] = per_s["sibrisk"] / per_s[other]
    goals = {
        "sibrisk_vs_numpy >= 3": ratios["sibrisk_vs_numpy"] >= 3.0,
        "sibrisk_time_over_physical_floor <= 3": ratios["sibrisk_time_over_physical_floor"]
        <= 3.0,
    }
    report = {
        "runs_per_s": per_s,
        "ns_per_run_per_thread": {k: 1e9 / v * (1 if k in ("sibrisk_1_thread", "python",
                                                            "monaco") else threads)
                                  for k, v in per_s.items()},
        "ratios": ratios,
        "goals": goals,
        "sibrisk_runs_per_s_per_core": per_s["sibrisk"] / threads,
        "threads": threads,
        "repeats": args.repeats,
        "runs": {k: v[2] for k, v in timings.items()},
        "investor_loss_probability": {k: v[1] for k, v in timings.items()},
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"scenario {SCENARIO.name}, uncertainty on; {threads} threads for all but "
          f"sibrisk_1_thread, python and monaco; best of {args.repeats} rounds for the fast "
          "versions")
    for k, v in timings.items():
        print(f"{k:>17}: {per_s[k]:>13,.0f} runs/s  {report['ns_per_run_per_thread'][k]:>8,.0f} "
              f"ns/run/thread  ({v[2]:,} runs in {v[0]:.3f} s; P(investor loss) = {v[1]:.4f})")
    for k, v in ratios.items():
        print(f"{k:>33}: {v:,.2f}x")
    for k, v in goals.items():
        print(f"goal {k}: {'met' if v else 'not met'}")
    print(f"sibrisk per core: {report['sibrisk_runs_per_s_per_core']:,.0f} runs/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
