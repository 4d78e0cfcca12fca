"""Compiled settlement of many variants of one contract: the fast path of a sweep.

A sweep over contract terms evaluates thousands of variants of one contract on
the same outcome draws. :func:`sibrisk.settlement.evaluate` settles any
contract, vectorised over runs, one variant at a time; this module settles a
whole *family* of variants at once in a numba kernel and reduces each
variant's runs to the risk summary straight away, without a dataset per
variant.

The family: variants that share the structure of a contract (its claims,
their dates, its mechanisms, payers and drawdowns) and differ only in numbers
(rates, shares, caps, the capital committed, what each payer pays and saves),
for contracts whose payments are rate cards, surplus shares and savings
shares without triggers, without a termination date or an evaluation fee,
funded by one investor (the ``investors`` capital model with a single
tranche and no guarantee). Anything else is settled by the general path,
which is also this module's oracle: the tests settle the same variants both
ways and compare every field of the summary.

The rules applied per run are those of :func:`sibrisk.settlement.evaluate`,
in its order: claims (with the per-participant cap already in the bound
rates), metric caps, mechanism caps in time, the contract cap in time, then
the payments by date; the investor funds the drawdowns and receives every
payment, each payer pays its part and keeps its part of the savings, and
the provider passes the funding on to the programme.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np

from .._jit import CACHE as _CACHE
from .._jit import njit, prange
from ..contract.terms import RateCard, SavingsShare, SurplusShare
from .discount import discount_at

# The summaries' rules, shared with ``sibrisk.risk`` (defined here, so that changing them
# changes this file and so renews the kernels numba keeps on disk).
#: Two-sided 95 % normal quantile.
Z95 = 1.959963984540054
#: Money within this of zero (in currency units) is zero: sums of the same flows in
#: another order differ by rounding dust (1e-9 on millions), which is no loss.
LOSS_TOLERANCE = 1e-6
#: Values of a sample within this relative distance are one atom (quantile errors).
ATOM_TOLERANCE = 1e-9

#: One compiled kernel at a time per process: numba's own thread pool must not be entered
#: from two threads at once (a dask worker with several threads would).
_KERNEL_LOCK = threading.Lock()

#: Claim kinds of the kernel.
RATE, SAVINGS = 0, 1


def outside_family(bound: Any) -> str | None:
    """Why a bound contract cannot be settled by the compiled kernel (``None``: it can)."""
    c = bound.contract
    for i, mech in enumerate(c.payments):
        if not isinstance(mech, RateCard | SurplusShare | SavingsShare):
            return f"payments[{i}] is a {type(mech).__name__}"
        if mech.trigger is not None:
            return f"payments[{i}] has a trigger"
    if c.termination_month is not None:
        return "the contract has a termination month"
    if c.evaluation is not None:
        return "the contract pays an evaluation fee"
    cap = c.capital
    if cap.model != "investors":
        return f"the capital model is {cap.model!r}"
    if len(cap.tranches) != 1 or cap.tranches[0].share != 1.0:
        return "the capital has several tranches"
    if cap.guarantee is not None:
        return "the capital has a guarantee"
    return None


@dataclass(frozen=True)
class Family:
    """Variants of one contract structure, as the kernel's arrays.

    Structure (shared by the variants): per claim its ``kind``, ``metric``,
    mechanism ``mech``, ``month`` (index into ``months``), savings share ``ss``
    and ``year``; ``order``/``group``: the claims in date order and where
    each date's group starts; ``draw_month`` per drawdown.

    Terms: variants share few distinct rate cards and few distinct savings
    shares and capital (a sweep's axes change one term at a time), so the
    kernel works each distinct *card* (rates, uncapped rates and metric caps
    per claim) and each distinct *funding* (savings-share terms, drawdown
    shares and commitment) out once per run, and each variant (``card_of``,
    ``funding_of``) only adds them up by date and applies its caps.
    """

    actors: tuple[str, ...]
    metrics: tuple[str, ...]
    drawn: tuple  # the metrics' (name, of, retention), as the outcomes must have drawn them
    months: np.ndarray
    kind: np.ndarray
    metric: np.ndarray
    mech: np.ndarray
    month: np.ndarray
    ss: np.ndarray
    year: np.ndarray
    order: np.ndarray
    group: np.ndarray
    draw_month: np.ndarray
    card_of: np.ndarray  # (variant,)
    rates: np.ndarray  # (card, claim, type)
    raw_rates: np.ndarray  # (card, claim, type)
    claim_cap: np.ndarray  # (card, claim), inf: none
    funding_of: np.ndarray  # (variant,)
    ss_share: np.ndarray  # (funding, savings share)
    ss_after: np.ndarray  # (funding, savings share)
    ss_draw_growth: np.ndarray  # (funding, savings share, year, drawdown)
    ss_paid_growth: np.ndarray  # (funding, savings share, year, year)
    ss_flat: np.ndarray  # (funding, savings share): no interest, growth factors all 1
    draw_share: np.ndarray  # (funding, drawdown)
    commitment: np.ndarray  # (funding,), NaN: the programme's cost
    mech_cap: np.ndarray  # (variant, mechanism), inf: none
    cap: np.ndarray  # (variant,), inf: none
    pays: np.ndarray  # (variant, payer)
    saves: np.ndarray  # (variant, payer)

    @property
    def variants(self) -> int:
        return self.cap.shape[0]


def _distinct(*per_variant: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which distinct combination of the rows of ``per_variant`` each variant has, and
    the first variant of each combination."""
    seen: dict[bytes, int] = {}
    of = np.empty(per_variant[0].shape[0], dtype=np.int64)
    first = []
    for v in range(of.size):
        key = b"".join(np.ascontiguousarray(a[v]).tobytes() for a in per_variant)
        if key not in seen:
            seen[key] = len(first)
            first.append(v)
        of[v] = seen[key]
    return of, np.array(first, dtype=np.int64)


def _structure(bound: Any, savings_years: int) -> tuple:
    """The claims of a bound contract in the general path's order, and its dates."""
    claims = []  # (kind, metric, mech, month, ss, year)
    ss_index = 0
    for i, mc in enumerate(bound.mechanisms):
        mech = mc.mechanism
        if isinstance(mech, SavingsShare):
            for t in range(min(mech.years, savings_years - 1) + 1):
                claims.append((SAVINGS, "", i, bound.timing(12.0 * t), ss_index, t))
            ss_index += 1
        else:
            for m in mc.metrics:
                claims.append((RATE, m, i, bound.pay_month[m], -1, -1))
    draws = tuple(float(m) for m, _ in bound.contract.capital.drawdown)
    return tuple(claims), draws


def _growth(growth: float, claims: tuple, draws: tuple, ss_years: int
            ) -> tuple[np.ndarray, np.ndarray]:
    """The growth factors of the savings shares' owed capital, by share, year and
    drawdown, and by share, year and earlier year (as ``settlement._savings_share``)."""
    n_ss = 1 + max((c[4] for c in claims), default=-1)
    d_growth = np.zeros((n_ss, ss_years, len(draws)))
    p_growth = np.zeros((n_ss, ss_years, ss_years))
    for kind, _, _, month, s, t in claims:
        if kind != SAVINGS:
            continue
        for d, dm in enumerate(draws):
            if dm <= month:
                d_growth[s, t, d] = growth ** ((month - dm) / 12.0)
        for k2, _, _, m2, s2, t2 in claims:
            if k2 == SAVINGS and s2 == s and t2 < t:
                p_growth[s, t, t2] = growth ** ((month - m2) / 12.0)
    return d_growth, p_growth


def compile_family(bounds: list[Any], savings_years: int) -> Family | None:
    """The variants as one family, or ``None`` if they do not share one structure (or one
    of them is outside the family: see :func:`outside_family`)."""
    if any(outside_family(b) is not None for b in bounds):
        return None
    first = bounds[0]
    claims, draws = _structure(first, savings_years)
    metrics = first.metric_order
    payers = tuple(p.name for p in first.contract.payers)
    for b in bounds[1:]:
        if (_structure(b, savings_years) != (claims, draws) or b.metric_order != metrics
                or b.parent != first.parent or b.retention != first.retention
                or tuple(p.name for p in b.contract.payers) != payers
                or len(b.mechanisms) != len(first.mechanisms)):
            return None
    months = np.unique(np.array([c[3] for c in claims] + list(draws), dtype=float))
    k, v = len(claims), len(bounds)
    types = len(first.types)
    n_ss = 1 + max((c[4] for c in claims), default=-1)
    ss_years = 1 + max((c[5] for c in claims), default=-1)
    claim_month = np.array([c[3] for c in claims], dtype=float)
    order = np.argsort(claim_month, kind="stable").astype(np.int64)
    starts = [0] + [i for i in range(1, k) if claim_month[order[i]] != claim_month[order[i - 1]]]
    group = np.array(starts + [k], dtype=np.int64)
    rates = np.zeros((v, k, types))
    raw = np.zeros((v, k, types))
    claim_cap = np.full((v, k), np.inf)
    mech_cap = np.full((v, len(first.mechanisms)), np.inf)
    cap = np.full(v, np.inf)
    ss_share = np.zeros((v, n_ss))
    ss_after = np.zeros((v, n_ss))
    d_growth = np.zeros((v, n_ss, ss_years, len(draws)))
    p_growth = np.zeros((v, n_ss, ss_years, ss_years))
    flat = np.zeros((v, n_ss), dtype=np.bool_)
    draw_share = np.zeros((v, len(draws)))
    commitment = np.full(v, np.nan)
    pays = np.zeros((v, len(payers)))
    saves = np.zeros((v, len(payers)))
    growths: dict[float, tuple[np.ndarray, np.ndarray]] = {}  # by interest rate
    for j, b in enumerate(bounds):
        c = b.contract
        if c.cap is not None:
            cap[j] = c.cap
        for i, mc in enumerate(b.mechanisms):
            if mc.mechanism.cap is not None:
                mech_cap[j, i] = mc.mechanism.cap
        for q, (kind, m, i, month, s, t) in enumerate(claims):
            mc = b.mechanisms[i]
            mech = mc.mechanism
            if kind == RATE:
                row = mc.metrics.index(m)
                rates[j, q] = mc.rates[row]
                raw[j, q] = mc.raw_rates[row]
                if isinstance(mech, RateCard) and mech.metric_caps.get(m) is not None:
                    claim_cap[j, q] = mech.metric_caps[m]
            elif t == 0:  # a savings share: its terms, and its growth factors for all years
                ss_share[j, s], ss_after[j, s] = mech.share, mech.share_after
                flat[j, s] = mech.interest == 0.0
                if mech.interest not in growths:
                    growths[mech.interest] = _growth(1.0 + mech.interest, claims, draws,
                                                     ss_years)
                d_growth[j, s] = growths[mech.interest][0][s]
                p_growth[j, s] = growths[mech.interest][1][s]
        capital = c.capital
        draw_share[j] = [share for _, share in capital.drawdown]
        if capital.commitment is not None:
            commitment[j] = capital.commitment
        pays[j] = [p.pays for p in c.payers]
        saves[j] = [p.saves for p in c.payers]
    index = {m: i for i, m in enumerate(months.tolist())}
    card_of, cards = _distinct(rates, raw, claim_cap)
    funding_of, fundings = _distinct(ss_share, ss_after, d_growth, p_growth, flat, draw_share,
                                     commitment)
    return Family(
        actors=first.actors, metrics=metrics, drawn=drawn_metrics(first), months=months,
        kind=np.array([c[0] for c in claims], dtype=np.int64),
        metric=np.array([metrics.index(c[1]) if c[0] == RATE else -1 for c in claims],
                        dtype=np.int64),
        mech=np.array([c[2] for c in claims], dtype=np.int64),
        month=np.array([index[c[3]] for c in claims], dtype=np.int64),
        ss=np.array([c[4] for c in claims], dtype=np.int64),
        year=np.array([c[5] for c in claims], dtype=np.int64),
        order=order, group=group,
        draw_month=np.array([index[m] for m in draws], dtype=np.int64),
        card_of=card_of, rates=rates[cards], raw_rates=raw[cards],
        claim_cap=claim_cap[cards], funding_of=funding_of, ss_share=ss_share[fundings],
        ss_after=ss_after[fundings], ss_draw_growth=d_growth[fundings],
        ss_paid_growth=p_growth[fundings], ss_flat=flat[fundings],
        draw_share=draw_share[fundings], commitment=commitment[fundings],
        mech_cap=mech_cap, cap=cap, pays=pays, saves=saves)


# ---------------------------------------------------------------------------
# The kernels
# ---------------------------------------------------------------------------
@njit(cache=_CACHE, nogil=True)
def _add(into, x, n):  # pragma: no cover - compiled
    for i in range(n):
        into[i] += x[i]


@njit(cache=_CACHE, nogil=True)
def _add_scaled(into, x, factor, n):  # pragma: no cover - compiled
    for i in range(n):
        into[i] += x[i] * factor


@njit(cache=_CACHE, nogil=True)
def _savings_year(owed_in, owed_out, saved, share, after, out, n):  # pragma: no cover
    """One year of a savings share: ``share`` of the year's savings until what is owed is
    repaid, ``share_after`` of the rest."""
    if share > 0.0:
        for i in range(n):
            owed = max(owed_in[i] - owed_out[i], 0.0)
            x = max(saved[i], 0.0)
            first = share * x
            rest = max(x - owed / share, 0.0)
            out[i] = first if first <= owed else owed + after * rest
    else:  # nothing repays the capital: share_after once nothing is owed
        for i in range(n):
            owed = max(owed_in[i] - owed_out[i], 0.0)
            out[i] = 0.0 if owed > 0.0 else after * max(saved[i], 0.0)


@njit(cache=_CACHE, nogil=True)
def _cap_in_time(amt, n, mech, which, cap, order, group, paid, due, room,
                 capped):  # pragma: no cover - compiled
    """Cut the claims ``amt[claim, :n]`` of mechanism ``which`` to a total ``cap``, paid
    date by date, pro rata at the date the cap binds; ``capped[i] = 1`` where it cuts."""
    paid[:n] = 0.0
    for g in range(group.shape[0] - 1):
        due[:n] = 0.0
        for j in range(group[g], group[g + 1]):
            if mech[order[j]] == which:
                _add(due, amt[order[j]], n)
        binds = 0
        for i in range(n):
            room[i] = max(cap - paid[i], 0.0)
            paid[i] += min(due[i], room[i])
            binds += due[i] > room[i]
        if binds == 0:  # the cap does not bind at this date in any of these runs
            continue
        for i in range(n):
            cut = due[i] > room[i]
            due[i] = room[i] / due[i] if cut else 1.0
            capped[i] = 1.0 if cut else capped[i]
        for j in range(group[g], group[g + 1]):
            if mech[order[j]] == which:
                row = amt[order[j]]
                for i in range(n):
                    row[i] *= due[i]


@njit(cache=_CACHE, nogil=True)
def _cards(lo, n, counts, kind, metric, rates, raw_rates, claim_cap, card_amt,
           card_capped, t0):  # pragma: no cover - compiled
    """Every distinct rate card's claims on runs ``lo .. lo + n - 1``, after the metric
    caps, and whether a per-participant or metric cap cut one of them."""
    types = counts.shape[1]
    for u in range(rates.shape[0]):
        card_capped[u, :n] = 0.0
        for k in range(kind.shape[0]):
            if kind[k] != RATE:
                continue
            a = card_amt[u, k]
            a[:n] = 0.0
            t0[:n] = 0.0
            for t in range(types):
                c = counts[metric[k], t, lo:lo + n]
                _add_scaled(a, c, rates[u, k, t], n)
                _add_scaled(t0, c, raw_rates[u, k, t], n)
            ceiling = claim_cap[u, k]
            flag = card_capped[u]
            for i in range(n):
                a[i] = min(a[i], ceiling)
                flag[i] = 1.0 if t0[i] > a[i] else flag[i]


@njit(cache=_CACHE, nogil=True)
def _fundings(lo, n, cost, savings, kind, ss, year, draw_month, ss_share, ss_after, ss_dg,
              ss_pg, ss_flat, draw_share, commitment, drawn, ss_amt, ss_paid, t0,
              t1):  # pragma: no cover - compiled
    """Every distinct funding's drawdowns and savings-share claims on runs
    ``lo .. lo + n - 1`` (the owed capital: drawn with interest, less what the share has
    claimed before; without interest the growth factors are 1, so a running sum)."""
    for u in range(ss_share.shape[0]):
        for d in range(draw_month.shape[0]):
            row = drawn[u, d]
            share = draw_share[u, d]
            if math.isnan(commitment[u]):
                c = cost[lo:lo + n]
                for i in range(n):
                    row[i] = share * c[i]
            else:
                row[:n] = share * commitment[u]
        ss_paid[:, :n] = 0.0
        for k in range(kind.shape[0]):
            if kind[k] != SAVINGS:
                continue
            s = ss[k]
            t = year[k]
            t0[:n] = 0.0
            for d in range(draw_month.shape[0]):
                _add_scaled(t0, drawn[u, d], ss_dg[u, s, t, d], n)
            if ss_flat[u, s]:
                t1[:n] = ss_paid[s, :n]
            else:
                t1[:n] = 0.0
                for y in range(k):  # the share's earlier years are earlier claims
                    if kind[y] == SAVINGS and ss[y] == s:
                        _add_scaled(t1, ss_amt[u, y], ss_pg[u, s, t, year[y]], n)
            a = ss_amt[u, k]
            _savings_year(t0, t1, savings[t, lo:lo + n], ss_share[u, s], ss_after[u, s], a, n)
            _add(ss_paid[s], a, n)


@njit(cache=_CACHE, nogil=True)
def _by_month(u, f, n, kind, month, card_amt, ss_amt, by_month):  # pragma: no cover
    """Card ``u``'s and funding ``f``'s claims added up by date."""
    by_month[:, :n] = 0.0
    for k in range(kind.shape[0]):
        _add(by_month[month[k]], card_amt[u, k] if kind[k] == RATE else ss_amt[f, k], n)


@njit(cache=_CACHE, nogil=True)
def _settle_variants(lo, n, dmonth, kind, mech, month, order, group, card_of, funding_of,
                     mech_cap, cap, card_amt, card_capped, ss_amt, payment, cuts, amt,
                     by_month, shared, shared_pv, running, running_pv, last, t0, t1, t2,
                     flag):  # pragma: no cover - compiled
    """Every variant ``v`` on runs ``lo .. lo + n - 1``: its card's and funding's claims, its
    mechanism caps (claim by claim) and its contract cap (date by date), into the
    payments' present value ``payment[v]`` and ``cuts[v]`` (in how many of the runs a
    cap cut a claim). ``shared`` holds the claims by date of the pair (card, funding) ``last``,
    and ``shared_pv`` their present value: variants that differ only in the contract
    cap reuse them."""
    hi = lo + n
    for v in range(cap.shape[0]):
        u = card_of[v]
        f = funding_of[v]
        flag[:n] = card_capped[u, :n]
        mech_caps = False
        for j in range(mech_cap.shape[1]):
            mech_caps = mech_caps or mech_cap[v, j] < np.inf
        if mech_caps:  # caps per mechanism cut claim by claim
            for k in range(kind.shape[0]):
                amt[k, :n] = card_amt[u, k, :n] if kind[k] == RATE else ss_amt[f, k, :n]
            for j in range(mech_cap.shape[1]):
                if mech_cap[v, j] < np.inf:
                    _cap_in_time(amt, n, mech, j, mech_cap[v, j], order, group, t0, t1, t2,
                                 flag)
            by_month[:, :n] = 0.0
            for k in range(kind.shape[0]):
                _add(by_month[month[k]], amt[k], n)
            dated = by_month
        else:
            if last[0] != u or last[1] != f:
                # the pair's claims by date, and their running sums, nominal and present
                # value: a cap then needs only the date at which it binds
                _by_month(u, f, n, kind, month, card_amt, ss_amt, shared)
                shared_pv[:n] = 0.0
                t0[:n] = 0.0
                for m in range(shared.shape[0]):
                    row = shared[m]
                    d = dmonth[m, lo:hi]
                    for i in range(n):
                        t0[i] += row[i]
                        shared_pv[i] += row[i] * d[i]
                    running[m, :n] = t0[:n]
                    running_pv[m, :n] = shared_pv[:n]
                last[0] = u
                last[1] = f
            dated = shared
        out = payment[v, lo:hi]
        if cap[v] < np.inf and not mech_caps:
            # the contract's cap on claims that are never negative: paid in full until the
            # date at which the running sum passes the cap, then what is left of it
            # (the dates within the cap counted, not searched: no branch to mispredict)
            c = cap[v]
            months = running.shape[0]
            t0[:n] = 0.0
            for m in range(months):
                row = running[m]
                for i in range(n):
                    t0[i] += 1.0 if row[i] <= c else 0.0
            for i in range(n):
                k = int(t0[i])  # dates paid in full; the cap binds at date k (< months)
                at = min(k, months - 1)
                prior = max(at - 1, 0)
                some = 1.0 if at > 0 else 0.0
                partly = some * running_pv[prior, i] + (c - some * running[prior, i]) \
                    * dmonth[at, lo + i]
                out[i] = shared_pv[i] if k >= months else partly
                flag[i] = 1.0 if k < months else flag[i]
        elif cap[v] < np.inf:  # the contract's cap: dates in order, what is left of it
            c = cap[v]
            t0[:n] = 0.0  # paid so far
            t1[:n] = 0.0  # present value paid
            for m in range(dated.shape[0]):
                row = dated[m]
                d = dmonth[m, lo:hi]
                for i in range(n):
                    room = max(c - t0[i], 0.0)
                    due = row[i]
                    take = room if due > room else due
                    t0[i] += take
                    t1[i] += take * d[i]
                    flag[i] = 1.0 if due > room else flag[i]
            out[:] = t1[:n]
        elif mech_caps:
            out[:] = 0.0
            for m in range(dated.shape[0]):
                row = dated[m]
                d = dmonth[m, lo:hi]
                for i in range(n):
                    out[i] += row[i] * d[i]
        else:
            out[:] = shared_pv[:n]
        cut = 0
        for i in range(n):
            cut += flag[i] > 0.0
        cuts[v] = cut


#: Runs settled together for every variant: their outcomes stay in cache meanwhile.
RUN_BLOCK = 256


@njit(cache=_CACHE, nogil=True, parallel=True)
def settle_family(counts, savings, cost, dmonth, kind, metric, mech, month, ss, year, order,
                  group, draw_month, card_of, rates, raw_rates, claim_cap, funding_of,
                  ss_share, ss_after, ss_dg, ss_pg, ss_flat, draw_share, commitment, mech_cap,
                  cap, payment, cuts, funded):  # pragma: no cover - compiled
    """Settle every variant ``v`` on every run: the outcome payments' present value
    ``payment[v, run]`` and in how many runs of each block of :data:`RUN_BLOCK` runs a
    cap cut a claim, ``cuts[v, block]``; and each
    funding's drawdowns' present value ``funded[f, run]``. (The actors' NPVs follow:
    see :func:`summarize_family`.) Every (variant, run) is settled on its own, so the
    numbers do not depend on the threads or the blocks. Outcomes are run-last:
    ``counts`` (metric, type, run), ``savings`` (year, run), ``dmonth`` (month, run)."""
    runs = counts.shape[2]
    blocks = (runs + RUN_BLOCK - 1) // RUN_BLOCK
    claims = kind.shape[0]
    months = dmonth.shape[0]
    n_ss = max(ss_share.shape[1], 1)
    n_funding = ss_share.shape[0]
    for b in prange(blocks):
        lo = b * RUN_BLOCK
        n = min(RUN_BLOCK, runs - lo)
        card_amt = np.zeros((rates.shape[0], claims, RUN_BLOCK))
        card_capped = np.empty((rates.shape[0], RUN_BLOCK))
        drawn = np.empty((n_funding, draw_month.shape[0], RUN_BLOCK))
        ss_amt = np.zeros((n_funding, claims, RUN_BLOCK))
        ss_paid = np.empty((n_ss, RUN_BLOCK))
        amt = np.empty((claims, RUN_BLOCK))
        by_month = np.empty((months, RUN_BLOCK))
        shared = np.empty((months, RUN_BLOCK))
        shared_pv = np.empty(RUN_BLOCK)
        running = np.empty((months, RUN_BLOCK))
        running_pv = np.empty((months, RUN_BLOCK))
        last = np.full(2, -1, dtype=np.int64)
        t0 = np.empty(RUN_BLOCK)
        t1 = np.empty(RUN_BLOCK)
        t2 = np.empty(RUN_BLOCK)
        flag = np.empty(RUN_BLOCK)
        _cards(lo, n, counts, kind, metric, rates, raw_rates, claim_cap, card_amt,
               card_capped, t0)
        _fundings(lo, n, cost, savings, kind, ss, year, draw_month, ss_share, ss_after, ss_dg,
                  ss_pg, ss_flat, draw_share, commitment, drawn, ss_amt, ss_paid, t0, t1)
        for f in range(n_funding):
            out = funded[f, lo:lo + n]
            out[:] = 0.0
            for d in range(draw_month.shape[0]):
                row = drawn[f, d]
                disc = dmonth[draw_month[d], lo:lo + n]
                for i in range(n):
                    out[i] += row[i] * disc[i]
        _settle_variants(lo, n, dmonth, kind, mech, month, order, group, card_of,
                         funding_of, mech_cap, cap, card_amt, card_capped, ss_amt, payment,
                         cuts[:, b], amt, by_month, shared, shared_pv, running, running_pv, last,
                         t0, t1, t2, flag)


#: Bins of the histogram that finds the bins holding a quantile's ranks.
_BINS = 4096
#: A bin with at most this many values is sorted whole; a larger one is split again.
_SMALL = 512


@njit(cache=_CACHE, nogil=True)
def _summarize_sample(x, mid, lo_rank, hi_rank, stats, value, se):  # pragma: no cover
    """The summary of :func:`_moments` and :func:`_quantiles` of the sample ``x`` itself
    (``x + 0 = x``), with scratch memory of its own."""
    n = x.shape[0]
    work = np.empty(n)
    lo, hi = _moments(x, 1.0, np.zeros(n), 1.0, work, stats)
    _quantiles(work, lo, hi, mid, lo_rank, hi_rank, value, se, np.empty(n))


@njit(cache=_CACHE, nogil=True)
def _moments(a, ca, b, cb, x, stats):  # pragma: no cover - compiled
    """One pass over the sample ``x = ca * a + cb * b`` of equally likely runs (written
    into ``x``): its mean with error and the probability of a loss with error
    (``stats[:4]``). Returns the sample's least and greatest values.

    Four running sums side by side (added in a fixed order), so the processor works on
    them at once; the sums of squares are taken about the first value, not about zero,
    so that a small spread does not cancel against a large mean."""
    n = x.shape[0]
    c = ca * a[0] + cb * b[0]
    s0 = s1 = s2 = s3 = 0.0
    q0 = q1 = q2 = q3 = 0.0
    l0 = l1 = l2 = l3 = np.inf
    h0 = h1 = h2 = h3 = -np.inf
    below = 0
    whole = n - n % 4
    for i in range(0, whole, 4):
        e0 = ca * a[i] + cb * b[i]
        e1 = ca * a[i + 1] + cb * b[i + 1]
        e2 = ca * a[i + 2] + cb * b[i + 2]
        e3 = ca * a[i + 3] + cb * b[i + 3]
        x[i] = e0
        x[i + 1] = e1
        x[i + 2] = e2
        x[i + 3] = e3
        s0 += e0
        s1 += e1
        s2 += e2
        s3 += e3
        q0 += (e0 - c) * (e0 - c)
        q1 += (e1 - c) * (e1 - c)
        q2 += (e2 - c) * (e2 - c)
        q3 += (e3 - c) * (e3 - c)
        l0 = min(l0, e0)
        l1 = min(l1, e1)
        l2 = min(l2, e2)
        l3 = min(l3, e3)
        h0 = max(h0, e0)
        h1 = max(h1, e1)
        h2 = max(h2, e2)
        h3 = max(h3, e3)
        below += (e0 < -LOSS_TOLERANCE) + (e1 < -LOSS_TOLERANCE) \
            + (e2 < -LOSS_TOLERANCE) + (e3 < -LOSS_TOLERANCE)
    for i in range(whole, n):
        e = ca * a[i] + cb * b[i]
        x[i] = e
        s0 += e
        q0 += (e - c) * (e - c)
        l0 = min(l0, e)
        h0 = max(h0, e)
        below += e < -LOSS_TOLERANCE
    mean = ((s0 + s1) + (s2 + s3)) / n
    p = below / n
    stats[0] = mean
    stats[1] = _error((q0 + q1) + (q2 + q3), mean - c, n)
    stats[2] = p
    stats[3] = math.sqrt(p * (1.0 - p) / n)
    lo = min(min(l0, l1), min(l2, l3))
    hi = max(max(h0, h1), max(h2, h3))
    if lo == hi and n > 1:  # one value: no spread, no sampling error
        stats[1] = 0.0
    return lo, hi


@njit(cache=_CACHE, nogil=True)
def _mean(a, out):  # pragma: no cover - compiled
    """The mean of ``a`` and its standard error, into ``out[:2]``, by :func:`_moments`'
    rules."""
    n = a.shape[0]
    c = a[0]
    s0 = s1 = s2 = s3 = 0.0
    q0 = q1 = q2 = q3 = 0.0
    whole = n - n % 4
    for i in range(0, whole, 4):
        s0 += a[i]
        s1 += a[i + 1]
        s2 += a[i + 2]
        s3 += a[i + 3]
        q0 += (a[i] - c) * (a[i] - c)
        q1 += (a[i + 1] - c) * (a[i + 1] - c)
        q2 += (a[i + 2] - c) * (a[i + 2] - c)
        q3 += (a[i + 3] - c) * (a[i + 3] - c)
    for i in range(whole, n):
        s0 += a[i]
        q0 += (a[i] - c) * (a[i] - c)
    out[0] = ((s0 + s1) + (s2 + s3)) / n
    out[1] = _error((q0 + q1) + (q2 + q3), out[0] - c, n)


@njit(cache=_CACHE, nogil=True)
def _error(squares, offset, n):  # pragma: no cover - compiled
    """The standard error of a mean of ``n`` values whose squares about a point sum to
    ``squares``, the mean lying ``offset`` from that point."""
    if n < 2:
        return np.inf
    return math.sqrt(max(squares - n * offset * offset, 0.0) / (n - 1)) / math.sqrt(n)


@njit(cache=_CACHE, nogil=True)
def _bin(v, lo, scale, top=_BINS - 1):  # pragma: no cover - compiled
    """The bin of ``v``: bins of width ``1 / scale`` from ``lo``, the last one ``top``."""
    return min(np.int32((v - lo) * scale), top)


@njit(cache=_CACHE, nogil=True)
def _quantiles(x, lo, hi, mid, lo_rank, hi_rank, value, se, buf):  # pragma: no cover
    """The quantiles of ``risk._quantile`` of the sample ``x`` (least value ``lo``,
    greatest ``hi``) with their errors (``value``, ``se``), read off the order
    statistics of ranks ``lo_rank[q] .. hi_rank[q]``.

    A histogram of the values finds the bins that hold those ranks; only their values
    are copied (into ``buf``, bin after bin) and only they are put in order
    (:func:`_order`). ``x`` is scratch memory afterwards."""
    n = x.shape[0]
    nq = mid.shape[0]
    if nq == 0:
        return
    if lo == hi:
        for q in range(nq):
            value[q] = lo
            se[q] = 0.0
        return
    scale = _BINS / (hi - lo)
    if not (np.isfinite(hi - lo) and np.isfinite(scale)):
        # a spread too wide or too narrow to divide into bins: sort them all
        _read_quantiles(np.sort(x), 0, mid, lo_rank, hi_rank, value, se)
        return
    tally = np.zeros(_BINS, dtype=np.int32)  # (small: stays in the fastest cache)
    for i in range(n):
        tally[_bin(x[i], lo, scale)] += 1
    count = np.zeros(_BINS + 1, dtype=np.int64)  # count[b]: values in the bins before bin b
    for b in range(_BINS):
        count[b + 1] = count[b] + tally[b]
    wanted = np.zeros(_BINS, dtype=np.bool_)
    first = np.empty(nq, dtype=np.int64)
    for q in range(nq):
        b = 0
        while count[b + 1] <= lo_rank[q]:
            b += 1
        first[q] = b
        while True:
            wanted[b] = True
            if count[b + 1] > hi_rank[q]:
                break
            b += 1
    start = np.zeros(_BINS + 1, dtype=np.int64)  # where each wanted bin starts in buf
    for b in range(_BINS):
        start[b + 1] = start[b] + (count[b + 1] - count[b] if wanted[b] else 0)
    at = start[:_BINS].copy()
    for i in range(n):
        b = _bin(x[i], lo, scale)
        if wanted[b]:
            buf[at[b]] = x[i]
            at[b] += 1
    # rank r of bin b sits in buf[start[b]: start[b + 1]], as r + start[b] - count[b]
    shift = np.empty(nq, dtype=np.int64)
    win_lo = np.empty(nq, dtype=np.int64)
    win_hi = np.empty(nq, dtype=np.int64)
    for q in range(nq):
        shift[q] = start[first[q]] - count[first[q]]
        win_lo[q] = lo_rank[q] + shift[q]
        win_hi[q] = hi_rank[q] + shift[q]
    for b in range(_BINS):
        if wanted[b] and count[b + 1] - count[b] > 1:
            _order(buf, start[b], start[b + 1], win_lo, win_hi, x)
    for q in range(nq):
        _read_quantile(buf, shift[q], mid[q], lo_rank[q], hi_rank[q], value, se, q)


@njit(cache=_CACHE, nogil=True)
def _meets(s, e, win_lo, win_hi):  # pragma: no cover - compiled
    """Whether positions ``s .. e - 1`` meet one of the windows."""
    for q in range(win_lo.shape[0]):
        if win_lo[q] < e and win_hi[q] >= s:
            return True
    return False


@njit(cache=_CACHE, nogil=True)
def _order(buf, s, e, win_lo, win_hi, scratch):  # pragma: no cover - compiled
    """Put the values ``buf[s:e]`` (all the values between two ranks of the sample) in
    order where they meet the windows ``win_lo[q] .. win_hi[q]`` (positions in ``buf``).

    A large segment that is not one value repeated is divided into bins again (a
    counting sort by bin through ``scratch``), and the bins that meet a window are put
    in order by :func:`_order_few`."""
    m = e - s
    if m <= _SMALL or not _meets(s, e, win_lo, win_hi):
        _order_few(buf, s, e, win_lo, win_hi)
        return
    seg = buf[s:e]
    lo = seg.min()
    hi = seg.max()
    bins = min(_BINS, m // 8)  # about eight values a bin
    scale = bins / (hi - lo) if hi > lo else 0.0
    if not (np.isfinite(hi - lo) and np.isfinite(scale) and scale > 0.0):
        _order_few(buf, s, e, win_lo, win_hi)
        return
    count = np.zeros(bins + 1, dtype=np.int64)
    for i in range(m):
        count[_bin(seg[i], lo, scale, bins - 1) + 1] += 1
    for b in range(bins):
        count[b + 1] += count[b]
    at = count[:bins].copy()
    for i in range(m):
        b = _bin(seg[i], lo, scale, bins - 1)
        scratch[at[b]] = seg[i]
        at[b] += 1
    seg[:] = scratch[:m]
    for b in range(bins):
        if count[b + 1] - count[b] > 1:
            _order_few(buf, s + count[b], s + count[b + 1], win_lo, win_hi)


@njit(cache=_CACHE, nogil=True)
def _order_few(buf, s, e, win_lo, win_hi):  # pragma: no cover - compiled
    """:func:`_order` without dividing into bins: a segment of one value repeated (an
    atom) is in order already, a small one is sorted, and in a large one the window
    ends are selected (``np.partition``) and only the windows sorted."""
    m = e - s
    if m <= 1 or not _meets(s, e, win_lo, win_hi):
        return
    seg = buf[s:e]
    if m <= _SMALL:
        seg[:] = np.sort(seg)
        return
    if seg.min() == seg.max():
        return
    ends = np.empty(2 * win_lo.shape[0], dtype=np.int64)
    k = 0
    for q in range(win_lo.shape[0]):
        if s <= win_lo[q] < e:
            ends[k] = win_lo[q] - s
            k += 1
        if s <= win_hi[q] < e:
            ends[k] = win_hi[q] - s
            k += 1
    if k == 0:  # the segment lies inside a window
        seg[:] = np.sort(seg)
        return
    seg[:] = np.partition(seg, np.unique(ends[:k]))
    for q in range(win_lo.shape[0]):
        a = max(win_lo[q], s) - s
        b = min(win_hi[q], e - 1) - s
        if a <= b:
            seg[a:b + 1] = np.sort(seg[a:b + 1])


@njit(cache=_CACHE, nogil=True)
def _read_quantiles(xs, shift, mid, lo_rank, hi_rank, value, se):  # pragma: no cover
    for q in range(mid.shape[0]):
        _read_quantile(xs, shift, mid[q], lo_rank[q], hi_rank[q], value, se, q)


@njit(cache=_CACHE, nogil=True)
def _read_quantile(xs, shift, mid, lo, hi, value, se, q):  # pragma: no cover - compiled
    """``risk._quantile`` from sorted values, rank ``r`` at ``xs[r + shift]``."""
    value[q] = xs[mid + shift]
    a = xs[lo + shift]
    b = xs[hi + shift]
    if a == b or abs(b - a) <= ATOM_TOLERANCE * max(1.0, abs(a)):
        se[q] = 0.0
        return
    distinct = 1  # atoms: neighbours within ATOM_TOLERANCE count as one (risk._atoms)
    for r in range(lo + 1, hi + 1):
        before = xs[r - 1 + shift]
        if xs[r + shift] - before > ATOM_TOLERANCE * max(1.0, abs(before)):
            distinct += 1
            if distinct > 3:
                break
    se[q] = (b - a) / 2.0 if distinct <= 3 else (b - a) / (2.0 * Z95)


@njit(cache=_CACHE, nogil=True, parallel=True)
def summarize_family(payment, cuts, savings_pv, funded, funding_of, pays, saves, mid,
                     lo_rank, hi_rank, actor_out, quant_out, contract_out,
                     workers):  # pragma: no cover - compiled
    """Per variant ``v`` and actor: NPV mean and error, loss probability and error
    (``actor_out[v, a, :4]``) and NPV quantiles with errors (``quant_out[v, a, 0|1, q]``);
    per variant: payment mean and error, probability a cap cuts a claim and error
    (``contract_out[v, :4]``).

    The actors' NPVs per run follow from the payments ``P``: payer ``p`` keeps its share
    of the savings and pays its share of the payments, ``saves[v, p] * S - pays[v, p] *
    P``; the provider passes the funding on (0); the investor receives the payments and
    funds the drawdowns, ``P - F``. Each of ``workers`` workers writes them into its own
    buffer, one actor at a time, and summarises it."""
    variants, runs = payment.shape
    n_payers = pays.shape[1]
    for w in prange(workers):
        x = np.empty(runs)
        buf = np.empty(runs)
        for v in range(w, variants, workers):  # a variant's samples one after another,
            pv = payment[v]  # while its payments are in the cache
            p = cuts[v].sum() / runs
            contract_out[v, 2] = p
            contract_out[v, 3] = math.sqrt(p * (1.0 - p) / runs)
            for a in range(n_payers):
                lo, hi = _moments(savings_pv, saves[v, a], pv, -pays[v, a], x,
                                  actor_out[v, a])
                _quantiles(x, lo, hi, mid, lo_rank, hi_rank, quant_out[v, a, 0],
                           quant_out[v, a, 1], buf)
            # the provider: 0 in every run, no error
            actor_out[v, n_payers, :] = 0.0
            actor_out[v, n_payers, 1] = 0.0 if runs > 1 else np.inf
            quant_out[v, n_payers] = 0.0
            _mean(pv, contract_out[v, :2])
            inv = n_payers + 1
            lo, hi = _moments(pv, 1.0, funded[funding_of[v]], -1.0, x, actor_out[v, inv])
            _quantiles(x, lo, hi, mid, lo_rank, hi_rank, quant_out[v, inv, 0],
                       quant_out[v, inv, 1], buf)


def quantile_ranks(runs: int, quantiles: tuple[float, ...]) -> tuple[np.ndarray, ...]:
    """The ranks ``risk._quantile`` reads for each quantile of ``runs`` equally likely runs:
    the estimate's and the ends of its 95 % interval."""
    mid, lo, hi = [], [], []
    for q in quantiles:
        mid.append(min(max(math.ceil(round(runs * q, 9)) - 1, 0), runs - 1))
        half = Z95 * math.sqrt(runs * q * (1.0 - q))
        lo.append(int(min(max(math.floor(runs * q - half), 0), runs - 1)))
        hi.append(int(min(max(math.ceil(runs * q + half), 0), runs - 1)))
    return tuple(np.array(a, dtype=np.int64) for a in (mid, lo, hi))


@dataclass(frozen=True)
class Outcomes:
    """Every run's outcomes as the kernel reads them (run-last): ``counts`` (metric, type,
    run), ``savings`` (year, run) nominal, ``savings_pv`` (run,), ``cost`` (run,), and
    ``discount`` (run, year) at year ends."""

    counts: np.ndarray
    savings: np.ndarray
    savings_pv: np.ndarray
    cost: np.ndarray
    discount: np.ndarray
    #: the metrics the counts were drawn for: (name, of, retention) in order
    metrics: tuple = ()

    @property
    def savings_years(self) -> int:
        return self.savings.shape[0]

    def fit(self, family: Family) -> bool:
        """Whether the family can be settled on these outcomes: its metrics were drawn
        (the same chain and retentions) and its dates are within the discount factors."""
        return (family.drawn == self.metrics
                and float(family.months.max(initial=0.0)) / 12.0 <= self.discount.shape[1] - 1)


def drawn_metrics(bound: Any) -> tuple:
    """What the outcomes of a bound contract's metrics are drawn with."""
    return tuple((m, bound.parent[m], bound.retention[m]) for m in bound.metric_order)


def outcomes_of(keeper: Any) -> Outcomes:
    """The outcomes an :class:`sibrisk.simulate.OutcomeKeeper` kept, laid out for the
    kernel."""
    return Outcomes(np.ascontiguousarray(keeper.counts.transpose(1, 2, 0)),
                    np.ascontiguousarray(keeper.savings.T), keeper.savings_pv, keeper.cost,
                    keeper.discount, drawn_metrics(keeper.plan.bound[0]))


class Workspace:
    """Buffers that blocks of variants settled one after another reuse (fresh memory for
    every block would cost a page fault per page), and the discount factors at the
    family's dates. A sweep keeps one while it settles its blocks in turn; a dask task
    makes its own."""

    def __init__(self) -> None:
        self._arrays: dict[tuple, np.ndarray] = {}
        self._discount: tuple | None = None  # (outcomes, months, factors)

    def array(self, name: str, shape: tuple[int, ...], dtype: Any = float) -> np.ndarray:
        have = self._arrays.get((name, shape))
        if have is None:
            self._arrays = {k: a for k, a in self._arrays.items() if k[0] != name}
            have = self._arrays[(name, shape)] = np.empty(shape, dtype=dtype)
        return have

    def discount(self, outcomes: Outcomes, months: np.ndarray) -> np.ndarray:
        """Discount factors at ``months`` (month, run), worked out once per outcomes."""
        have = self._discount
        if have is None or have[0] is not outcomes or not np.array_equal(have[1], months):
            have = self._discount = (outcomes, months.copy(), np.ascontiguousarray(
                discount_at(outcomes.discount, months).T))
        return have[2]


@dataclass
class BlockSummary:
    """The risk summaries of a block of points, as arrays with the point first.

    ``contract`` maps a field to its values per point (points,), ``actor`` per point and
    actor (points, actors) and ``quantile`` per point, actor and quantile (points, actors,
    quantiles); NaN where a point's contract has no such actor or measure, or it is not
    finite. ``present`` (points, actors) marks the actors of each point's contract, and
    ``runs`` holds run-level values (``keep_runs``): ``"actor_npv"`` (points, actors,
    runs; 0 where absent) and ``"contract_payment"`` (points, runs)."""

    actors: tuple[str, ...]
    present: np.ndarray
    contract: dict[str, np.ndarray]
    actor: dict[str, np.ndarray]
    quantile: dict[str, np.ndarray]
    runs: dict[str, np.ndarray] | None = None


#: The fields of a contract's summary per point (``risk.summarize_contracts``), in order.
CONTRACT_FIELDS = ("payment_mean", "payment_mean_se", "cap_bound_probability",
                   "cap_bound_probability_se", "reinvestment_mean", "reinvestment_mean_se")


def _finite(x: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(x), x, np.nan)


def settle_and_summarize(family: Family, outcomes: Outcomes, quantiles: tuple[float, ...],
                         workspace: Workspace | None = None, keep_runs: bool = False
                         ) -> BlockSummary:
    """Each variant's risk summary (the fields of ``risk.summarize_contracts`` for the
    NPV: payment, caps, and each actor's NPV mean, loss probability and quantiles, all
    with standard errors) on the outcomes of :func:`outcomes_of`, with ``keep_runs``
    its run-level values too."""
    runs = outcomes.cost.shape[0]
    f = family
    v = f.variants
    work = workspace if workspace is not None else Workspace()
    dmonth = work.discount(outcomes, f.months)
    payment = work.array("payment", (v, runs))
    cuts = work.array("cuts", (v, (runs + RUN_BLOCK - 1) // RUN_BLOCK), np.int64)
    funded = work.array("funded", (f.ss_share.shape[0], runs))
    actor_out = np.empty((v, len(f.actors), 4))
    quant_out = np.empty((v, len(f.actors), 2, len(quantiles)))
    contract_out = np.empty((v, 6))
    with _KERNEL_LOCK:
        _settle_and_summarize(f, outcomes, dmonth, payment, cuts, funded, quantiles,
                              actor_out, quant_out, contract_out)
    contract_out[:, 4] = 0.0  # no reinvestment in the family
    contract_out[:, 5] = 0.0 if runs > 1 else np.nan
    summary = BlockSummary(
        actors=f.actors, present=np.ones((v, len(f.actors)), dtype=bool),
        contract={name: _finite(contract_out[:, k]) for k, name in enumerate(CONTRACT_FIELDS)},
        actor={name: _finite(actor_out[:, :, k]) for k, name in enumerate(
            ("npv_mean", "npv_mean_se", "loss_probability", "loss_probability_se"))},
        quantile={"npv_quantiles": _finite(quant_out[:, :, 0]),
                  "npv_quantiles_se": _finite(quant_out[:, :, 1])})
    if keep_runs:
        npv = np.zeros((v, len(f.actors), runs))
        n_payers = f.pays.shape[1]
        for a in range(n_payers):
            npv[:, a] = f.saves[:, a, None] * outcomes.savings_pv + (-f.pays[:, a, None]) * payment
        npv[:, n_payers + 1] = payment - funded[f.funding_of]
        summary.runs = {"actor_npv": npv, "contract_payment": payment.copy()}
    return summary


def _settle_and_summarize(f: Family, outcomes: Outcomes, dmonth, payment, cuts, funded,
                          quantiles, actor_out, quant_out, contract_out) -> None:
    """The two kernels of :func:`settle_and_summarize`."""
    settle_family(outcomes.counts, outcomes.savings, outcomes.cost, dmonth, f.kind, f.metric,
                  f.mech, f.month, f.ss, f.year, f.order, f.group, f.draw_month, f.card_of,
                  f.rates, f.raw_rates, f.claim_cap, f.funding_of, f.ss_share, f.ss_after,
                  f.ss_draw_growth, f.ss_paid_growth, f.ss_flat, f.draw_share, f.commitment,
                  f.mech_cap, f.cap, payment, cuts, funded)
    mid, lo, hi = quantile_ranks(payment.shape[1], quantiles)
    summarize_family(payment, cuts, outcomes.savings_pv, funded, f.funding_of, f.pays,
                     f.saves, mid, lo, hi, actor_out, quant_out, contract_out,
                     2 * numba.get_num_threads())
