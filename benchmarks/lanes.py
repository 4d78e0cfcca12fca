"""Experiment: sibrisk's kernel with the runs of a block as SIMD lanes, bit for bit.

``draw_and_settle`` works run by run: each binomial draw walks its CDF up from 0
until the uniform is used up, a loop whose length is random, so the processor
mispredicts its exit once a draw; and each run's settlement is a chain of 16
years, one after the other. This script writes the same arithmetic for blocks
of runs, one run per lane, so that numba (LLVM) vectorises it:

- ``lane_binomials``: every run of a block walks its CDF for a fixed number of
  steps (a lane that is done stops counting), and only the rare run not done
  after them (or outside the walk's regime: p > 1/2, n q >= 400, the edges of
  u) is drawn by sibrisk's own ``binomial``. Each lane does the very operations
  of ``binomial`` in the same order, so the counts are identical.
- ``lane_settlement``: the year loop outside, the block's runs inside, with
  selects instead of branches for the municipality's payback year.

It checks that both give ``draw_and_settle``'s numbers bit for bit on
sibrisk's own chunk inputs of the built-in scenario, and times them against
it on one thread (best of ``--repeats``). A guide for the fused engine, not
sibrisk's code: it covers what this scenario needs (one cohort, cohort luck on,
only the decay varying by run, the payment at year 0) and says so where it
assumes it.

    python benchmarks/lanes.py [--runs 1048576] [--repeats 7]
"""

from __future__ import annotations

import argparse
import sys
import time

import _private as P
import numpy as np
from numba import njit

import sibrisk

K = P.K
LANES = 256
STEPS = 12  # covers Bin(20, 0.27) and Bin(36, 0.13) but for a few runs in a thousand
_RECIPROCAL = P.D._RECIPROCAL
_U_MAX = P.D._U_MAX
_LIMIT = P.D._SEQUENTIAL_LIMIT


@njit(nogil=True, cache=True)
def _walk(trials, p, u, out, lanes):  # pragma: no cover - compiled
    """``out[r] = binomial(trials[r], p[r], u[r])`` for the ``lanes`` runs of a block."""
    pk = np.empty(LANES)
    v = np.empty(LANES)
    ratio = np.empty(LANES)
    nf = np.empty(LANES)
    count = np.empty(LANES)
    simple = np.empty(LANES, dtype=np.bool_)
    for r in range(lanes):
        n = trials[r]
        q = p[r]
        ok = n > 0 and 0.0 < q <= 0.5 and n * q < _LIMIT and 0.0 < u[r] <= _U_MAX
        simple[r] = ok
        q = q if ok else 0.25  # any harmless value: the lane is drawn below
        ratio[r] = q / (1.0 - q)
        pk[r] = (1.0 - q) ** n
        v[r] = u[r] - pk[r]
        nf[r] = n
        count[r] = 0.0
    for k in range(STEPS):
        rk = _RECIPROCAL[k]
        for r in range(lanes):  # the lanes: vectorised
            live = v[r] > 0.0
            pk[r] *= (nf[r] - k) * rk * ratio[r]
            count[r] += 1.0 if live else 0.0
            v[r] = v[r] - pk[r] if live else v[r]
    for r in range(lanes):
        if simple[r] and not v[r] > 0.0:
            out[r] = count[r]
        else:  # not done in STEPS steps, or (rarely) past an underflow or n: from scratch
            out[r] = P.D.binomial(trials[r], p[r], u[r])


@njit(nogil=True, cache=True)
def lane_binomials(n, g, c, u, gross_out, add_out, dead_out):  # pragma: no cover - compiled
    """``draw_and_settle``'s draws (cohort luck on, one row of participants), block by
    block: every cell's deadweight, then its additional employment (or jobs lost)."""
    runs, cells = u.shape[0], u.shape[1]
    trials = np.empty(LANES, dtype=np.int64)
    p = np.empty(LANES)
    w = np.empty(LANES)
    d = np.empty(LANES)
    x = np.empty(LANES)
    for lo in range(0, runs, LANES):
        m = min(LANES, runs - lo)
        for i in range(cells):
            ni = int(n[0, i])
            for r in range(m):
                trials[r] = ni
                p[r] = c[lo + r, i]
                w[r] = u[lo + r, i, 0]
            _walk(trials, p, w, d, m)
            for r in range(m):
                gi = g[lo + r, i]
                ci = c[lo + r, i]
                gain = gi >= ci
                trials[r] = ni - int(d[r]) if gain else int(d[r])
                if gain:
                    p[r] = (gi - ci) / (1.0 - ci) if ci < 1.0 else 0.0
                else:
                    p[r] = (ci - gi) / ci
                w[r] = u[lo + r, i, 1]
            _walk(trials, p, w, x, m)
            for r in range(m):
                row = lo + r
                if g[row, i] >= c[row, i]:
                    gross_out[row, i] = d[r] + x[r]
                    add_out[row, i] = x[r]
                    dead_out[row, i] = d[r]
                else:
                    gross_out[row, i] = d[r] - x[r]
                    add_out[row, i] = -x[r]
                    dead_out[row, i] = d[r] - x[r]


@njit(nogil=True, cache=True)
def lane_settlement(n, gross, add, dead, rates, discount, params, decay,
                    out):  # pragma: no cover - compiled
    """``_settle_row`` for blocks of runs, the year loop outside and the runs inside.
    Assumes what the built-in scenario has: the payment at year 0, one discount row,
    and only the decay varying by run (``decay``, one per run)."""
    k_types = rates.shape[0]
    years = discount.shape[1]
    fall = np.empty(LANES)
    eff = np.empty(LANES)
    yearly = np.empty(LANES)
    pay = np.empty(LANES)
    pay_pv = np.empty(LANES)
    dw_pay = np.empty(LANES)
    add_tot = np.empty(LANES)
    keep = np.empty(LANES)
    last_neg = np.empty(LANES)
    neg_value = np.empty(LANES)
    next_value = np.empty(LANES)
    waiting = np.empty(LANES, dtype=np.bool_)
    p = params
    n_tot = 0.0
    for i in range(k_types):
        n_tot += n[0, i]
    cost = p[K.P_COST] * n_tot
    up_front = (p[K.P_EFFORT_SHARE] * p[K.P_EFFORT_COST] - p[K.P_OTHER]) * n_tot
    persistent = p[K.P_PERSISTENT]
    full = p[K.P_FULL_YEARS]
    horizon = p[K.P_HORIZON]
    d_pay = discount[0, 0]
    for lo in range(0, gross.shape[0], LANES):
        m = min(LANES, gross.shape[0] - lo)
        for r in range(m):
            a_t = 0.0
            pay_r = 0.0
            dw_r = 0.0
            for i in range(k_types):
                a_t += add[lo + r, i]
                pay_r += rates[i] * gross[lo + r, i]
                dw_r += rates[i] * dead[lo + r, i]
            add_tot[r] = a_t
            pay[r] = pay_r
            dw_pay[r] = dw_r
            pay_pv[r] = pay_r * d_pay
            yearly[r] = p[K.P_SAVING] * a_t
            keep[r] = 1.0 - decay[lo + r]
            fall[r] = 1.0
            eff[r] = 0.0
            last_neg[r] = -1.0
            neg_value[r] = 0.0
            next_value[r] = 0.0
            waiting[r] = False
        for t in range(years):
            d_t = discount[0, t]
            active = 0 < t <= horizon
            flat = t <= full
            for r in range(m):  # the lanes: vectorised
                if active:
                    if flat:
                        f = 1.0
                    else:
                        fall[r] *= keep[r]
                        f = persistent + (1.0 - persistent) * fall[r]
                    eff[r] += f * d_t
                cum = up_front + yearly[r] * eff[r]
                cum -= pay_pv[r]
                neg = cum < 0.0
                rising = waiting[r] and not neg
                last_neg[r] = t if neg else last_neg[r]
                neg_value[r] = cum if neg else neg_value[r]
                next_value[r] = cum if rising else next_value[r]
                waiting[r] = neg
        for r in range(m):
            row = lo + r
            if last_neg[r] < 0.0:
                payback = 0.0
            elif last_neg[r] == years - 1:
                payback = np.inf
            else:
                payback = last_neg[r] + (-neg_value[r]) / (next_value[r] - neg_value[r])
            employment = yearly[r] * eff[r]
            savings = up_front + employment
            surplus = savings - cost
            out[row, K.O_PAYMENT] = pay_pv[r]
            out[row, K.O_INVESTOR] = pay_pv[r] - cost
            out[row, K.O_RETURN] = (pay_pv[r] - cost) / cost
            out[row, K.O_MULTIPLE] = pay[r] / cost
            out[row, K.O_SAVINGS] = savings
            out[row, K.O_MUNICIPAL] = savings - pay_pv[r]
            out[row, K.O_SURPLUS] = surplus
            out[row, K.O_PAYBACK] = payback
            production = p[K.P_PRODUCTION] * add_tot[r] * eff[r]
            out[row, K.O_WELFARE] = p[K.P_NAF] * (production - cost) + p[K.P_EPS] * surplus
            out[row, K.O_DEADWEIGHT] = dw_pay[r] * d_pay
            out[row, K.O_DW_SHARE] = dw_pay[r] / pay[r] if pay[r] > 0.0 else 0.0
            out[row, K.O_EMPLOYMENT] = employment


def _best(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=16 * 65_536)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    runs = args.runs
    scenario = sibrisk.load_scenario("drc-sib-2023")
    plan = P._Plan(scenario, True, True)
    assert plan.pay_year == 0 and plan.cohorts == 1 and not plan.drawn_composition
    draws = plan.draw_inputs(1, 0, 0, runs)  # one long chunk of sibrisk's own inputs
    g, c, params, varying, columns, discount = plan.arrays(draws)
    assert list(columns) == [K.P_DECAY], "the lane settlement varies only the decay"
    decay = np.ascontiguousarray(varying[:, 0])
    u = P.chunk_generator(1, 0, 0, P.COHORT).random((runs, g.shape[1], 2))
    years = np.ascontiguousarray(discount[:, : plan.years])
    n = np.ascontiguousarray(plan.counts[None, :])
    k = g.shape[1]
    ref = [np.zeros((runs, k)) for _ in range(3)] + [np.zeros((runs, P.N_OUTPUTS))]
    mine = [np.zeros((runs, k)) for _ in range(3)] + [np.zeros((runs, P.N_OUTPUTS))]

    def kernel():
        P.draw_and_settle(n, g, c, u, True, plan.rates, years, params, varying, columns, 0,
                          *ref)

    def draws_only():
        lane_binomials(n, g, c, u, *mine[:3])

    def settle_only():
        lane_settlement(n, *mine[:3], plan.rates, years, params, decay, mine[3])

    fns = {"draw_and_settle (today)": kernel, "lane binomials": draws_only,
           "lane settlement": settle_only}
    for fn in fns.values():
        fn()
    same = all(np.array_equal(a, b, equal_nan=True) for a, b in zip(ref, mine, strict=True))
    times = {name: [] for name in fns}
    for _ in range(args.repeats):
        for name, fn in fns.items():
            times[name].append(_best(fn, 1))
    print(f"scenario {scenario.name}, {runs:,} runs, one thread, {LANES} lanes a block, "
          f"{STEPS} steps of the CDF walk, best of {args.repeats}")
    print("counts and money identical to draw_and_settle's, bit for bit:", same)
    for name, v in times.items():
        print(f"{name:>24}: {1e9 * min(v) / runs:6.1f} ns/run")
    lanes = min(times["lane binomials"]) + min(times["lane settlement"])
    print(f"{'lanes, both':>24}: {1e9 * lanes / runs:6.1f} ns/run "
          f"({min(times['draw_and_settle (today)']) / lanes:.2f}x)")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
