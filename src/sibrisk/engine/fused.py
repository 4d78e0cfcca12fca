"""The fused engine: a chunk of runs of a scenario and its own contract in one compiled call.

For each block of :data:`~sibrisk.outcomes.draw.LANES` runs, :func:`simulate_chunk`
draws each cell's (cohort and type) deadweight and additional employment by inversion
(:func:`~sibrisk.outcomes.draw.binomial_lanes`, the runs as SIMD lanes), or takes their
expectations without the cohort's luck, and settles them as every path does
(:func:`sibrisk.metrics.catalogue.settle_counts`: the savings, the scenario's own
contract by the settlement engine, the catalogue's outputs), writing the runs' outputs,
each page first touched in the thread that computes it.
"""

from __future__ import annotations

from .._jit import CACHE as _CACHE
from .._jit import njit
from ..metrics.catalogue import settle_block
from ..outcomes.draw import LANES, binomial_lanes

__all__ = ["simulate_chunk"]


@njit(cache=_CACHE, nogil=True)
def _draw_cells(lo, m, n, g, c, u, cohort_luck, cells, gross, add, dead, trials, p,
                w, d, x, pk, v, ratio, count):  # pragma: no cover - compiled
    """Each cell's outcomes for runs ``lo .. lo + m``: per type, when g >= c, the
    deadweight ~ Bin(n, c) and the additional ~ Bin(n - deadweight, (g - c) / (1 - c));
    when g < c (a run in which the programme harms), of the Bin(n, c) who would have
    worked, Bin(that, (c - g) / c) lose the job, the gross is the rest (all deadweight)
    and the additional is minus the jobs lost. Either way gross ~ Bin(n, g). Without the
    cohort's luck, the expectations given g and c. Writes ``gross``, ``add`` and
    ``dead`` (cell, lane)."""
    for i in range(cells):
        for r in range(m):
            row = lo + r
            ni = n[row if n.shape[0] > 1 else 0, i]
            gi = g[row if g.shape[0] > 1 else 0, i]
            ci = c[row if c.shape[0] > 1 else 0, i]
            if not cohort_luck:
                if gi >= ci:
                    q = (gi - ci) / (1.0 - ci) if ci < 1.0 else 0.0
                    dead[i, r] = ni * ci
                    add[i, r] = (ni - ni * ci) * q
                    gross[i, r] = dead[i, r] + add[i, r]
                else:
                    gross[i, r] = ni * gi
                    add[i, r] = ni * (gi - ci)
                    dead[i, r] = gross[i, r]
                continue
            trials[r] = int(ni)
            p[r] = ci
            w[r] = u[row, i, 0]
        if not cohort_luck:
            continue
        binomial_lanes(trials, p, w, m, d, pk, v, ratio, count)
        for r in range(m):
            row = lo + r
            gi = g[row if g.shape[0] > 1 else 0, i]
            ci = c[row if c.shape[0] > 1 else 0, i]
            if gi >= ci:
                trials[r] = int(n[row if n.shape[0] > 1 else 0, i]) - int(d[r])
                p[r] = (gi - ci) / (1.0 - ci) if ci < 1.0 else 0.0
            else:
                trials[r] = int(d[r])
                p[r] = (ci - gi) / ci
            w[r] = u[row, i, 1]
        binomial_lanes(trials, p, w, m, x, pk, v, ratio, count)
        for r in range(m):
            row = lo + r
            if g[row if g.shape[0] > 1 else 0, i] >= c[row if c.shape[0] > 1 else 0, i]:
                dead[i, r] = d[r]
                add[i, r] = x[r]
                gross[i, r] = d[r] + x[r]
            else:
                gross[i, r] = d[r] - x[r]
                add[i, r] = 0.0 - x[r]  # +0.0 when no job is lost, as an integer count gives
                dead[i, r] = gross[i, r]


@njit(cache=_CACHE, nogil=True)
def simulate_chunk(n, g, c, u, cohort_luck, params, varying, columns, discount, dclaim, dflow,
                   C, cohorts, s, out, gross_out, add_out, dead_out,
                   want):  # pragma: no cover - compiled
    """Every run of a chunk: its outcomes drawn (or expected, without ``cohort_luck``)
    from ``n`` (1 or runs, cell) participants, ``g`` and ``c`` (1 or runs, cell) gross
    and control rates and ``u`` (run, cell, 2) uniforms; then settled
    (:func:`~sibrisk.metrics.catalogue.settle_block`: the contract ``C``, the outputs
    ``out`` and those ``want`` asks for). Writes each cell's gross, additional and
    deadweight employment (run, cell) too."""
    runs = u.shape[0]
    cells = g.shape[1]
    k_types = cells // cohorts
    for lo in range(0, runs, LANES):
        m = min(LANES, runs - lo)
        _draw_cells(lo, m, n, g, c, u, cohort_luck, cells, s.gross, s.add, s.dead,
                    s.trials, s.p, s.w, s.d, s.x, s.pk, s.v, s.ratio, s.count)
        for i in range(cells):
            for r in range(m):
                gross_out[lo + r, i] = s.gross[i, r]
                add_out[lo + r, i] = s.add[i, r]
                dead_out[lo + r, i] = s.dead[i, r]
        settle_block(lo, m, n, params, varying, columns, discount, dclaim, dflow, C, cohorts,
                     k_types, s, out, want)
