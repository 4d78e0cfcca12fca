"""Names, units and meanings of what sibrisk computes.

A light module (no numpy): the command line builds its parser from it on every call,
``--help`` included, and the compiled kernels, the accounts and the reports read
the same names from here.
"""

from __future__ import annotations

__all__ = ["OUTPUTS", "READINGS", "OUTPUT_COLUMNS", "OUTPUT_UNITS", "OUTPUT_MEANINGS"]

#: Scalar outputs of :func:`sibrisk.account`, with their meaning (also the break-even
#: outputs).
OUTPUTS: dict[str, str] = {
    "ordinary_effort_saving": "ordinary employment effort the municipality saves",
    "other_net_costs": "the municipality's other effect-independent net costs (negative)",
    "employment_saving": "municipal saving from additional employment",
    "municipal_savings": "municipal savings, all sources",
    "provider_cost": "cost of the provider's programme",
    "budget_surplus": "budget surplus: municipal savings minus provider cost",
    "investor_surplus_share": "the investor's share of the expected budget surplus",
    "outcome_payment": "expected outcome payment from the municipality to the investor",
    "payment_per_employed": "uniform rate per gross-employed participant",
    "investor_result": "investor's net present value: outcome payment minus provider cost",
    "investor_return": "investor's return on outlay: result / provider cost",
    "investor_multiple": "investor's multiple on money: nominal payment / provider cost",
    "investor_irr": "investor's annual internal rate of return (needs contract.payment_year > 0)",
    "municipal_account": "municipality's own account: savings minus outcome payment",
    "production_value": "value of the additional production",
    "welfare_surplus": "welfare-economic (samfundsøkonomisk) surplus",
    "gross_employment": "average gross employment (triggers payment)",
    "control_employment": "average employment without the programme (deadweight)",
    "marginal_effect": "average marginal effect, gross minus control employment",
    "effect_years": "discounted effect-years, sum of f(t) D(t)",
    "municipal_payback_year": "year at which the municipality's cumulative account reaches 0",
}

#: How each output reads in a break-even statement.
READINGS: dict[str, str] = {
    "budget_surplus": "whole budget surplus (municipality and investor together)",
    "municipal_account": "municipality's own account (payment held at the contracted price)",
    "investor_result": "investor's result (rate held at the contracted price)",
}

#: The per-run outputs of :func:`sibrisk.simulate` (the columns the kernels write).
OUTPUT_COLUMNS: tuple[str, ...] = (
    "outcome_payment",
    "investor_result",
    "investor_return",
    "investor_multiple",
    "municipal_savings",
    "municipal_account",
    "budget_surplus",
    "municipal_payback_year",
    "welfare_surplus",
    "deadweight_payment",
    "deadweight_share",
    "employment_saving",
)

#: Units of the per-run outputs (``{cur}``: the scenario's currency).
OUTPUT_UNITS: dict[str, str] = {
    "outcome_payment": "{cur}",
    "investor_result": "{cur}",
    "investor_return": "1",
    "investor_multiple": "1",
    "investor_irr": "per year",
    "municipal_savings": "{cur}",
    "municipal_account": "{cur}",
    "budget_surplus": "{cur}",
    "municipal_payback_year": "years from programme start",
    "welfare_surplus": "{cur}",
    "deadweight_payment": "{cur}",
    "deadweight_share": "1",
    "employment_saving": "{cur}",
}

#: Meanings of the per-run outputs (their ``long_name``).
OUTPUT_MEANINGS: dict[str, str] = {
    "outcome_payment": "outcome payment from the municipality to the investor",
    "investor_result": "investor's net present value: payment minus provider cost",
    "investor_return": "investor's return on outlay: result / provider cost",
    "investor_multiple": "investor's multiple on money: nominal payment / provider cost",
    "investor_irr": "investor's annual internal rate of return",
    "municipal_savings": "municipal savings, all sources",
    "municipal_account": "municipality's own account: savings minus outcome payment",
    "budget_surplus": "budget surplus: municipal savings minus provider cost",
    "municipal_payback_year": "year from which the municipality's cumulative account stays "
    ">= 0 (inf: not within the horizon)",
    "welfare_surplus": "welfare-economic (samfundsøkonomisk) surplus",
    "deadweight_payment": "part of the payment for jobs that would have come anyway",
    "deadweight_share": "deadweight payment / outcome payment (0 when nothing is paid)",
    "employment_saving": "municipal saving from additional employment",
}
