"""Drawn outcomes: the samplers of the cohort's luck, by inversion of one uniform each.

- :func:`binomial`: one Binomial(n, p) draw, exact inversion, monotone in the uniform
  (common random numbers couple neighbouring scenarios), at a cost that does not grow
  with n; :func:`binomial_lanes`: the same draws for a block of runs at once, each run
  a SIMD lane, bit for bit;
- :func:`composition`: participants of each type in each cohort, a chain of binomials.

Randomness stays outside: the engine draws uniforms with one numpy Generator per chunk
and purpose and passes them in, so a sampler is a pure function of its inputs.
"""

from __future__ import annotations

import math

import numpy as np

from .._jit import CACHE as _CACHE
from .._jit import cython_special, njit

__all__ = ["binomial", "binomial_lanes", "binomial_many", "composition", "MAX_TRIALS",
           "binomial_cdf_approx", "LANES"]

# Walking the CDF up from 0 needs (1 - q)^n not to underflow. With q <= 1/2,
# -log(1 - q) <= 1.39 q, so n q below this bound keeps (1 - q)^n above e^-560;
# above it the sampler inverts by deciding F(k) >= u at a few k (see ``binomial``).
_SEQUENTIAL_LIMIT = 400.0

# 1 / (k + 1) for small k: a multiplication is several times cheaper than a
# division in the sampler's inner loop, which is the engine's hot spot.
_RECIPROCAL_SIZE = 1024
_RECIPROCAL = 1.0 / np.arange(1.0, _RECIPROCAL_SIZE + 1.0)

#: The largest uniform numpy draws (``Generator.random`` is in [0, 1 - 2^-53]); larger
#: ones are read as it, so no uniform can walk the sampler to the end of the support.
_U_MAX = 1.0 - 2.0 ** -53

#: Counts up to this are drawn exactly (whole numbers of a double); scenario
#: validation refuses larger cohorts.
MAX_TRIALS = 2 ** 53 - 1


#: ``betaincc(a, b, x)``, the regularized upper incomplete beta function (Boost's, in
#: scipy): P(Bin(n, p) <= k) = betaincc(k + 1, n - k, p). Exact to about 1e-11 even for
#: n near 2^53, but its cost grows with n (milliseconds at 1e12): only the rare
#: decisions that the expansion below cannot settle are left to it.
_betaincc = cython_special("betaincc", "__pyx_fuse_0betaincc", 3)
#: ``ndtri(u)``, the standard normal quantile function (cephes, in scipy).
_ndtri = cython_special("ndtri", "ndtri", 1)

_SPLIT = 134217729.0  # 2^27 + 1: Veltkamp's splitter for doubles
_INV_SQRT_2PI = 0.3989422804014327
_SQRT_HALF = 0.7071067811865476
_EPS = 2.0 ** -52
# the band around the expansion's value inside which the decision is left to betaincc:
# _BAND_TERM x the size of the first omitted terms, plus _BAND_ROUND x rounding
_BAND_TERM = 2.0
_BAND_ROUND = 64.0


@njit(cache=_CACHE, nogil=True)
def _excess(b, r, p):  # pragma: no cover - compiled
    """``b - r p`` with the rounding of ``r p`` put back (Dekker's exact product)."""
    hi = r * p
    t = _SPLIT * r
    r_hi = t - (t - r)
    r_lo = r - r_hi
    t = _SPLIT * p
    p_hi = t - (t - p)
    p_lo = p - p_hi
    lo = ((r_hi * p_hi - hi) + r_hi * p_lo + r_lo * p_hi) + r_lo * p_lo
    return (b - hi) - lo


@njit(cache=_CACHE, nogil=True)
def _deviance(x, d):  # pragma: no cover - compiled
    """``x log(x / (x - d)) - d`` for ``x > 0``, ``x - d > 0``, without cancellation:
    the series sum_{j >= 2} x (d / x)^j / j where d is small against x."""
    v = d / x
    if abs(v) > 0.1:
        return -x * math.log1p(-v) - d
    term = v * v
    total = 0.5 * term
    j = 2
    while True:
        j += 1
        term *= v
        add = term / j
        total += add
        if abs(add) <= 1e-17 * total:
            break
    return x * total


@njit(cache=_CACHE, nogil=True)
def binomial_cdf_approx(k, n, p):  # pragma: no cover - compiled
    r"""P(Bin(n, p) <= k) by the uniform asymptotic expansion of the incomplete beta
    function, and a bound on its error (jit-compiled).

    With a = n - k, b = k + 1, r = n + 1 and D = b - r p, the CDF is
    :math:`I_{1-p}(a, b) = \Phi(w) - \varphi(w) (1/y - 1/w) + O(\varphi(w) / S^3)`,
    where :math:`S^2 = a b / r`, :math:`y = D / S` and :math:`w^2 / 2` is the
    deviance ``(a log(a / (a + D)) + D) + (b log(b / (b - D)) - D)`` with the sign of D
    (Temme's expansion; its first term only). Returns ``(F, band)``: the value, and
    a bound on its error (a multiple of the first omitted terms and of the rounding),
    so that ``F - band >= u`` and ``F + band < u`` decide ``P(X <= k) >= u`` for sure.
    """
    a = float(n - k)
    b = float(k + 1)
    r = float(n) + 1.0
    d = _excess(b, r, p)
    s2 = a * b / r
    s = math.sqrt(s2)
    half_w2 = _deviance(b, d) + _deviance(a, -d)  # w^2 / 2
    w = math.sqrt(2.0 * half_w2)
    if d < 0.0:
        w = -w
    if abs(d) <= 0.1 * min(a, b):
        # 1/y - 1/w = (E / D) S / (c (c + 1)), c = sqrt(1 + E), w = y c, from the
        # series E = 2 S^2 sum_{j >= 3} (1/j) ((D/b)^(j-2) / b + (-D/a)^(j-2) / a)
        xb = d / b
        xa = -d / a
        pb = 1.0 / (b * b)
        pa = -1.0 / (a * a)
        e_over_d = 0.0
        j = 3
        while True:
            add = (pb + pa) / j
            e_over_d += add
            if abs(add) <= 1e-17 * abs(e_over_d) or j > 60:
                break
            pb *= xb
            pa *= xa
            j += 1
        e_over_d *= 2.0 * s2
        c = math.sqrt(1.0 + e_over_d * d)
        t = e_over_d * s / (c * (c + 1.0))
    else:
        t = s / d - 1.0 / w
    density = _INV_SQRT_2PI * math.exp(-half_w2)
    if w < 0.0:
        big_phi = 0.5 * math.erfc(-w * _SQRT_HALF)
    else:
        big_phi = 1.0 - 0.5 * math.erfc(w * _SQRT_HALF)
    f = big_phi - density * t
    w2 = w * w
    band = (_BAND_TERM * density * (1.0 + w2) * (1.0 + w2) / (s2 * s)
            + _BAND_ROUND * _EPS * (f + density * (1.0 + abs(w)) * (1.0 + abs(t) + w2)))
    return f, band


@njit(cache=_CACHE, nogil=True)
def _cdf_reaches(k, n, p, u):  # pragma: no cover - compiled
    """Whether P(Bin(n, p) <= k) >= u: by the expansion where its error bound settles
    it, else by scipy's incomplete beta function."""
    if k >= n:
        return True
    if k < 0:
        return False
    f, band = binomial_cdf_approx(k, n, p)
    if f - band >= u:
        return True
    if f + band < u:
        return False
    return _betaincc(float(k + 1), float(n - k), p, 0) >= u


@njit(cache=_CACHE, nogil=True)
def _invert(n, p, u):  # pragma: no cover - compiled
    """The smallest k with P(Bin(n, p) <= k) >= u, for n p (1 - p) large: from a
    Cornish-Fisher guess, outward in doubling steps, then by bisection; every step asks
    the same question of the same CDF, so the answer does not depend on the guess."""
    mean = n * p
    sd = math.sqrt(mean * (1.0 - p))
    z = _ndtri(u, 0)
    guess = mean - 0.5 + sd * (z + (1.0 - 2.0 * p) / sd * (z * z - 1.0) / 6.0)
    if not guess > 0.0:  # also NaN
        k = 0
    elif guess >= n:
        k = n
    else:
        k = int(math.ceil(guess))
    if _cdf_reaches(k, n, p, u):  # the answer is k or below: (lo, hi] with hi reaching
        hi = k
        step = 1
        lo = hi - step
        while lo >= 0 and _cdf_reaches(lo, n, p, u):
            hi = lo
            step *= 2
            lo = hi - step
        if lo < -1:
            lo = -1
    else:  # above k
        lo = k
        step = 1
        hi = lo + step
        while hi < n and not _cdf_reaches(hi, n, p, u):
            lo = hi
            step *= 2
            hi = lo + step
        if hi > n:
            hi = n
    while hi - lo > 1:
        mid = lo + (hi - lo) // 2
        if _cdf_reaches(mid, n, p, u):
            hi = mid
        else:
            lo = mid
    return hi


@njit(cache=_CACHE, nogil=True)
def binomial(n, p, u):  # pragma: no cover - compiled
    """One Binomial(n, p) draw from one uniform ``u`` in [0, 1) (jit-compiled).

    Exact inversion: the smallest k whose cumulative probability reaches ``u``,
    so the draw never falls as ``u`` rises, nor as ``p`` or ``n`` rises: common
    random numbers couple neighbouring scenarios monotonically. Where n q is below
    400 (q = min(p, 1 - p)) the CDF is walked up from 0 for the rarer of the two
    outcomes (p <= 1/2 directly, p > 1/2 as n minus a Binomial(n, 1 - p) draw from
    1 - u). Above, the answer is searched from a Cornish-Fisher guess, each step
    deciding ``P(X <= k) >= u`` by the uniform asymptotic expansion of the CDF
    where its error bound settles it, and else by scipy's incomplete beta
    function: a few steps whatever n (n up to 2^53 - 1, ``MAX_TRIALS``).
    """
    if n <= 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    if not u > 0.0:  # also NaN
        return 0
    if u > _U_MAX:  # the top of numpy's range
        u = _U_MAX
    flip = p > 0.5
    q = 1.0 - p if flip else p
    if n * q >= _SEQUENTIAL_LIMIT:
        return _invert(n, p, u)
    if flip:
        u = 1.0 - u
    ratio = q / (1.0 - q)
    pk = (1.0 - q) ** n
    k = 0
    u -= pk
    while u > 0.0 and k < n:
        if k < _RECIPROCAL_SIZE:
            pk *= (n - k) * _RECIPROCAL[k] * ratio
        else:
            pk *= (n - k) / (k + 1.0) * ratio
        if pk == 0.0:  # past the mode, the mass left underflows: rounding kept u above 0
            break
        k += 1
        u -= pk
    return n - k if flip else k


@njit(cache=_CACHE, nogil=True)
def composition(sizes, conditional, u, out):  # pragma: no cover - compiled
    """Participants of each type in each cohort of every run, drawn by inversion
    (jit-compiled).

    A multinomial draw as a chain of binomials: in each cohort of size
    ``sizes[c]``, type ``t`` gets ``Binomial(left, conditional[t])`` of the
    participants not yet given a type, with ``conditional[t]`` its share of the
    shares from ``t`` on (the last type takes the rest), each from its own uniform
    ``u[r, c, t]``. So the counts are multinomial, and a small change of the shares
    or the size moves the counts of a vanishing share of runs (common random
    numbers), where numpy's multinomial would draw anew. Writes ``out`` (runs,
    cohort x type), cohort-major.
    """
    k_types = conditional.shape[0]
    for r in range(u.shape[0]):
        for c in range(sizes.shape[0]):
            left = sizes[c]
            for t in range(k_types - 1):
                x = binomial(left, conditional[t], u[r, c, t])
                out[r, c * k_types + t] = x
                left -= x
            out[r, c * k_types + k_types - 1] = left


@njit(cache=_CACHE, nogil=True)
def binomial_many(n, p, u, out):  # pragma: no cover - compiled
    """``out[i] = binomial(n[i], p[i], u[i])`` (jit-compiled; for tests and benchmarks)."""
    for i in range(u.shape[0]):
        out[i] = binomial(n[i], p[i], u[i])


#: Runs drawn together by :func:`binomial_lanes`, one per SIMD lane.
LANES = 256
#: Steps every lane walks before the rare run still walking is drawn on its own: they
#: cover the built-in scenario's draws but for a few runs in a thousand.
_LANE_STEPS = 12


@njit(cache=_CACHE, nogil=True)
def binomial_lanes(trials, p, u, n, out, pk, v, ratio, count):  # pragma: no cover - compiled
    """``out[r] = binomial(trials[r], p[r], u[r])`` for the ``n`` runs of a block.

    Every run walks its CDF up from 0 for the same number of steps, one run per SIMD
    lane (a lane that is done stops counting), doing the very operations of
    :func:`binomial` in the same order; a run not done after them, or outside the walk
    (p above 1/2, n p at or above the walk's limit, u at the edges of its range), is
    drawn by :func:`binomial` itself. So the counts are :func:`binomial`'s, bit for bit,
    without a mispredicted branch per draw. ``pk``, ``v``, ``ratio`` and ``count`` are
    scratch of length ``n`` or more."""
    for r in range(n):
        k = trials[r]
        q = p[r]
        walk = k > 0 and 0.0 < q <= 0.5 and k * q < _SEQUENTIAL_LIMIT and 0.0 < u[r] <= _U_MAX
        q = q if walk else 0.25  # any harmless value: the run is drawn by binomial below
        ratio[r] = q / (1.0 - q)
        pk[r] = (1.0 - q) ** k
        v[r] = u[r] - pk[r] if walk else 1.0
        count[r] = 0.0
    for step in range(_LANE_STEPS):
        reciprocal = _RECIPROCAL[step]
        for r in range(n):  # the lanes
            live = v[r] > 0.0
            pk[r] *= (trials[r] - step) * reciprocal * ratio[r]
            count[r] += 1.0 if live else 0.0
            v[r] = v[r] - pk[r] if live else v[r]
    for r in range(n):
        if v[r] > 0.0:  # not done in the steps, or not walked: on its own
            out[r] = binomial(trials[r], p[r], u[r])
        else:
            out[r] = count[r]
