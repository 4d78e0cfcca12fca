"""The catalogue's outputs of a run: the scenario's own contract settled, and its metrics.

:func:`settle_counts` takes each run's outcomes by cell (cohort and type) and, for
blocks of runs at once (the runs as SIMD lanes), works out:

1. **savings**: the effect profile and the municipality's savings by year
   (:mod:`sibrisk.ledger.savings`);
2. **the contract**: the scenario's own contract (:meth:`Contract.from_scenario
   <sibrisk.contract.terms.Contract.from_scenario>`, the catalogue's surplus-share
   tariff) settled by the settlement engine (:mod:`sibrisk.ledger.engine`): its claims,
   payments and every actor's flows;
3. **metrics**: the catalogue's outputs (:data:`~sibrisk.metrics.schema.OUTPUT_COLUMNS`):
   the payment, the investor's result, return and multiple, the municipality's savings,
   own account and payback year (:func:`~sibrisk.ledger.stats.payback`), the budget and
   welfare surpluses and the deadweight payment.

The deterministic account settles its one row of expected outcomes with it; every
simulated run (:mod:`sibrisk.engine.fused`) and every enumerated outcome too.
:class:`CatalogueContract` holds what is worked out once per scenario.
"""

from __future__ import annotations

import dataclasses
import math
import threading
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from .._jit import CACHE as _CACHE
from .._jit import interpreted, njit
from ..contract.terms import Contract
from ..ledger.bind import bind_checked
from ..ledger.discount import discount_at, discount_factors
from ..ledger.engine import card_claim, settle_cards, settle_fundings, settle_variant, variant_flows
from ..ledger.program import Program
from ..ledger.savings import effect_profile_block, savings_block
from ..ledger.settlement import program_of
from ..ledger.stats import irr, payback
from ..outcomes.draw import LANES
from ..scenario.params import N_PARAMS, P_COST, P_EPS, P_NAF, P_PRODUCTION, point_parameters
from ..scenario.spec import Scenario
from .schema import OUTPUT_COLUMNS

__all__ = ["CatalogueContract", "Compiled", "Wanted", "wanted", "Scratch", "scratch",
           "settle_counts", "settle_block", "settle_expected", "Expected", "O_PAYMENT",
           "O_INVESTOR", "O_RETURN", "O_MULTIPLE", "O_SAVINGS", "O_MUNICIPAL", "O_SURPLUS",
           "O_PAYBACK", "O_WELFARE", "O_DEADWEIGHT", "O_DW_SHARE", "O_EMPLOYMENT"]

# Columns of the outputs (names in sibrisk.metrics.schema.OUTPUT_COLUMNS).
(O_PAYMENT, O_INVESTOR, O_RETURN, O_MULTIPLE, O_SAVINGS, O_MUNICIPAL, O_SURPLUS, O_PAYBACK,
 O_WELFARE, O_DEADWEIGHT, O_DW_SHARE, O_EMPLOYMENT) = range(12)


class Compiled(NamedTuple):
    """The scenario's contract as the compiled settlement takes it (numba reads a named
    tuple of arrays as one argument)."""

    A: Any  # the program's arrays (one variant): :class:`sibrisk.ledger.program.Arrays`
    investor: np.ndarray  # (flow,) bool: the investor's flows
    payer: np.ndarray  # (flow,) bool: the payers' (the municipality's) flows
    date_year: np.ndarray  # (date,) the year by whose end a payment date has come
    flow_year: np.ndarray  # (flow,) the year a flow falls in, dates in (12 (t - 1), 12 t]
    investor_date: np.ndarray  # (flow,) the investor's flow's date among its dates, or -1
    investor_years: np.ndarray  # (dates,) the investor's dates, years from the start


#: Each thread's scratch arrays, by contract shape (see CatalogueContract.own_scratch).
_WORK = threading.local()

#: The catalogue's contracts already compiled, by their shape (types, cohorts, payment
#: year, years): a tariff's rates are all that differs between them.
_SHAPES: dict[tuple, CatalogueContract] = {}


class Wanted(NamedTuple):
    """Outputs beyond the catalogue's columns, each written only when not empty."""

    yearly: np.ndarray  # (run, 3, year): municipality, investor (nominal), account so far
    savings: np.ndarray  # (run, year): the municipality's savings, nominal
    irr: np.ndarray  # (run,): the investor's annual internal rate of return


def wanted(runs: int = 0, years: int = 0, *, yearly: bool = False, savings: bool = False,
           irr: bool = False) -> Wanted:
    """Arrays for the outputs asked for (empty for the others)."""
    return Wanted(np.empty((runs, 3, years) if yearly else (0, 3, 0)),
                  np.empty((runs, years) if savings else (0, 0)),
                  np.empty(runs if irr else 0))


@dataclass(frozen=True)
class CatalogueContract:
    """A scenario's own contract (:meth:`Contract.from_scenario
    <sibrisk.contract.terms.Contract.from_scenario>`) compiled for the settlement: its
    program, the years the savings and the municipality's account cover (the horizon
    or the payment year, whichever is later, plus one) and the arrays of
    :class:`Compiled`. Build with :meth:`of`.
    """

    program: Program
    years: int
    compiled: Compiled

    @classmethod
    def of(cls, scenario: Scenario, years: int | None = None,
           rates: np.ndarray | None = None) -> CatalogueContract:
        """The scenario's contract for ``years`` year ends (default: to the horizon or the
        payment year, whichever is later); ``rates`` (type,), nominal, replace its
        surplus-share tariff's (a tariff priced elsewhere)."""
        if years is None:
            years = max(scenario.effect.horizon, scenario.contract.payment_year) + 1
        # the contract's shape: all but its rates (a break-even search settles thousands)
        key = (scenario.type_names, scenario.cohort.cohorts, scenario.contract.payment_year,
               years)
        if rates is not None and key in _SHAPES:
            return _SHAPES[key].with_rates(rates)
        # bound to this scenario object (which may be no file: a sweep point, a changed copy)
        contract = dataclasses.replace(Contract.from_scenario(scenario), scenario=None)
        prog = program_of(bind_checked(contract, scenario), years)
        made = cls._made(contract, prog, years)
        if rates is None:
            return made
        if len(_SHAPES) >= 64:
            _SHAPES.clear()
        _SHAPES[key] = made
        return made.with_rates(rates)

    def with_rates(self, rates: np.ndarray) -> CatalogueContract:
        """The same contract paying ``rates`` (type,), nominal, per gross-employed
        participant."""
        A = self.compiled.A
        A = A._replace(rates=np.broadcast_to(np.asarray(rates, dtype=float),
                                             A.rates.shape).copy())
        return dataclasses.replace(self, compiled=self.compiled._replace(A=A))

    @classmethod
    def _made(cls, contract: Contract, prog: Program, years: int) -> CatalogueContract:
        investor_name = contract.capital.tranches[0].name
        payer_name = contract.payers[0].name
        investor = np.array([a == investor_name for a in prog.actor], dtype=np.bool_)
        months = sorted({m for m, mine in zip(prog.month, investor, strict=True) if mine})
        year = lambda m: math.ceil(m / 12.0 - 1e-12)  # noqa: E731 - the year a date falls in
        return cls(program=prog, years=years, compiled=Compiled(
            A=prog.arrays, investor=investor,
            payer=np.array([a == payer_name for a in prog.actor], dtype=np.bool_),
            date_year=np.array([year(m) for m in prog.dates], dtype=np.int64),
            flow_year=np.array([year(m) for m in prog.month], dtype=np.int64),
            investor_date=np.array([months.index(m) if mine else -1 for m, mine in
                                    zip(prog.month, investor, strict=True)], dtype=np.int64),
            investor_years=np.array(months, dtype=float) / 12.0))

    def discounts(self, discount: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Discount factors at the payment dates and at the flows' dates (1 or runs, ...),
        from factors at year ends (1 or runs, year)."""
        return (np.ascontiguousarray(discount_at(discount, self.program.dates)),
                np.ascontiguousarray(discount_at(discount, self.program.month)))

    def scratch(self, cohorts: int, k_types: int) -> Scratch:
        """Fresh scratch arrays for blocks of runs of ``cohorts`` x ``k_types`` cells."""
        return scratch(cohorts, k_types, self.years, self.compiled)

    def own_scratch(self, cohorts: int, k_types: int) -> Scratch:
        """This thread's scratch arrays for this contract's shape, made once (a contract
        with other rates shares them)."""
        mine = _WORK.__dict__.setdefault("by_program", {})
        key = (id(self.program), cohorts, k_types)
        if key not in mine or mine[key][0] is not self.program:
            if len(mine) >= 64:
                mine.clear()
            mine[key] = (self.program, self.scratch(cohorts, k_types))
        return mine[key][1]

    def settle(self, n, gross, add, dead, params, varying, columns, discount, *,
               cohorts: int = 1, want: Wanted | None = None,
               work: Scratch | None = None) -> np.ndarray:
        """The catalogue's outputs (run, :data:`~sibrisk.metrics.schema.OUTPUT_COLUMNS`) of
        given outcomes, by :func:`settle_counts`; ``discount`` (1 or runs, year) at year
        ends, the other arguments as there."""
        years = np.ascontiguousarray(discount[:, : self.years])
        dclaim, dflow = self.discounts(years)
        out = np.empty((gross.shape[0], len(OUTPUT_COLUMNS)))
        if work is None:
            work = self.scratch(cohorts, gross.shape[1] // cohorts)
        settle_counts(n, gross, add, dead, params, varying, columns, years, dclaim, dflow,
                      self.compiled, cohorts, work, out, want or wanted())
        return out


class Scratch(NamedTuple):
    """The arrays a block works in (one set per thread, reused block after block)."""

    gross: np.ndarray
    add: np.ndarray
    dead: np.ndarray
    trials: np.ndarray
    p: np.ndarray
    w: np.ndarray
    d: np.ndarray
    x: np.ndarray
    pk: np.ndarray
    v: np.ndarray
    ratio: np.ndarray
    count: np.ndarray
    P: np.ndarray
    D: np.ndarray
    counts: np.ndarray
    dcounts: np.ndarray
    part: np.ndarray
    cost: np.ndarray
    n_tot: np.ndarray
    add_tot: np.ndarray
    fall: np.ndarray
    profile: np.ndarray
    by_year: np.ndarray
    cum_pv: np.ndarray
    effect_years: np.ndarray
    yearly: np.ndarray
    card_amt: np.ndarray
    card_raw: np.ndarray
    drawn: np.ndarray
    ss_amt: np.ndarray
    owed: np.ndarray
    repaid: np.ndarray
    per_cohort: np.ndarray
    pooled: np.ndarray
    amt: np.ndarray
    raw: np.ndarray
    ok: np.ndarray
    by_date: np.ndarray
    cut: np.ndarray
    terminated: np.ndarray
    paid: np.ndarray
    due: np.ndarray
    share: np.ndarray
    balance: np.ndarray
    got: np.ndarray
    cover: np.ndarray
    cost_of: np.ndarray
    flows: np.ndarray
    pay: np.ndarray
    pay_pv: np.ndarray
    dw_claim: np.ndarray
    dw_nominal: np.ndarray
    production: np.ndarray
    received: np.ndarray
    given: np.ndarray
    amounts: np.ndarray
    path: np.ndarray
    times: np.ndarray
    last: np.ndarray
    year: np.ndarray


def scratch(cohorts: int, k_types: int, years: int, C: Compiled) -> Scratch:
    """Fresh scratch arrays for blocks of :data:`LANES` runs of the compiled contract
    ``C``."""
    L = LANES
    A = C.A
    cells = cohorts * k_types
    claims = A.kind.shape[0]
    tranches = max(A.tranche_share.shape[1], 1)
    events = max(A.events.shape[0], 1)
    return Scratch(
        gross=np.empty((cells, L)), add=np.empty((cells, L)), dead=np.empty((cells, L)),
        trials=np.empty(L, dtype=np.int64), p=np.empty(L), w=np.empty(L), d=np.empty(L),
        x=np.empty(L), pk=np.empty(L), v=np.empty(L), ratio=np.empty(L), count=np.empty(L),
        P=np.empty((N_PARAMS, L)), D=np.empty((years, L)),
        counts=np.zeros((1, cohorts, k_types, L)), dcounts=np.zeros((1, cohorts, k_types, L)),
        part=np.empty((cohorts, k_types, L)), cost=np.empty(L), n_tot=np.empty(L),
        add_tot=np.empty(L), fall=np.empty(L), profile=np.empty((years, L)),
        by_year=np.empty((years, L)), cum_pv=np.empty((years, L)), effect_years=np.empty(L),
        yearly=np.empty(L),
        card_amt=np.zeros((A.rates.shape[0], claims, L)),
        card_raw=np.zeros((A.rates.shape[0], claims, L)),
        drawn=np.zeros((A.draw_share.shape[0], A.draw_share.shape[1], L)),
        ss_amt=np.zeros((A.draw_share.shape[0], claims, L)), owed=np.empty(L),
        repaid=np.empty(L), per_cohort=np.empty((0, cohorts, L)), pooled=np.empty((0, L)),
        amt=np.empty((claims, L)), raw=np.empty((claims, L)),
        ok=np.ones((A.mech_trigger.shape[0], L), dtype=np.bool_),
        by_date=np.empty((max(A.n_dates, 1), L)), cut=np.empty((max(A.n_slots, 1), L)),
        terminated=np.empty(L), paid=np.empty(L), due=np.empty(L),
        share=np.zeros((events, tranches, L)), balance=np.empty((tranches, L)),
        got=np.empty((tranches, L)), cover=np.zeros((events, L)),
        cost_of=np.empty((tranches, L)), flows=np.empty((A.op.shape[0], L)),
        pay=np.empty(L), pay_pv=np.empty(L), dw_claim=np.empty(L), dw_nominal=np.empty(L),
        production=np.empty(L), received=np.empty(L), given=np.empty(L),
        amounts=np.empty(max(C.investor_years.shape[0], 1)),
        path=np.empty((years, L)), times=np.empty(years), last=np.empty(L, dtype=np.int64),
        year=np.empty(L))


@njit(cache=_CACHE, nogil=True)
def settle_block(lo, m, n, params, varying, columns, discount, dclaim, dflow, C, cohorts,
                 k_types, s, out, want):  # pragma: no cover - compiled
    """The money of runs ``lo .. lo + m`` from their cells' outcomes (``s.gross``,
    ``s.add``, ``s.dead``): the savings, the scenario's contract (``C``) by the settlement
    engine and the catalogue's outputs, into row ``lo + r`` of ``out`` and of the
    outputs ``want`` asks for."""
    A, investor, payer = C.A, C.investor, C.payer
    date_year, flow_year = C.date_year, C.flow_year
    add, dead, P, D = s.add, s.dead, s.P, s.D
    counts, dcounts, part, cost = s.counts, s.dcounts, s.part, s.cost
    n_tot, add_tot, by_year, cum_pv = s.n_tot, s.add_tot, s.by_year, s.cum_pv
    effect_years, yearly = s.effect_years, s.yearly
    cells = cohorts * k_types
    years = D.shape[0]
    for j in range(N_PARAMS):
        for r in range(m):
            P[j, r] = params[j]
    for jj in range(columns.shape[0]):
        for r in range(m):
            P[columns[jj], r] = varying[lo + r, jj]
    for t in range(years):
        for r in range(m):
            D[t, r] = discount[lo + r if discount.shape[0] > 1 else 0, t]
    for r in range(m):
        n_tot[r] = 0.0
        add_tot[r] = 0.0
    for i in range(cells):
        co = i // k_types
        t = i % k_types
        for r in range(m):
            row = lo + r
            ni = n[row if n.shape[0] > 1 else 0, i]
            n_tot[r] += ni
            add_tot[r] += add[i, r]
            part[co, t, r] = ni
            counts[0, co, t, r] = s.gross[i, r]
            dcounts[0, co, t, r] = dead[i, r]
    for r in range(m):
        cost[r] = P[P_COST, r] * n_tot[r]
    effect_profile_block(P, m, s.fall, s.profile)
    savings_block(P, n_tot, add_tot, s.profile, D, m, by_year, cum_pv, effect_years, yearly)
    # the scenario's contract, by the settlement engine
    settle_cards(0, m, counts, A, s.card_amt, s.card_raw)
    settle_fundings(0, m, cost, by_year, A, s.drawn, s.ss_amt, s.owed, s.repaid)
    settle_variant(0, 0, m, part, A, s.card_amt, s.card_raw, s.drawn, s.ss_amt, s.per_cohort,
             s.pooled, s.amt, s.raw, s.ok, s.by_date, s.cut, s.terminated, s.paid, s.due,
             s.share, s.balance, s.got, s.cover, s.cost_of)
    variant_flows(0, 0, m, A, s.drawn, s.by_date, s.share, s.cover, s.flows, False)
    # the catalogue's outputs
    dates = A.n_dates
    flows = A.op.shape[0]
    for r in range(m):
        row = lo + r
        dc = row if dclaim.shape[0] > 1 else 0
        df = row if dflow.shape[0] > 1 else 0
        pay = 0.0
        pay_pv = 0.0
        for dd in range(dates):
            pay += s.by_date[dd, r]
            pay_pv += s.by_date[dd, r] * dclaim[dc, dd]
        npv = 0.0
        received = 0.0
        given = 0.0
        for q in range(flows):  # the investor's money: its net present value and multiple
            if investor[q]:
                x = s.flows[q, r]
                npv += x * dflow[df, q]
                if x > 0.0:
                    received += x
                else:
                    given -= x
        savings = cum_pv[years - 1, r]
        surplus = savings - cost[r]
        employment = yearly[r] * effect_years[r]
        production = P[P_PRODUCTION, r] * add_tot[r] * effect_years[r]
        s.production[r] = production
        s.received[r] = received
        s.given[r] = given
        out[row, O_PAYMENT] = pay_pv
        out[row, O_INVESTOR] = npv
        out[row, O_RETURN] = npv / cost[r]
        out[row, O_MULTIPLE] = received / given
        out[row, O_SAVINGS] = savings
        out[row, O_MUNICIPAL] = savings - pay_pv
        out[row, O_SURPLUS] = surplus
        out[row, O_WELFARE] = P[P_NAF, r] * (production - cost[r]) + P[P_EPS, r] * surplus
        out[row, O_EMPLOYMENT] = employment
        s.pay[r] = pay
        s.pay_pv[r] = pay_pv
    # the deadweight's part of the payment: the claims' rule on the deadweight's counts
    for r in range(m):
        out[lo + r, O_DEADWEIGHT] = 0.0
        s.dw_nominal[r] = 0.0
    for k in range(A.kind.shape[0]):
        card_claim(0, m, dcounts, A.metric[k], A.rates[0, k], s.dw_claim)
        for r in range(m):
            row = lo + r
            s.dw_nominal[r] += s.dw_claim[r]
            out[row, O_DEADWEIGHT] += s.dw_claim[r] * dclaim[row if dclaim.shape[0] > 1 else 0,
                                                               A.date[k]]
    for r in range(m):
        out[lo + r, O_DW_SHARE] = s.dw_nominal[r] / s.pay[r] if s.pay[r] > 0.0 else 0.0
    # the municipality's own account so far, year by year, and its payback year
    for t in range(years):
        for r in range(m):
            row = lo + r
            due = 0.0
            for dd in range(dates):
                if date_year[dd] <= t:
                    due += s.by_date[dd, r] * dclaim[row if dclaim.shape[0] > 1 else 0, dd]
            s.path[t, r] = cum_pv[t, r] - due
    for t in range(years):
        s.times[t] = t
    payback(s.path, s.times, years, m, s.last, s.year)
    for r in range(m):
        out[lo + r, O_PAYBACK] = s.year[r]
    if want.irr.shape[0] > 0:  # the investor's flows by date: its rate of return
        dates_inv = C.investor_years.shape[0]
        for r in range(m):
            for k in range(dates_inv):
                s.amounts[k] = 0.0
            for q in range(flows):
                if C.investor_date[q] >= 0:
                    s.amounts[C.investor_date[q]] += s.flows[q, r]
            want.irr[lo + r] = irr(s.amounts, C.investor_years, dates_inv, s.received[r],
                                   s.given[r])
    years_out = want.yearly
    if years_out.shape[0] > 0:  # the yearly flows, nominal, and the account so far
        for r in range(m):
            row = lo + r
            for t in range(years):
                years_out[row, 0, t] = by_year[t, r]
                years_out[row, 1, t] = 0.0
                years_out[row, 2, t] = s.path[t, r]
            for q in range(flows):
                t = flow_year[q]
                if payer[q]:
                    years_out[row, 0, t] += s.flows[q, r]
                if investor[q]:
                    years_out[row, 1, t] += s.flows[q, r]
    if want.savings.shape[0] > 0:
        for r in range(m):
            for t in range(years):
                want.savings[lo + r, t] = by_year[t, r]


@njit(cache=_CACHE, nogil=True)
def settle_counts(n, gross, add, dead, params, varying, columns, discount, dclaim, dflow, C,
                  cohorts, s, out, want):  # pragma: no cover - compiled
    """The money of given outcomes: ``n`` (1 or runs, cell) participants and ``gross``,
    ``add``, ``dead`` (run, cell) employment, settled as every simulated run is
    (:func:`settle_block`), into ``out`` (run, :data:`~sibrisk.metrics.schema.OUTPUT_COLUMNS`)
    and the outputs ``want`` asks for."""
    runs = gross.shape[0]
    k_types = gross.shape[1] // cohorts
    cells = cohorts * k_types
    for lo in range(0, runs, LANES):
        m = min(LANES, runs - lo)
        for i in range(cells):
            for r in range(m):
                s.gross[i, r] = gross[lo + r, i]
                s.add[i, r] = add[lo + r, i]
                s.dead[i, r] = dead[lo + r, i]
        settle_block(lo, m, n, params, varying, columns, discount, dclaim, dflow, C, cohorts,
                     k_types, s, out, want)


class Expected(NamedTuple):
    """The scenario's own contract settled on one set of (expected) outcomes."""

    values: dict[str, float]  # the catalogue's outputs, by name (OUTPUT_COLUMNS)
    irr: float  # the investor's annual rate of return; NaN if its flows fall at one date
    effect_years: float  # discounted effect-years, sum of f(t) D(t)
    production: float  # the value of the additional production
    profile: np.ndarray  # (year,) the effect profile
    savings: np.ndarray  # (year,) the municipality's savings, nominal (year 0: up front)
    account: np.ndarray  # (year,) the municipality's own account so far, present value
    flows: np.ndarray  # (flow,) the contract's flows (program.actor, ...), nominal
    discount: np.ndarray  # (year,) discount factors at year ends
    contract: CatalogueContract


def settle_expected(scenario: Scenario, outcomes: Any,
                    rates: np.ndarray | None = None) -> Expected:
    """The scenario's contract settled on ``outcomes`` (participants, gross, deadweight and
    additional employment by type, as :func:`~sibrisk.outcomes.expected.expected_outcomes`
    gives), by the rules every simulated run is settled with (run here as Python: one
    run needs no compiler); ``rates`` (type,), nominal, replace the scenario's own
    tariff's."""
    cat = CatalogueContract.of(scenario, rates=rates)
    row = lambda a: np.ascontiguousarray(np.asarray(a, dtype=float).reshape(1, -1))  # noqa: E731
    discount = discount_factors(scenario.discounting, cat.years - 1)
    want = wanted(1, cat.years, yearly=True, irr=True)
    work = cat.own_scratch(1, len(scenario.types))
    with interpreted():
        out = cat.settle(row(outcomes.participants), row(outcomes.gross),
                         row(outcomes.additional), row(outcomes.deadweight),
                         point_parameters(scenario), np.empty((1, 0)),
                         np.empty(0, dtype=np.int64), discount[None, :], want=want, work=work)
    return Expected(
        values=dict(zip(OUTPUT_COLUMNS, map(float, out[0]), strict=True)),
        irr=float(want.irr[0]), effect_years=float(work.effect_years[0]),
        production=float(work.production[0]), profile=work.profile[:, 0].copy(),
        savings=work.by_year[:, 0].copy(), account=want.yearly[0, 2].copy(),
        flows=work.flows[:, 0].copy(), discount=discount, contract=cat)
