"""Plots of sibrisk's results, for reports and notebooks.

Every function takes a result of sibrisk (a simulation, a tornado, a sweep),
draws on ``ax`` if given (else on a new figure of its own) and returns the
:class:`matplotlib.figure.Figure`; ``lang="da"`` writes its text in Danish,
with the catalogue's terms (dødvægt, budgetøkonomisk, samfundsøkonomisk).
They use matplotlib's object interface only (no ``pyplot`` state), so they
work headless and inside reports; money axes say their currency and
valuation, taken from the result's ``attrs``.

>>> import sibrisk
>>> from sibrisk import plot
>>> ds = sibrisk.simulate("drc-sib-2023", runs=20_000, seed=1)
>>> fig = plot.investor_result(ds)
>>> print(fig.axes[0].get_xlabel())
investor's net present value, million DKK per cohort
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..errors import SibriskError
from ..metrics.risk import summarize
from .labels import actor_label, input_label, measure_label
from .language import number, numbers_for
from .plotaxes import bars_of, is_share, legend_clear, percent

__all__ = ["investor_result", "municipal_payback", "outcomes", "tornado", "sweep_map"]

#: Colours: losses and the commissioner's side red, gains and the investor's side blue.
LOSS, GAIN, NEUTRAL = "#c0504d", "#4f81bd", "#7f7f7f"

#: Plot text in English and Danish (``lang``); Danish uses the catalogue's terms.
LABELS: dict[str, dict[str, str]] = {
    "en": {
        "million": "million", "per cohort": "per cohort",
        "per average participant": "per average participant",
        "npv": "investor's net present value, {money}",
        "share of runs": "share of runs", "probability": "probability",
        "var": "value at risk ({level} %): {value}",
        "shortfall": "expected shortfall ({level} %): {value}",
        "investor title": "The investor's result: a loss with probability {p} %",
        "band": "{lo}-{hi} % of runs", "median": "median",
        "account so far": "account so far, {money}",
        "account title": "The municipality's account by year (present value)",
        "not within": "not within {years} years: {p} %",
        "years": "years from programme start", "payback": "Payback year",
        "deadweight": "would have found work anyway (deadweight)",
        "added": "in work because of the programme", "gross": "gross, 5-95 % of runs",
        "in work": "participants in work at the measurement point (mean)",
        "outcomes title": "Who is paid for: added jobs and deadweight",
        "at quantile": "input at its {q} % quantile",
        "output axis": "{output}, {money}, present value",
        "tornado title": "What moves the {output}", "at": "at",
    },
    "da": {
        "million": "mio.", "per cohort": "pr. hold",
        "per average participant": "pr. gennemsnitlig deltager",
        "npv": "investors nutidsværdi, {money}",
        "share of runs": "andel af kørslerne", "probability": "sandsynlighed",
        "var": "Value at Risk ({level} %): {value}",
        "shortfall": "Expected Shortfall ({level} %): {value}",
        "investor title": "Investors resultat: tab med sandsynlighed {p} %",
        "band": "{lo}-{hi} % af kørslerne", "median": "median",
        "account so far": "kommunens regnskab indtil da, {money}",
        "account title": "Kommunens eget regnskab år for år (nutidsværdi)",
        "not within": "ikke inden for {years} år: {p} %",
        "years": "år fra programstart", "payback": "Tilbagebetalingsår",
        "deadweight": "ville have fået job alligevel (dødvægt)",
        "added": "i job på grund af programmet", "gross": "brutto, 5-95 % af kørslerne",
        "in work": "deltagere i job ved målepunktet (gennemsnit)",
        "outcomes title": "Hvad der betales for: merbeskæftigelse og dødvægt",
        "at quantile": "input ved sin {q} %-fraktil",
        "output axis": "{output}, {money}, nutidsværdi",
        "tornado title": "Hvad flytter {output}", "at": "ved",
    },
}


def _text(lang: str) -> dict[str, str]:
    if lang not in LABELS:
        raise SibriskError(f"lang = {lang!r}: must be one of {', '.join(map(repr, LABELS))}")
    return LABELS[lang]


def _fmt(x: float, lang: str, decimals: int = 1) -> str:
    """``x`` with thousands separators and ``decimals`` decimals, Danish style for 'da'
    (1.234,5)."""
    return number(x, lang, decimals)


def _wrap(label: str, width: int = 30) -> str:
    """A long tick label on several lines (an input's label with its unit)."""
    import textwrap

    return "\n".join(textwrap.wrap(label, width, break_on_hyphens=False)) or label


def _danish_ticks(fig: Figure, lang: str) -> Figure:
    """Tick labels in the style of ``lang``: in Danish a decimal comma (0,5) and a point
    between thousands, on every axis that shows plain numbers (matplotlib's default
    formatter)."""
    if lang != "da":
        return fig
    from matplotlib.ticker import ScalarFormatter

    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if type(axis.get_major_formatter()) is ScalarFormatter:
                axis.set_major_formatter(_DanishFormatter())
    return fig


def _DanishFormatter() -> Any:
    """matplotlib's default tick formatter, writing its numbers the Danish way."""
    from matplotlib.ticker import ScalarFormatter

    class DanishFormatter(ScalarFormatter):
        def __call__(self, x: float, pos: int | None = None) -> str:
            return super().__call__(x, pos).translate(_DANISH_DIGITS)

    return DanishFormatter()


_DANISH_DIGITS = str.maketrans({",": ".", ".": ","})


def _axes(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.add_subplot()


def _plain(axis: Any, lang: str) -> None:
    """Tick labels of a sweep's term as plain numbers with thousands separators (no
    ``1e6`` offset), few enough not to run into each other."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    axis.set_major_locator(MaxNLocator(nbins=5))
    axis.set_major_formatter(FuncFormatter(
        lambda v, _: _fmt(v, lang, 0 if abs(v) >= 10 or float(v).is_integer() else 2)))


def _need(ds: xr.Dataset, names: tuple[str, ...], what: str) -> None:
    missing = [n for n in names if n not in ds.data_vars]
    if missing:
        raise SibriskError(f"{what}: the dataset has no {', '.join(missing)} (give the "
                           "dataset of sibrisk.simulate)")


def _weights(ds: xr.Dataset) -> np.ndarray | None:
    """Probabilities of an exact dataset's outcomes; ``None`` for equally likely runs."""
    return np.asarray(ds["probability"].values, dtype=float) if "probability" in ds else None


def _money(ds: xr.Dataset, lang: str = "en") -> str:
    t = _text(lang)
    basis = ds.attrs.get("basis", "")
    basis = t.get(basis, basis)
    return f"{t['million']} {ds.attrs.get('currency', '')}" + (f" {basis}" if basis else "")


def investor_result(ds: xr.Dataset, *, level: float = 0.05, bins: int = 60,
                    ax: Axes | None = None, lang: str = "en", exact: xr.Dataset | None = None,
                    return_axis: bool = False) -> Figure:
    """The distribution of the investor's net present value, the losses in red, with the
    value at risk and the expected shortfall at ``level`` marked (as
    :func:`sibrisk.summarize` computes them, so the lines match its
    numbers).

    The result takes few distinct values when it comes from whole counts of people in
    work: then each value gets a bar of its own (or, with more values than ``bins``,
    each bar the same whole number of them), never a histogram whose bins catch one
    value or two by accident. The share axis is in percent.

    Parameters
    ----------
    ds : xarray.Dataset
        From :func:`sibrisk.simulate` (Monte Carlo or exact).
    level : float
        Tail probability of the value at risk and the expected shortfall.
    bins : int
        The most bars drawn.
    ax : matplotlib.axes.Axes, optional
    lang : {"en", "da"}
        Language of the text (as every plot here).
    exact : xarray.Dataset, optional
        An exact enumeration of the same scenario (``simulate(..., method="exact")``)
        drawn as dots on the bars: its probability of each value (or bar).
    return_axis : bool
        Add an axis on top with the investor's return on outlay (result / outlay), when
        the outlay is the same in every run.
    """
    _need(ds, ("investor_result",), "investor_result")
    t = _text(lang)
    if not 0.0 < level < 1.0:
        raise SibriskError(f"level = {level!r}: must be a number in (0, 1)")
    result = np.asarray(ds["investor_result"].values, dtype=float) / 1e6
    summary = summarize(ds, level=level)
    tag = f"{100 * level:g}".replace(".", "_")
    var = float(summary[f"investor_var_{tag}"]) / 1e6
    shortfall = float(summary[f"investor_cvar_{tag}"]) / 1e6
    loss = float(summary["investor_loss_probability"])
    fig, ax = _axes(ax, (7.5, 4.0))
    unit = lambda x: f"{_fmt(x, lang, 2)} {t['million']} {ds.attrs.get('currency', '')}"  # noqa
    centres, widths, share, edges = bars_of(result, _weights(ds), bins)
    right = centres + (widths / 2 if edges is not None else 0.0)
    colours = [LOSS if r < 0.0 or (edges is not None and r <= 0.0) else GAIN for r in right]
    bars = ax.bar(centres, share, width=widths, color=colours, edgecolor="white",
                  linewidth=0.3)
    if exact is not None:
        _need(exact, ("investor_result",), "investor_result: exact")
        x = np.asarray(exact["investor_result"].values, dtype=float) / 1e6
        if edges is None:
            where, _, p, _ = bars_of(x, _weights(exact), x.size + 1)
        else:
            p, _ = np.histogram(x, bins=edges, weights=_weights(exact))
            where, p = centres, p / p.sum()
        shown = (where >= centres[0] - 1e-9) & (where <= centres[-1] + 1e-9)
        ax.plot(where[shown], p[shown], ".", color="black", markersize=4,
                label=t["exact dots"])
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.axvline(-var, color="black", linestyle="--", linewidth=1.0,
               label=t["var"].format(level=f"{100 * level:g}", value=unit(var)))
    ax.axvline(-shortfall, color="black", linestyle=":", linewidth=1.2,
               label=t["shortfall"].format(level=f"{100 * level:g}", value=unit(shortfall)))
    ax.set_xlabel(t["npv"].format(money=_money(ds, lang)))
    ax.set_ylabel(t["share of runs"] if _weights(ds) is None else t["probability"])
    ax.set_ylim(0.0, 1.05 * float(share.max()))
    percent(ax.yaxis, lang)
    ax.set_title(t["investor title"].format(p=_fmt(100 * loss, lang)))
    if return_axis:
        outlay = _outlay(ds)
        top = ax.secondary_xaxis("top", functions=(lambda m: m * 1e6 / outlay,
                                                   lambda r: r * outlay / 1e6))
        percent(top.xaxis, lang)
        top.set_xlabel(t["return axis"].format(
            outlay=f"{_fmt(outlay / 1e6, lang, 2)} {t['million']} "
                   f"{ds.attrs.get('currency', '')}"))
    legend_clear(ax, list(bars), fontsize=8)
    return _danish_ticks(fig, lang)


def _outlay(ds: xr.Dataset) -> float:
    """The investor's outlay, the same in every run (result / return on outlay)."""
    _need(ds, ("investor_result", "investor_return"), "investor_result: return_axis")
    result = np.asarray(ds["investor_result"].values, dtype=float)
    ret = np.asarray(ds["investor_return"].values, dtype=float)
    pick = np.abs(ret) > 1e-9
    outlay = result[pick] / ret[pick]
    if outlay.size == 0 or not np.allclose(outlay, outlay[0], rtol=1e-6):
        raise SibriskError("investor_result: return_axis needs an outlay that is the same in "
                           "every run (a fixed provider cost)")
    return float(outlay[0])


def municipal_payback(ds: xr.Dataset, *,
                      band: tuple[float, float] | tuple[tuple[float, float], ...] = (0.05, 0.95),
                      fig: Figure | None = None, lang: str = "en",
                      point: xr.Dataset | None = None) -> Figure:
    """A fan chart of the municipality's cumulative account in present value by year
    (median and the ``band`` of runs) above the distribution of its payback year (the
    year from which the account stays at or above zero; the runs that never pay back
    within the horizon drawn as a bar of their own, labelled where it stands, beyond the
    last year). The payback axis is in percent of runs.

    Parameters
    ----------
    ds : xarray.Dataset
        From ``sibrisk.simulate(..., yearly=True)`` (Monte Carlo).
    band : tuple of float, or tuple of such tuples
        The quantiles of runs the shaded band spans; several pairs draw nested bands,
        the inner ones darker (``((0.05, 0.95), (0.25, 0.75))``).
    fig : matplotlib.figure.Figure, optional
        A figure to draw the two panels on (else a new one).
    point : xarray.Dataset, optional
        The account at the point values, ``sibrisk.account(scenario, per="cohort")``:
        its cumulative account drawn as a dashed line, its payback year as a dashed
        line on the lower panel.
    """
    t = _text(lang)
    if "municipal_cumulative_account" not in ds.data_vars:
        raise SibriskError("municipal_payback: the dataset has no yearly accounts; simulate "
                           "with yearly=True")
    bands = (band,) if np.ndim(band) == 1 else tuple(band)
    for pair in bands:
        if len(pair) != 2 or not 0.0 <= pair[0] < pair[1] <= 1.0:
            raise SibriskError(f"band = {band!r}: give two quantiles, the lower first, in "
                               "[0, 1] (or several such pairs)")
    if point is not None and "municipal_cumulative_pv" not in point.data_vars:
        raise SibriskError("municipal_payback: point has no municipal_cumulative_pv (give "
                           "sibrisk.account(scenario, per=\"cohort\"))")
    cum = ds["municipal_cumulative_account"].transpose("run", "year").values / 1e6
    years = np.asarray(ds["year"].values)
    payback = np.asarray(ds["municipal_payback_year"].values, dtype=float)
    if fig is None:
        fig = Figure(figsize=(7.5, 6.0), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(2, 1))
    top.plot(years, np.median(cum, axis=0), color=GAIN, linewidth=2.0, label=t["median"],
             zorder=3)
    for k, (lo, hi) in enumerate(sorted(bands, key=lambda b: b[0] - b[1])):
        low, high = np.quantile(cum, [lo, hi], axis=0)
        top.fill_between(years, low, high, color=GAIN, linewidth=0,
                         alpha=0.3 if len(bands) == 1 else 0.2 + 0.15 * k,
                         label=t["band"].format(lo=f"{100 * lo:g}", hi=f"{100 * hi:g}"))
    if point is not None:
        top.plot(years, point["municipal_cumulative_pv"].values / 1e6, color="black",
                 linestyle="--", linewidth=1.2, label=t["point values"])
    top.axhline(0.0, color="black", linewidth=0.8)
    top.set_ylabel(t["account so far"].format(money=_money(ds, lang)))
    top.set_title(t["account title"])
    top.legend(fontsize=8, loc="upper left")
    never = ~np.isfinite(payback)
    horizon = float(years[-1])
    edges = np.arange(0.0, horizon + 1.0)
    counts, _ = np.histogram(payback[~never], bins=edges)
    share = counts / payback.size
    bars = list(bottom.bar(edges[:-1], share, width=1.0, align="edge", color=GAIN,
                           edgecolor="white"))
    beyond = horizon + 1.5  # a gap of half a year, then the bar of its own
    last = bottom.bar([beyond], [never.mean()], width=1.0, color=LOSS)
    bars += list(last)
    bars += bottom.bar_label(last, [f"{_fmt(100 * never.mean(), lang)} %"], fontsize=8,
                             padding=2)
    ticks = [y for y in years if y % (1 if horizon <= 20 else 5) == 0]
    bottom.set_xticks([*ticks, beyond],
                      [str(int(y)) for y in ticks] + [t["beyond horizon"].format(
                          years=int(horizon))])
    bottom.set_xlim(-0.5, beyond + 1.0)
    bottom.set_ylim(0.0, 1.25 * max(float(share.max()), float(never.mean())))
    percent(bottom.yaxis, lang)
    bottom.set_xlabel(t["years"])
    bottom.set_ylabel(t["share of runs"])
    bottom.set_title(t["payback"])
    if point is not None and np.isfinite(float(point["municipal_payback_year"])):
        year = float(point["municipal_payback_year"])
        bottom.axvline(year, color="black", linestyle="--", linewidth=1.2,
                       label=t["point payback"].format(years=_fmt(year, lang)))
        legend_clear(bottom, bars, fontsize=8)
    return _danish_ticks(fig, lang)


def outcomes(ds: xr.Dataset, *, ax: Axes | None = None, lang: str = "en",
             scenario: Any = None) -> Figure:
    """Participants in work by participant type: the mean number the programme added
    and the mean number who would have found work anyway (deadweight, which the
    contract pays for too), with the 5-95 % range of the gross number. Each type is
    labelled with its own label from ``scenario`` (else its name)."""
    _need(ds, ("gross_employed", "additional_employed", "participants"), "outcomes")
    t = _text(lang)
    w = _weights(ds)
    run = "outcome" if "outcome" in ds.dims else "run"
    gross = ds["gross_employed"].transpose(run, "type").values
    added = ds["additional_employed"].transpose(run, "type").values
    dead = gross - added
    weights = np.full(gross.shape[0], 1.0 / gross.shape[0]) if w is None else w / w.sum()
    types = [str(t) for t in ds["type"].values]
    mean_added = weights @ added
    mean_dead = weights @ dead
    ranges = np.array([_weighted_quantiles(gross[:, j], weights, (0.05, 0.95))
                       for j in range(len(types))])
    fig, ax = _axes(ax, (6.5, 4.0))
    y = np.arange(len(types))
    dead_bars = ax.barh(y, mean_dead, color=NEUTRAL, label=t["deadweight"])
    added_bars = ax.barh(y, mean_added, left=mean_dead, color=GAIN, label=t["added"])
    total = mean_added + mean_dead
    ax.errorbar(total, y, xerr=[total - ranges[:, 0], ranges[:, 1] - total], fmt="none",
                ecolor="black", capsize=4, label=t["gross"])
    size = ds["participants"].transpose(run, "type").values[0]
    own = {t.name: t.label for t in scenario.types} if scenario is not None else {}
    ax.set_yticks(y, [_wrap(f"{own.get(t) or t} ({int(n)})")
                      for t, n in zip(types, size, strict=True)])
    ax.set_xlabel(t["in work"])
    ax.set_title(t["outcomes title"])
    legend_clear(ax, [*dead_bars, *added_bars], fontsize=8, room="bottom",
                  locs=("lower right", "upper right", "lower left", "upper left"))
    return _danish_ticks(fig, lang)


def _weighted_quantiles(x: np.ndarray, w: np.ndarray, qs: tuple[float, ...]) -> list[float]:
    order = np.argsort(x, kind="stable")
    cum = np.cumsum(w[order])
    return [float(x[order][min(np.searchsorted(cum, q * cum[-1]), x.size - 1)]) for q in qs]


def tornado(t: xr.Dataset, *, ax: Axes | None = None, lang: str = "en",
            scenario: Any = None) -> Figure:
    """A tornado chart of :func:`sibrisk.tornado`: the output with each input at its low
    and high quantile, the others at their point values, widest swing on top. Each bar
    is labelled with its input's human label and unit (:func:`sibrisk.labels.input_label`;
    ``scenario`` gives the participant types' own labels)."""
    text = _text(lang)
    for name in ("output_low", "output_high"):
        if name not in t.data_vars:
            raise SibriskError(f"tornado: the dataset has no {name} (give the dataset of "
                               "sibrisk.tornado)")
    order = np.argsort(np.asarray(t["swing"].values))  # the widest last: on top
    names = [str(t["input"].values[i]) for i in order]
    low = t["output_low"].values[order] / 1e6
    high = t["output_high"].values[order] / 1e6
    base = float(t.attrs["base"]) / 1e6
    level = float(t.attrs.get("level", 0.9))
    lo_q, hi_q = 50 * (1 - level), 50 * (1 + level)
    labels = [_wrap(input_label(n, lang, scenario, currency=t.attrs.get("currency")))
              for n in names]
    lines = sum(label.count("\n") + 1 for label in labels)
    fig, ax = _axes(ax, (8.0, 1.2 + 0.3 * len(names) + 0.2 * lines))
    y = np.arange(len(names))
    lows = ax.barh(y, low - base, left=base, color=LOSS,
                   label=text["at quantile"].format(q=f"{lo_q:g}"))
    highs = ax.barh(y, high - base, left=base, color=GAIN,
                    label=text["at quantile"].format(q=f"{hi_q:g}"))
    ax.axvline(base, color="black", linewidth=1.0)
    ax.set_yticks(y, labels)
    key = str(t.attrs.get("output", "output"))
    output = measure_label(key, lang, unit=False)
    ax.set_xlabel(text["output axis"].format(output=output, money=_money(t, lang)))
    ax.set_title(text["tornado title"].format(output=output))
    legend_clear(ax, [*lows, *highs], fontsize=8, room="bottom",
                  locs=("lower right", "lower left", "upper right", "upper left"))
    return _danish_ticks(fig, lang)


def sweep_map(ds: xr.Dataset, field: str = "loss_probability", *, x: str, y: str,
              actor: str | None = "investor", levels: tuple[float, ...] = (0.1, 0.25, 0.5),
              ax: Axes | None = None, lang: str = "en",
              limits: tuple[float, float] | None = None, **at: Any) -> Figure:
    """A heatmap of one field of a :func:`sibrisk.sweep` over two of its axes, with
    contour lines at ``levels`` (e.g. where the investor's probability of loss is 10 %).

    Parameters
    ----------
    ds : xarray.Dataset
        A full-grid sweep.
    field : str
        A field of the sweep (``loss_probability``, ``npv_mean``, ...; without a
        contract the scenario summary's names, e.g. ``investor_loss_probability``).
    x, y : str
        The two axes to draw.
    actor : str or None
        The actor to draw, for a contract sweep's fields by actor.
    levels : tuple of float
        Values at which contour lines are drawn (and labelled).
    limits : tuple of float, optional
        The values at the two ends of the colour scale; for a probability or a share
        (in percent on the colour bar and the contour labels) by default 0 and 1, so
        that two maps of one kind compare.
    **at
        A value for each other axis of the sweep (``cap=6e6``).
    """
    text = _text(lang)
    if field not in ds.data_vars:
        raise SibriskError(f"field = {field!r}: not in the sweep; its fields: "
                           + ", ".join(str(k) for k in ds.data_vars))
    da = ds[field]
    if "actor" in da.dims:
        actors = [str(a) for a in ds["actor"].values]
        if actor not in actors:
            raise SibriskError(f"actor = {actor!r}: must be one of {', '.join(actors)}")
        da = da.sel(actor=actor)
    for axis in (x, y):
        if axis not in da.dims:
            raise SibriskError(f"{axis!r}: not an axis of this sweep; its axes: "
                               + ", ".join(d for d in da.dims if d != "quantile"))
    rest = [d for d in da.dims if d not in (x, y)]
    unknown = [k for k in at if k not in rest]
    if unknown or any(d not in at for d in rest):
        raise SibriskError(f"give a value for each other axis ({', '.join(rest) or 'none'}) "
                           f"as a keyword; got {', '.join(at) or 'none'}")
    da = da.sel(at).transpose(y, x)
    xs = np.asarray(ds[x].values, dtype=float)
    ys = np.asarray(ds[y].values, dtype=float)
    share = is_share(field)
    if limits is None and share:
        limits = (0.0, 1.0)
    fig, ax = _axes(ax, (6.5, 4.5))
    mesh = ax.pcolormesh(xs, ys, da.values, shading="nearest", cmap="RdYlGn_r",
                         **({} if limits is None else {"vmin": limits[0], "vmax": limits[1]}))
    if levels and np.isfinite(da.values).any():
        lines = ax.contour(xs, ys, da.values, levels=sorted(levels), colors="black",
                           linewidths=0.8)
        ax.clabel(lines, fontsize=8,
                  fmt=(lambda v: f"{_fmt(100 * v, lang, 0 if (100 * v).is_integer() else 1)} %")
                  if share else "%g")
    label = measure_label(field, lang, currency=ds.attrs.get("currency")) + (
        f" ({actor_label(actor, lang)})" if "actor" in ds[field].dims else "")
    bar = fig.colorbar(mesh, ax=ax, label=label)
    if share:
        percent(bar.ax.yaxis, lang)
    for axis in (ax.xaxis, ax.yaxis):
        _plain(axis, lang)
    ax.set_xlabel(input_label(x, lang))
    ax.set_ylabel(input_label(y, lang))
    where = ", ".join(f"{input_label(k, lang, unit=False)} = {numbers_for(lang).general(v)}"
                      for k, v in at.items())
    ax.set_title(label + (f" {text['at']} {where}" if where else ""))
    return _danish_ticks(fig, lang)


# ---------------------------------------------------------------------------
# Sensitivity and terms: Sobol' indices, one term of a sweep
# ---------------------------------------------------------------------------
__all__ += ["sobol", "sweep_curve"]

LABELS["en"].update({
    "exact dots": "exact probabilities", "return axis": "return on an outlay of {outlay}",
    "point values": "point values (the catalogue's case)",
    "point payback": "point values: {years} years",
    "beyond horizon": "not within\n{years} years",
    "first order": "first order (the input alone)",
    "total order": "total order (with its interactions)",
    "sobol axis": "share of the variance (Sobol' index, {level} % interval)",
    "sobol title": "Where the variance of the {output} comes from",
    "target line": "target {p} %", "mark": "{value}",
    "municipality": "municipality", "investor": "investor", "provider": "provider",
})
LABELS["da"].update({
    "exact dots": "eksakte sandsynligheder", "return axis": "afkast af en udlægning på {outlay}",
    "point values": "punktværdier (katalogets beregning)",
    "point payback": "punktværdier: {years} år",
    "beyond horizon": "ikke inden\nfor {years} år",
    "first order": "første orden (inputtet alene)",
    "total order": "total orden (med samspil)",
    "sobol axis": "andel af variansen (Sobols indeks, {level} %-interval)",
    "sobol title": "Hvor variansen i {output} kommer fra",
    "target line": "mål {p} %", "mark": "{value}",
    "municipality": "kommunen", "investor": "investor", "provider": "leverandør",
})


def sobol(s: xr.Dataset, *, ax: Axes | None = None, lang: str = "en") -> Figure:
    """The Sobol' indices of :func:`sibrisk.sobol`: for each input
    its first-order index (its share of the output's variance alone) and its total-order
    index (with its interactions), with their bootstrap intervals, the largest on top.
    The axis is in percent of the variance.

    Parameters
    ----------
    s : xarray.Dataset
        From :func:`sibrisk.sobol`.
    ax : matplotlib.axes.Axes, optional
    lang : {"en", "da"}
    """
    text = _text(lang)
    for name in ("first_order", "total_order"):
        if name not in s.data_vars:
            raise SibriskError(f"sobol: the dataset has no {name} (give the dataset of "
                               "sibrisk.sobol)")
    order = np.argsort(np.asarray(s["total_order"].values), kind="stable")  # largest on top
    names = [str(s["input"].values[i]) for i in order]
    fig, ax = _axes(ax, (8.5, 1.4 + 0.6 * len(names)))
    y = np.arange(len(names))
    bars = []
    for offset, name, colour in ((0.19, "first_order", GAIN), (-0.19, "total_order", "#9bbb59")):
        value = s[name].values[order]
        err = None
        if f"{name}_low" in s.data_vars:
            err = np.clip([value - s[f"{name}_low"].values[order],
                           s[f"{name}_high"].values[order] - value], 0.0, None)
        bars += list(ax.barh(y + offset, value, height=0.36, xerr=err, color=colour,
                             capsize=2, label=text[name.replace("_", " ")]))
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.set_yticks(y, names)
    ax.set_xlim(min(0.0, ax.get_xlim()[0]), max(1.0, ax.get_xlim()[1]) if
                float(s["total_order"].max()) > 0.9 else ax.get_xlim()[1])
    percent(ax.xaxis, lang)
    key = str(s.attrs.get("output", "output"))
    output = text.get(key, key.replace("_", " "))
    level = float(s.attrs.get("confidence_level", 0.95))
    ax.set_xlabel(text["sobol axis"].format(level=_fmt(100 * level, lang, 0)))
    ax.set_title(text["sobol title"].format(output=output), fontsize=10)
    legend_clear(ax, bars, fontsize=8, room="bottom",
                  locs=("lower right", "upper right", "lower left", "upper left"))
    return fig


def sweep_curve(ds: xr.Dataset, field: str = "loss_probability", *, x: str,
                actors: tuple[str, ...] | None = None, target: float | None = None,
                mark: float | None = None, ax: Axes | None = None, lang: str = "en",
                **at: Any) -> Figure:
    """One field of a :func:`sibrisk.sweep` along one of its axes, a line
    for each actor (every point settled on the same draws, so the lines move with the
    term and not with noise). A probability or a share is drawn in percent.

    Parameters
    ----------
    ds : xarray.Dataset
        A sweep.
    field : str
        A field of the sweep (``loss_probability``, ``npv_mean``, ...).
    x : str
        The axis to draw along.
    actors : tuple of str, optional
        The actors to draw, for a contract sweep's fields by actor (default: every
        actor but the provider).
    target : float, optional
        A value of the field drawn as a dotted line (e.g. 0.10, a target probability).
    mark : float, optional
        A value of ``x`` drawn as a vertical line labelled with it (e.g. a solved term).
    ax : matplotlib.axes.Axes, optional
    lang : {"en", "da"}
    **at
        A value for each other axis of the sweep.
    """
    text = _text(lang)
    if field not in ds.data_vars:
        raise SibriskError(f"field = {field!r}: not in the sweep; its fields: "
                           + ", ".join(str(k) for k in ds.data_vars))
    da = ds[field]
    if x not in da.dims:
        raise SibriskError(f"{x!r}: not an axis of this sweep; its axes: "
                           + ", ".join(d for d in da.dims if d not in ("quantile", "actor")))
    if "actor" in da.dims:
        known = [str(a) for a in ds["actor"].values]
        actors = tuple(a for a in known if a != "provider") if actors is None else actors
        for actor in actors:
            if actor not in known:
                raise SibriskError(f"actor = {actor!r}: must be one of {', '.join(known)}")
    rest = [d for d in da.dims if d not in (x, "actor")]
    unknown = [k for k in at if k not in rest]
    if unknown or any(d not in at for d in rest):
        raise SibriskError(f"give a value for each other axis ({', '.join(rest) or 'none'}) "
                           f"as a keyword; got {', '.join(at) or 'none'}")
    da = da.sel(at)
    xs = np.asarray(ds[x].values, dtype=float)
    fig, ax = _axes(ax, (7.5, 4.0))
    colours = {"investor": LOSS, "municipality": GAIN}
    for actor in (actors if "actor" in da.dims else (None,)):
        line = da if actor is None else da.sel(actor=actor)
        ax.plot(xs, line.values, marker="o", markersize=2.5, linewidth=1.4,
                color=colours.get(actor or "", NEUTRAL),
                label=None if actor is None else text.get(actor, actor))
    share = is_share(field)
    if target is not None:
        ax.axhline(target, color=NEUTRAL, linewidth=0.8, linestyle=":",
                   label=text["target line"].format(
                       p=_fmt(100 * target, lang, 0 if (100 * target).is_integer() else 1))
                   if share else f"{target:g}")
    if mark is not None:
        ax.axvline(mark, color="black", linewidth=0.8, linestyle="--",
                   label=text["mark"].format(value=f"{x} = {_fmt(mark, lang, 0)}"))
    if share:
        ax.set_ylim(0.0, 1.0)
        percent(ax.yaxis, lang)
    _plain(ax.xaxis, lang)
    ax.set_xlabel(x)
    ax.set_ylabel(field.replace("_", " "))
    where = ", ".join(f"{k} = {v:g}" for k, v in at.items())
    ax.set_title(field.replace("_", " ") + (f" {text['at']} {where}" if where else ""))
    ax.grid(True, linewidth=0.3, alpha=0.5)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8, loc="best")
    return fig


# ---------------------------------------------------------------------------
# Evidence: a trial's power and participants' progression
# (sibrisk.evidence.power_curve, sibrisk.progression)
# ---------------------------------------------------------------------------
__all__ += ["power_curve", "progression"]

LABELS["en"].update({
    "power axis": "power: probability of a significant result, %",
    "programme participants": "programme participants",
    "controls per participant": "programme participants ({r} controls each)",
    "controls fixed": "programme participants ({m} controls)",
    "method exact": "exact (every outcome of the trial)",
    "method normal": "normal approximation",
    "target": "target {p} %", "power at": "{n} participants: {p} %",
    "power title": "Power to show {p1} % against {p0} % ({test}, {alt}, {alpha} % level)",
    "test z": "z-test", "test fisher": "Fisher's exact test",
    "two-sided": "two-sided", "greater": "one-sided",
    "wave start": "at the start", "wave end": "at the end",
    "who5 axis": "WHO-5 score {wave} (0-100)", "item axis": "{item} {wave}",
    "band high risk": "high risk", "band risk": "risk",
    "band no immediate risk": "no immediate risk",
    "no change": "no change", "group mean": "{group} ({n}): mean {start} → {end}",
    "progression title": "{item} at the start and at the end, per participant",
    "who5": "WHO-5 well-being", "bigger dots": "bigger dots: more participants",
})
LABELS["da"].update({
    "power axis": "styrke: sandsynlighed for et signifikant resultat, %",
    "programme participants": "deltagere i programmet",
    "controls per participant": "deltagere i programmet ({r} kontroller pr. deltager)",
    "controls fixed": "deltagere i programmet ({m} kontroller)",
    "method exact": "eksakt (alle forsøgets udfald)",
    "method normal": "normalapproksimation",
    "target": "mål {p} %", "power at": "{n} deltagere: {p} %",
    "power title": "Styrke til at vise {p1} % mod {p0} % ({test}, {alt}, {alpha} %-niveau)",
    "test z": "z-test", "test fisher": "Fishers eksakte test",
    "two-sided": "tosidet", "greater": "ensidet",
    "wave start": "ved start", "wave end": "ved afslutning",
    "who5 axis": "WHO-5-score {wave} (0-100)", "item axis": "{item} {wave}",
    "band high risk": "høj risiko", "band risk": "risiko",
    "band no immediate risk": "ingen umiddelbar risiko",
    "no change": "ingen ændring", "group mean": "{group} ({n}): gennemsnit {start} → {end}",
    "progression title": "{item} ved start og ved afslutning, pr. deltager",
    "who5": "WHO-5-trivsel", "bigger dots": "større prikker: flere deltagere",
})

#: Colours of the groups in :func:`progression`, in order.
GROUP_COLOURS = (GAIN, LOSS, "#9bbb59", "#8064a2", "#f79646", "#4bacc6")


def power_curve(ds: xr.Dataset, *, target: float | None = 0.8,
                n: int | tuple[int, ...] | None = None, ax: Axes | None = None,
                lang: str = "en") -> Figure:
    """Power against the programme group's size: the exact power (a saw-tooth, every
    outcome of the trial counted) and the normal approximation, the target power as a
    line and the sizes ``n`` marked with their power (exact, if computed).

    Parameters
    ----------
    ds : xarray.Dataset
        From :func:`sibrisk.evidence.power_curve`.
    target : float, optional
        The power aimed at (0.8: 80 %), drawn as a line; ``None`` for none.
    n : int or tuple of int, optional
        Programme group sizes to mark (e.g. the trial's and the one
        :func:`sibrisk.evidence.sample_size` chose); each must be a size of ``ds``.
    ax : matplotlib.axes.Axes, optional
    lang : {"en", "da"}

    Examples
    --------
    >>> from sibrisk import evidence
    >>> curve = evidence.power_curve(0.35, 0.17, range(20, 101, 5), control_ratio=5)
    >>> fig = power_curve(curve, n=60)
    >>> fig.axes[0].get_ylabel()
    'power: probability of a significant result, %'
    """
    t = _text(lang)
    methods = [m for m in ("exact", "normal") if f"power_{m}" in ds.data_vars]
    if not methods or "n_treated" not in ds.dims:
        raise SibriskError("power_curve: the dataset has no power_exact or power_normal (give "
                           "the dataset of sibrisk.evidence.power_curve)")
    sizes = np.asarray(ds["n_treated"].values)
    marks = () if n is None else ((n,) if np.ndim(n) == 0 else tuple(n))
    for m in marks:
        if m not in sizes:
            raise SibriskError(f"n = {m!r}: not a size of the power curve; its sizes run "
                               f"from {sizes.min()} to {sizes.max()}")
    fig, ax = _axes(ax, (7.5, 4.2))
    styles = {"exact": dict(color=GAIN, marker="o", markersize=3, linewidth=1.2),
              "normal": dict(color=NEUTRAL, linestyle="--", linewidth=1.2)}
    for method in methods:
        ax.plot(sizes, 100 * ds[f"power_{method}"].values, label=t[f"method {method}"],
                **styles[method])
    if target is not None:
        ax.axhline(100 * target, color="black", linewidth=0.8, linestyle=":",
                   label=t["target"].format(p=_fmt(100 * target, lang, 0)))
    for i, m in enumerate(marks):
        p = float(ds[f"power_{methods[0]}"].sel(n_treated=m))
        colour = (LOSS, "black", "#9bbb59", "#8064a2")[i % 4]
        ax.axvline(m, color=colour, linewidth=0.8)
        ax.plot([m], [100 * p], "o", color=colour, markersize=6,
                label=t["power at"].format(n=int(m), p=_fmt(100 * p, lang, 1)))
    controls = np.asarray(ds["n_control"].values)
    ratio = controls / sizes
    if np.allclose(ratio, ratio[0], atol=0.5 / sizes.min()):
        ax.set_xlabel(t["controls per participant"].format(r=_fmt(float(np.round(ratio[0], 2)),
                                                                  lang, 0 if float(
                                                                      ratio[0]).is_integer()
                                                                  else 2)))
    elif np.all(controls == controls[0]):
        ax.set_xlabel(t["controls fixed"].format(m=_fmt(float(controls[0]), lang, 0)))
    else:
        ax.set_xlabel(t["programme participants"])
    ax.set_ylabel(t["power axis"])
    ax.set_ylim(0, 100)
    a = ds.attrs
    ax.set_title(t["power title"].format(
        p1=_fmt(100 * a["p_treated"], lang, 0 if (100 * a["p_treated"]).is_integer() else 1),
        p0=_fmt(100 * a["p_control"], lang, 0 if (100 * a["p_control"]).is_integer() else 1),
        test=t[f"test {a['test']}"], alt=t[a["alternative"]],
        alpha=_fmt(100 * a["alpha"], lang, 0 if (100 * a["alpha"]).is_integer() else 1)),
        fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(True, linewidth=0.3, alpha=0.5)
    return _danish_ticks(fig, lang)


def progression(data: xr.Dataset, item: str = "who5", *, by: str | None = "municipality",
                scale: tuple[int, int] | None = None, ax: Axes | None = None,
                lang: str = "en") -> Figure:
    """Each participant's answer at the start against the end, coloured by group, with
    the diagonal of no change; for WHO-5 the lines between its bands (high risk below
    36, risk 36-50, no immediate risk above 50). Participants with the same two answers
    share a dot, drawn larger; the groups' dots are set a little apart side by side so
    that one group does not hide another.

    Parameters
    ----------
    data : xarray.Dataset
        From :func:`sibrisk.progression.read_questionnaires` (or ``example()``).
    item : str
        ``"who5"`` or an item column (as :func:`sibrisk.progression.paired`).
    by : str or None
        Group column to colour by, or ``None``.
    scale : tuple of int, optional
        The item's answer range (checked, and the axes' range).
    ax : matplotlib.axes.Axes, optional
    lang : {"en", "da"}

    Examples
    --------
    >>> from sibrisk import progression as pr
    >>> fig = progression(pr.example())
    >>> fig.axes[0].get_xlabel()
    'WHO-5 score at the start (0-100)'
    """
    from matplotlib.ticker import MaxNLocator

    from ..evidence.progression import WHO5_BANDS, paired

    t = _text(lang)
    pairs = paired(data, item, scale=scale)
    if by is not None and by not in pairs.coords:
        raise SibriskError(f"by = {by!r}: not a group column of the questionnaires")
    labels = (np.array(["all"] * pairs.sizes["participant"]) if by is None
              else np.asarray([str(v) for v in pairs[by].values]))
    start, end = pairs["start"].values, pairs["end"].values
    fig, ax = _axes(ax, (6.0, 6.0))
    if item == "who5":
        low, high = 0.0, 100.0
    elif scale is not None:
        low, high = float(scale[0]), float(scale[1])
    else:
        low, high = float(min(start.min(), end.min())), float(max(start.max(), end.max()))
    pad = 0.04 * (high - low)
    ax.plot([low - pad, high + pad], [low - pad, high + pad], color="black", linewidth=0.8,
            label=t["no change"])
    if item == "who5":
        for _, _, top in WHO5_BANDS[:-1]:
            for line in (ax.axhline, ax.axvline):
                line(top + 0.5, color=NEUTRAL, linewidth=0.6, linestyle=":")
        for name, lo, hi in WHO5_BANDS:
            ax.text(high + pad, (lo + hi) / 2, t[f"band {name}"], rotation=90, fontsize=7,
                    ha="right", va="center", color=NEUTRAL)
    decimals = 0 if item == "who5" else 1
    groups = list(dict.fromkeys(labels))
    unit = 4.0 if item == "who5" else 1.0  # the step between two possible answers
    for i, group in enumerate(groups):
        pick = labels == group
        points, count = np.unique(np.column_stack([start[pick], end[pick]]), axis=0,
                                  return_counts=True)
        dodge = (i - (len(groups) - 1) / 2) * 0.15 * unit  # groups side by side, not hidden
        ax.scatter(points[:, 0] + dodge, points[:, 1], s=22 * count, alpha=0.7, linewidths=0.5,
                   edgecolors="white", color=GROUP_COLOURS[i % len(GROUP_COLOURS)],
                   label=t["group mean"].format(group=group, n=int(pick.sum()),
                                                start=_fmt(start[pick].mean(), lang, decimals),
                                                end=_fmt(end[pick].mean(), lang, decimals)))
    ax.set_xlim(low - pad, high + pad)
    ax.set_ylim(low - pad, high + pad)
    ax.set_aspect("equal")
    if item != "who5":
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    name = t["who5"] if item == "who5" else item
    axis = t["who5 axis"] if item == "who5" else t["item axis"]
    ax.set_xlabel(axis.format(item=item, wave=t["wave start"]))
    ax.set_ylabel(axis.format(item=item, wave=t["wave end"]))
    ax.set_title(t["progression title"].format(item=name), fontsize=10)
    ax.legend(fontsize=8, loc="upper left", title=t["bigger dots"], title_fontsize=7)
    return _danish_ticks(fig, lang)
