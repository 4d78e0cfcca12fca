"""Break-even points: the value of an input at which an output of the accounts reaches a
target.

:func:`breakeven` varies any numeric input of a scenario (or an aggregate such as
``gross_employment``) and watches any scalar output of
:func:`sibrisk.metrics.account.account`; the catalogue's Tables 5 and 6 are such
points.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import asdict, dataclass

import numpy as np

from ..errors import BreakEvenError, Problem, ScenarioError, SibriskError
from ..ledger.tariff import price_surplus_share
from ..metrics.account import evaluate
from ..metrics.schema import OUTPUTS, READINGS
from ..scenario.spec import AGGREGATE_INPUTS, Scenario, load_scenario, spec_of

__all__ = ["breakeven", "BreakEven"]


@dataclass(frozen=True, slots=True)
class BreakEven:
    """The value of one input at which one output reaches a target.

    Attributes
    ----------
    input, output : str
        What was varied and what was watched.
    target : float
        The value the output reaches (0 by default).
    value : float
        The break-even value of the input.
    base : float
        The input's value in the scenario.
    bounds : tuple of float
        The range searched.
    reading : str
        What the output means, e.g. "municipality's own account (payment
        held at the contracted price)".
    repriced : bool
        Whether the contract was priced again at each value (``True``) or held
        at the price of the base scenario (``False``).
    """

    input: str
    output: str
    target: float
    value: float
    base: float
    bounds: tuple[float, float]
    reading: str
    repriced: bool

    @property
    def difference(self) -> float:
        """``value - base``."""
        return self.value - self.base

    def to_dict(self) -> dict:
        """Plain dict, for JSON."""
        return asdict(self) | {"difference": self.difference}


def _reading(output: str, repriced: bool) -> str:
    text = READINGS.get(output, OUTPUTS[output])
    if repriced:
        text = text.replace("held at the contracted price", "priced again at each value")
    return text


def _bounds(scenario: Scenario, key: str) -> tuple[float, float, bool]:
    """Allowed range of an input, and whether it is a whole number."""
    if key in AGGREGATE_INPUTS:
        return 0.0, 1.0, False
    spec = spec_of(key)
    base = scenario.get(key)
    lo = spec.lo if spec.lo is not None else -max(10 * abs(base), 1.0)
    hi = spec.hi if spec.hi is not None else max(10 * abs(base), 1.0)
    return float(lo), float(hi), spec.kind == "int"


def breakeven(
    scenario: Scenario | str,
    vary: str,
    output: str = "budget_surplus",
    target: float = 0.0,
    *,
    bounds: tuple[float, float] | None = None,
    reprice: bool = False,
    grid: int = 200,
) -> BreakEven:
    """The value of an input at which an output of :func:`account` reaches a target.

    The contract is priced once on the base scenario and held there while the
    input varies (the ex-post question: "what if the world turns out
    different from what the price assumed?"); with ``reprice=True``, or when
    the input is a contract term (``contract.*``), it is priced again at each
    value. The range is scanned on a grid, the sign change nearest to the
    base value is chosen, and bisection refines it to full precision.

    Parameters
    ----------
    scenario : Scenario or str
        A scenario, a built-in name or a TOML path.
    vary : str
        A dotted input key (see :meth:`Scenario.numeric_inputs`), e.g.
        ``"effect.decay"``, or an aggregate: ``"gross_employment"``,
        ``"control_employment"``, ``"marginal_effect"``.
    output : str
        A scalar output of :func:`account` (see :data:`OUTPUTS`), e.g.
        ``"budget_surplus"``, ``"municipal_account"``, ``"investor_result"``.
    target : float
        The value the output should reach.
    bounds : (float, float), optional
        Range to search; by default the input's allowed range (for inputs
        without an upper limit, ten times the base value).
    reprice : bool
        Price the contract again at each value instead of holding it.
    grid : int
        Grid points of the initial scan.

    Returns
    -------
    BreakEven
        For whole-number inputs (e.g. ``effect.horizon``), the whole number
        nearest the base at or past which the output reaches the target.

    Raises
    ------
    BreakEvenError
        If the output does not reach the target anywhere in the range.
    ScenarioError
        If ``vary`` is not an input of the scenario.

    Examples
    --------
    >>> import sibrisk
    >>> be = sibrisk.breakeven("drc-sib-2023", "effect.decay", "municipal_account")
    >>> round(be.value, 3)
    0.204
    """
    scenario = load_scenario(scenario)
    if scenario.uncertain:  # a break-even is deterministic: only point values matter
        scenario = Scenario.from_dict(scenario.point_values(), source=scenario.source)
    if output not in OUTPUTS:
        close = difflib.get_close_matches(output, list(OUTPUTS), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise SibriskError(f"output = {output!r}: not an output; {hint}"
                           f"allowed: {', '.join(OUTPUTS)}")
    if not math.isfinite(target):
        raise SibriskError(f"target = {target!r}: must be a finite number")
    base = scenario.get(vary)
    if isinstance(base, bool) or not isinstance(base, int | float):
        raise ScenarioError(scenario.source, [Problem("vary", vary, "must name a numeric input")])
    lo, hi, whole = _bounds(scenario, vary)
    if bounds is not None:
        lo, hi = (float(b) for b in bounds)
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise SibriskError(f"bounds = {bounds!r}: must be two finite numbers, low < high")
    repriced = reprice or vary.startswith("contract.")
    fixed = None if repriced else price_surplus_share(scenario)

    def value_at(x: float) -> float:
        try:
            s = scenario.replace(vary, int(round(x)) if whole else float(x))
            tariff = fixed if fixed is not None else price_surplus_share(s)
            y = evaluate(s, tariff)[output]
        except SibriskError:
            return math.nan
        if y is None:
            raise SibriskError(f"{output} is not defined for this scenario: {OUTPUTS[output]}")
        return y - target if math.isfinite(y) else math.nan

    if whole:
        xs = np.arange(math.ceil(lo), math.floor(hi) + 1, dtype=float)
        if xs.size > 100_001:
            raise SibriskError(f"bounds for whole-number input {vary!r} span {xs.size} values; "
                               "give bounds= with at most 100,000")
    else:
        xs = np.unique(np.concatenate([np.linspace(lo, hi, grid + 1), [float(base)]]))
    root, ys = _nearest_root(xs, float(base), value_at, whole)
    if root is None:
        finite = ys[np.isfinite(ys)] + target
        seen = (f"it stays between {finite.min():,.6g} and {finite.max():,.6g}"
                if finite.size else "no value in the range gives a valid scenario")
        raise BreakEvenError(
            f"{output} does not reach {target:g} for {vary} in [{lo:g}, {hi:g}]: {seen}"
        )
    return BreakEven(
        input=vary, output=output, target=float(target), value=float(root), base=float(base),
        bounds=(lo, hi), reading=_reading(output, repriced), repriced=repriced,
    )


def _nearest_root(xs, base, f, whole) -> tuple[float | None, np.ndarray]:
    """The root nearest the base among the grid's zeros and sign changes, and ``f`` on
    the grid (NaN where not needed).

    The grid's intervals are visited nearest the base first, and the search stops once
    the next interval lies farther from the base than the best root found: a root
    inside an interval is no nearer than the interval's nearer end. The answer is the
    one a scan of the whole grid would give, for far fewer evaluations.
    """
    ys = np.full(xs.size, np.nan)
    seen = np.zeros(xs.size, dtype=bool)

    def y(i: int) -> float:
        if not seen[i]:
            ys[i], seen[i] = f(float(xs[i])), True
        return float(ys[i])

    if xs.size == 1:
        return (float(xs[0]) if y(0) == 0.0 else None), ys
    near = np.minimum(np.abs(xs[:-1] - base), np.abs(xs[1:] - base))
    best: float | None = None
    for k in np.argsort(near, kind="stable"):
        if best is not None and near[k] > abs(best - base):
            break
        a, b = float(xs[k]), float(xs[k + 1])
        ya, yb = y(k), y(k + 1)
        found = [x for x, v in ((a, ya), (b, yb)) if v == 0.0]
        if math.isfinite(ya) and math.isfinite(yb) and (ya < 0.0 < yb or yb < 0.0 < ya):
            if whole:  # first whole number past the crossing, going outward from the base
                found.append(b if a >= base else a)
            else:
                found.append(_bisect(f, a, b, ya))
        for x in found:
            if best is None or abs(x - base) < abs(best - base):
                best = x
    return best, ys


def _bisect(f, a: float, b: float, fa: float) -> float:
    """The root of ``f`` in a bracket ``[a, b]`` over which it changes sign (``fa`` =
    ``f(a)``), halved until the bracket is two neighbouring floats or ``f`` is 0.

    Bisection rather than scipy's ``brentq``: the grid has already narrowed the
    bracket to 1/200 of the range, so some 45 halvings reach full precision in about
    a millisecond, and ``sibrisk account`` does not pay the 0.1-0.3 s that importing
    ``scipy.optimize`` costs (the tests check the roots against ``brentq``).
    """
    while True:
        m = 0.5 * (a + b)
        if not a < m < b:  # neighbouring floats: as close as the root can be given
            return m
        fm = f(m)
        if fm == 0.0 or not math.isfinite(fm):
            return m
        if (fm > 0.0) == (fa > 0.0):
            a, fa = m, fm
        else:
            b = m
