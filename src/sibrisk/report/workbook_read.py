"""Reading a workbook's edited inputs back (:func:`import_workbook`, :func:`read_inputs`).

The workbook carries its scenario (the *Scenario* sheet, its TOML a line a row), so
importing does not depend on where the scenario's file was, or on the folder sibrisk
runs in. The *Inputs* sheet's rows are matched by their key (its last column) and
compared with that scenario; what differs is applied, all at once, and listed.
Workbooks written before the *Scenario* sheet existed (B1 naming the scenario) are
still read, their file found beside the workbook first.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ScenarioError, SibriskError
from ..scenario.spec import Scenario, load_scenario
from ..scenario.uncertainty import KINDS
from .sheets import FIRST_INPUT_ROW, INPUT_COLUMNS, PARAMETERS, find_sheet, openpyxl

__all__ = ["Change", "Imported", "import_workbook", "read_inputs"]


@dataclass(frozen=True)
class Change:
    """One input changed in the workbook: its key, the cells it was read from, and its
    value or distribution before and after (as the scenario file writes them)."""

    key: str
    cells: str
    before: str
    after: str

    def __str__(self) -> str:
        return f"{self.key} ({self.cells}): {self.before} -> {self.after}"


@dataclass(frozen=True)
class Imported:
    """A workbook's scenario with its edits applied, and the edits."""

    scenario: Scenario
    changes: tuple[Change, ...]


def read_inputs(path: str | os.PathLike[str]) -> Scenario:
    """The scenario of a workbook with the inputs edited on its *Inputs* sheet:
    ``import_workbook(path).scenario`` (:func:`import_workbook`)."""
    return import_workbook(path).scenario


def _cell(col: int, row: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(col)}{row}"


def _rows(book: Any, name: str, where: str) -> list[tuple[Any, ...]]:
    """Every row of a sheet as values; a sheet that cannot be read (a truncated or
    corrupt file) is named with the last cell read."""
    rows: list[tuple[Any, ...]] = []
    try:
        for row in book[name].iter_rows(values_only=True):
            rows.append(tuple(row))
    except Exception as exc:  # noqa: BLE001 - any damage to the file, named in one line
        after = f" after cell A{len(rows)}" if rows else ""
        raise SibriskError(f"{where} sheet {name}{after}: cannot be read, the file is "
                           f"damaged ({type(exc).__name__}: {exc})") from None
    return rows


def import_workbook(path: str | os.PathLike[str]) -> Imported:
    """The scenario of a workbook, with the inputs as edited on its *Inputs* sheet.

    The scenario is the one the workbook was written from (its *Scenario* sheet).
    Each row of the *Inputs* sheet is an input, found by its key (column I); its
    value (column B), its distribution's kind (column C: empty for a fixed input) and
    parameters (columns D-G, in the order of :data:`sibrisk.uncertainty.KINDS`, as
    column H lists them) replace the scenario's where they differ (a number equal to
    the scenario's to the 15 significant digits Excel keeps is unchanged). A value
    changed keeps the input's distribution; a distribution's kind emptied makes the
    input fixed at the value; a kind given to a fixed input makes it uncertain. An
    input not listed keeps the scenario's value.

    Returns
    -------
    Imported
        ``scenario`` and ``changes``, one :class:`Change` per input changed.

    Raises
    ------
    SibriskError
        In one line naming the file, the sheet and the cell: a file that is not a
        workbook or is damaged, a missing sheet, an unknown or repeated key, a value
        that is not a number or not allowed, a distribution that is not one.
    """
    xl = openpyxl()
    path = Path(path)
    if not path.exists():
        raise SibriskError(f"{path}: no such file")
    try:
        book = xl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file, named
        raise SibriskError(f"{path}: not an Excel workbook, or a damaged one "
                           f"({type(exc).__name__}: {exc})") from None
    inputs = find_sheet(book, "inputs")
    if inputs is None:
        raise SibriskError(f"{path}: no sheet 'Inputs' (or 'Input'); sheets: "
                           + ", ".join(book.sheetnames))
    where = f"{path} sheet {inputs}"
    rows = _rows(book, inputs, str(path))
    toml = find_sheet(book, "scenario")
    if toml is None:
        return _previous_version(path, where, rows)
    lines = _rows(book, toml, str(path))[1:]
    text = "\n".join("".join(str(c) for c in row if c is not None) for row in lines) + "\n"
    scenario = Scenario.from_toml_text(text, source=f"{path} sheet {toml}")
    return _apply(scenario, rows, where)


# ---------------------------------------------------------------------------
# The Inputs sheet
# ---------------------------------------------------------------------------
def _same(a: Any, b: Any) -> bool:
    """Equal, numbers to the 15 significant digits Excel keeps."""
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool) \
            and not isinstance(b, bool):
        return f"{float(a):.15g}" == f"{float(b):.15g}"
    return a == b


def _number(value: Any, where: str, key: str, what: str) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float) \
            or not math.isfinite(value):
        raise SibriskError(f"{where}: {key}: {what} = {value!r}: must be a number")
    return int(value) if isinstance(value, float) and value.is_integer() and \
        what in ("successes", "trials") else value


def _shown(value: Any, dist: dict[str, Any] | None) -> str:
    """An input as the scenario file writes it: ``0.15`` or ``{dist = "pert", ...}``."""
    if dist is None:
        return f"{value:.15g}" if isinstance(value, float) else repr(value)
    params = ", ".join(f"{k} = {v:.15g}" if isinstance(v, float) else
                       f'{k} = "{v}"' if isinstance(v, str) else f"{k} = {v!r}"
                       for k, v in dist.items() if k != "dist")
    point = f"{value:.15g}" if isinstance(value, float) else repr(value)
    return f'{{value = {point}, dist = "{dist["dist"]}", {params}}}'


def _apply(scenario: Scenario, rows: list[tuple[Any, ...]], where: str) -> Imported:
    c = INPUT_COLUMNS
    uncertain = scenario.uncertain_inputs
    seen: dict[str, str] = {}
    changes: dict[str, Any] = {}
    found: list[Change] = []
    cells: dict[str, dict[str, str]] = {}  # key -> {"value": cell, "dist": cell, param: cell}
    for r, row in enumerate(rows[FIRST_INPUT_ROW - 1:], start=FIRST_INPUT_ROW):
        row = tuple(row) + (None,) * (c["key"] - len(row))
        key = row[c["key"] - 1]
        editable = row[c["value"] - 1: c["first_parameter"] - 1 + PARAMETERS]
        if key is None:
            if any(v is not None for v in editable):
                raise SibriskError(f"{where} cell {_cell(c['key'], r)}: a row with values "
                                   "has no key; give the input's key (as "
                                   "`sibrisk scenario inputs` lists them)")
            continue
        key = str(key).strip()
        here = f"{where} cell {_cell(c['key'], r)}"
        if key in seen:
            raise SibriskError(f"{here}: {key} is given twice (also cell {seen[key]}); keep "
                               "one row per input")
        seen[key] = _cell(c["key"], r)
        try:
            base = scenario.get(key)
        except SibriskError as exc:
            raise SibriskError(f"{here}: {exc}") from None
        if isinstance(base, bool) or not isinstance(base, int | float):
            raise SibriskError(f"{here}: {key} is not a numeric input; change it on the "
                               "Scenario sheet's TOML instead")
        at = {"value": _cell(c["value"], r), "dist": _cell(c["kind"], r)}
        value = _number(row[c["value"] - 1], f"{where} cell {at['value']}", key, "value")
        kind = row[c["kind"] - 1]
        kind = None if kind is None or str(kind).strip() in ("", "fixed") else \
            str(kind).strip()
        params = list(row[c["first_parameter"] - 1: c["first_parameter"] - 1 + PARAMETERS])
        dist = None
        if kind is not None:
            if kind not in KINDS:
                raise SibriskError(f"{where} cell {at['dist']}: {key}: distribution = "
                                   f"{kind!r}: must be one of {', '.join(KINDS)} (or empty: "
                                   "a fixed input)")
            required, optional = KINDS[kind]
            names = [*required, *optional]
            dist = {"dist": kind}
            for i, name in enumerate(names):
                at[name] = _cell(c["first_parameter"] + i, r)
                given = params[i]
                if given is None:
                    if name in optional:  # left empty: its default
                        dist[name] = optional[name]
                        continue
                    raise SibriskError(f"{where} cell {at[name]}: {key}: {kind} needs {name} "
                                       f"(its parameters, in order: {', '.join(names)})")
                dist[name] = str(given).strip() if name == "prior" else \
                    _number(given, f"{where} cell {at[name]}", key, name)
            for i in range(len(names), PARAMETERS):
                if params[i] is not None:
                    cell = _cell(c["first_parameter"] + i, r)
                    raise SibriskError(f"{where} cell {cell}: {key}: {kind} takes "
                                       f"{len(names)} parameters ({', '.join(names)}); "
                                       "empty this cell")
        cells[key] = at
        old = uncertain.get(key)
        old_dist = None if old is None else old.to_dict()
        value_changed = not _same(value, base)
        dist_changed = (dist is None) != (old_dist is None) or (
            dist is not None and (set(dist) != set(old_dist) or
                                  not all(_same(dist[k], old_dist[k]) for k in dist)))
        if not value_changed and not dist_changed:
            continue
        new_value = value if value_changed else base
        changes[key] = new_value if dist is None else {"value": new_value, **dist}
        what = [at["value"]] if value_changed else []
        if dist_changed:
            what.append(at["dist"] if dist is None else
                        f"{at['dist']}:{_cell(c['first_parameter'] + len(dist) - 2, r)}")
        if dist_changed:
            found.append(Change(key, ", ".join(what), _shown(base, old_dist),
                                _shown(new_value, dist)))
        else:  # the value alone: the distribution stays
            found.append(Change(key, ", ".join(what), _shown(base, None),
                                _shown(new_value, None)
                                + ("" if dist is None else f" (distribution kept: {kind})")))
    if not changes:
        return Imported(scenario, ())
    try:
        new = scenario.replace(changes)  # all at once: shares must sum to 1 together
    except ScenarioError as exc:
        raise SibriskError(_where_wrong(exc, where, cells)) from None
    except SibriskError as exc:
        raise SibriskError(f"{where}: {exc}") from None
    kept = {frozenset((a, b)) for a, b, _ in new.correlation}
    for a, b, rank in scenario.correlation:
        if frozenset((a, b)) not in kept:
            found.append(Change(f"correlation {a}, {b}", "Scenario sheet", f"rank {rank:g}",
                                "dropped (an input of the pair is now fixed)"))
    return Imported(new, tuple(found))


def _where_wrong(exc: ScenarioError, where: str, cells: dict[str, dict[str, str]]) -> str:
    """A scenario's complaint about the edited inputs, with the cell of the first problem
    found on the sheet."""
    for problem in exc.problems:
        key = problem.key.split(" ")[0]
        for input_key, at in cells.items():
            if key == input_key or key.startswith(input_key + "."):
                part = key[len(input_key) + 1:]
                cell = at.get(part) or (at["dist"] if part == "dist" else at["value"])
                return f"{where} cell {cell}: {exc}"
    return f"{where}: {exc}"


# ---------------------------------------------------------------------------
# Workbooks written before the Scenario sheet
# ---------------------------------------------------------------------------
def _previous_version(path: Path, where: str, rows: list[tuple[Any, ...]]) -> Imported:
    """A workbook of sibrisk 0.x without a *Scenario* sheet: B1 names the scenario (a
    built-in name, or a file found beside the workbook or from the current folder), the
    inputs are in columns A (key) and B (value); a changed value fixes the input."""
    if not rows or len(rows[0]) < 2 or rows[0][0] != "scenario" or not rows[0][1]:
        raise SibriskError(f"{path}: no sheet 'Scenario' with the scenario the inputs belong "
                           "to; write the workbook again with `sibrisk run --out DIR --xlsx`")
    name = str(rows[0][1])
    beside = path.parent / name
    try:
        scenario = load_scenario(beside if beside.is_file() else name)
    except SibriskError as exc:
        raise SibriskError(f"{where} cell B1: {exc}") from None
    changes: dict[str, Any] = {}
    found: list[Change] = []
    at: dict[str, dict[str, str]] = {}
    for r, row in enumerate(rows[3:], start=4):
        key, value = (tuple(row) + (None, None))[:2]
        if key is None and value is None:
            continue
        try:
            base = scenario.get(str(key))
        except SibriskError as exc:
            raise SibriskError(f"{where} cell A{r}: {exc}") from None
        if str(key) in at:
            raise SibriskError(f"{where} cell A{r}: {key} is given twice (also cell "
                               f"{at[str(key)]['value'].replace('B', 'A')}); keep one row per "
                               "input")
        value = _number(value, f"{where} cell B{r}", str(key), "value")
        at[str(key)] = {"value": f"B{r}", "dist": f"B{r}"}
        if not _same(value, base):
            changes[str(key)] = value
            found.append(Change(str(key), f"B{r}", _shown(base, None), _shown(value, None)))
    if not changes:
        return Imported(scenario, ())
    try:
        return Imported(scenario.replace(changes), tuple(found))
    except ScenarioError as exc:
        raise SibriskError(_where_wrong(exc, where, at)) from None
