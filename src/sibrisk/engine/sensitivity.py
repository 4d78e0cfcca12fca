"""Sensitivity: which uncertain inputs move an output, one at a time and all together.

:func:`tornado` moves each uncertain input from a low to a high quantile of
its distribution, the others held at their point values, and reports the
output at both ends (a tornado chart's bars). :func:`sobol` splits the
output's variance over the uncertain inputs (first-order and total Sobol'
indices, by ``scipy.stats.sobol_indices``), with confidence intervals from
independent scrambles of the Sobol' sequence (replicates).

Both look at the model without the cohort's luck: the output is the money of
the expected outcomes given the inputs, per cohort, with the contract held at
the price of the scenario's point values, as every run of :func:`simulate`
settles it. The evaluations go through the Monte Carlo kernels, so thousands
of input vectors cost milliseconds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import xarray as xr
from scipy import stats

from ..errors import SibriskError
from ..metrics.catalogue import wanted
from ..metrics.schema import OUTPUT_COLUMNS, OUTPUT_UNITS
from ..scenario.spec import Scenario, load_scenario
from .fused import simulate_chunk
from .simulate import _Plan, common_attrs

__all__ = ["tornado", "sobol", "evaluate_inputs", "SENSITIVITY_OUTPUTS"]

#: Outputs a sensitivity analysis can look at (the per-run outputs of :func:`simulate`).
SENSITIVITY_OUTPUTS = OUTPUT_COLUMNS


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
    cells = len(plan.types) * plan.cohorts  # one cell per cohort and type
    out = np.empty((rows, len(OUTPUT_COLUMNS)))
    gross, add, dw = (np.empty((rows, cells)) for _ in range(3))
    cat = plan.catalogue
    years = np.ascontiguousarray(discount[:, : plan.years])
    dclaim, dflow = cat.discounts(years)
    simulate_chunk(np.ascontiguousarray(plan.counts[None, :]), g, c, np.zeros((rows, cells, 2)),
                   False, params, varying, columns, years, dclaim, dflow, cat.compiled,
                   plan.cohorts, plan.scratch(), out, gross, add, dw, wanted())
    return out


def _output_index(output: str) -> int:
    if output not in SENSITIVITY_OUTPUTS:
        raise SibriskError(f"output = {output!r}: must be one of "
                           + ", ".join(repr(o) for o in SENSITIVITY_OUTPUTS))
    return SENSITIVITY_OUTPUTS.index(output)


def _uncertain(scenario: Scenario) -> dict:
    inputs = scenario.uncertain_inputs
    if not inputs:
        raise SibriskError(f"{scenario.source}: no input is uncertain; give some inputs a "
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


#: Independent scrambles of the Sobol' sequence behind :func:`sobol`'s intervals.
SOBOL_REPLICATES = 8


def sobol(scenario: Scenario | str, output: str = "municipal_account", *, n: int = 4096,
          seed: int = 0, confidence_level: float = 0.95,
          replicates: int = SOBOL_REPLICATES) -> xr.Dataset:
    r"""Variance-based (Sobol') sensitivity of an output to the uncertain inputs.

    Computed by ``scipy.stats.sobol_indices`` (Saltelli 2010 estimators) on the
    model without the cohort's luck, ``replicates`` times, each on its own
    independent scramble of a Sobol' sequence (``n`` A and B samples,
    ``n * (d + 2)`` evaluations). The indices are the mean of the replicates'
    estimates, and their intervals Student-t intervals over the replicates:
    mean :math:`\pm\, t_{R-1} s / \sqrt{R}`, with :math:`s` the replicates'
    standard deviation. Randomised quasi-Monte Carlo: the replicates are
    independent and identically distributed, so the interval is as wide as the
    estimate's own spread says (a bootstrap of one scrambled sample ignores the
    variance the sequence removes, and gave intervals ten to fifty times too
    wide). Replicate ``i`` is scrambled by ``SeedSequence(seed, spawn_key=(i,))``,
    so the same seed gives the same numbers. The inputs are taken as independent:
    a scenario's rank correlations are left out (``attrs`` says so).

    Parameters
    ----------
    scenario : Scenario or str
    output : str
        One of :data:`SENSITIVITY_OUTPUTS`; it must be finite in every
        evaluation (a payback year of ``inf`` is not).
    n : int
        Base sample size of each replicate, a power of 2.
    seed : int
        Same seed, same indices.
    confidence_level : float
        Of the intervals (default 95 %).
    replicates : int
        Independent scrambles, at least 2 (default :data:`SOBOL_REPLICATES`).

    Returns
    -------
    xarray.Dataset
        Dim ``input``: ``first_order``, ``total_order``, their
        ``*_low``/``*_high`` confidence bounds and ``*_se`` standard errors
        (the replicates' standard deviation over the square root of their
        number), largest total order first.
    """
    scenario = load_scenario(scenario)
    j = _output_index(output)
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 2 or n & (n - 1):
        raise SibriskError(f"n = {n!r}: must be a power of 2 (>= 2)")
    if isinstance(replicates, bool) or not isinstance(replicates, int | np.integer) \
            or replicates < 2:
        raise SibriskError(f"replicates = {replicates!r}: must be a whole number >= 2 (the "
                           "intervals come from the spread of independent replicates)")
    if not 0.0 < confidence_level < 1.0:
        raise SibriskError(f"confidence_level = {confidence_level!r}: must be a number in "
                           "(0, 1)")
    inputs = _uncertain(scenario)
    names = list(inputs)

    def func(x: np.ndarray) -> np.ndarray:
        out = evaluate_inputs(scenario, dict(zip(names, x, strict=True)))[:, j]
        if not np.isfinite(out).all():
            raise SibriskError(f"output {output!r} is not finite for some inputs (e.g. a "
                               "payback year that is never reached); choose another output")
        return out

    est = sobol_replicates(func, [inputs[key].ppf for key in names], n=int(n),
                           seed=int(seed), replicates=int(replicates),
                           confidence_level=confidence_level)
    order = np.argsort(-est["total_order"], kind="stable")

    def var(name: str, meaning: str) -> tuple:
        return ("input", np.asarray(est[name])[order], {"long_name": meaning})

    ds = xr.Dataset(
        {
            "first_order": var("first_order", "first-order Sobol' index (mean of the "
                               "replicates)"),
            "total_order": var("total_order", "total-order Sobol' index (mean of the "
                               "replicates)"),
            "first_order_low": var("first_order_low", "lower confidence bound of the "
                                   "first-order index"),
            "first_order_high": var("first_order_high", "upper confidence bound of the "
                                    "first-order index"),
            "total_order_low": var("total_order_low", "lower confidence bound of the "
                                   "total-order index"),
            "total_order_high": var("total_order_high", "upper confidence bound of the "
                                    "total-order index"),
            "first_order_se": var("first_order_se", "standard error of the first-order "
                                  "index (replicates' standard deviation / sqrt(replicates))"),
            "total_order_se": var("total_order_se", "standard error of the total-order "
                                  "index (replicates' standard deviation / sqrt(replicates))"),
        },
        coords={"input": np.array(names)[order]},
    )
    ds.attrs = {**common_attrs(scenario, "deterministic"), "output": output, "n": int(n),
                "replicates": int(replicates),
                "evaluations": int(replicates) * int(n) * (len(names) + 2), "seed": int(seed),
                "confidence_level": confidence_level,
                "method": "scipy.stats.sobol_indices, Saltelli 2010, on each of `replicates` "
                "independent scrambles of a Sobol' sequence (replicate i scrambled by "
                "SeedSequence(seed, spawn_key=(i,))); indices: the replicates' mean; "
                "intervals: Student-t over the replicates, mean +- t(replicates - 1) sd / "
                "sqrt(replicates)",
                "correlation": "inputs taken as independent" + (
                    ": the scenario's rank correlations are left out"
                    if scenario.correlation else "")}
    return ds


def sobol_replicates(func: Callable[[np.ndarray], np.ndarray],
                     ppfs: Sequence[Callable[[np.ndarray], np.ndarray]], *, n: int, seed: int,
                     replicates: int, confidence_level: float) -> dict[str, np.ndarray]:
    """First and total Sobol' indices of ``func`` with intervals over replicates.

    ``func`` maps an input matrix (input, sample) to one output per sample;
    ``ppfs`` are the inputs' quantile functions. Each replicate draws its A and B
    samples from its own scrambled Sobol' sequence (``2 d`` dimensions, ``n``
    points), maps them through ``ppfs`` and estimates the indices by
    ``scipy.stats.sobol_indices``. Returns the replicates' mean of each index, its
    standard error, and the Student-t interval (keys ``first_order``,
    ``first_order_se``, ``first_order_low``, ``first_order_high`` and the same for
    ``total_order``), and the replicates' estimates (``first_order_replicates``, ...;
    replicate, input).
    """
    d = len(ppfs)
    first = np.empty((replicates, d))
    total = np.empty((replicates, d))
    for r in range(replicates):
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(r,)))
        u = stats.qmc.Sobol(d=2 * d, scramble=True, rng=rng).random(n)
        a = np.stack([ppf(u[:, i]) for i, ppf in enumerate(ppfs)])
        b = np.stack([ppf(u[:, d + i]) for i, ppf in enumerate(ppfs)])
        f_ab = np.empty((d, 1, n))
        for i in range(d):
            ab = a.copy()
            ab[i] = b[i]
            f_ab[i, 0] = func(ab)
        res = stats.sobol_indices(func={"f_A": func(a)[None, :], "f_B": func(b)[None, :],
                                        "f_AB": f_ab}, n=n)
        first[r] = np.atleast_2d(res.first_order)[0]
        total[r] = np.atleast_2d(res.total_order)[0]
    t = stats.t.ppf(0.5 + confidence_level / 2.0, replicates - 1)
    out: dict[str, np.ndarray] = {}
    for name, values in (("first_order", first), ("total_order", total)):
        mean = values.mean(axis=0)
        se = values.std(axis=0, ddof=1) / np.sqrt(replicates)
        out[name] = mean
        out[f"{name}_se"] = se
        out[f"{name}_low"] = mean - t * se
        out[f"{name}_high"] = mean + t * se
        out[f"{name}_replicates"] = values
    return out
