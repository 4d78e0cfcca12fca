"""Benchmark: the marginal cost of one more contract variant on common random numbers.

``sibrisk.simulate(scenario, contracts=[...])`` draws the cohorts' outcomes
once per run and settles every contract variant on the same draws. This
measures, side by side in one process on the built-in scenario, ``simulate``
with no contract (drawing the outcomes and settling the scenario's own
contract in the kernel) and with 1, 2, 4 and 8 contract variants (surplus
shares at several investor shares, capped rate cards, a senior/junior
waterfall with a guarantee), once keeping all five per-actor statistics per
run (the default) and once the NPV alone (``contract_stats=("npv",)``). From
these it prints the cost of a variant, on average ``(t(8) - t(0)) / 8`` and
beyond the first ``(t(8) - t(1)) / 7`` (the first also pays a set-up that all
variants share), as a ratio to the cost of re-drawing the outcomes,
``t(0)``: what evaluating a variant would cost without common random numbers
(one more ``simulate`` without contracts).

The sizes are timed in turn within each repeat (so slow spells of the
machine hit every size alike) and the best of the repeats counts, as
``timeit`` does. Every call uses the same seed.

    python benchmarks/contracts.py [--runs 200000] [--repeat 5] [--threads N]
"""

from __future__ import annotations

import argparse
import sys
import time

import numba
import numpy as np

import sibrisk

SCENARIO = sibrisk.load_scenario("drc-sib-2023")
SEED = 2023
SIZES = (0, 1, 2, 4, 8)

_SUSTAINED = [{"name": "sustained_26w", "of": "employed", "retention": 0.8, "month": 6}]
_WATERFALL = {"tranches": [{"name": "senior", "share": 0.6, "coupon": 0.04},
                           {"name": "junior", "share": 0.4}]}

#: The variants, in the order they are added: every prefix mixes the kinds.
VARIANTS = [
    {"name": "share-50", "payments": [{"kind": "surplus_share", "investor_share": 0.5}]},
    {"name": "card-capped", "metrics": _SUSTAINED,
     "payments": [{"kind": "rate_card", "cap": 4_000_000,
                   "rates": {"employed": 150_000, "sustained_26w": 100_000}}]},
    {"name": "waterfall-guaranteed",
     "payments": [{"kind": "surplus_share", "investor_share": 0.5}],
     "capital": {**_WATERFALL, "guarantee": {"covers": "senior", "share": 0.5}}},
    {"name": "share-30", "payments": [{"kind": "surplus_share", "investor_share": 0.3}]},
    {"name": "share-70", "payments": [{"kind": "surplus_share", "investor_share": 0.7}]},
    {"name": "card-per-participant", "metrics": _SUSTAINED,
     "payments": [{"kind": "rate_card", "cap_per_participant": 200_000,
                   "rates": {"employed": 150_000, "sustained_26w": 100_000}}]},
    {"name": "waterfall-first-loss",
     "payments": [{"kind": "surplus_share", "investor_share": 0.6}],
     "capital": {**_WATERFALL, "guarantee": {"covers": "senior", "amount": 1_000_000}}},
    {"name": "share-40", "payments": [{"kind": "surplus_share", "investor_share": 0.4}]},
]
CONTRACTS = [sibrisk.Contract.from_dict({**v, "scenario": SCENARIO.name},
                                        source=f"<variant {v['name']}>") for v in VARIANTS]


#: The per-actor statistics kept per run: all five (the default), or the NPV alone.
STATS = {"all statistics": sibrisk.ledger.stats.ACTOR_COLUMNS, "NPV only": ("npv",)}


def run(k: int, runs: int, threads: int, stats: tuple[str, ...]) -> float:
    """Seconds of one ``simulate`` call with the first ``k`` variants (0: none)."""
    contracts = CONTRACTS[:k] or None
    t0 = time.perf_counter()
    sibrisk.simulate(SCENARIO, runs=runs, seed=SEED, threads=threads, contracts=contracts,
                     contract_stats=stats)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5,
                        help="repeats of every size; the best counts")
    parser.add_argument("--threads", type=int, default=numba.get_num_threads())
    args = parser.parse_args(argv)
    # compile and warm up first (the kernels and every variant's path), so no timing
    # includes a compilation
    for stats in STATS.values():
        run(len(CONTRACTS), 5_000, args.threads, stats)
    best = {(label, k): np.inf for label in STATS for k in SIZES}
    for _ in range(args.repeat):
        for k in SIZES:  # every size in turn, so a slow spell of the machine hits all alike
            for label, stats in STATS.items():
                if k == 0 and label != "all statistics":
                    continue  # no contract: the statistics do not matter
                best[label, k] = min(best[label, k], run(k, args.runs, args.threads, stats))
    base = best["all statistics", 0]
    print(f"scenario {SCENARIO.name}, {args.runs:,} runs, {args.threads} threads, "
          f"seed {SEED}, best of {args.repeat}")
    print(f"re-drawing the outcomes (simulate, no contract): {base:.3f} s")
    print("variants: " + ", ".join(c.name for c in CONTRACTS))
    for label in STATS:
        best[label, 0] = base
        times = [best[label, k] for k in SIZES]
        marginal = (best[label, 8] - base) / 8
        slope = np.polyfit(SIZES, times, 1)[0]  # least squares over all sizes
        print()
        print(f"per-actor statistics kept per run: {label}")
        print()
        print("| variants | seconds | runs/s | over no contract | per variant |")
        print("| ---: | ---: | ---: | ---: | ---: |")
        for k in SIZES:
            extra = best[label, k] - base
            per = f"{extra / k:.3f} s" if k else "-"
            print(f"| {k} | {best[label, k]:.3f} | {args.runs / best[label, k]:,.0f} | "
                  f"{best[label, k] / base:.2f}x | {per} |")
        further = (best[label, 8] - best[label, 1]) / 7
        setup = best[label, 1] - base - further
        print()
        print(f"average variant: {marginal:.3f} s from (t(8) - t(0)) / 8, "
              f"{slope:.3f} s from a line through all sizes")
        shared = f"{setup:.3f} s" if setup > 0 else "within the noise"
        print(f"each further variant: {further:.3f} s from (t(8) - t(1)) / 7; set-up shared by "
              f"all variants (savings by year, metric draws): {shared}")
        print(f"ratio, average variant / re-drawing: {marginal / base:.2f} "
              f"(line: {slope / base:.2f}); further variant / re-drawing: "
              f"{further / base:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
