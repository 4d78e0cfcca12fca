"""Deterministic accounts and the break-even solver.

:func:`account` runs the deterministic path of the pipeline (scenario ->
expected outcomes -> contract -> ledger -> metrics) and returns the
catalogue's budget (budgetøkonomisk) and welfare-economic (samfundsøkonomisk)
accounts as an :class:`xarray.Dataset`. :func:`breakeven` finds the value of
any numeric input at which any scalar output of that account reaches a target.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import asdict, dataclass
from importlib.metadata import version
from typing import TYPE_CHECKING

import numpy as np

from . import _kernels as K
from .contract import SurplusShareTariff, price_surplus_share
from .discount import discount_factors, effect_profile
from .errors import BreakEvenError, Problem, ScenarioError, SibriskError
from .ledger import FLOWS, build_ledger, settle_expected
from .outcomes import BASES, expected_outcomes
from .scenario import AGGREGATE_INPUTS, Scenario, load_scenario, spec_of
from .schema import OUTPUTS, READINGS

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["account", "account_values", "breakeven", "BreakEven", "OUTPUTS", "READINGS"]

_MONEY = {
    "ordinary_effort_saving", "other_net_costs", "employment_saving", "municipal_savings",
    "provider_cost", "budget_surplus", "investor_surplus_share", "outcome_payment",
    "investor_result", "municipal_account", "production_value", "welfare_surplus",
}


def _evaluate(scenario: Scenario, tariff: SurplusShareTariff, per: str = "participant", *,
              flows: bool = True) -> dict:
    """Every scalar output, plus (``flows``) the ledger and the arrays the Dataset needs."""
    outcomes = expected_outcomes(scenario, per)
    payment = float(tariff.payments(outcomes.gross))
    # the money, by the same rules (the same compiled code) as every Monte Carlo run
    money = dict(zip(K.OUTPUT_COLUMNS, settle_expected(scenario, outcomes,
                                                       tariff.applied_rates), strict=True))
    n = float(outcomes.participants.sum())
    if flows:  # the ledger: the same flows by source and year, for the breakdown and tables
        ledger = build_ledger(scenario, outcomes, payment)
        pv = {src: float(ledger.present_value(a, src)) for a, src, _ in FLOWS}
    else:
        ledger, pv = None, dict.fromkeys(("ordinary_effort_saving", "other_net_costs"), math.nan)
    cost = scenario.provider.cost_per_participant * n
    welfare = scenario.welfare
    d = discount_factors(scenario.discounting, scenario.effect.horizon)
    f = effect_profile(scenario.effect)
    a_years = float(f @ d)
    production = welfare.production_per_employed_year * float(outcomes.additional.sum()) * a_years
    return {
        "ordinary_effort_saving": pv["ordinary_effort_saving"],
        "other_net_costs": pv["other_net_costs"],
        "employment_saving": money["employment_saving"],
        "municipal_savings": money["municipal_savings"],
        "provider_cost": cost,
        "budget_surplus": money["budget_surplus"],
        "investor_surplus_share": tariff.investor_surplus_share * n,
        "outcome_payment": money["outcome_payment"],
        "payment_per_employed": tariff.uniform_rate,
        "investor_result": money["investor_result"],
        "investor_return": money["investor_return"],
        "investor_multiple": money["investor_multiple"],
        "investor_irr": _irr(payment, cost, scenario.contract.payment_year),
        "municipal_account": money["municipal_account"],
        "production_value": production,
        "welfare_surplus": money["welfare_surplus"],
        "gross_employment": scenario.gross_employment,
        "control_employment": scenario.control_employment,
        "marginal_effect": scenario.marginal_effect,
        "effect_years": a_years,
        "municipal_payback_year": money["municipal_payback_year"],
        "_ledger": ledger,
        "_outcomes": outcomes,
        "_effect_profile": f,
    }


#: How the account's money is counted, by ``per``; and how it is valued.
BASIS_LABELS = {"participant": "per average participant", "cohort": "per cohort"}
VALUATION = "present value at t = 0 (programme start)"

#: Outputs read from the ledger (the others come from the settled money).
_FROM_LEDGER = ("ordinary_effort_saving", "other_net_costs")


def _irr(payment: float, outlay: float, years: int) -> float | None:
    """Annual IRR of one outlay at year 0 and one payment at the end of ``years``.

    ``None`` when the payment falls at year 0 (no time passes: no rate exists).
    """
    if years == 0:
        return None
    return (payment / outlay) ** (1.0 / years) - 1.0


def account(
    scenario: Scenario | str,
    *,
    per: str = "participant",
    tariff: SurplusShareTariff | None = None,
) -> xr.Dataset:
    """The deterministic budget and welfare accounts of a scenario.

    Runs the deterministic path of the pipeline: expected outcomes, the
    catalogue's surplus-share contract, the ledger of cash flows, and the
    metrics.

    .. math::
        B &= s K - X + a\\, m\\, A, \\qquad A = \\sum_{t=1}^{T} f(t) D(t) \\\\
        S &= B - C, \\qquad P = C + \\sigma S, \\qquad R = P / \\bar g \\\\
        W &= \\mathrm{NAF}\\,(y\\, m\\, A - C) + \\varepsilon\\, S

    Parameters
    ----------
    scenario : Scenario or str
        A scenario, a built-in name or a TOML path.
    per : {"participant", "cohort"}
        Money per average participant (the catalogue's basis) or for the
        whole cohort.
    tariff : SurplusShareTariff, optional
        A contract priced elsewhere (e.g. on a base scenario) to settle this
        scenario's outcomes with. By default the scenario prices itself.

    Returns
    -------
    xarray.Dataset
        Scalar outputs (see :data:`OUTPUTS`); participant-type data on dim
        ``type``; cash flows on dims ``flow`` and ``year``. Money is in
        present value at t = 0 (flows are nominal), with ``currency`` and
        ``price_year`` in ``attrs``.

    Examples
    --------
    >>> import sibrisk
    >>> acc = sibrisk.account("drc-sib-2023")
    >>> round(float(acc.budget_surplus))
    28353
    >>> round(float(acc.payment_per_employed))
    254802
    """
    scenario = load_scenario(scenario)
    if per not in BASES:
        raise SibriskError(f"per = {per!r}: must be one of {', '.join(map(repr, BASES))}")
    if tariff is None:
        tariff = price_surplus_share(scenario)
    if tariff.type_names != scenario.type_names:
        raise SibriskError(
            f"the tariff was priced for participant types {list(tariff.type_names)}, "
            f"not {list(scenario.type_names)}"
        )
    return _to_dataset(scenario, tariff, _evaluate(scenario, tariff, per), per)


def account_values(scenario: Scenario | str, *, per: str = "participant") -> dict[str, float]:
    """The scalar outputs of :func:`account` as a plain dict (``None`` where an output is
    not defined), without building the dataset: what a report or a JSON answer needs.

    >>> round(account_values("drc-sib-2023")["budget_surplus"])
    28353
    """
    scenario = load_scenario(scenario)
    if per not in BASES:
        raise SibriskError(f"per = {per!r}: must be one of {', '.join(map(repr, BASES))}")
    values = _evaluate(scenario, price_surplus_share(scenario), per)
    return {name: (None if values[name] is None else float(values[name])) for name in OUTPUTS}


def _to_dataset(scenario: Scenario, tariff: SurplusShareTariff, v: dict, per: str) -> xr.Dataset:
    import xarray as xr  # here: the accounts as plain values (reports, JSON) need no xarray

    cur = scenario.currency
    basis = BASIS_LABELS[per]
    ds = xr.Dataset()
    for name, meaning in OUTPUTS.items():
        if v[name] is None:
            ds.attrs[f"{name}_note"] = f"{name} is not defined: {meaning}"
            continue
        attrs = {"long_name": meaning}
        if name in _MONEY:
            attrs |= {"units": cur, "basis": basis, "valuation": "present value at t = 0"}
        elif name == "payment_per_employed":
            attrs |= {"units": f"{cur} per gross-employed participant"}
        elif name == "municipal_payback_year":
            attrs |= {"units": "years from programme start",
                      "note": "inf means not reached within the horizon"}
        elif name == "effect_years":
            attrs |= {"units": "discounted years"}
        elif name == "investor_irr":
            attrs |= {"units": "per year"}
        else:
            attrs |= {"units": "1"}
        ds[name] = xr.DataArray(v[name], attrs=attrs)
    types = list(scenario.type_names)
    outcomes = v["_outcomes"]
    ds = ds.assign_coords(type=("type", types),
                          type_label=("type", [t.label for t in scenario.types]))
    ds["type_share"] = ("type", [t.share for t in scenario.types], {"units": "1"})
    ds["type_gross_employment"] = ("type", [t.gross_employment for t in scenario.types],
                                   {"units": "1"})
    ds["type_control_employment"] = ("type", [t.control_employment for t in scenario.types],
                                     {"units": "1"})
    ds["gross_outcomes"] = ("type", outcomes.gross, {"units": "participants", "basis": basis})
    ds["additional_outcomes"] = ("type", outcomes.additional,
                                 {"units": "participants", "basis": basis})
    ds["rate_by_type"] = ("type", tariff.rates_by_type, {
        "units": f"{cur} per gross-employed participant", "rule": tariff.rule,
        "payout_neutral": int(tariff.payout_neutral),
        "expected_payment": tariff.expected_payment_by_type_rates,
    })
    ledger = v["_ledger"]
    years = np.arange(ledger.flows.shape[-1])  # to the horizon or the payment year, if later
    ds = ds.assign_coords(
        year=("year", years, {"units": "years from programme start"}),
        flow=("flow", [f"{a}:{s}" for a, s, _ in FLOWS]),
        actor=("flow", [a for a, _, _ in FLOWS]),
        source=("flow", [s for _, s, _ in FLOWS]),
        counterparty=("flow", [c for _, _, c in FLOWS]),
    )
    ds["cash_flow"] = (("flow", "year"), ledger.flows,
                       {"units": cur, "basis": basis, "valuation": "nominal, end of year"})
    ds["discount_factor"] = ("year", ledger.discount, {"units": "1"})
    profile = np.zeros(years.size)
    profile[: v["_effect_profile"].size] = v["_effect_profile"]
    ds["effect_profile"] = ("year", profile, {"units": "1"})
    ds["municipal_cumulative_pv"] = ("year", ledger.cumulative_present_value("municipality"), {
        "units": cur, "basis": basis, "valuation": "present value at t = 0, cumulative"})
    ds["investor_cumulative_pv"] = ("year", ledger.cumulative_present_value("investor"), {
        "units": cur, "basis": basis, "valuation": "present value at t = 0, cumulative"})
    ds.attrs.update({
        "title": f"sibrisk account of scenario {scenario.name}",
        "scenario": scenario.name,
        "currency": cur,
        "price_year": scenario.price_year,
        "basis": basis,
        "valuation": VALUATION,
        "discounting": scenario.discounting.schedule
        + (f" {scenario.discounting.rate}" if scenario.discounting.rate is not None else ""),
        "contract": "surplus-share tariff",
        "rate_card": tariff.rate_card,
        "by_type_rule": tariff.rule,
        "sibrisk_version": version("sibrisk"),
    })
    return ds


# ---------------------------------------------------------------------------
# Break-even
# ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class BreakEven:
    """The value of one input at which one output reaches a target.

    Attributes
    ----------
    input, output : str
        What was varied and what was watched.
    target : float
        The value the output reaches (0 by default).
    value : float
        The break-even value of the input.
    base : float
        The input's value in the scenario.
    bounds : tuple of float
        The range searched.
    reading : str
        What the output means, e.g. "municipality's own account (payment
        held at the contracted price)".
    repriced : bool
        Whether the contract was priced again at each value (``True``) or held
        at the price of the base scenario (``False``).
    """

    input: str
    output: str
    target: float
    value: float
    base: float
    bounds: tuple[float, float]
    reading: str
    repriced: bool

    @property
    def difference(self) -> float:
        """``value - base``."""
        return self.value - self.base

    def to_dict(self) -> dict:
        """Plain dict, for JSON."""
        return asdict(self) | {"difference": self.difference}


def _reading(output: str, repriced: bool) -> str:
    text = READINGS.get(output, OUTPUTS[output])
    if repriced:
        text = text.replace("held at the contracted price", "priced again at each value")
    return text


def _bounds(scenario: Scenario, key: str) -> tuple[float, float, bool]:
    """Allowed range of an input, and whether it is a whole number."""
    if key in AGGREGATE_INPUTS:
        return 0.0, 1.0, False
    spec = spec_of(key)
    base = scenario.get(key)
    lo = spec.lo if spec.lo is not None else -max(10 * abs(base), 1.0)
    hi = spec.hi if spec.hi is not None else max(10 * abs(base), 1.0)
    return float(lo), float(hi), spec.kind == "int"


def breakeven(
    scenario: Scenario | str,
    vary: str,
    output: str = "budget_surplus",
    target: float = 0.0,
    *,
    bounds: tuple[float, float] | None = None,
    reprice: bool = False,
    grid: int = 200,
) -> BreakEven:
    """The value of an input at which an output of :func:`account` reaches a target.

    The contract is priced once on the base scenario and held there while the
    input varies (the ex-post question: "what if the world turns out
    different from what the price assumed?"); with ``reprice=True``, or when
    the input is a contract term (``contract.*``), it is priced again at each
    value. The range is scanned on a grid, the sign change nearest to the
    base value is chosen, and bisection refines it to full precision.

    Parameters
    ----------
    scenario : Scenario or str
        A scenario, a built-in name or a TOML path.
    vary : str
        A dotted input key (see :meth:`Scenario.numeric_inputs`), e.g.
        ``"effect.decay"``, or an aggregate: ``"gross_employment"``,
        ``"control_employment"``, ``"marginal_effect"``.
    output : str
        A scalar output of :func:`account` (see :data:`OUTPUTS`), e.g.
        ``"budget_surplus"``, ``"municipal_account"``, ``"investor_result"``.
    target : float
        The value the output should reach.
    bounds : (float, float), optional
        Range to search; by default the input's allowed range (for inputs
        without an upper limit, ten times the base value).
    reprice : bool
        Price the contract again at each value instead of holding it.
    grid : int
        Grid points of the initial scan.

    Returns
    -------
    BreakEven
        For whole-number inputs (e.g. ``effect.horizon``), the whole number
        nearest the base at or past which the output reaches the target.

    Raises
    ------
    BreakEvenError
        If the output does not reach the target anywhere in the range.
    ScenarioError
        If ``vary`` is not an input of the scenario.

    Examples
    --------
    >>> import sibrisk
    >>> be = sibrisk.breakeven("drc-sib-2023", "effect.decay", "municipal_account")
    >>> round(be.value, 3)
    0.204
    """
    scenario = load_scenario(scenario)
    if scenario.uncertain:  # a break-even is deterministic: only point values matter
        scenario = Scenario.from_dict(scenario.point_values(), source=scenario.source)
    if output not in OUTPUTS:
        close = difflib.get_close_matches(output, list(OUTPUTS), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise SibriskError(f"output = {output!r}: not an output; {hint}"
                           f"allowed: {', '.join(OUTPUTS)}")
    if not math.isfinite(target):
        raise SibriskError(f"target = {target!r}: must be a finite number")
    base = scenario.get(vary)
    if isinstance(base, bool) or not isinstance(base, int | float):
        raise ScenarioError(scenario.source, [Problem("vary", vary, "must name a numeric input")])
    lo, hi, whole = _bounds(scenario, vary)
    if bounds is not None:
        lo, hi = (float(b) for b in bounds)
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise SibriskError(f"bounds = {bounds!r}: must be two finite numbers, low < high")
    repriced = reprice or vary.startswith("contract.")
    fixed = None if repriced else price_surplus_share(scenario)

    def value_at(x: float) -> float:
        try:
            s = scenario.replace(vary, int(round(x)) if whole else float(x))
            tariff = fixed if fixed is not None else price_surplus_share(s)
            y = _evaluate(s, tariff, flows=output in _FROM_LEDGER)[output]
        except SibriskError:
            return math.nan
        if y is None:
            raise SibriskError(f"{output} is not defined for this scenario: {OUTPUTS[output]}")
        return y - target if math.isfinite(y) else math.nan

    if whole:
        xs = np.arange(math.ceil(lo), math.floor(hi) + 1, dtype=float)
        if xs.size > 100_001:
            raise SibriskError(f"bounds for whole-number input {vary!r} span {xs.size} values; "
                               "give bounds= with at most 100,000")
    else:
        xs = np.unique(np.concatenate([np.linspace(lo, hi, grid + 1), [float(base)]]))
    ys = np.array([value_at(x) for x in xs])
    root = _nearest_root(xs, ys, float(base), value_at, whole)
    if root is None:
        finite = ys[np.isfinite(ys)] + target
        seen = (f"it stays between {finite.min():,.6g} and {finite.max():,.6g}"
                if finite.size else "no value in the range gives a valid scenario")
        raise BreakEvenError(
            f"{output} does not reach {target:g} for {vary} in [{lo:g}, {hi:g}]: {seen}"
        )
    return BreakEven(
        input=vary, output=output, target=float(target), value=float(root), base=float(base),
        bounds=(lo, hi), reading=_reading(output, repriced), repriced=repriced,
    )


def _nearest_root(xs, ys, base, f, whole) -> float | None:
    """The root nearest the base among the grid's zeros and sign changes."""
    ok = np.isfinite(ys)
    roots = [float(x) for x in xs[ok & (ys == 0.0)]]
    changes = np.flatnonzero(ok[:-1] & ok[1:] & (np.sign(ys[:-1]) * np.sign(ys[1:]) < 0))
    for k in changes:
        a, b = float(xs[k]), float(xs[k + 1])
        if whole:  # first whole number past the crossing, going outward from the base
            roots.append(b if a >= base else a)
        else:
            roots.append(_bisect(f, a, b, float(ys[k])))
    return min(roots, key=lambda x: abs(x - base)) if roots else None


def _bisect(f, a: float, b: float, fa: float) -> float:
    """The root of ``f`` in a bracket ``[a, b]`` over which it changes sign (``fa`` =
    ``f(a)``), halved until the bracket is two neighbouring floats or ``f`` is 0.

    Bisection rather than scipy's ``brentq``: the grid has already narrowed the
    bracket to 1/200 of the range, so some 45 halvings reach full precision in about
    a millisecond, and ``sibrisk account`` does not pay the 0.1-0.3 s that importing
    ``scipy.optimize`` costs (the tests check the roots against ``brentq``).
    """
    while True:
        m = 0.5 * (a + b)
        if not a < m < b:  # neighbouring floats: as close as the root can be given
            return m
        fm = f(m)
        if fm == 0.0 or not math.isfinite(fm):
            return m
        if (fm > 0.0) == (fa > 0.0):
            a, fa = m, fm
        else:
            b = m
