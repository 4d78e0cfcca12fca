"""Outcomes as the settlement engine takes them: expected, observed or drawn.

:class:`OutcomeData` holds the outcomes of one or many runs: participants and the counts
reaching each metric by cohort and type, the comparison group's rate of each measured
metric, the realised savings by year, the programme's cost and the discount factors.
:func:`expected_data` gives the scenario's expected outcomes; :func:`read_outcomes`
reads observed ones from a file; a simulation draws them run by run.
"""

from __future__ import annotations

import difflib
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._io import parse_data, read_text, wrong_kind
from ..contract.terms import BASE_METRIC
from ..errors import _MISSING, _NO_VALUE, ContractError, Problem
from ..scenario.spec import Scenario
from .bind import Bound, _types_hint, chain
from .discount import discount_factors
from .savings import scenario_savings

__all__ = ["OutcomeData", "expected_data", "read_outcomes", "cohort_split",
           "municipal_savings"]


# ---------------------------------------------------------------------------
# Outcomes, as the settlement sees them
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class OutcomeData:
    """Outcomes of one or many runs, in the arrays the settlement works on.

    Attributes
    ----------
    participants : ndarray (run, cohort, type)
    counts : dict of str -> ndarray (run, cohort, type)
        Participants reaching each metric (``employed`` at least).
    comparison : ndarray (run, cohort)
        The comparison group's rate of each metric a trigger or an effect
        payment measures against, by metric: ``{metric: (run, cohort)}``.
    savings : ndarray (run or 1, year)
        The payers' realised savings by year (nominal; year 0 is the start).
    programme_cost : ndarray (run or 1,)
        The programme's cost for all cohorts (the default capital commitment).
    discount : ndarray (run or 1, year)
        Discount factors at year ends, covering every date of the contract.
    """

    participants: np.ndarray
    counts: dict[str, np.ndarray]
    comparison: dict[str, np.ndarray]
    savings: np.ndarray
    programme_cost: np.ndarray
    discount: np.ndarray
    cohort_names: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()
    #: running sums of the savings (see :func:`savings_sums`), when already worked out
    savings_sums: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    #: effects measured by the evaluator, by metric (run, cohort), NaN where not given:
    #: they replace the share reaching the metric minus the comparison rate
    measured: dict[str, np.ndarray] = field(default_factory=dict)
    #: sums that several contracts share (a simulation passes one memo to all its variants)
    memo: dict = field(default_factory=dict, compare=False, repr=False)

    def total(self, array: np.ndarray, axis: int | tuple[int, ...]) -> np.ndarray:
        """``array.sum(axis)``, worked out once per array (arrays are not changed)."""
        key = (id(array), axis)
        if key not in self.memo:
            self.memo[key] = (array.sum(axis=axis), array)  # keep the array: its id stays
        return self.memo[key][0]

    @property
    def runs(self) -> int:
        return self.participants.shape[0]


def _proportion(v: Any) -> bool:
    return not isinstance(v, bool) and isinstance(v, int | float) and 0 <= v <= 1


def _file_error(source: str):
    """The error of the file reader for an outcomes file (see :mod:`sibrisk._textfile`)."""
    def fail(key: str, value: Any, allowed: str) -> ContractError:
        return ContractError(source, [Problem(key, _NO_VALUE if value is None else value,
                                              allowed)])
    return fail


# ---------------------------------------------------------------------------
# Outcomes from the scenario's expectations, or from a file of observed counts
# ---------------------------------------------------------------------------
def cohort_split(scenario: Scenario, cohorts: int) -> np.ndarray:
    """Participants by cohort and type with the scenario's expected shares (fractional)."""
    w = np.array([t.share for t in scenario.types])
    w = w / w.sum()
    return np.tile(w * scenario.cohort.size / cohorts, (cohorts, 1))


def municipal_savings(scenario: Scenario, participants: np.ndarray,
                      additional: np.ndarray) -> np.ndarray:
    """The municipality's realised savings by year (nominal), by the savings rule
    (:func:`~sibrisk.ledger.savings.scenario_savings`).

    ``participants`` and ``additional``: (run, ...) totals are taken over
    the trailing axes. Returns (run, horizon + 1): year 0 the up-front
    saving of ordinary effort net of other costs, then the saving from
    additional employment.
    """
    n = participants.reshape(participants.shape[0], -1).sum(axis=1)
    add = additional.reshape(additional.shape[0], -1).sum(axis=1)
    return scenario_savings(scenario, n, add).by_year


def expected_data(bound: Bound, cohorts: int | None = None) -> OutcomeData:
    """The scenario's expected outcomes (fractional counts), as one run, split into
    ``cohorts`` equal cohorts (default the scenario's ``cohort.cohorts``)."""
    s = bound.scenario
    cohorts = s.cohort.cohorts if cohorts is None else cohorts
    n = cohort_split(s, cohorts)[None]
    g = np.array([t.gross_employment for t in s.types])
    c = np.array([t.control_employment for t in s.types])
    counts = {BASE_METRIC: n * g}
    for m in bound.metric_order[1:]:
        counts[m] = counts[bound.parent[m]] * bound.retention[m]
    comparison = {}
    for m in bound.measured:
        reach = math.prod(bound.retention[x] for x in chain(bound.parent, m))
        comparison[m] = (n * c).sum(-1) / n.sum(-1) * reach
    savings = municipal_savings(s, n, n * (g - c))
    return OutcomeData(n, counts, comparison, savings,
                       np.array([s.provider.cost_per_participant * s.cohort.size]),
                       discount_factors(s.discounting, max(bound.years - 1,
                                                           s.effect.horizon))[None, :])


def read_outcomes(path: str | os.PathLike[str] | Mapping[str, Any], bound: Bound) -> OutcomeData:
    """Observed outcomes from a TOML or JSON file (or a mapping) for a bound contract.

    Counts of metrics the contract does not pay on are ignored (and listed in
    the settlement's ``labels["ignored_outcomes"]``), so one file of observed
    outcomes serves every contract. The file holds one table per cohort::

        [cohorts.aarhus]
        participants = { with_experience = 10, no_experience = 18 }
        employed = { with_experience = 5, no_experience = 5 }
        sustained_26w = { with_experience = 4, no_experience = 3 }
        comparison = { employed = 0.17 }   # the comparison group's rate, per metric

    Every metric the contract pays on needs counts by participant type; a
    comparison rate is needed for each metric a trigger or an effect payment
    measures. ``additional`` (optional, by type) gives the employment caused
    by the programme for the savings; by default it is the employed minus
    the comparison group's expected rate of each type (the scenario's
    ``control_employment``), so realised savings follow the measured effect.
    """
    if isinstance(path, Mapping):
        data, source = dict(path), "<outcomes>"
    else:
        source = os.fspath(path)
        fail = _file_error(source)
        data = parse_data(read_text(path, fail), "JSON" if source.endswith(".json") else "TOML",
                          fail)
    wrong_kind(data, "outcomes", _file_error(source))
    problems: list[Problem] = []
    types = bound.types
    s = bound.scenario
    if isinstance(data, Mapping) and set(data) - {"cohorts"}:
        extra = sorted(set(data) - {"cohorts"})[0]
        hint = " (did you mean 'cohorts'?)" if difflib.get_close_matches(extra, ["cohorts"]) \
            else ""
        raise ContractError(source, [Problem(extra, data[extra], f"unknown key{hint}; an "
                                             "outcomes file holds only [cohorts.NAME] tables")])
    if not isinstance(data, Mapping) or not isinstance(data.get("cohorts"), Mapping) \
            or not data["cohorts"]:
        raise ContractError(source, [Problem("cohorts", _MISSING if not isinstance(data, Mapping)
                                             or "cohorts" not in data else data.get("cohorts"),
                                             "give one [cohorts.NAME] table per cohort")])
    names = list(data["cohorts"])
    allowed = ("participants", "comparison", "measured_effect", "additional") \
        + bound.metric_order
    c_count = len(names)
    n = np.zeros((1, c_count, len(types)))
    counts = {m: np.zeros((1, c_count, len(types))) for m in bound.metric_order}
    additional = np.zeros((1, c_count, len(types)))
    comparison = {m: np.zeros((1, c_count)) for m in bound.measured}
    measured = {m: np.full((1, c_count), np.nan) for m in bound.measured}
    needed = {m for claims in bound.mechanisms for m in claims.metrics} | set(bound.measured)
    needed |= {x for m in list(needed) for x in chain(bound.parent, m)}
    control = np.array([t.control_employment for t in s.types])
    ignored: set[str] = set()

    def by_type(value: Any, key: str, row: int, lo: np.ndarray | None = None,
                hi: np.ndarray | None = None) -> np.ndarray | None:
        """Counts by type: whole numbers >= 0, or numbers in [lo, hi] when given."""
        if not isinstance(value, Mapping) or set(value) != set(types):
            problems.append(Problem(key, value, "must be a table with a count for each "
                                    f"participant type: {', '.join(types)}"
                                    + _types_hint(value, types)))
            return None
        out = np.zeros(len(types))
        for j, t in enumerate(types):
            v = value[t]
            number = not isinstance(v, bool) and isinstance(v, int | float) and math.isfinite(v)
            if lo is None:
                if not number or v < 0 or not float(v).is_integer():
                    problems.append(Problem(f"{key}.{t}", v, "must be a whole number >= 0"))
                    return None
            elif not number or not lo[j] <= v <= hi[j]:
                problems.append(Problem(f"{key}.{t}", v, f"must be a number in "
                                        f"[{lo[j]:g}, {hi[j]:g}] (at most the participants, "
                                        "negative where the programme harms)"))
                return None
            out[j] = v
        return out

    for ci, name in enumerate(names):
        where = f"cohorts.{name}"
        row = data["cohorts"][name]
        if not isinstance(row, Mapping):
            problems.append(Problem(where, row, "must be a table"))
            continue
        for k in row:
            if k in allowed:
                continue
            if isinstance(row[k], Mapping) and set(row[k]) == set(types):
                # counts of a metric this contract does not pay on: checked, then ignored
                if by_type(row[k], f"{where}.{k}", ci) is not None:
                    ignored.add(k)
            else:
                problems.append(Problem(f"{where}.{k}", row[k], "unknown key; allowed: "
                                        + ", ".join(allowed) + ", or counts by participant type "
                                        "of another metric (ignored)"))
        if "participants" not in row:
            problems.append(Problem(f"{where}.participants", _MISSING,
                                    "give the participants of each type"))
            continue
        got = by_type(row["participants"], f"{where}.participants", ci)
        if got is None:
            continue
        n[0, ci] = got
        for m in bound.metric_order:
            if m not in row:
                if m in needed:
                    problems.append(Problem(f"{where}.{m}", _MISSING,
                                            "the contract pays on (or measures) this metric; "
                                            "give its count by participant type"))
                continue
            v = by_type(row[m], f"{where}.{m}", ci)
            if v is None:
                continue
            if bound.parent[m] is not None and bound.parent[m] not in row:
                continue  # its parent's count is missing: reported once, above
            ref = n[0, ci] if bound.parent[m] is None else counts[bound.parent[m]][0, ci]
            bad = [j for j in range(len(types)) if v[j] > ref[j]]
            if bad:
                j = bad[0]
                problems.append(Problem(f"{where}.{m}.{types[j]}", row[m][types[j]],
                                        f"more than the {ref[j]:g} that reached "
                                        f"{bound.parent[m] or 'the programme (participants)'}"))
                continue
            counts[m][0, ci] = v
        comp = row.get("comparison", {})
        if not isinstance(comp, Mapping):
            problems.append(Problem(f"{where}.comparison", comp,
                                    "must be a table of metric = comparison-group rate"))
            comp = {}
        for m in comp:  # every rate checked, measured by this contract or not
            if m not in bound.metric_order:
                problems.append(Problem(f"{where}.comparison.{m}", comp[m], "unknown metric"))
            elif not _proportion(comp[m]):
                problems.append(Problem(f"{where}.comparison.{m}", comp[m],
                                        "must be a proportion in [0, 1]"))
        effects = row.get("measured_effect", {})
        if not isinstance(effects, Mapping):
            problems.append(Problem(f"{where}.measured_effect", effects,
                                    "must be a table of metric = measured effect"))
            effects = {}
        for m in effects:
            v = effects[m]
            if m not in bound.metric_order:
                problems.append(Problem(f"{where}.measured_effect.{m}", v, "unknown metric"))
            elif isinstance(v, bool) or not isinstance(v, int | float) or not -1 <= v <= 1:
                problems.append(Problem(f"{where}.measured_effect.{m}", v,
                                        "must be an effect in [-1, 1] (a difference in shares)"))
            elif m in measured:
                measured[m][0, ci] = v
        for m in bound.measured:
            v = comp.get(m, _MISSING)
            if v is _MISSING and m in effects:
                continue  # the evaluator's own estimate of the effect is given
            if v is _MISSING:
                problems.append(Problem(f"{where}.comparison.{m}", _MISSING,
                                        "a trigger or effect payment measures this metric: "
                                        "give the comparison group's rate (a proportion) or "
                                        "the measured effect (measured_effect)"))
            elif _proportion(v):  # else reported above
                comparison[m][0, ci] = v
        if "additional" in row:
            v = by_type(row["additional"], f"{where}.additional", ci, lo=-n[0, ci], hi=n[0, ci])
            if v is not None:
                additional[0, ci] = v
        else:
            additional[0, ci] = counts[BASE_METRIC][0, ci] - n[0, ci] * control
    if problems:
        raise ContractError(source, problems)
    savings = municipal_savings(s, n, additional)
    return OutcomeData(n, counts, comparison, savings,
                       np.array([s.provider.cost_per_participant * n.sum()]),
                       discount_factors(s.discounting, max(bound.years - 1,
                                                           s.effect.horizon))[None, :],
                       cohort_names=tuple(names), ignored=tuple(sorted(ignored)),
                       measured={m: v for m, v in measured.items() if not np.isnan(v).all()})
