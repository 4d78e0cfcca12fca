"""Each actor's money, per run: net present value, multiple, largest exposure, payback
year and internal rate of return.

One compiled implementation of each statistic, used by every path: a contract's
settlement (:class:`~sibrisk.ledger.settlement.Settlement`), the catalogue's accounts
and every simulated run.

- **payback**: the year from which a cumulative present value stays at or above zero:
  the last upward crossing of zero, interpolated linearly between the dates around it;
  0 if it is never negative, ``inf`` if it is still negative at the last date;
- **IRR**: the annual rate at which dated amounts have a net present value of zero
  (see :func:`irr`).
"""

from __future__ import annotations

import math

import numpy as np

from .._jit import CACHE as _CACHE
from .._jit import interpreted, njit

__all__ = ["ACTOR_COLUMNS", "payback", "payback_year", "irr", "actor_stats", "actor_npv",
           "savings_sums", "A_NPV", "A_MULTIPLE", "A_EXPOSURE", "A_PAYBACK", "A_IRR"]

#: Columns of the per-actor statistics.
ACTOR_COLUMNS = ("npv", "multiple", "exposure", "payback_year", "irr")
A_NPV, A_MULTIPLE, A_EXPOSURE, A_PAYBACK, A_IRR = range(len(ACTOR_COLUMNS))


@njit(cache=_CACHE, nogil=True)
def payback(path, times, count, n, last, out):  # pragma: no cover - compiled
    """The payback year of each run ``r < n`` from its cumulative present value
    ``path[:count, r]`` at ``times[:count]`` (years): the last upward crossing of zero,
    ``t_k + (t_{k+1} - t_k) (-v_k) / (v_{k+1} - v_k)`` after the last negative value
    ``v_k``; 0 if none is negative, ``inf`` if the last one is. ``last`` (n,) is
    scratch; writes ``out[:n]``."""
    for r in range(n):
        last[r] = -1
    for k in range(count):
        for r in range(n):  # the runs: vectorised
            last[r] = k if path[k, r] < 0.0 else last[r]
    for r in range(n):
        k = last[r]
        if k < 0:
            out[r] = 0.0
        elif k == count - 1:
            out[r] = np.inf
        else:
            below = path[k, r]
            above = path[k + 1, r]
            out[r] = times[k] + (times[k + 1] - times[k]) * (-below) / (above - below)


def payback_year(cumulative: np.ndarray) -> np.ndarray:
    """The payback year of cumulative present values at year ends ``0, 1, ...`` (last
    axis), by :func:`payback`: from which year the value stays at or above zero.

    >>> float(payback_year(np.array([-10.0, -5.0, 5.0])))
    1.5
    """
    cumulative = np.asarray(cumulative, dtype=float)
    lead = cumulative.shape[:-1]
    years = cumulative.shape[-1]
    path = np.ascontiguousarray(cumulative.reshape(-1, years).T)
    runs = path.shape[1]
    out = np.empty(runs)
    with interpreted():  # a handful of paths: the rule as Python, no compiler needed
        payback(path, np.arange(years, dtype=float), years, runs,
                np.empty(runs, dtype=np.int64), out)
    return out.reshape(lead)


@njit(cache=_CACHE, nogil=True)
def irr(amounts, years, n, received, paid):  # pragma: no cover - compiled
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
    hold savings only (-1: a group with other flows): in a monotone run their
    cumulative present value is read off the running sums (and the exposure
    cannot grow in them), else they are added up year by year. ``with_irr``
    (actor,) says whose IRR to solve. Writes ``out[r, slot[a], :]``
    (:data:`ACTOR_COLUMNS`). Flows at the same date are netted before the
    cumulative measures; the payback year is :func:`payback` of the cumulative
    present value at the actor's dates.
    """
    runs = amounts.shape[0]
    n_actors = actor_ptr.shape[0] - 1
    groups_max = max(group_years.shape[0], 1)
    amounts_irr = np.empty(groups_max)
    times_irr = np.empty(groups_max)
    path = np.empty((groups_max, 1))
    last = np.empty(1, dtype=np.int64)
    year = np.empty(1)
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
            dated = 0  # groups of the actor so far
            nonzero = 0  # groups with a net flow (the IRR's dated amounts)
            first = actor_ptr[a]
            irr_wanted = with_irr[a]
            g = first
            while g < actor_ptr[a + 1]:
                stop = group_block[g]
                if fast and stop >= g and not irr_wanted:
                    # savings-only groups g .. stop, years t0 .. t1, none negative in this run
                    k0 = group_ptr[g]
                    share = coef[k0]
                    t0 = -1 - entry[k0]
                    base = cum_savings_pv[cr, t0 - 1] if t0 > 0 else 0.0
                    base_nominal = cum_savings[cr, t0 - 1] if t0 > 0 else 0.0
                    start = npv
                    for h in range(g, stop + 1):
                        t = -1 - entry[group_ptr[h]]
                        path[dated, 0] = start + share * (cum_savings_pv[cr, t] - base)
                        dated += 1
                    t1 = -1 - entry[group_ptr[stop]]
                    gain = share * (cum_savings[cr, t1] - base_nominal)
                    received += gain
                    cum += gain
                    npv = path[dated - 1, 0]
                    g = stop + 1
                    continue
                net = 0.0
                net_pv = 0.0
                for k in range(group_ptr[g], group_ptr[g + 1]):
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
                npv += net_pv
                cum += net
                if -cum > worst:
                    worst = -cum
                path[dated, 0] = npv
                dated += 1
                if irr_wanted and net != 0.0:
                    amounts_irr[nonzero] = net
                    times_irr[nonzero] = group_years[g]
                    nonzero += 1
                g += 1
            o = slot[a]
            out[r, o, 0] = npv
            out[r, o, 1] = received / paid if paid > 0.0 else np.nan
            out[r, o, 2] = worst
            payback(path, group_years[first:], dated, 1, last, year)
            out[r, o, 3] = year[0]
            if not irr_wanted:
                out[r, o, 4] = np.nan
            elif dated == 1:  # every flow at one date: no time, no rate
                out[r, o, 4] = -1.0 if paid > 0.0 and received <= 0.0 else np.nan
            elif nonzero > 0:
                t0 = times_irr[0]
                for j in range(nonzero):
                    times_irr[j] -= t0
                out[r, o, 4] = irr(amounts_irr, times_irr, nonzero, received, paid)
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
