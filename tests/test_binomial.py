"""The binomial sampler: an exact inversion of the binomial CDF, monotone in its uniform
and in p, whose cost does not grow with n.

Oracles: scipy's binomial distribution (Boost's incomplete beta function) for the
CDF, and for n near 1e12-1e15 a quadrature of the Beta density in mpmath at 50
digits, P(Bin(n, p) <= k) = I_{1-p}(n - k, k + 1)."""

from __future__ import annotations

import time

import mpmath
import numpy as np
import pytest
from numba import njit
from scipy import special, stats

from sibrisk.outcomes import draw as D


def _draw(n, p, u):
    n = np.broadcast_to(np.asarray(n, dtype=np.int64), np.shape(u)).copy()
    p = np.broadcast_to(np.asarray(p, dtype=float), np.shape(u)).copy()
    out = np.empty(np.shape(u), dtype=np.int64)
    D.binomial_many(n, p, np.ascontiguousarray(u, dtype=float), out)
    return out


@njit
def _approx_many(k, n, p, f, band):
    for i in range(k.size):
        f[i], band[i] = D.binomial_cdf_approx(k[i], n, p)


def _cdf(k, n, p):
    """P(Bin(n, p) <= k) by Boost's incomplete beta (scipy), k may be -1 or n."""
    k = np.asarray(k, dtype=float)
    inside = (k >= 0) & (k < n)
    out = np.where(k >= n, 1.0, 0.0)
    out[inside] = special.betaincc(k[inside] + 1.0, n - k[inside], p)
    return out


def _beta_quadrature_cdf(k: int, n: int, p: float) -> float:
    """P(Bin(n, p) <= k) = I_{1-p}(n - k, k + 1), by mpmath quadrature of the Beta
    density (50 digits) over 80 standard deviations on the side of its peak."""
    mpmath.mp.dps = 50
    a, b = mpmath.mpf(n - k), mpmath.mpf(k + 1)
    x = 1 - mpmath.mpf(p)
    log_beta = mpmath.loggamma(a) + mpmath.loggamma(b) - mpmath.loggamma(a + b)

    def density(t):
        return mpmath.exp((a - 1) * mpmath.log(t) + (b - 1) * mpmath.log1p(-t) - log_beta)

    peak = (a - 1) / (a + b - 2)
    width = 80 * mpmath.sqrt(peak * (1 - peak) / (a + b))

    def integral(lo, hi):
        return mpmath.quad(density, [lo + (hi - lo) * i / 64 for i in range(65)])

    if x <= peak:
        return float(integral(max(mpmath.mpf(0), x - width), x))
    return float(1 - integral(x, min(mpmath.mpf(1), x + width)))


# the small path (n q < 400, a walk from 0) and the large one (a search on the CDF)
EXACT = [(56, 0.35), (400, 0.5), (799, 0.5), (801, 0.5), (1000, 0.45), (5000, 0.92),
         (100_000, 0.01), (10**7, 0.3), (10**9, 0.5), (10**6, 0.9995)]


@pytest.mark.parametrize(("n", "p"), EXACT)
def test_every_draw_is_the_exact_inverse_of_the_cdf(n, p):
    """k(u) is the smallest k with F(k) >= u: F(k - 1) < u <= F(k) at every u, up to
    the CDF's rounding: a u within 1e-12 of a CDF value may go either way on the large
    path; the walk of the small path sums the probabilities one by one, which rounds
    its CDF by about 1e-14 (and for p > 1/2 it inverts 1 - u, rounded to 2^-53)."""
    rng = np.random.default_rng(n)
    u = np.concatenate([rng.random(20_000), [0.0, 1e-300, 2.0 ** -53, 1e-12, 0.5,
                                             1 - 1e-12, 1 - 2.0 ** -53]])
    k = _draw(n, p, u)
    above, below = _cdf(k, n, p), _cdf(k - 1, n, p)
    tol = 1e-12 * u + (1e-13 if n * min(p, 1 - p) < 400 else 1e-300)
    assert (u <= above + tol).all()
    assert ((below < u + tol) | (k == 0)).all()
    assert k[-7] == 0  # u = 0: the smallest k with F(k) >= 0


@pytest.mark.parametrize(("n", "p"), [(1000, 0.45), (30_000, 0.2), (10**6, 0.03)])
def test_the_large_path_matches_the_pmf(n, p):
    """A chi-square test of 200,000 draws against scipy's probabilities (tails pooled)."""
    m = 200_000
    out = _draw(n, p, np.random.default_rng(7).random(m))
    lo, hi = int(stats.binom.ppf(1e-7, n, p)), int(stats.binom.ppf(1 - 1e-7, n, p))
    edges = np.arange(lo, hi + 2)
    observed = np.histogram(out, bins=np.concatenate([[-0.5], edges[1:-1] - 0.5,
                                                      [n + 0.5]]))[0].astype(float)
    cdf = stats.binom.cdf(edges[:-1], n, p)
    expected = np.diff(np.concatenate([[0.0], cdf[:-1], [1.0]])) * m
    # pool neighbouring cells until each expects at least 5
    obs, exp, o, e = [], [], 0.0, 0.0
    for a, b in zip(observed, expected, strict=True):
        o, e = o + a, e + b
        if e >= 5:
            obs.append(o)
            exp.append(e)
            o = e = 0.0
    obs[-1] += o
    exp[-1] += e
    obs, exp = np.array(obs), np.array(exp)
    chi2 = ((obs - exp) ** 2 / exp).sum()
    assert stats.chi2.sf(chi2, obs.size - 1) > 1e-4


def test_draws_are_monotone_in_u_and_p_on_both_paths():
    rng = np.random.default_rng(3)
    for n in (37, 399, 2000, 123_456, 10**12):
        u = np.sort(np.concatenate([rng.random(3000), [0.0, 1e-15, 0.5, 1 - 2.0 ** -53]]))
        for p in (0.001, 0.2, 0.5, 0.77):
            assert (np.diff(_draw(n, p, u)) >= 0).all(), (n, p)
        grid = np.linspace(1e-6, 1 - 1e-6, 5001)  # crosses n q = 400 and p = 1/2
        for x in (rng.random(), 1e-9, 1 - 1e-9):
            assert (np.diff(_draw(n, grid, np.full(grid.size, x))) >= 0).all(), (n, x)
    # and in n: more trials never give fewer successes
    ns = np.arange(300, 3000)
    for x in rng.random(20):
        assert (np.diff(_draw(ns, 0.4, np.full(ns.size, x))) >= 0).all()


def test_a_neighbouring_p_moves_a_vanishing_share_of_draws():
    """Common random numbers: p and p + step give the same count in all but a share of
    the draws of the order of n x step."""
    u = np.random.default_rng(5).random(200_000)
    for n, step in ((56, 1e-9), (5000, 1e-9), (10**9, 1e-15)):  # n x step << 1
        a, b = _draw(n, 0.3, u), _draw(n, 0.3 + step, u)
        assert (b >= a).all() and (b - a).max() <= 1 and (a != b).mean() < 1e-3


@pytest.mark.parametrize(("n", "p"), [(10**12, 0.3), (10**12, 1e-9 * 500), (10**15, 0.5),
                                      (2**53 - 1, 0.01)])
def test_huge_n_is_fast_and_exact(n, p):
    """n near 2^53: the same few steps as for n = 1000 (no walk of sqrt(n) steps), and
    the draws at the tails' and the centre's u are the quantiles of the Beta quadrature."""
    u = np.random.default_rng(2).random(100_000)
    _draw(n, p, u[:10])
    start = time.perf_counter()
    k = _draw(n, p, u)
    assert time.perf_counter() - start < 5.0  # microseconds a draw; the old walk took minutes
    z = (k - n * p) / np.sqrt(n * p * (1 - p))
    assert abs(z.mean()) < 0.02 and abs(z.std() - 1) < 0.02
    for x in (1e-12, 0.3, 0.999):
        q = int(_draw(n, p, np.array([x]))[0])
        assert _beta_quadrature_cdf(q - 1, n, p) < x <= _beta_quadrature_cdf(q, n, p)


def test_the_expansion_stays_inside_its_error_band():
    """The band that decides when the expansion is trusted holds, with room, against
    scipy's CDF over +-9 standard deviations."""
    for n, p in [(801, 0.5), (3000, 0.3), (10**5, 0.01), (10**6, 0.95), (10**8, 0.5)]:
        mean, sd = n * p, np.sqrt(n * p * (1 - p))
        k = np.unique(np.clip(np.floor(mean + sd * np.linspace(-9, 9, 1001)), 0, n - 1)
                      ).astype(np.int64)
        f, band = np.empty(k.size), np.empty(k.size)
        _approx_many(k, n, p, f, band)
        assert (np.abs(f - _cdf(k, n, p)) <= 0.2 * band).all(), (n, p)
        centre = np.argmin(np.abs(k - mean))  # where the decisions fall most often
        # shrinking like 1 / (n p (1 - p)) against the probability of a count
        assert band[centre] < 5 / sd**2 * stats.binom.pmf(k[centre], n, p)


def test_edge_cases():
    u = np.array([0.0, 0.3, 1 - 2.0 ** -53, 1.0, np.nan])
    assert (_draw(10**12, 0.0, u) == 0).all() and (_draw(10**12, 1.0, u) == 10**12).all()
    assert (_draw(0, 0.5, u) == 0).all()
    for n, p in [(10**12, 1e-15), (10**12, 1 - 1e-15), (10**6, 1e-300), (50, 1e-300)]:
        k = _draw(n, p, u)  # no hang at u = 1 or NaN, counts within [0, n]
        assert ((k >= 0) & (k <= n)).all()
    assert _draw(10**6, 0.5, np.array([1.0]))[0] == _draw(10**6, 0.5,
                                                         np.array([1 - 2.0 ** -53]))[0]
