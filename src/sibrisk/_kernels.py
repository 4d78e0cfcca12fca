"""Numba kernels of the Monte Carlo engine (private).

Plain loops over plain arrays that write into preallocated outputs. They are
jit-compiled (``nopython``, ``nogil`` so that chunks run in threads) and cached
on disk unless ``SIBRISK_NUMBA_CACHE=0`` (numba's cache can race between
processes that compile at the same moment; see numba issues 4807 and 10128).

Randomness stays outside: the public layer draws uniforms with one numpy
Generator per chunk and passes them in, so a kernel is a pure function of its
inputs and results do not depend on how chunks are scheduled.
"""

from __future__ import annotations

import math
import os

import numpy as np

from ._jit import njit
from .schema import OUTPUT_COLUMNS

_CACHE = os.environ.get("SIBRISK_NUMBA_CACHE", "1") != "0"

# Columns of the per-run parameter matrix.
(P_SAVING, P_EFFORT_COST, P_EFFORT_SHARE, P_OTHER, P_COST, P_PRODUCTION, P_NAF, P_EPS,
 P_DECAY, P_PERSISTENT, P_FULL_YEARS, P_HORIZON) = range(12)
N_PARAMS = 12

# Columns of the per-run output matrix (names in sibrisk.schema).
(O_PAYMENT, O_INVESTOR, O_RETURN, O_MULTIPLE, O_SAVINGS, O_MUNICIPAL, O_SURPLUS, O_PAYBACK,
 O_WELFARE, O_DEADWEIGHT, O_DW_SHARE, O_EMPLOYMENT) = range(len(OUTPUT_COLUMNS))

# Walking the CDF up from 0 needs (1 - q)^n not to underflow. With q <= 1/2,
# -log(1 - q) <= 1.39 q, so n q below this bound keeps (1 - q)^n above e^-560;
# above it the sampler searches outward from the mode.
_SEQUENTIAL_LIMIT = 400.0

# 1 / (k + 1) for small k: a multiplication is several times cheaper than a
# division in the sampler's inner loop, which is the engine's hot spot.
_RECIPROCAL_SIZE = 1024
_RECIPROCAL = 1.0 / np.arange(1.0, _RECIPROCAL_SIZE + 1.0)


@njit(cache=_CACHE, nogil=True)
def binomial(n, p, u):  # pragma: no cover - compiled
    """One Binomial(n, p) draw from one uniform ``u`` in [0, 1) (jit-compiled).

    Exact inversion. Usually the CDF is walked up from 0 for the rarer of the
    two outcomes (p <= 1/2 directly, p > 1/2 as n minus a Binomial(n, 1 - p)
    draw from 1 - u), so the draw never falls as ``u`` or ``p`` rises: common
    random numbers couple neighbouring scenarios monotonically. Only when
    (1 - q)^n would underflow (n q above 400) is the mass searched
    outward from the mode instead (alternately above and below, about
    sqrt(n p q) steps), still exact in distribution.
    """
    if n <= 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    flip = p > 0.5
    q = 1.0 - p if flip else p
    if flip:
        u = 1.0 - u
    ratio = q / (1.0 - q)
    if n * q < _SEQUENTIAL_LIMIT:
        pk = (1.0 - q) ** n
        k = 0
        u -= pk
        while u > 0.0 and k < n:
            if k < _RECIPROCAL_SIZE:
                pk *= (n - k) * _RECIPROCAL[k] * ratio
            else:
                pk *= (n - k) / (k + 1.0) * ratio
            k += 1
            u -= pk
    else:
        mode = int((n + 1) * q)
        if mode > n:
            mode = n
        pm = math.exp(math.lgamma(n + 1.0) - math.lgamma(mode + 1.0)
                      - math.lgamma(n - mode + 1.0) + mode * math.log(q)
                      + (n - mode) * math.log1p(-q))
        k = mode
        u -= pm
        if u > 0.0:
            up, p_up, down, p_down = mode, pm, mode, pm
            while True:
                moved = False
                if up < n:
                    p_up *= (n - up) / (up + 1.0) * ratio
                    up += 1
                    moved = True
                    u -= p_up
                    if u <= 0.0:
                        k = up
                        break
                if down > 0:
                    p_down *= down / ((n - down + 1.0) * ratio)
                    down -= 1
                    moved = True
                    u -= p_down
                    if u <= 0.0:
                        k = down
                        break
                if not moved:  # rounding left a sliver of mass: the mode is as good as any
                    break
    return n - k if flip else k


@njit(cache=_CACHE, nogil=True)
def binomial_many(n, p, u, out):  # pragma: no cover - compiled
    """``out[i] = binomial(n[i], p[i], u[i])`` (jit-compiled; for tests and benchmarks)."""
    for i in range(u.shape[0]):
        out[i] = binomial(n[i], p[i], u[i])


@njit(cache=_CACHE, nogil=True)
def _settle_row(r, n, gross, dw, add, rates, discount, params, pay_year,
                out):  # pragma: no cover - compiled
    """Money of one run from its counts by type (the ledger's rules, per row).

    ``params`` is the run's parameter vector (N_PARAMS).

    The effect profile is built year by year: 1 up to the full-effect years,
    then ``persistent + (1 - persistent) (1 - decay)^(t - full)``, 0 after the
    horizon.
    """
    dr = r if discount.shape[0] > 1 else 0
    k_types = rates.shape[0]
    n_tot = 0.0
    add_tot = 0.0
    pay = 0.0
    dw_pay = 0.0
    for i in range(k_types):
        n_tot += n[i]
        add_tot += add[i]
        pay += rates[i] * gross[i]
        dw_pay += rates[i] * dw[i]
    d_pay = discount[dr, pay_year]
    pay_pv = pay * d_pay
    cost = params[P_COST] * n_tot
    up_front = (params[P_EFFORT_SHARE] * params[P_EFFORT_COST]
                - params[P_OTHER]) * n_tot
    yearly = params[P_SAVING] * add_tot
    years = discount.shape[1]
    decay = params[P_DECAY]
    persistent = params[P_PERSISTENT]
    full = params[P_FULL_YEARS]
    horizon = params[P_HORIZON]
    fall = 1.0
    # cumulative municipal account by year, and its last upward crossing of zero
    effect_years = 0.0
    last_neg = -1
    neg_value = 0.0
    next_value = 0.0
    waiting = False
    for t in range(years):
        if 0 < t <= horizon:
            if t <= full:
                f = 1.0
            else:
                fall *= 1.0 - decay
                f = persistent + (1.0 - persistent) * fall
            effect_years += f * discount[dr, t]
        cum = up_front + yearly * effect_years
        if t >= pay_year:
            cum -= pay_pv
        if cum < 0.0:
            last_neg = t
            neg_value = cum
            waiting = True
        elif waiting:
            next_value = cum
            waiting = False
    if last_neg < 0:
        payback = 0.0
    elif last_neg == years - 1:
        payback = np.inf
    else:
        payback = last_neg + (-neg_value) / (next_value - neg_value)
    employment = yearly * effect_years
    savings = up_front + employment
    surplus = savings - cost
    out[r, O_PAYMENT] = pay_pv
    out[r, O_INVESTOR] = pay_pv - cost
    out[r, O_RETURN] = (pay_pv - cost) / cost
    out[r, O_MULTIPLE] = pay / cost
    out[r, O_SAVINGS] = savings
    out[r, O_MUNICIPAL] = savings - pay_pv
    out[r, O_SURPLUS] = surplus
    out[r, O_PAYBACK] = payback
    production = params[P_PRODUCTION] * add_tot * effect_years
    out[r, O_WELFARE] = params[P_NAF] * (production - cost) + params[P_EPS] * surplus
    out[r, O_DEADWEIGHT] = dw_pay * d_pay
    out[r, O_DW_SHARE] = dw_pay / pay if pay > 0.0 else 0.0
    out[r, O_EMPLOYMENT] = employment


@njit(cache=_CACHE, nogil=True)
def settle(n, gross, dw, add, rates, discount, params, pay_year,
           out):  # pragma: no cover - compiled
    """Money of every row of given counts (jit-compiled).

    ``n``, ``gross``, ``dw``, ``add``: (rows, type). ``discount``: (1 or
    rows, year). ``params``: (N_PARAMS,), the same for every row. Writes
    ``out`` (rows, len(OUTPUT_COLUMNS)).
    """
    for r in range(gross.shape[0]):
        _settle_row(r, n[r], gross[r], dw[r], add[r], rates, discount, params, pay_year, out)


@njit(cache=_CACHE, nogil=True)
def draw_and_settle(n, g, c, u, cohort_luck, rates, discount, params, varying, columns,
                    pay_year, gross_out, add_out, deadweight_out,
                    out):  # pragma: no cover - compiled
    """Draw each run's cohort outcomes, then settle its money (jit-compiled).

    Per type, when g >= c: deadweight ~ Binomial(n, c), additional ~
    Binomial(n - deadweight, (g - c) / (1 - c)), gross = deadweight + additional.
    When g < c (a run in which the programme harms): of the Binomial(n, c)
    who would have worked, Binomial(that, (c - g) / c) lose the job; gross is
    the rest (all deadweight) and additional is minus the jobs lost. Either
    way gross ~ Binomial(n, g). Without ``cohort_luck`` the counts are their
    expectations given g and c.

    ``n``: (1 or runs, type) participants; ``g``, ``c``: (1 or runs, type);
    ``u``: (runs, type, 2) uniforms; ``params``: (N_PARAMS,) point values,
    of which the ``columns`` take each run's values from ``varying`` (runs,
    len(columns)). Writes gross and additional counts and the money of every
    run (and the deadweight counts).
    """
    runs = u.shape[0]
    k_types = rates.shape[0]
    p = params.copy()
    dw = np.empty(k_types)
    gross = np.empty(k_types)
    add = np.empty(k_types)
    for r in range(runs):
        nr = r if n.shape[0] > 1 else 0
        gr = r if g.shape[0] > 1 else 0
        cr = r if c.shape[0] > 1 else 0
        for i in range(k_types):
            ni = n[nr, i]
            gi = g[gr, i]
            ci = c[cr, i]
            if gi >= ci:  # the programme adds jobs to those that would have come anyway
                q = (gi - ci) / (1.0 - ci) if ci < 1.0 else 0.0
                if cohort_luck:
                    d = binomial(int(ni), ci, u[r, i, 0])
                    dw[i] = d
                    add[i] = binomial(int(ni) - d, q, u[r, i, 1])
                else:
                    dw[i] = ni * ci
                    add[i] = (ni - ni * ci) * q
                gross[i] = dw[i] + add[i]
            else:  # a harmful run: some who would have worked lose the job
                q = (ci - gi) / ci
                if cohort_luck:
                    d = binomial(int(ni), ci, u[r, i, 0])
                    lost = binomial(d, q, u[r, i, 1])
                    gross[i] = d - lost
                    add[i] = -lost
                else:
                    gross[i] = ni * gi
                    add[i] = ni * (gi - ci)
                dw[i] = gross[i]  # everyone employed would have been anyway
            gross_out[r, i] = gross[i]
            add_out[r, i] = add[i]
            deadweight_out[r, i] = dw[i]
        for j in range(columns.shape[0]):
            p[columns[j]] = varying[r, j]
        _settle_row(r, n[nr], gross, dw, add, rates, discount, p, pay_year, out)


# Columns of the per-actor statistics.
ACTOR_COLUMNS = ("npv", "multiple", "exposure", "payback_year", "irr")
A_NPV, A_MULTIPLE, A_EXPOSURE, A_PAYBACK, A_IRR = range(len(ACTOR_COLUMNS))


@njit(cache=_CACHE, nogil=True)
def _irr(amounts, years, n, received, paid):  # pragma: no cover - compiled
    """Annual IRR of ``n`` dated amounts (years from the first, increasing).

    Root of f(x) = sum a_k exp(-x t_k) in x = log(1 + r), by Newton's method
    from the rate that turns the money paid into the money received over
    the money-weighted time between them, kept inside the bracket
    [-5, 5] (r from -99.3 % to 14,700 %) that bisection shrinks whenever a
    step leaves it. NaN when the amounts do not change sign, when every
    flow falls at one date (no time, no rate), when no root lies in the
    bracket, or when the NPV has the same sign at both ends of it (an even
    number of roots, as flows that change sign more than once can give); -1
    when nothing ever comes back.
    """
    if paid <= 0.0 or n == 0:
        return np.nan
    if received <= 0.0:
        return -1.0
    if n < 2:  # every flow at one date: no time, no rate
        return np.nan
    pos = False
    neg = False
    t_in = 0.0
    t_out = 0.0
    for k in range(n):
        if amounts[k] > 0.0:
            pos = True
            t_in += amounts[k] * years[k]
        elif amounts[k] < 0.0:
            neg = True
            t_out -= amounts[k] * years[k]
    if not (pos and neg):
        return np.nan if not neg else -1.0
    if n == 2 and amounts[0] < 0.0 < amounts[1]:  # one outlay, one return: closed form
        return (amounts[1] / -amounts[0]) ** (1.0 / (years[1] - years[0])) - 1.0
    span = t_in / received - t_out / paid
    x = math.log(received / paid) / span if span > 1e-9 else 0.0
    lo, hi = -5.0, 5.0
    if not (lo < x < hi):
        x = 0.0
    bracketed = False
    f_lo = 0.0
    for it in range(200):
        f = 0.0
        df = 0.0
        for k in range(n):
            e = amounts[k] * math.exp(-x * years[k])
            f += e
            df -= years[k] * e
        if abs(f) <= 1e-14 * (received + paid):  # zero to rounding of the money involved
            return math.expm1(x)
        if bracketed:  # keep the root between lo and hi
            if (f > 0.0) == (f_lo > 0.0):
                lo = x
            else:
                hi = x
        x_new = x - f / df if df != 0.0 else np.inf
        if not (lo < x_new < hi) or it >= 12:
            if not bracketed:  # Newton's method needs help: find the bracket once
                f_lo = 0.0
                f_hi = 0.0
                for k in range(n):
                    f_lo += amounts[k] * math.exp(-lo * years[k])
                    f_hi += amounts[k] * math.exp(-hi * years[k])
                if f_lo == 0.0:
                    return math.expm1(lo)
                if f_hi == 0.0:
                    return math.expm1(hi)
                if (f_lo > 0.0) == (f_hi > 0.0):
                    return np.nan
                bracketed = True
                if (f > 0.0) == (f_lo > 0.0):
                    lo = x
                else:
                    hi = x
            if not (lo < x_new < hi) or it >= 12:
                x_new = 0.5 * (lo + hi)  # bisection
        if abs(x_new - x) <= 1e-12 * (1.0 + abs(x)):
            return math.expm1(x_new)
        x = x_new
    return math.expm1(x)


@njit(cache=_CACHE, nogil=True, inline="always")
def _group_sum(r, dr, sr, dsr, start, stop, entry, coef, amounts, discount, savings,
               savings_discount):  # pragma: no cover - compiled
    """One dated group of an actor's schedule in run ``r``: its net amount, its present
    value, and the money received and paid in it (see ``actor_stats``)."""
    net = 0.0
    net_pv = 0.0
    received = 0.0
    paid = 0.0
    for k in range(start, stop):
        e = entry[k]
        if e >= 0:
            x = amounts[r, e]
            net_pv += x * discount[dr, e]
        else:
            x = coef[k] * savings[sr, -1 - e]
            net_pv += x * savings_discount[dsr, -1 - e]
        net += x
        if x > 0.0:
            received += x
        else:
            paid -= x
    return net, net_pv, received, paid


@njit(cache=_CACHE, nogil=True)
def actor_stats(amounts, discount, savings, savings_discount, cum_savings, cum_savings_pv,
                monotone, entry, coef, group_ptr, group_years, group_block, actor_ptr,
                with_irr, slot, out):  # pragma: no cover - compiled
    """Per run and actor: NPV, multiple, largest exposure, payback year and IRR.

    The dates are the same in every run, so each actor's ledger is laid out
    once as a schedule of dated groups: actor ``a`` owns groups
    ``actor_ptr[a] .. actor_ptr[a + 1]``, group ``g`` falls ``group_years[g]``
    years from the start and sums the entries ``group_ptr[g] ..
    group_ptr[g + 1]``. An entry ``e >= 0`` is the flow column ``e`` of
    ``amounts`` (run, flow), discounted by ``discount`` (1 or runs, flow); an
    entry ``e < 0`` is ``coef`` times year ``-1 - e`` of ``savings`` (1 or
    runs, year), discounted by ``savings_discount``.

    Savings are the same under every contract; ``cum_savings`` and
    ``cum_savings_pv`` (runs or 1, year) are their running sums, nominal and
    discounted, and ``monotone`` (runs or 1,) says a run has no negative
    year. ``group_block[g] >= g`` marks groups ``g .. group_block[g]`` that
    hold savings only (-1: a group with other flows): in a monotone run they
    are settled at once (the exposure cannot grow in them; a payback crossing
    in them is found by bisection), else year by year. ``with_irr`` (actor,)
    says whose IRR to solve. Writes ``out[r, slot[a], :]`` (ACTOR_COLUMNS).
    Flows at the same date are netted before the cumulative measures.
    """
    runs = amounts.shape[0]
    n_actors = actor_ptr.shape[0] - 1
    group_amount = np.empty(group_years.shape[0])
    times = np.empty(group_years.shape[0])
    for r in range(runs):
        dr = r if discount.shape[0] > 1 else 0
        sr = r if savings.shape[0] > 1 else 0
        dsr = r if savings_discount.shape[0] > 1 else 0
        cr = r if cum_savings.shape[0] > 1 else 0
        fast = monotone[r if monotone.shape[0] > 1 else 0]
        for a in range(n_actors):
            npv = 0.0
            received = 0.0
            paid = 0.0
            cum = 0.0
            worst = 0.0
            last_neg = -1.0
            neg_value = 0.0
            next_value = 0.0
            next_years = 0.0
            waiting = False
            groups = 0
            irr_wanted = with_irr[a]
            g = actor_ptr[a]
            if actor_ptr[a + 1] - g == 1:  # every flow at one date: no path to follow
                net, npv, received, paid = _group_sum(
                    r, dr, sr, dsr, group_ptr[g], group_ptr[g + 1], entry, coef, amounts,
                    discount, savings, savings_discount)
                o = slot[a]
                out[r, o, 0] = npv
                out[r, o, 1] = received / paid if paid > 0.0 else np.nan
                out[r, o, 2] = -net if net < 0.0 else 0.0
                out[r, o, 3] = np.inf if npv < 0.0 else 0.0
                # no time between the flows: no rate, unless nothing ever comes back
                out[r, o, 4] = -1.0 if irr_wanted and paid > 0.0 and received <= 0.0 \
                    else np.nan
                continue
            while g < actor_ptr[a + 1]:
                stop = group_block[g]
                if fast and stop >= g and not irr_wanted:
                    # savings-only groups g .. stop, years t0 .. t1, all >= 0 in this run
                    k0 = group_ptr[g]
                    share = coef[k0]
                    t0 = -1 - entry[k0]
                    t1 = -1 - entry[group_ptr[stop]]
                    base = cum_savings_pv[cr, t0 - 1] if t0 > 0 else 0.0
                    base_nominal = cum_savings[cr, t0 - 1] if t0 > 0 else 0.0
                    gain = share * (cum_savings[cr, t1] - base_nominal)
                    received += gain
                    cum += gain
                    start_npv = npv
                    npv = start_npv + share * (cum_savings_pv[cr, t1] - base)
                    if start_npv < 0.0:
                        if npv < 0.0:  # still below zero at the block's end
                            last_neg = group_years[stop]
                            neg_value = npv
                        else:  # the first year of the block at or above zero
                            lo, hi = g, stop
                            while lo < hi:
                                mid = (lo + hi) // 2
                                t = -1 - entry[group_ptr[mid]]
                                if start_npv + share * (cum_savings_pv[cr, t] - base) >= 0.0:
                                    hi = mid
                                else:
                                    lo = mid + 1
                            if lo > g:
                                t = -1 - entry[group_ptr[lo - 1]]
                                last_neg = group_years[lo - 1]
                                neg_value = start_npv + share * (cum_savings_pv[cr, t] - base)
                            t = -1 - entry[group_ptr[lo]]
                            next_value = start_npv + share * (cum_savings_pv[cr, t] - base)
                            next_years = group_years[lo]
                            waiting = False
                    g = stop + 1
                    continue
                net, net_pv, got, gave = _group_sum(
                    r, dr, sr, dsr, group_ptr[g], group_ptr[g + 1], entry, coef, amounts,
                    discount, savings, savings_discount)
                received += got
                paid += gave
                npv += net_pv
                cum += net
                if -cum > worst:
                    worst = -cum
                if npv < 0.0:
                    last_neg = group_years[g]
                    neg_value = npv
                    waiting = True
                elif waiting:
                    next_value = npv
                    next_years = group_years[g]
                    waiting = False
                if irr_wanted and net != 0.0:
                    group_amount[groups] = net
                    times[groups] = group_years[g]
                    groups += 1
                g += 1
            o = slot[a]
            out[r, o, 0] = npv
            out[r, o, 1] = received / paid if paid > 0.0 else np.nan
            out[r, o, 2] = worst
            if last_neg < 0.0:
                out[r, o, 3] = 0.0
            elif waiting:
                out[r, o, 3] = np.inf
            else:
                out[r, o, 3] = last_neg + (next_years - last_neg) * (
                    -neg_value) / (next_value - neg_value)
            if irr_wanted and groups > 0:
                t0 = times[0]
                for j in range(groups):
                    times[j] -= t0
                out[r, o, 4] = _irr(group_amount, times, groups, received, paid)
            else:
                out[r, o, 4] = np.nan


@njit(cache=_CACHE, nogil=True)
def savings_sums(savings, discount, cum, cum_pv, monotone):  # pragma: no cover - compiled
    """Running sums of yearly savings (run or 1, year), nominal into ``cum`` and
    discounted by ``discount`` (1 or runs, year) into ``cum_pv``, and whether
    no year of a run is negative (``monotone``)."""
    for r in range(savings.shape[0]):
        dr = r if discount.shape[0] > 1 else 0
        c = 0.0
        c_pv = 0.0
        ok = True
        for t in range(savings.shape[1]):
            x = savings[r, t]
            c += x
            c_pv += x * discount[dr, t]
            cum[r, t] = c
            cum_pv[r, t] = c_pv
            if x < 0.0:
                ok = False
        monotone[r] = ok


@njit(cache=_CACHE, nogil=True)
def savings_and_sums(params, add_tot, n_tot, discount, out, cum, cum_pv,
                     monotone):  # pragma: no cover - compiled
    """``municipal_savings`` and ``savings_sums`` in one pass over the runs."""
    municipal_savings(params, add_tot, n_tot, out)
    savings_sums(out, discount, cum, cum_pv, monotone)


@njit(cache=_CACHE, nogil=True)
def municipal_savings(params, add_tot, n_tot, out):  # pragma: no cover - compiled
    """Nominal municipal savings by year of every run (the ledger's rules, per row).

    ``params``: (runs, N_PARAMS); ``add_tot``, ``n_tot``: (runs,). Writes
    ``out`` (runs, year): year 0 the saved ordinary effort net of other
    costs, then the saving from additional employment under the effect
    profile (as in ``_settle_row``).
    """
    years = out.shape[1]
    for r in range(out.shape[0]):
        p = params[r]
        yearly = p[P_SAVING] * add_tot[r]
        full = p[P_FULL_YEARS]
        horizon = p[P_HORIZON]
        fall = 1.0
        out[r, 0] = (p[P_EFFORT_SHARE] * p[P_EFFORT_COST] - p[P_OTHER]) * n_tot[r]
        for t in range(1, years):
            if t > horizon:
                out[r, t] = 0.0
                continue
            if t <= full:
                f = 1.0
            else:
                fall *= 1.0 - p[P_DECAY]
                f = p[P_PERSISTENT] + (1.0 - p[P_PERSISTENT]) * fall
            out[r, t] = yearly * f


@njit(cache=_CACHE, nogil=True)
def actor_npv(amounts, discount, cum_savings_pv, saves, flow_ptr, flow_index, slot,
              out):  # pragma: no cover - compiled
    """Per run and actor, the NPV alone: the present value of the actor's flows
    ``flow_index[flow_ptr[a]:flow_ptr[a + 1]]`` (columns of ``amounts`` (run, flow),
    discounted by ``discount`` (1 or runs, flow)) plus its share ``saves[a]`` of the
    savings' total present value (the last column of ``cum_savings_pv``). Writes
    ``out[r, slot[a]]``."""
    runs = amounts.shape[0]
    last = cum_savings_pv.shape[1] - 1
    for r in range(runs):
        dr = r if discount.shape[0] > 1 else 0
        cr = r if cum_savings_pv.shape[0] > 1 else 0
        for a in range(flow_ptr.shape[0] - 1):
            npv = saves[a] * cum_savings_pv[cr, last]
            for k in range(flow_ptr[a], flow_ptr[a + 1]):
                e = flow_index[k]
                npv += amounts[r, e] * discount[dr, e]
            out[r, slot[a]] = npv
