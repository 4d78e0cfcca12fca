"""Fast quantile functions for drawing uncertain inputs (private).

Every uncertain input is drawn by inversion, ``x = F^{-1}(u)`` with one
uniform ``u`` per run, so that the same uniforms couple neighbouring
scenarios monotonically (common random numbers) and correlated inputs (a
Gaussian copula) are drawn the same way as independent ones.

scipy's quantile functions are exact but slow (about a microsecond for a
beta). A :class:`QuantileTable` tabulates one once, with its derivative, and
evaluates it by cubic Hermite interpolation: on an even grid in ``u`` for the
centre, and on an even grid in ``logit(u)`` for the two tails, where the
function is steep. At build time the table is checked against scipy halfway
between every pair of nodes, where interpolation is worst; a table that
misses by more than ``2e-10`` of the distribution's range there is not used
and the input falls back to scipy's exact quantile function. (A uniform of
exactly 0, a chance of 2^-53, is read as 4e-18.)
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from .._jit import CACHE as _CACHE
from .._jit import njit

__all__ = ["QuantileTable", "quantile_table"]

_EDGE = 2.0 ** -5  # the centre grid covers [_EDGE, 1 - _EDGE]
_CENTRE = 4096  # intervals of the centre grid
_TAIL = 2048  # intervals of each tail grid
_X_FAR = 40.0  # tails run from logit(u) = -40 (u = 4e-18) to logit(_EDGE)
_TOLERANCE = 2e-10


def _logit(u: np.ndarray) -> np.ndarray:
    return np.log(u) - np.log1p(-u)


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


class QuantileTable:
    """A tabulated quantile function of a scipy distribution (see the module docstring)."""

    def __init__(self, frozen: Any):
        self.frozen = frozen
        x_edge = math.log(_EDGE) - math.log1p(-_EDGE)
        self.centre_u = np.linspace(_EDGE, 1.0 - _EDGE, _CENTRE + 1)
        self.low_x = np.linspace(-_X_FAR, x_edge, _TAIL + 1)
        self.high_x = np.linspace(-x_edge, _X_FAR, _TAIL + 1)
        self.arrays = (
            *self._nodes(self.centre_u, 1.0 - self.centre_u, logit=False),
            *self._nodes(_expit(self.low_x), _expit(-self.low_x), logit=True),
            *self._nodes(_expit(self.high_x), _expit(-self.high_x), logit=True),
        )
        self.x_edge = x_edge
        self.ok = self._check()

    def _nodes(self, u: np.ndarray, v: np.ndarray, *,
               logit: bool) -> tuple[np.ndarray, np.ndarray]:
        """Quantiles and slopes at ``u`` (with ``v = 1 - u`` given exactly, for the upper
        tail, where ``u`` itself rounds to 1)."""
        q = np.where(u <= 0.5, self.frozen.ppf(u), self.frozen.isf(v)).astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = 1.0 / np.asarray(self.frozen.pdf(q), dtype=float)  # dq/du
            if logit:
                slope = slope * u * v  # dq/dlogit(u)
                # at a bounded support's end scipy's density can read 0: the slope there is
                # u (1 - u) / pdf with u (1 - u) below 1e-16, flat to the last digit
                slope = np.where(np.isfinite(slope), slope, 0.0)
        return q, slope

    def __call__(self, u: np.ndarray) -> np.ndarray:
        out = np.empty(u.shape)
        _lookup(np.ascontiguousarray(u, dtype=float).ravel(), _EDGE, _CENTRE, _X_FAR,
                self.x_edge, _TAIL, *self.arrays, out.ravel())
        return out

    def _check(self) -> bool:
        if not all(np.isfinite(a).all() for a in self.arrays):
            return False
        high = (self.high_x[:-1] + self.high_x[1:]) / 2
        mids = np.concatenate([
            (self.centre_u[:-1] + self.centre_u[1:]) / 2,
            _expit((self.low_x[:-1] + self.low_x[1:]) / 2),
            _expit(high),
        ])
        exact = np.asarray(self.frozen.ppf(mids), dtype=float)
        exact[-high.size:] = self.frozen.isf(1.0 - mids[-high.size:])  # 1 - u is exact there
        drawable = mids < 1.0  # numpy's uniforms are below 1 - 2^-53: logit(u) < 36.8
        scale = float(np.ptp(self.arrays[0])) or 1.0
        error = np.abs(self(mids[drawable]) - exact[drawable])
        return bool(np.nanmax(error) <= _TOLERANCE * scale)


@functools.lru_cache(maxsize=256)
def quantile_table(frozen: Any) -> QuantileTable | None:
    """The checked table of a (cached, hence hashable) scipy distribution, or ``None``."""
    table = QuantileTable(frozen)
    return table if table.ok else None


@njit(cache=_CACHE, nogil=True)
def _hermite(t, h, q0, q1, d0, d1):  # pragma: no cover - compiled
    t2 = t * t
    t3 = t2 * t
    return ((2 * t3 - 3 * t2 + 1) * q0 + (t3 - 2 * t2 + t) * h * d0
            + (-2 * t3 + 3 * t2) * q1 + (t3 - t2) * h * d1)


@njit(cache=_CACHE, nogil=True)
def _lookup(u, edge, centre, x_far, x_edge, tail, cq, cd, lq, ld, hq, hd,
            out):  # pragma: no cover - compiled
    """Cubic Hermite interpolation of a tabulated quantile function (jit-compiled)."""
    hc = (1.0 - 2.0 * edge) / centre
    hx = (x_edge + x_far) / tail
    for i in range(u.shape[0]):
        ui = u[i]
        if edge <= ui <= 1.0 - edge:
            s = (ui - edge) / hc
            j = min(int(s), centre - 1)
            out[i] = _hermite(s - j, hc, cq[j], cq[j + 1], cd[j], cd[j + 1])
            continue
        if ui < edge:
            x = math.log(ui) - math.log1p(-ui) if ui > 0.0 else -x_far
            s = (max(x, -x_far) + x_far) / hx
            j = min(int(s), tail - 1)
            out[i] = _hermite(s - j, hx, lq[j], lq[j + 1], ld[j], ld[j + 1])
        else:
            x = math.log(ui) - math.log1p(-ui) if ui < 1.0 else x_far
            s = (min(x, x_far) + x_edge) / hx
            j = min(int(s), tail - 1)
            out[i] = _hermite(s - j, hx, hq[j], hq[j + 1], hd[j], hd[j + 1])
