"""SummaryTable: the risk summary as a table for notebooks and terminals."""

from __future__ import annotations

import numpy as np
import pytest

import sibrisk
from sibrisk.errors import SibriskError


@pytest.fixture(scope="module")
def summary():
    return sibrisk.summarize(sibrisk.simulate("drc-sib-2023", runs=4_000, seed=9))


def test_every_measure_has_a_row_with_its_error(summary):
    """One row per measure (per quantile for quantiles), each with its standard error,
    formatted by unit: probabilities in %, money with separators."""
    table = sibrisk.SummaryTable(summary)
    measures = [n for n in summary.data_vars if not n.endswith("_se")]
    expected = sum(summary[n].sizes.get("quantile", 1) for n in measures)
    assert len(table.rows) == expected
    first = table.rows[0]
    p, se = float(summary.investor_loss_probability), float(summary.investor_loss_probability_se)
    assert first == ("probability the investor loses money", f"{100 * p:.1f} %",
                     f"{100 * se:.2f} pp")
    money = next(r for r in table.rows if r[0] == "investor's expected result, DKK")
    assert money[1] == f"{float(summary.investor_result_mean):,.0f}"


def test_the_horizon_and_errors_as_in_the_text_reports(summary):
    """A payback year not within the horizon is said in words (not 'inf'), and a standard
    error that is not estimated (0: a quantile at an atom) is left out (never '0')."""
    rows = {r[0]: r[1:] for r in sibrisk.SummaryTable(summary).rows}
    assert rows["municipality's payback year, 95 % quantile"] == ("not within the horizon", "")
    assert np.isnan(float(summary.investor_return_quantiles_se.sel(quantile=0.5)))
    assert rows["investor's return on outlay, median"][1] == ""
    da = {r[0]: r[1:] for r in sibrisk.SummaryTable(summary, lang="da").rows}
    assert da["kommunens tilbagebetalingsår, 95 %-fraktil"][0] == "ikke inden for horisonten"


def test_html_and_text(summary):
    """The HTML is one table with its caption, text escaped; str lines up the same rows."""
    table = sibrisk.SummaryTable(summary)
    html = table._repr_html_()
    assert html.startswith("<table><caption>drc-sib-2023: Monte Carlo, 4,000 runs, seed 9")
    assert "investor&#x27;s expected result" in html
    assert html.count("<tr>") == len(table.rows) + 1
    text = str(table).splitlines()
    assert text[0].startswith("measure") and len(text) == len(table.rows) + 1


def test_a_dataset_that_is_no_summary_is_refused():
    with pytest.raises(SibriskError, match="sibrisk.summarize"):
        sibrisk.SummaryTable(sibrisk.simulate("drc-sib-2023", runs=100, seed=1))
