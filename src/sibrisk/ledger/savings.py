"""The payers' savings: how the employment effect fades, and what it saves by year.

One rule, compiled (:mod:`sibrisk._jit`), used by every path: the price of the
surplus-share tariff, the deterministic account, expected and observed outcomes, and
every simulated run.

The effect profile is

.. math::
    f(t) = 1 \\text{ for } 1 \\le t \\le L, \\qquad
    f(t) = \\varphi + (1 - \\varphi)(1 - \\delta)^{t - L} \\text{ for } L < t \\le T,

and 0 at the start and after the horizon :math:`T`, with :math:`L` the full-effect
years, :math:`\\delta` the annual decay and :math:`\\varphi` the persistent share; the
power is a running product, year by year. The savings are an up-front amount at year 0
(the ordinary effort saved, net of other costs) and a yearly amount times the profile
(the saving from additional employment):
:math:`s(0) = u`, :math:`s(t) = y\\,f(t)`. Their present value so far is
:math:`u + y \\sum_{\\tau \\le t} f(\\tau) D(\\tau)`: the yearly amount times the
discounted effect-years.
"""

from __future__ import annotations

import numpy as np

from .._jit import CACHE as _CACHE
from .._jit import interpreted, njit
from ..scenario.spec import Effect, Scenario

__all__ = ["effect_profile_into", "savings_path", "effect_profile", "effect_years",
           "expected_savings"]


@njit(cache=_CACHE, nogil=True)
def effect_profile_into(full, horizon, decay, persistent, out):  # pragma: no cover - compiled
    """The effect profile ``f(t)`` for ``t = 0 .. len(out) - 1`` into ``out``."""
    fall = 1.0
    out[0] = 0.0
    for t in range(1, out.shape[0]):
        if t > horizon:
            out[t] = 0.0
        elif t <= full:
            out[t] = 1.0
        else:
            fall *= 1.0 - decay
            out[t] = persistent + (1.0 - persistent) * fall
    return out


@njit(cache=_CACHE, nogil=True)
def savings_path(up_front, yearly, profile, discount, by_year,
                 cum_pv):  # pragma: no cover - compiled
    """The savings by year, nominal (``by_year``), and their present value so far
    (``cum_pv``: the up-front amount plus the yearly amount times the discounted
    effect-years up to each year). Returns the discounted effect-years."""
    effect_years = 0.0
    by_year[0] = up_front
    cum_pv[0] = up_front
    for t in range(1, by_year.shape[0]):
        f = profile[t]
        by_year[t] = yearly * f
        effect_years += f * discount[t]
        cum_pv[t] = up_front + yearly * effect_years
    return effect_years


def effect_profile(effect: Effect, years: int | None = None) -> np.ndarray:
    """The effect profile of a scenario's effect for years ``0 .. years - 1`` (default
    ``0 .. horizon``)."""
    out = np.empty(effect.horizon + 1 if years is None else years)
    with interpreted():  # a handful of years: the rule as Python, no numba needed
        return effect_profile_into(effect.full_effect_years, effect.horizon, effect.decay,
                                   effect.persistent_share, out)


def effect_years(effect: Effect, discount: np.ndarray) -> float:
    """Discounted effect-years, :math:`\\sum_{t \\ge 1} f(t) D(t)`, for discount factors
    ``D`` at year ends ``0 .. horizon``."""
    profile = effect_profile(effect, discount.shape[-1])
    by_year, cum = np.empty_like(profile), np.empty_like(profile)
    with interpreted():
        return float(savings_path(0.0, 1.0, profile, discount, by_year, cum))


def expected_savings(scenario: Scenario, participants: float, additional: float,
                     discount: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """The municipality's savings for ``participants`` of whom ``additional`` are in work
    because of the programme: by year (nominal), their present value so far, and the
    discounted effect-years, for discount factors at year ends ``0 ..``."""
    m = scenario.municipality
    up_front = (m.ordinary_effort_saved_share * m.ordinary_effort_cost
                - m.other_net_costs) * participants
    yearly = m.saving_per_employed_year * additional
    profile = effect_profile(scenario.effect, discount.shape[-1])
    by_year, cum = np.empty_like(profile), np.empty_like(profile)
    with interpreted():
        years = savings_path(up_front, yearly, profile, discount, by_year, cum)
    return by_year, cum, float(years)
