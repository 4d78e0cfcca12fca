r"""Power and sample size of a comparison of two proportions.

How likely is a trial of ``n_treated`` programme participants and ``n_control``
controls to show a significant difference, if the programme's rate of success
really is ``p_treated`` and the control group's ``p_control``? Two tests and two
ways of computing the answer:

- ``test="z"``: the two-proportion z-test with the pooled variance (the usual
  "test of two proportions"); ``test="fisher"``: Fisher's exact test
  (conditional on the total number of successes).
- ``method="exact"`` lists every outcome of the trial, *k* successes of
  ``n_treated`` and *j* of ``n_control`` with probability
  :math:`\mathrm{Bin}(k; n_1, p_1)\,\mathrm{Bin}(j; n_0, p_0)`, applies the
  test to each and adds up the probabilities of the outcomes it rejects: the
  power without any approximation. ``method="normal"`` is the closed-form normal
  approximation

  .. math::

     1 - \beta \approx \Phi\!\left(\frac{\Delta - c - z\,\sigma_0}{\sigma_1}\right)
       + \Phi\!\left(\frac{-\Delta - c - z\,\sigma_0}{\sigma_1}\right)

  with :math:`\Delta = p_1 - p_0`, :math:`\sigma_0^2 = \bar p (1 - \bar p)
  (1/n_1 + 1/n_0)` (pooled, under the null), :math:`\sigma_1^2 = p_1(1 - p_1)/n_1
  + p_0(1 - p_0)/n_0` and :math:`z` the normal quantile at :math:`1 - \alpha/2`;
  one-sided (``alternative="greater"``) drops the second term and uses
  :math:`1 - \alpha`. For the z-test :math:`c = 0`; for Fisher's test it is the
  continuity correction :math:`c = (1/n_1 + 1/n_0)/2`, the classical normal
  approximation of Fisher's test.

Exact power is not monotone in the group size: the discreteness of the outcomes
makes it a saw-tooth, so adding a participant can lower it. :func:`sample_size`
reports both the smallest size that reaches the target and the smallest from
which the power stays at or above it (see there).

>>> round(power(0.35, 0.17, 56, control_ratio=5, method="normal"), 3)
0.833
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import xarray as xr
from scipy import special, stats

from . import _checks as check
from .choices import ALTERNATIVES, METHODS, TESTS

__all__ = ["power", "sample_size", "power_curve", "SampleSize", "ALTERNATIVES", "TESTS",
           "METHODS"]

#: Largest number of outcomes (n_treated + 1) x (n_control + 1) an exact power lists.
MAX_OUTCOMES = 20_000_000

#: Two outcomes' probabilities within this relative distance count as equally likely in
#: Fisher's two-sided test (as R's fisher.test; against rounding in the log-factorials).
FISHER_TIE = 1e-7


# ---------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------
def power(p_treated: float, p_control: float, n_treated: int, n_control: int | None = None,
          *, control_ratio: float | None = None, alpha: float = 0.05,
          alternative: str = "two-sided", test: str = "z", method: str = "exact") -> float:
    """The probability that a trial shows a significant difference between two rates.

    Parameters
    ----------
    p_treated, p_control : float
        The true rates of success (e.g. in ordinary work) in the programme group and the
        control group, fractions strictly between 0 and 1.
    n_treated : int
        Participants in the programme group.
    n_control : int, optional
        Participants in the control group. Give this or ``control_ratio``; with neither,
        the groups are the same size.
    control_ratio : float, optional
        Controls per programme participant: ``n_control = round(control_ratio *
        n_treated)``.
    alpha : float
        Significance level of the test (0.05: 5 %).
    alternative : {"two-sided", "greater"}
        Any difference, or only a higher rate in the programme group.
    test : {"z", "fisher"}
        The pooled two-proportion z-test, or Fisher's exact test.
    method : {"exact", "normal"}
        Enumerate every outcome of the trial, or the normal approximation (module
        docstring).

    Returns
    -------
    float
        The power, a probability (0.8: 80 %).

    Examples
    --------
    The catalogue's rates, 56 participants and five controls for each:

    >>> round(power(0.35, 0.17, 56, control_ratio=5), 3)
    0.836
    >>> round(power(0.35, 0.17, 56, control_ratio=5, test="fisher"), 3)
    0.808
    """
    p1, p0, alpha, alternative, test, method = _settings(p_treated, p_control, alpha,
                                                         alternative, test, method)
    n1 = check.whole("n_treated", n_treated, 1)
    n0 = control_size(n1, n_control, control_ratio)
    return _power(p1, p0, n1, n0, alpha, alternative, test, method)


@dataclass(frozen=True, slots=True)
class SampleSize:
    """The programme group a trial needs, from :func:`sample_size`.

    Attributes
    ----------
    n_treated : int
        The smallest programme group from which the power stays at or above the target
        (for ``method="exact"``: at every size from ``n_treated`` up to ``n_treated +
        window``; the normal approximation never falls once it is reached).
    n_control : int
        The control group that goes with it.
    power : float
        The power at ``n_treated``.
    first_n_treated : int
        The smallest programme group whose power reaches the target at all; smaller
        than ``n_treated`` when the exact power's saw-tooth dips below the target again.
    first_power : float
        The power at ``first_n_treated``.
    window : int
        How many larger sizes were checked to stay at or above the target (0 for the
        normal approximation).
    target : float
        The power aimed at.
    p_treated, p_control, alpha, control_ratio : float
    alternative, test, method : str
        The settings, as given.
    """

    n_treated: int
    n_control: int
    power: float
    first_n_treated: int
    first_power: float
    window: int
    target: float
    p_treated: float
    p_control: float
    alpha: float
    control_ratio: float
    alternative: str
    test: str
    method: str

    def to_dict(self) -> dict[str, Any]:
        """The result as a dict of plain numbers and strings (for JSON)."""
        return asdict(self)


def sample_size(p_treated: float, p_control: float, *, power: float = 0.8,
                alpha: float = 0.05, control_ratio: float = 1.0,
                alternative: str = "two-sided", test: str = "z", method: str = "exact",
                max_n: int = 5_000) -> SampleSize:
    """The smallest programme group whose power reaches a target.

    With ``method="normal"`` the power rises with the group size, and the answer is the
    smallest size that reaches ``power``. The exact power is a saw-tooth (module
    docstring); the answer is then the smallest size **from which it stays** at or
    above the target for the next ``window`` sizes, ``window = max(10, n // 10)``
    (beyond that the saw-tooth's dips are smaller than its rise), and
    ``first_n_treated`` is the smallest size that reaches it at all. The search
    goes up one participant at a time from one.

    Parameters
    ----------
    p_treated, p_control : float
        The true rates, as for :func:`sibrisk.power.power`.
    power : float
        The target power, above ``alpha`` and below 1.
    alpha : float
        Significance level.
    control_ratio : float
        Controls per programme participant (1: groups of the same size; the built-in
        scenario assumes 5).
    alternative, test, method : str
        As for :func:`sibrisk.power.power`.
    max_n : int
        Give up (with an error) above this programme group size.

    Returns
    -------
    SampleSize

    Examples
    --------
    >>> s = sample_size(0.35, 0.17, control_ratio=5, method="normal")
    >>> s.n_treated, s.n_control
    (51, 255)
    """
    p1, p0, alpha, alternative, test, method = _settings(p_treated, p_control, alpha,
                                                         alternative, test, method)
    target = check.open_unit("power", power, "a probability")
    if target <= alpha:
        raise check.fail("power", power, f"must be above alpha ({alpha:g}): a test rejects "
                         "with probability alpha even without any effect")
    ratio = check.number("control_ratio", control_ratio)
    if ratio <= 0:
        raise check.fail("control_ratio", control_ratio, "must be a number above 0")
    max_n = check.whole("max_n", max_n, 1)
    if alternative == "greater" and p1 <= p0:
        raise check.fail("p_treated", p_treated, f"must be above p_control ({p0:g}) for "
                         "alternative='greater': otherwise no trial size reaches the power")
    if p1 == p0:
        raise check.fail("p_treated", p_treated, "must differ from p_control: without a "
                         "difference no trial size reaches the power")

    def size(n: int) -> int:
        return control_size(n, None, ratio)

    def pw(n: int, how: str) -> float:
        return _power(p1, p0, n, size(n), alpha, alternative, test, how)

    def too_large(n: int) -> check.EvidenceError:
        return check.fail("max_n", max_n, f"is too small: the power stays below {target:g} "
                          f"up to {n:,} participants; raise max_n")

    normal_n = _smallest_normal(lambda n: pw(n, "normal"), target, max_n)
    if normal_n is None:
        raise too_large(max_n)
    if method == "normal":
        p = pw(normal_n, "normal")
        return SampleSize(normal_n, size(normal_n), p, normal_n, p, 0, target, p1, p0, alpha,
                          ratio, alternative, test, method)

    # from one participant up: with the saw-tooth, a size far below the normal answer can
    # reach the target (the sizes below half of it cost a seventh of the rest)
    first = first_power = None
    n, run_start = 1, None
    while True:
        if n > max_n:
            raise too_large(max_n)
        p = pw(n, "exact")
        if p >= target:
            if first is None:
                first, first_power = n, p
            if run_start is None:
                run_start = n
            if n - run_start >= _window(run_start):
                return SampleSize(run_start, size(run_start), pw(run_start, "exact"), first,
                                  first_power, _window(run_start), target, p1, p0, alpha,
                                  ratio, alternative, test, method)
        else:
            run_start = None
        n += 1


def power_curve(p_treated: float, p_control: float, n_treated: Any, *,
                n_control: int | None = None, control_ratio: float | None = None,
                alpha: float = 0.05, alternative: str = "two-sided", test: str = "z",
                methods: tuple[str, ...] = METHODS) -> xr.Dataset:
    """The power at each of several programme group sizes, by each method.

    Parameters
    ----------
    p_treated, p_control : float
        The true rates.
    n_treated : sequence of int
        The programme group sizes.
    n_control : int, optional
        A control group of fixed size (e.g. a register); else ``control_ratio`` controls
        per participant (1 by default).
    control_ratio : float, optional
    alpha, alternative, test : optional
        As for :func:`sibrisk.power.power`.
    methods : tuple of str
        Which of ``"exact"``, ``"normal"`` to compute.

    Returns
    -------
    xarray.Dataset
        ``power_exact`` and ``power_normal`` (those of ``methods``) along the dim
        ``n_treated``, the coordinate ``n_control`` along it, and the settings in
        ``attrs`` (draw it with :func:`sibrisk.plot.power_curve`).
    """
    p1, p0, alpha, alternative, test, _ = _settings(p_treated, p_control, alpha, alternative,
                                                    test, "exact")
    sizes = [check.whole("n_treated", n, 1) for n in np.atleast_1d(np.asarray(n_treated))]
    if not sizes:
        raise check.fail("n_treated", n_treated, "must hold at least one group size")
    methods = tuple(check.choice("methods", m, METHODS) for m in methods)
    controls = [control_size(n, n_control, control_ratio) for n in sizes]
    ds = xr.Dataset(coords={"n_treated": sizes, "n_control": ("n_treated", controls)})
    for how in methods:
        ds[f"power_{how}"] = ("n_treated", np.array(
            [_power(p1, p0, n, m, alpha, alternative, test, how)
             for n, m in zip(sizes, controls, strict=True)]),
            {"long_name": f"power ({how})", "units": "1",
             "description": "probability that the test rejects" + (
                 ", every outcome of the trial counted" if how == "exact" else
                 ", normal approximation")})
    ds.attrs.update(p_treated=p1, p_control=p0, alpha=alpha, alternative=alternative,
                    test=test, control=("fixed" if n_control is not None else
                                        f"{1.0 if control_ratio is None else control_ratio:g} "
                                        "per participant"))
    return ds


# ---------------------------------------------------------------------------
# Checks and helpers
# ---------------------------------------------------------------------------
def _settings(p_treated, p_control, alpha, alternative, test, method):
    return (check.open_unit("p_treated", p_treated, "a rate"),
            check.open_unit("p_control", p_control, "a rate"),
            check.open_unit("alpha", alpha, "a significance level"),
            check.choice("alternative", alternative, ALTERNATIVES),
            check.choice("test", test, TESTS),
            check.choice("method", method, METHODS))


def control_size(n1: int, n_control: int | None, control_ratio: float | None) -> int:
    if n_control is not None and control_ratio is not None:
        raise check.fail("control_ratio", control_ratio, "give n_control or control_ratio, "
                         "not both")
    if n_control is not None:
        return check.whole("n_control", n_control, 1)
    ratio = 1.0 if control_ratio is None else check.number("control_ratio", control_ratio)
    if ratio <= 0:
        raise check.fail("control_ratio", control_ratio, "must be a number above 0")
    return max(1, math.floor(ratio * n1 + 0.5))


def _window(n: int) -> int:
    """Larger sizes checked to stay above the target, from ``n``."""
    return max(10, n // 10)


def _smallest_normal(pw, target: float, max_n: int) -> int | None:
    """The smallest n with ``pw(n) >= target`` for a power that rises with n."""
    hi = 1
    while pw(hi) < target:
        if hi >= max_n:
            return None
        hi = min(2 * hi, max_n)
    lo = hi // 2  # pw(lo) < target, or lo == 0
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if pw(mid) >= target else (mid, hi)
    return hi


def _power(p1: float, p0: float, n1: int, n0: int, alpha: float, alternative: str,
           test: str, method: str) -> float:
    if method == "normal":
        return _normal_power(p1, p0, n1, n0, alpha, alternative, test == "fisher")
    if (n1 + 1) * (n0 + 1) > MAX_OUTCOMES:
        raise check.fail("method", method, f"cannot list the {(n1 + 1) * (n0 + 1):,} outcomes "
                         f"of {n1:,} participants and {n0:,} controls (at most "
                         f"{MAX_OUTCOMES:,}); use method='normal'")
    pvalues = (fisher_pvalues if test == "fisher" else z_pvalues)(n1, n0, alternative)
    reject = (pvalues <= alpha).astype(float)
    k1, k0 = np.arange(n1 + 1), np.arange(n0 + 1)
    return float(np.clip(stats.binom.pmf(k1, n1, p1) @ reject @ stats.binom.pmf(k0, n0, p0),
                         0.0, 1.0))


def _normal_power(p1: float, p0: float, n1: int, n0: int, alpha: float, alternative: str,
                  correction: bool) -> float:
    diff = p1 - p0
    pooled = (n1 * p1 + n0 * p0) / (n1 + n0)
    sd_null = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
    sd_alt = math.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
    c = (1 / n1 + 1 / n0) / 2 if correction else 0.0
    if alternative == "greater":
        z = stats.norm.isf(alpha)
        return float(stats.norm.cdf((diff - c - z * sd_null) / sd_alt))
    z = stats.norm.isf(alpha / 2)
    return float(stats.norm.cdf((diff - c - z * sd_null) / sd_alt)
                 + stats.norm.cdf((-diff - c - z * sd_null) / sd_alt))


# ---------------------------------------------------------------------------
# p-values of every outcome of a trial (array kernels)
# ---------------------------------------------------------------------------
def z_pvalues(n1: int, n0: int, alternative: str, k1: Any = None, k0: Any = None) -> np.ndarray:
    """p-values of the pooled two-proportion z-test.

    For every outcome (``k1`` of ``n1`` and ``k0`` of ``n0`` successes; all of them, an
    array of shape ``(n1 + 1, n0 + 1)``, unless ``k1`` and ``k0`` are given). Where both
    groups are all successes or all failures the pooled variance is 0 and there is no
    evidence of a difference: z = 0, p = 1 (two-sided), 0.5 (one-sided).
    """
    k1 = np.arange(n1 + 1)[:, None] if k1 is None else np.asarray(k1)
    k0 = np.arange(n0 + 1)[None, :] if k0 is None else np.asarray(k0)
    z = z_statistic(k1, n1, k0, n0)
    return 2 * stats.norm.sf(np.abs(z)) if alternative == "two-sided" else stats.norm.sf(z)


def z_statistic(k1: Any, n1: int, k0: Any, n0: int) -> np.ndarray:
    """The pooled z statistic (0 where the pooled variance is 0)."""
    pooled = (k1 + k0) / (n1 + n0)
    var = pooled * (1 - pooled) * (1 / n1 + 1 / n0)
    safe = np.where(var > 0, var, 1.0)
    return np.where(var > 0, (k1 / n1 - k0 / n0) / np.sqrt(safe), 0.0)


def fisher_pvalues(n1: int, n0: int, alternative: str) -> np.ndarray:
    """p-values of Fisher's exact test for every outcome, shape ``(n1 + 1, n0 + 1)``.

    Given the total number of successes *m*, the programme group's count is
    hypergeometric; the one-sided p-value is its upper tail, the two-sided one the
    probability of every count no more likely than the one observed (ties within
    :data:`FISHER_TIE`), as :func:`scipy.stats.fisher_exact` defines them.
    """
    total = n1 + n0
    x = np.arange(n1 + 1)[None, :]  # the programme group's successes
    m = np.arange(total + 1)[:, None]  # all successes
    inside = (m - x >= 0) & (m - x <= n0)
    logfact = special.gammaln(np.arange(total + 2) + 1.0)

    def log_choose(n: int, k: np.ndarray) -> np.ndarray:
        k = np.clip(k, 0, n)
        return logfact[n] - logfact[k] - logfact[n - k]

    logpmf = log_choose(n1, x) + log_choose(n0, m - x) - log_choose(total, m)
    pmf = np.where(inside, np.exp(logpmf), 0.0)  # rows: m, columns: x
    if alternative == "greater":
        p = np.cumsum(pmf[:, ::-1], axis=1)[:, ::-1]  # P(X >= x | m)
    else:
        order = np.argsort(pmf, axis=1, kind="stable")
        ranked = np.take_along_axis(pmf, order, axis=1)
        cum = np.cumsum(ranked, axis=1)
        # the last rank whose probability is within the tie tolerance of each rank's (the
        # zeros outside the support need no ties: they add nothing)
        last = np.arange(n1 + 1)[None, :].repeat(total + 1, axis=0)
        for _ in range(n1):
            nxt = np.minimum(last + 1, n1)
            step = (nxt > last) & (ranked > 0) & (np.take_along_axis(ranked, nxt, axis=1)
                                                  <= ranked * (1 + FISHER_TIE))
            if not step.any():
                break
            last = np.where(step, nxt, last)
        p_ranked = np.take_along_axis(cum, last, axis=1)
        p = np.empty_like(p_ranked)
        np.put_along_axis(p, order, p_ranked, axis=1)
    p = np.minimum(p, 1.0)
    out = np.ones((n1 + 1, n0 + 1))
    mm, xx = np.nonzero(np.broadcast_to(inside, pmf.shape))
    out[xx, mm - xx] = p[mm, xx]
    return out
