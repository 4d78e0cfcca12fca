"""Discounting: the factors at year ends and at any date.

Years are integers from the programme start: year 0 is the start (up-front
costs and payments), year t >= 1 is the end of the t-th year. Arrays returned
here are indexed by that year, ``0 .. horizon``.
"""

from __future__ import annotations

import numpy as np

from ..scenario.spec import Discounting

__all__ = ["SCHEDULES", "annual_rates", "discount_factors", "discount_at"]

#: Stepped schedules of the Danish Ministry of Finance: (last year, rate) steps.
#: 2017 guide: 4 % for years 1-35, 3 % for 36-70, 2 % after.
#: Note of January 2021: 3.5 %, 2.5 %, 1.5 % on the same steps.
SCHEDULES: dict[str, tuple[tuple[float, float], ...]] = {
    "mof2017": ((35, 0.04), (70, 0.03), (np.inf, 0.02)),
    "mof2021": ((35, 0.035), (70, 0.025), (np.inf, 0.015)),
}


def annual_rates(discounting: Discounting, horizon: int) -> np.ndarray:
    """Discount rate in force during each year ``t = 1 .. horizon``.

    Returns an array of length ``horizon + 1``; element 0 is 0 (no
    discounting at the start).
    """
    years = np.arange(horizon + 1)
    if discounting.schedule == "flat":
        out = np.full(horizon + 1, float(discounting.rate))
    else:
        steps = SCHEDULES[discounting.schedule]
        bounds = np.array([b for b, _ in steps])
        rates = np.array([r for _, r in steps])
        out = rates[np.searchsorted(bounds, years, side="left")]
    out[0] = 0.0
    return out


def discount_factors(discounting: Discounting, horizon: int) -> np.ndarray:
    """Present value at t = 0 of one unit paid at the end of year t.

    .. math:: D(t) = \\prod_{\\tau=1}^{t} (1 + r_\\tau)^{-1}, \\quad D(0) = 1

    With a flat rate this is :math:`(1 + r)^{-t}`; with a stepped schedule
    each year is discounted at the rate in force in that year.
    """
    return np.cumprod(1.0 / (1.0 + annual_rates(discounting, horizon)))


def discount_at(factors: np.ndarray, months: np.ndarray) -> np.ndarray:
    r"""Discount factors at actual dates, from the factors at year ends.

    Within a year the rate of that year applies continuously:
    :math:`D(t) = D(\lfloor t \rfloor)\,(D(\lceil t \rceil)/D(\lfloor t \rfloor))^{t -
    \lfloor t \rfloor}`, so a date at a year end gets exactly that year's factor.

    Parameters
    ----------
    factors : ndarray, shape (..., year)
        :math:`D(0), D(1), \ldots` as from :func:`discount_factors` (leading
        dims, e.g. one row per run, are kept).
    months : ndarray
        Dates in months from the programme start, within the years given.
    """
    factors = np.asarray(factors, dtype=float)
    months = np.asarray(months, dtype=float)
    years = months / 12.0
    whole = np.floor(years).astype(np.int64)
    frac = years - whole
    if np.any(whole < 0) or np.any(whole + (frac > 0) > factors.shape[-1] - 1):
        raise ValueError("discount_at: a date lies outside the years of the discount factors")
    below = factors[..., whole]
    above = factors[..., np.minimum(whole + 1, factors.shape[-1] - 1)]
    return np.where(frac > 0, below * (above / below) ** frac, below)
