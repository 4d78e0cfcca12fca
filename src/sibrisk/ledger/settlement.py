"""Settlement: from outcomes to every actor's cash flows, for any number of runs at once.

One vectorised path turns outcomes into money under a :class:`~sibrisk.Contract`:

1. **claims**: each payment mechanism turns outcome counts (or the effect
   measured against a comparison group, or realised savings) into dated
   claims, one value per run;
2. **triggers, termination and caps**: a mechanism pays nothing when its
   trigger fails; claims falling after an early termination are dropped;
   caps (per participant, per metric, per mechanism, for the whole
   contract) cut claims, the latest first;
3. **capital**: drawdowns fund the provider; the payments go through the
   investors' waterfall (or to the provider under a loan, or stay with the
   payers as a declared reinvestment under a grant), and a guarantor covers
   first losses;
4. **ledger**: every flow is dated in months and belongs to an actor; a
   transfer between actors appears on both sides, so transfers sum to zero
   in every run, and the money that enters or leaves the deal (savings,
   programme cost, evaluation cost) has counterparty ``"outside"``.

The same code settles one set of observed outcomes (:func:`settle`), the
expected outcomes, and every simulated run (:func:`sibrisk.simulate` with
``contracts=``), so the three can never disagree on the rules.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from .._io import json_value
from ..contract.terms import Contract
from ..scenario.spec import Scenario
from . import stats as S
from .bind import Bound, bind, bind_checked
from .discount import discount_at
from .engine import settle_runs
from .outcome_data import OutcomeData, expected_data, read_outcomes
from .program import OUTSIDE, Program, compile_program

__all__ = ["Settlement", "evaluate", "settle", "settlement_to_dict", "savings_sums",
           "program_of", "engine_inputs", "OUTSIDE",
           # where sibrisk 0.1 had them
           "Bound", "bind", "bind_checked", "OutcomeData", "expected_data", "read_outcomes"]


# ---------------------------------------------------------------------------
# The settlement itself
# ---------------------------------------------------------------------------
@dataclass
class Settlement:
    """Every actor's flows under one contract, for every run.

    The flows other than savings are stored as ``core_*`` (few columns); the
    payers' savings, the same under every contract, as one array. The
    properties ``flow_actor``, ``flow_source``, ``flow_counterparty``,
    ``flow_month``, ``amounts`` and ``discount`` give the whole ledger, savings
    included, in date order.

    Attributes
    ----------
    actors : tuple of str
    core_actor, core_source, core_counterparty : tuple of str
        Who receives (positive) or pays (negative), what for, and with whom
        (``"outside"``: money entering or leaving the deal).
    core_month : ndarray (flow,)
        Dates in months from the programme start, increasing.
    core_amounts : ndarray (run, flow)
        Nominal amounts.
    core_discount : ndarray (run or 1, flow)
        Discount factor at each flow's date.
    savings : ndarray (run or 1, year)
        The payers' realised savings at the end of each year (nominal).
    savings_discount : ndarray (run or 1, year)
    saves : dict of str -> float
        Each payer's share of the savings.
    by_mechanism, by_metric : dict of str -> ndarray (run,)
        Nominal outcome payments after triggers, termination and caps.
    cut : dict of str -> ndarray (run,)
        Nominal claims cut, by where the cap bound (``"participant"``,
        ``"metric NAME"``, ``"mechanism NAME"``, ``"contract"``).
    terminated : ndarray (run,)
        Nominal claims dropped because they fell after the termination.
    triggered : dict of str -> ndarray (run,) of bool
        Whether each mechanism with a trigger was triggered.
    effects, effects_pooled : dict of str -> ndarray
        Measured effect of each measured metric per cohort (run, cohort) and
        pooled (run,).
    reinvestment : ndarray (run,)
        Nominal payments declared for reinvestment (the grant model).
    payment_months : ndarray, payments : ndarray (run, month)
        Total outcome payments by payment date.
    claims : tuple of (mechanism, metric or None, month)
        Every claim, and ``claimed`` and ``paid`` (run, claim): its nominal
        amount after its trigger and the termination, before and after every
        cap, so that ``claimed - paid`` says which claims a cap cut.
    """

    actors: tuple[str, ...]
    core_actor: tuple[str, ...]
    core_source: tuple[str, ...]
    core_counterparty: tuple[str, ...]
    core_month: np.ndarray
    core_amounts: np.ndarray
    core_discount: np.ndarray
    savings: np.ndarray
    savings_discount: np.ndarray
    saves: dict[str, float]
    by_mechanism: dict[str, np.ndarray]
    by_metric: dict[str, np.ndarray]
    cut: dict[str, np.ndarray]
    terminated: np.ndarray
    triggered: dict[str, np.ndarray]
    effects: dict[str, np.ndarray]
    effects_pooled: dict[str, np.ndarray]
    reinvestment: np.ndarray
    payment_months: np.ndarray
    payments: np.ndarray
    payment_discount: np.ndarray
    claims: tuple[tuple[str, str | None, float], ...] = ()
    claimed: np.ndarray | None = None
    paid: np.ndarray | None = None
    claim_discount: np.ndarray | None = None
    labels: dict[str, Any] = field(default_factory=dict)
    cohort_names: tuple[str, ...] = ()
    irr_actors: tuple[str, ...] = ()
    known_sums: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    # -- the whole ledger, savings included -------------------------------------------
    @cached_property
    def _ledger(self) -> tuple:
        runs = self.core_amounts.shape[0]
        years = self.savings.shape[1]
        rows = [(a, src, cp, float(m), k) for k, (a, src, cp, m) in enumerate(zip(
            self.core_actor, self.core_source, self.core_counterparty, self.core_month,
            strict=True))]
        for payer, share in self.saves.items():
            rows += [(payer, "savings", OUTSIDE, 12.0 * t, -1 - t) for t in range(years)
                     if share != 0.0]
        rows.sort(key=lambda row: row[3])  # stable: flows first, then savings, at a date
        savings = np.broadcast_to(self.savings, (runs, years))
        disc_rows = max(self.core_discount.shape[0], self.savings_discount.shape[0])
        sav_disc = np.broadcast_to(self.savings_discount, (disc_rows, years))
        amounts = np.empty((runs, len(rows)))
        discount = np.empty((disc_rows, len(rows)))
        for j, (a, _, _, _, k) in enumerate(rows):
            if k >= 0:
                amounts[:, j] = self.core_amounts[:, k]
                discount[:, j] = self.core_discount[:, k]
            else:
                amounts[:, j] = self.saves[a] * savings[:, -1 - k]
                discount[:, j] = sav_disc[:, -1 - k]
        return (tuple(r[0] for r in rows), tuple(r[1] for r in rows),
                tuple(r[2] for r in rows), np.array([r[3] for r in rows]), amounts, discount)

    @property
    def flow_actor(self) -> tuple[str, ...]:
        """The actor of every flow of the whole ledger."""
        return self._ledger[0]

    @property
    def flow_source(self) -> tuple[str, ...]:
        """What every flow is for."""
        return self._ledger[1]

    @property
    def flow_counterparty(self) -> tuple[str, ...]:
        """With whom (another actor, ``"investors"``, ``"payers"`` or ``"outside"``)."""
        return self._ledger[2]

    @property
    def flow_month(self) -> np.ndarray:
        """Dates of every flow, months from the programme start, increasing."""
        return self._ledger[3]

    @property
    def amounts(self) -> np.ndarray:
        """Nominal amounts of every flow, (run, flow)."""
        return self._ledger[4]

    @property
    def discount(self) -> np.ndarray:
        """Discount factor at every flow's date, (run or 1, flow)."""
        return self._ledger[5]

    @property
    def total_paid(self) -> np.ndarray:
        """Nominal outcome payments of every run."""
        return self.payments.sum(axis=1)

    @property
    def total_paid_pv(self) -> np.ndarray:
        """Present value at t = 0 of the outcome payments of every run."""
        return (self.payments * self.payment_discount).sum(axis=1)

    @property
    def cut_pv(self) -> np.ndarray:
        """Present value at t = 0 of the claims cut by caps, per run."""
        return ((self.claimed - self.paid) * self.claim_discount).sum(axis=1)

    def transfers(self) -> np.ndarray:
        """Sum of the flows between actors in every run (zero: money is conserved)."""
        inside = np.array([c != OUTSIDE for c in self.core_counterparty], dtype=bool)
        return self.core_amounts[:, inside].sum(axis=1)

    def outside(self) -> dict[str, np.ndarray]:
        """Net nominal money entering (+) or leaving (-) the deal, by source."""
        out: dict[str, np.ndarray] = {}
        for j, (src, cp) in enumerate(zip(self.flow_source, self.flow_counterparty,
                                          strict=True)):
            if cp == OUTSIDE:
                out[src] = out.get(src, 0.0) + self.amounts[:, j]
        return out

    def stats(self, with_irr: Sequence[str] | None = None, *, out: np.ndarray | None = None,
              slot: Sequence[int] | None = None) -> np.ndarray:
        """Per run and actor: ``_kernels.ACTOR_COLUMNS`` (NPV, multiple, exposure,
        payback year, IRR), shape (run, actor, 5).

        IRR is solved for the actors in ``with_irr`` (default ``irr_actors``:
        those who put money in to get money back, the tranches, the provider
        and the guarantor) and NaN for the rest. ``out`` and ``slot`` write
        into a larger array instead: actor ``a`` into ``out[:, slot[a]]``.
        """
        wanted = self.irr_actors if with_irr is None else with_irr
        irr = np.array([a in wanted for a in self.actors], dtype=np.bool_)
        if out is None:
            out = np.empty((self.core_amounts.shape[0], len(self.actors), len(S.ACTOR_COLUMNS)))
            slot = range(len(self.actors))
        sums = self.known_sums if self.known_sums is not None else \
            savings_sums(self.savings, self.savings_discount)
        S.actor_stats(self.core_amounts, self.core_discount, self.savings,
                      self.savings_discount, *sums, *self._schedule, irr,
                      np.asarray(slot, dtype=np.int64), out)
        return out

    def npv(self, *, out: np.ndarray | None = None,
            slot: Sequence[int] | None = None) -> np.ndarray:
        """Per run and actor, the net present value alone (run, actor): cheaper than
        :meth:`stats`. ``out`` and ``slot`` write into a larger array (run, actor)."""
        if out is None:
            out = np.empty((self.core_amounts.shape[0], len(self.actors)))
            slot = range(len(self.actors))
        sums = self.known_sums if self.known_sums is not None else \
            savings_sums(self.savings, self.savings_discount)
        index = {a: i for i, a in enumerate(self.actors)}
        owner = np.array([index[a] for a in self.core_actor], dtype=np.int64)
        order = np.argsort(owner, kind="stable").astype(np.int64)
        flow_ptr = np.searchsorted(owner[order], np.arange(len(self.actors) + 1)).astype(
            np.int64)
        saves = np.array([self.saves.get(a, 0.0) for a in self.actors])
        S.actor_npv(self.core_amounts, self.core_discount, sums[1], saves, flow_ptr, order,
                    np.asarray(slot, dtype=np.int64), out)
        return out

    @cached_property
    def _schedule(self) -> tuple[np.ndarray, ...]:
        """Each actor's ledger as dated groups of entries (see ``_kernels.actor_stats``)."""
        years = self.savings.shape[1]
        entry: list[int] = []
        coef: list[float] = []
        group_ptr = [0]
        group_years: list[float] = []
        actor_ptr = [0]
        for actor in self.actors:
            items = [(float(m), 0, j, 1.0) for j, (who, m) in enumerate(
                zip(self.core_actor, self.core_month, strict=True)) if who == actor]
            share = self.saves.get(actor, 0.0)
            if share:
                items += [(12.0 * t, 1, -1 - t, share) for t in range(years)]
            items.sort(key=lambda item: (item[0], item[1]))
            for k, (month, _, e, c) in enumerate(items):
                if k and month != items[k - 1][0]:
                    group_ptr.append(len(entry))
                if k == 0 or month != items[k - 1][0]:
                    group_years.append(month / 12.0)
                entry.append(e)
                coef.append(c)
            if items:
                group_ptr.append(len(entry))
            actor_ptr.append(len(group_years))
        # runs of consecutive groups that hold one savings entry and nothing else: each
        # such group points to the last group of its run (-1 for the other groups)
        block = [-1] * len(group_years)
        for a in range(len(self.actors)):
            last = -1
            for g in range(actor_ptr[a + 1] - 1, actor_ptr[a] - 1, -1):
                if group_ptr[g + 1] - group_ptr[g] == 1 and entry[group_ptr[g]] < 0:
                    last = g if last == -1 else last
                    block[g] = last
                else:
                    last = -1
        return (np.array(entry, dtype=np.int64), np.array(coef, dtype=float),
                np.array(group_ptr, dtype=np.int64), np.array(group_years, dtype=float),
                np.array(block, dtype=np.int64), np.array(actor_ptr, dtype=np.int64))

    def yearly(self) -> np.ndarray:
        """Nominal net flow per run, actor and year (run, actor, year); a date in
        (12 (t - 1), 12 t] months falls in year t, month 0 in year 0."""
        year = np.ceil(self.flow_month / 12.0 - 1e-12).astype(np.int64)
        out = np.zeros((self.amounts.shape[0], len(self.actors), int(year.max()) + 1))
        index = {a: i for i, a in enumerate(self.actors)}
        for j, a in enumerate(self.flow_actor):
            out[:, index[a], year[j]] += self.amounts[:, j]
        return out


def program_of(bound: Bound, savings_years: int) -> Program:
    """The engine's program of a bound contract (compiled once per bound contract and
    number of savings years, then reused: a simulation settles it block after block)."""
    key = ("program", savings_years)
    if key not in bound.cache:
        bound.cache[key] = compile_program([bound], savings_years)
    return bound.cache[key]


def engine_inputs(prog: Program, data: OutcomeData) -> tuple[np.ndarray, ...]:
    """The outcomes in the engine's layout (the run last): participants (cohort, type,
    run), counts (metric, cohort, type, run), the comparison group's rates and the
    evaluator's measured effects (measured metric, cohort, run), the indices of the
    measured metrics, the savings (year, run) and the programme's cost (run,)."""
    runs = data.runs
    _, cohorts, types = data.participants.shape
    shape = (runs, cohorts, types)
    part = np.ascontiguousarray(np.broadcast_to(data.participants, shape).transpose(1, 2, 0))
    counts = np.empty((len(prog.metrics), cohorts, types, runs))
    for i, m in enumerate(prog.metrics):
        counts[i] = np.broadcast_to(data.counts[m], shape).transpose(1, 2, 0)
    measured = len(prog.measured)
    comp = np.zeros((measured, cohorts, runs))
    meas = np.full((measured, cohorts, runs), np.nan)
    for i, m in enumerate(prog.measured):
        comp[i] = np.broadcast_to(data.comparison[m], (runs, cohorts)).T
        if m in data.measured:
            meas[i] = np.broadcast_to(data.measured[m], (runs, cohorts)).T
    index = np.array([prog.metrics.index(m) for m in prog.measured], dtype=np.int64)
    years = data.savings.shape[1]
    savings = np.ascontiguousarray(np.broadcast_to(data.savings, (runs, years)).T)
    cost = np.ascontiguousarray(np.broadcast_to(data.programme_cost, (runs,)), dtype=float)
    return part, counts, comp, meas, index, savings, cost


def evaluate(bound: Bound, data: OutcomeData) -> Settlement:
    """Settle a bound contract on outcomes of any number of runs, by the compiled engine
    (:mod:`sibrisk.ledger.engine`): every actor's flows, the payments by date, mechanism
    and metric, where caps bound, triggers and measured effects."""
    c = bound.contract
    runs = data.runs
    years = data.savings.shape[1]
    prog = program_of(bound, years)
    A = prog.arrays
    part, counts, comp, meas, index, savings, cost = engine_inputs(prog, data)
    cohorts = part.shape[0]
    claims = A.kind.shape[0]
    mechanisms = A.mech_trigger.shape[0]
    claimed, paid = np.empty((runs, claims)), np.empty((runs, claims))
    payments = np.empty((runs, A.n_dates))
    flows = np.empty((runs, A.op.shape[0]))
    cuts = np.empty((runs, max(A.n_slots, 1)))
    terminated, reinvestment = np.empty(runs), np.empty(runs)
    triggered = np.empty((runs, mechanisms), dtype=np.bool_)
    per_cohort = np.empty((runs, len(prog.measured), cohorts))
    pooled = np.empty((runs, len(prog.measured)))
    settle_runs(part, counts, comp, meas, index, savings, cost, A, 0, claimed, paid, payments,
                flows, cuts, terminated, triggered, per_cohort, pooled, reinvestment)
    year_ends = data.discount
    months = np.array([m for _, _, m in prog.claims])
    by_metric: dict[str, np.ndarray] = {}
    for k, (_, m, _) in enumerate(prog.claims):
        if m is not None:
            by_metric[m] = by_metric.get(m, 0.0) + paid[:, k]
    return Settlement(
        actors=bound.actors, core_actor=prog.actor, core_source=prog.source,
        core_counterparty=prog.counterparty, core_month=prog.month, core_amounts=flows,
        core_discount=_contiguous(discount_at(year_ends, prog.month)),
        savings=_contiguous(data.savings), savings_discount=_contiguous(year_ends[:, :years]),
        saves={p.name: p.saves for p in c.payers}, known_sums=data.savings_sums,
        by_mechanism={ms.mechanism.name: _columns_total(paid, A.mech == i)
                      for i, ms in enumerate(bound.mechanisms)},
        by_metric=by_metric,
        cut={where: cuts[:, s].copy() for s, where in enumerate(prog.cut_where)},
        terminated=terminated,
        triggered={ms.mechanism.name: triggered[:, i] for i, ms in enumerate(bound.mechanisms)
                   if A.mech_trigger[i] >= 0},
        effects={m: per_cohort[:, i] for i, m in enumerate(prog.measured)},
        effects_pooled={m: pooled[:, i] for i, m in enumerate(prog.measured)},
        reinvestment=reinvestment, payment_months=prog.dates, payments=payments,
        payment_discount=discount_at(year_ends, prog.dates), claims=prog.claims,
        claimed=claimed, paid=paid,
        claim_discount=discount_at(year_ends, months) if months.size else np.zeros((1, 0)),
        labels={"contract": c.name, "scenario": bound.scenario.name,
                "currency": bound.scenario.currency, "price_year": bound.scenario.price_year,
                "capital_model": c.capital.model}
        | ({"ignored_outcomes": list(data.ignored)} if data.ignored else {}),
        irr_actors=tuple(t.name for t in c.capital.tranches) + ("provider",)
        + ((c.capital.guarantee.name,) if c.capital.guarantee else ()),
        cohort_names=data.cohort_names or tuple(f"cohort_{i + 1}" for i in range(cohorts)))


def savings_sums(savings: np.ndarray, discount: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Running sums of yearly savings (nominal and discounted) and whether no year of a
    run is negative: what ``_kernels.actor_stats`` needs to settle savings in blocks. A
    simulation works them out once per chunk, for all its contracts."""
    savings, discount = _contiguous(savings), _contiguous(discount)
    cum = np.empty_like(savings)
    cum_pv = np.empty_like(savings)
    monotone = np.empty(savings.shape[0], dtype=np.bool_)
    S.savings_sums(savings, discount, cum, cum_pv, monotone)
    return cum, cum_pv, monotone


def _columns_total(amounts: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """Sum of some columns of (run, claim) amounts (a copy of one column needs no sum)."""
    idx = np.flatnonzero(columns)
    if idx.size == 1:
        return amounts[:, idx[0]].copy()
    return amounts[:, idx].sum(axis=1)


def _contiguous(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=float)


def settle(contract: Contract | str | os.PathLike[str] | Mapping[str, Any],
           outcomes: str | os.PathLike[str] | Mapping[str, Any] | None = None, *,
           scenario: Scenario | str | None = None) -> Settlement:
    """What each actor pays and receives under a contract, for observed outcomes.

    Parameters
    ----------
    contract : Contract, path or mapping
    outcomes : path or mapping, optional
        Observed outcomes (see :func:`read_outcomes`). Default: the
        scenario's expected outcomes, as one cohort.
    scenario : Scenario or str, optional
        The scenario for costs, savings and discounting; default the one the
        contract names.

    Returns
    -------
    Settlement
        One run: the flows of every actor, the payments by mechanism and
        metric, and where caps bound.

    Examples
    --------
    >>> import sibrisk
    >>> s = sibrisk.load_scenario("drc-sib-2023")
    >>> result = sibrisk.settle(sibrisk.Contract.from_scenario(s), scenario=s)
    >>> round(float(result.total_paid[0]) / s.cohort.size)
    88341
    """
    bound = bind(contract, scenario)
    data = expected_data(bound) if outcomes is None else read_outcomes(outcomes, bound)
    return evaluate(bound, data)


def settlement_to_dict(result: Settlement, run: int = 0) -> dict[str, Any]:
    """One run of a settlement as a JSON-ready dict.

    Money is nominal unless the key ends in ``_pv`` (present value at t = 0).
    IRR, multiple and payback year are ``None`` where they do not exist (no
    sign change, nothing paid, not reached within the contract's dates).
    """
    stats = result.stats()[run]
    by_actor = {}
    for i, actor in enumerate(result.actors):
        mine = np.array([a == actor for a in result.flow_actor])
        amounts = result.amounts[run, mine]
        by_actor[actor] = {
            "received": float(amounts[amounts > 0].sum()) + 0.0,
            "paid": float(-amounts[amounts < 0].sum()) + 0.0,
            "npv": json_value(stats[i, S.A_NPV]),
            "irr": json_value(stats[i, S.A_IRR]),
            "multiple": json_value(stats[i, S.A_MULTIPLE]),
            "largest_exposure": json_value(stats[i, S.A_EXPOSURE]),
            "payback_year": json_value(stats[i, S.A_PAYBACK]),
        }
    cut = {where: float(v[run]) for where, v in result.cut.items() if v[run] > 0}
    return {
        **result.labels,
        "valuation": "nominal; *_pv: present value at t = 0 (programme start)",
        "total_paid": float(result.total_paid[run]),
        "total_paid_pv": float(result.total_paid_pv[run]),
        "by_metric": {m: float(v[run]) for m, v in result.by_metric.items()},
        "by_mechanism": {m: float(v[run]) for m, v in result.by_mechanism.items()},
        "payments_by_month": [{"month": float(m), "amount": float(result.payments[run, k])}
                              for k, m in enumerate(result.payment_months)],
        "by_actor": by_actor,
        "caps": {"bound": bool(cut), "where": sorted(cut), "cut": cut,
                 "cut_total": float(sum(cut.values())),
                 "claims_cut": [
                     {"mechanism": mech, "metric": metric, "month": month,
                      "claimed": float(result.claimed[run, k]),
                      "paid": float(result.paid[run, k]),
                      "cut": float(result.claimed[run, k] - result.paid[run, k])}
                     for k, (mech, metric, month) in enumerate(result.claims)
                     if result.claimed[run, k] - result.paid[run, k]
                     > 1e-9 * max(1.0, abs(result.claimed[run, k]))]},
        "dropped_after_termination": float(result.terminated[run]),
        "triggered": {m: bool(v[run]) for m, v in result.triggered.items()},
        "measured_effects": {  # None: a cohort without participants has no effect
            m: {"cohorts": dict(zip(result.cohort_names, map(json_value, e[run]), strict=True)),
                "pooled": json_value(result.effects_pooled[m][run])}
            for m, e in result.effects.items()},
        "reinvestment_declared": float(result.reinvestment[run]),
        "outside": {src: float(np.asarray(v)[run]) for src, v in result.outside().items()},
        "transfers_sum": float(result.transfers()[run]),
    }
