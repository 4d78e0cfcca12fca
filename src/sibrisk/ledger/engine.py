"""The settlement engine: one compiled implementation of every money rule of a contract.

From outcomes to every actor's money, for blocks of runs at once (arrays with the run
last, so the inner loops run over runs), for every variant of a program
(:mod:`sibrisk.ledger.program`):

1. **effects**: each measured metric's effect per cohort (the share reaching it minus
   the comparison group's rate, or the evaluator's measured effect) and pooled;
2. **claims**: a rate card's claim is its rates times the counts reaching the metric;
   an effect payment's is its amount at the measured effect (steps or linear) per
   participant, cohort or additional outcome; a savings share's is each year's share
   of the realised savings until the capital drawn, with interest, is repaid;
3. **triggers and termination**: a mechanism pays nothing unless its trigger holds;
   claims after the termination are dropped;
4. **caps**: per participant (in the card's rates), per metric, per mechanism and for
   the contract, the last two in time: paid date by date, cut pro rata at the date a
   cap binds and entirely after it;
5. **capital**: drawdowns fund the provider; the payments go to the single investor,
   through the investors' waterfall (balances earning their coupons, the last tranche
   taking what is left, a guarantor covering a tranche's loss), to the provider under a
   loan (repaid with interest whatever the outcomes), or stay with the payers as a
   declared reinvestment (grant); the evaluator's fee;
6. **flows**: every flow of the program's ledger, an amount per run.

Every rule is a function here, compiled by numba (through :mod:`sibrisk._jit`), used by
every path: the deterministic account, ``settle`` on observed outcomes, ``simulate``
and its contract variants, sweeps and ``solve``. Variants share the work their numbers
share: each distinct card's claims and each distinct funding's drawdowns and savings
claims are worked out once per block of runs.
"""

from __future__ import annotations

import math

import numpy as np

from .._jit import CACHE as _CACHE
from .._jit import njit
from .program import (
    CARD,
    EFFECT,
    EV_DRAW,
    EV_PAY,
    G_AMOUNT,
    G_SHARE,
    GRANT,
    INVESTORS,
    OP_FEE,
    OP_FUND,
    OP_GUARANTEE,
    OP_PAYER_PAYS,
    OP_PROGRAMME,
    OP_RECEIVES,
    OP_REPAY,
    OP_TRANCHE_SHARE,
    SAVINGS,
)

__all__ = ["BLOCK", "EFFECT_TOLERANCE", "settle_runs", "effects", "triggered", "card_claim",
           "effect_claim", "amount_at", "savings_year", "cap_in_time", "settle_cards",
           "settle_fundings", "settle_variant", "variant_flows"]

#: Runs settled together: a block's outcomes and scratch stay in the cache while every
#: variant is settled on them.
BLOCK = 256

#: Measured effects within this of a threshold count as reaching it (an effect of 2/20 -
#: 0.0 is 0.09999999999999998 in floating point, and is 10 percentage points).
EFFECT_TOLERANCE = 1e-12


# ---------------------------------------------------------------------------
# Effects and triggers
# ---------------------------------------------------------------------------
@njit(cache=_CACHE, nogil=True)
def effects(lo, n, part, counts, measured_metric, comp, meas, per_cohort,
            pooled):  # pragma: no cover - compiled
    """Each measured metric's effect per cohort, ``per_cohort[i, c, :n]`` (NaN for a cohort
    without participants), and pooled over the cohorts, ``pooled[i, :n]`` (the
    participant-weighted mean of the cohorts' effects). ``measured_metric[i]`` is the
    metric's index in ``counts``; ``meas`` holds the evaluator's measured effects (NaN:
    not given)."""
    cohorts = part.shape[0]
    types = part.shape[1]
    for i in range(measured_metric.shape[0]):
        m = measured_metric[i]
        for r in range(n):
            num = 0.0
            total = 0.0
            for c in range(cohorts):
                size = 0.0
                reached = 0.0
                for t in range(types):
                    size += part[c, t, lo + r]
                    reached += counts[m, c, t, lo + r]
                total += size
                if size > 0.0:
                    e = reached / size - comp[i, c, lo + r]
                    given = meas[i, c, lo + r]
                    if not math.isnan(given):
                        e = given
                    per_cohort[i, c, r] = e
                    num += e * size
                else:
                    per_cohort[i, c, r] = np.nan
            pooled[i, r] = num / total if total > 0.0 else np.nan


@njit(cache=_CACHE, nogil=True)
def _reaches(x, threshold):  # pragma: no cover - compiled
    """Whether a measured effect reaches a threshold (NaN never does)."""
    return x >= threshold - EFFECT_TOLERANCE


@njit(cache=_CACHE, nogil=True)
def triggered(per_cohort, pooled, i, any_at_least, pooled_at_least, n,
              out):  # pragma: no cover - compiled
    """Whether a trigger on measured metric ``i`` holds: any single cohort's effect at
    least ``any_at_least``, or the pooled effect at least ``pooled_at_least`` (NaN: that
    clause absent). Writes ``out[:n]``."""
    cohorts = per_cohort.shape[1]
    for r in range(n):
        ok = False
        if not math.isnan(any_at_least):
            for c in range(cohorts):
                ok = ok or _reaches(per_cohort[i, c, r], any_at_least)
        if not math.isnan(pooled_at_least):
            ok = ok or _reaches(pooled[i, r], pooled_at_least)
        out[r] = ok


# ---------------------------------------------------------------------------
# Claims
# ---------------------------------------------------------------------------
@njit(cache=_CACHE, nogil=True)
def card_claim(lo, n, counts, m, rates, out):  # pragma: no cover - compiled
    """A rate card's claim on metric ``m``: the counts reaching it, summed over cohorts,
    times the rate of each participant type."""
    cohorts = counts.shape[1]
    types = counts.shape[2]
    for r in range(n):
        total = 0.0
        for t in range(types):
            reached = counts[m, 0, t, lo + r]
            for c in range(1, cohorts):
                reached += counts[m, c, t, lo + r]
            total += reached * rates[t]
        out[r] = total


@njit(cache=_CACHE, nogil=True)
def amount_at(x, xs, ys, count, linear):  # pragma: no cover - compiled
    """An effect payment's amount at measured effect ``x`` from its points ``(xs, ys)``:
    nothing below the first point (or for NaN); the amount of the highest point reached
    (steps), or interpolated between points and held after the last (linear)."""
    if math.isnan(x) or x < xs[0] - EFFECT_TOLERANCE:
        return 0.0
    if not linear:
        k = 0
        while k + 1 < count and x >= xs[k + 1] - EFFECT_TOLERANCE:
            k += 1
        return ys[k]
    if x <= xs[0]:
        return ys[0]
    if x >= xs[count - 1]:
        return ys[count - 1]
    k = 0
    while x >= xs[k + 1]:
        k += 1
    if x == xs[k]:
        return ys[k]
    slope = (ys[k + 1] - ys[k]) / (xs[k + 1] - xs[k])
    return slope * (x - xs[k]) + ys[k]


@njit(cache=_CACHE, nogil=True)
def effect_claim(lo, n, part, per_cohort, pooled, i, is_pooled, per, xs, ys, count, linear,
                 out):  # pragma: no cover - compiled
    """An effect payment's claim on measured metric ``i``: its amount at each cohort's
    effect (or the pooled effect) times the participants (``per`` 0), once per cohort
    (1), or per measured additional outcome (2: the effect, if positive, times the
    participants)."""
    cohorts = part.shape[0]
    types = part.shape[1]
    for r in range(n):
        total = 0.0
        if is_pooled:
            size = 0.0
            for c in range(cohorts):
                for t in range(types):
                    size += part[c, t, lo + r]
            e = pooled[i, r]
            total = amount_at(e, xs, ys, count, linear) * _base(per, e, size)
        else:
            for c in range(cohorts):
                size = 0.0
                for t in range(types):
                    size += part[c, t, lo + r]
                e = per_cohort[i, c, r]
                total += amount_at(e, xs, ys, count, linear) * _base(per, e, size)
        out[r] = total


@njit(cache=_CACHE, nogil=True)
def _base(per, e, size):  # pragma: no cover - compiled
    if per == 0:
        return size
    if per == 1:
        return 1.0
    return (max(e, 0.0) if not math.isnan(e) else 0.0) * size


@njit(cache=_CACHE, nogil=True)
def savings_year(owed, saved, share, after, n, out):  # pragma: no cover - compiled
    """One year of a savings share: ``share`` of the year's savings (none in a year
    without) until what is ``owed`` is repaid, ``after`` of the rest; with a share of
    0, ``after`` once nothing is owed."""
    for r in range(n):
        o = max(owed[r], 0.0)
        s = max(saved[r], 0.0)
        if share > 0.0:
            first = share * s
            rest = max(s - o / share, 0.0)
            out[r] = first if first <= o else o + after * rest
        else:
            out[r] = 0.0 if o > 0.0 else after * s


# ---------------------------------------------------------------------------
# Caps
# ---------------------------------------------------------------------------
@njit(cache=_CACHE, nogil=True)
def cap_in_time(amt, select, which, date, n_dates, cap, n, paid, due,
                cut):  # pragma: no cover - compiled
    """Cut the claims ``amt[k, :n]`` with ``select[k] == which`` (any claim when ``which``
    is -1) to a total ``cap``: paid date by date, the claims of the date at which the cap
    binds cut pro rata, later ones entirely. Adds the cut to ``cut[:n]``."""
    for r in range(n):
        paid[r] = 0.0
    for d in range(n_dates):
        for r in range(n):
            due[r] = 0.0
        for k in range(amt.shape[0]):
            if date[k] == d and (which < 0 or select[k] == which):
                for r in range(n):
                    due[r] += amt[k, r]
        for r in range(n):
            room = max(cap - paid[r], 0.0)
            owed = due[r]
            if owed > room:
                factor = room / owed
                for k in range(amt.shape[0]):
                    if date[k] == d and (which < 0 or select[k] == which):
                        amt[k, r] *= factor
                cut[r] += owed - room
                paid[r] += room
            else:
                paid[r] += owed


# ---------------------------------------------------------------------------
# One block of runs: every variant
# ---------------------------------------------------------------------------
@njit(cache=_CACHE, nogil=True)
def settle_cards(lo, n, counts, A, card_amt, card_raw):  # pragma: no cover - compiled
    """Every distinct card's rate claims on the block."""
    for u in range(A.rates.shape[0]):
        for k in range(A.kind.shape[0]):
            if A.kind[k] != CARD:
                continue
            card_claim(lo, n, counts, A.metric[k], A.rates[u, k], card_amt[u, k])
            if A.has_raw[k]:
                card_claim(lo, n, counts, A.metric[k], A.raw_rates[u, k], card_raw[u, k])


@njit(cache=_CACHE, nogil=True)
def settle_fundings(lo, n, cost, savings, A, drawn, ss_amt, owed,
                    repaid):  # pragma: no cover - compiled
    """Every distinct funding's drawdowns and savings-share claims on the block: the
    capital owed at a claim's date is what was drawn, grown at the share's interest, less
    what the share claimed before, grown likewise."""
    for f in range(A.draw_share.shape[0]):
        for d in range(A.draw_share.shape[1]):
            share = A.draw_share[f, d]
            c = A.commitment[f]
            for r in range(n):
                drawn[f, d, r] = share * (cost[lo + r] if math.isnan(c) else c)
        for k in range(A.kind.shape[0]):
            if A.kind[k] != SAVINGS:
                continue
            for r in range(n):
                owed[r] = 0.0
            for d in range(A.draw_share.shape[1]):
                g = A.ss_draw_growth[f, k, d]
                if g != 0.0:
                    for r in range(n):
                        owed[r] += drawn[f, d, r] * g
            for r in range(n):
                repaid[r] = 0.0
            for j in range(k):
                g = A.ss_paid_growth[f, k, j]
                if g != 0.0:
                    for r in range(n):
                        repaid[r] += ss_amt[f, j, r] * g
            for r in range(n):
                owed[r] -= repaid[r]
            s = A.ss[k]
            savings_year(owed, savings[A.year[k], lo:lo + n], A.ss_share[f, s],
                         A.ss_after[f, s], n, ss_amt[f, k])


@njit(cache=_CACHE, nogil=True)
def settle_variant(v, lo, n, part, A, card_amt, card_raw, drawn, ss_amt, per_cohort, pooled,
                   amt, raw, ok, by_date, cut, terminated, paid, due, share, balance, got,
                   cover, cost_of):  # pragma: no cover - compiled
    """Variant ``v`` on the block: its claims (``raw``: as claimed after its trigger and
    the termination; ``amt``: after every cap), ``cut`` by where a cap bound, the
    payments by date, and the waterfall's shares and guarantee cover by event."""
    u = A.card_of[v]
    f = A.funding_of[v]
    for s in range(cut.shape[0]):
        for r in range(n):
            cut[s, r] = 0.0
    for r in range(n):
        terminated[r] = 0.0
    for k in range(A.kind.shape[0]):
        kind = A.kind[k]
        if kind == CARD:
            for r in range(n):
                amt[k, r] = card_amt[u, k, r]
                raw[k, r] = card_raw[u, k, r] if A.has_raw[k] else card_amt[u, k, r]
        elif kind == EFFECT:
            effect_claim(lo, n, part, per_cohort, pooled, A.metric[k], A.effect_pooled[k],
                         A.effect_per[k], A.points_x[v, k], A.points_y[v, k],
                         A.n_points[v, k], A.effect_linear[k], amt[k])
            for r in range(n):
                raw[k, r] = amt[k, r]
        else:
            for r in range(n):
                amt[k, r] = ss_amt[f, k, r]
                raw[k, r] = ss_amt[f, k, r]
    # triggers
    for i in range(A.mech_trigger.shape[0]):
        mi = A.mech_trigger[i]
        if mi < 0:
            continue
        triggered(per_cohort, pooled, mi, A.any_at_least[v, i], A.pooled_at_least[v, i], n,
                  ok[i])
        for k in range(A.kind.shape[0]):
            if A.mech[k] == i:
                for r in range(n):
                    if not ok[i, r]:
                        amt[k, r] = 0.0
                        raw[k, r] = 0.0
    # termination, the cap per participant (already in the rates) and the metric caps
    for k in range(A.kind.shape[0]):
        if A.dropped[k]:
            for r in range(n):
                terminated[r] += raw[k, r]
                amt[k, r] = 0.0
                raw[k, r] = 0.0
            continue
        if A.has_raw[k]:
            s = A.participant_slot
            for r in range(n):
                cut[s, r] += raw[k, r] - amt[k, r]
        if A.has_cap[k]:
            ceiling = A.claim_cap[u, k]
            s = A.cut_slot[k]
            for r in range(n):
                capped = min(amt[k, r], ceiling)
                cut[s, r] += amt[k, r] - capped
                amt[k, r] = capped
    # caps in time: each mechanism's, then the contract's
    for i in range(A.mech_cut_slot.shape[0]):
        if A.mech_cap[v, i] < np.inf:
            cap_in_time(amt, A.mech, i, A.date, A.n_dates, A.mech_cap[v, i], n, paid, due,
                        cut[A.mech_cut_slot[i]])
    if A.cap[v] < np.inf:
        cap_in_time(amt, A.mech, -1, A.date, A.n_dates, A.cap[v], n, paid, due,
                    cut[A.contract_slot])
    for d in range(A.n_dates):
        for r in range(n):
            by_date[d, r] = 0.0
    for k in range(A.kind.shape[0]):
        d = A.date[k]
        for r in range(n):
            by_date[d, r] += amt[k, r]
    # the waterfall: events in date order, balances growing at each tranche's coupon
    if A.model == INVESTORS and A.events.shape[0] > 0:
        tranches = A.tranche_share.shape[1]
        for j in range(tranches):
            for r in range(n):
                balance[j, r] = 0.0
                got[j, r] = 0.0
                cost_of[j, r] = 0.0
        for e in range(A.events.shape[0]):
            for j in range(tranches):
                g = A.event_growth[v, e, j]
                if g != 1.0:
                    for r in range(n):
                        balance[j, r] *= g
            kind = A.events[e, 0]
            index = A.events[e, 1]
            if kind == EV_DRAW:
                for j in range(tranches):
                    w = A.tranche_share[v, j]
                    for r in range(n):
                        balance[j, r] += w * drawn[f, index, r]
                        cost_of[j, r] += w * drawn[f, index, r]
            elif kind == EV_PAY:
                for r in range(n):
                    left = by_date[index, r]
                    for j in range(tranches):
                        if j == tranches - 1:
                            part_j = left
                        else:
                            part_j = min(max(balance[j, r], 0.0), left)
                        balance[j, r] -= part_j
                        got[j, r] += part_j
                        left -= part_j
                        share[e, j, r] = part_j
            else:
                j = A.covers
                for r in range(n):
                    loss = max(cost_of[j, r] - got[j, r], 0.0)
                    if A.g_kind == G_AMOUNT:
                        c = min(loss, A.g_amount[v])
                    elif A.g_kind == G_SHARE:
                        c = A.g_amount[v] * loss
                    else:
                        c = min(_interp(loss, A.g_x[v], A.g_y[v]), loss)
                    got[j, r] += c
                    balance[j, r] -= c
                    cover[e, r] = c


@njit(cache=_CACHE, nogil=True)
def _interp(x, xs, ys):  # pragma: no cover - compiled
    """Linear interpolation in increasing ``xs``, held beyond the ends (numpy's ``interp``)."""
    last = xs.shape[0] - 1
    if x <= xs[0]:
        return ys[0]
    if x >= xs[last]:
        return ys[last]
    k = 0
    while x >= xs[k + 1]:
        k += 1
    if x == xs[k]:
        return ys[k]
    slope = (ys[k + 1] - ys[k]) / (xs[k + 1] - xs[k])
    return slope * (x - xs[k]) + ys[k]


@njit(cache=_CACHE, nogil=True)
def variant_flows(v, lo, n, A, drawn, by_date, share, cover, out,
                  rows_first):  # pragma: no cover - compiled
    """The amount of every flow of variant ``v`` on the block (see the program's
    operations), into ``out[lo + r, flow]`` (``rows_first``) or ``out[flow, r]``."""
    f = A.funding_of[v]
    for q in range(A.op.shape[0]):
        op = A.op[q]
        a = A.op_a[q]
        b = A.op_b[q]
        sign = A.op_sign[q]
        for r in range(n):
            if op == OP_FUND:
                x = A.tranche_share[v, a] * drawn[f, b, r]
            elif op == OP_PROGRAMME:
                x = drawn[f, a, r]
            elif op == OP_PAYER_PAYS:
                x = A.pays[v, a] * by_date[b, r]
            elif op == OP_RECEIVES:
                x = by_date[b, r]
            elif op == OP_REPAY:
                x = 0.0
                for d in range(A.loan_growth.shape[2]):
                    x += A.tranche_share[v, a] * drawn[f, d, r] * A.loan_growth[v, a, d]
            elif op == OP_TRANCHE_SHARE:
                x = share[b, a, r]
            elif op == OP_GUARANTEE:
                x = cover[b, r]
            elif op == OP_FEE:
                x = A.fee[v] if a < 0 else A.pays[v, a] * A.fee[v]
            else:  # OP_FEE_COST
                x = A.fee[v]
            if rows_first:
                out[lo + r, q] = sign * x
            else:
                out[q, r] = sign * x


@njit(cache=_CACHE, nogil=True)
def settle_runs(part, counts, comp, meas, measured_metric, savings, cost, A, v,
                claimed, paid, payments, flows, cuts, terminated_out, triggered_out,
                effects_out, pooled_out, reinvestment):  # pragma: no cover - compiled
    """Settle variant ``v`` of a program on every run (arrays with the run last: ``part``
    (cohort, type, run), ``counts`` (metric, cohort, type, run), ``comp`` and ``meas``
    (measured metric, cohort, run), ``savings`` (year, run), ``cost`` (run,)), writing
    with the run first: ``claimed`` and ``paid`` (run, claim), ``payments`` (run, date),
    ``flows`` (run, flow), ``cuts`` (run, where), ``terminated_out`` and
    ``reinvestment`` (run,), ``triggered_out`` (run, mechanism), the effects
    ``effects_out`` (run, measured metric, cohort) and ``pooled_out`` (run, measured
    metric). Blocks of :data:`BLOCK` runs, one after another (the caller runs chunks in
    threads)."""
    runs = cost.shape[0]
    k_count = A.kind.shape[0]
    mm = measured_metric.shape[0]
    cohorts = part.shape[0]
    tranches = A.tranche_share.shape[1]
    events = max(A.events.shape[0], 1)
    card_amt = np.zeros((A.rates.shape[0], k_count, BLOCK))
    card_raw = np.zeros((A.rates.shape[0], k_count, BLOCK))
    drawn = np.zeros((A.draw_share.shape[0], A.draw_share.shape[1], BLOCK))
    ss_amt = np.zeros((A.draw_share.shape[0], k_count, BLOCK))
    owed = np.empty(BLOCK)
    repaid = np.empty(BLOCK)
    per_cohort = np.empty((mm, cohorts, BLOCK))
    pooled = np.empty((mm, BLOCK))
    amt = np.empty((k_count, BLOCK))
    raw = np.empty((k_count, BLOCK))
    ok = np.ones((A.mech_trigger.shape[0], BLOCK), dtype=np.bool_)
    by_date = np.empty((max(A.n_dates, 1), BLOCK))
    cut = np.empty((max(A.n_slots, 1), BLOCK))
    terminated = np.empty(BLOCK)
    paid_so_far = np.empty(BLOCK)
    due = np.empty(BLOCK)
    share = np.zeros((events, max(tranches, 1), BLOCK))
    balance = np.empty((max(tranches, 1), BLOCK))
    got = np.empty((max(tranches, 1), BLOCK))
    cost_of = np.empty((max(tranches, 1), BLOCK))
    cover = np.zeros((events, BLOCK))
    for lo in range(0, runs, BLOCK):
        n = min(BLOCK, runs - lo)
        effects(lo, n, part, counts, measured_metric, comp, meas, per_cohort, pooled)
        settle_cards(lo, n, counts, A, card_amt, card_raw)
        settle_fundings(lo, n, cost, savings, A, drawn, ss_amt, owed, repaid)
        settle_variant(v, lo, n, part, A, card_amt, card_raw, drawn, ss_amt, per_cohort, pooled,
                 amt, raw, ok, by_date, cut, terminated, paid_so_far, due, share, balance,
                 got, cover, cost_of)
        variant_flows(v, lo, n, A, drawn, by_date, share, cover, flows, True)
        for r in range(n):
            for k in range(k_count):
                claimed[lo + r, k] = raw[k, r]
                paid[lo + r, k] = amt[k, r]
            total = 0.0
            for d in range(A.n_dates):
                payments[lo + r, d] = by_date[d, r]
                total += by_date[d, r]
            reinvestment[lo + r] = total if A.model == GRANT else 0.0
            for s in range(A.n_slots):
                cuts[lo + r, s] = cut[s, r]
            terminated_out[lo + r] = terminated[r]
            for i in range(A.mech_trigger.shape[0]):
                triggered_out[lo + r, i] = ok[i, r]
            for i in range(mm):
                pooled_out[lo + r, i] = pooled[i, r]
                for c in range(cohorts):
                    effects_out[lo + r, i, c] = per_cohort[i, c, r]
