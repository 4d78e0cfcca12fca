"""Plain-text reports of the evidence commands (``sibrisk evidence ...``), 80 columns wide.

Each function takes a result of :mod:`sibrisk.evidence` or
:mod:`sibrisk.progression` and returns the text the command prints.
"""

from __future__ import annotations

import textwrap

import xarray as xr

from .evidence import Effect
from .power import SampleSize
from .progression import WHO5_BANDS, who5_band

WIDTH = 80

_TESTS = {"z": "z-test with pooled variance", "fisher": "Fisher's exact test"}
_METHODS = {"exact": "exact: every outcome of the trial counted",
            "normal": "normal approximation"}


def pct(x: float, decimals: int = 1) -> str:
    return f"{100 * x:.{decimals}f} %"


def level(x: float) -> str:
    """A level such as 0.05 or 0.95 as a percentage without trailing zeros: ``5 %``."""
    return f"{round(100 * x, 6):g} %"


def pvalue(p: float) -> str:
    return "< 0.0001" if p < 1e-4 else f"{p:.4f}"


def _wrap(text: str, indent: str = "") -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent,
                         subsequent_indent=indent + "  ", break_on_hyphens=False)


def effect_text(e: Effect) -> str:
    """``sibrisk evidence effect``: rates, difference, relative risk, p-values, posterior."""
    alpha = 1 - e.level
    (k1, n1), (k0, n0) = e.treated, e.control
    rr = "infinite (no control had the outcome)" if e.relative_risk is None else \
        f"{e.relative_risk:.2f}"
    lo, hi = e.relative_risk_interval
    lines = [
        f"Effect of the programme ({level(e.level)} intervals)",
        f"  programme group  {f'{k1:,} of {n1:,}':>14}  {pct(e.treated_rate):>7}  "
        f"({pct(e.treated_interval[0])} to {pct(e.treated_interval[1])}, Wilson)",
        f"  control group    {f'{k0:,} of {n0:,}':>14}  {pct(e.control_rate):>7}  "
        f"({pct(e.control_interval[0])} to {pct(e.control_interval[1])}, Wilson)",
        f"  difference       {100 * e.difference:+.1f} percentage points "
        f"({100 * e.difference_interval[0]:+.1f} to {100 * e.difference_interval[1]:+.1f}, "
        "Newcombe)",
        f"  relative risk    {rr} ({lo:.2f} to {hi:.2f}, Katz log"
        + (", half a participant added to each cell" if e.relative_risk_adjusted else "")
        + ")",
        "",
        _row("p-values", "two-sided", "one-sided (programme higher)"),
        _row("Fisher's exact test", pvalue(e.fisher_p), pvalue(e.fisher_p_greater)),
        _row("z-test, pooled variance", pvalue(e.z_p), pvalue(e.z_p_greater)),
        "",
    ]
    both = e.fisher_p <= alpha and e.z_p <= alpha
    neither = e.fisher_p > alpha and e.z_p > alpha
    verdict = ("significant by both tests" if both else
               "not significant by either test" if neither else
               "significant by one test only (" + ("Fisher" if e.fisher_p <= alpha else "z")
               + ")")
    lines += _wrap(f"At the {level(alpha)} level "
                   f"(two-sided) the difference is {verdict}.")
    a1, b1 = e.treated_posterior
    a0, b0 = e.control_posterior
    lines += [""] + _wrap(
        f"Bayesian reading (Jeffreys prior, as sibrisk's evidence distributions): the "
        f"programme's rate is Beta({a1:g}, {b1:g}), the control group's Beta({a0:g}, {b0:g}); "
        f"the probability that the programme's true rate is the higher is "
        f"{pct(e.probability_treated_higher)}.")
    return "\n".join(lines) + "\n"


def _row(name: str, two: str, one: str) -> str:
    return f"  {name:<33}{two:>10}  {one:>28}"


def _setting(test: str, alternative: str, alpha: float) -> str:
    return f"{_TESTS[test]}, {alternative}, {level(alpha)} level"


def power_text(r: dict) -> str:
    """``sibrisk evidence power --n N``: the power of one trial (the dict of the command's
    JSON output)."""
    lines = [f"Power of a trial with {r['n_treated']:,} participants and "
             f"{r['n_control']:,} controls"]
    lines += _wrap(f"true rates {pct(r['p_treated'])} (programme) and {pct(r['p_control'])} "
                   f"(control): a difference of {100 * (r['p_treated'] - r['p_control']):+.1f} "
                   "percentage points", "  ")
    lines += _wrap(f"test: {_setting(r['test'], r['alternative'], r['alpha'])}", "  ")
    lines += _wrap(f"power: {pct(r['power'])} ({_METHODS[r['method']]})", "  ")
    return "\n".join(lines) + "\n"


def sample_size_text(s: SampleSize) -> str:
    """``sibrisk evidence power --target-power P``: the programme group it takes."""
    target = level(s.target)
    lines = [f"Smallest programme group for {target} power"]
    lines += _wrap(f"true rates {pct(s.p_treated)} (programme) and {pct(s.p_control)} "
                   f"(control), {s.control_ratio:g} control"
                   f"{'' if s.control_ratio == 1 else 's'} per participant; "
                   f"{_setting(s.test, s.alternative, s.alpha)}", "  ")
    lines += _wrap(f"{s.n_treated:,} participants and {s.n_control:,} controls: power "
                   f"{pct(s.power)} ({_METHODS[s.method]})", "  ")
    if s.method == "exact":
        lines += _wrap(f"the exact power stays at or above {target} from {s.n_treated:,} "
                       f"through {s.n_treated + s.window:,} participants (checked)", "  ")
        if s.first_n_treated < s.n_treated:
            lines += _wrap(f"it first reaches {target} at {s.first_n_treated:,} participants "
                           f"({pct(s.first_power)}) but falls below it again: exact power is "
                           "a saw-tooth", "  ")
    return "\n".join(lines) + "\n"


def progression_text(results: dict[str, xr.Dataset], source: str,
                     synthetic: str | None = None) -> str:
    """``sibrisk evidence progression``: a table per item (WHO-5 first)."""
    lines: list[str] = []
    if synthetic:
        lines += _wrap(f"{source}: {synthetic}.") + [""]
    else:
        lines += [f"{source}", ""]
    for item, ds in results.items():
        scale = ds.attrs["scale"]
        name = ("WHO-5 well-being (0-100)" if item == "who5" else
                item + (f" (scale {scale})" if scale != "not given" else ""))
        by = ds.attrs.get("by", "none")
        lines += _wrap(f"{name}, start and end, paired" + (f", by {by}" if by != "none" else ""))
        groups = [str(g) for g in ds.group.values]
        width = max(5, *(len(g) for g in groups))
        decimals = 1
        lines.append(f"  {'group':<{width}} {'n':>4} {'start':>6} {'end':>6} {'change':>7} "
                     f"{'better':>7} {'same':>5} {'worse':>5} {'Wilcoxon p':>11}")
        notes = []
        for g in groups:
            row = ds.sel(group=g)
            n = int(row.n)
            if n == 0:
                lines.append(f"  {g:<{width}} {0:>4}  (no participant answered both)")
                continue
            lines.append(
                f"  {g:<{width}} {n:>4} {float(row.start_mean):>6.{decimals}f} "
                f"{float(row.end_mean):>6.{decimals}f} {float(row.change_mean):>+7.{decimals}f} "
                f"{pct(float(row.positive_share), 0):>7} {pct(float(row.unchanged_share), 0):>5} "
                f"{pct(float(row.negative_share), 0):>5} {pvalue(float(row.wilcoxon_p)):>11}")
            if str(row.note.values):
                notes.append(f"{g}: {row.note.values}")
        if item == "who5":
            whole = ds.sel(group="all")
            if int(whole.n) > 0:
                lines += _wrap(
                    f"mean band at the start: {who5_band(float(whole.start_mean))}, at the end: "
                    f"{who5_band(float(whole.end_mean))} (below {WHO5_BANDS[1][1]} high risk "
                    f"of depression or stress, {WHO5_BANDS[1][1]}-{WHO5_BANDS[1][2]} risk, "
                    f"above {WHO5_BANDS[1][2]} no immediate risk)", "  ")
        for note in notes:
            lines += _wrap(f"note: {note}", "  ")
        without = int(ds.attrs.get("without_pair", 0))
        if without:
            lines += _wrap(f"{without} participant(s) without both questionnaires left out",
                           "  ")
        lines.append("")
    lines += _wrap("better/same/worse: shares of participants whose answer rose, stayed or "
                   "fell; Wilcoxon p: signed-rank test of the changes, two-sided.")
    return "\n".join(lines) + "\n"

