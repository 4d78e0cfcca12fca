"""The payers' savings: how the employment effect fades, and what it saves by year.

One rule, compiled (:mod:`sibrisk._jit`), used by every path: the price of the
surplus-share tariff, the deterministic account, expected and observed outcomes, and
every simulated run. The functions work on blocks of runs (the run last, so the inner
loops run over runs); one run is a block of one.

The effect profile is

.. math::
    f(t) = 1 \\text{ for } 1 \\le t \\le L, \\qquad
    f(t) = \\varphi + (1 - \\varphi)(1 - \\delta)^{t - L} \\text{ for } L < t \\le T,

and 0 at the start and after the horizon :math:`T`, with :math:`L` the full-effect
years, :math:`\\delta` the annual decay and :math:`\\varphi` the persistent share; the
power is a running product, year by year. The savings are an up-front amount at year 0
(the ordinary effort saved, net of other costs, per participant) and a yearly amount
(per additional employed participant) times the profile: :math:`s(0) = u`,
:math:`s(t) = y\\,f(t)`. Their present value so far is
:math:`u + y \\sum_{1 \\le \\tau \\le t} f(\\tau) D(\\tau)`: the yearly amount times the
discounted effect-years.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._jit import CACHE as _CACHE
from .._jit import interpreted, njit
from ..scenario.params import (
    N_PARAMS,
    P_DECAY,
    P_EFFORT_COST,
    P_EFFORT_SHARE,
    P_FULL_YEARS,
    P_HORIZON,
    P_OTHER,
    P_PERSISTENT,
    P_SAVING,
    point_parameters,
)
from ..scenario.spec import Effect, Scenario
from .discount import discount_factors

__all__ = ["effect_profile_block", "savings_block", "effect_profile", "scenario_savings",
           "Savings"]


@njit(cache=_CACHE, nogil=True)
def effect_profile_block(P, n, fall, out):  # pragma: no cover - compiled
    """The effect profile of each run ``r < n`` with parameters ``P[:, r]`` (the parameter
    vector, :mod:`sibrisk.scenario.params`), for years ``0 .. out.shape[0] - 1``, into
    ``out[t, r]``. ``fall`` (n,) is scratch."""
    for r in range(n):
        out[0, r] = 0.0
        fall[r] = 1.0
    for t in range(1, out.shape[0]):
        for r in range(n):  # the runs: vectorised
            if t > P[P_HORIZON, r]:
                out[t, r] = 0.0
            elif t <= P[P_FULL_YEARS, r]:
                out[t, r] = 1.0
            else:
                fall[r] *= 1.0 - P[P_DECAY, r]
                persistent = P[P_PERSISTENT, r]
                out[t, r] = persistent + (1.0 - persistent) * fall[r]


@njit(cache=_CACHE, nogil=True)
def savings_block(P, participants, additional, profile, discount, n, by_year, cum_pv,
                  effect_years, yearly):  # pragma: no cover - compiled
    """The savings of each run ``r < n``: by year, nominal (``by_year[t, r]``), their
    present value so far (``cum_pv[t, r]``), the discounted effect-years and the yearly
    saving at full effect (``effect_years[r]``, ``yearly[r]``), for ``participants[r]``
    of whom ``additional[r]`` are in work because of the programme, the profile
    ``profile[t, r]`` and discount factors at year ends ``discount[t, r]``."""
    for r in range(n):
        up_front = (P[P_EFFORT_SHARE, r] * P[P_EFFORT_COST, r] - P[P_OTHER, r]) \
            * participants[r]
        yearly[r] = P[P_SAVING, r] * additional[r]
        effect_years[r] = 0.0
        by_year[0, r] = up_front
        cum_pv[0, r] = up_front
    for t in range(1, by_year.shape[0]):
        for r in range(n):  # the runs: vectorised
            f = profile[t, r]
            by_year[t, r] = yearly[r] * f
            effect_years[r] += f * discount[t, r]
            cum_pv[t, r] = cum_pv[0, r] + yearly[r] * effect_years[r]


def effect_profile(effect: Effect, years: int | None = None) -> np.ndarray:
    """The effect profile of a scenario's effect for years ``0 .. years - 1`` (default
    ``0 .. horizon``)."""
    P = np.zeros((N_PARAMS, 1))
    P[P_DECAY, 0], P[P_PERSISTENT, 0] = effect.decay, effect.persistent_share
    P[P_FULL_YEARS, 0], P[P_HORIZON, 0] = effect.full_effect_years, effect.horizon
    out = np.empty((effect.horizon + 1 if years is None else years, 1))
    with interpreted():  # a handful of years: the rule as Python, no numba needed
        effect_profile_block(P, 1, np.empty(1), out)
    return out[:, 0]


class Savings(NamedTuple):
    """The municipality's savings of some runs (see :func:`scenario_savings`)."""

    by_year: np.ndarray  # (run, year) nominal; year 0 the up-front saving
    present_value: np.ndarray  # (run, year) their present value so far
    effect_years: np.ndarray  # (run,) discounted effect-years
    yearly: np.ndarray  # (run,) the yearly saving at full effect


def scenario_savings(scenario: Scenario, participants: np.ndarray, additional: np.ndarray,
                     discount: np.ndarray | None = None) -> Savings:
    """The municipality's savings at the scenario's point values, for ``participants``
    (run,) of whom ``additional`` (run,) are in work because of the programme, for
    discount factors at year ends ``discount`` (year,) (default: the scenario's, to its
    horizon). Run as Python: a few runs need no compiler."""
    P = point_parameters(scenario)
    if discount is None:
        discount = discount_factors(scenario.discounting, scenario.effect.horizon)
    participants = np.atleast_1d(np.asarray(participants, dtype=float))
    additional = np.atleast_1d(np.asarray(additional, dtype=float))
    runs, years = participants.shape[0], np.shape(discount)[-1]
    P = np.repeat(P[:, None], runs, axis=1)
    D = np.repeat(np.asarray(discount, dtype=float).reshape(years, 1), runs, axis=1)
    profile, by_year, cum = (np.empty((years, runs)) for _ in range(3))
    effect_years, yearly = np.empty(runs), np.empty(runs)
    with interpreted():
        effect_profile_block(P, runs, np.empty(runs), profile)
        savings_block(P, participants, additional, profile, D, runs, by_year, cum,
                      effect_years, yearly)
    return Savings(by_year.T.copy(), cum.T.copy(), effect_years, yearly)
