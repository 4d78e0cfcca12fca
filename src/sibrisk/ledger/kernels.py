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

import numpy as np

from .._jit import CACHE as _CACHE
from .._jit import njit
from ..metrics.schema import OUTPUT_COLUMNS
from ..outcomes.draw import binomial
from .stats import savings_sums

# Columns of the per-run parameter matrix.
(P_SAVING, P_EFFORT_COST, P_EFFORT_SHARE, P_OTHER, P_COST, P_PRODUCTION, P_NAF, P_EPS,
 P_DECAY, P_PERSISTENT, P_FULL_YEARS, P_HORIZON) = range(12)
N_PARAMS = 12

# Columns of the per-run output matrix (names in sibrisk.schema).
(O_PAYMENT, O_INVESTOR, O_RETURN, O_MULTIPLE, O_SAVINGS, O_MUNICIPAL, O_SURPLUS, O_PAYBACK,
 O_WELFARE, O_DEADWEIGHT, O_DW_SHARE, O_EMPLOYMENT) = range(len(OUTPUT_COLUMNS))

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
