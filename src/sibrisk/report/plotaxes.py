"""The geometry of sibrisk's plots: percent axes, bars of discrete outcomes, legends
clear of the bars. Used by ``sibrisk.plot``; no text of its own."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from .language import number


class _Percent(PercentFormatter):
    """Tick labels of shares (0.25) as percentages ("25 %"), in the number style of
    ``lang``, with as many decimals as the ticks' spacing needs."""

    def __init__(self, lang: str = "en") -> None:
        super().__init__(xmax=1.0, symbol=None)
        self.lang = lang

    def set_locs(self, locs: Any) -> None:
        super().set_locs(locs)
        self.ticks = [float(v) for v in locs]

    def format_pct(self, x: float, display_range: float) -> str:
        x = self.convert_to_pct(x)
        decimals = next((d for d in range(4) if all(
            abs(100 * v - round(100 * v, d)) < 1e-9 for v in getattr(self, "ticks", ()))), 3)
        return f"{number(round(x, decimals) or 0.0, self.lang, decimals)} %"


def percent(axis: Any, lang: str) -> None:
    """Label ``axis`` (``ax.xaxis``, ``ax.yaxis`` or a colour bar's axis) in percent."""
    axis.set_major_formatter(_Percent(lang))


def bars_of(x: np.ndarray, weights: np.ndarray | None,
          bins: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """The bars of a histogram of ``x`` as shares: centres, widths, shares, and the bin
    edges (``None`` when the bars stand on the distinct values).

    An outcome that takes few distinct values (money from whole counts) gets a bar at
    each value; values on a regular lattice too many for ``bins`` bars are binned by
    whole steps of the lattice, each bin centred on its values. Only values with no
    such pattern get ordinary equal bins. Either way no bin holds more values than its
    neighbour by the accident of where the edges fall (the comb of a histogram of a
    discrete distribution).
    """
    w = np.ones(x.size) if weights is None else np.asarray(weights, dtype=float)
    scale = float(np.max(np.abs(x))) or 1.0
    keys, inverse = np.unique(np.round(x / scale, 9), return_inverse=True)
    mass = np.bincount(inverse, weights=w)
    atoms = np.bincount(inverse, weights=x) / np.bincount(inverse)
    share = mass / mass.sum()
    if atoms.size == 1:
        return atoms, np.array([0.1 * scale]), share, None
    gaps = np.diff(atoms)
    step = float(gaps.min())
    span = float(atoms[-1] - atoms[0])
    if atoms.size <= bins and step >= span / (4 * bins):
        return atoms, np.full(atoms.size, 0.8 * step), share, None
    steps = gaps / step
    if np.allclose(steps, np.round(steps), rtol=0.0, atol=1e-6 * steps.max()):
        points = int(round(span / step)) + 1  # of the lattice, from the least to the most
        k = -(-points // bins)  # lattice points per bin
        edges = atoms[0] - step / 2 + k * step * np.arange(-(-points // k) + 1)
    else:
        edges = np.histogram_bin_edges(x, bins=bins)
    counts, edges = np.histogram(x, bins=edges, weights=w)
    return (edges[:-1] + edges[1:]) / 2, np.diff(edges), counts / counts.sum(), edges


def legend_clear(ax: Axes, bars: list, *, locs: tuple[str, ...] = ("upper right", "upper left"),
                  room: str = "top", **kw: Any) -> Any:
    """A legend on ``ax`` in the first corner of ``locs`` where it covers none of the
    ``bars`` (patches, or any artist: the labels of bars too); if every corner covers
    one, the value axis is extended (above the bars for ``room="top"``, below them for
    ``"bottom"``) until the corner that covers the fewest is clear.
    Returns the legend."""
    fig = ax.figure
    fig.draw_without_rendering()  # the layout, so that sizes are final
    best = None
    for loc in locs:
        legend = ax.legend(loc=loc, **kw)
        box = legend.get_window_extent()
        under = [b for b in bars if b.get_window_extent().overlaps(box)]
        if not under:
            return legend
        if best is None or len(under) < len(best[2]):
            best = (loc, box, under)
    loc, box, under = best
    legend = ax.legend(loc=loc, **kw)
    (_, y0), (_, y1) = ax.transAxes.inverted().transform(box)
    low, high = ax.get_ylim()
    f, g = y0 - 0.03, y1 + 0.03
    if (f < 0.35 if room == "top" else g > 0.65):
        # the legend is too tall for the axes to make room inside them: beside the
        # axes instead, where the figure's layout leaves it room
        return _outside(ax, legend, **kw)
    if room == "top":  # the legend's lower edge above the highest bar under it
        top = max(_top(b) for b in under)
        ax.set_ylim(low, low + (top - low) / f)
    else:  # the legend's upper edge below the lowest bar over it
        bottom = min(_bottom(b) for b in under)
        ax.set_ylim((bottom - g * high) / (1 - g), high)
    return legend


def _outside(ax: Axes, legend: Any, **kw: Any) -> Any:
    """The axes' legend moved under the figure (a figure legend, which a constrained
    layout leaves room for); kept where it is if the figure lays out nothing."""
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    fig = ax.figure
    if not isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine):
        return legend
    handles, labels = ax.get_legend_handles_labels()
    legend.remove()
    return fig.legend(handles, labels, loc="outside lower center", **kw)


def _top(artist: Any) -> float:
    """The upper edge of an artist in data coordinates."""
    return float(artist.get_window_extent().transformed(artist.axes.transData.inverted()).y1)


def _bottom(artist: Any) -> float:
    """The lower edge of an artist in data coordinates."""
    return float(artist.get_window_extent().transformed(artist.axes.transData.inverted()).y0)


def is_share(field: str) -> bool:
    """A field whose values are probabilities or shares (drawn in percent)."""
    return field.endswith(("probability", "_share", "_share_mean")) or field == "share"
