"""Exact answers: enumerate the joint distribution of the outcome counts.

With a few participant types and cohorts of tens to hundreds, every possible
set of counts can be listed with its probability. Outputs that depend only on
the counts then have their exact distribution, with no sampling noise: an
oracle for the Monte Carlo engine and a noise-free answer where it applies.

Two scopes:

- **all outputs**, when every input is fixed: per type the deadweight and the
  additional employment, :math:`D \\sim \\mathrm{Bin}(n, c)` and
  :math:`A \\mid D \\sim \\mathrm{Bin}(n - D, (g - c)/(1 - c))` (or, where the
  programme harms, jobs lost :math:`L \\mid D \\sim \\mathrm{Bin}(D, (c - g)/c)`);
- **the investor's outputs**, when the only uncertain inputs it depends on
  are the gross employment rates, from evidence or a beta distribution: each
  type's gross count is then Beta-binomial (see :func:`gross_pmf`). The
  investor's money depends on gross counts, the rates, the provider's cost
  and the discount factor of the payment year, and on nothing else.

A drawn cohort composition is a mixture over every composition, weighted by
its multinomial probability.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import xarray as xr
from scipy import stats

from ..errors import SibriskError
from ..metrics.catalogue import wanted
from ..metrics.schema import OUTPUT_COLUMNS, OUTPUT_MEANINGS, OUTPUT_UNITS
from ..scenario.spec import Scenario
from .simulate import _Plan, _versions, common_attrs, fixed_counts

__all__ = ["enumerate_outcomes", "INVESTOR_OUTPUTS"]

#: Outputs that depend only on gross counts (the investor's side).
INVESTOR_OUTPUTS = ("outcome_payment", "investor_result", "investor_return", "investor_multiple")

_MAX_OUTCOMES = 5_000_000


def _investor_inputs(scenario: Scenario) -> set[str]:
    keys = {"provider.cost_per_participant"}
    if scenario.contract.payment_year > 0:
        keys.add("discounting.rate")
    return keys


def enumerate_outcomes(
    scenario: Scenario,
    *,
    parameter_uncertainty: bool = True,
    cohort_uncertainty: bool = True,
    max_outcomes: int = _MAX_OUTCOMES,
) -> xr.Dataset:
    """Every possible outcome of the cohort, with its probability.

    Returns a Dataset like :func:`simulate`'s, with dim ``outcome`` instead of
    ``run`` and a ``probability`` variable; :func:`summarize` turns it into
    the same summary, exact. Outputs outside the scope (see the module
    docstring) are left out and ``attrs["exact_scope"]`` says which are there.

    Raises
    ------
    SibriskError
        When the answer cannot be enumerated: an uncertain input the
        investor's money depends on, a gross rate whose distribution is not
        beta or evidence, or more than ``max_outcomes`` outcomes.
    """
    uncertain = dict(scenario.uncertain) if parameter_uncertainty else {}
    blocking = sorted(_investor_inputs(scenario) & set(uncertain))
    if blocking:
        raise SibriskError(
            f"method 'exact' cannot enumerate: the investor's money depends on uncertain "
            f"{', '.join(blocking)}; use Monte Carlo (method 'mc') or fix them")
    gross_keys = {f"types.{t.name}.gross_employment": t for t in scenario.types}
    rate_keys = set(gross_keys) | {f"types.{t.name}.control_employment" for t in scenario.types}
    tied = sorted({x for a, b, _ in scenario.correlation for x in (a, b)} & rate_keys)
    if parameter_uncertainty and tied:
        raise SibriskError("method 'exact' needs independent employment rates, but "
                           f"{', '.join(tied)} are correlated: use Monte Carlo (method 'mc')")
    for key in uncertain:
        if key in gross_keys and uncertain[key].kind not in ("evidence", "beta"):
            raise SibriskError(
                f"method 'exact' needs {key} fixed or from evidence or a beta distribution, "
                f"not {uncertain[key].kind!r}; use Monte Carlo (method 'mc')")
        if key in gross_keys and uncertain[key].kind == "beta" and (
                uncertain[key]["low"], uncertain[key]["high"]) != (0.0, 1.0):
            raise SibriskError(f"method 'exact' needs the beta distribution of {key} on [0, 1]")
    full = not uncertain
    if not cohort_uncertainty:
        if uncertain:
            raise SibriskError("method 'exact' with cohort uncertainty off leaves only the "
                               "uncertain inputs, which are continuous: use Monte Carlo")
        compositions = [(np.array([t.share for t in scenario.types]) * scenario.cohort.size,
                         1.0)]
    elif scenario.cohort.composition == "drawn":
        compositions = _compositions(scenario)
    else:
        compositions = [(fixed_counts(scenario).astype(float), 1.0)]

    plan = _Plan(scenario, parameter_uncertainty=False, cohort_uncertainty=cohort_uncertainty)
    rows_n, rows_gross, rows_dw, rows_add, rows_p = [], [], [], [], []
    total = 0
    for n, weight in compositions:
        per_type = [_type_states(scenario, i, n[i], uncertain, full, cohort_uncertainty)
                    for i in range(len(scenario.types))]
        size = math.prod(len(s[0]) for s in per_type)  # Python ints: no overflow
        total += size
        if total > max_outcomes:
            raise SibriskError(f"method 'exact' would list more than {max_outcomes:,} outcomes; "
                               "use Monte Carlo (method 'mc')")
        grids = [np.meshgrid(*[s[j] for s in per_type], indexing="ij") for j in range(4)]
        gross, dw, add = (np.stack([x.ravel() for x in grid], axis=-1) for grid in grids[:3])
        prob = np.prod(np.stack([x.ravel() for x in grids[3]], axis=-1), axis=-1) * weight
        rows_n.append(np.broadcast_to(n, gross.shape))
        rows_gross.append(gross)
        rows_dw.append(dw)
        rows_add.append(add)
        rows_p.append(prob)
    n = np.ascontiguousarray(np.concatenate(rows_n))
    gross = np.ascontiguousarray(np.concatenate(rows_gross))
    dw = np.ascontiguousarray(np.concatenate(rows_dw))
    add = np.ascontiguousarray(np.concatenate(rows_add))
    prob = np.concatenate(rows_p)
    _, _, params, varying, columns, discount = plan.arrays({})
    # the cohort as a whole: one cell per type (the contract's claims sum over cohorts)
    want = wanted(gross.shape[0], irr=plan.pay_year > 0)
    out = plan.catalogue.settle(n, gross, add, dw, params, varying, columns, discount,
                                want=want)
    return _dataset(scenario, plan, out, want.irr, n, gross, add, prob, full)


def _compositions(scenario: Scenario) -> list[tuple[np.ndarray, float]]:
    size, k = scenario.cohort.size, len(scenario.types)
    weights = np.array([t.share for t in scenario.types])
    weights = weights / weights.sum()
    out = []
    for cut in itertools.combinations(range(size + k - 1), k - 1):
        bounds = (-1,) + cut + (size + k - 1,)
        counts = np.diff(bounds) - 1
        p = float(stats.multinomial.pmf(counts, size, weights))
        if p > 0.0:
            out.append((counts.astype(float), p))
    return out


def _type_states(scenario, i, n, uncertain, full, cohort_luck):
    """(gross, deadweight, additional, probability) of every state of one type."""
    t = scenario.types[i]
    g, c = t.gross_employment, t.control_employment
    if not cohort_luck:
        one = np.array([1.0])
        return np.array([n * g]), np.array([n * min(g, c)]), np.array([n * (g - c)]), one
    n = int(n)
    if full:
        d, x = np.meshgrid(np.arange(n + 1), np.arange(n + 1), indexing="ij")
        if g >= c:  # x additional jobs among the n - d who would not have worked
            keep = d + x <= n
            d, x = d[keep].astype(float), x[keep].astype(float)
            q = (g - c) / (1.0 - c) if c < 1.0 else 0.0
            p = stats.binom.pmf(d, n, c) * stats.binom.pmf(x, n - d, q)
            return d + x, d, x, p
        keep = x <= d  # x jobs lost among the d who would have worked
        d, x = d[keep].astype(float), x[keep].astype(float)
        p = stats.binom.pmf(d, n, c) * stats.binom.pmf(x, d, (c - g) / c)
        return d - x, d - x, -x, p
    k = np.arange(n + 1, dtype=float)
    p = gross_pmf(n, uncertain.get(f"types.{t.name}.gross_employment", g))
    zeros = np.zeros_like(k)
    return k, zeros, zeros, p


def gross_pmf(n: int, g) -> np.ndarray:
    """Distribution of a type's gross count, ``P(gross = k)`` for k = 0..n.

    In every run the gross count is Binomial(n, g), whatever the control rate
    (see :func:`sibrisk._kernels.draw_and_settle`). ``g`` is a number, or a
    beta or evidence :class:`Distribution`, which makes the count
    Beta-binomial.
    """
    k = np.arange(n + 1, dtype=float)
    if hasattr(g, "kind"):
        a, b = g.beta_posterior()
        return stats.betabinom.pmf(k, n, a, b)
    return stats.binom.pmf(k, n, g)


def _dataset(scenario, plan, out, irr, n, gross, add, prob, full) -> xr.Dataset:
    cur = scenario.currency
    names = OUTPUT_COLUMNS if full else INVESTOR_OUTPUTS
    data = {name: ("outcome", out[:, OUTPUT_COLUMNS.index(name)],
                   {"long_name": OUTPUT_MEANINGS[name],
                    "units": OUTPUT_UNITS[name].format(cur=cur)})
            for name in names}
    if plan.pay_year > 0:
        data["investor_irr"] = ("outcome", irr,
                                {"long_name": OUTPUT_MEANINGS["investor_irr"],
                                 "units": "per year"})
    data["probability"] = ("outcome", prob, {"units": "1",
                                             "long_name": "probability of the outcome"})
    data["participants"] = (("outcome", "type"), n, {"units": "participants"})
    data["gross_employed"] = (("outcome", "type"), gross, {"units": "participants"})
    if full:
        data["additional_employed"] = (("outcome", "type"), add, {"units": "participants"})
    ds = xr.Dataset(data, coords={"outcome": np.arange(out.shape[0]), "type": list(plan.types)})
    ds.attrs = {
        "title": f"sibrisk exact outcome distribution of scenario {scenario.name}",
        **common_attrs(scenario, "exact"),
        "exact_scope": "all outputs" if full else "investor outputs only (other inputs are "
        "uncertain: their outputs need Monte Carlo)",
        "composition": scenario.cohort.composition,
        "payment_year": plan.pay_year,
        **_versions(),
    }
    return ds
