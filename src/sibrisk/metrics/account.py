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
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from ..errors import SibriskError
from ..ledger.tariff import SurplusShareTariff, price_surplus_share
from ..outcomes.expected import BASES, expected_outcomes
from ..scenario.spec import Scenario, load_scenario
from .catalogue import Expected, settle_expected
from .schema import OUTPUTS, READINGS

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["account", "account_values", "OUTPUTS", "READINGS", "BASIS_LABELS", "VALUATION"]

_MONEY = {
    "ordinary_effort_saving", "other_net_costs", "employment_saving", "municipal_savings",
    "provider_cost", "budget_surplus", "investor_surplus_share", "outcome_payment",
    "investor_result", "municipal_account", "production_value", "welfare_surplus",
}


def evaluate(scenario: Scenario, tariff: SurplusShareTariff, per: str = "participant") -> dict:
    """Every scalar output, and what the Dataset's tables need: the
    scenario's own contract settled on its expected outcomes, by the rules every
    simulated run is settled with (:func:`~sibrisk.metrics.catalogue.settle_expected`)."""
    outcomes = expected_outcomes(scenario, per)
    settled = settle_expected(scenario, outcomes, tariff.applied_rates)
    money = settled.values
    n = float(outcomes.participants.sum())
    mun = scenario.municipality
    return {
        # the up-front savings by source (they fall at year 0: their value is their amount)
        "ordinary_effort_saving": mun.ordinary_effort_saved_share * mun.ordinary_effort_cost * n,
        "other_net_costs": -mun.other_net_costs * n,
        "employment_saving": money["employment_saving"],
        "municipal_savings": money["municipal_savings"],
        "provider_cost": scenario.provider.cost_per_participant * n,
        "budget_surplus": money["budget_surplus"],
        "investor_surplus_share": tariff.investor_surplus_share * n,
        "outcome_payment": money["outcome_payment"],
        "payment_per_employed": tariff.uniform_rate,
        "investor_result": money["investor_result"],
        "investor_return": money["investor_return"],
        "investor_multiple": money["investor_multiple"],
        # not defined when the payment falls at year 0 with the outlay: no time, no rate
        "investor_irr": None if math.isnan(settled.irr) else settled.irr,
        "municipal_account": money["municipal_account"],
        "production_value": settled.production,
        "welfare_surplus": money["welfare_surplus"],
        "gross_employment": scenario.gross_employment,
        "control_employment": scenario.control_employment,
        "marginal_effect": scenario.marginal_effect,
        "effect_years": settled.effect_years,
        "municipal_payback_year": money["municipal_payback_year"],
        "_settled": settled,
        "_outcomes": outcomes,
    }


#: How the account's money is counted, by ``per``; and how it is valued.
BASIS_LABELS = {"participant": "per average participant", "cohort": "per cohort"}
VALUATION = "present value at t = 0 (programme start)"

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
    settled = v["_settled"]
    table = _flow_table(scenario, v["_outcomes"], settled)
    years = np.arange(settled.contract.years)  # to the horizon or the payment year, if later
    ds = ds.assign_coords(
        year=("year", years, {"units": "years from programme start"}),
        flow=("flow", [f"{a}:{s}" for a, s, _ in table.labels]),
        actor=("flow", [a for a, _, _ in table.labels]),
        source=("flow", [s for _, s, _ in table.labels]),
        counterparty=("flow", [c for _, _, c in table.labels]),
    )
    ds["cash_flow"] = (("flow", "year"), table.flows,
                       {"units": cur, "basis": basis, "valuation": "nominal, end of year"})
    ds["discount_factor"] = ("year", settled.discount, {"units": "1"})
    ds["effect_profile"] = ("year", settled.profile, {"units": "1"})
    ds["municipal_cumulative_pv"] = ("year", settled.account, {
        "units": cur, "basis": basis, "valuation": "present value at t = 0, cumulative"})
    investor = table.flows[[a == "investor" for a, _, _ in table.labels]].sum(axis=0)
    ds["investor_cumulative_pv"] = ("year", np.cumsum(investor * settled.discount), {
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


#: How the account names the contract's flows (as the catalogue does): the settlement's
#: source ``funding`` is the provider's funding; its counterparties ``investors`` and
#: ``payers`` are the catalogue's one investor and the municipality.
_SOURCE = {"funding": "provider_funding"}
_COUNTERPARTY = {"investors": "investor", "payers": "municipality"}
_ACTORS = ("municipality", "investor", "provider")


class FlowTable(NamedTuple):
    """The account's cash flows: (actor, source, counterparty) per row, and their
    nominal amounts by row and year."""

    labels: tuple[tuple[str, str, str], ...]
    flows: np.ndarray


def _flow_table(scenario: Scenario, outcomes, settled: Expected) -> FlowTable:
    """The municipality's savings by source (the up-front savings split into the ordinary
    effort saved and the other net costs) and every flow of the settled contract, in
    its year, ordered by actor."""
    mun = scenario.municipality
    n = float(outcomes.participants.sum())
    years = settled.contract.years
    rows: list[tuple[tuple[str, str, str], np.ndarray]] = []

    def at(year: int, amount: float) -> np.ndarray:
        row = np.zeros(years)
        row[year] = amount
        return row

    employment = settled.savings.copy()
    employment[0] = 0.0  # year 0 holds the up-front savings, split below
    rows += [(("municipality", "ordinary_effort_saving", "outside"),
              at(0, mun.ordinary_effort_saved_share * mun.ordinary_effort_cost * n)),
             (("municipality", "other_net_costs", "outside"), at(0, -mun.other_net_costs * n)),
             (("municipality", "employment_saving", "outside"), employment)]
    prog = settled.contract.program
    flow_year = settled.contract.compiled.flow_year
    for q, (actor, source, counterparty) in enumerate(
            zip(prog.actor, prog.source, prog.counterparty, strict=True)):
        rows.append(((actor, _SOURCE.get(source, source),
                      _COUNTERPARTY.get(counterparty, counterparty)),
                     at(int(flow_year[q]), float(settled.flows[q]))))
    rows.sort(key=lambda row: _ACTORS.index(row[0][0]))  # stable: by actor, then as made
    return FlowTable(tuple(label for label, _ in rows), np.array([row for _, row in rows]))
