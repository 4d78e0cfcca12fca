"""Deterministic accounts.

:func:`account` runs the deterministic path of the pipeline (scenario ->
expected outcomes -> contract -> ledger -> metrics) and returns the
catalogue's budget (budgetøkonomisk) and welfare-economic (samfundsøkonomisk)
accounts as an :class:`xarray.Dataset`; :func:`account_values` gives the same
scalar outputs as a plain dict. The break-even solver that varies an input of
these accounts is :func:`sibrisk.engine.breakeven.breakeven`.
"""

from __future__ import annotations

import math
from importlib.metadata import version
from typing import TYPE_CHECKING

import numpy as np

from ..errors import SibriskError
from ..ledger import kernels as K
from ..ledger.catalogue import FLOWS, build_ledger, settle_expected
from ..ledger.discount import discount_factors, effect_profile
from ..ledger.tariff import SurplusShareTariff, price_surplus_share
from ..outcomes.expected import BASES, expected_outcomes
from ..scenario.spec import Scenario, load_scenario
from .schema import OUTPUTS, READINGS

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["account", "account_values", "OUTPUTS", "READINGS", "BASIS_LABELS", "VALUATION"]

_MONEY = {
    "ordinary_effort_saving", "other_net_costs", "employment_saving", "municipal_savings",
    "provider_cost", "budget_surplus", "investor_surplus_share", "outcome_payment",
    "investor_result", "municipal_account", "production_value", "welfare_surplus",
}


def evaluate(scenario: Scenario, tariff: SurplusShareTariff, per: str = "participant", *,
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
LEDGER_OUTPUTS = ("ordinary_effort_saving", "other_net_costs")


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
    return _to_dataset(scenario, tariff, evaluate(scenario, tariff, per), per)


def account_values(scenario: Scenario | str, *, per: str = "participant") -> dict[str, float]:
    """The scalar outputs of :func:`account` as a plain dict (``None`` where an output is
    not defined), without building the dataset: what a report or a JSON answer needs.

    >>> round(account_values("drc-sib-2023")["budget_surplus"])
    28353
    """
    scenario = load_scenario(scenario)
    if per not in BASES:
        raise SibriskError(f"per = {per!r}: must be one of {', '.join(map(repr, BASES))}")
    values = evaluate(scenario, price_surplus_share(scenario), per)
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
