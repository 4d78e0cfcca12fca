"""sibrisk.report.plot: each plot draws what the numbers say, on its own figure or a given axes."""

from __future__ import annotations

import io

import numpy as np
import pytest
from matplotlib.figure import Figure

import sibrisk
from sibrisk.errors import SibriskError
from sibrisk.report import plot

DRC = "drc-sib-2023"


@pytest.fixture(scope="module")
def mc():
    return sibrisk.simulate(DRC, runs=20_000, seed=5)


def _renders(fig: Figure) -> None:
    """The figure draws to a PNG without error."""
    out = io.BytesIO()
    fig.savefig(out, format="png")
    assert out.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"


def test_investor_result_marks_the_summary_numbers(mc):
    """The value-at-risk and shortfall lines sit at summarize's numbers (million, as losses
    to the left of zero), the bars are shares summing to 1, losses drawn in red."""
    fig = plot.investor_result(mc, level=0.05)
    ax = fig.axes[0]
    s = sibrisk.summarize(mc, level=0.05)
    lines = {line.get_label().split(" (")[0]: line.get_xdata()[0] for line in ax.get_lines()}
    assert lines["value at risk"] == pytest.approx(-float(s.investor_var_5) / 1e6)
    assert lines["expected shortfall"] == pytest.approx(-float(s.investor_cvar_5) / 1e6)
    heights = np.array([b.get_height() for b in ax.patches])
    assert heights.sum() == pytest.approx(1.0)
    red = [b for b in ax.patches if b.get_facecolor()[:3] == pytest.approx((0.7529, 0.3137,
                                                                            0.3020), abs=1e-3)]
    # each bar stands on one value of the result: red exactly for the losses
    centres = np.array([b.get_x() + b.get_width() / 2 for b in ax.patches])
    assert red and len(red) == int((centres < 0).sum())
    assert all(b.get_x() + b.get_width() / 2 < 0 for b in red)
    assert "DKK" in ax.get_xlabel()
    assert f"{100 * float(s.investor_loss_probability):.1f} %" in ax.get_title()
    _renders(fig)


def test_a_plot_draws_on_the_axes_it_is_given(mc):
    """Given an axes, a plot draws there and returns that axes' figure."""
    fig = Figure()
    ax = fig.add_subplot()
    assert plot.investor_result(mc, ax=ax) is fig
    assert plot.outcomes(mc, ax=fig.add_subplot(212)) is fig


def test_outcomes_split_gross_jobs_into_added_and_deadweight(mc):
    """The jobs paid for (gross) split into those the programme added and the rest."""
    fig = plot.outcomes(mc)
    ax = fig.axes[0]
    dead, added = ax.containers[0], ax.containers[1]
    np.testing.assert_allclose([b.get_width() for b in dead],
                               (mc.gross_employed - mc.additional_employed).mean("run").values)
    np.testing.assert_allclose([b.get_width() for b in added],
                               mc.additional_employed.mean("run").values)
    np.testing.assert_allclose([b.get_x() for b in added], [b.get_width() for b in dead])
    _renders(fig)


def test_outcomes_of_an_exact_enumeration_are_weighted():
    """With method='exact' the bars are probability-weighted means: the expected numbers."""
    ex = sibrisk.simulate(DRC, method="exact", parameter_uncertainty=False)
    ax = plot.outcomes(ex).axes[0]
    p = ex.probability / ex.probability.sum()
    np.testing.assert_allclose([b.get_width() for b in ax.containers[1]],
                               (ex.additional_employed * p).sum("outcome").values)


def test_tornado_puts_the_widest_swing_on_top():
    """Inputs sorted by swing, widest on top; each bar runs from the base to the output."""
    from sibrisk.report.labels import input_label

    t = sibrisk.tornado(DRC)
    scenario = sibrisk.load_scenario(DRC)
    ax = plot.tornado(t, scenario=scenario).axes[0]
    labels = [tick.get_text() for tick in ax.get_yticklabels()]
    widest = str(t.input.values[int(np.argmax(t.swing.values))])
    assert labels[-1].replace("\n", " ") == input_label(widest, scenario=scenario) == \
        "Decay of the effect (per year)"
    labels = [label.replace("\n", " ") for label in labels]
    low = ax.containers[0]
    base = t.attrs["base"] / 1e6
    by_name = dict(zip(labels, low, strict=True))
    for name, out_low in zip(t.input.values, t.output_low.values, strict=True):
        bar = by_name[input_label(str(name), scenario=scenario)]
        assert bar.get_x() + bar.get_width() == pytest.approx(out_low / 1e6)
        assert bar.get_x() == pytest.approx(base)


@pytest.fixture(scope="module")
def grid():
    contract = {"name": "design", "scenario": DRC, "cap": 6_000_000.0,
                "payments": [{"kind": "rate_card", "rates": {"employed": 200_000.0}}]}
    return sibrisk.sweep(None, {"payments[0].rates.employed": [150_000.0, 200_000.0, 250_000.0],
                                "cap": [3e6, 6e6, 9e6, 12e6]},
                         contract=contract, runs=4_000, seed=2)


def test_sweep_map_draws_the_field_over_two_axes(grid):
    """The heatmap's cells are the sweep's values (axes in the order asked)."""
    fig = plot.sweep_map(grid, "loss_probability", x="payments[0].rates.employed", y="cap",
                         levels=(0.25, 0.5))
    ax = fig.axes[0]
    mesh = ax.collections[0]
    want = grid.loss_probability.sel(actor="investor").transpose("cap", ...).values
    np.testing.assert_allclose(np.asarray(mesh.get_array()).reshape(want.shape), want)
    _renders(fig)


def test_sweep_map_names_what_is_wrong(grid):
    """An unknown field, axis or actor, or an axis left without a value, is named."""
    with pytest.raises(SibriskError, match="field = 'nope'"):
        plot.sweep_map(grid, "nope", x="cap", y="payments[0].rates.employed")
    with pytest.raises(SibriskError, match="'price': not an axis"):
        plot.sweep_map(grid, x="price", y="cap")
    with pytest.raises(SibriskError, match="actor = 'bank'"):
        plot.sweep_map(grid, x="cap", y="payments[0].rates.employed", actor="bank")
    with pytest.raises(SibriskError, match="give a value for each other axis"):
        plot.sweep_map(grid.expand_dims(extra=[1.0]), x="cap", y="payments[0].rates.employed")


def test_bad_input_is_named(mc):
    """A level outside (0, 1) or a dataset of the wrong kind is named."""
    with pytest.raises(SibriskError, match="level = 1.5"):
        plot.investor_result(mc, level=1.5)
    with pytest.raises(SibriskError, match="investor_result"):
        plot.investor_result(mc.drop_vars("investor_result"))
    with pytest.raises(SibriskError, match="output_low"):
        plot.tornado(mc)


@pytest.fixture(scope="module")
def yearly():
    return sibrisk.simulate(DRC, runs=5_000, seed=8, yearly=True)


def test_cumulative_account_gives_the_payback_year(yearly):
    """The yearly cumulative account ends at the municipality's account, and its last
    upward crossing of zero (interpolated) is the payback year the kernel reports."""
    cum = yearly.municipal_cumulative_account.values
    np.testing.assert_allclose(cum[:, -1], yearly.municipal_account.values, rtol=1e-9,
                               atol=1e-6)
    for r in range(0, cum.shape[0], 97):
        row = cum[r]
        neg = np.flatnonzero(row < 0.0)
        if neg.size == 0:
            want = 0.0
        elif neg[-1] == row.size - 1:
            want = np.inf
        else:
            t = neg[-1]
            want = t + (-row[t]) / (row[t + 1] - row[t])
        assert yearly.municipal_payback_year.values[r] == pytest.approx(want, rel=1e-9,
                                                                        abs=1e-9)


def test_municipal_payback_fan_and_payback_years(yearly):
    """The median line and band are the runs' quantiles by year; the payback bars add up
    to 1 with the bar of runs that never pay back."""
    fig = plot.municipal_payback(yearly, band=(0.05, 0.95))
    top, bottom = fig.axes[:2]
    cum = yearly.municipal_cumulative_account.values / 1e6
    np.testing.assert_allclose(top.get_lines()[0].get_ydata(), np.median(cum, axis=0))
    shares = [b.get_height() for b in bottom.patches]
    assert sum(shares) == pytest.approx(1.0)
    never = float(np.mean(~np.isfinite(yearly.municipal_payback_year.values)))
    assert shares[-1] == pytest.approx(never)
    assert "DKK" in top.get_ylabel()
    _renders(fig)


def test_municipal_payback_needs_the_yearly_accounts(mc):
    """Without yearly=True the error says how to get the accounts by year."""
    with pytest.raises(SibriskError, match="yearly=True"):
        plot.municipal_payback(mc)


def test_plots_speak_danish(mc, yearly):
    """lang='da': the catalogue's Danish terms, Danish number style, the same numbers."""
    ax = plot.investor_result(mc, lang="da").axes[0]
    assert ax.get_xlabel() == "investors nutidsværdi, mio. DKK pr. hold"
    assert ax.get_title().startswith("Investors resultat: tab med sandsynlighed ")
    assert "," in ax.get_title() and "." not in ax.get_title().split("sandsynlighed")[1]
    english = plot.investor_result(mc).axes[0]
    np.testing.assert_array_equal([b.get_height() for b in ax.patches],
                                  [b.get_height() for b in english.patches])
    labels = [t.get_text() for t in plot.outcomes(mc, lang="da").axes[0].get_legend().texts]
    assert "ville have fået job alligevel (dødvægt)" in labels
    assert plot.municipal_payback(yearly, lang="da").axes[1].get_title() == "Tilbagebetalingsår"
    t = sibrisk.tornado(DRC)
    assert plot.tornado(t, lang="da").axes[0].get_title() == "Hvad flytter kommunens eget regnskab"


def test_an_unknown_language_is_named(mc):
    """A language other than en or da is refused, naming the choices."""
    with pytest.raises(SibriskError, match="lang = 'sv': must be one of 'en', 'da'"):
        plot.investor_result(mc, lang="sv")


# ---------------------------------------------------------------------------
# Geometry: percent axes, bars of discrete outcomes, labelled bars, legends
# ---------------------------------------------------------------------------
def _drawn(fig: Figure) -> Figure:
    fig.savefig(io.BytesIO(), format="png")  # the final layout
    return fig


def _clear(ax) -> None:
    """The axes' legend covers none of its bars."""
    legend = ax.get_legend().get_window_extent()
    covered = [b for b in ax.patches if b.get_height() > 0 and b.get_width() > 0
               and b.get_window_extent().overlaps(legend)]
    assert not covered, f"the legend covers {len(covered)} bars"


def _percent_ticks(axis) -> list[str]:
    ticks = axis.get_majorticklocs()
    axis.get_major_formatter().set_locs(ticks)
    return [axis.get_major_formatter().format_pct(v, 1.0) for v in ticks]


def test_the_investors_bars_stand_on_the_results_values(mc):
    """The result takes few distinct values (whole jobs times the rate): one bar per value
    with its share of runs, no comb of empty and double bins; the share axis in percent."""
    ax = _drawn(plot.investor_result(mc)).axes[0]
    values, counts = np.unique(np.round(mc.investor_result.values / 1e6, 9), return_counts=True)
    centres = np.array([b.get_x() + b.get_width() / 2 for b in ax.patches])
    np.testing.assert_allclose(centres, values, atol=1e-9)
    np.testing.assert_allclose([b.get_height() for b in ax.patches], counts / counts.sum())
    widths = {round(b.get_width(), 12) for b in ax.patches}
    assert len(widths) == 1 and widths.pop() < np.diff(values).min()  # no bar touches another
    assert _percent_ticks(ax.yaxis)[1:3] == ["2 %", "4 %"] or \
        all(t.endswith(" %") for t in _percent_ticks(ax.yaxis))
    _clear(ax)


def test_many_values_on_a_lattice_are_binned_by_whole_steps():
    """Values on a lattice too many for the bars are binned by whole steps, every bin
    holding the same number of lattice points: a flat distribution stays flat."""
    from sibrisk.report.plotaxes import bars_of

    x = np.repeat(np.arange(300) * 0.7 - 50.0, 3)  # 300 equally likely values
    centres, widths, share, edges = bars_of(x, None, 60)
    assert edges is not None and len(centres) <= 60
    np.testing.assert_allclose(share[:-1], share[0])  # 5 values in each full bin
    assert share[0] == pytest.approx(5 / 300)
    y = np.random.default_rng(1).normal(size=1_000)  # no lattice: ordinary bins
    assert len(bars_of(y, None, 30)[0]) == 30


def test_exact_probabilities_sit_on_the_bars():
    """exact= draws the exact enumeration's probability of each value as a dot."""
    ex = sibrisk.simulate(DRC, method="exact")
    big = sibrisk.simulate(DRC, runs=20_000, seed=5)
    ax = plot.investor_result(big, exact=ex, return_axis=True).axes[0]
    (dots,) = [line for line in ax.get_lines() if line.get_label() == "exact probabilities"]
    x, p = dots.get_xdata(), dots.get_ydata()
    want = ex.probability.groupby(np.round(ex.investor_result / 1e6, 6)).sum()
    for xi, pi in zip(x, p, strict=True):
        assert pi == pytest.approx(float(want.sel(investor_result=round(xi, 6))), rel=1e-9)
    top = [a for a in ax.figure.axes if a is not ax and a.get_xlabel()]
    assert "return on an outlay of 4.15 million DKK" in ax.child_axes[0].get_xlabel() \
        if ax.child_axes else top


def test_payback_bar_beyond_the_horizon_is_labelled_where_it_stands(yearly):
    """The runs that never pay back are a bar beyond the last year, with a tick label
    under it naming the horizon and its percentage on top; the axis in percent."""
    fig = _drawn(plot.municipal_payback(yearly, band=((0.05, 0.95), (0.25, 0.75)),
                                        point=sibrisk.account(DRC, per="cohort")))
    top, bottom = fig.axes[:2]
    never = bottom.patches[-1]
    x = never.get_x() + never.get_width() / 2
    horizon = int(yearly.year.values[-1])
    assert never.get_x() > horizon + 0.25  # apart from the last year's bar
    labels = {round(float(t.get_position()[0]), 6): t.get_text()
              for t in bottom.get_xticklabels()}
    assert labels[round(x, 6)] == f"not within\n{horizon} years"
    share = float(np.mean(~np.isfinite(yearly.municipal_payback_year.values)))
    texts = [t.get_text() for t in bottom.texts]
    assert f"{100 * share:.1f} %" in texts
    assert all(t.endswith(" %") for t in _percent_ticks(bottom.yaxis))
    assert len(top.collections) == 2  # the two bands
    assert any(line.get_label().startswith("point values") for line in top.get_lines())
    _clear(bottom)


def test_legends_are_clear_of_the_bars(mc):
    """Each plot with bars puts its legend where it covers none of them."""
    for fig in (plot.investor_result(mc), plot.outcomes(mc),
                plot.tornado(sibrisk.tornado(DRC))):
        _clear(_drawn(fig).axes[0])


def test_sobol_plot_shows_both_indices_in_percent():
    s = sibrisk.sobol(DRC, n=256, seed=1)
    ax = _drawn(plot.sobol(s)).axes[0]
    from matplotlib.container import BarContainer

    first, total = [c for c in ax.containers if isinstance(c, BarContainer)]
    order = np.argsort(s.total_order.values, kind="stable")
    np.testing.assert_allclose([b.get_width() for b in first], s.first_order.values[order])
    np.testing.assert_allclose([b.get_width() for b in total], s.total_order.values[order])
    assert ax.get_yticklabels()[-1].get_text() == str(s.input.values[order[-1]])
    assert all(t.endswith(" %") for t in _percent_ticks(ax.xaxis))
    _clear(ax)


def test_sweep_curve_and_map_draw_probabilities_in_percent(grid):
    price = "payments[0].rates.employed"
    ax = plot.sweep_curve(grid, x=price, target=0.1, mark=200_000.0, cap=6e6).axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    want = grid.loss_probability.sel(cap=6e6, actor="investor").values
    np.testing.assert_allclose(lines["investor"].get_ydata(), want)
    assert "provider" not in lines and ax.get_ylim() == (0.0, 1.0)
    assert all(t.endswith(" %") for t in _percent_ticks(ax.yaxis))
    fig = _drawn(plot.sweep_map(grid, x=price, y="cap"))
    colourbar = fig.axes[1]
    assert all(t.endswith(" %") for t in _percent_ticks(colourbar.yaxis))
    assert fig.axes[0].collections[0].get_clim() == (0.0, 1.0)
    with pytest.raises(SibriskError, match="give a value for each other axis"):
        plot.sweep_curve(grid, x=price)


def test_percent_ticks_in_danish():
    from sibrisk.report.plotaxes import _Percent

    f = _Percent("da")
    f.set_locs([0.0, 0.025, 0.05])
    assert [f.format_pct(v, 0.05) for v in (0.0, 0.025)] == ["0,0 %", "2,5 %"]


def _ticks(axis) -> list[str]:
    """The tick labels of an axis as drawn."""
    axis.figure.canvas.draw()
    return [t.get_text() for t in axis.get_ticklabels() if t.get_text()]


def test_danish_tick_labels_and_labels_not_keys(mc):
    """lang='da': tick labels with a decimal comma (the same ticks as in English), the
    tornado's inputs by their Danish labels, the types by their own labels."""
    from sibrisk.report.labels import input_label

    scenario = sibrisk.load_scenario(DRC)
    en = plot.investor_result(mc).axes[0]
    da = plot.investor_result(mc, lang="da").axes[0]
    en_ticks, da_ticks = _ticks(en.xaxis), _ticks(da.xaxis)
    assert [t.replace(".", ",") for t in en_ticks] == da_ticks
    # the share axis is in percent, Danish style: no decimal point anywhere
    assert all(t.endswith("%") and "." not in t for t in _ticks(da.yaxis) if t)
    ax = plot.tornado(sibrisk.tornado(DRC), lang="da", scenario=scenario).axes[0]
    names = [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()]
    assert "Effektens aftagen (pr. år)" in names
    assert input_label("types.no_experience.gross_employment", "da", scenario) in names
    types = [t.get_text().replace("\n", " ")
             for t in plot.outcomes(mc, scenario=scenario).axes[0].get_yticklabels()]
    assert types == ["Danish work experience in the last 2 years (20)",
                     "No Danish work experience in the last 2 years (36)"]


def test_sweep_map_labels_its_axes(grid):
    """The axes and the colour bar by their labels: a measure in words with its actor."""
    fig = plot.sweep_map(grid, "loss_probability", x="payments[0].rates.employed", y="cap",
                         lang="da")
    assert fig.axes[0].get_xlabel() == "payments[0].rates.employed"  # a contract's own path
    assert fig.axes[1].get_ylabel() == "sandsynlighed for tab (investor)"


def test_a_legend_too_tall_for_the_axes_goes_under_the_figure(mc, drc):
    """With the types' long labels the axes are short: the legend cannot be given room
    inside them, so it stands under the figure and the axes keep their own limits."""
    fig = _drawn(plot.outcomes(mc, scenario=drc))
    ax = fig.axes[0]
    low, high = ax.get_ylim()
    assert low < high and high - low < 3  # two types, not an axis stretched for a legend
    assert ax.get_legend() is None and len(fig.legends) == 1
    box = fig.legends[0].get_window_extent()
    assert all(not b.get_window_extent().overlaps(box) for b in ax.patches)
