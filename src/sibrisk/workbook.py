"""Excel workbooks: the results for a municipal analyst, and the inputs back in.

:func:`write_workbook` writes an ``.xlsx`` file with a sheet of inputs, one of
the catalogue's accounts and payment model, and (with a simulation) one of
the risk summary, with number formats and column widths for reading in
Excel. :func:`read_inputs` reads the *Inputs* sheet back, as edited in Excel,
into a :class:`~sibrisk.Scenario`; a bad value is reported with its sheet and
cell. Written and read with ``openpyxl``, one of sibrisk's dependencies.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import SibriskError
from .files import atomic_write
from .language import number, words
from .scenario import AGGREGATE_INPUTS, Scenario, load_scenario

__all__ = ["write_workbook", "read_inputs", "check_path", "check_openpyxl", "INPUTS",
           "ACCOUNTS", "RISK", "SWEEP"]

#: The sheets' names.
INPUTS, ACCOUNTS, RISK, SWEEP = "Inputs", "Accounts", "Risk", "Sweep"
#: Where the inputs start on the Inputs sheet (row 1: the scenario, row 3: headings).
_FIRST_INPUT_ROW = 4

_MONEY, _SHARE, _NUMBER = "#,##0", "0.0%", "0.0000"
#: Accounts: (heading or None, key path in the catalogue report, label, format).
_ACCOUNT_ROWS: tuple[tuple[str, str, str], ...] = (
    ("Budget account (budgetøkonomisk), per average participant", "", ""),
    ("municipal_savings", "municipal savings, all sources", _MONEY),
    ("savings_by_source.ordinary_effort_saving", "  ordinary effort saved", _MONEY),
    ("savings_by_source.employment_saving", "  employment", _MONEY),
    ("savings_by_source.other_net_costs", "  other net costs", _MONEY),
    ("provider_cost", "provider's cost", _MONEY),
    ("budget_surplus", "budget surplus", _MONEY),
    ("Payment model", "", ""),
    ("investor_surplus_share", "investor's share of the surplus", _MONEY),
    ("payment_per_participant", "payment per participant", _MONEY),
    ("payment_per_employed", "payment per employed participant", _MONEY),
    ("investor_result", "investor's result", _MONEY),
    ("investor_return", "investor's return on outlay", _SHARE),
    ("municipal_account", "municipality's own account", _MONEY),
    ("Employment", "", ""),
    ("gross_employment", "gross employment", _SHARE),
    ("control_employment", "control employment (without the programme)", _SHARE),
    ("marginal_effect", "marginal effect", _SHARE),
    ("Rates by participant type", "", ""),
    ("rates_by_type.with_experience", "with Danish work experience", _MONEY),
    ("rates_by_type.no_experience", "without Danish work experience", _MONEY),
    ("Break-even points", "", ""),
    ("breakeven.investor_gross_employment", "investor: gross employment", _SHARE),
    ("breakeven.marginal_effect", "budget surplus: marginal effect", _SHARE),
    ("breakeven.marginal_effect_municipality", "municipality: marginal effect", _SHARE),
    ("breakeven.decay_surplus", "budget surplus: decay of the effect", _SHARE),
    ("breakeven.decay_municipality", "municipality: decay of the effect", _SHARE),
    ("breakeven.ordinary_effort_saving_surplus", "budget surplus: ordinary effort saved",
     _SHARE),
    ("breakeven.ordinary_effort_saving_municipality", "municipality: ordinary effort saved",
     _SHARE),
    ("breakeven.municipal_payback_years", "municipality's payback, years", "0.0"),
    ("Welfare (samfundsøkonomisk)", "", ""),
    ("welfare_surplus", "welfare-economic surplus", _MONEY),
)


def check_openpyxl() -> None:
    """:class:`SibriskError` if openpyxl cannot be imported (call it before long work)."""
    _openpyxl()


def _openpyxl() -> Any:
    try:
        import openpyxl
    except ImportError:
        raise SibriskError("Excel files need openpyxl, a dependency of sibrisk that is "
                           "missing here: pip install openpyxl") from None
    return openpyxl


def _leaf(report: dict[str, Any], path: str) -> Any:
    node: Any = report
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _input_rows(scenario: Scenario) -> Iterator[tuple[str, float]]:
    for key in scenario.numeric_inputs():
        if key not in AGGREGATE_INPUTS:  # derived from the types: set those instead
            yield key, scenario.get(key)


def check_path(path: str | os.PathLike[str]) -> Path:
    """``path`` if a workbook can be written there (an ``.xlsx`` name in an existing
    folder, and openpyxl installed); :class:`SibriskError` otherwise. Call it before
    long work, so a bad name fails at once."""
    _openpyxl()
    path = Path(path)
    if path.suffix != ".xlsx":
        raise SibriskError(f"{path}: an Excel workbook must end in .xlsx")
    if not path.parent.exists():
        raise SibriskError(f"{path}: folder {path.parent} does not exist")
    return path


def write_workbook(path: str | os.PathLike[str], scenario: Scenario, account: dict[str, Any],
                   risk: dict[str, Any] | None = None, *,
                   sweep: dict[str, Any] | None = None, lang: str = "en") -> Path:
    """Write the workbook, whole or not at all.

    Parameters
    ----------
    path : path
        An ``.xlsx`` file in an existing folder.
    scenario : Scenario
    account : dict
        :func:`sibrisk.report.catalogue_report` of the scenario.
    risk : dict, optional
        :func:`sibrisk.summary_to_dict` of a simulation: a sheet *Risk*.
    sweep : dict, optional
        :func:`sibrisk.sweep.sweep_to_dict` of a sweep: a sheet *Sweep*, one row per
        point, the axes first, then each measure and its standard error.
    lang : {"en", "da"}
        Language of the labels and headings (:mod:`sibrisk.language`). The sheets'
        names, the input keys and the measures' names stay as they are, so that
        :func:`read_inputs` and formulas find them.
    """
    openpyxl = _openpyxl()
    from openpyxl.styles import Font

    path = check_path(path)
    w = words(lang)
    bold = Font(bold=True)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = INPUTS
    sheet.append(["scenario", scenario.name])
    sheet.append([w("Edit the values in column B, then: sibrisk scenario import {file}",
                   file=path.name)])
    sheet.append([w("input"), w("value")])
    for cell in sheet[3]:
        cell.font = bold
    for key, value in _input_rows(scenario):
        sheet.append([key, value])
    _widths(sheet, (48, 16))

    sheet = book.create_sheet(ACCOUNTS)
    sheet.append([f"{account['title']}", None, None])
    sheet.append([w("{currency}, {year} prices, {valuation}, {basis}",
                    currency=account["currency"], year=account["price_year"],
                    valuation=w(account["valuation"]), basis=w(account["basis"])), None, None])
    for key, label, fmt in _ACCOUNT_ROWS:
        if not label:  # a heading
            sheet.append([])
            sheet.append([w(key)])
            sheet.cell(sheet.max_row, 1).font = bold
            continue
        value = _leaf(account, key)
        sheet.append([w(label), value, key])
        sheet.cell(sheet.max_row, 2).number_format = fmt
    _widths(sheet, (48, 16, 44))

    if risk is not None:
        sheet = book.create_sheet(RISK)
        sheet.append([w("Monte Carlo, {runs} runs, seed {seed}", runs=number(risk["runs"], lang, 0),
                        seed=risk["seed"]) + f"; {risk['currency']}, {w(risk['valuation'])}"])
        sheet.append([w("measure"), w("value"), w("standard error")])
        for cell in sheet[2]:
            cell.font = bold
        for name, value, se in _risk_rows(risk):
            sheet.append([name, value, se])
            fmt = _SHARE if "probability" in name or "return" in name or "share" in name \
                else ("0.00" if "year" in name else _MONEY)
            for col in (2, 3):
                sheet.cell(sheet.max_row, col).number_format = fmt
        _widths(sheet, (48, 16, 16))
    if sweep is not None:
        _sweep_sheet(book.create_sheet(SWEEP), sweep, bold)
    return atomic_write(path, lambda tmp: book.save(tmp))


def _format(name: str) -> str:
    """The number format of a measure, by its name."""
    if any(w in name for w in ("probability", "return", "share", "irr")):
        return _SHARE
    return "0.00" if "year" in name or "multiple" in name else _MONEY


def _sweep_sheet(sheet: Any, sweep: dict[str, Any], bold: Any) -> None:
    """One row per point of the sweep: its axes' values, then every measure (quantiles
    and actors one column each) with its standard error beside it."""
    points = sweep["points"]
    axes = list(points[0]["at"]) if points else list(sweep["axes"])
    columns: list[tuple[str, tuple[str, ...]]] = []  # (heading, path into a summary)
    for name, value in (points[0]["summary"] if points else {}).items():
        if name.endswith("_se") or name == "outcome_stream":  # not a measure
            continue
        parts = [((name,), value)]
        while any(isinstance(v, dict) for _, v in parts):
            parts = [((*p, k), x) for p, v in parts for k, x in v.items()]
        for path, _ in parts:
            columns.append((" ".join(path), path))
            se = (f"{path[0]}_se", *path[1:])
            if _leaf(points[0]["summary"], ".".join(se)) is not None or \
                    f"{path[0]}_se" in points[0]["summary"]:
                columns.append((" ".join(path) + " SE", se))
    contract = sweep.get("contract")
    sheet.append([f"Sweep of scenario {sweep['scenario']}"
                  + (f", contract {contract}" if contract else "")
                  + f": {sweep['point_count']:,} points, {sweep['runs_per_point']:,} runs each, "
                  f"seed {sweep['seed']}; {sweep['currency']}, {sweep['price_year']} prices, "
                  "present value at t = 0; SE: one Monte Carlo standard error"])
    sheet.append([*axes, *(heading for heading, _ in columns)])
    for cell in sheet[2]:
        cell.font = bold
    for p in points:
        values = [p["at"][a] for a in axes]
        for _, path in columns:
            node: Any = p["summary"]
            for part in path:
                node = node.get(part) if isinstance(node, dict) else None
            values.append(node)
        sheet.append(values)
        row = sheet.max_row
        for j, (_, path) in enumerate(columns, start=len(axes) + 1):
            sheet.cell(row, j).number_format = _format(path[0])
    sheet.freeze_panes = sheet.cell(3, len(axes) + 1)
    if points:
        sheet.auto_filter.ref = sheet.dimensions.replace("A1", "A2")
    _widths(sheet, tuple(max(12, min(len(str(c.value or "")) + 2, 40)) for c in sheet[2]))


def _risk_rows(risk: dict[str, Any]) -> Iterator[tuple[str, float | None, float | None]]:
    for name, value in risk.items():
        if name.endswith("_se") or f"{name}_se" not in risk:
            continue
        se = risk[f"{name}_se"]
        if isinstance(value, dict):
            for q, v in value.items():
                yield f"{name} {q}", v, se.get(q)
        else:
            yield name, value, se


def _widths(sheet: Any, widths: tuple[int, ...]) -> None:
    from openpyxl.utils import get_column_letter

    for i, w in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = w


def read_inputs(path: str | os.PathLike[str]) -> Scenario:
    """The scenario of a workbook's *Inputs* sheet (as :func:`write_workbook` lays it
    out): the scenario named in cell B1 with the inputs of column B.

    An input whose value is unchanged (to the 15 significant digits Excel keeps) stays
    as the scenario has it, uncertainty included; a changed value replaces the input
    by that number (so an uncertain input becomes a fixed one).

    Raises
    ------
    SibriskError
        Naming the file, sheet and cell of a missing sheet, an unknown input or a
        value that is not allowed.
    """
    openpyxl = _openpyxl()
    path = Path(path)
    if not path.exists():
        raise SibriskError(f"{path}: no such file")
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file, named
        raise SibriskError(f"{path}: not an Excel workbook ({exc})") from None
    if INPUTS not in book.sheetnames:
        raise SibriskError(f"{path}: no sheet {INPUTS!r} (sheets: "
                           + ", ".join(book.sheetnames) + ")")
    rows = list(book[INPUTS].iter_rows(values_only=True))
    where = f"{path} sheet {INPUTS}"
    if not rows or len(rows[0]) < 2 or rows[0][0] != "scenario" or not rows[0][1]:
        raise SibriskError(f"{where} cell B1: give the scenario the inputs belong to "
                           "(A1 'scenario', B1 its name or file)")
    try:
        scenario = load_scenario(str(rows[0][1]))
    except SibriskError as exc:
        raise SibriskError(f"{where} cell B1: {exc}") from None
    changes: dict[str, Any] = {}
    cells: dict[str, str] = {}
    for r, row in enumerate(rows[_FIRST_INPUT_ROW - 1:], start=_FIRST_INPUT_ROW):
        key, value = (tuple(row) + (None, None))[:2]
        if key is None and value is None:
            continue
        try:
            scenario.get(str(key))
        except SibriskError as exc:
            raise SibriskError(f"{where} cell A{r}: {exc}") from None
        if not isinstance(value, int | float) or isinstance(value, bool) \
                or not math.isfinite(value):
            raise SibriskError(f"{where} cell B{r}: {key} = {value!r}: must be a number")
        # Excel keeps 15 significant digits: a value equal to the input's to 15 digits is
        # the input unchanged (and keeps its uncertainty)
        if f"{float(value):.15g}" != f"{float(scenario.get(str(key))):.15g}":
            changes[str(key)] = value
            cells[str(key)] = f"B{r}"
    if not changes:
        return scenario
    try:
        return scenario.replace(changes)  # all at once: shares must sum to 1 together
    except SibriskError as exc:
        named = [k for k in changes if k in str(exc)]
        cell = f" cell {cells[named[0]]}" if named else ""
        raise SibriskError(f"{where}{cell}: {exc}") from None
