"""Pricing solvers: the contract input at which a risk measure meets a target.

:func:`solve` varies one input (a scenario input such as
``contract.investor_surplus_share``, or a term of a contract file such as
``payments[0].rates.employed``) and finds where a risk measure of a
simulation reaches a target: the investor's probability of a loss, its
expected return, the municipality's probability of a deficit, a payback-year
quantile, or any actor's measure under a contract. Every evaluation uses the
same seed, so all share their outcome draws (common random numbers) and the
measure moves with the input only, monotonely where the contract does. The
search scans a grid across the bounds, brackets the target and bisects; the
answer's Monte Carlo error is the measure's standard error divided by its
slope across the bracket of the grid.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..contract.terms import Contract, load_contract
from ..errors import SibriskError
from ..metrics.risk import summarize, summarize_contracts, summary_to_dict
from ..scenario.spec import Scenario, load_scenario, spec_of
from .simulate import simulate

__all__ = ["solve", "Solution"]


@dataclass(frozen=True)
class Solution:
    """Where a risk measure reaches its target.

    Attributes
    ----------
    input, value, value_se : str, float, float
        The input varied, the value found and its Monte Carlo standard error.
    metric, target, achieved, achieved_se : str, float, float, float
        The measure, its target, and its value (with standard error) at ``value``.
    bracket : tuple of float
        Grid values around the answer, between which the measure crosses the target.
    runs, seed : int
    """

    input: str
    value: float
    value_se: float
    metric: str
    target: float
    achieved: float
    achieved_se: float
    bracket: tuple[float, float]
    runs: int
    seed: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


def _parse_target(target: str | tuple[str, float]) -> tuple[str, float]:
    if isinstance(target, tuple):
        return target
    match = re.fullmatch(r"\s*([A-Za-z0-9_.\-:]+)\s*=\s*([-+0-9.eE]+)\s*", str(target))
    try:  # "1.2.3" matches the pattern but is no number; "1e400" is no finite one
        value = float(match.group(2)) if match else math.nan
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise SibriskError(f"target = {target!r}: write METRIC=VALUE with a finite number, "
                           "e.g. investor_loss_probability=0.10")
    return match.group(1), value


def _pick(summary: dict[str, Any], metric: str) -> tuple[float, float]:
    """A measure and its standard error from a summary: ``name`` or ``name.QUANTILE``
    (quantile measures), or ``actor.name`` inside a contract's summary."""
    node: Any = summary
    parts = metric.split(".")
    # quantiles are keyed like "0.5": rejoin a trailing number
    if len(parts) >= 3 and parts[-2].isdigit():
        parts = parts[:-2] + [parts[-2] + "." + parts[-1]]
    if len(parts) >= 2 and "actors" in summary and parts[0] in summary["actors"]:
        node = summary["actors"][parts[0]]
        parts = parts[1:]
    name, *quantile = parts
    if name not in node or isinstance(node[name], (dict, list)) and not quantile:
        scalars = [k for k, v in node.items() if isinstance(v, float | int) and
                   not k.endswith("_se")]
        raise SibriskError(f"metric {metric!r}: not a measure here; choose one of "
                           + ", ".join(scalars) + (" (or ACTOR.MEASURE under a contract)"
                                                   if "actors" in summary else ""))
    value, se = node[name], node.get(f"{name}_se")
    if quantile:
        value, se = value[quantile[0]], se[quantile[0]]
    if value is None:
        raise SibriskError(f"metric {metric!r} is not finite at this input (e.g. a payback "
                           "year never reached)")
    return float(value), float(se or 0.0)


@functools.lru_cache(maxsize=256)
def _path_keys(path: str) -> tuple[str | int, ...]:
    """The keys of a path: ``payments[0].rates.employed`` -> ``("payments", 0, "rates",
    "employed")``."""
    return tuple(int(t[1:-1]) if t.startswith("[") else t
                 for t in re.findall(r"[^.\[\]]+|\[\d+\]", path))


def _set_path(data: dict[str, Any], path: str, value: float, what: str = "vary") -> None:
    """Set ``payments[0].rates.employed`` style paths in a contract's dict."""
    node: Any = data
    keys = _path_keys(path)
    for i, key in enumerate(keys):
        last = i == len(keys) - 1
        try:
            if last:
                if not isinstance(node[key], int | float) or isinstance(node[key], bool):
                    raise KeyError(key)
                node[key] = value
            else:
                node = node[key]
        except (KeyError, IndexError, TypeError):
            raise SibriskError(f"{what} = {path!r}: not a number in the contract (a key "
                               "left at its default is not in it: write it in the file); "
                               "e.g. payments[0].rates.employed or capital.tranches[0].coupon"
                               ) from None


def solve(scenario: Scenario | str | None, vary: str,
          target: str | tuple[str, float] | None = None, *,
          balance: tuple[str, str] | None = None,
          contract: Contract | str | None = None, bounds: tuple[float, float] | None = None,
          runs: int = 100_000, seed: int = 0, grid: int = 17, iterations: int = 30,
          xtol: float | None = None) -> Solution:
    """The value of one input at which a risk measure reaches a target.

    Parameters
    ----------
    scenario : Scenario, str or None
        The scenario; ``None`` takes the one the contract names.
    vary : str
        Without ``contract``: a numeric input of the scenario (dotted key, e.g.
        ``contract.investor_surplus_share``). With ``contract``: a number in the
        contract file, as a path (e.g. ``payments[0].rates.employed``).
    target : str or (str, float)
        ``METRIC=VALUE``. Without a contract the metric is a field of
        :func:`sibrisk.summary_to_dict` (``investor_loss_probability``,
        ``investor_return_mean``, ``municipal_deficit_probability``,
        ``payback_year_quantiles.0.5``, ...); with one, a field of its
        :func:`sibrisk.risk.summarize_contracts` entry (``payment_mean``) or
        ``ACTOR.FIELD`` (``investor.loss_probability``,
        ``municipality.npv_mean``).
    balance : (str, str), optional
        Instead of a target: two measures to balance, e.g.
        ``("investor_loss_probability", "municipal_deficit_probability")``: the
        fair split at which the two sides' chosen risks are equal (the first
        minus the second reaches 0; ``metric`` is then ``"A - B"``).
    bounds : (float, float), optional
        Where to search; default the input's allowed range when finite.
    runs, seed : int
        Every evaluation uses them: the same draws throughout.
    grid, iterations : int
        Grid points across the bounds, then bisection steps within the bracket.

    Raises
    ------
    SibriskError
        If the measure does not cross the target within the bounds.
    """
    if (target is None) == (balance is None):
        raise SibriskError("give either a target (METRIC=VALUE) or balance=(METRIC, METRIC)")
    if balance is not None:
        if len(balance) != 2:
            raise SibriskError(f"balance = {balance!r}: give two measures")
        metric, goal = f"{balance[0]} - {balance[1]}", 0.0
    else:
        metric, goal = _parse_target(target)

    def pick(summary: dict[str, Any]) -> tuple[float, float]:
        if balance is None:
            return _pick(summary, metric)
        (a, sa), (b, sb) = _pick(summary, balance[0]), _pick(summary, balance[1])
        return a - b, math.hypot(sa, sb)  # a bound: the two share draws
    if contract is not None:
        base_contract = load_contract(contract)
        if scenario is None:
            scenario = base_contract.scenario_object()
        scenario = load_scenario(scenario)
        data = base_contract.to_dict()
        _set_path(data, vary, 0.0)  # checks the path
        if bounds is None:
            raise SibriskError(f"bounds: give the range of {vary!r} to search")
    else:
        scenario = load_scenario(scenario)
        current = scenario.get(vary)
        if not isinstance(current, int | float) or isinstance(current, bool):
            raise SibriskError(f"vary = {vary!r}: not a numeric input")
        if bounds is None:
            spec = spec_of(vary)
            if spec.lo is None or spec.hi is None:
                raise SibriskError(f"bounds: {vary!r} has no finite allowed range; give the "
                                   "range to search")
            bounds = (float(spec.lo), float(spec.hi))
    lo, hi = (float(b) for b in bounds)
    if not lo < hi:
        raise SibriskError(f"bounds = {bounds!r}: give (low, high) with low < high")

    def contracts_at(values: np.ndarray) -> list[Contract]:
        out = []
        for i, v in enumerate(values):
            d = base_contract.to_dict()
            _set_path(d, vary, float(v))
            d["name"] = f"{base_contract.name}-{i}"
            out.append(Contract.from_dict(d, source=base_contract.source))
        return out

    def measure(values: np.ndarray) -> list[tuple[float, float]]:
        if contract is not None:
            ds = simulate(scenario, runs=runs, seed=seed, contracts=contracts_at(values),
                          contract_stats=("npv", "irr"))
            risk = summarize_contracts(ds)
            return [pick(risk[c]) for c in ds.contract.values]
        out = []
        for v in values:
            ds = simulate(scenario.replace(vary, float(v)), runs=runs, seed=seed)
            out.append(pick(summary_to_dict(summarize(ds))))
        return out

    xs = np.linspace(lo, hi, grid)
    ys = measure(xs)
    f = np.array([y for y, _ in ys]) - goal
    cross = [i for i in range(grid - 1) if f[i] == 0.0 or np.sign(f[i]) != np.sign(f[i + 1])]
    if not cross:
        raise SibriskError(f"{metric} does not reach {goal:g} for {vary} in [{lo:g}, {hi:g}] "
                           f"(from {ys[0][0]:.4g} to {ys[-1][0]:.4g}); widen the bounds")
    i = cross[0]
    a, b, fa = xs[i], xs[i + 1], f[i]
    bracket = (float(a), float(b))
    slope = (f[i + 1] - f[i]) / (b - a)
    tol = xtol if xtol is not None else (hi - lo) * 1e-9
    x, (y, se) = a, ys[i]
    if fa != 0.0:
        for _ in range(iterations):
            m = 0.5 * (a + b)
            (ym, sm), = measure(np.array([m]))
            if np.sign(ym - goal) == np.sign(fa):
                a, fa = m, ym - goal
            else:
                b = m
                x, y, se = m, ym, sm
            if b - a <= tol:
                break
        if x == xs[i]:  # never moved the upper end: take it
            x = b
            (y, se), = measure(np.array([b]))
    value_se = abs(se / slope) if slope != 0 else math.inf
    return Solution(input=vary, value=float(x), value_se=float(value_se), metric=metric,
                    target=goal, achieved=float(y), achieved_se=float(se), bracket=bracket,
                    runs=int(runs), seed=int(seed))
