"""sibrisk.plot: each plot draws what the numbers say, on its own figure or a given axes."""

from __future__ import annotations

import io

import numpy as np
import pytest
from matplotlib.figure import Figure

import sibrisk
from sibrisk import plot
from sibrisk.errors import SibriskError

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
    assert red and all(b.get_x() + b.get_width() <= 1e-12 for b in red)
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
    from sibrisk.labels import input_label

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


def _ticks(axis) -> list[str]:
    """The tick labels of an axis as drawn."""
    axis.figure.canvas.draw()
    return [t.get_text() for t in axis.get_ticklabels() if t.get_text()]


def test_danish_tick_labels_and_labels_not_keys(mc):
    """lang='da': tick labels with a decimal comma (the same ticks as in English), the
    tornado's inputs by their Danish labels, the types by their own labels."""
    from sibrisk.labels import input_label

    scenario = sibrisk.load_scenario(DRC)
    en = plot.investor_result(mc).axes[0]
    da = plot.investor_result(mc, lang="da").axes[0]
    en_ticks, da_ticks = _ticks(en.xaxis), _ticks(da.xaxis)
    assert [t.replace(".", ",") for t in en_ticks] == da_ticks
    assert any("," in t for t in _ticks(da.yaxis)) and not any("." in t
                                                               for t in _ticks(da.yaxis))
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
