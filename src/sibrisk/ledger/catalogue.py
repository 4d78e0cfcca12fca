"""Ledger: who pays whom, and when, per year from the programme start.

Every flow belongs to an *actor* (municipality, investor, provider), has a
*source* (what it is) and a *counterparty* (another actor, or ``"outside"``
for money that enters or leaves the deal: savings, the programme's cost).
A transfer between two actors is written on both sides with opposite signs,
so transfers sum to zero and only outside flows change the total.

Conventions of the catalogue: the programme cost, the saved ordinary effort
and the municipality's own costs fall at year 0, and so does the outcome
payment unless ``contract.payment_year`` moves it to the end of a later year;
the saving from additional employment falls at the end of years 1 .. horizon.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._jit import interpreted
from ..outcomes.expected import Outcomes
from ..scenario.spec import Scenario
from . import kernels as K
from .discount import discount_factors, effect_profile

__all__ = ["Ledger", "FLOWS", "build_ledger", "payback_year", "settle_expected",
           "point_parameters", "PARAM_KEYS"]

#: The scenario input behind each column of the kernels' parameter vector.
PARAM_KEYS = {
    K.P_SAVING: "municipality.saving_per_employed_year",
    K.P_EFFORT_COST: "municipality.ordinary_effort_cost",
    K.P_EFFORT_SHARE: "municipality.ordinary_effort_saved_share",
    K.P_OTHER: "municipality.other_net_costs",
    K.P_COST: "provider.cost_per_participant",
    K.P_PRODUCTION: "welfare.production_per_employed_year",
    K.P_NAF: "welfare.net_tax_factor",
    K.P_EPS: "welfare.tax_distortion",
    K.P_DECAY: "effect.decay",
    K.P_PERSISTENT: "effect.persistent_share",
    K.P_FULL_YEARS: "effect.full_effect_years",
    K.P_HORIZON: "effect.horizon",
}


def point_parameters(scenario: Scenario) -> np.ndarray:
    """The kernels' parameter vector (``N_PARAMS``) at the scenario's point values."""
    return np.array([float(scenario.get(PARAM_KEYS[j])) for j in range(K.N_PARAMS)])


def settle_expected(scenario: Scenario, outcomes, rates: np.ndarray) -> np.ndarray:
    """The money of given (expected) outcomes, through the Monte Carlo kernels' rules.

    Returns one row of ``_kernels.OUTPUT_COLUMNS``; the deterministic accounts
    use it so that both paths settle money with the same code.
    """
    years = max(scenario.effect.horizon, scenario.contract.payment_year) + 1
    discount = discount_factors(scenario.discounting, years - 1)[None, :]
    row = lambda a: np.ascontiguousarray(np.asarray(a, dtype=float)[None, :])  # noqa: E731
    out = np.empty((1, len(K.OUTPUT_COLUMNS)))
    with interpreted():  # one row: the kernel's own rules, run as Python (no numba start-up)
        K.settle(row(outcomes.participants), row(outcomes.gross), row(outcomes.deadweight),
                 row(outcomes.additional), np.ascontiguousarray(rates, dtype=float), discount,
                 point_parameters(scenario), scenario.contract.payment_year, out)
    return out[0]


#: (actor, source, counterparty) of every flow in the catalogue's standard model.
FLOWS: tuple[tuple[str, str, str], ...] = (
    ("municipality", "ordinary_effort_saving", "outside"),
    ("municipality", "other_net_costs", "outside"),
    ("municipality", "employment_saving", "outside"),
    ("municipality", "outcome_payment", "investor"),
    ("investor", "outcome_payment", "municipality"),
    ("investor", "provider_funding", "provider"),
    ("provider", "provider_funding", "investor"),
    ("provider", "programme_cost", "outside"),
)


@dataclass(frozen=True, slots=True)
class Ledger:
    """Cash flows by flow (see :data:`FLOWS`) and year, nominal.

    Attributes
    ----------
    flows : ndarray, shape (..., flow, year)
        Money received (positive) or paid (negative) by the flow's actor.
    discount : ndarray, shape (year,)
        Discount factor of each year, :math:`D(t)`.
    """

    flows: np.ndarray
    discount: np.ndarray

    def index(self, actor: str, source: str) -> int:
        """Position of one flow along the ``flow`` axis."""
        return [(a, s) for a, s, _ in FLOWS].index((actor, source))

    def actor_flows(self, actor: str) -> np.ndarray:
        """Net nominal flow of one actor per year, shape (..., year)."""
        rows = [i for i, (a, _, _) in enumerate(FLOWS) if a == actor]
        return self.flows[..., rows, :].sum(axis=-2)

    def present_value(self, actor: str, source: str | None = None) -> np.ndarray:
        """Present value at t = 0 of an actor's flows (or of one source)."""
        flows = self.actor_flows(actor) if source is None else \
            self.flows[..., self.index(actor, source), :]
        return flows @ self.discount

    def cumulative_present_value(self, actor: str) -> np.ndarray:
        """Cumulative discounted net flow of an actor, shape (..., year)."""
        return np.cumsum(self.actor_flows(actor) * self.discount, axis=-1)


def build_ledger(scenario: Scenario, outcomes: Outcomes, payment: np.ndarray | float) -> Ledger:
    """Cash flows of the standard model for given outcomes and outcome payment.

    Parameters
    ----------
    scenario : Scenario
        Costs, savings, effect profile and discounting.
    outcomes : Outcomes
        Participants, gross and additional employment by type (any leading dims).
    payment : array_like
        Outcome payment from the commissioner to the investor (nominal), at
        the end of year ``contract.payment_year``.
    """
    mun, prov, eff = scenario.municipality, scenario.provider, scenario.effect
    n = outcomes.participants.sum(axis=-1)
    additional = outcomes.additional.sum(axis=-1)
    payment = np.asarray(payment, dtype=float)
    lead = np.broadcast_shapes(n.shape, additional.shape, payment.shape)
    pay_year = scenario.contract.payment_year
    years = max(eff.horizon, pay_year) + 1
    flows = np.zeros(lead + (len(FLOWS), years))
    cost = prov.cost_per_participant * n
    up_front = {
        ("municipality", "ordinary_effort_saving"): mun.ordinary_effort_saved_share
        * mun.ordinary_effort_cost * n,
        ("municipality", "other_net_costs"): -mun.other_net_costs * n,
        ("municipality", "outcome_payment"): -payment,
        ("investor", "outcome_payment"): payment,
        ("investor", "provider_funding"): -cost,
        ("provider", "provider_funding"): cost,
        ("provider", "programme_cost"): -cost,
    }
    for i, (actor, source, _) in enumerate(FLOWS):
        if (actor, source) in up_front:
            flows[..., i, pay_year if source == "outcome_payment" else 0] = \
                up_front[(actor, source)]
    i = [(a, s) for a, s, _ in FLOWS].index(("municipality", "employment_saving"))
    flows[..., i, : eff.horizon + 1] = \
        (mun.saving_per_employed_year * np.asarray(additional))[..., None] * effect_profile(eff)
    return Ledger(flows=flows, discount=discount_factors(scenario.discounting, years - 1))


def payback_year(cumulative: np.ndarray) -> np.ndarray:
    """Year from which a cumulative discounted flow stays at or above zero.

    The (fractional) year of the last upward crossing of zero, linearly
    interpolated between the ends of consecutive years: 0 if the flow is
    never negative, ``inf`` if it is still negative at the horizon (a clear
    marker, never NaN). With every payment at year 0 this is the first year
    the flow reaches zero.

    Parameters
    ----------
    cumulative : ndarray, shape (..., year)
        Cumulative present value, year 0 first.
    """
    cumulative = np.asarray(cumulative, dtype=float)
    years = cumulative.shape[-1]
    negative = cumulative < 0.0
    # index of the last negative year (-1 if none)
    last = years - 1 - np.argmax(negative[..., ::-1], axis=-1)
    last = np.where(negative.any(axis=-1), last, -1)
    k = np.clip(last, 0, years - 2) if years > 1 else np.zeros_like(last)
    below = np.take_along_axis(cumulative, k[..., None], -1)[..., 0]
    above = np.take_along_axis(cumulative, np.minimum(k + 1, years - 1)[..., None], -1)[..., 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = k + (-below) / (above - below)
    return np.where(last < 0, 0.0, np.where(last == years - 1, np.inf, frac))
