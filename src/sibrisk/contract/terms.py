"""Contracts: payment mechanisms and capital structures.

A :class:`Contract` says what the commissioner pays for, when, and who
carries the money in between. It is made of

- **metrics**: the outcomes paid for (``employed`` at the measurement point,
  and metrics that follow it, such as a job still held after 26 weeks);
- **payment mechanisms**, composable, each turning outcomes into claims:
  :class:`RateCard`, :class:`SurplusShare` (the catalogue's tariff),
  :class:`EffectPayment` (thresholds and tiers on the effect measured
  against a comparison group) and :class:`SavingsShare`; each may carry a
  :class:`Trigger` and a cap;
- **timing**: a lag after each outcome, or annual settlement, and early
  termination;
- **payers** (one or several commissioners with shares), the **capital**
  (:class:`Capital`: investors in tranches with a waterfall, a loan to the
  provider, or a grant), a **guarantee** and the **evaluation** fee.

Contracts are read from TOML with :func:`load_contract`; the scenario's own
``[contract]`` section is the contract :meth:`Contract.from_scenario`. The
money is worked out by :mod:`sibrisk.settlement`, the same vectorised code for
observed outcomes, expected outcomes and millions of simulated runs.

The catalogue's payment model is the **surplus-share tariff**: the
commissioner pays the provider's cost plus the investor's share of the
expected budget surplus, per participant, turned into a rate per
gross-employed participant.

.. math::
    P = \\max(C + \\sigma S,\\ 0), \\qquad R = P / \\bar g

Rates by participant type follow either the catalogue's rule (Table 4),
:math:`R_i = R\\,(1 - (g_i - \\bar g))`, which is not payout-neutral, or the
same shape scaled so that the expected payment equals :math:`P`.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import os
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._io import parse_data, read_text, wrong_kind
from ..errors import _MISSING, _NO_VALUE, ContractError, Problem
from ..scenario.spec import NAME_PATTERN, Scenario, builtin_names, list_scenarios, load_scenario

__all__ = [
    "Contract", "Metric", "Trigger", "RateCard", "SurplusShare", "EffectPayment",
    "SavingsShare", "Payer", "Tranche", "Guarantee", "Capital", "Evaluation",
    "load_contract", "BASE_METRIC",
]


# ---------------------------------------------------------------------------
# The contract model
# ---------------------------------------------------------------------------
#: The metric every outcome model provides: employed at the measurement point (gross).
BASE_METRIC = "employed"

MECHANISMS = ("rate_card", "surplus_share", "effect", "savings_share")
CAPITAL_MODELS = ("investors", "loan", "grant")
SETTLEMENTS = ("each", "annual")


@dataclass(frozen=True, slots=True)
class Metric:
    """An outcome a contract pays for.

    ``employed`` (gross employment at the measurement point) is drawn by the
    outcome model. Every other metric follows one before it (``of``): a
    participant reaches it only after reaching ``of``, and in simulation
    ``Binomial(count of 'of', retention)`` of them do (e.g. a job still held
    after 26 weeks). Observed outcomes give its count directly.

    Attributes
    ----------
    name : str
    of : str or None
        The metric it follows (``None`` for ``employed``).
    retention : float
        Share of those reaching ``of`` who also reach this one (simulation
        and expected outcomes).
    month : float
        When the outcome is observed, months from the programme start.
    """

    name: str
    of: str | None = None
    retention: float = 1.0
    month: float = 0.0


@dataclass(frozen=True, slots=True)
class Trigger:
    """A condition on the measured effect; the mechanism pays nothing unless it holds.

    The effect of a cohort is the share of its participants reaching
    ``metric`` minus the comparison group's rate. The trigger holds if any
    single cohort's effect is at least ``any_cohort_at_least``, or the
    pooled effect of all cohorts is at least ``pooled_at_least`` (either
    condition given alone is the whole trigger).
    """

    metric: str = BASE_METRIC
    any_cohort_at_least: float | None = None
    pooled_at_least: float | None = None


@dataclass(frozen=True, slots=True)
class RateCard:
    """A price per unit of each metric, optionally by participant type.

    Attributes
    ----------
    rates : dict
        Metric name -> rate (nominal, per participant reaching the metric),
        a number or a dict of participant type -> rate. A participant can
        earn several metrics (e.g. employed, then still employed at 26 weeks).
    cap_per_participant : float, optional
        Most one participant can earn across the card's metrics (the metrics
        must then follow each other in one chain).
    metric_caps : dict
        Metric name -> most paid for that metric in total.
    cap : float, optional
        Most paid by this card in total; later claims are cut first.
    """

    name: str = "rate_card"
    rates: dict[str, float | dict[str, float]] = None  # type: ignore[assignment]
    cap_per_participant: float | None = None
    metric_caps: dict[str, float] = None  # type: ignore[assignment]
    cap: float | None = None
    trigger: Trigger | None = None
    kind: str = "rate_card"

    def __post_init__(self) -> None:
        object.__setattr__(self, "rates", dict(self.rates or {}))
        object.__setattr__(self, "metric_caps", dict(self.metric_caps or {}))


@dataclass(frozen=True, slots=True)
class SurplusShare:
    """The catalogue's tariff: a rate per employed participant set from the expected surplus.

    The price is worked out on the scenario the contract is evaluated in
    (:func:`price_surplus_share`), with the payment falling when the metric
    is paid. Fields left ``None`` take the scenario's ``[contract]`` values.
    """

    name: str = "surplus_share"
    investor_share: float | None = None
    rate_card: str | None = None
    by_type_rule: str | None = None
    metric: str = BASE_METRIC
    cap: float | None = None
    trigger: Trigger | None = None
    kind: str = "surplus_share"


@dataclass(frozen=True, slots=True)
class EffectPayment:
    """Payment as a function of the effect measured against a comparison group.

    The effect is the share reaching ``metric`` minus the comparison group's
    rate, per cohort (``measure = "per_cohort"``, each cohort paid on its
    own effect) or pooled over all cohorts. ``points`` are (effect, amount)
    pairs in increasing effect: below the first nothing is paid; with
    ``interpolation = "steps"`` the amount of the highest point reached is
    paid, with ``"linear"`` amounts are interpolated between points and held
    after the last. The amount is ``per`` participant, per cohort, or per
    measured additional outcome (effect times participants).
    """

    name: str = "effect"
    points: tuple[tuple[float, float], ...] = ()
    metric: str = BASE_METRIC
    measure: str = "per_cohort"
    interpolation: str = "steps"
    per: str = "participant"
    cap: float | None = None
    trigger: Trigger | None = None
    kind: str = "effect"


@dataclass(frozen=True, slots=True)
class SavingsShare:
    """The payers pass on a share of their realised savings.

    In each year 0 .. ``years`` the payers pay ``share`` of that year's
    realised savings (nothing in a year without savings) until the capital
    drawn, with interest at ``interest`` per year, is repaid; from then on
    ``share_after``. Paid at the end of each year (plus the contract's lag).
    """

    name: str = "savings_share"
    share: float = 0.5
    interest: float = 0.0
    share_after: float = 0.0
    years: int = 10
    cap: float | None = None
    trigger: Trigger | None = None
    kind: str = "savings_share"


Mechanism = RateCard | SurplusShare | EffectPayment | SavingsShare


@dataclass(frozen=True, slots=True)
class Payer:
    """One commissioner: its share of the outcome payments and of the savings."""

    name: str = "municipality"
    pays: float = 1.0
    saves: float = 1.0


@dataclass(frozen=True, slots=True)
class Tranche:
    """One investor (or lender, or funder) and its part of the capital.

    ``coupon`` is the annual rate its balance earns (interest on a loan; the
    preferred return of a senior tranche). In the investors' waterfall every
    tranche but the last is repaid its balance in order; the last takes what
    is left.
    """

    name: str = "investor"
    share: float = 1.0
    coupon: float = 0.0


@dataclass(frozen=True, slots=True)
class Guarantee:
    """A guarantor covering the first losses of one tranche.

    The loss is the tranche's capital drawn minus what it has received
    (nominal) at ``month`` (default: the contract's last payment). The
    guarantor pays ``min(loss, amount)``, or ``share * loss``, or the cover
    interpolated in ``schedule`` ((loss, cover) points), never more than
    the loss.
    """

    name: str = "guarantor"
    covers: str | None = None
    amount: float | None = None
    share: float | None = None
    schedule: tuple[tuple[float, float], ...] | None = None
    month: float | None = None


@dataclass(frozen=True, slots=True)
class Capital:
    """Who funds the provider, and on what terms.

    ``model``: ``"investors"`` (the standard model: the tranches fund the
    provider and receive the outcome payments through the waterfall),
    ``"loan"`` (the tranches lend to the provider, which receives the
    outcome payments and repays balance and interest at ``repay_month``,
    whatever the outcomes) or ``"grant"`` (the reinvestment model: a
    foundation funds the provider and forgoes repayment; what the contract
    would pay stays with the payers as a declared, non-binding
    reinvestment). ``commitment`` defaults to the programme's cost;
    ``drawdown`` lists (month, share of the commitment) pairs.
    """

    model: str = "investors"
    commitment: float | None = None
    drawdown: tuple[tuple[float, float], ...] = ((0.0, 1.0),)
    tranches: tuple[Tranche, ...] = (Tranche(),)
    guarantee: Guarantee | None = None
    repay_month: float | None = None


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The independent evaluator's fee: amount, month and who pays it
    (``"payers"`` by their shares, one payer, a tranche or ``"provider"``)."""

    fee: float = 0.0
    month: float = 0.0
    paid_by: str = "payers"


@dataclass(frozen=True, slots=True)
class Contract:
    """An outcome contract: what is paid for, when, by whom, to whom.

    Build one with :func:`load_contract` (a TOML file), :meth:`from_dict`
    or :meth:`from_scenario` (the catalogue's contract of a scenario).

    Examples
    --------
    >>> import sibrisk
    >>> c = sibrisk.Contract.from_scenario(sibrisk.load_scenario("drc-sib-2023"))
    >>> [m.kind for m in c.payments], c.capital.model
    (['surplus_share'], 'investors')
    """

    name: str
    payments: tuple[Mechanism, ...]
    scenario: str | None = None
    description: str = ""
    metrics: tuple[Metric, ...] = (Metric(BASE_METRIC),)
    settlement: str = "each"
    lag_months: float = 0.0
    termination_month: float | None = None
    cap: float | None = None
    payers: tuple[Payer, ...] = (Payer(),)
    capital: Capital = Capital()
    evaluation: Evaluation | None = None
    source: str = "<dict>"

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> Contract:
        """The catalogue's contract of a scenario: its surplus-share tariff paid at the end
        of ``contract.payment_year``, one investor funding the provider at the start."""
        return cls(name=f"{scenario.name}-contract", scenario=scenario.name,
                   description="the scenario's surplus-share tariff",
                   payments=(SurplusShare(),), lag_months=12.0 * scenario.contract.payment_year,
                   source=f"{scenario.name} [contract]")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "<dict>") -> Contract:
        """Build and validate a contract from a nested mapping (as TOML gives).

        Raises
        ------
        ContractError
            Listing every problem with key, value given and what is allowed.
        """
        return _read_contract(data, source)

    @classmethod
    def from_toml(cls, path: str | os.PathLike[str]) -> Contract:
        """Read a contract from a TOML file (its ``scenario`` path is relative to the file)."""
        source = os.fspath(path)
        fail = _fail(source)
        data = parse_data(read_text(path, fail), "TOML", fail)
        contract = _read_contract(data, source)
        path = Path(path)
        if contract.scenario is not None and contract.scenario not in list_scenarios():
            target = Path(contract.scenario)
            if not target.is_absolute():
                contract = dataclasses.replace(contract, scenario=str(path.parent / target))
        return contract

    def scenario_object(self) -> Scenario:
        """The scenario named by the contract's ``scenario`` key."""
        if self.scenario is None:
            raise ContractError(self.source, [Problem(
                "scenario", _MISSING, "name a built-in scenario or a scenario file to "
                "evaluate the contract in")])
        if self.scenario not in builtin_names() and not _is_file(self.scenario):
            raise ContractError(self.source, [Problem(
                "scenario", self.scenario, "neither a built-in scenario ("
                + ", ".join(list_scenarios()) + ") nor a file")])
        return load_scenario(self.scenario)

    def measuring(self) -> set[str]:
        """The names of the mechanisms that pay on an effect measured against a comparison
        group: effect payments, and any mechanism with a trigger."""
        return {m.name for m in self.payments if m.trigger is not None or m.kind == "effect"}

    def to_dict(self) -> dict[str, Any]:
        """The contract as a nested dict (the TOML structure); :meth:`from_dict` reads it
        back. Keys at their defaults are left out."""
        out: dict[str, Any] = {"name": self.name}
        if self.scenario is not None:
            out["scenario"] = self.scenario
        if self.description:
            out["description"] = self.description
        for key, default in (("settlement", "each"), ("lag_months", 0.0),
                             ("termination_month", None), ("cap", None)):
            if getattr(self, key) != default:
                out[key] = getattr(self, key)
        metrics = [_plain_fields(m, skip=("of", "retention") if m.of is None else ())
                   for m in self.metrics]
        if self.metrics[0].month == 0.0:
            metrics = metrics[1:]
        if metrics:
            out["metrics"] = metrics
        out["payments"] = [_plain_fields(m) for m in self.payments]
        if self.payers != (Payer(),):
            out["payers"] = [_plain_fields(p) for p in self.payers]
        cap = _plain_fields(self.capital)
        if cap != {"model": "investors", "drawdown": [[0.0, 1.0]],
                   "tranches": [{"name": "investor", "share": 1.0, "coupon": 0.0}]}:
            out["capital"] = cap
        if self.evaluation is not None:
            out["evaluation"] = _plain_fields(self.evaluation)
        return out

    def validated(self) -> Contract:
        """The contract read back through :meth:`from_dict`: a contract built in Python
        (or changed with ``dataclasses.replace``) gets the checks of a contract file."""
        checked = Contract.from_dict(self.to_dict(), source=self.source)
        return dataclasses.replace(checked, source=self.source)

    def metric(self, name: str) -> Metric:
        """One metric by name."""
        return {m.name: m for m in self.metrics}[name]


def _is_file(path: str) -> bool:
    try:
        return Path(path).is_file()
    except OSError:  # e.g. a name too long for the file system
        return False


def _plain_fields(obj: Any, skip: tuple[str, ...] = ()) -> Any:
    """A contract part as plain TOML values: tables, lists, numbers and strings."""
    if dataclasses.is_dataclass(obj):
        return {f.name: _plain_fields(getattr(obj, f.name)) for f in dataclasses.fields(obj)
                if f.name not in skip and getattr(obj, f.name) is not None}
    if isinstance(obj, Mapping):
        return {k: _plain_fields(v) for k, v in obj.items()}
    if isinstance(obj, tuple | list):
        return [_plain_fields(v) for v in obj]
    return obj


def load_contract(contract: str | os.PathLike[str] | Mapping[str, Any] | Contract) -> Contract:
    """A contract from a TOML file or a mapping (a :class:`Contract` is returned as is)."""
    if isinstance(contract, Contract):
        return contract
    if isinstance(contract, Mapping):
        return Contract.from_dict(contract)
    return Contract.from_toml(contract)


def _fail(source: str):
    """The error of the file reader for a contract file (see :mod:`sibrisk._textfile`)."""
    def fail(key: str, value: Any, allowed: str) -> ContractError:
        return ContractError(source, [Problem(key, _NO_VALUE if value is None else value,
                                              allowed)])
    return fail


# ---------------------------------------------------------------------------
# Reading a contract: every problem names its key
# ---------------------------------------------------------------------------
class _Reader:
    """Checks values of one contract and collects the problems."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def bad(self, key: str, value: Any, allowed: str) -> None:
        self.problems.append(Problem(key, value, allowed))

    def table(self, data: Any, key: str, allowed: tuple[str, ...]) -> dict[str, Any] | None:
        if not isinstance(data, Mapping):
            self.bad(key, data, "must be a table")
            return None
        for k in data:
            if k not in allowed:
                full = f"{key}.{k}" if key else k
                close = difflib.get_close_matches(k, allowed, n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                self.bad(full, data[k], f"unknown key; {hint}allowed keys: {', '.join(allowed)}")
        return dict(data)

    def number(self, data: Mapping[str, Any], name: str, where: str, default: Any = _MISSING, *,
               lo: float | None = None, hi: float | None = None, lo_open: bool = False,
               integer: bool = False, what: str = "") -> Any:
        key = f"{where}.{name}" if where else name
        if name not in data:
            if default is _MISSING:
                self.bad(key, _MISSING, what or _allowed(lo, hi, lo_open, integer))
            return default
        return self.value(data[name], key, lo=lo, hi=hi, lo_open=lo_open, integer=integer)

    def value(self, value: Any, key: str, *, lo: float | None = None, hi: float | None = None,
              lo_open: bool = False, integer: bool = False) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or (integer and not float(value).is_integer()):
            self.bad(key, value, _allowed(lo, hi, lo_open, integer))
            return None
        if not math.isfinite(value):
            self.bad(key, value, _allowed(lo, hi, lo_open, integer) + " (finite)")
            return None
        low = lo is not None and (value <= lo if lo_open else value < lo)
        if low or (hi is not None and value > hi):
            self.bad(key, value, _allowed(lo, hi, lo_open, integer))
            return None
        return int(value) if integer else float(value)

    def choice(self, data: Mapping[str, Any], name: str, where: str, choices: tuple[str, ...],
               default: Any) -> Any:
        key = f"{where}.{name}" if where else name
        value = data.get(name, default)
        if value is _MISSING or value not in choices:
            self.bad(key, value, "must be one of " + ", ".join(repr(c) for c in choices))
            return default if default is not _MISSING else None
        return value

    def name(self, data: Mapping[str, Any], name: str, where: str, default: Any = _MISSING) -> Any:
        key = f"{where}.{name}" if where else name
        value = data.get(name, default)
        if value is _MISSING or not isinstance(value, str) or not re.fullmatch(NAME_PATTERN, value):
            self.bad(key, value, "must be a name of letters, digits, '_' or '-', starting with "
                     "a letter")
            return None
        return value

    def ref(self, data: Mapping[str, Any], name: str, where: str, allowed: Collection[str],
            what: str, default: Any = _MISSING) -> Any:
        """A name that must be one of ``allowed`` (a metric, a tranche): a string first,
        so a list or a table given in its place is reported, not looked up."""
        key = f"{where}.{name}" if where else name
        value = data.get(name, default)
        if not isinstance(value, str) or value not in allowed:
            self.bad(key, value, f"must {what}: " + ", ".join(repr(a) for a in sorted(allowed)))
            return None
        return value

    def text(self, data: Mapping[str, Any], name: str, where: str, default: str = "") -> str:
        key = f"{where}.{name}" if where else name
        value = data.get(name, default)
        if not isinstance(value, str):
            self.bad(key, value, "must be a string")
            return default
        return value

    def points(self, data: Mapping[str, Any], name: str, where: str, *, x_lo: float | None,
               x_hi: float | None, y_lo: float | None, y_hi: float | None = None,
               increasing: str = "strictly") -> tuple[tuple[float, float], ...] | None:
        key = f"{where}.{name}"
        raw = data.get(name, _MISSING)
        form = "a list of [x, y] pairs, e.g. [[0.1, 1000], [0.2, 2000]]"
        if raw is _MISSING:
            self.bad(key, _MISSING, f"must be {form}")
            return None
        if not isinstance(raw, list) or not raw or not all(
                isinstance(p, list) and len(p) == 2 for p in raw):
            self.bad(key, raw, f"must be {form}")
            return None
        out = []
        for i, (x, y) in enumerate(raw):
            xv = self.value(x, f"{key}[{i}][0]", lo=x_lo, hi=x_hi)
            yv = self.value(y, f"{key}[{i}][1]", lo=y_lo, hi=y_hi)
            if xv is None or yv is None:
                return None
            out.append((xv, yv))
        xs = [x for x, _ in out]
        if increasing == "strictly" and any(b <= a for a, b in zip(xs, xs[1:], strict=False)):
            self.bad(key, raw, "the first numbers of the pairs must increase strictly")
            return None
        if increasing == "weakly" and any(b < a for a, b in zip(xs, xs[1:], strict=False)):
            self.bad(key, raw, "the first numbers of the pairs must not decrease")
            return None
        return tuple(out)


def _allowed(lo: float | None, hi: float | None, lo_open: bool, integer: bool) -> str:
    noun = "a whole number" if integer else "a number"
    if lo is not None and hi is not None:
        return f"must be {noun} in {'(' if lo_open else '['}{lo:g}, {hi:g}]"
    if lo is not None:
        return f"must be {noun} {'>' if lo_open else '>='} {lo:g}"
    return f"must be {noun}"


_MONTHS = {"lo": 0.0, "hi": 12.0 * 500}
_TOP = ("name", "scenario", "description", "settlement", "lag_months", "termination_month",
        "cap", "metrics", "payments", "payers", "capital", "evaluation")
_TRIGGER = ("metric", "any_cohort_at_least", "pooled_at_least")
_COMMON = ("kind", "name", "cap", "trigger")
_KEYS = {
    "rate_card": _COMMON + ("rates", "cap_per_participant", "metric_caps"),
    "surplus_share": _COMMON + ("investor_share", "rate_card", "by_type_rule", "metric"),
    "effect": _COMMON + ("points", "metric", "measure", "interpolation", "per"),
    "savings_share": _COMMON + ("share", "interest", "share_after", "years"),
}


def _read_contract(data: Mapping[str, Any], source: str) -> Contract:
    wrong_kind(data, "contract", _fail(source))
    r = _Reader()
    top = r.table(data, "", _TOP)
    if top is None:
        raise ContractError(source, r.problems)
    name = r.name(top, "name", "")
    scenario = top.get("scenario")
    if scenario is not None and (not isinstance(scenario, str) or not scenario.strip()):
        r.bad("scenario", scenario, "must be a built-in scenario name or a scenario file path")
        scenario = None
    description = r.text(top, "description", "")
    metrics = _read_metrics(r, top.get("metrics", []))
    known = {m.name for m in metrics}
    # a metric whose definition has a mistake is still declared: no second error for its uses
    rows = top.get("metrics", [])
    declared = known | {row.get("name") for row in (rows if isinstance(rows, list) else [])
                        if isinstance(row, Mapping) and isinstance(row.get("name"), str)}
    raw = top.get("payments", _MISSING)
    payments: list[Mechanism] = []
    if raw is _MISSING or not isinstance(raw, list) or not raw:
        r.bad("payments", raw, "add at least one [[payments]] table with kind = "
              + " | ".join(repr(k) for k in MECHANISMS))
    else:
        for i, row in enumerate(raw):
            mech = _read_mechanism(r, row, f"payments[{i}]", known, declared)
            if mech is not None:
                payments.append(mech)
        names = [m.name for m in payments]
        for dup in sorted({n for n in names if names.count(n) > 1}):
            r.bad("payments", dup, "two payments share this name; give each a distinct 'name'")
    settlement = r.choice(top, "settlement", "", SETTLEMENTS, "each")
    lag = r.number(top, "lag_months", "", 0.0, **_MONTHS)
    termination = r.number(top, "termination_month", "", None, **_MONTHS)
    cap = r.number(top, "cap", "", None, lo=0.0)
    payers = _read_payers(r, top.get("payers", _MISSING))
    capital = _read_capital(r, top.get("capital", {}))
    evaluation = None
    if "evaluation" in top:
        ev = r.table(top["evaluation"], "evaluation", ("fee", "month", "paid_by"))
        if ev is not None:
            fee = r.number(ev, "fee", "evaluation", lo=0.0)
            month = r.number(ev, "month", "evaluation", 0.0, **_MONTHS)
            paid_by = r.name(ev, "paid_by", "evaluation", "payers")
            evaluation = Evaluation(fee=fee or 0.0, month=month or 0.0, paid_by=paid_by or "")
    if not r.problems:
        _check_actors(r, payers, capital, evaluation)
    if r.problems:
        raise ContractError(source, r.problems)
    return Contract(name=name, scenario=scenario, description=description,
                    metrics=metrics, payments=tuple(payments), settlement=settlement,
                    lag_months=lag, termination_month=termination, cap=cap, payers=payers,
                    capital=capital, evaluation=evaluation, source=source)


def _read_metrics(r: _Reader, raw: Any) -> tuple[Metric, ...]:
    base = Metric(BASE_METRIC)
    if not isinstance(raw, list):
        r.bad("metrics", raw, "must be a list of [[metrics]] tables")
        return (base,)
    out = [base]
    seen = {BASE_METRIC}
    for i, row in enumerate(raw):
        where = f"metrics[{i}]"
        t = r.table(row, where, ("name", "of", "retention", "month"))
        if t is None:
            continue
        name = r.name(t, "name", where)
        if name == BASE_METRIC:
            if set(t) - {"name", "month"}:
                r.bad(where, name, "'employed' is the outcome model's own metric; only its "
                      "'month' can be set")
            base = Metric(BASE_METRIC, month=r.number(t, "month", where, 0.0, **_MONTHS) or 0.0)
            out[0] = base
            continue
        if name in seen:
            r.bad(f"{where}.name", name, "two metrics share this name")
            continue
        of = r.ref(t, "of", where, seen, "name a metric listed before it")
        if of is None:
            continue
        retention = r.number(t, "retention", where, lo=0.0, hi=1.0,
                             what="must be a number in [0, 1]: the share of those reaching "
                             f"{of!r} who also reach {name!r}")
        month = r.number(t, "month", where, None, **_MONTHS)
        if name is None or retention is None:
            continue
        parent_month = next(m.month for m in out if m.name == of)
        if month is None:
            month = parent_month
        elif month < parent_month:
            r.bad(f"{where}.month", month, f"must not be before the month of {of!r} "
                  f"({parent_month:g})")
        seen.add(name)
        out.append(Metric(name, of=of, retention=retention, month=month))
    return tuple(out)


def _read_trigger(r: _Reader, raw: Any, where: str, metrics: set[str]) -> Trigger | None:
    t = r.table(raw, where, _TRIGGER)
    if t is None:
        return None
    metric = r.ref(t, "metric", where, metrics, "be one of the contract's metrics",
                   BASE_METRIC)
    a = r.number(t, "any_cohort_at_least", where, None, lo=-1.0, hi=1.0)
    b = r.number(t, "pooled_at_least", where, None, lo=-1.0, hi=1.0)
    if a is None and b is None and not r.problems:
        r.bad(where, dict(t), "give any_cohort_at_least, pooled_at_least or both (effects as "
              "proportions, e.g. 0.10 for ten percentage points)")
    return Trigger(metric=metric, any_cohort_at_least=a, pooled_at_least=b)


def _read_mechanism(r: _Reader, row: Any, where: str, metrics: set[str],
                    declared: set[str] | None = None) -> Mechanism | None:
    if not isinstance(row, Mapping):
        r.bad(where, row, "must be a table")
        return None
    kind = row.get("kind", _MISSING)
    if kind not in MECHANISMS:
        r.bad(f"{where}.kind", kind, "must be one of " + ", ".join(repr(k) for k in MECHANISMS))
        return None
    t = r.table(row, where, _KEYS[kind])
    if t is None:
        return None
    name = r.name(t, "name", where, kind)
    cap = r.number(t, "cap", where, None, lo=0.0)
    trigger = _read_trigger(r, t["trigger"], f"{where}.trigger", metrics) if "trigger" in t \
        else None

    def metric_of(key: str = "metric") -> str:
        return r.ref(t, key, where, metrics, "be one of the contract's metrics", BASE_METRIC)

    common = {"name": name, "cap": cap, "trigger": trigger}
    if kind == "rate_card":
        rates_raw = t.get("rates", _MISSING)
        rates: dict[str, float | dict[str, float]] = {}
        if not isinstance(rates_raw, Mapping) or not rates_raw:
            r.bad(f"{where}.rates", rates_raw, "must be a table of metric = rate (a number, or "
                  "a table of participant type = rate)")
        else:
            for m, v in rates_raw.items():
                key = f"{where}.rates.{m}"
                if m not in metrics:
                    if m not in (declared or ()):  # else its definition is already reported
                        r.bad(key, v, "unknown metric; the contract's metrics: "
                              + ", ".join(repr(x) for x in sorted(metrics)))
                elif isinstance(v, Mapping):
                    rates[m] = {k: r.value(x, f"{key}.{k}", lo=0.0) for k, x in v.items()}
                else:
                    rates[m] = r.value(v, key, lo=0.0)
        caps_raw = t.get("metric_caps", {})
        caps: dict[str, float] = {}
        if not isinstance(caps_raw, Mapping):
            r.bad(f"{where}.metric_caps", caps_raw, "must be a table of metric = cap")
        else:
            for m, v in caps_raw.items():
                if m not in rates:
                    r.bad(f"{where}.metric_caps.{m}", v, "caps a metric the card does not pay "
                          "for; priced metrics: " + ", ".join(repr(x) for x in rates))
                else:
                    caps[m] = r.value(v, f"{where}.metric_caps.{m}", lo=0.0)
        per = r.number(t, "cap_per_participant", where, None, lo=0.0)
        return RateCard(rates=rates, cap_per_participant=per, metric_caps=caps, **common)
    if kind == "surplus_share":
        return SurplusShare(
            investor_share=r.number(t, "investor_share", where, None, lo=0.0, hi=1.0),
            rate_card=r.choice(t, "rate_card", where, ("uniform", "by_type"), None)
            if "rate_card" in t else None,
            by_type_rule=r.choice(t, "by_type_rule", where, ("catalogue", "payout_neutral"), None)
            if "by_type_rule" in t else None,
            metric=metric_of(), **common)
    if kind == "effect":
        points = r.points(t, "points", where, x_lo=-1.0, x_hi=1.0, y_lo=0.0)
        return EffectPayment(
            points=points or (), metric=metric_of(),
            measure=r.choice(t, "measure", where, ("per_cohort", "pooled"), "per_cohort"),
            interpolation=r.choice(t, "interpolation", where, ("steps", "linear"), "steps"),
            per=r.choice(t, "per", where, ("participant", "cohort", "additional"),
                         "participant"), **common)
    return SavingsShare(
        share=r.number(t, "share", where, lo=0.0, hi=1.0),
        interest=r.number(t, "interest", where, 0.0, lo=0.0, hi=1.0),
        share_after=r.number(t, "share_after", where, 0.0, lo=0.0, hi=1.0),
        years=r.number(t, "years", where, lo=0, hi=500, integer=True), **common)


def _shares_sum(r: _Reader, values: list[Any], key: str, what: str) -> None:
    if not all(isinstance(v, float) for v in values):
        return  # a share is missing or wrong: already reported
    if abs(math.fsum(values) - 1.0) > 1e-9:
        r.bad(key, [round(v, 10) for v in values], f"the {what} must sum to 1")


def _read_payers(r: _Reader, raw: Any) -> tuple[Payer, ...]:
    if raw is _MISSING:
        return (Payer(),)
    if not isinstance(raw, list) or not raw:
        r.bad("payers", raw, "must be a list of [[payers]] tables (name, pays, saves)")
        return (Payer(),)
    out = []
    for i, row in enumerate(raw):
        where = f"payers[{i}]"
        t = r.table(row, where, ("name", "pays", "saves"))
        if t is None:
            continue
        out.append(Payer(name=r.name(t, "name", where),
                         pays=r.number(t, "pays", where, lo=0.0, hi=1.0),
                         saves=r.number(t, "saves", where, lo=0.0, hi=1.0)))
    _shares_sum(r, [p.pays for p in out], "payers.pays", "payers' shares of the payments")
    _shares_sum(r, [p.saves for p in out], "payers.saves", "payers' shares of the savings")
    return tuple(out)


_DEFAULT_TRANCHE = {"investors": "investor", "loan": "lender", "grant": "foundation"}


def _read_capital(r: _Reader, raw: Any) -> Capital:
    t = r.table(raw, "capital", ("model", "commitment", "drawdown", "tranches", "guarantee",
                                 "repay_month"))
    if t is None:
        return Capital()
    model = r.choice(t, "model", "capital", CAPITAL_MODELS, "investors")
    commitment = r.number(t, "commitment", "capital", None, lo=0.0)
    drawdown = ((0.0, 1.0),)
    if "drawdown" in t:
        drawdown = r.points(t, "drawdown", "capital", x_lo=0.0, x_hi=_MONTHS["hi"], y_lo=0.0,
                            y_hi=1.0) or drawdown
        _shares_sum(r, [s for _, s in drawdown], "capital.drawdown",
                    "shares drawn (second numbers)")
    tranches: tuple[Tranche, ...] = (Tranche(name=_DEFAULT_TRANCHE[model]),)
    if "tranches" in t:
        rows = t["tranches"]
        if not isinstance(rows, list) or not rows:
            r.bad("capital.tranches", rows, "must be a list of [[capital.tranches]] tables "
                  "(name, share, coupon)")
        else:
            out = []
            for i, row in enumerate(rows):
                where = f"capital.tranches[{i}]"
                tt = r.table(row, where, ("name", "share", "coupon"))
                if tt is None:
                    continue
                out.append(Tranche(name=r.name(tt, "name", where),
                                   share=r.number(tt, "share", where, lo=0.0, hi=1.0),
                                   coupon=r.number(tt, "coupon", where, 0.0, lo=0.0, hi=1.0)))
            _shares_sum(r, [x.share for x in out], "capital.tranches.share",
                        "tranches' shares of the capital")
            tranches = tuple(out)
    guarantee = None
    if "guarantee" in t:
        g = r.table(t["guarantee"], "capital.guarantee",
                    ("name", "covers", "amount", "share", "schedule", "month"))
        if g is not None:
            given = [k for k in ("amount", "share", "schedule") if k in g]
            if len(given) != 1:
                r.bad("capital.guarantee", dict(g), "give exactly one of amount, share or "
                      "schedule")
            schedule = r.points(g, "schedule", "capital.guarantee", x_lo=0.0, x_hi=None,
                                y_lo=0.0) if "schedule" in g else None
            guarantee = Guarantee(
                name=r.name(g, "name", "capital.guarantee", "guarantor"),
                covers=g.get("covers", tranches[0].name),
                amount=r.number(g, "amount", "capital.guarantee", None, lo=0.0),
                share=r.number(g, "share", "capital.guarantee", None, lo=0.0, hi=1.0),
                schedule=schedule,
                month=r.number(g, "month", "capital.guarantee", None, **_MONTHS))
            if guarantee.covers not in [x.name for x in tranches]:
                r.bad("capital.guarantee.covers", guarantee.covers,
                      "must name a tranche: " + ", ".join(repr(x.name) for x in tranches))
            if model != "investors":
                r.bad("capital.guarantee", "{table}", "a guarantee covers investors' losses; "
                      "it needs capital.model = 'investors'")
    repay = r.number(t, "repay_month", "capital", None, **_MONTHS)
    if model == "loan" and repay is None and "repay_month" not in t:
        r.bad("capital.repay_month", _MISSING, "a loan needs the month the provider repays it")
    if model != "loan" and repay is not None:
        r.bad("capital.repay_month", repay, "only a loan (capital.model = 'loan') is repaid "
              "at a set month")
    return Capital(model=model, commitment=commitment, drawdown=drawdown, tranches=tranches,
                   guarantee=guarantee, repay_month=repay)


def _check_actors(r: _Reader, payers: tuple[Payer, ...], capital: Capital,
                  evaluation: Evaluation | None) -> None:
    names = [p.name for p in payers] + ["provider"] + [x.name for x in capital.tranches]
    if capital.guarantee is not None:
        names.append(capital.guarantee.name)
    if evaluation is not None:
        names.append("evaluator")
    for dup in sorted({n for n in names if names.count(n) > 1}):
        r.bad("actors", dup, "two actors (payers, tranches, guarantor, 'provider', "
              "'evaluator') share this name; rename one")
    if evaluation is not None:
        allowed = ["payers", "provider"] + [p.name for p in payers] + \
            [x.name for x in capital.tranches]
        if evaluation.paid_by not in allowed:
            r.bad("evaluation.paid_by", evaluation.paid_by,
                  "must be one of " + ", ".join(repr(a) for a in allowed))
