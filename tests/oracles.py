"""Reference implementations: slow, obvious second ways of computing what sibrisk computes.

Each oracle here shares no code with the rule it checks in ``src/``; the tests compare
the two. The table :data:`ORACLES` names each pair.

- :func:`evaluate_numpy`: a contract settled on outcomes, vectorised over runs in
  numpy, claim by claim and flow by flow (sibrisk's first settlement, kept as the
  oracle of the compiled engine, :mod:`sibrisk.ledger.engine`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sibrisk.contract.terms import EffectPayment, RateCard, SavingsShare, SurplusShare, Trigger
from sibrisk.ledger.bind import Bound
from sibrisk.ledger.discount import discount_at
from sibrisk.ledger.outcome_data import OutcomeData
from sibrisk.ledger.program import OUTSIDE
from sibrisk.ledger.settlement import Settlement

__all__ = ["ORACLES", "evaluate_numpy"]


class _Flows:
    """Collects dated flows, each an amount per run."""

    def __init__(self, runs: int):
        self.runs = runs
        self.rows: list[tuple[str, str, str, float, np.ndarray]] = []

    def add(self, actor: str, source: str, counterparty: str, month: float, amount: Any) -> None:
        self.rows.append((actor, source, counterparty, float(month),
                          np.broadcast_to(np.asarray(amount, dtype=float), (self.runs,))))

    def transfer(self, payer: str, payee: str, source: str, month: float, amount: Any) -> None:
        """Money from ``payer`` to ``payee``: written on both sides."""
        self.add(payer, source, payee, month, -np.asarray(amount, dtype=float))
        self.add(payee, source, payer, month, amount)


#: Measured effects within this of a threshold count as reaching it (an effect of 2/20 -
#: 0.0 is 0.09999999999999998 in floating point, and is 10 percentage points).
EFFECT_TOLERANCE = 1e-12


def _steps(points: tuple[tuple[float, float], ...], x: np.ndarray, linear: bool) -> np.ndarray:
    """The amount at measured effects ``x`` (NaN: no effect measured, nothing paid)."""
    xs = np.array([p for p, _ in points])
    ys = np.array([v for _, v in points])
    known = ~np.isnan(x)
    x = np.where(known, x, -np.inf)
    if linear:
        out = np.where(x < xs[0] - EFFECT_TOLERANCE, 0.0,
                       np.interp(np.maximum(x, xs[0]), xs, ys))
    else:
        idx = np.searchsorted(xs - EFFECT_TOLERANCE, x, side="right") - 1
        out = np.where(idx >= 0, ys[np.maximum(idx, 0)], 0.0)
    return np.where(known, out, 0.0)


def _cap_in_time(amounts: np.ndarray, months: np.ndarray, cap: float) -> tuple[np.ndarray,
                                                                               np.ndarray]:
    """Cut claims (run, claim) dated ``months`` to a total ``cap``: claims are paid in
    date order; at the date the cap binds its claims are cut pro rata, later ones
    entirely. Returns the capped claims and the total cut per run."""
    out = amounts.copy()
    paid = np.zeros(amounts.shape[0])
    for m in np.unique(months):
        cols = months == m
        due = out[:, cols].sum(axis=1)
        room = np.maximum(cap - paid, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            factor = np.where(due > room, room / due, 1.0)
        out[:, cols] *= factor[:, None]
        paid += np.minimum(due, room)
    return out, amounts.sum(axis=1) - out.sum(axis=1)


def _effects(bound: Bound, data: OutcomeData) -> tuple[dict[str, np.ndarray],
                                                       dict[str, np.ndarray]]:
    per_cohort, pooled = {}, {}
    if not bound.measured:
        return per_cohort, pooled
    n = data.total(data.participants, 2)
    total = data.total(n, 1)
    for m in bound.measured:
        reached = data.total(data.counts[m], 2)
        comp = data.comparison[m]
        with np.errstate(invalid="ignore", divide="ignore"):  # an empty cohort: no effect
            per_cohort[m] = np.where(n > 0, reached / n - comp, np.nan)
            if m in data.measured:  # the evaluator's estimate, where given
                given = ~np.isnan(data.measured[m])
                per_cohort[m] = np.where(given & (n > 0), data.measured[m], per_cohort[m])
            # pooled: the participant-weighted mean of the cohorts' effects
            pooled[m] = np.where(total > 0, np.nansum(per_cohort[m] * n, axis=1) / total,
                                 np.nan)
    return per_cohort, pooled


def _triggered(trigger: Trigger, per_cohort: dict[str, np.ndarray],
               pooled: dict[str, np.ndarray]) -> np.ndarray:
    ok = np.zeros(per_cohort[trigger.metric].shape[0], dtype=bool)
    with np.errstate(invalid="ignore"):  # NaN (an empty cohort) never reaches a threshold
        if trigger.any_cohort_at_least is not None:
            ok |= (per_cohort[trigger.metric] >= trigger.any_cohort_at_least
                   - EFFECT_TOLERANCE).any(axis=1)
        if trigger.pooled_at_least is not None:
            ok |= pooled[trigger.metric] >= trigger.pooled_at_least - EFFECT_TOLERANCE
    return ok


def _drawdowns(bound: Bound, data: OutcomeData) -> list[tuple[float, np.ndarray]]:
    cap = bound.contract.capital
    commitment = (np.full(data.runs, cap.commitment) if cap.commitment is not None
                  else np.broadcast_to(data.programme_cost, (data.runs,)))
    end = bound.contract.termination_month
    return [(m, share * commitment) for m, share in cap.drawdown
            if end is None or m <= end]


def evaluate_numpy(bound: Bound, data: OutcomeData) -> Settlement:
    """Settle a bound contract on outcomes of any number of runs, vectorised over runs in
    numpy: the oracle of the compiled engine (``sibrisk.ledger.settlement.evaluate``)."""
    c = bound.contract
    runs = data.runs
    per_cohort, pooled = _effects(bound, data)
    draws = _drawdowns(bound, data)
    # -- claims: (mechanism, metric or None, month, amount) ----------------------------
    claim_mech: list[int] = []
    claim_metric: list[str | None] = []
    claim_month: list[float] = []
    claim_amount: list[np.ndarray] = []  # after the per-participant cap
    claim_raw: list[np.ndarray] = []  # as claimed, before any cap
    claim_cap: list[float | None] = []  # the cap of the claim's metric
    cut: dict[str, np.ndarray] = {}
    triggered: dict[str, np.ndarray] = {}

    def add_cut(key: str, amount: np.ndarray) -> None:
        if key in cut:
            cut[key] = cut[key] + amount
        else:
            cut[key] = amount

    for i, claims in enumerate(bound.mechanisms):
        mech = claims.mechanism
        first = len(claim_amount)
        if isinstance(mech, RateCard | SurplusShare):
            card = isinstance(mech, RateCard)
            for j, m in enumerate(claims.metrics):
                counts = data.total(data.counts[m], 1)  # (run, type)
                amount = (counts * claims.rates[j]).sum(axis=1)  # no BLAS: fixed order
                claim_mech.append(i)
                claim_metric.append(m)
                claim_month.append(bound.pay_month[m])
                claim_amount.append(amount)
                claim_raw.append((counts * claims.raw_rates[j]).sum(axis=1)
                                 if card and mech.cap_per_participant is not None else amount)
                claim_cap.append(mech.metric_caps.get(m) if card else None)
        elif isinstance(mech, EffectPayment):
            linear = mech.interpolation == "linear"
            n = data.total(data.participants, 2)
            if mech.measure == "per_cohort":
                e, size = per_cohort[mech.metric], n
            else:
                e, size = pooled[mech.metric][:, None], data.total(n, 1)[:, None]
            base = {"participant": size, "cohort": np.ones_like(size),
                    "additional": np.nan_to_num(np.maximum(e, 0.0)) * size}[mech.per]
            claim_mech.append(i)
            claim_metric.append(mech.metric)
            claim_month.append(bound.pay_month[mech.metric])
            claim_amount.append((_steps(mech.points, e, linear) * base).sum(axis=1))
            claim_raw.append(claim_amount[-1])
            claim_cap.append(None)
        else:  # SavingsShare
            for t, month, amount in _savings_share(bound, mech, data, draws):
                claim_mech.append(i)
                claim_metric.append(None)
                claim_month.append(month)
                claim_amount.append(amount)
                claim_raw.append(amount)
                claim_cap.append(None)
        if mech.trigger is not None:
            ok = _triggered(mech.trigger, per_cohort, pooled)
            triggered[mech.name] = ok
            for k in range(first, len(claim_amount)):
                claim_amount[k] = np.where(ok, claim_amount[k], 0.0)
                claim_raw[k] = np.where(ok, claim_raw[k], 0.0)
    months = np.array(claim_month)
    # -- termination, then the caps: per participant, per metric, per mechanism, in all --
    terminated = np.zeros(runs)
    end = c.termination_month
    for k, month in enumerate(claim_month):
        if end is not None and month > end:  # never claimed: the contract has ended
            terminated = terminated + claim_raw[k]
            claim_amount[k] = claim_raw[k] = np.zeros(runs)
            continue
        if claim_raw[k] is not claim_amount[k]:
            add_cut("participant", claim_raw[k] - claim_amount[k])
        if claim_cap[k] is not None:
            capped = np.minimum(claim_amount[k], claim_cap[k])
            add_cut(f"metric {claim_metric[k]}", claim_amount[k] - capped)
            claim_amount[k] = capped
    amounts = np.stack(claim_amount, axis=1) if claim_amount else np.zeros((runs, 0))
    claimed = np.stack(claim_raw, axis=1) if claim_raw else np.zeros((runs, 0))
    mech_index = np.array(claim_mech)
    for i, claims in enumerate(bound.mechanisms):
        mech = claims.mechanism
        if mech.cap is not None:
            cols = mech_index == i
            amounts[:, cols], lost = _cap_in_time(amounts[:, cols], months[cols], mech.cap)
            add_cut(f"mechanism {mech.name}", lost)
    if c.cap is not None:
        amounts, lost = _cap_in_time(amounts, months, c.cap)
        add_cut("contract", lost)
    claims_paid = amounts
    by_mechanism = {claims.mechanism.name: _columns_total(amounts, mech_index == i)
                    for i, claims in enumerate(bound.mechanisms)}
    by_metric: dict[str, np.ndarray] = {}
    for k, m in enumerate(claim_metric):
        if m is not None:
            by_metric[m] = by_metric.get(m, 0.0) + amounts[:, k]
    pay_months = np.unique(months)
    payments = np.stack([_columns_total(amounts, months == m) for m in pay_months], axis=1) \
        if pay_months.size else np.zeros((runs, 0))
    # -- capital and the ledger -------------------------------------------------------
    flows = _Flows(runs)
    reinvestment = _capital_flows(bound, data, flows, draws, pay_months, payments)
    if c.evaluation is not None:
        ev = c.evaluation
        if ev.paid_by == "payers":
            for p in c.payers:
                flows.transfer(p.name, "evaluator", "evaluation_fee", ev.month, p.pays * ev.fee)
        else:
            flows.transfer(ev.paid_by, "evaluator", "evaluation_fee", ev.month, ev.fee)
        flows.add("evaluator", "evaluation_cost", OUTSIDE, ev.month, -ev.fee)
    order = sorted(range(len(flows.rows)), key=lambda k: flows.rows[k][3])
    rows = [flows.rows[k] for k in order]
    flow_month = np.array([r[3] for r in rows])
    year_ends = data.discount
    amounts = np.empty((runs, len(rows)))
    for j, r in enumerate(rows):
        amounts[:, j] = r[4]
    return Settlement(
        actors=bound.actors,
        core_actor=tuple(r[0] for r in rows), core_source=tuple(r[1] for r in rows),
        core_counterparty=tuple(r[2] for r in rows), core_month=flow_month,
        core_amounts=amounts, core_discount=_contiguous(discount_at(year_ends, flow_month)),
        savings=_contiguous(data.savings),
        savings_discount=_contiguous(year_ends[:, : data.savings.shape[1]]),
        saves={p.name: p.saves for p in c.payers},
        known_sums=data.savings_sums,
        by_mechanism=by_mechanism, by_metric=by_metric, cut=cut, terminated=terminated,
        triggered=triggered, effects=per_cohort, effects_pooled=pooled,
        reinvestment=reinvestment, payment_months=pay_months, payments=payments,
        payment_discount=discount_at(year_ends, pay_months),
        claims=tuple((bound.mechanisms[i].mechanism.name, m, float(t))
                     for i, m, t in zip(claim_mech, claim_metric, claim_month, strict=True)),
        claimed=claimed, paid=claims_paid,
        claim_discount=discount_at(year_ends, months) if months.size else np.zeros((1, 0)),
        labels={"contract": c.name, "scenario": bound.scenario.name,
                "currency": bound.scenario.currency, "price_year": bound.scenario.price_year,
                "capital_model": c.capital.model}
        | ({"ignored_outcomes": list(data.ignored)} if data.ignored else {}),
        irr_actors=tuple(t.name for t in c.capital.tranches) + ("provider",)
        + ((c.capital.guarantee.name,) if c.capital.guarantee else ()),
        cohort_names=data.cohort_names or tuple(f"cohort_{i + 1}" for i in range(
            data.participants.shape[1])))




def _columns_total(amounts: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """Sum of some columns of (run, claim) amounts (a copy of one column needs no sum)."""
    idx = np.flatnonzero(columns)
    if idx.size == 1:
        return amounts[:, idx[0]].copy()
    return amounts[:, idx].sum(axis=1)


def _contiguous(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=float)




def _savings_share(bound: Bound, mech: SavingsShare, data: OutcomeData,
                   draws: list[tuple[float, np.ndarray]]):
    """Yearly claims of a savings share: ``share`` of each year's savings until the
    capital drawn, with interest, is repaid; ``share_after`` from then on."""
    savings = np.broadcast_to(data.savings, (data.runs, data.savings.shape[1]))
    growth = 1.0 + mech.interest
    paid: list[tuple[float, np.ndarray]] = []
    for t in range(min(mech.years, savings.shape[1] - 1) + 1):
        month = bound.timing(12.0 * t)
        owed = sum((a * growth ** ((month - m) / 12.0) for m, a in draws if m <= month),
                   np.zeros(data.runs))
        owed = owed - sum((a * growth ** ((month - m) / 12.0) for m, a in paid),
                          np.zeros(data.runs))
        owed = np.maximum(owed, 0.0)
        s = np.maximum(savings[:, t], 0.0)
        first = mech.share * s
        if mech.share > 0.0:
            rest = np.maximum(s - owed / mech.share, 0.0)
            amount = np.where(first <= owed, first, owed + mech.share_after * rest)
        else:  # nothing repays the capital: share_after applies only once nothing is owed
            amount = np.where(owed > 0.0, 0.0, mech.share_after * s)
        paid.append((month, amount))
        yield t, month, amount


def _capital_flows(bound: Bound, data: OutcomeData, flows: _Flows,
                   draws: list[tuple[float, np.ndarray]], pay_months: np.ndarray,
                   payments: np.ndarray) -> np.ndarray:
    """Drawdowns, the provider's spending, and where the outcome payments go."""
    c = bound.contract
    cap = c.capital
    runs = data.runs
    for month, amount in draws:
        for tr in cap.tranches:
            flows.transfer(tr.name, "provider", "funding", month,
                           amount if tr.share == 1.0 else tr.share * amount)
        flows.add("provider", "programme_cost", OUTSIDE, month, -amount)
    reinvestment = np.zeros(runs)
    if cap.model == "grant":  # the payers keep the money, declared for reinvestment
        return payments.sum(axis=1)
    payee = "provider" if cap.model == "loan" else "investors"
    for k, month in enumerate(pay_months):
        for p in c.payers:
            flows.add(p.name, "outcome_payment", payee, month, -p.pays * payments[:, k])
    if cap.model == "investors" and len(cap.tranches) == 1 and cap.guarantee is None:
        for k, month in enumerate(pay_months):  # one investor takes every payment
            flows.add(cap.tranches[0].name, "outcome_payment", "payers", month, payments[:, k])
        return reinvestment
    if cap.model == "loan":
        for k, month in enumerate(pay_months):
            flows.add("provider", "outcome_payment", "payers", month, payments[:, k])
        for tr in cap.tranches:
            owed = sum((tr.share * a * (1.0 + tr.coupon) ** ((cap.repay_month - m) / 12.0)
                        for m, a in draws), np.zeros(runs))
            flows.transfer("provider", tr.name, "loan_repayment", cap.repay_month, owed)
        return reinvestment
    # the investors' waterfall: events in date order, drawdowns before payments
    tranches = cap.tranches
    balance = [np.zeros(runs) for _ in tranches]
    drawn = [np.zeros(runs) for _ in tranches]
    received = [np.zeros(runs) for _ in tranches]
    g = cap.guarantee
    g_month = None
    if g is not None:
        end = c.termination_month
        made = [m for m in pay_months.tolist() if end is None or m <= end]
        g_month = g.month if g.month is not None else float(
            max([*made, *(m for m, _ in draws)], default=0.0))
    events = [(m, 0, a) for m, a in draws] + [(float(m), 1, payments[:, k])
                                               for k, m in enumerate(pay_months)]
    if g_month is not None:
        events.append((g_month, 2, None))
    events.sort(key=lambda e: (e[0], e[1]))
    last = 0.0
    for month, kind, amount in events:
        for j, tr in enumerate(tranches):
            if tr.coupon:
                balance[j] = balance[j] * (1.0 + tr.coupon) ** ((month - last) / 12.0)
        last = month
        if kind == 0:
            for j, tr in enumerate(tranches):
                balance[j] = balance[j] + tr.share * amount
                drawn[j] = drawn[j] + tr.share * amount
        elif kind == 1:
            left = amount
            for j, tr in enumerate(tranches):
                share = left if j == len(tranches) - 1 else np.clip(balance[j], 0.0, left)
                balance[j] = balance[j] - share
                received[j] = received[j] + share
                left = left - share
                flows.add(tr.name, "outcome_payment", "payers", month, share)
        else:
            j = [tr.name for tr in tranches].index(g.covers)
            loss = np.maximum(drawn[j] - received[j], 0.0)
            if g.amount is not None:
                cover = np.minimum(loss, g.amount)
            elif g.share is not None:
                cover = g.share * loss
            else:
                xs = np.array([x for x, _ in g.schedule])
                ys = np.array([y for _, y in g.schedule])
                cover = np.minimum(np.interp(loss, xs, ys), loss)
            received[j] = received[j] + cover
            # the cover counts as repaid capital: later payments do not repay it again
            balance[j] = balance[j] - cover
            flows.transfer(g.name, g.covers, "guarantee", month, cover)
    return reinvestment


#: (what sibrisk computes, its oracle here)
ORACLES = {
    "sibrisk.ledger.settlement.evaluate": evaluate_numpy,
}
