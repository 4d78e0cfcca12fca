"""Excel workbooks: the results for a municipal analyst, and the inputs back in.

:func:`write_workbook` writes an ``.xlsx`` file with these sheets (Danish names with
``lang="da"``):

- *Inputs*: every numeric input by its label (with its unit), its point value, and
  for an uncertain input its distribution (kind and parameters), all editable; the
  input's key in the last column;
- *Accounts*: the catalogue's accounts and payment model; *Risk*: the risk summary
  with standard errors; *Contracts*: contract variants side by side; *Sweep*: a row
  per point of a sweep; each with the measures' labels and their keys;
- *Scenario*: the scenario itself as TOML, line by line, so that the workbook
  carries everything it was made from.

:func:`import_workbook` (and :func:`read_inputs`) read the *Inputs* sheet back, as
edited in Excel, onto the scenario of the *Scenario* sheet: a changed value, a changed
distribution, a distribution removed (an input made fixed) or added, each listed as a
:class:`Change`. A bad value, an unknown or repeated key, or a file Excel cannot have
written is reported in one line with the file, the sheet and the cell. Written and
read with ``openpyxl``, one of sibrisk's dependencies.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .._io import atomic_write
from ..errors import SibriskError
from ..scenario.spec import AGGREGATE_INPUTS, Scenario
from ..scenario.uncertainty import KINDS
from .labels import (
    actor_label,
    input_is_share,
    input_label,
    measure_kind,
    measure_label,
    quantile_label,
)
from .language import numbers_for, words
from .sheets import (
    FIRST_INPUT_ROW,
    INPUT_COLUMNS,
    PARAMETERS,
    SHEETS,
    openpyxl,
    sheet_name,
)
from .workbook_read import Change, Imported, import_workbook, read_inputs

__all__ = ["write_workbook", "read_inputs", "import_workbook", "Change", "Imported",
           "check_path", "check_openpyxl", "SHEETS", "INPUTS", "ACCOUNTS", "RISK", "SWEEP",
           "CONTRACTS", "SCENARIO"]

#: The sheets' English names (:data:`SHEETS` has the Danish too).
INPUTS, ACCOUNTS, RISK, SWEEP, CONTRACTS, SCENARIO = (
    SHEETS[k][0] for k in ("inputs", "accounts", "risk", "sweep", "contracts", "scenario"))

#: Excel's number formats by kind of value, for a value and for its standard error.
_FORMATS = {"money": ("#,##0", "#,##0"), "share": ("0.0%", "0.00%"), "year": ("0.0", "0.00"),
            "number": ("0.00", "0.000")}
#: The longest text Excel keeps in a cell.
_CELL = 32_767

#: Accounts: (key path in the catalogue report, label, kind); a heading has no kind.
_ACCOUNT_ROWS: tuple[tuple[str, str, str], ...] = (
    ("Budget account (budgetøkonomisk), per average participant", "", ""),
    ("municipal_savings", "municipal savings, all sources", "money"),
    ("savings_by_source.ordinary_effort_saving", "  ordinary effort saved", "money"),
    ("savings_by_source.employment_saving", "  employment", "money"),
    ("savings_by_source.other_net_costs", "  other net costs", "money"),
    ("provider_cost", "provider's cost", "money"),
    ("budget_surplus", "budget surplus", "money"),
    ("Payment model", "", ""),
    ("investor_surplus_share", "investor's share of the surplus", "money"),
    ("payment_per_participant", "payment per participant", "money"),
    ("payment_per_employed", "payment per employed participant", "money"),
    ("investor_result", "investor's result", "money"),
    ("investor_return", "investor's return on outlay", "share"),
    ("municipal_account", "municipality's own account", "money"),
    ("Employment", "", ""),
    ("gross_employment", "gross employment", "share"),
    ("control_employment", "control employment (without the programme)", "share"),
    ("marginal_effect", "marginal effect", "share"),
    ("Break-even points", "", ""),
    ("breakeven.investor_gross_employment", "investor: gross employment", "share"),
    ("breakeven.marginal_effect", "budget surplus: marginal effect", "share"),
    ("breakeven.marginal_effect_municipality", "municipality: marginal effect", "share"),
    ("breakeven.decay_surplus", "budget surplus: decay of the effect", "share"),
    ("breakeven.decay_municipality", "municipality: decay of the effect", "share"),
    ("breakeven.ordinary_effort_saving_surplus", "budget surplus: ordinary effort saved",
     "share"),
    ("breakeven.ordinary_effort_saving_municipality", "municipality: ordinary effort saved",
     "share"),
    ("breakeven.municipal_payback_years", "municipality's payback, years", "year"),
    ("Welfare (samfundsøkonomisk)", "", ""),
    ("welfare_surplus", "welfare-economic surplus", "money"),
)


def check_openpyxl() -> None:
    """:class:`SibriskError` if openpyxl cannot be imported (call it before long work)."""
    openpyxl()


def check_path(path: str | os.PathLike[str]) -> Path:
    """``path`` if a workbook can be written there (an ``.xlsx`` name in an existing
    folder, and openpyxl installed); :class:`SibriskError` otherwise. Call it before
    long work, so a bad name fails at once."""
    openpyxl()
    path = Path(path)
    if path.suffix != ".xlsx":
        raise SibriskError(f"{path}: an Excel workbook must end in .xlsx")
    if not path.parent.exists():
        raise SibriskError(f"{path}: folder {path.parent} does not exist")
    return path


def _leaf(report: dict[str, Any], path: str) -> Any:
    node: Any = report
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def write_workbook(path: str | os.PathLike[str], scenario: Scenario, account: dict[str, Any],
                   risk: dict[str, Any] | None = None, *,
                   sweep: dict[str, Any] | None = None,
                   contracts: dict[str, Any] | None = None, lang: str = "en") -> Path:
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
    contracts : dict, optional
        :func:`sibrisk.risk.summarize_contracts` of a simulation with contracts: a sheet
        *Contracts*, a row per actor and measure, a column per contract (and its
        standard error).
    lang : {"en", "da"}
        Language of the sheets' names, labels and headings (:mod:`sibrisk.language`).
        The input keys and the measures' keys stay as they are, each in a column of its
        own, for formulas and scripts; :func:`import_workbook` reads either language.
    """
    xl = openpyxl()
    from openpyxl.styles import Font

    path = check_path(path)
    w = words(lang)
    bold = Font(bold=True)
    book = xl.Workbook()
    _inputs_sheet(book.active, scenario, path.name, lang, bold)
    _accounts_sheet(book.create_sheet(sheet_name("accounts", lang)), account, lang, bold)
    if risk is not None:
        sheet = book.create_sheet(sheet_name("risk", lang))
        sheet.append([w("Monte Carlo, {runs} runs, seed {seed}",
                        runs=numbers_for(lang).whole(risk["runs"]), seed=risk["seed"])
                      + f"; {risk['currency']}, {w(risk['valuation'])}"])
        _header(sheet, [w("measure"), w("value"), w("standard error"), w("key")], bold)
        for label, key, value, se, kind in _risk_rows(risk, lang):
            _measure_row(sheet, [label], value, se, kind, [key], lang)
        _widths(sheet, (58, 16, 16, 40))
    if contracts is not None:
        _contracts_sheet(book.create_sheet(sheet_name("contracts", lang)), contracts,
                         risk["currency"] if risk else scenario.currency, lang, bold)
    if sweep is not None:
        _sweep_sheet(book.create_sheet(sheet_name("sweep", lang)), sweep, scenario, lang, bold)
    _scenario_sheet(book.create_sheet(sheet_name("scenario", lang)), scenario, lang)
    return atomic_write(path, lambda tmp: book.save(tmp))


def _header(sheet: Any, cells: list[str], bold: Any) -> None:
    sheet.append(cells)
    for cell in sheet[sheet.max_row]:
        cell.font = bold


def _widths(sheet: Any, widths: tuple[int, ...]) -> None:
    from openpyxl.utils import get_column_letter

    for i, w in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = w


def _measure_row(sheet: Any, first: list[Any], value: Any, se: Any, kind: str,
                 last: list[Any], lang: str, errors: bool = True) -> None:
    """A measure's row: its label cells, its value (a year not within the horizon in
    words), its standard error (with ``errors``; left empty where none is estimated),
    then its keys."""
    if kind == "year" and value is None:
        value = numbers_for(lang).horizon
    if se is not None and (not isinstance(se, int | float) or se == 0):
        se = None
    sheet.append([*first, value, *([se] if errors else []), *last])
    row = sheet.max_row
    for col, fmt in zip((len(first) + 1, len(first) + 2)[: 1 + errors], _FORMATS[kind]):
        sheet.cell(row, col).number_format = fmt


# ---------------------------------------------------------------------------
# Inputs, and the scenario itself
# ---------------------------------------------------------------------------
def _input_rows(scenario: Scenario) -> Iterator[str]:
    for key in scenario.numeric_inputs():
        if key not in AGGREGATE_INPUTS:  # derived from the types: set those instead
            yield key


def _inputs_sheet(sheet: Any, scenario: Scenario, file: str, lang: str, bold: Any) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    w = words(lang)
    c = INPUT_COLUMNS
    sheet.title = sheet_name("inputs", lang)
    sheet.append([w("Scenario {name}", name=scenario.name)
                  + (f": {scenario.title}" if scenario.title else "")])
    sheet.append([w("Change a value (column B) or a distribution (its kind in column C, its "
                    "parameters in D-G in the order column H names; an empty kind makes the "
                    "input fixed), then: sibrisk scenario import {file}", file=file)])
    _header(sheet, [w("input"), w("value"), w("distribution"),
                    *(w("parameter {i}", i=i + 1) for i in range(PARAMETERS)),
                    w("parameters"), w("key")], bold)
    uncertain = scenario.uncertain_inputs
    kinds = DataValidation(type="list", formula1='"' + ",".join(KINDS) + '"', allow_blank=True)
    sheet.add_data_validation(kinds)
    for key in _input_rows(scenario):
        dist = uncertain.get(key)
        params = [int(v) if k in ("successes", "trials") else v
                  for k, v in (dist.params if dist else ())]
        row = [None] * c["key"]
        row[c["label"] - 1] = input_label(key, lang, scenario)
        row[c["value"] - 1] = scenario.get(key)
        row[c["kind"] - 1] = dist.kind if dist else None
        row[c["first_parameter"] - 1: c["first_parameter"] - 1 + len(params)] = params
        row[c["names"] - 1] = ", ".join(k for k, _ in dist.params) if dist else None
        row[c["key"] - 1] = key
        sheet.append(row)
        r = sheet.max_row
        kinds.add(sheet.cell(r, c["kind"]))
        if input_is_share(key):
            sheet.cell(r, c["value"]).number_format = "0.0%"
            for i, (name, _) in enumerate(dist.params if dist else ()):
                if name in ("low", "mode", "high", "mean", "sd"):
                    sheet.cell(r, c["first_parameter"] + i).number_format = "0.0%"
    sheet.freeze_panes = sheet.cell(FIRST_INPUT_ROW, 2)
    _widths(sheet, (62, 14, 14, 12, 12, 12, 12, 24, 44))


def _scenario_sheet(sheet: Any, scenario: Scenario, lang: str) -> None:
    """The scenario's TOML, a line a row (a line longer than a cell holds, over the next
    cells of its row), every cell text."""
    sheet.append([words(lang)("The scenario as a TOML file, a line a row: sibrisk scenario "
                              "import reads it back (change the inputs on the Inputs sheet)")])
    for line in scenario.to_toml().splitlines():
        parts = [line[i: i + _CELL] for i in range(0, len(line), _CELL)] or [""]
        sheet.append(parts)
        for cell in sheet[sheet.max_row]:
            cell.data_type = "s"  # text, even a line that starts with "="
    _widths(sheet, (120,))


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------
def _accounts_sheet(sheet: Any, account: dict[str, Any], lang: str, bold: Any) -> None:
    w = words(lang)
    sheet.append([f"{account['title']}", None, None])
    sheet.append([w("{currency}, {year} prices, {valuation}, {basis}",
                    currency=account["currency"], year=account["price_year"],
                    valuation=w(account["valuation"]), basis=w(account["basis"])), None, None])
    for key, label, kind in _ACCOUNT_ROWS:
        if not label:  # a heading
            sheet.append([])
            _header(sheet, [w(key)], bold)
            continue
        _measure_row(sheet, [w(label)], _leaf(account, key), None, kind, [key], lang,
                     errors=False)
    sheet.append([])
    _header(sheet, [w("Rates by participant type")], bold)
    for name, t in account["types"].items():
        _measure_row(sheet, [t["label"] or name], account["rates_by_type"][name], None,
                     "money", [f"rates_by_type.{name}"], lang, errors=False)
    _widths(sheet, (58, 16, 44))


def _risk_rows(risk: dict[str, Any], lang: str
               ) -> Iterator[tuple[str, str, float | None, float | None, str]]:
    """(label, key, value, standard error, kind) of every measure of a risk summary."""
    cur = risk.get("currency")
    for name, value in risk.items():
        if name.endswith("_se") or f"{name}_se" not in risk:
            continue
        se, kind = risk[f"{name}_se"], measure_kind(name)
        label = measure_label(name, lang, currency=cur)
        if isinstance(value, dict):
            for q, v in value.items():
                yield quantile_label(label, q, lang), f"{name} {q}", v, se.get(q), kind
        else:
            yield label, name, value, se, kind


def _contracts_sheet(sheet: Any, contracts: dict[str, Any], currency: str, lang: str,
                     bold: Any) -> None:
    """A row per measure (per actor), a value and a standard error per contract."""
    w = words(lang)
    names = list(contracts)
    sheet.append([w("Contracts side by side ({currency}, present value at t = 0)",
                    currency=currency) + "; " + w("the same simulated outcomes for each")])
    _header(sheet, [w("actor"), w("measure"),
                    *[x for n in names for x in (n, w("± {name}", name=n))],
                    w("actor key"), w("key")], bold)
    rows: dict[tuple[str, str, str | None], None] = {}
    for c in contracts.values():
        for name, v in c.items():
            if name != "actors" and not name.endswith("_se"):
                rows[("", name, None)] = None
        for actor, a in c["actors"].items():
            for name, v in a.items():
                if name.endswith("_se"):
                    continue
                for q in (v if isinstance(v, dict) else (None,)):
                    rows[(actor, name, q)] = None
    for actor, name, q in rows:
        kind = measure_kind(name)
        label = measure_label(name, lang, currency=currency)
        if q is not None:
            label = quantile_label(label, q, lang)
        cells: list[Any] = []
        for n in names:
            where = contracts[n]["actors"].get(actor) if actor else contracts[n]
            value = (where or {}).get(name)
            se = (where or {}).get(f"{name}_se")
            if q is not None:
                value, se = (value or {}).get(q), (se or {}).get(q)
            if kind == "year" and value is None and where and name in where:
                value = numbers_for(lang).horizon
            cells += [value, se if isinstance(se, int | float) and se else None]
        sheet.append([actor_label(actor, lang) if actor else "", label, *cells, actor,
                      name + (f" {q}" if q is not None else "")])
        r = sheet.max_row
        for j in range(len(names)):
            sheet.cell(r, 3 + 2 * j).number_format = _FORMATS[kind][0]
            sheet.cell(r, 4 + 2 * j).number_format = _FORMATS[kind][1]
    sheet.freeze_panes = sheet.cell(3, 3)
    _widths(sheet, (16, 52, *([16, 12] * len(names)), 14, 34))


def _sweep_sheet(sheet: Any, sweep: dict[str, Any], scenario: Scenario, lang: str,
                 bold: Any) -> None:
    """One row per point of the sweep: its axes' values, then every measure (quantiles
    and actors one column each) with its standard error beside it. Row 2 holds the
    labels, row 3 the keys (filtered, for scripts)."""
    w, f = words(lang), numbers_for(lang)
    points = sweep["points"]
    axes = list(points[0]["at"]) if points else list(sweep["axes"])
    cur = sweep.get("currency")
    columns: list[tuple[str, str, tuple[str, ...]]] = []  # (label, key, path in a summary)
    for name, value in (points[0]["summary"] if points else {}).items():
        if name.endswith("_se") or name == "outcome_stream":  # not a measure
            continue
        parts = [((name,), value)]
        while any(isinstance(v, dict) for _, v in parts):
            parts = [((*p, k), x) for p, v in parts for k, x in v.items()]
        for path, _ in parts:
            label = measure_label(name, lang, currency=cur)
            rest = list(path[1:])
            if rest and rest[0] in (points[0]["summary"].get("loss_probability") or {}):
                label = f"{label} ({actor_label(rest.pop(0), lang)})"
            if rest:
                label = quantile_label(label, rest[0], lang)
            key = " ".join(path)
            columns.append((label, key, path))
            se = (f"{path[0]}_se", *path[1:])
            if f"{path[0]}_se" in points[0]["summary"]:
                columns.append((w("± {name}", name=label), key + " SE", se))
    contract = sweep.get("contract")
    sheet.append([w("Sweep of scenario {scenario}", scenario=sweep["scenario"])
                  + (w(", contract {contract}", contract=contract) if contract else "")
                  + w(": {points} points, {runs} runs each, seed {seed}",
                      points=f.whole(sweep["point_count"]), runs=f.whole(sweep["runs_per_point"]),
                      seed=sweep["seed"]) + "; "
                  + w("{currency}, {year} prices, per cohort; ± one Monte Carlo standard error",
                      currency=sweep["currency"], year=sweep["price_year"])])
    _header(sheet, [*(input_label(a, lang, scenario) for a in axes),
                    *(label for label, _, _ in columns)], bold)
    _header(sheet, [*axes, *(key for _, key, _ in columns)], bold)
    for p in points:
        values = [p["at"][a] for a in axes]
        for _, key, path in columns:
            node: Any = p["summary"]
            for part in path:
                node = node.get(part) if isinstance(node, dict) else None
            if key.endswith(" SE") and node == 0:
                node = None  # none estimated
            elif measure_kind(path[0]) == "year" and node is None and not key.endswith(" SE"):
                node = f.horizon
            values.append(node)
        sheet.append(values)
        row = sheet.max_row
        for j, (_, key, path) in enumerate(columns, start=len(axes) + 1):
            sheet.cell(row, j).number_format = _FORMATS[measure_kind(path[0])][
                key.endswith(" SE")]
        for j, a in enumerate(axes, start=1):
            if input_is_share(a):
                sheet.cell(row, j).number_format = "0.0%"
    sheet.freeze_panes = sheet.cell(4, len(axes) + 1)
    if points:
        sheet.auto_filter.ref = sheet.dimensions.replace("A1", "A3")
    _widths(sheet, tuple(max(12, min(len(str(c.value or "")) + 2, 40)) for c in sheet[2]))
