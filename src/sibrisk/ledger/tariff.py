"""The catalogue's payment model: the surplus-share tariff, priced on a scenario.

The commissioner pays the provider's cost plus the investor's share of the expected
budget surplus, per participant, turned into a rate per gross-employed participant.

.. math::
    P = \\max(C + \\sigma S,\\ 0), \\qquad R = P / \\bar g

Rates by participant type follow either the catalogue's rule (Table 4),
:math:`R_i = R\\,(1 - (g_i - \\bar g))`, which is not payout-neutral, or the
same shape scaled so that the expected payment equals :math:`P`. The price is set
from the scenario's expected savings (:mod:`.savings`), so it lives with the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import SibriskError
from ..outcomes.expected import expected_outcomes
from ..scenario.spec import Scenario
from .discount import discount_at, discount_factors
from .savings import scenario_savings

__all__ = ["SurplusShareTariff", "price_surplus_share"]


@dataclass(frozen=True, slots=True)
class SurplusShareTariff:
    """The catalogue's price for one scenario, per average participant.

    Attributes
    ----------
    expected_surplus : float
        Expected budget surplus :math:`S` the price is derived from.
    investor_surplus_share : float
        The investor's part of it, :math:`\\sigma S`.
    payment_per_participant : float
        :math:`P = C + \\sigma S`, floored at 0 (a surplus so negative that
        the formula goes below zero never makes the investor pay).
    uniform_rate : float
        Payment per gross-employed participant, :math:`R = P / \\bar g`
        (nominal: divided by the discount factor of ``contract.payment_year``).
    type_names : tuple of str
        Participant types, in scenario order.
    rates_by_type : ndarray
        Rate per employed participant of each type under ``rule``.
    rule : str
        ``"catalogue"`` or ``"payout_neutral"``.
    rate_card : str
        ``"uniform"`` (every employed participant earns ``uniform_rate``) or
        ``"by_type"`` (``rates_by_type`` apply).
    expected_payment_by_type_rates : float
        Present value of the expected payment per participant if
        ``rates_by_type`` applied.
    """

    expected_surplus: float
    investor_surplus_share: float
    payment_per_participant: float
    uniform_rate: float
    type_names: tuple[str, ...]
    rates_by_type: np.ndarray
    rule: str
    rate_card: str
    expected_payment_by_type_rates: float

    @property
    def payout_neutral(self) -> bool:
        """Whether the rates by type keep the expected payment equal to ``P``."""
        return bool(np.isclose(self.expected_payment_by_type_rates,
                               self.payment_per_participant, rtol=1e-9, atol=1e-6))

    @property
    def applied_rates(self) -> np.ndarray:
        """Rate per gross-employed participant of each type under the rate card."""
        if self.rate_card == "uniform":
            return np.full(len(self.type_names), self.uniform_rate)
        return self.rates_by_type

    def payments(self, gross: np.ndarray) -> np.ndarray:
        """Outcome payment for gross employment by type (last axis ``type``)."""
        return np.asarray(gross, dtype=float) @ self.applied_rates


def price_surplus_share(scenario: Scenario, *, payment_month: float | None = None
                        ) -> SurplusShareTariff:
    """Price a scenario with the catalogue's surplus-share tariff.

    The expected budget surplus comes from the scenario's expected outcomes
    through the same ledger as every account.

    Parameters
    ----------
    scenario : Scenario
        Its ``[contract]`` section holds the share and the rate card.
    payment_month : float, optional
        When the payment falls, in months from the programme start; default
        the end of ``contract.payment_year``. The nominal rate is set so that
        the payment's present value is :math:`P`.

    Raises
    ------
    SibriskError
        If the expected gross employment is zero (no rate per employed
        participant exists).
    """
    outcomes = expected_outcomes(scenario)
    savings = float(scenario_savings(scenario, outcomes.participants.sum(),
                                     outcomes.additional.sum()).present_value[0, -1])
    cost = scenario.provider.cost_per_participant
    surplus = savings - cost
    share = scenario.contract.investor_surplus_share * surplus
    payment = max(cost + share, 0.0)  # a deep deficit never makes the investor pay
    g_bar = scenario.gross_employment
    if g_bar <= 0.0:
        raise SibriskError(
            f"{scenario.source}: expected gross employment is 0, so no rate per employed "
            "participant exists; raise types.*.gross_employment above 0"
        )
    # P is a present value; the nominal payment falls at the end of contract.payment_year
    if payment_month is None:
        payment_month = 12.0 * scenario.contract.payment_year
    last_year = int(np.ceil(payment_month / 12.0))
    d_pay = float(discount_at(discount_factors(scenario.discounting, last_year), payment_month))
    nominal = payment / d_pay
    rate = nominal / g_bar
    w = np.array([t.share for t in scenario.types])
    g = np.array([t.gross_employment for t in scenario.types])
    catalogue = rate * (1.0 - (g - g_bar))
    rule = scenario.contract.by_type_rule
    if rule == "catalogue":
        rates = catalogue
    else:  # same shape, scaled to pay P in expectation (all zero when P is)
        expected = float(w * g @ catalogue)
        rates = catalogue * (nominal / expected if expected > 0 else 0.0)
    return SurplusShareTariff(
        expected_surplus=surplus,
        investor_surplus_share=share,
        payment_per_participant=payment,
        uniform_rate=rate,
        type_names=scenario.type_names,
        rates_by_type=rates,
        rule=rule,
        rate_card=scenario.contract.rate_card,
        expected_payment_by_type_rates=float(w * g @ rates) * d_pay,
    )
