"""Uncertain inputs: distributions, evidence and rank correlation.

Any numeric input of a scenario may be written as a table instead of a
number, naming a distribution::

    decay = { dist = "triangular", low = 0.05, mode = 0.15, high = 0.35 }
    gross_employment = { value = 0.526, dist = "evidence", successes = 10, trials = 19 }

``value`` is the point value the deterministic accounts and the contract's
price use; without it, the distribution's mean. Probabilities can come from
**evidence**, "k of n employed": the Beta posterior of a binomial proportion
under a stated prior (Jeffreys, Beta(1/2, 1/2), unless ``prior = "uniform"``,
Beta(1, 1)).

Every input is drawn by inversion, one uniform per draw, through its
quantile function (tabulated and checked, see ``sibrisk._quantile``). Rank
correlation between uncertain inputs uses a Gaussian copula: the Spearman
correlation :math:`\\rho_s` becomes the normal correlation
:math:`2 \\sin(\\pi \\rho_s / 6)`, correlated normals are drawn and mapped
through each input's quantile function.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._quantile import quantile_table

__all__ = ["Distribution", "KINDS", "PRIORS"]

#: Parameters of each kind: (required, optional with defaults).
KINDS: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
    "fixed": ((), {}),
    "uniform": (("low", "high"), {}),
    "triangular": (("low", "mode", "high"), {}),
    "pert": (("low", "mode", "high"), {"shape": 4.0}),
    "normal": (("mean", "sd"), {}),
    "truncnormal": (("mean", "sd", "low", "high"), {}),
    "lognormal": (("mean", "sd"), {}),
    "beta": (("a", "b"), {"low": 0.0, "high": 1.0}),
    "evidence": (("successes", "trials"), {"prior": "jeffreys"}),
}

#: Beta priors for evidence: (a, b).
PRIORS: dict[str, tuple[float, float]] = {"jeffreys": (0.5, 0.5), "uniform": (1.0, 1.0)}


@dataclass(frozen=True, slots=True)
class Distribution:
    """A distribution of one uncertain input.

    Attributes
    ----------
    kind : str
        One of :data:`KINDS`.
    params : tuple of (name, value)
        Its parameters, in the order of :data:`KINDS`.
    integer : bool
        Draws are rounded to whole numbers (for whole-number inputs).
    """

    kind: str
    params: tuple[tuple[str, Any], ...]
    integer: bool = False

    def __getitem__(self, name: str) -> Any:
        return dict(self.params)[name]

    # -- construction ---------------------------------------------------
    @classmethod
    def from_table(cls, table: dict[str, Any], *, lo: float | None, hi: float | None,
                   integer: bool = False,
                   lo_open: bool = False) -> tuple[Distribution, list[tuple[str, Any, str]]]:
        """Parse a TOML table; returns the distribution and a list of
        ``(subkey, value, allowed)`` problems (empty when valid)."""
        problems: list[tuple[str, Any, str]] = []
        kind = table.get("dist")
        if not isinstance(kind, str) or kind not in KINDS:  # a list or table is no kind
            problems.append(("dist", kind if kind is not None else "(missing)",
                             "must be one of " + ", ".join(repr(k) for k in KINDS)))
            return cls("fixed", ()), problems
        required, optional = KINDS[kind]
        allowed_keys = {"dist", "value", *required, *optional}
        for key in table:
            if key not in allowed_keys:
                problems.append((key, table[key], f"unknown key for dist = {kind!r}; allowed: "
                                 + ", ".join(sorted(allowed_keys))))
        params: list[tuple[str, Any]] = []
        for key in required:
            if key not in table:
                problems.append((key, None, f"required for dist = {kind!r}"))
                continue
            params.append((key, table[key]))
        for key, default in optional.items():
            params.append((key, table.get(key, default)))
        for key, value in params:
            if key == "prior":
                if not isinstance(value, str) or value not in PRIORS:
                    problems.append((key, value, "must be one of "
                                     + ", ".join(repr(p) for p in PRIORS)))
            elif isinstance(value, bool) or not isinstance(value, int | float) \
                    or not math.isfinite(float(value) if abs(value) < 1e300 else math.inf):
                problems.append((key, value, "must be a finite number"))
        if problems:
            return cls("fixed", ()), problems
        params = [(k, float(v) if k != "prior" else v) for k, v in params]
        dist = cls(kind, tuple(params), integer)
        problems += dist._check(lo, hi, lo_open)
        return dist, problems

    def _check(self, lo: float | None, hi: float | None,
               lo_open: bool = False) -> list[tuple[str, Any, str]]:
        p = dict(self.params)
        out: list[tuple[str, Any, str]] = []
        k = self.kind
        if k == "fixed":
            return out
        if k in ("uniform", "triangular", "pert", "truncnormal") and not p["low"] < p["high"]:
            out.append(("high", p["high"], f"must be above low ({p['low']:g})"))
        if k in ("triangular", "pert") and not p["low"] <= p["mode"] <= p["high"]:
            out.append(("mode", p["mode"], f"must lie in [low, high] = [{p['low']:g}, "
                        f"{p['high']:g}]"))
        if k == "pert" and p["shape"] <= 0:
            out.append(("shape", p["shape"], "must be > 0"))
        if k in ("normal", "truncnormal", "lognormal") and p["sd"] <= 0:
            out.append(("sd", p["sd"], "must be > 0"))
        if k == "lognormal" and p["mean"] <= 0:
            out.append(("mean", p["mean"], "must be > 0"))
        if k == "beta":
            for name in ("a", "b"):
                if p[name] <= 0:
                    out.append((name, p[name], "must be > 0"))
            if not p["low"] < p["high"]:
                out.append(("high", p["high"], f"must be above low ({p['low']:g})"))
        if k == "evidence":
            n, s = p["trials"], p["successes"]
            if not (n >= 1 and float(n).is_integer()):
                out.append(("trials", _whole(n), "must be a whole number >= 1"))
            elif not (0 <= s <= n and float(s).is_integer()):
                out.append(("successes", _whole(s), f"must be a whole number in [0, {n:g}]"))
            if lo != 0.0 or hi != 1.0:
                out.append(("dist", "evidence", "is only for probabilities (inputs in [0, 1])"))
        if out:
            return out
        s_lo, s_hi = self.support()
        if self.integer:  # draws are rounded to whole numbers
            s_lo, s_hi = float(np.rint(s_lo)), float(np.rint(s_hi))
        below = lo is not None and (s_lo <= lo if lo_open else s_lo < lo)
        if below or (hi is not None and s_hi > hi):
            left = "(" if lo_open else "["
            bounds = (f"{left}{'-inf' if lo is None else f'{lo:g}'}, "
                      f"{'inf' if hi is None else f'{hi:g}'}]")
            out.append(("dist", self.kind,
                        f"can draw values in [{s_lo:g}, {s_hi:g}], outside the allowed "
                        f"{bounds}; use a distribution within it (uniform, triangular, "
                        "pert, truncnormal, beta; lognormal for inputs that only need to be "
                        "positive)"))
        return out

    def to_dict(self) -> dict[str, Any]:
        """The TOML table (without ``value``)."""
        out: dict[str, Any] = {"dist": self.kind}
        for k, v in self.params:
            out[k] = int(v) if k in ("successes", "trials") else v
        return out

    # -- properties -------------------------------------------------------
    def _frozen(self) -> Any:
        return _frozen(self.kind, self.params)

    def _make_frozen(self) -> Any:
        from scipy import stats  # here: loading a scenario should not import scipy.stats

        p = dict(self.params)
        k = self.kind
        if k == "uniform":
            return stats.uniform(p["low"], p["high"] - p["low"])
        if k == "triangular":
            width = p["high"] - p["low"]
            return stats.triang((p["mode"] - p["low"]) / width, p["low"], width)
        if k == "pert":
            a, b = self._pert_ab()
            return stats.beta(a, b, p["low"], p["high"] - p["low"])
        if k == "normal":
            return stats.norm(p["mean"], p["sd"])
        if k == "truncnormal":
            a, b = (p["low"] - p["mean"]) / p["sd"], (p["high"] - p["mean"]) / p["sd"]
            return stats.truncnorm(a, b, p["mean"], p["sd"])
        if k == "lognormal":
            mu, sigma = self._lognormal_mu_sigma()
            return stats.lognorm(sigma, scale=math.exp(mu))
        if k == "beta":
            return stats.beta(p["a"], p["b"], p["low"], p["high"] - p["low"])
        if k == "evidence":
            a, b = self.beta_posterior()
            return stats.beta(a, b)
        raise ValueError(f"dist = {k!r} has no distribution")

    def _pert_ab(self) -> tuple[float, float]:
        p = dict(self.params)
        width = p["high"] - p["low"]
        return (1 + p["shape"] * (p["mode"] - p["low"]) / width,
                1 + p["shape"] * (p["high"] - p["mode"]) / width)

    def _lognormal_mu_sigma(self) -> tuple[float, float]:
        mean, sd = self["mean"], self["sd"]
        sigma2 = math.log1p((sd / mean) ** 2)
        return math.log(mean) - sigma2 / 2, math.sqrt(sigma2)

    def beta_posterior(self) -> tuple[float, float]:
        """Beta parameters of an ``evidence`` (or ``beta`` on [0, 1]) distribution."""
        if self.kind == "beta":
            return self["a"], self["b"]
        a0, b0 = PRIORS[self["prior"]]
        k, n = self["successes"], self["trials"]
        return k + a0, n - k + b0

    def mean(self) -> float:
        """The mean (the point value when the scenario gives none).

        In closed form, so that reading a scenario needs no scipy.stats (the
        tests check every kind against scipy's own mean).
        """
        k, p = self.kind, dict(self.params)
        if k == "fixed":
            raise ValueError("a fixed input has no distribution mean; give value")
        if k in ("uniform", "triangular", "pert", "beta", "evidence"):
            if k == "uniform":
                return self._whole_mean((p["low"] + p["high"]) / 2.0)
            if k == "triangular":
                return self._whole_mean((p["low"] + p["mode"] + p["high"]) / 3.0)
            a, b = self._pert_ab() if k == "pert" else self.beta_posterior()
            low, high = (0.0, 1.0) if k == "evidence" else (p["low"], p["high"])
            return self._whole_mean(low + (high - low) * a / (a + b))
        if k in ("normal", "lognormal"):
            return self._whole_mean(p["mean"])
        # truncnormal: mean + sd (phi(a) - phi(b)) / (Phi(b) - Phi(a))
        a, b = (p["low"] - p["mean"]) / p["sd"], (p["high"] - p["mean"]) / p["sd"]
        mass = _normal_cdf(b) - _normal_cdf(a)
        if mass < 1e-12:  # far in a tail: scipy's careful evaluation
            return self._whole_mean(float(self._frozen().mean()))
        return self._whole_mean(p["mean"] + p["sd"] * (_normal_pdf(a) - _normal_pdf(b)) / mass)

    def _whole_mean(self, m: float) -> float:
        return float(round(m)) if self.integer else float(m)

    def support(self) -> tuple[float, float]:
        """Smallest and largest value a draw can take."""
        k, p = self.kind, dict(self.params)
        if k in ("uniform", "triangular", "pert", "beta", "truncnormal"):
            return float(p["low"]), float(p["high"])
        if k == "evidence":
            return 0.0, 1.0
        if k == "lognormal":
            return 0.0, math.inf
        return -math.inf, math.inf  # normal

    # -- drawing ------------------------------------------------------------
    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` independent draws, by inversion of one uniform each.

        One uniform per draw keeps draws monotone in the uniform, so the same
        uniforms couple neighbouring distributions (common random numbers).
        """
        return self.ppf(rng.random(size))

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Quantile function: a checked, tabulated one where it can be (see
        ``sibrisk._quantile``), scipy's exact one otherwise."""
        table = quantile_table(self._frozen())
        x = table(u) if table is not None else np.asarray(self._frozen().ppf(u), dtype=float)
        return self._round(x)

    def _round(self, x: np.ndarray) -> np.ndarray:
        return np.rint(x) if self.integer else x


@functools.lru_cache(maxsize=1024)
def _frozen(kind: str, params: tuple[tuple[str, Any], ...]) -> Any:
    """The scipy distribution of a kind and parameters (cached: building one is slow)."""
    return Distribution(kind, params)._make_frozen()


def _normal_pdf(x: float) -> float:
    return math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def _normal_cdf(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def _whole(x: float) -> float | int:
    return int(x) if float(x).is_integer() else x


def normal_correlation(rank: float) -> float:
    """The normal-copula correlation that gives Spearman rank correlation ``rank``."""
    return 2.0 * math.sin(math.pi * rank / 6.0)
