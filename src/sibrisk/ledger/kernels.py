"""Numba kernels of the Monte Carlo engine (private).

Plain loops over plain arrays that write into preallocated outputs. They are
jit-compiled (``nopython``, ``nogil`` so that chunks run in threads) and cached
on disk unless ``SIBRISK_NUMBA_CACHE=0`` (numba's cache can race between
processes that compile at the same moment; see numba issues 4807 and 10128).

Randomness stays outside: the public layer draws uniforms with one numpy
Generator per chunk and passes them in, so a kernel is a pure function of its
inputs and results do not depend on how chunks are scheduled.
"""

from __future__ import annotations

import math

import numpy as np

from .._jit import CACHE as _CACHE
from .._jit import cython_special, njit
from ..metrics.schema import OUTPUT_COLUMNS
from .stats import savings_sums

# Columns of the per-run parameter matrix.
(P_SAVING, P_EFFORT_COST, P_EFFORT_SHARE, P_OTHER, P_COST, P_PRODUCTION, P_NAF, P_EPS,
 P_DECAY, P_PERSISTENT, P_FULL_YEARS, P_HORIZON) = range(12)
N_PARAMS = 12

# Columns of the per-run output matrix (names in sibrisk.schema).
(O_PAYMENT, O_INVESTOR, O_RETURN, O_MULTIPLE, O_SAVINGS, O_MUNICIPAL, O_SURPLUS, O_PAYBACK,
 O_WELFARE, O_DEADWEIGHT, O_DW_SHARE, O_EMPLOYMENT) = range(len(OUTPUT_COLUMNS))

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


@njit(cache=_CACHE, nogil=True)
def _settle_row(r, n, gross, dw, add, rates, discount, params, pay_year,
                out):  # pragma: no cover - compiled
    """Money of one run from its counts by type (the ledger's rules, per row).

    ``params`` is the run's parameter vector (N_PARAMS).

    The effect profile is built year by year: 1 up to the full-effect years,
    then ``persistent + (1 - persistent) (1 - decay)^(t - full)``, 0 after the
    horizon.
    """
    dr = r if discount.shape[0] > 1 else 0
    k_types = rates.shape[0]
    n_tot = 0.0
    add_tot = 0.0
    pay = 0.0
    dw_pay = 0.0
    for i in range(k_types):
        n_tot += n[i]
        add_tot += add[i]
        pay += rates[i] * gross[i]
        dw_pay += rates[i] * dw[i]
    d_pay = discount[dr, pay_year]
    pay_pv = pay * d_pay
    cost = params[P_COST] * n_tot
    up_front = (params[P_EFFORT_SHARE] * params[P_EFFORT_COST]
                - params[P_OTHER]) * n_tot
    yearly = params[P_SAVING] * add_tot
    years = discount.shape[1]
    decay = params[P_DECAY]
    persistent = params[P_PERSISTENT]
    full = params[P_FULL_YEARS]
    horizon = params[P_HORIZON]
    fall = 1.0
    # cumulative municipal account by year, and its last upward crossing of zero
    effect_years = 0.0
    last_neg = -1
    neg_value = 0.0
    next_value = 0.0
    waiting = False
    for t in range(years):
        if 0 < t <= horizon:
            if t <= full:
                f = 1.0
            else:
                fall *= 1.0 - decay
                f = persistent + (1.0 - persistent) * fall
            effect_years += f * discount[dr, t]
        cum = up_front + yearly * effect_years
        if t >= pay_year:
            cum -= pay_pv
        if cum < 0.0:
            last_neg = t
            neg_value = cum
            waiting = True
        elif waiting:
            next_value = cum
            waiting = False
    if last_neg < 0:
        payback = 0.0
    elif last_neg == years - 1:
        payback = np.inf
    else:
        payback = last_neg + (-neg_value) / (next_value - neg_value)
    employment = yearly * effect_years
    savings = up_front + employment
    surplus = savings - cost
    out[r, O_PAYMENT] = pay_pv
    out[r, O_INVESTOR] = pay_pv - cost
    out[r, O_RETURN] = (pay_pv - cost) / cost
    out[r, O_MULTIPLE] = pay / cost
    out[r, O_SAVINGS] = savings
    out[r, O_MUNICIPAL] = savings - pay_pv
    out[r, O_SURPLUS] = surplus
    out[r, O_PAYBACK] = payback
    production = params[P_PRODUCTION] * add_tot * effect_years
    out[r, O_WELFARE] = params[P_NAF] * (production - cost) + params[P_EPS] * surplus
    out[r, O_DEADWEIGHT] = dw_pay * d_pay
    out[r, O_DW_SHARE] = dw_pay / pay if pay > 0.0 else 0.0
    out[r, O_EMPLOYMENT] = employment


@njit(cache=_CACHE, nogil=True)
def settle(n, gross, dw, add, rates, discount, params, pay_year,
           out):  # pragma: no cover - compiled
    """Money of every row of given counts (jit-compiled).

    ``n``, ``gross``, ``dw``, ``add``: (rows, type). ``discount``: (1 or
    rows, year). ``params``: (N_PARAMS,), the same for every row. Writes
    ``out`` (rows, len(OUTPUT_COLUMNS)).
    """
    for r in range(gross.shape[0]):
        _settle_row(r, n[r], gross[r], dw[r], add[r], rates, discount, params, pay_year, out)


@njit(cache=_CACHE, nogil=True)
def draw_and_settle(n, g, c, u, cohort_luck, rates, discount, params, varying, columns,
                    pay_year, gross_out, add_out, deadweight_out,
                    out):  # pragma: no cover - compiled
    """Draw each run's cohort outcomes, then settle its money (jit-compiled).

    Per type, when g >= c: deadweight ~ Binomial(n, c), additional ~
    Binomial(n - deadweight, (g - c) / (1 - c)), gross = deadweight + additional.
    When g < c (a run in which the programme harms): of the Binomial(n, c)
    who would have worked, Binomial(that, (c - g) / c) lose the job; gross is
    the rest (all deadweight) and additional is minus the jobs lost. Either
    way gross ~ Binomial(n, g). Without ``cohort_luck`` the counts are their
    expectations given g and c.

    ``n``: (1 or runs, type) participants; ``g``, ``c``: (1 or runs, type);
    ``u``: (runs, type, 2) uniforms; ``params``: (N_PARAMS,) point values,
    of which the ``columns`` take each run's values from ``varying`` (runs,
    len(columns)). Writes gross and additional counts and the money of every
    run (and the deadweight counts).
    """
    runs = u.shape[0]
    k_types = rates.shape[0]
    p = params.copy()
    dw = np.empty(k_types)
    gross = np.empty(k_types)
    add = np.empty(k_types)
    for r in range(runs):
        nr = r if n.shape[0] > 1 else 0
        gr = r if g.shape[0] > 1 else 0
        cr = r if c.shape[0] > 1 else 0
        for i in range(k_types):
            ni = n[nr, i]
            gi = g[gr, i]
            ci = c[cr, i]
            if gi >= ci:  # the programme adds jobs to those that would have come anyway
                q = (gi - ci) / (1.0 - ci) if ci < 1.0 else 0.0
                if cohort_luck:
                    d = binomial(int(ni), ci, u[r, i, 0])
                    dw[i] = d
                    add[i] = binomial(int(ni) - d, q, u[r, i, 1])
                else:
                    dw[i] = ni * ci
                    add[i] = (ni - ni * ci) * q
                gross[i] = dw[i] + add[i]
            else:  # a harmful run: some who would have worked lose the job
                q = (ci - gi) / ci
                if cohort_luck:
                    d = binomial(int(ni), ci, u[r, i, 0])
                    lost = binomial(d, q, u[r, i, 1])
                    gross[i] = d - lost
                    add[i] = -lost
                else:
                    gross[i] = ni * gi
                    add[i] = ni * (gi - ci)
                dw[i] = gross[i]  # everyone employed would have been anyway
            gross_out[r, i] = gross[i]
            add_out[r, i] = add[i]
            deadweight_out[r, i] = dw[i]
        for j in range(columns.shape[0]):
            p[columns[j]] = varying[r, j]
        _settle_row(r, n[nr], gross, dw, add, rates, discount, p, pay_year, out)


@njit(cache=_CACHE, nogil=True)
def savings_and_sums(params, add_tot, n_tot, discount, out, cum, cum_pv,
                     monotone):  # pragma: no cover - compiled
    """``municipal_savings`` and ``savings_sums`` in one pass over the runs."""
    municipal_savings(params, add_tot, n_tot, out)
    savings_sums(out, discount, cum, cum_pv, monotone)


@njit(cache=_CACHE, nogil=True)
def municipal_savings(params, add_tot, n_tot, out):  # pragma: no cover - compiled
    """Nominal municipal savings by year of every run (the ledger's rules, per row).

    ``params``: (runs, N_PARAMS); ``add_tot``, ``n_tot``: (runs,). Writes
    ``out`` (runs, year): year 0 the saved ordinary effort net of other
    costs, then the saving from additional employment under the effect
    profile (as in ``_settle_row``).
    """
    years = out.shape[1]
    for r in range(out.shape[0]):
        p = params[r]
        yearly = p[P_SAVING] * add_tot[r]
        full = p[P_FULL_YEARS]
        horizon = p[P_HORIZON]
        fall = 1.0
        out[r, 0] = (p[P_EFFORT_SHARE] * p[P_EFFORT_COST] - p[P_OTHER]) * n_tot[r]
        for t in range(1, years):
            if t > horizon:
                out[r, t] = 0.0
                continue
            if t <= full:
                f = 1.0
            else:
                fall *= 1.0 - p[P_DECAY]
                f = p[P_PERSISTENT] + (1.0 - p[P_PERSISTENT]) * fall
            out[r, t] = yearly * f
