"""Contracts as the settlement engine's arrays: a *program* of claims, caps and flows.

:func:`compile_program` lays out one or more variants of a bound contract
(:class:`~sibrisk.ledger.settlement.Bound`) that share a *structure* (their claims,
the dates of every claim and flow, their mechanisms, payers, tranches and capital
model) and differ only in numbers (rates, caps, shares, thresholds, coupons, fees):
the structure once, the numbers with a leading variant axis. The engine
(:mod:`sibrisk.ledger.engine`) settles every variant on blocks of runs from it.

The flows are listed in the order a ledger writes them (drawdowns, outcome payments,
the waterfall, loan repayments, the guarantee, the evaluation fee), each with an
operation that says how the engine computes its amount, and sorted by date.

Variants share work where their numbers agree: every distinct rate table (a *card*)
is priced once per run, and every distinct *funding* (drawdowns, commitment and
savings-share terms) once per run, however many variants use it (a sweep's axes
change one term at a time).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from ..contract.terms import EffectPayment, RateCard, SavingsShare

__all__ = ["Program", "Arrays", "compile_program", "structure_key", "OUTSIDE",
           "CARD", "EFFECT", "SAVINGS"]

#: Counterparty of money that enters or leaves the deal.
OUTSIDE = "outside"

#: Claim kinds: a rate per unit of a metric, a payment on a measured effect, a year of a
#: share of realised savings.
CARD, EFFECT, SAVINGS = 0, 1, 2

#: Flow operations: how the engine computes a flow's amount (see ``engine._flows``).
(OP_FUND, OP_PROGRAMME, OP_PAYER_PAYS, OP_RECEIVES, OP_REPAY, OP_TRANCHE_SHARE,
 OP_GUARANTEE, OP_FEE, OP_FEE_COST) = range(9)

#: Capital models.
INVESTORS, LOAN, GRANT = 0, 1, 2
_MODELS = {"investors": INVESTORS, "loan": LOAN, "grant": GRANT}

#: Waterfall events: a drawdown, a payment date, the guarantee.
EV_DRAW, EV_PAY, EV_GUARANTEE = 0, 1, 2

#: Guarantee kinds: a fixed amount, a share of the loss, a schedule of (loss, cover).
G_AMOUNT, G_SHARE, G_SCHEDULE = 0, 1, 2


class Arrays(NamedTuple):
    """The program's arrays as the compiled engine takes them (one argument)."""

    # structure: claims
    kind: np.ndarray  # (K,) CARD | EFFECT | SAVINGS
    mech: np.ndarray  # (K,) mechanism index
    metric: np.ndarray  # (K,) metric index (CARD), measured-metric index (EFFECT), -1
    date: np.ndarray  # (K,) index into the payment dates
    ss: np.ndarray  # (K,) savings share index (SAVINGS), -1
    year: np.ndarray  # (K,) year of the savings (SAVINGS), -1
    has_raw: np.ndarray  # (K,) bool: a cap per participant can cut it (raw rates differ)
    has_cap: np.ndarray  # (K,) bool: a metric cap applies
    dropped: np.ndarray  # (K,) bool: falls after the termination
    cut_slot: np.ndarray  # (K,) where a metric cap's cut is counted, -1
    effect_pooled: np.ndarray  # (K,) bool (EFFECT): pooled, not per cohort
    effect_per: np.ndarray  # (K,) 0 participant, 1 cohort, 2 additional (EFFECT)
    effect_linear: np.ndarray  # (K,) bool (EFFECT): interpolated, not steps
    # structure: mechanisms, dates, cuts
    mech_trigger: np.ndarray  # (Mc,) measured-metric index of the trigger, -1
    mech_cut_slot: np.ndarray  # (Mc,) where the mechanism cap's cut is counted, -1
    n_dates: int
    participant_slot: int  # -1 when no claim has a cap per participant
    contract_slot: int
    n_slots: int
    # cards, fundings, effects, triggers, caps: numbers, by distinct card / funding / variant
    card_of: np.ndarray  # (V,)
    rates: np.ndarray  # (U, K, T)
    raw_rates: np.ndarray  # (U, K, T)
    claim_cap: np.ndarray  # (U, K) inf: none
    funding_of: np.ndarray  # (V,)
    draw_share: np.ndarray  # (F, D)
    commitment: np.ndarray  # (F,) NaN: the programme's cost
    ss_share: np.ndarray  # (F, S)
    ss_after: np.ndarray  # (F, S)
    ss_draw_growth: np.ndarray  # (F, K, D): growth of drawdown d to claim k's date
    ss_paid_growth: np.ndarray  # (F, K, K): growth of claim j to claim k's date
    points_x: np.ndarray  # (V, K, P) effect points
    points_y: np.ndarray  # (V, K, P)
    n_points: np.ndarray  # (V, K)
    any_at_least: np.ndarray  # (V, Mc) NaN: none
    pooled_at_least: np.ndarray  # (V, Mc) NaN: none
    mech_cap: np.ndarray  # (V, Mc) inf: none
    cap: np.ndarray  # (V,) inf: none
    # capital
    model: int
    pays: np.ndarray  # (V, Pay)
    tranche_share: np.ndarray  # (V, R)
    loan_growth: np.ndarray  # (V, R, D): a drawdown's growth to the repayment
    events: np.ndarray  # (E, 2): (EV_*, drawdown or payment date index), in date order
    event_growth: np.ndarray  # (V, E, R): each tranche's growth since the event before
    covers: int  # tranche the guarantee covers, -1
    g_kind: int
    g_amount: np.ndarray  # (V,) amount or share
    g_x: np.ndarray  # (V, G) schedule
    g_y: np.ndarray  # (V, G)
    fee: np.ndarray  # (V,)
    # flows
    op: np.ndarray  # (Fl,) OP_*
    op_a: np.ndarray  # (Fl,) first argument (payer, tranche, drawdown, ...)
    op_b: np.ndarray  # (Fl,) second argument (payment date, drawdown, event, ...)
    op_sign: np.ndarray  # (Fl,) +1 or -1


@dataclass(frozen=True)
class Program:
    """A bound contract's variants as one program (see the module's docstring).

    ``bounds`` are the variants; the labels of the flows (``actor``, ``source``,
    ``counterparty``, ``month``), of the claims (``claims``: mechanism name, metric or
    ``None``, month) and of the cuts (``cut_where``) are shared by all of them.
    """

    bounds: tuple
    arrays: Arrays
    dates: np.ndarray  # the payment dates (months), increasing
    draw_months: np.ndarray
    actor: tuple[str, ...]
    source: tuple[str, ...]
    counterparty: tuple[str, ...]
    month: np.ndarray  # (Fl,) the flows' dates, increasing
    claims: tuple[tuple[str, str | None, float], ...]
    cut_where: tuple[str, ...]
    measured: tuple[str, ...]
    metrics: tuple[str, ...]

    @property
    def variants(self) -> int:
        return len(self.bounds)


def _mechanism_claims(bound: Any, savings_years: int) -> list[tuple]:
    """The claims of a bound contract in order: (kind, mechanism, metric, month, savings
    share, year)."""
    out = []
    ss = 0
    for i, claims in enumerate(bound.mechanisms):
        mech = claims.mechanism
        if isinstance(mech, SavingsShare):
            for t in range(min(mech.years, savings_years - 1) + 1):
                out.append((SAVINGS, i, None, bound.timing(12.0 * t), ss, t))
            ss += 1
        elif isinstance(mech, EffectPayment):
            out.append((EFFECT, i, mech.metric, bound.pay_month[mech.metric], -1, -1))
        else:  # RateCard, SurplusShare
            for m in claims.metrics:
                out.append((CARD, i, m, bound.pay_month[m], -1, -1))
    return out


def _draws(bound: Any) -> list[tuple[float, float]]:
    """The drawdowns made: (month, share of the commitment), none after the termination."""
    end = bound.contract.termination_month
    return [(m, s) for m, s in bound.contract.capital.drawdown if end is None or m <= end]


def structure_key(bound: Any, savings_years: int) -> tuple:
    """What variants must share to be one program."""
    c = bound.contract
    cap = c.capital
    g = cap.guarantee
    return (
        tuple((k, i, m, t, s, y) for k, i, m, t, s, y in _mechanism_claims(bound, savings_years)),
        bound.metric_order, tuple(bound.parent.items()), bound.types, bound.measured,
        tuple(type(ms.mechanism).__name__ for ms in bound.mechanisms),
        tuple(ms.mechanism.name for ms in bound.mechanisms),
        tuple((ms.mechanism.trigger.metric if ms.mechanism.trigger else None,
               (ms.mechanism.trigger.any_cohort_at_least is None) if ms.mechanism.trigger
               else None,
               (ms.mechanism.trigger.pooled_at_least is None) if ms.mechanism.trigger
               else None, ms.mechanism.cap is None)
              for ms in bound.mechanisms),
        tuple((m.measure, m.per, m.interpolation, m.metric, len(m.points))
              if isinstance(m, EffectPayment) else None for m in c.payments),
        tuple((m.interest,) if isinstance(m, SavingsShare) else None for m in c.payments),
        tuple(tuple(sorted(m.metric_caps)) if isinstance(m, RateCard) else None
              for m in c.payments),
        tuple(m.cap_per_participant is None if isinstance(m, RateCard) else None
              for m in c.payments),
        c.termination_month, c.cap is None, tuple(p.name for p in c.payers),
        cap.model, tuple(m for m, _ in _draws(bound)),
        cap.commitment is None, tuple(t.name for t in cap.tranches), cap.repay_month,
        None if g is None else (g.name, g.covers, g.amount is not None, g.share is not None,
                                None if g.schedule is None else len(g.schedule), g.month),
        None if c.evaluation is None else (c.evaluation.month, c.evaluation.paid_by),
        bound.actors,
    )


def compile_program(bounds: Sequence[Any], savings_years: int) -> Program:
    """One program of variants that share a structure (:func:`structure_key`).

    ``savings_years`` is the number of years of savings the outcomes hold (the horizon
    plus one): a savings share claims no year past it.
    """
    bounds = tuple(bounds)
    first = bounds[0]
    key = structure_key(first, savings_years)
    for b in bounds[1:]:
        if structure_key(b, savings_years) != key:
            raise ValueError("the variants of a program must share one structure")
    c = first.contract
    claims = _mechanism_claims(first, savings_years)
    k_count = len(claims)
    types = len(first.types)
    measured = first.measured
    metrics = first.metric_order
    dates = np.unique(np.array([cl[3] for cl in claims], dtype=float))
    date_index = {float(m): i for i, m in enumerate(dates)}
    end = c.termination_month
    draws = _draws(first)
    draw_months = np.array([m for m, _ in draws], dtype=float)
    mechanisms = first.mechanisms
    v_count = len(bounds)

    # -- where cuts are counted, in the order a settlement first meets them ------------------
    cut_where: list[str] = []

    def slot(where: str) -> int:
        if where not in cut_where:
            cut_where.append(where)
        return cut_where.index(where)

    cut_slot = np.full(k_count, -1, dtype=np.int64)
    has_raw = np.zeros(k_count, dtype=np.bool_)
    has_cap = np.zeros(k_count, dtype=np.bool_)
    dropped = np.zeros(k_count, dtype=np.bool_)
    participant_slot = -1
    for k, (kind, i, m, month, _, _) in enumerate(claims):
        mech = mechanisms[i].mechanism
        capped = (kind == CARD and isinstance(mech, RateCard)
                  and mech.cap_per_participant is not None)
        has_raw[k] = capped  # claimed at the uncapped rates (what a termination drops)
        if end is not None and month > end:
            dropped[k] = True
            continue
        if capped:
            participant_slot = slot("participant")
        if kind == CARD and isinstance(mech, RateCard) and mech.metric_caps.get(m) is not None:
            has_cap[k] = True
            cut_slot[k] = slot(f"metric {m}")
    mech_cut_slot = np.array([slot(f"mechanism {ms.mechanism.name}")
                              if ms.mechanism.cap is not None else -1 for ms in mechanisms],
                             dtype=np.int64)
    contract_slot = slot("contract") if c.cap is not None else -1

    # -- cards: the rates of every rate claim, by distinct rate table ------------------------
    rates = np.zeros((v_count, k_count, types))
    raw = np.zeros((v_count, k_count, types))
    claim_cap = np.full((v_count, k_count), np.inf)
    for v, b in enumerate(bounds):
        for k, (kind, i, m, _, _, _) in enumerate(claims):
            if kind != CARD:
                continue
            ms = b.mechanisms[i]
            row = ms.metrics.index(m)
            rates[v, k] = ms.rates[row]
            raw[v, k] = ms.raw_rates[row]
            if isinstance(ms.mechanism, RateCard) and ms.mechanism.metric_caps.get(m) is not None:
                claim_cap[v, k] = ms.mechanism.metric_caps[m]
    card_of, cards = _distinct(rates, raw, claim_cap)

    # -- fundings: drawdowns, commitment and savings shares, by distinct terms ---------------
    n_ss = 1 + max((cl[4] for cl in claims), default=-1)
    draw_share = np.zeros((v_count, len(draws)))
    commitment = np.full(v_count, np.nan)
    ss_share = np.zeros((v_count, n_ss))
    ss_after = np.zeros((v_count, n_ss))
    ss_draw_growth = np.zeros((v_count, k_count, len(draws)))
    ss_paid_growth = np.zeros((v_count, k_count, k_count))
    for v, b in enumerate(bounds):
        capital = b.contract.capital
        draw_share[v] = [s for _, s in _draws(b)]
        if capital.commitment is not None:
            commitment[v] = capital.commitment
        ss_mechs = [ms.mechanism for ms in b.mechanisms
                    if isinstance(ms.mechanism, SavingsShare)]
        for s, mech in enumerate(ss_mechs):
            ss_share[v, s], ss_after[v, s] = mech.share, mech.share_after
        for k, (kind, i, _, month, s, _) in enumerate(claims):
            if kind != SAVINGS:
                continue
            growth = 1.0 + ss_mechs[s].interest
            for d, (dm, _) in enumerate(draws):
                if dm <= month:
                    ss_draw_growth[v, k, d] = growth ** ((month - dm) / 12.0)
            for j, (kj, _, _, mj, sj, _) in enumerate(claims[:k]):
                if kj == SAVINGS and sj == s:
                    ss_paid_growth[v, k, j] = growth ** ((month - mj) / 12.0)
    funding_of, fundings = _distinct(draw_share, commitment, ss_share, ss_after,
                                     ss_draw_growth, ss_paid_growth)

    # -- effect payments and triggers --------------------------------------------------------
    n_points = max([len(m.points) for m in c.payments if isinstance(m, EffectPayment)],
                   default=0)
    points_x = np.zeros((v_count, k_count, max(n_points, 1)))
    points_y = np.zeros((v_count, k_count, max(n_points, 1)))
    count = np.zeros((v_count, k_count), dtype=np.int64)
    effect_pooled = np.zeros(k_count, dtype=np.bool_)
    effect_per = np.zeros(k_count, dtype=np.int64)
    effect_linear = np.zeros(k_count, dtype=np.bool_)
    metric = np.full(k_count, -1, dtype=np.int64)
    for k, (kind, i, m, _, _, _) in enumerate(claims):
        if kind == CARD:
            metric[k] = metrics.index(m)
        elif kind == EFFECT:
            mech = mechanisms[i].mechanism
            metric[k] = measured.index(m)
            effect_pooled[k] = mech.measure == "pooled"
            effect_per[k] = ("participant", "cohort", "additional").index(mech.per)
            effect_linear[k] = mech.interpolation == "linear"
            for v, b in enumerate(bounds):
                pts = b.mechanisms[i].mechanism.points
                count[v, k] = len(pts)
                points_x[v, k, : len(pts)] = [x for x, _ in pts]
                points_y[v, k, : len(pts)] = [y for _, y in pts]
    mech_trigger = np.array([measured.index(ms.mechanism.trigger.metric)
                             if ms.mechanism.trigger is not None else -1
                             for ms in mechanisms], dtype=np.int64)
    any_at_least = np.full((v_count, len(mechanisms)), np.nan)
    pooled_at_least = np.full((v_count, len(mechanisms)), np.nan)
    mech_cap = np.full((v_count, len(mechanisms)), np.inf)
    cap = np.full(v_count, np.inf)
    for v, b in enumerate(bounds):
        for i, ms in enumerate(b.mechanisms):
            t = ms.mechanism.trigger
            if t is not None and t.any_cohort_at_least is not None:
                any_at_least[v, i] = t.any_cohort_at_least
            if t is not None and t.pooled_at_least is not None:
                pooled_at_least[v, i] = t.pooled_at_least
            if ms.mechanism.cap is not None:
                mech_cap[v, i] = ms.mechanism.cap
        if b.contract.cap is not None:
            cap[v] = b.contract.cap

    # -- capital and the flows -----------------------------------------------------------------
    capital = c.capital
    model = _MODELS[capital.model]
    tranches = capital.tranches
    payers = c.payers
    pays = np.array([[p.pays for p in b.contract.payers] for b in bounds], dtype=float)
    tranche_share = np.array([[t.share for t in b.contract.capital.tranches] for b in bounds],
                             dtype=float)
    rows: list[tuple[str, str, str, float, int, int, int, int]] = []  # ..., op, a, b, sign

    def transfer(payer: str, payee: str, source: str, month: float, op: int, a: int,
                 b_: int) -> None:
        rows.append((payer, source, payee, month, op, a, b_, -1))
        rows.append((payee, source, payer, month, op, a, b_, 1))

    for d, (m, _) in enumerate(draws):
        for j, tr in enumerate(tranches):
            transfer(tr.name, "provider", "funding", m, OP_FUND, j, d)
        rows.append(("provider", "programme_cost", OUTSIDE, m, OP_PROGRAMME, d, 0, -1))
    loan_growth = np.zeros((v_count, len(tranches), len(draws)))
    events = np.zeros((0, 2), dtype=np.int64)
    event_growth = np.zeros((v_count, 0, len(tranches)))
    covers = -1
    g_kind = G_AMOUNT
    g = capital.guarantee
    g_amount = np.zeros(v_count)
    g_points = len(g.schedule) if g is not None and g.schedule is not None else 1
    g_x = np.zeros((v_count, g_points))
    g_y = np.zeros((v_count, g_points))
    if model != GRANT:
        payee = "provider" if model == LOAN else "investors"
        for k, m in enumerate(dates):
            for p_index, p in enumerate(payers):
                rows.append((p.name, "outcome_payment", payee, float(m), OP_PAYER_PAYS,
                             p_index, k, -1))
        if model == INVESTORS and len(tranches) == 1 and g is None:
            for k, m in enumerate(dates):
                rows.append((tranches[0].name, "outcome_payment", "payers", float(m),
                             OP_RECEIVES, 0, k, 1))
        elif model == LOAN:
            for k, m in enumerate(dates):
                rows.append(("provider", "outcome_payment", "payers", float(m), OP_RECEIVES,
                             0, k, 1))
            for j in range(len(tranches)):
                transfer("provider", tranches[j].name, "loan_repayment", capital.repay_month,
                         OP_REPAY, j, 0)
            for v, b in enumerate(bounds):
                cv = b.contract.capital
                for j, tr in enumerate(cv.tranches):
                    for d, (m, _) in enumerate(draws):
                        loan_growth[v, j, d] = (1.0 + tr.coupon) ** (
                            (cv.repay_month - m) / 12.0)
        else:  # the waterfall: events in date order, drawdowns before payments
            g_month = None
            if g is not None:
                made = [float(m) for m in dates if end is None or m <= end]
                g_month = g.month if g.month is not None else float(
                    max([*made, *(m for m, _ in draws)], default=0.0))
                covers = [t.name for t in tranches].index(g.covers)
                g_kind = G_AMOUNT if g.amount is not None else (
                    G_SHARE if g.share is not None else G_SCHEDULE)
                for v, b in enumerate(bounds):
                    gv = b.contract.capital.guarantee
                    if g_kind == G_AMOUNT:
                        g_amount[v] = gv.amount
                    elif g_kind == G_SHARE:
                        g_amount[v] = gv.share
                    else:
                        g_x[v] = [x for x, _ in gv.schedule]
                        g_y[v] = [y for _, y in gv.schedule]
            ev = [(m, EV_DRAW, d) for d, (m, _) in enumerate(draws)]
            ev += [(float(m), EV_PAY, k) for k, m in enumerate(dates)]
            if g_month is not None:
                ev.append((g_month, EV_GUARANTEE, 0))
            ev.sort(key=lambda e: (e[0], e[1]))
            events = np.array([(kind, index) for _, kind, index in ev], dtype=np.int64)
            event_growth = np.ones((v_count, len(ev), len(tranches)))
            for v, b in enumerate(bounds):
                last = 0.0
                for e, (m, _, _) in enumerate(ev):
                    for j, tr in enumerate(b.contract.capital.tranches):
                        if tr.coupon:
                            event_growth[v, e, j] = (1.0 + tr.coupon) ** ((m - last) / 12.0)
                    last = m
            for e, (m, kind, index) in enumerate(ev):
                if kind == EV_PAY:
                    for j, tr in enumerate(tranches):
                        rows.append((tr.name, "outcome_payment", "payers", m, OP_TRANCHE_SHARE,
                                     j, e, 1))
                elif kind == EV_GUARANTEE:
                    transfer(g.name, g.covers, "guarantee", m, OP_GUARANTEE, covers, e)
    fee = np.zeros(v_count)
    if c.evaluation is not None:
        ev_ = c.evaluation
        for v, b in enumerate(bounds):
            fee[v] = b.contract.evaluation.fee
        if ev_.paid_by == "payers":
            for p_index, p in enumerate(payers):
                transfer(p.name, "evaluator", "evaluation_fee", ev_.month, OP_FEE, p_index, 0)
        else:
            transfer(ev_.paid_by, "evaluator", "evaluation_fee", ev_.month, OP_FEE, -1, 0)
        rows.append(("evaluator", "evaluation_cost", OUTSIDE, ev_.month, OP_FEE_COST, 0, 0, -1))
    rows.sort(key=lambda row: row[3])  # stable: in the order written at each date

    arrays = Arrays(
        kind=np.array([cl[0] for cl in claims], dtype=np.int64),
        mech=np.array([cl[1] for cl in claims], dtype=np.int64),
        metric=metric,
        date=np.array([date_index[float(cl[3])] for cl in claims], dtype=np.int64),
        ss=np.array([cl[4] for cl in claims], dtype=np.int64),
        year=np.array([cl[5] for cl in claims], dtype=np.int64),
        has_raw=has_raw, has_cap=has_cap, dropped=dropped, cut_slot=cut_slot,
        effect_pooled=effect_pooled, effect_per=effect_per, effect_linear=effect_linear,
        mech_trigger=mech_trigger, mech_cut_slot=mech_cut_slot, n_dates=len(dates),
        participant_slot=participant_slot, contract_slot=contract_slot,
        n_slots=len(cut_where),
        card_of=card_of, rates=rates[cards], raw_rates=raw[cards],
        claim_cap=claim_cap[cards], funding_of=funding_of,
        draw_share=draw_share[fundings], commitment=commitment[fundings],
        ss_share=ss_share[fundings], ss_after=ss_after[fundings],
        ss_draw_growth=ss_draw_growth[fundings], ss_paid_growth=ss_paid_growth[fundings],
        points_x=points_x, points_y=points_y, n_points=count,
        any_at_least=any_at_least, pooled_at_least=pooled_at_least, mech_cap=mech_cap,
        cap=cap, model=model, pays=pays, tranche_share=tranche_share,
        loan_growth=loan_growth, events=events, event_growth=event_growth, covers=covers,
        g_kind=g_kind, g_amount=g_amount, g_x=g_x, g_y=g_y, fee=fee,
        op=np.array([r[4] for r in rows], dtype=np.int64),
        op_a=np.array([r[5] for r in rows], dtype=np.int64),
        op_b=np.array([r[6] for r in rows], dtype=np.int64),
        op_sign=np.array([r[7] for r in rows], dtype=float),
    )
    return Program(
        bounds=bounds, arrays=arrays, dates=dates, draw_months=draw_months,
        actor=tuple(r[0] for r in rows), source=tuple(r[1] for r in rows),
        counterparty=tuple(r[2] for r in rows), month=np.array([r[3] for r in rows]),
        claims=tuple((mechanisms[cl[1]].mechanism.name, cl[2], float(cl[3])) for cl in claims),
        cut_where=tuple(cut_where), measured=measured, metrics=metrics,
    )


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
