"""SummaryTable: the risk summary as a table for notebooks and terminals."""

from __future__ import annotations

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
    assert first[1:] == (f"{100 * p:.1f} %", f"{100 * se:.2f} pp")
    money = next(r for r in table.rows if r[0] == summary.investor_result_mean.attrs["long_name"])
    assert money[1] == f"{float(summary.investor_result_mean):,.0f}"


def test_html_and_text(summary):
    """The HTML is one table with its caption, text escaped; str lines up the same rows."""
    table = sibrisk.SummaryTable(summary)
    html = table._repr_html_()
    assert html.startswith("<table><caption>drc-sib-2023: 4,000 runs, seed 9")
    assert "(result &lt; 0)" in html and html.count("<tr>") == len(table.rows) + 1
    text = str(table).splitlines()
    assert text[0].startswith("measure") and len(text) == len(table.rows) + 1


def test_a_dataset_that_is_no_summary_is_refused():
    with pytest.raises(SibriskError, match="sibrisk.summarize"):
        sibrisk.SummaryTable(sibrisk.simulate("drc-sib-2023", runs=100, seed=1))
