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

import difflib
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from .._io import json_value, parse_data, read_text, wrong_kind
from ..contract.terms import (
    BASE_METRIC,
    Contract,
    EffectPayment,
    RateCard,
    SavingsShare,
    SurplusShare,
    Trigger,
    load_contract,
)
from ..errors import _MISSING, _NO_VALUE, ContractError, Problem
from ..scenario.spec import Scenario, load_scenario
from . import kernels as K
from .discount import discount_at, discount_factors, effect_profile
from .tariff import price_surplus_share

__all__ = ["Bound", "OutcomeData", "Settlement", "bind", "settle", "read_outcomes",
           "expected_data", "settlement_to_dict", "OUTSIDE"]

#: Counterparty of money that enters or leaves the deal.
OUTSIDE = "outside"


# ---------------------------------------------------------------------------
# Outcomes, as the settlement sees them
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class OutcomeData:
    """Outcomes of one or many runs, in the arrays the settlement works on.

    Attributes
    ----------
    participants : ndarray (run, cohort, type)
    counts : dict of str -> ndarray (run, cohort, type)
        Participants reaching each metric (``employed`` at least).
    comparison : ndarray (run, cohort)
        The comparison group's rate of each metric a trigger or an effect
        payment measures against, by metric: ``{metric: (run, cohort)}``.
    savings : ndarray (run or 1, year)
        The payers' realised savings by year (nominal; year 0 is the start).
    programme_cost : ndarray (run or 1,)
        The programme's cost for all cohorts (the default capital commitment).
    discount : ndarray (run or 1, year)
        Discount factors at year ends, covering every date of the contract.
    """

    participants: np.ndarray
    counts: dict[str, np.ndarray]
    comparison: dict[str, np.ndarray]
    savings: np.ndarray
    programme_cost: np.ndarray
    discount: np.ndarray
    cohort_names: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()
    #: running sums of the savings (see :func:`savings_sums`), when already worked out
    savings_sums: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    #: effects measured by the evaluator, by metric (run, cohort), NaN where not given:
    #: they replace the share reaching the metric minus the comparison rate
    measured: dict[str, np.ndarray] = field(default_factory=dict)
    #: sums that several contracts share (a simulation passes one memo to all its variants)
    memo: dict = field(default_factory=dict, compare=False, repr=False)

    def total(self, array: np.ndarray, axis: int | tuple[int, ...]) -> np.ndarray:
        """``array.sum(axis)``, worked out once per array (arrays are not changed)."""
        key = (id(array), axis)
        if key not in self.memo:
            self.memo[key] = (array.sum(axis=axis), array)  # keep the array: its id stays
        return self.memo[key][0]

    @property
    def runs(self) -> int:
        return self.participants.shape[0]


# ---------------------------------------------------------------------------
# A contract bound to a scenario
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _Claims:
    """A mechanism's resolved terms."""

    mechanism: Any
    rates: np.ndarray | None = None  # (metric, type) effective rates of a rate card
    raw_rates: np.ndarray | None = None  # before the per-participant cap
    metrics: tuple[str, ...] = ()


@dataclass(frozen=True)
class Bound:
    """A contract with everything the scenario fixes worked out once.

    Build with :func:`bind`. ``pay_month`` maps each metric to the month its
    payment falls; ``years`` is the number of year ends the discount factors
    must cover.
    """

    contract: Contract
    scenario: Scenario
    types: tuple[str, ...]
    metric_order: tuple[str, ...]
    parent: dict[str, str | None]
    retention: dict[str, float]
    pay_month: dict[str, float]
    mechanisms: tuple[_Claims, ...]
    years: int
    savings_years: int
    measured: tuple[str, ...] = field(default=())

    @property
    def actors(self) -> tuple[str, ...]:
        c = self.contract
        names = [p.name for p in c.payers] + ["provider"] + [t.name for t in c.capital.tranches]
        if c.capital.guarantee is not None:
            names.append(c.capital.guarantee.name)
        if c.evaluation is not None:
            names.append("evaluator")
        return tuple(names)

    def timing(self, month: float) -> float:
        """The month a claim for an outcome observed at ``month`` is paid."""
        c = self.contract
        if c.settlement == "annual":
            month = 12.0 * math.ceil(month / 12.0 - 1e-12)
        return month + c.lag_months


def bind(contract: Contract | str | os.PathLike[str] | Mapping[str, Any],
         scenario: Scenario | str | None = None) -> Bound:
    """Work out a contract's terms in a scenario (rates, dates, horizon).

    Parameters
    ----------
    contract : Contract, path or mapping
    scenario : Scenario or str, optional
        Default: the scenario the contract names.

    Raises
    ------
    ContractError
        If the contract does not fit the scenario (unknown participant types,
        a surplus share without expected employment, dates out of range).
    """
    return bind_checked(load_contract(contract).validated(), scenario)


def bind_checked(contract: Contract, scenario: Scenario | str | None = None) -> Bound:
    """:func:`bind` for a contract fresh from :meth:`Contract.from_dict` (so already
    checked): a sweep binds thousands of variants it has just read."""
    own = contract.scenario_object() if contract.scenario is not None else None
    scenario = own if scenario is None else load_scenario(scenario)
    if scenario is None:
        contract.scenario_object()  # raises: the contract names no scenario
    if own is not None and own.name != scenario.name:
        raise ContractError(contract.source, [Problem(
            "scenario", contract.scenario, f"names scenario {own.name!r}, not {scenario.name!r} "
            "that it is evaluated in; evaluate it there, or leave 'scenario' out to evaluate it "
            "in any scenario")])
    types = scenario.type_names
    problems: list[Problem] = []
    parent = {m.name: m.of for m in contract.metrics}
    retention = {m.name: m.retention for m in contract.metrics}
    order = tuple(m.name for m in contract.metrics)
    b_months = {m.name: m.month for m in contract.metrics}
    probe = Bound(contract, scenario, types, order, parent, retention, {}, (), 0, 0)
    pay_month = {name: probe.timing(month) for name, month in b_months.items()}
    mechanisms = []
    for i, mech in enumerate(contract.payments):
        where = f"payments[{i}]"
        if isinstance(mech, RateCard):
            mechanisms.append(_bind_card(mech, where, types, parent, problems))
        elif isinstance(mech, SurplusShare):
            mechanisms.append(_bind_surplus(mech, where, scenario, pay_month, retention, parent,
                                            problems))
        else:
            mechanisms.append(_Claims(mech))
    savings_years = scenario.effect.horizon
    months = [pay_month[m] for m in order] + [12.0 * savings_years]
    months += [d for d, _ in contract.capital.drawdown]
    for mech in contract.payments:
        if isinstance(mech, SavingsShare):
            months.append(probe.timing(12.0 * mech.years))
    cap = contract.capital
    if cap.repay_month is not None:
        months.append(cap.repay_month)
        if cap.repay_month < max(d for d, _ in cap.drawdown):
            problems.append(Problem("capital.repay_month", cap.repay_month,
                                    "must not be before the last drawdown"))
    if cap.guarantee is not None and cap.guarantee.month is not None:
        months.append(cap.guarantee.month)
    if contract.evaluation is not None:
        months.append(contract.evaluation.month)
    if problems:
        raise ContractError(f"{contract.source} (in scenario {scenario.source})", problems)
    measured = sorted({m.trigger.metric for m in contract.payments if m.trigger is not None}
                      | {m.metric for m in contract.payments if isinstance(m, EffectPayment)})
    return Bound(contract, scenario, types, order, parent, retention, pay_month,
                 tuple(mechanisms), years=int(math.ceil(max(months) / 12.0 - 1e-12)) + 1,
                 savings_years=savings_years, measured=tuple(measured))


def _types_hint(given: Any, types: tuple[str, ...]) -> str:
    """What is wrong with a table by participant type: the unknown types (with the type
    each may be a misspelling of) and the missing ones."""
    if not isinstance(given, Mapping):
        return ""
    parts, meant = [], set()
    for t in (t for t in given if t not in types):
        close = difflib.get_close_matches(str(t), types, n=1)
        meant.update(close)
        parts.append(f"{t!r} is not one" + (f" (did you mean {close[0]!r}?)" if close else ""))
    missing = [t for t in types if t not in given and t not in meant]
    if missing:
        parts.append("no " + ", ".join(repr(t) for t in missing))
    return "; " + "; ".join(parts) if parts else ""


def _proportion(v: Any) -> bool:
    return not isinstance(v, bool) and isinstance(v, int | float) and 0 <= v <= 1


def _file_error(source: str):
    """The error of the file reader for an outcomes file (see :mod:`sibrisk._textfile`)."""
    def fail(key: str, value: Any, allowed: str) -> ContractError:
        return ContractError(source, [Problem(key, _NO_VALUE if value is None else value,
                                              allowed)])
    return fail


def chain(parent: dict[str, str | None], name: str) -> list[str]:
    out = [name]
    while parent[out[-1]] is not None:
        out.append(parent[out[-1]])
    return out


def _bind_card(card: RateCard, where: str, types: tuple[str, ...],
               parent: dict[str, str | None], problems: list[Problem]) -> _Claims:
    metrics = tuple(card.rates)
    raw = np.zeros((len(metrics), len(types)))
    for i, m in enumerate(metrics):
        rate = card.rates[m]
        if isinstance(rate, Mapping):
            unknown = [t for t in rate if t not in types]
            missing = [t for t in types if t not in rate]
            if unknown or missing:
                problems.append(Problem(f"{where}.rates.{m}", dict(rate),
                                        "must give a rate for each participant type of the "
                                        f"scenario: {', '.join(types)}"
                                        + _types_hint(rate, types)))
                continue
            raw[i] = [rate[t] for t in types]
        else:
            raw[i] = rate
    rates = raw.copy()
    if card.cap_per_participant is not None:
        # along one chain a participant reaching a metric reached every priced metric before it
        depth = sorted(range(len(metrics)), key=lambda i: len(chain(parent, metrics[i])))
        for a, b in zip(depth, depth[1:], strict=False):
            if metrics[a] not in chain(parent, metrics[b]):
                problems.append(Problem(f"{where}.cap_per_participant", card.cap_per_participant,
                                        "needs the card's metrics to follow one another in one "
                                        f"chain ({metrics[b]!r} does not follow "
                                        f"{metrics[a]!r})"))
                return _Claims(card, rates, raw, metrics)
        cum_before = np.zeros(len(types))
        for i in depth:
            cum = cum_before + raw[i]
            cap = card.cap_per_participant
            rates[i] = np.minimum(cum, cap) - np.minimum(cum_before, cap)
            cum_before = cum
    return _Claims(card, rates, raw, metrics)


def _bind_surplus(mech: SurplusShare, where: str, scenario: Scenario,
                  pay_month: dict[str, float], retention: dict[str, float],
                  parent: dict[str, str | None], problems: list[Problem]) -> _Claims:
    changes = {f"contract.{k}": v for k, v in (
        ("investor_surplus_share", mech.investor_share), ("rate_card", mech.rate_card),
        ("by_type_rule", mech.by_type_rule)) if v is not None}
    s = scenario.replace(changes) if changes else scenario
    try:
        tariff = price_surplus_share(s, payment_month=pay_month[mech.metric])
    except Exception as exc:  # noqa: BLE001 - reported with the key
        problems.append(Problem(where, _NO_VALUE, str(exc)))
        return _Claims(mech)
    # a metric after 'employed' is reached by a share of the employed: scale so the expected
    # payment stays the tariff's price
    reach = math.prod(retention[m] for m in chain(parent, mech.metric))
    if reach <= 0.0:
        problems.append(Problem(f"{where}.metric", mech.metric,
                                "is reached by no one in expectation (a retention of 0); the "
                                "surplus share cannot be priced on it"))
        return _Claims(mech)
    rates = (tariff.applied_rates / reach)[None, :]
    return _Claims(mech, rates, rates, (mech.metric,))


# ---------------------------------------------------------------------------
# Outcomes from the scenario's expectations, or from a file of observed counts
# ---------------------------------------------------------------------------
def cohort_split(scenario: Scenario, cohorts: int) -> np.ndarray:
    """Participants by cohort and type with the scenario's expected shares (fractional)."""
    w = np.array([t.share for t in scenario.types])
    w = w / w.sum()
    return np.tile(w * scenario.cohort.size / cohorts, (cohorts, 1))


def municipal_savings(scenario: Scenario, participants: np.ndarray,
                      additional: np.ndarray) -> np.ndarray:
    """The municipality's realised savings by year (nominal), as in the scenario's ledger.

    ``participants`` and ``additional``: (run, ...) totals are taken over
    the trailing axes. Returns (run, horizon + 1): year 0 the up-front
    saving of ordinary effort net of other costs, then the saving from
    additional employment.
    """
    mun = scenario.municipality
    n = participants.reshape(participants.shape[0], -1).sum(axis=1)
    add = additional.reshape(additional.shape[0], -1).sum(axis=1)
    out = (mun.saving_per_employed_year * add)[:, None] * effect_profile(scenario.effect)
    out[:, 0] += (mun.ordinary_effort_saved_share * mun.ordinary_effort_cost
                  - mun.other_net_costs) * n
    return out


def expected_data(bound: Bound, cohorts: int | None = None) -> OutcomeData:
    """The scenario's expected outcomes (fractional counts), as one run, split into
    ``cohorts`` equal cohorts (default the scenario's ``cohort.cohorts``)."""
    s = bound.scenario
    cohorts = s.cohort.cohorts if cohorts is None else cohorts
    n = cohort_split(s, cohorts)[None]
    g = np.array([t.gross_employment for t in s.types])
    c = np.array([t.control_employment for t in s.types])
    counts = {BASE_METRIC: n * g}
    for m in bound.metric_order[1:]:
        counts[m] = counts[bound.parent[m]] * bound.retention[m]
    comparison = {}
    for m in bound.measured:
        reach = math.prod(bound.retention[x] for x in chain(bound.parent, m))
        comparison[m] = (n * c).sum(-1) / n.sum(-1) * reach
    savings = municipal_savings(s, n, n * (g - c))
    return OutcomeData(n, counts, comparison, savings,
                       np.array([s.provider.cost_per_participant * s.cohort.size]),
                       discount_factors(s.discounting, max(bound.years - 1,
                                                           s.effect.horizon))[None, :])


def read_outcomes(path: str | os.PathLike[str] | Mapping[str, Any], bound: Bound) -> OutcomeData:
    """Observed outcomes from a TOML or JSON file (or a mapping) for a bound contract.

    Counts of metrics the contract does not pay on are ignored (and listed in
    the settlement's ``labels["ignored_outcomes"]``), so one file of observed
    outcomes serves every contract. The file holds one table per cohort::

        [cohorts.aarhus]
        participants = { with_experience = 10, no_experience = 18 }
        employed = { with_experience = 5, no_experience = 5 }
        sustained_26w = { with_experience = 4, no_experience = 3 }
        comparison = { employed = 0.17 }   # the comparison group's rate, per metric

    Every metric the contract pays on needs counts by participant type; a
    comparison rate is needed for each metric a trigger or an effect payment
    measures. ``additional`` (optional, by type) gives the employment caused
    by the programme for the savings; by default it is the employed minus
    the comparison group's expected rate of each type (the scenario's
    ``control_employment``), so realised savings follow the measured effect.
    """
    if isinstance(path, Mapping):
        data, source = dict(path), "<outcomes>"
    else:
        source = os.fspath(path)
        fail = _file_error(source)
        data = parse_data(read_text(path, fail), "JSON" if source.endswith(".json") else "TOML",
                          fail)
    wrong_kind(data, "outcomes", _file_error(source))
    problems: list[Problem] = []
    types = bound.types
    s = bound.scenario
    if isinstance(data, Mapping) and set(data) - {"cohorts"}:
        extra = sorted(set(data) - {"cohorts"})[0]
        hint = " (did you mean 'cohorts'?)" if difflib.get_close_matches(extra, ["cohorts"]) \
            else ""
        raise ContractError(source, [Problem(extra, data[extra], f"unknown key{hint}; an "
                                             "outcomes file holds only [cohorts.NAME] tables")])
    if not isinstance(data, Mapping) or not isinstance(data.get("cohorts"), Mapping) \
            or not data["cohorts"]:
        raise ContractError(source, [Problem("cohorts", _MISSING if not isinstance(data, Mapping)
                                             or "cohorts" not in data else data.get("cohorts"),
                                             "give one [cohorts.NAME] table per cohort")])
    names = list(data["cohorts"])
    allowed = ("participants", "comparison", "measured_effect", "additional") \
        + bound.metric_order
    c_count = len(names)
    n = np.zeros((1, c_count, len(types)))
    counts = {m: np.zeros((1, c_count, len(types))) for m in bound.metric_order}
    additional = np.zeros((1, c_count, len(types)))
    comparison = {m: np.zeros((1, c_count)) for m in bound.measured}
    measured = {m: np.full((1, c_count), np.nan) for m in bound.measured}
    needed = {m for claims in bound.mechanisms for m in claims.metrics} | set(bound.measured)
    needed |= {x for m in list(needed) for x in chain(bound.parent, m)}
    control = np.array([t.control_employment for t in s.types])
    ignored: set[str] = set()

    def by_type(value: Any, key: str, row: int, lo: np.ndarray | None = None,
                hi: np.ndarray | None = None) -> np.ndarray | None:
        """Counts by type: whole numbers >= 0, or numbers in [lo, hi] when given."""
        if not isinstance(value, Mapping) or set(value) != set(types):
            problems.append(Problem(key, value, "must be a table with a count for each "
                                    f"participant type: {', '.join(types)}"
                                    + _types_hint(value, types)))
            return None
        out = np.zeros(len(types))
        for j, t in enumerate(types):
            v = value[t]
            number = not isinstance(v, bool) and isinstance(v, int | float) and math.isfinite(v)
            if lo is None:
                if not number or v < 0 or not float(v).is_integer():
                    problems.append(Problem(f"{key}.{t}", v, "must be a whole number >= 0"))
                    return None
            elif not number or not lo[j] <= v <= hi[j]:
                problems.append(Problem(f"{key}.{t}", v, f"must be a number in "
                                        f"[{lo[j]:g}, {hi[j]:g}] (at most the participants, "
                                        "negative where the programme harms)"))
                return None
            out[j] = v
        return out

    for ci, name in enumerate(names):
        where = f"cohorts.{name}"
        row = data["cohorts"][name]
        if not isinstance(row, Mapping):
            problems.append(Problem(where, row, "must be a table"))
            continue
        for k in row:
            if k in allowed:
                continue
            if isinstance(row[k], Mapping) and set(row[k]) == set(types):
                # counts of a metric this contract does not pay on: checked, then ignored
                if by_type(row[k], f"{where}.{k}", ci) is not None:
                    ignored.add(k)
            else:
                problems.append(Problem(f"{where}.{k}", row[k], "unknown key; allowed: "
                                        + ", ".join(allowed) + ", or counts by participant type "
                                        "of another metric (ignored)"))
        if "participants" not in row:
            problems.append(Problem(f"{where}.participants", _MISSING,
                                    "give the participants of each type"))
            continue
        got = by_type(row["participants"], f"{where}.participants", ci)
        if got is None:
            continue
        n[0, ci] = got
        for m in bound.metric_order:
            if m not in row:
                if m in needed:
                    problems.append(Problem(f"{where}.{m}", _MISSING,
                                            "the contract pays on (or measures) this metric; "
                                            "give its count by participant type"))
                continue
            v = by_type(row[m], f"{where}.{m}", ci)
            if v is None:
                continue
            if bound.parent[m] is not None and bound.parent[m] not in row:
                continue  # its parent's count is missing: reported once, above
            ref = n[0, ci] if bound.parent[m] is None else counts[bound.parent[m]][0, ci]
            bad = [j for j in range(len(types)) if v[j] > ref[j]]
            if bad:
                j = bad[0]
                problems.append(Problem(f"{where}.{m}.{types[j]}", row[m][types[j]],
                                        f"more than the {ref[j]:g} that reached "
                                        f"{bound.parent[m] or 'the programme (participants)'}"))
                continue
            counts[m][0, ci] = v
        comp = row.get("comparison", {})
        if not isinstance(comp, Mapping):
            problems.append(Problem(f"{where}.comparison", comp,
                                    "must be a table of metric = comparison-group rate"))
            comp = {}
        for m in comp:  # every rate checked, measured by this contract or not
            if m not in bound.metric_order:
                problems.append(Problem(f"{where}.comparison.{m}", comp[m], "unknown metric"))
            elif not _proportion(comp[m]):
                problems.append(Problem(f"{where}.comparison.{m}", comp[m],
                                        "must be a proportion in [0, 1]"))
        effects = row.get("measured_effect", {})
        if not isinstance(effects, Mapping):
            problems.append(Problem(f"{where}.measured_effect", effects,
                                    "must be a table of metric = measured effect"))
            effects = {}
        for m in effects:
            v = effects[m]
            if m not in bound.metric_order:
                problems.append(Problem(f"{where}.measured_effect.{m}", v, "unknown metric"))
            elif isinstance(v, bool) or not isinstance(v, int | float) or not -1 <= v <= 1:
                problems.append(Problem(f"{where}.measured_effect.{m}", v,
                                        "must be an effect in [-1, 1] (a difference in shares)"))
            elif m in measured:
                measured[m][0, ci] = v
        for m in bound.measured:
            v = comp.get(m, _MISSING)
            if v is _MISSING and m in effects:
                continue  # the evaluator's own estimate of the effect is given
            if v is _MISSING:
                problems.append(Problem(f"{where}.comparison.{m}", _MISSING,
                                        "a trigger or effect payment measures this metric: "
                                        "give the comparison group's rate (a proportion) or "
                                        "the measured effect (measured_effect)"))
            elif _proportion(v):  # else reported above
                comparison[m][0, ci] = v
        if "additional" in row:
            v = by_type(row["additional"], f"{where}.additional", ci, lo=-n[0, ci], hi=n[0, ci])
            if v is not None:
                additional[0, ci] = v
        else:
            additional[0, ci] = counts[BASE_METRIC][0, ci] - n[0, ci] * control
    if problems:
        raise ContractError(source, problems)
    savings = municipal_savings(s, n, additional)
    return OutcomeData(n, counts, comparison, savings,
                       np.array([s.provider.cost_per_participant * n.sum()]),
                       discount_factors(s.discounting, max(bound.years - 1,
                                                           s.effect.horizon))[None, :],
                       cohort_names=tuple(names), ignored=tuple(sorted(ignored)),
                       measured={m: v for m, v in measured.items() if not np.isnan(v).all()})


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
            out = np.empty((self.core_amounts.shape[0], len(self.actors), len(K.ACTOR_COLUMNS)))
            slot = range(len(self.actors))
        sums = self.known_sums if self.known_sums is not None else \
            savings_sums(self.savings, self.savings_discount)
        K.actor_stats(self.core_amounts, self.core_discount, self.savings,
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
        K.actor_npv(self.core_amounts, self.core_discount, sums[1], saves, flow_ptr, order,
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


def evaluate(bound: Bound, data: OutcomeData) -> Settlement:
    """Settle a bound contract on outcomes of any number of runs (vectorised over runs)."""
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


def savings_sums(savings: np.ndarray, discount: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Running sums of yearly savings (nominal and discounted) and whether no year of a
    run is negative: what ``_kernels.actor_stats`` needs to settle savings in blocks. A
    simulation works them out once per chunk, for all its contracts."""
    savings, discount = _contiguous(savings), _contiguous(discount)
    cum = np.empty_like(savings)
    cum_pv = np.empty_like(savings)
    monotone = np.empty(savings.shape[0], dtype=np.bool_)
    K.savings_sums(savings, discount, cum, cum_pv, monotone)
    return cum, cum_pv, monotone


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
            "npv": json_value(stats[i, K.A_NPV]),
            "irr": json_value(stats[i, K.A_IRR]),
            "multiple": json_value(stats[i, K.A_MULTIPLE]),
            "largest_exposure": json_value(stats[i, K.A_EXPOSURE]),
            "payback_year": json_value(stats[i, K.A_PAYBACK]),
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
