"""sibrisk.report.plot.power_curve and sibrisk.report.plot.progression draw what the numbers say."""

from __future__ import annotations

import io

import numpy as np
import pytest
from matplotlib.figure import Figure

from sibrisk import evidence
from sibrisk.errors import SibriskError
from sibrisk.evidence import progression as pr
from sibrisk.report import plot


@pytest.fixture(scope="module")
def curve():
    return evidence.power_curve(0.35, 0.17, range(30, 81, 2), control_ratio=5)


def _renders(fig: Figure) -> None:
    out = io.BytesIO()
    fig.savefig(out, format="png")
    assert out.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"


def test_power_curve_draws_both_methods_the_target_and_the_marks(curve):
    fig = plot.power_curve(curve, target=0.8, n=(56, 52))
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    exact = lines["exact (every outcome of the trial)"]
    normal = lines["normal approximation"]
    np.testing.assert_allclose(exact.get_xdata(), curve.n_treated.values)
    np.testing.assert_allclose(exact.get_ydata(), 100 * curve.power_exact.values)
    np.testing.assert_allclose(normal.get_ydata(), 100 * curve.power_normal.values)
    assert lines["target 80 %"].get_ydata()[0] == 80
    mark = lines[f"56 participants: {100 * float(curve.power_exact.sel(n_treated=56)):.1f} %"]
    assert mark.get_xdata()[0] == 56
    assert "5 controls each" in ax.get_xlabel()
    assert "35 % against 17 %" in ax.get_title()
    _renders(fig)


def test_power_curve_in_danish_and_on_a_given_axes(curve):
    fig = Figure()
    ax = fig.add_subplot()
    assert plot.power_curve(curve, ax=ax, lang="da", target=None) is fig
    assert ax.get_ylabel().startswith("styrke")
    assert "kontroller pr. deltager" in ax.get_xlabel()


def test_power_curve_errors(curve):
    with pytest.raises(SibriskError, match="n = 57: not a size of the power curve"):
        plot.power_curve(curve, n=57)
    with pytest.raises(SibriskError, match="give the dataset of sibrisk.evidence.power_curve"):
        plot.power_curve(curve.drop_vars(["power_exact", "power_normal"]))
    with pytest.raises(SibriskError, match="lang = 'fr'"):
        plot.power_curve(curve, lang="fr")


def test_progression_draws_every_pair_once_with_the_diagonal_and_bands():
    data = pr.example()
    fig = plot.progression(data)
    ax = fig.axes[0]
    pairs = pr.paired(data)
    dots = ax.collections
    assert len(dots) == 2  # Herning and Viborg
    # each group's dots hold every participant once: sizes are 22 per participant
    assert sum(d.get_sizes().sum() for d in dots) == pytest.approx(22 * pairs.sizes[
        "participant"])
    for d, group in zip(dots, ("Herning", "Viborg"), strict=True):
        pick = pairs.municipality.values == group
        ends = d.get_offsets()[:, 1]
        assert set(ends) <= set(pairs.end.values[pick])
        assert d.get_label().startswith(f"{group} ({pick.sum()}): mean ")
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert list(lines["no change"].get_xdata()) == list(lines["no change"].get_ydata())
    bands = [line.get_ydata()[0] for line in ax.get_lines() if line.get_linestyle() == ":"]
    assert {35.5, 50.5} <= set(bands)
    assert ax.get_xlabel() == "WHO-5 score at the start (0-100)"
    _renders(fig)


def test_progression_of_an_item_in_danish_without_groups():
    fig = plot.progression(pr.example(), "bip_job_belief", by=None, scale=(1, 5), lang="da")
    ax = fig.axes[0]
    assert len(ax.collections) == 1
    assert ax.get_xlabel() == "bip_job_belief ved start"
    assert ax.get_xlim()[0] < 1 and ax.get_xlim()[1] > 5


def test_progression_errors():
    with pytest.raises(SibriskError, match="by = 'type'"):
        plot.progression(pr.example(), by="type")
    with pytest.raises(SibriskError, match="must be a whole number from 1 to 3"):
        plot.progression(pr.example(), "bip_cooperation", scale=(1, 3))
