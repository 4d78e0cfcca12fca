"""Sensitivity: which uncertain inputs move an output, one at a time and all together.

:func:`tornado` moves each uncertain input from a low to a high quantile of
its distribution, the others held at their point values, and reports the
output at both ends (a tornado chart's bars). :func:`sobol` splits the
output's variance over the uncertain inputs (first-order and total Sobol'
indices with bootstrap confidence intervals), by ``scipy.stats.sobol_indices``.

Both look at the model without the cohort's luck: the output is the money of
the expected outcomes given the inputs, per cohort, with the contract held at
the price of the scenario's point values, as every run of :func:`simulate`
settles it. The evaluations go through the Monte Carlo kernels, so thousands
of input vectors cost milliseconds.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from scipy import stats

from . import _kernels as K
from .errors import SibriskError
from .scenario import Scenario, load_scenario
from .schema import OUTPUT_UNITS
from .simulate import _Plan, common_attrs

__all__ = ["tornado", "sobol", "evaluate_inputs", "SENSITIVITY_OUTPUTS"]

#: Outputs a sensitivity analysis can look at (the per-run outputs of :func:`simulate`).
SENSITIVITY_OUTPUTS = K.OUTPUT_COLUMNS


def evaluate_inputs(scenario: Scenario, values: dict[str, np.ndarray]) -> np.ndarray:
    """The outputs (row, ``SENSITIVITY_OUTPUTS``) for rows of input values.

    ``values`` maps uncertain inputs (dotted keys) to arrays of equal length;
    the other inputs stay at their point values. Outcomes are expected given
    the inputs (no cohort luck); the contract is priced on the point values.
    """
    plan = _Plan(scenario, parameter_uncertainty=True, cohort_uncertainty=False)
    rows = max((np.size(v) for v in values.values()), default=1)
    draws = {key: np.broadcast_to(np.asarray(v, dtype=float), (rows,)).copy()
             for key, v in values.items()}
    g, c, params, varying, columns, discount = plan.arrays(draws)
    k = len(plan.types)
    out = np.empty((rows, len(K.OUTPUT_COLUMNS)))
    gross, add, dw = (np.empty((rows, k)) for _ in range(3))
    K.draw_and_settle(np.ascontiguousarray(plan.counts[None, :]), g, c,
                      np.zeros((rows, k, 2)), False, plan.rates,
                      np.ascontiguousarray(discount[:, : plan.years]), params, varying, columns,
                      plan.pay_year, gross, add, dw, out)
    return out


def _output_index(output: str) -> int:
    if output not in SENSITIVITY_OUTPUTS:
        raise SibriskError(f"output = {output!r}: must be one of "
                           + ", ".join(repr(o) for o in SENSITIVITY_OUTPUTS))
    return SENSITIVITY_OUTPUTS.index(output)


def _uncertain(scenario: Scenario) -> dict:
    inputs = scenario.uncertain_inputs
    if not inputs:
        raise SibriskError(f"{scenario.name}: no input is uncertain; give some inputs a "
                           "distribution (see the scenario file's distribution tables)")
    return inputs


def _units(scenario: Scenario, output: str) -> str:
    return OUTPUT_UNITS[output].format(cur=scenario.currency)


def tornado(scenario: Scenario | str, output: str = "municipal_account", *,
            level: float = 0.90) -> xr.Dataset:
    """One-way sensitivity of an output to every uncertain input.

    Each input is set to the ``(1 - level) / 2`` and ``(1 + level) / 2``
    quantiles of its distribution, the other inputs at their point values.

    Parameters
    ----------
    scenario : Scenario or str
    output : str
        One of :data:`SENSITIVITY_OUTPUTS` (per cohort, present value).
    level : float
        Central probability between the low and the high value (default 90 %).

    Returns
    -------
    xarray.Dataset
        Dim ``input``, widest swing first: ``low`` and ``high`` (the input's
        values), ``output_low`` and ``output_high``, and ``swing``
        (``|output_high - output_low|``). ``attrs["base"]`` is the output at
        the point values.

    Examples
    --------
    >>> import sibrisk
    >>> t = sibrisk.tornado("drc-sib-2023", "municipal_account")
    >>> str(t.input[0].values)
    'effect.decay'
    """
    scenario = load_scenario(scenario)
    if not 0.0 < level < 1.0:
        raise SibriskError(f"level = {level!r}: must be a number in (0, 1)")
    j = _output_index(output)
    inputs = _uncertain(scenario)
    names = list(inputs)
    q = np.array([(1.0 - level) / 2.0, (1.0 + level) / 2.0])
    bounds = {key: np.asarray(dist.ppf(q), dtype=float) for key, dist in inputs.items()}
    point = {key: float(scenario.get(key)) for key in names}
    # row 0: every input at its point value; then each input low and high in turn
    values = {key: np.full(1 + 2 * len(names), point[key]) for key in names}
    for i, key in enumerate(names):
        values[key][1 + 2 * i: 3 + 2 * i] = bounds[key]
    result = evaluate_inputs(scenario, values)[:, j]
    low, high = result[1::2], result[2::2]
    swing = np.abs(high - low)
    order = np.argsort(-swing, kind="stable")
    units = _units(scenario, output)
    ds = xr.Dataset(
        {
            "low": ("input", np.array([bounds[n][0] for n in names])[order],
                    {"long_name": f"input at its {q[0]:g} quantile"}),
            "high": ("input", np.array([bounds[n][1] for n in names])[order],
                     {"long_name": f"input at its {q[1]:g} quantile"}),
            "point": ("input", np.array([point[n] for n in names])[order],
                      {"long_name": "input at its point value"}),
            "output_low": ("input", low[order], {"units": units,
                                                 "long_name": f"{output} with the input low"}),
            "output_high": ("input", high[order], {"units": units,
                                                   "long_name": f"{output} with the input high"}),
            "swing": ("input", swing[order], {"units": units,
                                              "long_name": "|output_high - output_low|"}),
        },
        coords={"input": np.array(names)[order]},
    )
    ds.attrs = {**common_attrs(scenario, "deterministic"), "output": output,
                "base": float(result[0]), "level": level,
                "analysis": "one input at a time at its quantiles, the others at their point "
                "values; expected outcomes given the inputs; contract held at its base price"}
    return ds


def sobol(scenario: Scenario | str, output: str = "municipal_account", *, n: int = 4096,
          seed: int = 0, confidence_level: float = 0.95, n_resamples: int = 999) -> xr.Dataset:
    """Variance-based (Sobol') sensitivity of an output to the uncertain inputs.

    Computed by ``scipy.stats.sobol_indices`` (Saltelli 2010 estimators) on
    ``n * (d + 2)`` evaluations of the model without the cohort's luck (the
    A and B samples from a scrambled Sobol' sequence), with percentile bootstrap
    confidence intervals by ``scipy.stats.bootstrap``; both from one
    generator seeded by ``seed``, so the same seed gives the same numbers. The
    inputs are taken as independent: a scenario's rank correlations are left
    out (``attrs`` says so).

    Parameters
    ----------
    scenario : Scenario or str
    output : str
        One of :data:`SENSITIVITY_OUTPUTS`; it must be finite in every
        evaluation (a payback year of ``inf`` is not).
    n : int
        Base sample size, a power of 2.
    seed : int
        Same seed, same indices.
    confidence_level, n_resamples : float, int
        The bootstrap confidence intervals.

    Returns
    -------
    xarray.Dataset
        Dim ``input``: ``first_order``, ``total_order`` and their
        ``*_low``/``*_high`` confidence bounds, largest total order first.
    """
    scenario = load_scenario(scenario)
    j = _output_index(output)
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 2 or n & (n - 1):
        raise SibriskError(f"n = {n!r}: must be a power of 2 (>= 2)")
    inputs = _uncertain(scenario)
    names = list(inputs)

    def func(x: np.ndarray) -> np.ndarray:
        out = evaluate_inputs(scenario, dict(zip(names, x, strict=True)))[:, j]
        if not np.isfinite(out).all():
            raise SibriskError(f"output {output!r} is not finite for some inputs (e.g. a "
                               "payback year that is never reached); choose another output")
        return out[None, :]

    # A and B from a scrambled Sobol' sequence, as scipy.stats.sobol_indices draws them,
    # but from our generator so that the bootstrap below is reproducible too
    rng = np.random.default_rng(seed)
    d = len(names)
    u = stats.qmc.Sobol(d=2 * d, scramble=True, rng=rng).random(int(n))
    x = np.empty((2 * d, int(n)))
    for i, key in enumerate(names):
        x[i] = inputs[key].ppf(u[:, i])
        x[d + i] = inputs[key].ppf(u[:, d + i])
    a, b = x[:d], x[d:]
    f_a, f_b = func(a), func(b)
    f_ab = np.empty((d, 1, int(n)))
    for i in range(d):
        ab = a.copy()
        ab[i] = b[i]
        f_ab[i] = func(ab)

    def indices(idx: np.ndarray) -> np.ndarray:
        res = stats.sobol_indices(func={"f_A": f_a[:, idx], "f_B": f_b[:, idx],
                                        "f_AB": f_ab[:, :, idx]}, n=idx.size)
        return np.stack([np.atleast_2d(res.first_order)[0], np.atleast_2d(res.total_order)[0]])

    point = indices(np.arange(int(n)))
    first, total = point[0], point[1]
    # percentile intervals: every resample keeps n points, as the estimators need
    boot = stats.bootstrap((np.arange(int(n)),), statistic=indices, method="percentile",
                           n_resamples=int(n_resamples), confidence_level=confidence_level,
                           vectorized=False, rng=rng)
    ci_low, ci_high = boot.confidence_interval.low, boot.confidence_interval.high
    order = np.argsort(-total, kind="stable")

    def var(values: np.ndarray, meaning: str) -> tuple:
        return ("input", np.asarray(values)[order], {"long_name": meaning})

    ds = xr.Dataset(
        {
            "first_order": ("input", first[order], {"long_name": "first-order Sobol' index"}),
            "total_order": ("input", total[order], {"long_name": "total-order Sobol' index"}),
            "first_order_low": var(ci_low[0], "lower confidence bound of the first-order "
                                   "index"),
            "first_order_high": var(ci_high[0], "upper confidence bound of the first-order "
                                    "index"),
            "total_order_low": var(ci_low[1], "lower confidence bound of the total-order "
                                   "index"),
            "total_order_high": var(ci_high[1], "upper confidence bound of the total-order "
                                    "index"),
        },
        coords={"input": np.array(names)[order]},
    )
    ds.attrs = {**common_attrs(scenario, "deterministic"), "output": output, "n": int(n),
                "evaluations": int(n) * (len(names) + 2), "seed": int(seed),
                "confidence_level": confidence_level, "n_resamples": int(n_resamples),
                "method": "scipy.stats.sobol_indices, Saltelli 2010; percentile bootstrap "
                "intervals "
                "(scipy.stats.bootstrap)",
                "correlation": "inputs taken as independent" + (
                    ": the scenario's rank correlations are left out"
                    if scenario.correlation else "")}
    return ds
