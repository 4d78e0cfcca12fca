"""Ledger: who pays whom, and when, per year from the programme start.

Every flow belongs to an *actor* (municipality, investor, provider), has a
*source* (what it is) and a *counterparty* (another actor, or ``"outside"``
for money that enters or leaves the deal: savings, the programme's cost).
A transfer between two actors is written on both sides with opposite signs,
so transfers sum to zero and only outside flows change the total.

Conventions of the catalogue: the programme cost, the outcome payment, the
saved ordinary effort and the municipality's own costs fall at year 0; the
saving from additional employment at the end of years 1 .. horizon.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .discount import discount_factors, effect_profile
from .outcomes import Outcomes
from .scenario import Scenario

__all__ = ["Ledger", "FLOWS", "build_ledger", "payback_year"]

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
        Outcome payment from the commissioner to the investor, at year 0.
    """
    mun, prov, eff = scenario.municipality, scenario.provider, scenario.effect
    n = outcomes.participants.sum(axis=-1)
    additional = outcomes.additional.sum(axis=-1)
    payment = np.asarray(payment, dtype=float)
    lead = np.broadcast_shapes(n.shape, additional.shape, payment.shape)
    years = eff.horizon + 1
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
            flows[..., i, 0] = up_front[(actor, source)]
    i = [(a, s) for a, s, _ in FLOWS].index(("municipality", "employment_saving"))
    flows[..., i, :] = (mun.saving_per_employed_year * np.asarray(additional))[..., None] \
        * effect_profile(eff)
    return Ledger(flows=flows, discount=discount_factors(scenario.discounting, eff.horizon))


def payback_year(cumulative: np.ndarray) -> np.ndarray:
    """First (fractional) year at which a cumulative discounted flow reaches zero.

    Linear interpolation between the ends of consecutive years; 0 if the flow
    is not negative at the start; ``inf`` if it is not reached within the
    horizon (a clear marker, never NaN).

    Parameters
    ----------
    cumulative : ndarray, shape (..., year)
        Cumulative present value, year 0 first.
    """
    cumulative = np.asarray(cumulative, dtype=float)
    reached = cumulative >= 0.0
    first = np.argmax(reached, axis=-1)
    ever = reached.any(axis=-1)
    prev = np.take_along_axis(cumulative, np.maximum(first - 1, 0)[..., None], -1)[..., 0]
    this = np.take_along_axis(cumulative, first[..., None], -1)[..., 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(first > 0, (first - 1) + (-prev) / (this - prev), 0.0)
    return np.where(ever, frac, np.inf)
