"""Where one thread's time goes in ``sibrisk.simulate`` today: its chunk taken apart.

numba's compiled code cannot be profiled from Python, so each stage of
sibrisk's work is run alone, on the very inputs sibrisk gives it, over all the
chunks of one simulation, and timed from Python with ``time.perf_counter``:

- ``generators``: the chunk's numpy generators (one ``SeedSequence`` and PCG64 per
  purpose: the cohort and each uncertain input);
- ``input uniforms``, ``cohort uniforms``: ``Generator.random`` for each;
- ``quantile lookups``: the tabulated quantile functions of the uncertain inputs
  (``QuantileTable.__call__``: its output array and the compiled lookup);
- ``binomials``: the kernel's binomial draws alone (a copy of ``draw_and_settle``'s
  loop without the settlement, calling sibrisk's own ``binomial``);
- ``settlement``: the kernel's settlement alone (``_settle_row`` on every run, with
  the run's drawn decay), on the counts the binomials drew;
- ``interaction``: ``draw_and_settle`` as sibrisk calls it, minus the two above;
- ``Python glue``: the rest of sibrisk's per-chunk function (``Plan.draw_inputs``
  and ``Plan.arrays`` around the above, copying the drawn inputs to their
  output), timed as a faithful copy of it minus the stages above;
- ``allocation and fill``: the output arrays allocated and zeroed in the calling
  thread before the chunks start (their pages first touched);
- ``dataset``: building the xarray Dataset from the arrays;
- ``rest``: ``simulate`` on one thread (timed as a whole) minus all of the above:
  checking arguments, the plan, the thread pool.

Each stage is timed ``--repeats`` times and the best counts (the machine is
shared: the best is the one least disturbed), the stages in turn round after
round. The shares are of ``simulate``'s own best time on one thread (``rest``
takes up the difference, and would be negative if the stages timed alone took
longer than together).

    python benchmarks/profile_engine.py [--runs 1048576] [--repeats 7] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time

import _private as P  # sibrisk's private modules, in one place
import numba
import numpy as np
from numba import njit

import sibrisk

SCENARIO = sibrisk.load_scenario("drc-sib-2023")
SEED = 1


@njit(nogil=True, cache=True)
def _binomials_only(n, g, c, u, gross_out, add_out, deadweight_out):  # pragma: no cover
    """``draw_and_settle``'s draws (cohort luck on) without its settlement."""
    for r in range(u.shape[0]):
        nr = r if n.shape[0] > 1 else 0
        gr = r if g.shape[0] > 1 else 0
        cr = r if c.shape[0] > 1 else 0
        for i in range(n.shape[1]):
            ni = n[nr, i]
            gi = g[gr, i]
            ci = c[cr, i]
            d = P.binomial(int(ni), ci, u[r, i, 0])
            if gi >= ci:
                q = (gi - ci) / (1.0 - ci) if ci < 1.0 else 0.0
                a = P.binomial(int(ni) - d, q, u[r, i, 1])
                gross_out[r, i] = d + a
                add_out[r, i] = a
                deadweight_out[r, i] = d
            else:
                lost = P.binomial(d, (ci - gi) / ci, u[r, i, 1])
                gross_out[r, i] = d - lost
                add_out[r, i] = -lost
                deadweight_out[r, i] = d - lost


@njit(nogil=True, cache=True)
def _settlement_only(n, gross, add, deadweight, rates, discount, params, varying, columns,
                     pay_year, out):  # pragma: no cover - compiled
    """``draw_and_settle``'s settlement of given counts, with each run's parameters."""
    p = params.copy()
    k_types = rates.shape[0]
    dw = np.empty(k_types)
    g = np.empty(k_types)
    a = np.empty(k_types)
    for r in range(gross.shape[0]):
        for i in range(k_types):  # as draw_and_settle holds them: in small local arrays
            dw[i] = deadweight[r, i]
            g[i] = gross[r, i]
            a[i] = add[r, i]
        for j in range(columns.shape[0]):
            p[columns[j]] = varying[r, j]
        P.settle_row(r, n[0], g, dw, a, rates, discount, p, pay_year, out)


def _best(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def profile(runs: int, repeats: int, threads: int) -> dict:
    plan = P._Plan(SCENARIO, True, True)
    chunk = int(sibrisk.simulate(SCENARIO, runs=1, seed=SEED).attrs["chunk_size"])
    chunks = [(j, j * chunk, min(chunk, runs - j * chunk)) for j in range(math.ceil(runs / chunk))]
    k = len(plan.types)
    keys = plan.inputs
    tables = {key: plan.uncertain[key].ppf for key in keys}
    lookups = {key: P.lookup_table(plan.uncertain[key]) for key in keys}
    assert all(t is not None for t in lookups.values()), "an input fell back to scipy"
    out = np.zeros((runs, P.N_OUTPUTS))
    gross, add, dead = (np.zeros((runs, k)) for _ in range(3))
    inputs = np.zeros((runs, len(keys)))

    # each chunk's inputs, as sibrisk makes them
    state = []
    for j, start, size in chunks:
        u_in = {key: P.chunk_generator(SEED, 0, j, P.input_purpose(key)).random(size)
                for key in keys}
        draws = {key: tables[key](u_in[key]) for key in keys}
        arrays = plan.arrays(draws)
        u = P.chunk_generator(SEED, 0, j, P.COHORT).random((size, k, 2))
        state.append((j, slice(start, start + size), size, u_in, draws, arrays, u))

    def generators():
        for j, *_ in state:
            P.chunk_generator(SEED, 0, j, P.COHORT)
            for key in keys:
                P.chunk_generator(SEED, 0, j, P.input_purpose(key))

    gens = {j: [P.chunk_generator(SEED, 0, j, P.COHORT)]
            + [P.chunk_generator(SEED, 0, j, P.input_purpose(key)) for key in keys]
            for j, *_ in state}

    def input_uniforms():
        for j, _, size, *_ in state:
            for g in gens[j][1:]:
                g.random(size)

    def cohort_uniforms():
        for j, _, size, *_ in state:
            gens[j][0].random((size, k, 2))

    def quantile_lookups():
        for _, _, _, u_in, *_ in state:
            for key in keys:
                lookups[key](u_in[key])

    def arrays():
        for *_, draws, _, _ in state:
            plan.arrays(draws)

    def copy_inputs():
        for _, rows, _, _, draws, _, _ in state:
            for i, key in enumerate(keys):
                inputs[rows, i] = draws[key]

    def binomials():
        for _, rows, _, _, _, (g, c, *_), u in state:
            _binomials_only(plan.counts[None, :], g, c, u, gross[rows], add[rows], dead[rows])

    def settlement():
        for _, rows, _, _, _, (g, c, params, varying, columns, discount), _ in state:
            own_years = np.ascontiguousarray(discount[:, : plan.years])
            _settlement_only(plan.counts[None, :], gross[rows], add[rows], dead[rows],
                             plan.rates, own_years, params, varying, columns, plan.pay_year,
                             out[rows])

    def draw_and_settle():
        for _, rows, _, _, _, (g, c, params, varying, columns, discount), u in state:
            own_years = np.ascontiguousarray(discount[:, : plan.years])
            P.draw_and_settle(np.ascontiguousarray(plan.counts[None, :]), g, c, u,
                              plan.cohort_luck, plan.rates, own_years, params, varying,
                              columns, plan.pay_year, gross[rows], add[rows], dead[rows],
                              out[rows])

    def chunk_work():  # sibrisk's per-chunk function for this scenario (one cohort, fixed
        # composition, no contracts, no yearly flows), step by step
        for j, rows, size, *_ in state:
            draws = plan.draw_inputs(SEED, 0, j, size)
            g, c, params, varying, columns, discount = plan.arrays(draws)
            n = plan.counts[None, :]
            u = P.chunk_generator(SEED, 0, j, P.COHORT).random((size, k, 2))
            own_years = np.ascontiguousarray(discount[:, : plan.years])
            P.draw_and_settle(np.ascontiguousarray(n), g, c, u, plan.cohort_luck, plan.rates,
                              own_years, params, varying, columns, plan.pay_year, gross[rows],
                              add[rows], dead[rows], out[rows])
            for i, key in enumerate(keys):
                inputs[rows, i] = draws[key]

    def allocate_and_fill():
        arrays = (np.empty((runs, P.N_OUTPUTS)), np.empty((runs, k)), np.empty((runs, k)),
                  np.empty((runs, k)), np.empty((runs, len(keys))))
        for a in arrays:
            a.fill(0.0)

    counts = np.broadcast_to(plan.counts, (runs, k))

    def dataset():
        P._dataset(SCENARIO, plan, out, gross, add, dead, counts, inputs, None, seed=SEED,
                   chunk_size=chunk, stream=0, parameter_uncertainty=True,
                   cohort_uncertainty=True)

    def whole():
        sibrisk.simulate(SCENARIO, runs=runs, seed=SEED, threads=1)

    def whole_threads():
        sibrisk.simulate(SCENARIO, runs=runs, seed=SEED, threads=threads)

    stages = {
        "generators": generators, "input uniforms": input_uniforms,
        "cohort uniforms": cohort_uniforms, "quantile lookups": quantile_lookups,
        "plan.arrays": arrays, "copy inputs": copy_inputs,
        "binomials": binomials, "settlement": settlement, "draw_and_settle": draw_and_settle,
        "chunk work": chunk_work, "allocation and fill": allocate_and_fill,
        "dataset": dataset, "simulate": whole, "simulate, all threads": whole_threads,
    }
    for fn in stages.values():  # warm up (and compile)
        fn()
    # in turn, round after round, so a slow spell of the machine falls on all alike
    times = {name: [] for name in stages}
    for _ in range(repeats):
        for name, fn in stages.items():
            times[name].append(_best(fn, 1))
    t = {name: min(v) for name, v in times.items()}
    per_chunk_kernels = sum(t[x] for x in ("generators", "input uniforms", "cohort uniforms",
                                           "quantile lookups", "draw_and_settle"))
    parts = {
        "binomials": t["binomials"],
        "settlement": t["settlement"],
        "interaction (draw_and_settle minus the two)":
            t["draw_and_settle"] - t["binomials"] - t["settlement"],
        "quantile lookups": t["quantile lookups"],
        "uniforms (input and cohort)": t["input uniforms"] + t["cohort uniforms"],
        "generators (SeedSequence, PCG64)": t["generators"],
        "glue: Plan.arrays (g, c, varying, discount)": t["plan.arrays"],
        "glue: drawn inputs copied to their output": t["copy inputs"],
        "glue: the rest of the chunk's Python":
            t["chunk work"] - per_chunk_kernels - t["plan.arrays"] - t["copy inputs"],
        "allocation and fill (serial)": t["allocation and fill"],
        "dataset (serial)": t["dataset"],
    }
    parts["rest of simulate"] = t["simulate"] - sum(parts.values())
    total = sum(parts.values())
    serial = t["allocation and fill"] + t["dataset"]
    return {
        "runs": runs,
        "chunks": len(chunks),
        "repeats": repeats,
        "simulate_1_thread_s": t["simulate"],
        "threads": threads,
        "simulate_threads_s": t["simulate, all threads"],
        # the work done in the calling thread alone, as a share of the wall time on all
        # threads: what does not get faster with more threads
        "serial_share_on_all_threads": serial / t["simulate, all threads"],
        "ns_per_run": {name: 1e9 * v / runs for name, v in parts.items()},
        "share": {name: v / total for name, v in parts.items()},
        "stage_s": t,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=16 * 65_536)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    report = profile(args.runs, args.repeats, numba.get_num_threads())
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"scenario {SCENARIO.name}, one thread, {report['runs']:,} runs in "
          f"{report['chunks']} chunks; best of {report['repeats']} per stage")
    print(f"simulate(threads=1): {report['simulate_1_thread_s']:.3f} s, "
          f"{1e9 * report['simulate_1_thread_s'] / report['runs']:.0f} ns/run")
    print("| stage | ns/run | share |\n| --- | ---: | ---: |")
    for name, ns in report["ns_per_run"].items():
        print(f"| {name} | {ns:.1f} | {100 * report['share'][name]:.1f} % |")
    print(f"simulate(threads={report['threads']}): {report['simulate_threads_s']:.3f} s, "
          f"{1e9 * report['simulate_threads_s'] / report['runs']:.0f} ns/run of wall time, of "
          f"which {100 * report['serial_share_on_all_threads']:.0f} % in the calling thread "
          "alone (allocation and fill, dataset)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
