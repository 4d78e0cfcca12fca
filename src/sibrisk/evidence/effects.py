r"""How solid is the evidence? The effect of a programme from counts, and a trial's power.

A programme's effect is measured as in the catalogue: the share of participants in
ordinary work some months after the programme (*k* of *n*), against the share in a
comparable control group. :func:`effect` gives the two rates with their Wilson
intervals, the difference with Newcombe's interval, the relative risk, the p-values
of Fisher's exact test and of the two-proportion z-test, and the Bayesian reading
that sibrisk's ``evidence`` distributions use (Beta posteriors under the Jeffreys
prior, :data:`sibrisk.uncertainty.PRIORS`). :func:`read_participants` and
:func:`counts` get the counts from a table of participants.

How large a trial must be to show an effect is the subject of
:mod:`sibrisk.power`, whose functions :func:`power`, :func:`sample_size` and
:func:`power_curve` are also here.

>>> e = effect((19, 56), (48, 280))
>>> print(f"{e.difference:.3f} [{e.difference_interval[0]:.3f}, "
...       f"{e.difference_interval[1]:.3f}]")
0.168 [0.048, 0.304]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import xarray as xr
from scipy import special, stats

from ..scenario.uncertainty import Distribution
from . import _checks as check
from ._csvfile import FileLike, read_table
from .power_analysis import SampleSize, power, power_curve, sample_size, z_pvalues, z_statistic

__all__ = ["effect", "Effect", "wilson_interval", "read_participants", "counts", "Counts",
           "GROUPS", "power", "sample_size", "power_curve", "SampleSize"]

#: The two groups of a trial, as the participants file names them.
GROUPS = ("programme", "control")

#: Accepted spellings of an outcome (after lower-casing).
_OUTCOMES = {"1": True, "0": False, "yes": True, "no": False, "true": True, "false": False}


# ---------------------------------------------------------------------------
# The effect
# ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Effect:
    """The effect of a programme on a rate, from counts in a programme and a control group.

    Rates, differences and interval ends are fractions (0.35: 35 %); every interval is
    two-sided at ``level``.

    Attributes
    ----------
    treated, control : tuple of int
        ``(k, n)``: *k* successes (e.g. in ordinary work) of *n* participants.
    level : float
        Confidence level of the intervals.
    treated_rate, control_rate : float
        *k* / *n* of each group.
    treated_interval, control_interval : tuple of float
        Wilson score interval of each rate.
    difference : float
        ``treated_rate - control_rate`` (the added effect; 0.18: 18 percentage points).
    difference_interval : tuple of float
        Newcombe's hybrid score interval of the difference (Newcombe 1998, method 10),
        built from the two Wilson intervals.
    relative_risk : float or None
        ``treated_rate / control_rate``; ``None`` when the control rate is 0 (the ratio
        is infinite, or undefined if the programme's rate is 0 too).
    relative_risk_interval : tuple of float
        Katz's log interval of the relative risk. With a zero cell (a group in which
        no one, or everyone, had the outcome) half a participant is added to each of
        the four cells first (Haldane-Anscombe: half a success and one member more in
        each group; ``relative_risk_adjusted``), without which the interval would be
        undefined or of zero width; it is then centred on the adjusted ratio and need
        not contain a raw ratio of 0.
    relative_risk_adjusted : bool
        Whether that adjustment was made.
    fisher_p, fisher_p_greater : float
        Fisher's exact test: two-sided (any difference) and one-sided (the programme's
        rate is higher).
    z, z_p, z_p_greater : float
        The two-proportion z-test with the pooled variance: the statistic and its
        two-sided and one-sided p-values. When both groups are all successes or all
        failures there is no evidence of a difference: z = 0, p = 1 and 0.5.
    treated_posterior, control_posterior : tuple of float
        ``(a, b)`` of the Beta posterior of each rate under the Jeffreys prior,
        Beta(*k* + ½, *n* − *k* + ½): the distribution that ``dist = "evidence"`` gives
        an input of a scenario.
    probability_treated_higher : float
        The posterior probability that the programme's true rate is above the control
        group's, by numerical integration (no sampling; error below 1e-9).
    """

    treated: tuple[int, int]
    control: tuple[int, int]
    level: float
    treated_rate: float
    control_rate: float
    treated_interval: tuple[float, float]
    control_interval: tuple[float, float]
    difference: float
    difference_interval: tuple[float, float]
    relative_risk: float | None
    relative_risk_interval: tuple[float, float]
    relative_risk_adjusted: bool
    fisher_p: float
    fisher_p_greater: float
    z: float
    z_p: float
    z_p_greater: float
    treated_posterior: tuple[float, float]
    control_posterior: tuple[float, float]
    probability_treated_higher: float

    def to_dict(self) -> dict[str, Any]:
        """The effect as a dict of numbers, lists and ``None`` (for JSON)."""
        out: dict[str, Any] = {}
        for name in self.__slots__:
            value = getattr(self, name)
            out[name] = list(value) if isinstance(value, tuple) else value
        out["methods"] = {
            "rate_interval": "Wilson score", "difference_interval": "Newcombe hybrid score "
            "(method 10)", "relative_risk_interval": "Katz log" + (
                " (Haldane-Anscombe: 0.5 added to each of the four cells)"
                if self.relative_risk_adjusted else ""),
            "z_test": "pooled two-proportion z-test", "fisher": "Fisher's exact test",
            "posterior": "Beta posteriors under the Jeffreys prior Beta(1/2, 1/2)",
            "one_sided": "alternative: the programme's rate is higher"}
        return out


def effect(treated: tuple[int, int], control: tuple[int, int], *,
           level: float = 0.95) -> Effect:
    """The effect of a programme from counts: rates, difference, intervals and p-values.

    Parameters
    ----------
    treated : tuple of int
        ``(k, n)``: *k* of the *n* programme participants had the outcome (e.g. were in
        ordinary work two months after the programme).
    control : tuple of int
        ``(k, n)`` of the control group.
    level : float
        Confidence level of the intervals (0.95: 95 %).

    Returns
    -------
    Effect

    Notes
    -----
    With :math:`z` the normal quantile at :math:`(1 + \\text{level})/2`, the Wilson
    interval of a rate :math:`\\hat p = k/n` is

    .. math::

       \\frac{\\hat p + z^2/2n \\pm z\\sqrt{\\hat p(1-\\hat p)/n + z^2/4n^2}}{1 + z^2/n},

    and Newcombe's interval of :math:`\\hat p_1 - \\hat p_0` from the Wilson intervals
    :math:`(l_i, u_i)` is
    :math:`\\left[\\hat p_1 - \\hat p_0 - \\sqrt{(\\hat p_1 - l_1)^2 + (u_0 - \\hat p_0)^2},\\;
    \\hat p_1 - \\hat p_0 + \\sqrt{(u_1 - \\hat p_1)^2 + (\\hat p_0 - l_0)^2}\\right]`.

    Examples
    --------
    The trial's 19 of 56 in work, against 48 of 280 controls (the built-in scenario's
    assumption of five controls per participant):

    >>> e = effect((19, 56), (48, 280))
    >>> round(e.treated_rate, 3), round(e.control_rate, 3)
    (0.339, 0.171)
    >>> round(e.fisher_p, 4), round(e.probability_treated_higher, 4)
    (0.006, 0.9969)
    """
    k1, n1 = check.count_pair("treated", treated)
    k0, n0 = check.count_pair("control", control)
    level = check.open_unit("level", level, "a confidence level")
    z_crit = float(stats.norm.isf((1 - level) / 2))
    p1, p0 = k1 / n1, k0 / n0
    lo1, hi1 = wilson_interval(k1, n1, level)
    lo0, hi0 = wilson_interval(k0, n0, level)
    diff = p1 - p0
    diff_lo = diff - math.sqrt((p1 - lo1) ** 2 + (hi0 - p0) ** 2)
    diff_hi = diff + math.sqrt((hi1 - p1) ** 2 + (p0 - lo0) ** 2)

    # a zero cell (no one, or everyone, with the outcome in a group) leaves the log ratio
    # or its variance undefined or zero: add half a participant to each of the four
    # cells (Haldane-Anscombe), so each group gains half a success and one member
    adjusted = k1 in (0, n1) or k0 in (0, n0)
    half = 0.5 if adjusted else 0.0
    a1, m1, a0, m0 = k1 + half, n1 + 2 * half, k0 + half, n0 + 2 * half
    log_rr = math.log((a1 / m1) / (a0 / m0))
    spread = z_crit * math.sqrt(1 / a1 - 1 / m1 + 1 / a0 - 1 / m0)
    rr_interval = (math.exp(log_rr - spread), math.exp(log_rr + spread))

    table = [[k1, n1 - k1], [k0, n0 - k0]]
    fisher_two = float(stats.fisher_exact(table, alternative="two-sided").pvalue)
    fisher_greater = float(stats.fisher_exact(table, alternative="greater").pvalue)
    z = float(z_statistic(k1, n1, k0, n0))
    z_two = float(z_pvalues(n1, n0, "two-sided", k1, k0))
    z_greater = float(z_pvalues(n1, n0, "greater", k1, k0))

    post1, post0 = _jeffreys(k1, n1), _jeffreys(k0, n0)
    return Effect(
        treated=(k1, n1), control=(k0, n0), level=level,
        treated_rate=p1, control_rate=p0,
        treated_interval=(lo1, hi1), control_interval=(lo0, hi0),
        difference=diff, difference_interval=(diff_lo, diff_hi),
        relative_risk=None if k0 == 0 else p1 / p0,
        relative_risk_interval=rr_interval, relative_risk_adjusted=adjusted,
        fisher_p=fisher_two, fisher_p_greater=fisher_greater,
        z=z, z_p=z_two, z_p_greater=z_greater,
        treated_posterior=post1, control_posterior=post0,
        probability_treated_higher=_probability_higher(post1, post0),
    )


def wilson_interval(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval of a rate *k* / *n* at confidence ``level``.

    >>> [round(x, 4) for x in wilson_interval(19, 56)]
    [0.2292, 0.47]
    """
    k, n = check.count_pair("k, n", (k, n))
    level = check.open_unit("level", level, "a confidence level")
    z = float(stats.norm.isf((1 - level) / 2))
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    low = 0.0 if k == 0 else max(0.0, centre - half)  # exact at the ends, not 1e-17 off
    high = 1.0 if k == n else min(1.0, centre + half)
    return low, high


def _jeffreys(k: int, n: int) -> tuple[float, float]:
    """The Beta posterior of *k* of *n* as sibrisk's ``evidence`` distribution gives it."""
    dist = Distribution("evidence", (("successes", float(k)), ("trials", float(n)),
                                     ("prior", "jeffreys")))
    a, b = dist.beta_posterior()
    return float(a), float(b)


#: Gauss-Legendre nodes and weights on [-1, 1] for each panel of the integral below.
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(8)


def _probability_higher(treated: tuple[float, float], control: tuple[float, float]) -> float:
    """P(X1 > X0) for independent Beta variables, by quadrature (no sampling).

    P(X1 > X0) is the integral over u in (0, 1) of P(X1 > F0^-1(u)): a bounded,
    decreasing integrand, free of the densities' singularities at 0 and 1. It is
    integrated by 8-point Gauss-Legendre rules on panels split at 40 equal steps of u,
    at 10^-k (k = 1..15) from either end, and at the same levels of X1 (where the
    integrand falls fastest); the error is below 1e-9 (checked against 25-digit
    quadrature).
    """
    (a1, b1), (a0, b0) = treated, control
    tails = 10.0 ** -np.arange(1, 16)
    levels = np.concatenate([tails, 1 - tails, np.linspace(0.0, 1.0, 41)])
    knots = np.concatenate([levels, special.betainc(a0, b0, special.betaincinv(a1, b1,
                                                                                levels))])
    # within 1e-15 of either end the integrand is 1 (left) or 0 (right) to that accuracy,
    # and betaincinv has no answer for levels far below it
    knots = np.unique(np.clip(knots, 1e-15, 1.0 - 1e-15))
    low, high = knots[:-1, None], knots[1:, None]
    u = (low + high) / 2 + (high - low) / 2 * _NODES
    value = knots[0] + np.sum((high - low) / 2 * _WEIGHTS * special.betaincc(
        a1, b1, special.betaincinv(a0, b0, u)))
    if not np.isfinite(value):  # pragma: no cover - a failure of the special functions
        raise ArithmeticError(f"P(X1 > X0) for Beta{treated} and Beta{control} is {value}")
    return float(min(1.0, max(0.0, value)))


# ---------------------------------------------------------------------------
# Participants
# ---------------------------------------------------------------------------
class Counts(NamedTuple):
    """``(k, n)`` of the programme group (``treated``) and of the control group."""

    treated: tuple[int, int]
    control: tuple[int, int]


def read_participants(path: FileLike) -> xr.Dataset:
    """Read a table of participants, one row each, from a CSV file.

    Columns (a header line names them, in any order and case; lines that start with
    ``#`` are comments; other columns are ignored):

    - ``id``: the participant, unique;
    - ``group``: ``programme`` or ``control``;
    - ``type`` and ``municipality`` (optional): to count by, with :func:`counts`;
    - ``outcome``: 1 if the participant had the outcome (e.g. was in ordinary work at
      the measurement point), else 0; ``yes``/``no`` and ``true``/``false`` are
      accepted too.

    Parameters
    ----------
    path : str or path-like
        The CSV file (UTF-8).

    Returns
    -------
    xarray.Dataset
        Dim ``participant`` (the ids): ``group``, ``outcome`` (bool), ``type`` and
        ``municipality`` if given, and ``line``, each row's line in the file.

    Raises
    ------
    sibrisk.errors.DataFileError
        Naming the file, the line, the column and the value, e.g. ``participants.csv,
        line 7, outcome = 'maybe': must be 0 or 1 (or yes/no, true/false)``.
    """
    table = read_table(path, ("id", "group", "outcome"))
    extra = [c for c in ("type", "municipality") if c in table.columns]
    ids: list[str] = []
    seen: dict[str, int] = {}
    values: dict[str, list[Any]] = {c: [] for c in ("group", "outcome", *extra, "line")}
    for row in table.rows:
        pid = row.cells["id"]
        if not pid:
            raise table.error(row.line, "id", pid, "must not be empty")
        if pid in seen:
            raise table.error(row.line, "id", pid, f"appears twice (also on line {seen[pid]})")
        seen[pid] = row.line
        group = row.cells["group"].lower()
        if group not in GROUPS:
            raise table.error(row.line, "group", row.cells["group"],
                              "must be programme or control")
        outcome = _OUTCOMES.get(row.cells["outcome"].lower())
        if outcome is None:
            raise table.error(row.line, "outcome", row.cells["outcome"],
                              "must be 0 or 1 (or yes/no, true/false)")
        for c in extra:
            if not row.cells[c]:
                raise table.error(row.line, c, row.cells[c], "must not be empty")
            values[c].append(row.cells[c])
        ids.append(pid)
        values["group"].append(group)
        values["outcome"].append(outcome)
        values["line"].append(row.line)
    if not ids:
        raise table.error(None, None, None, "no participants (only a header)")
    ds = xr.Dataset({c: ("participant", np.asarray(v, dtype=bool if c == "outcome" else None))
                     for c, v in values.items()}, coords={"participant": ids})
    ds.attrs["source"] = table.source
    if table.comments:
        ds.attrs["comment"] = "\n".join(table.comments)
    return ds


def counts(participants: xr.Dataset | FileLike, by: str | None = None) -> dict[str, Counts]:
    """Count the outcomes in the programme and the control group.

    Parameters
    ----------
    participants : xarray.Dataset or path
        From :func:`read_participants`, or the CSV file to read.
    by : {None, "type", "municipality"}
        Count separately for each value of that column; ``None``: everyone.

    Returns
    -------
    dict of str to Counts
        ``{"all": Counts(...)}`` without ``by``, else one entry per value in the order of
        first appearance; give an entry to :func:`effect` as ``effect(*c)``. A group with
        no participants counts ``(0, 0)``, which :func:`effect` rejects.
    """
    ds = participants if isinstance(participants, xr.Dataset) else \
        read_participants(participants)
    if by is not None:
        check.choice("by", by, ("type", "municipality"))
        if by not in ds:
            raise check.fail("by", by, f"{ds.attrs.get('source', 'the participants')} has no "
                             f"{by} column")
    keys = ["all"] * ds.sizes["participant"] if by is None else [str(v) for v in ds[by].values]
    groups = ds["group"].values
    outcome = ds["outcome"].values
    out: dict[str, Counts] = {}
    for key in dict.fromkeys(keys):
        pick = np.array([k == key for k in keys])
        pair = []
        for group in GROUPS:
            mask = pick & (groups == group)
            pair.append((int(outcome[mask].sum()), int(mask.sum())))
        out[key] = Counts(*pair)
    return out
