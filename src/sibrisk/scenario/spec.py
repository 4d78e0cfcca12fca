"""Scenarios: typed, validated, immutable inputs, read from and written to TOML.

A :class:`Scenario` holds everything the model needs: the cohort and its
participant types, discounting, how the employment effect fades, what the
municipality saves, what the provider costs, the contract terms and the
welfare-economic factors. Every field carries its documentation, unit and
allowed range in one place (the ``spec`` metadata below); validation, the
commented TOML template and the docs are all generated from it.

Danish words used in the domain: *kommune* is the municipality (here the
commissioner, who pays for outcomes); *budgetøkonomisk* is the public-budget
account of the municipality; *samfundsøkonomisk* is the welfare-economic
account of society as a whole; *normalindsats* is the ordinary employment
effort the municipality would otherwise provide.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import math
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import tomlkit

from .._io import atomic_write, parse_data, read_text, wrong_kind
from ..errors import _MISSING, _NO_VALUE, Problem, ScenarioError
from .uncertainty import Distribution, normal_correlation

__all__ = [
    "Scenario",
    "ParticipantType",
    "Cohort",
    "Discounting",
    "Effect",
    "Municipality",
    "Provider",
    "ContractTerms",
    "Welfare",
    "load_scenario",
    "list_scenarios",
    "AGGREGATE_INPUTS",
]


# ---------------------------------------------------------------------------
# Field specifications: one place for doc, unit and allowed values
# ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Spec:
    doc: str
    kind: str  # "real", "int", "str", "choice", "bool"
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    unit: str = ""
    choices: tuple[str, ...] = ()
    pattern: str | None = None
    pattern_doc: str = ""
    optional: bool = False
    certain: str = ""  # why this input cannot carry a distribution ("" = it can)

    def allowed(self) -> str:
        """Plain-English statement of the allowed values."""
        if self.kind == "bool":
            return "must be true or false"
        if self.kind == "choice":
            return "must be one of " + ", ".join(repr(c) for c in self.choices)
        if self.kind == "str":
            return f"must be a string{' ' + self.pattern_doc if self.pattern_doc else ''}"
        noun = "a whole number" if self.kind == "int" else "a number"
        if self.lo is not None and self.hi is not None:
            left = "(" if self.lo_open else "["
            return f"must be {noun} in {left}{_fmt(self.lo)}, {_fmt(self.hi)}]"
        if self.lo is not None:
            return f"must be {noun} {'>' if self.lo_open else '>='} {_fmt(self.lo)}"
        return f"must be {noun}"


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _spec_field(kind: str, doc: str, default: Any = _MISSING, **kw: Any) -> Any:
    spec = _Spec(doc=doc, kind=kind, **kw)
    if default is _MISSING:
        return field(metadata={"spec": spec})
    return field(default=default, metadata={"spec": spec})


def _real(doc: str, default: Any = _MISSING, **kw: Any) -> Any:
    return _spec_field("real", doc, default, **kw)


def _prob(doc: str, default: Any = _MISSING, **kw: Any) -> Any:
    return _spec_field("real", doc, default, lo=0.0, hi=1.0, **kw)


def _int(doc: str, default: Any = _MISSING, **kw: Any) -> Any:
    return _spec_field("int", doc, default, **kw)


def _section(cls: type) -> Any:
    return field(metadata={"section": cls})


NAME_PATTERN = r"[A-Za-z][A-Za-z0-9_\-]*"


# ---------------------------------------------------------------------------
# The sections of a scenario
# ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class ParticipantType:
    """One kind of participant, e.g. with or without recent work experience.

    ``gross_employment`` is the share employed at the measurement point with
    the programme (what triggers payment); ``control_employment`` the share
    that would have been employed anyway (deadweight, from a comparison
    group). Their difference is the marginal effect, the only part that
    saves the municipality money.
    """

    name: str = _spec_field(
        "str", "Short name of the type, used as its key.", pattern=NAME_PATTERN,
        pattern_doc="of letters, digits, '_' or '-', starting with a letter",
    )
    label: str = _spec_field("str", "Readable description of the type.", default="")
    share: float = _prob("Share of the cohort of this type.",
                         certain="shares must sum to 1; for a random mix of types set "
                         "cohort.composition = 'drawn'")
    gross_employment: float = _prob(
        "Share employed at the measurement point with the programme (triggers payment)."
    )
    control_employment: float = _prob(
        "Share employed without the programme (comparison group; deadweight)."
    )

    @property
    def marginal_effect(self) -> float:
        """Additional employment caused by the programme, ``gross - control``."""
        return self.gross_employment - self.control_employment


@dataclass(frozen=True, slots=True, kw_only=True)
class Cohort:
    """The group of participants the contract covers."""

    # counts are drawn and summed as doubles, exact up to 2^53 - 1
    size: int = _int("Number of participants in the cohort.", lo=1, hi=2**53 - 1,
                     unit="participants",
                     certain="the cohort size is chosen; compare sizes in separate runs")
    composition: str = _spec_field(
        "choice", "Participants of each type: 'fixed' counts (shares times size, rounded by "
        "largest remainder) or 'drawn' anew in every run (multinomial).",
        default="fixed", choices=("fixed", "drawn"),
    )
    cohorts: int = _int(
        "Number of cohorts the participants are split into (e.g. one per municipality), as "
        "evenly as possible; a contract can measure each cohort's effect on its own.",
        default=1, lo=1, unit="cohorts", certain="the number of cohorts is chosen; compare "
        "numbers in separate runs",
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Discounting:
    """How future money is brought to present value at the programme start.

    ``schedule = "flat"`` uses ``rate`` in every year. ``"mof2017"`` and
    ``"mof2021"`` are the Danish Ministry of Finance's stepped schedules:
    4 % for years 1-35, 3 % for 36-70 and 2 % after (2017 guide), and
    3.5 / 2.5 / 1.5 % (note of January 2021).
    """

    schedule: str = _spec_field(
        "choice", "Discount schedule: a flat rate or a Ministry of Finance stepped schedule.",
        default="mof2017", choices=("flat", "mof2017", "mof2021"),
    )
    rate: float | None = _real(
        "Annual discount rate; only with schedule = 'flat'.",
        default=None, lo=0.0, hi=1.0, optional=True, unit="per year",
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Effect:
    """How long the employment effect lasts and how it fades.

    The effect profile is f(t) = 1 for t <= full_effect_years and
    ``persistent_share + (1 - persistent_share) * (1 - decay) ** (t - full_effect_years)``
    after, for years t = 1 .. horizon.
    """

    horizon: int = _int("Years over which the employment effect is counted.", lo=0, hi=500,
                        unit="years")
    full_effect_years: int = _int("Years at full effect before it starts to fall.", lo=0,
                                  hi=500, unit="years")
    decay: float = _prob("Annual fall of the effect after the full-effect years.",
                         unit="per year")
    persistent_share: float = _prob("Share of the effect that never falls.", default=0.0)
    allow_negative: bool = _spec_field(
        "bool", "Allow control_employment above gross_employment (a harmful programme).",
        default=False,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Municipality:
    """The commissioner's (kommune's) budget: what it saves and what it spends."""

    saving_per_employed_year: float = _real(
        "Municipal saving per additional employed person-year (transfers saved, tax gained).",
        lo=0.0, unit="currency per person-year",
    )
    ordinary_effort_cost: float = _real(
        "Present value of the ordinary employment effort (normalindsats) per participant.",
        lo=0.0, unit="currency per participant",
    )
    ordinary_effort_saved_share: float = _prob(
        "Share of the ordinary effort the municipality saves because the provider takes over."
    )
    other_net_costs: float = _real(
        "Other effect-independent municipal net costs per participant (referral, follow-up).",
        unit="currency per participant",
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Provider:
    """The organisation that runs the programme."""

    cost_per_participant: float = _real(
        "Cost of the programme per participant, funded up front by the investor.",
        lo=0.0, lo_open=True, unit="currency per participant",
    )


_CHOSEN = "contract terms are chosen, not uncertain; compare terms in separate runs"


@dataclass(frozen=True, slots=True, kw_only=True)
class ContractTerms:
    """The catalogue's payment model: a share of the expected budget surplus.

    The commissioner pays ``cost + investor_surplus_share * surplus`` per
    participant, as a rate per gross-employed participant. ``rate_card``
    chooses one rate for all (``"uniform"``) or a rate per participant type
    (``"by_type"``); ``by_type_rule`` says how type rates are set:
    ``"catalogue"`` (R_i = R (1 - (g_i - g)), the catalogue's Table 4, not
    payout-neutral) or ``"payout_neutral"`` (the same shape, scaled so the
    expected payment equals the uniform one).
    """

    investor_surplus_share: float = _prob("Investor's share of the expected budget surplus.",
                                          certain=_CHOSEN)
    payment_year: int = _int(
        "Year (from programme start) at the end of which the outcome payment falls; 0 is the "
        "catalogue's convention (paid at the start). The price is set so that the payment's "
        "present value is cost plus the investor's share.",
        default=0, lo=0, hi=500, unit="years", certain=_CHOSEN,
    )
    rate_card: str = _spec_field(
        "choice", "Pay one rate for every employed participant, or a rate by participant type.",
        default="uniform", choices=("uniform", "by_type"),
    )
    by_type_rule: str = _spec_field(
        "choice", "How rates by participant type are set.",
        default="catalogue", choices=("catalogue", "payout_neutral"),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Welfare:
    """Welfare-economic (samfundsøkonomisk) factors, Ministry of Finance guide 2017."""

    production_per_employed_year: float = _real(
        "Value of production per additional employed person-year.",
        lo=0.0, unit="currency per person-year",
    )
    net_tax_factor: float = _real("Net tax factor (nettoafgiftsfaktor).", default=1.325,
                                  lo=0.0, lo_open=True)
    tax_distortion: float = _real("Tax-distortion factor (forvridningstab) on public money.",
                                  default=0.10, lo=0.0, hi=1.0)


# Aggregate handles that move all participant types together. Setting one fixes
# the rates it moves at their new values: their distributions are dropped.
AGGREGATE_INPUTS: dict[str, str] = {
    "gross_employment": "average gross employment; every type's gross rate scaled, "
    "control rates kept",
    "control_employment": "average employment without the programme; every type's control "
    "rate scaled, gross rates kept",
    "marginal_effect": "average marginal effect (gross - control); every type's effect "
    "scaled, gross rates kept",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Scenario:
    """All inputs of one outcome contract, validated and immutable.

    Build one with :func:`load_scenario` (a built-in name or a TOML path),
    :meth:`from_toml` or :meth:`from_dict`; change one with :meth:`replace`,
    which validates again.

    Examples
    --------
    >>> import sibrisk
    >>> s = sibrisk.load_scenario("drc-sib-2023")
    >>> s.cohort.size
    56
    >>> round(s.gross_employment, 4)
    0.3467
    >>> s.replace("effect.decay", 0.2).effect.decay
    0.2
    """

    name: str = _spec_field("str", "Short name of the scenario.", pattern=NAME_PATTERN,
                            pattern_doc="of letters, digits, '_' or '-', starting with a letter")
    title: str = _spec_field("str", "One-line title.", default="")
    description: str = _spec_field("str", "Longer description and sources.", default="")
    currency: str = _spec_field("str", "ISO 4217 currency code of every amount.",
                                pattern=r"[A-Z]{3}", pattern_doc="of three capital letters")
    price_year: int = _int("Price year of every amount.", lo=1900, hi=2200,
                           certain="the price year is a label, not a model input")
    cohort: Cohort = _section(Cohort)
    types: tuple[ParticipantType, ...] = field(metadata={"types": True})
    discounting: Discounting = _section(Discounting)
    effect: Effect = _section(Effect)
    municipality: Municipality = _section(Municipality)
    provider: Provider = _section(Provider)
    contract: ContractTerms = _section(ContractTerms)
    welfare: Welfare = _section(Welfare)
    correlation: tuple[tuple[str, str, float], ...] = field(
        default=(), metadata={"derived": True})
    uncertain: tuple[tuple[str, Distribution], ...] = field(
        default=(), metadata={"derived": True, "internal": True})
    #: every leaf's point value by dotted key, filled on the first ``get`` (a break-even
    #: or a sensitivity analysis reads thousands of values of one immutable scenario)
    _points: dict[str, Any] | None = field(
        default=None, init=False, repr=False, compare=False,
        metadata={"derived": True, "internal": True})
    #: Where the scenario came from (a file, a built-in name, ``"<dict>"``), for messages;
    #: not part of the scenario (two scenarios that differ only in it are equal).
    source: str = field(default="<dict>", compare=False, repr=False,
                        metadata={"derived": True, "internal": True})

    # -- derived quantities -------------------------------------------------
    @property
    def type_names(self) -> tuple[str, ...]:
        """Names of the participant types, in file order."""
        return tuple(t.name for t in self.types)

    @property
    def gross_employment(self) -> float:
        """Average gross employment, ``sum(share_i * gross_i)``."""
        return math.fsum(t.share * t.gross_employment for t in self.types)

    @property
    def control_employment(self) -> float:
        """Average employment without the programme, ``sum(share_i * control_i)``."""
        return math.fsum(t.share * t.control_employment for t in self.types)

    @property
    def marginal_effect(self) -> float:
        """Average marginal effect, gross minus control employment."""
        return math.fsum(t.share * t.marginal_effect for t in self.types)

    # -- construction -------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "<dict>") -> Scenario:
        """Build and validate a scenario from a nested mapping (as TOML gives).

        Raises
        ------
        ScenarioError
            Listing every problem with key, value given and what is allowed.
        """
        problems: list[Problem] = []
        uncertain: dict[str, Distribution] = {}
        built = _build(cls, data, "", problems, uncertain)
        if not problems:
            built = dataclasses.replace(
                built, uncertain=tuple(uncertain.items()),
                correlation=_read_correlations(data.get("correlation", []), uncertain, problems),
                source=source)
            _check_whole(built, problems)
        if problems:
            raise ScenarioError(source, problems)
        return built

    @classmethod
    def from_toml(cls, path: str | os.PathLike[str]) -> Scenario:
        """Read a scenario from a TOML file (UTF-8; a byte-order mark is accepted)."""
        source = os.fspath(path)
        return cls.from_toml_text(read_text(path, _fail(source)), source=source)

    @classmethod
    def from_toml_text(cls, text: str, *, source: str = "<toml>") -> Scenario:
        """Read a scenario from TOML text (the same text and source give the same, immutable,
        object: a sweep or a contract binding reads its scenario once)."""
        if cls is Scenario:
            return _parsed(text, source)
        return cls._parse(text, source)

    @classmethod
    def _parse(cls, text: str, source: str) -> Scenario:
        fail = _fail(source)
        data = parse_data(text.removeprefix("\ufeff"), "TOML", fail)
        wrong_kind(data, "scenario", fail)
        return cls.from_dict(data, source=source)

    # -- output -------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The scenario as a nested dict (the TOML structure).

        Uncertain inputs are tables ``{value = ..., dist = ..., ...}``;
        :meth:`point_values` gives plain numbers instead.
        """
        out = _unbuild(self)
        for key, dist in self.uncertain:
            node = out
            *parents, leaf = key.split(".")
            for part in parents:
                node = node[part]
            node[leaf] = {"value": node[leaf]} | dist.to_dict()
        if self.correlation:
            out["correlation"] = [{"inputs": [a, b], "rank": r} for a, b, r in self.correlation]
        return out

    def point_values(self) -> dict[str, Any]:
        """The scenario as a nested dict with every input at its point value."""
        return _unbuild(self)

    @property
    def uncertain_inputs(self) -> dict[str, Distribution]:
        """Dotted key -> distribution of every uncertain input, in file order."""
        return dict(self.uncertain)

    def to_toml(self, *, comments: bool = True) -> str:
        """The scenario as TOML text; with ``comments`` each key is explained."""
        return _to_toml(self, comments=comments)

    def save(self, path: str | os.PathLike[str], *, comments: bool = True) -> Path:
        """Write the scenario to a TOML file, atomically (never half-written)."""
        text = self.to_toml(comments=comments)
        return atomic_write(Path(path), lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))

    # -- access by dotted key -------------------------------------------------
    def get(self, key: str) -> Any:
        """The value at a dotted key, e.g. ``"effect.decay"`` or
        ``"types.no_experience.gross_employment"``, or an aggregate such as
        ``"gross_employment"``."""
        if key in AGGREGATE_INPUTS:
            return getattr(self, key)
        points = self._points
        if points is None:
            points = dict(_walk(self.point_values()))
            object.__setattr__(self, "_points", points)
        if key in points:
            return points[key]
        data: Any = self.point_values()  # a section, or a key that is not there
        for part in key.split("."):
            if not isinstance(data, dict) or part not in data:
                raise ScenarioError(self.source, [Problem("input", key,
                                                          _unknown_input(self, key))])
            data = data[part]
        return data

    def replace(self, changes: str | Mapping[str, Any], value: Any = _MISSING) -> Scenario:
        """A copy with some inputs changed, validated again.

        Parameters
        ----------
        changes : str or mapping
            A dotted key (with ``value``), or a mapping of dotted keys to new
            values. Besides every key of the TOML file, the aggregates in
            :data:`AGGREGATE_INPUTS` are accepted: ``"gross_employment"``,
            ``"control_employment"`` and ``"marginal_effect"``. A number fixes
            an input (its distribution, and correlations, are dropped); a
            table ``{dist = ...}`` makes it uncertain. An aggregate fixes the
            types' rates it moves.
        value : optional
            The new value when ``changes`` is a single key.

        Raises
        ------
        ScenarioError
            For an unknown key or a value that is not allowed.
        """
        if isinstance(changes, str):
            if value is _MISSING:
                raise TypeError("replace(key, value): value is missing")
            changes = {changes: value}
        if len(changes) == 1:
            ((key, new),) = changes.items()
            fast = self._replace_leaf(key, new)
            if fast is not None:
                return fast
        return self._replace_via_dict(changes)

    def _replace_leaf(self, key: str, new: Any) -> Scenario | None:
        """:meth:`replace` of one number at a leaf of a section or a participant type,
        validated as :meth:`from_dict` validates it, without the round trip through a
        nested dict (a break-even replaces one input a thousand times). ``None`` where
        the general path is needed (aggregates, tables, top-level keys)."""
        if not _is_number(new):
            return None
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "types" and parts[2] != "name":
            owner = next((t for t in self.types if t.name == parts[1]), None)
        elif len(parts) == 2 and parts[0] in _SECTIONS:
            owner = getattr(self, parts[0])
        else:
            return None
        spec = None if owner is None else _SPECS[type(owner)].get(parts[-1])
        if spec is None:
            return None
        source = f"{self.source} (changed {key})"
        problems: list[Problem] = []
        checked = _check_value(spec, new, key, problems)
        if problems:
            raise ScenarioError(source, problems)
        changed = dataclasses.replace(owner, **{parts[-1]: checked})
        if parts[0] == "types":
            section = {"types": tuple(changed if t is owner else t for t in self.types)}
        else:
            section = {parts[0]: changed}
        built = dataclasses.replace(  # a fixed value drops the input's distribution
            self, **section, uncertain=tuple((k, d) for k, d in self.uncertain if k != key),
            correlation=tuple(c for c in self.correlation if key not in c[:2]), source=source)
        _check_whole(built, problems)
        if problems:
            raise ScenarioError(source, problems)
        return built

    def _replace_via_dict(self, changes: Mapping[str, Any]) -> Scenario:
        """:meth:`replace` through the nested dict and :meth:`from_dict` (any change)."""
        data = self.to_dict()
        for key, new in changes.items():
            if key in AGGREGATE_INPUTS:
                _set_aggregate(self, data, key, new)
                continue
            parts = key.split(".")
            node = data
            for part in parts[:-1]:
                node = node.get(part) if isinstance(node, dict) else None
                if not isinstance(node, dict):
                    break
            if not isinstance(node, dict) or parts[-1] not in _known_keys(self, parts[:-1]):
                raise ScenarioError(self.source, [Problem("input", key,
                                                          _unknown_input(self, key))])
            node[parts[-1]] = new
        if "correlation" in data:  # inputs given a fixed value lose their correlations
            still = {k for k, v in _walk(data) if k.endswith(".dist")}
            data["correlation"] = [row for row in data["correlation"]
                                   if all(f"{name}.dist" in still for name in row["inputs"])]
        return Scenario.from_dict(data, source=f"{self.source} (changed {', '.join(changes)})")

    def numeric_inputs(self) -> list[str]:
        """Dotted keys of every numeric input, aggregates first."""
        keys = list(AGGREGATE_INPUTS)
        keys += [k for k, v in _walk(self.point_values()) if _is_number(v) and k != "price_year"]
        return keys


#: The sections of a scenario, and each section's (and a type's) field specifications.
_SECTIONS = {f.name for f in fields(Scenario) if "section" in f.metadata}
_SPECS: dict[type, dict[str, _Spec]] = {
    cls: {f.name: f.metadata["spec"] for f in fields(cls) if "spec" in f.metadata}
    for cls in [ParticipantType, *(f.metadata["section"] for f in fields(Scenario)
                                   if "section" in f.metadata)]
}


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _finite(v: Any) -> bool:
    """A number that is finite as a float (a whole number beyond 1e308 is not)."""
    try:
        return _is_number(v) and math.isfinite(v)
    except OverflowError:
        return False


def _walk(data: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for k, v in data.items():
        key = f"{prefix}.{k}" if prefix else k
        if isinstance(v, dict):
            yield from _walk(v, key)
        else:
            yield key, v


def _known_keys(scenario: Scenario, parents: list[str]) -> set[str]:
    """Keys allowed under a dotted parent (present or defaulted)."""
    if not parents:
        return {f.name for f in fields(Scenario) if "internal" not in f.metadata} - {"types"}
    if parents[0] == "types":
        if len(parents) == 2 and parents[1] in scenario.type_names:
            return {f.name for f in fields(ParticipantType)} - {"name"}
        return set()
    if len(parents) == 1:
        for f in fields(Scenario):
            if f.name == parents[0] and "section" in f.metadata:
                return {g.name for g in fields(f.metadata["section"])}
    return set()


def spec_of(key: str) -> _Spec:
    """The field specification (doc, unit, allowed range) of a dotted input key."""
    parts = key.split(".")
    cls: type = Scenario
    if parts[0] == "types":
        cls, parts = ParticipantType, parts[2:]
    for part in parts:
        f = next(f for f in fields(cls) if f.name == part)
        if "section" not in f.metadata:
            return f.metadata["spec"]
        cls = f.metadata["section"]
    raise KeyError(key)


def _unknown_input(scenario: Scenario, key: str) -> str:
    candidates = scenario.numeric_inputs() + [k for k, _ in _walk(scenario.point_values())]
    close = difflib.get_close_matches(key, candidates, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return (f"not an input of this scenario{hint} (list them with `sibrisk scenario inputs` "
            "or Scenario.numeric_inputs())")


def _set_aggregate(scenario: Scenario, data: dict[str, Any], key: str, new: Any) -> None:
    if not _finite(new):
        raise ScenarioError(scenario.source, [Problem(key, new, "must be a finite number")])
    types = data["types"]
    base = getattr(scenario, key)
    for t in scenario.types:
        row = types[t.name]
        if key == "gross_employment":
            row["gross_employment"] = t.gross_employment * new / base if base else new
        elif key == "control_employment":
            row["control_employment"] = t.control_employment * new / base if base else new
        else:  # marginal_effect: gross kept, effect scaled
            effect = t.marginal_effect * new / base if base else new
            row["control_employment"] = t.gross_employment - effect


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------
def _check_value(spec: _Spec, value: Any, key: str, problems: list[Problem],
                 uncertain: dict[str, Distribution] | None = None) -> Any:
    if value is None and spec.optional:
        return None
    if isinstance(value, Mapping) and spec.kind in ("real", "int"):
        return _check_uncertain(spec, value, key, problems, uncertain)
    if spec.kind == "bool":
        if isinstance(value, bool):
            return value
    elif spec.kind in ("str", "choice"):
        if isinstance(value, str):
            if spec.kind == "choice" and value not in spec.choices:
                problems.append(Problem(key, value, spec.allowed()))
                return _MISSING
            if spec.pattern and not re.fullmatch(spec.pattern, value):
                problems.append(Problem(key, value, spec.allowed()))
                return _MISSING
            return value
    elif _is_number(value):
        if spec.kind == "int":
            if isinstance(value, float):
                if not value.is_integer():
                    problems.append(Problem(key, value, spec.allowed()))
                    return _MISSING
                value = int(value)
            if not -(2**63) <= value < 2**63:  # as TOML: numpy and numba need 64 bits
                problems.append(Problem(key, value, spec.allowed() + " (within 64 bits)"))
                return _MISSING
        else:
            if not _finite(value):
                problems.append(Problem(key, value, spec.allowed() + " (finite)"))
                return _MISSING
            value = float(value)
        too_low = spec.lo is not None and (value <= spec.lo if spec.lo_open else value < spec.lo)
        too_high = spec.hi is not None and value > spec.hi
        if too_low or too_high:
            problems.append(Problem(key, value, spec.allowed()))
            return _MISSING
        return value
    problems.append(Problem(key, value, spec.allowed()))
    return _MISSING


def _check_uncertain(spec: _Spec, table: Mapping[str, Any], key: str, problems: list[Problem],
                     uncertain: dict[str, Distribution] | None) -> Any:
    """A numeric input written as a distribution table: record it, return the point value."""
    if uncertain is None or spec.certain:
        why = spec.certain or "this input cannot be uncertain"
        problems.append(Problem(key, dict(table), f"must be a number: {why}"))
        return _MISSING
    hi = spec.hi
    dist, found = Distribution.from_table(dict(table), lo=spec.lo, hi=hi,
                                          integer=spec.kind == "int", lo_open=spec.lo_open)
    for sub, value, allowed in found:
        problems.append(Problem(f"{key}.{sub}", _NO_VALUE if value is None else value, allowed))
    if found:
        return _MISSING
    if "value" in table:
        point = _check_value(spec, table["value"], f"{key}.value", problems)
    elif dist.kind == "fixed":
        problems.append(Problem(f"{key}.value", _MISSING, "required with dist = 'fixed'"))
        return _MISSING
    else:
        point = _check_value(spec, dist.mean(), f"{key} (mean of its distribution)", problems)
    if point is not _MISSING and dist.kind != "fixed":
        lo, hi = dist.support()
        if not lo <= point <= hi:
            problems.append(Problem(f"{key}.value", point,
                                    f"lies outside what its distribution can draw "
                                    f"([{lo:g}, {hi:g}]); the point value should be a "
                                    "plausible draw"))
            return _MISSING
        uncertain[key] = dist
    return point


def _unknown(key: str, allowed: list[str], value: Any) -> Problem:
    short = key.rsplit(".", 1)[-1]
    close = difflib.get_close_matches(short, allowed, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return Problem(key, value, f"unknown key; {hint}allowed keys: {', '.join(allowed)}")


def _build(cls: type, data: Any, prefix: str, problems: list[Problem],
           uncertain: dict[str, Distribution] | None = None, **given: Any) -> Any:
    where = prefix or "scenario"
    if not isinstance(data, Mapping):
        problems.append(Problem(where, data, "must be a table"))
        return None
    own = [f for f in fields(cls) if not (cls is ParticipantType and f.name == "name")]
    allowed = [f.name for f in own if "internal" not in f.metadata]
    for key in data:
        if key not in allowed:
            problems.append(_unknown(f"{prefix}.{key}" if prefix else key, allowed, data[key]))
    kwargs: dict[str, Any] = dict(given)
    for f in own:
        key = f"{prefix}.{f.name}" if prefix else f.name
        if "section" in f.metadata:
            kwargs[f.name] = _build(f.metadata["section"], data.get(f.name, _MISSING_TABLE), key,
                                    problems, uncertain)
        elif "types" in f.metadata:
            kwargs[f.name] = _build_types(data.get(f.name, _MISSING), problems, uncertain)
        elif "derived" in f.metadata:
            continue
        elif f.name in data:
            kwargs[f.name] = _check_value(f.metadata["spec"], data[f.name], key, problems,
                                          uncertain)
        elif f.default is dataclasses.MISSING:
            problems.append(Problem(key, _MISSING, f.metadata["spec"].allowed()))
    if problems:
        return None
    return cls(**kwargs)


class _MissingTable(dict):  # type: ignore[type-arg]
    """An empty table standing in for an absent section (so its keys are reported)."""


_MISSING_TABLE = _MissingTable()


def _build_types(data: Any, problems: list[Problem],
                 uncertain: dict[str, Distribution] | None) -> tuple[ParticipantType, ...] | None:
    if data is _MISSING:
        problems.append(Problem("types", _MISSING,
                                "add at least one [types.NAME] table with share, "
                                "gross_employment and control_employment"))
        return None
    if not isinstance(data, Mapping) or not data:
        problems.append(Problem("types", data, "must hold at least one [types.NAME] table"))
        return None
    name_spec = fields(ParticipantType)[0].metadata["spec"]
    out = []
    for name, row in data.items():
        key = f"types.{name}"
        _check_value(name_spec, name, f"{key} (name)", problems)
        if name == "rule":
            problems.append(Problem(f"{key} (name)", name,
                                    "'rule' is reserved (it labels the rule among the rates "
                                    "by type in reports); choose another name"))
        row_problems: list[Problem] = []
        built = _build(ParticipantType, row, key, row_problems, uncertain, name=name)
        problems.extend(row_problems)
        if built is not None:
            out.append(built)
    return tuple(out)


def _read_correlations(raw: Any, uncertain: dict[str, Distribution],
                       problems: list[Problem]) -> tuple[tuple[str, str, float], ...]:
    """[[correlation]] tables: ``inputs = [A, B]`` and ``rank`` (Spearman) in [-1, 1]."""
    if not isinstance(raw, list):
        problems.append(Problem("correlation", raw, "must be an array of tables "
                                "[[correlation]] with inputs = [A, B] and rank"))
        return ()
    out: list[tuple[str, str, float]] = []
    for i, row in enumerate(raw):
        where = f"correlation[{i}]"
        if not isinstance(row, Mapping):
            problems.append(Problem(where, row, "must be a table with inputs and rank"))
            continue
        for key in row:
            if key not in ("inputs", "rank"):
                problems.append(_unknown(f"{where}.{key}", ["inputs", "rank"], row[key]))
        inputs, rank = row.get("inputs"), row.get("rank", _MISSING)
        if not (isinstance(inputs, list) and len(inputs) == 2
                and all(isinstance(x, str) for x in inputs) and inputs[0] != inputs[1]):
            problems.append(Problem(f"{where}.inputs", inputs if inputs is not None else
                                    _MISSING, "must name two different uncertain inputs"))
            continue
        for name in inputs:
            if name not in uncertain:
                problems.append(Problem(f"{where}.inputs", name,
                                        "must be an uncertain input (written as a "
                                        "distribution table); uncertain: "
                                        + (", ".join(uncertain) or "none")))
        if rank is _MISSING or isinstance(rank, bool) or not isinstance(rank, int | float) \
                or not -1.0 <= rank <= 1.0:
            problems.append(Problem(f"{where}.rank", rank, "must be a number in [-1, 1]"))
            continue
        pair = tuple(sorted(inputs))
        if any(tuple(sorted((a, b))) == pair for a, b, _ in out):
            problems.append(Problem(f"{where}.inputs", inputs, "this pair is given twice"))
            continue
        out.append((inputs[0], inputs[1], float(rank)))
    if out and not problems:
        names = sorted({n for a, b, _ in out for n in (a, b)})
        matrix = np.eye(len(names))
        for a, b, r in out:
            i, j = names.index(a), names.index(b)
            matrix[i, j] = matrix[j, i] = normal_correlation(r)
        if np.linalg.eigvalsh(matrix).min() <= 1e-10:
            problems.append(Problem("correlation", _NO_VALUE,
                                    "the rank correlations cannot hold together (their "
                                    "matrix is not positive definite); weaken some of them"))
    return tuple(out)


_SHARE_TOLERANCE = 1e-6


def _check_whole(s: Scenario, problems: list[Problem]) -> None:
    """Rules that involve more than one field."""
    total = math.fsum(t.share for t in s.types)
    if abs(total - 1.0) > _SHARE_TOLERANCE:
        shares = ", ".join(f"{t.name}={t.share:g}" for t in s.types)
        problems.append(Problem("types.*.share", total,
                                f"shares must sum to 1 (within {_SHARE_TOLERANCE:g}); "
                                f"got {shares}"))
    if not s.effect.allow_negative:
        for t in s.types:
            if t.control_employment > t.gross_employment:
                problems.append(Problem(
                    f"types.{t.name}.control_employment", t.control_employment,
                    f"must not exceed gross_employment ({t.gross_employment:g}) unless "
                    "effect.allow_negative = true",
                ))
    if s.cohort.cohorts > s.cohort.size:
        problems.append(Problem("cohort.cohorts", s.cohort.cohorts,
                                f"must not exceed cohort.size ({s.cohort.size}): every cohort "
                                "needs a participant"))
    d = s.discounting
    if d.schedule == "flat" and d.rate is None:
        problems.append(Problem("discounting.rate", _MISSING,
                                "required when schedule = 'flat' (a number in [0, 1])"))
    if d.schedule != "flat" and d.rate is not None:
        problems.append(Problem("discounting.rate", d.rate,
                                f"only allowed with schedule = 'flat'; schedule {d.schedule!r} "
                                "sets its own rates"))


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------
def _unbuild(obj: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields(obj):
        value = getattr(obj, f.name)
        if "section" in f.metadata:
            out[f.name] = _unbuild(value)
        elif "types" in f.metadata:
            out[f.name] = {t.name: {k: v for k, v in _unbuild(t).items() if k != "name"}
                           for t in value}
        elif "derived" in f.metadata:
            continue
        elif value is not None:
            out[f.name] = value
    return out


def _comment_for(spec: _Spec) -> str:
    unit = f" [{spec.unit}]" if spec.unit else ""
    return f"{spec.doc}{unit} {spec.allowed().replace('must be', 'Allowed:')}."


def _to_toml(s: Scenario, *, comments: bool) -> str:
    doc = tomlkit.document()
    if comments:
        doc.add(tomlkit.comment(f"sibrisk scenario '{s.name}'. Amounts in {s.currency}, "
                                f"{s.price_year} prices; present values at programme start."))
        doc.add(tomlkit.comment("Every key is explained above it; `sibrisk scenario show "
                                "NAME` prints a built-in scenario."))
        doc.add(tomlkit.nl())

    uncertain = s.uncertain_inputs

    def add(table: Any, obj: Any, prefix: str, skip: tuple[str, ...] = ()) -> None:
        for f in fields(obj):
            if f.name in skip or {"section", "types", "derived"} & set(f.metadata):
                continue
            value = getattr(obj, f.name)
            spec: _Spec = f.metadata["spec"]
            if comments:
                table.add(tomlkit.comment(_comment_for(spec)))
            if value is None:
                if comments:
                    table.add(tomlkit.comment(f"{f.name} = ..."))
                continue
            key = f"{prefix}{f.name}"
            if key in uncertain:
                item = tomlkit.inline_table()
                item.update({"value": value} | uncertain[key].to_dict())
            elif isinstance(value, str):
                # a multi-line string may turn \r\n into \n on reading: escape a \r instead
                item = tomlkit.string(value, multiline="\n" in value and "\r" not in value)
            else:
                item = value
            table.add(f.name, item)

    add(doc, s, "")
    for f in fields(s):
        if "section" in f.metadata:
            section = getattr(s, f.name)
            table = tomlkit.table()
            if comments and section.__doc__:
                for line in _first_paragraph(section.__doc__):
                    table.add(tomlkit.comment(line))
            add(table, section, f"{f.name}.")
            doc.add(tomlkit.nl())
            doc.add(f.name, table)
        elif "types" in f.metadata:
            types = tomlkit.table(is_super_table=True)
            for t in s.types:
                row = tomlkit.table()
                add(row, t, f"types.{t.name}.", skip=("name",))
                types.add(t.name, row)
            doc.add(tomlkit.nl())
            if comments:
                doc.add(tomlkit.comment("Participant types: one [types.NAME] table each; "
                                        "shares sum to 1."))
            doc.add("types", types)
    if s.correlation:
        rows = tomlkit.aot()
        for a, b, r in s.correlation:
            row = tomlkit.table()
            row.add("inputs", [a, b])
            row.add("rank", r)
            rows.append(row)
        doc.add(tomlkit.nl())
        if comments:
            doc.add(tomlkit.comment("Rank (Spearman) correlation between uncertain inputs, "
                                    "drawn through a Gaussian copula."))
        doc.add("correlation", rows)
    return tomlkit.dumps(doc)


def _fail(source: str):
    """The error of the file reader for a scenario file (see :mod:`sibrisk._textfile`)."""
    def fail(key: str, value: Any, allowed: str) -> ScenarioError:
        return ScenarioError(source, [Problem(key, _NO_VALUE if value is None else value,
                                              allowed)])
    return fail


@functools.lru_cache(maxsize=32)
def _parsed(text: str, source: str) -> Scenario:
    return Scenario._parse(text, source)


def _first_paragraph(text: str) -> list[str]:
    lines = []
    for line in text.strip().splitlines():
        if not line.strip():
            break
        lines.append(line.strip())
    return lines


# ---------------------------------------------------------------------------
# Built-in scenarios
# ---------------------------------------------------------------------------
def _builtin_dir() -> Any:
    return resources.files("sibrisk.scenario") / "builtin"


def list_scenarios() -> list[str]:
    """Names of the built-in scenarios."""
    return list(builtin_names())


@functools.lru_cache(maxsize=1)
def builtin_names() -> tuple[str, ...]:  # the package's files do not change while it runs
    return tuple(sorted(p.name[: -len(".toml")] for p in _builtin_dir().iterdir()
                        if p.name.endswith(".toml")))


@functools.lru_cache(maxsize=None)
def _builtin_text(name: str) -> str:
    return (_builtin_dir() / f"{name}.toml").read_text(encoding="utf-8")


def load_scenario(name_or_path: str | os.PathLike[str] | Scenario) -> Scenario:
    """Load a built-in scenario by name, or a scenario from a TOML file.

    Parameters
    ----------
    name_or_path : str, path or Scenario
        A built-in name (see :func:`list_scenarios`), or the path of a TOML
        file. A :class:`Scenario` is returned unchanged.

    Raises
    ------
    ScenarioError
        If the name is unknown, the file is missing, or the content is invalid.
    """
    if isinstance(name_or_path, Scenario):
        return name_or_path
    text = os.fspath(name_or_path)
    if not text.strip():  # Path("") is the current folder: never read that instead
        raise ScenarioError(repr(text), [Problem("scenario", _NO_VALUE, "empty: give a "
                                                 "built-in scenario name ("
                                                 + ", ".join(list_scenarios())
                                                 + ") or a TOML file")])
    if text in builtin_names():
        return Scenario.from_toml_text(_builtin_text(text), source=text)
    path = Path(text)
    try:
        exists = path.exists()
    except OSError:  # e.g. a name too long for the file system: not a file
        exists = False
    if path.suffix == ".toml" or exists:
        return Scenario.from_toml(path)
    close = difflib.get_close_matches(text, list_scenarios(), n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise ScenarioError(text, [Problem("scenario", text,
                                       f"neither a built-in scenario nor a file; {hint}"
                                       f"built-in: {', '.join(list_scenarios())}")])
