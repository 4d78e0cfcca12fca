"""A contract bound to a scenario: its terms worked out once (rates, dates, horizon).

:func:`bind` resolves what a contract leaves to the scenario it is evaluated in: the
surplus-share tariff's rates (priced on the scenario), the metrics' chain and payment
dates, the rates of a rate card under its cap per participant, and the number of years
the discount factors must cover. The settlement engine works from the result
(:class:`Bound`), through its program (:mod:`sibrisk.ledger.program`).
"""

from __future__ import annotations

import difflib
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..contract.terms import (
    Contract,
    EffectPayment,
    RateCard,
    SavingsShare,
    SurplusShare,
    load_contract,
)
from ..errors import _NO_VALUE, ContractError, Problem
from ..scenario.spec import Scenario, load_scenario
from .tariff import price_surplus_share

__all__ = ["Bound", "bind", "bind_checked", "chain"]


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
    #: what is worked out from the bound contract once (its engine program)
    cache: dict = field(default_factory=dict, compare=False, repr=False)

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
