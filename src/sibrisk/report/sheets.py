"""The layout of sibrisk's workbooks, shared by the writer (:mod:`sibrisk.workbook`) and
the reader of edited inputs (:mod:`sibrisk._workbook_read`): the sheets' names in
English and Danish, and the columns of the *Inputs* sheet."""

from __future__ import annotations

from typing import Any

__all__ = ["SHEETS", "sheet_name", "find_sheet", "INPUT_COLUMNS", "FIRST_INPUT_ROW",
           "PARAMETERS", "openpyxl"]

#: The sheets: key -> (English name, Danish name).
SHEETS: dict[str, tuple[str, str]] = {
    "inputs": ("Inputs", "Input"),
    "accounts": ("Accounts", "Regnskab"),
    "risk": ("Risk", "Risiko"),
    "contracts": ("Contracts", "Kontrakter"),
    "sweep": ("Sweep", "Gennemløb"),
    "scenario": ("Scenario", "Scenarie"),
}

#: The columns of the Inputs sheet (1 = A): the label, the point value, the
#: distribution's kind, its parameters (in the order of ``sibrisk.uncertainty.KINDS``),
#: the names of those parameters (a guide, not read), and the input's key.
INPUT_COLUMNS = {"label": 1, "value": 2, "kind": 3, "first_parameter": 4, "names": 8,
                 "key": 9}
#: The most parameters a distribution has (pert: low, mode, high, shape).
PARAMETERS = 4
#: Rows 1-2 say what the sheet is, row 3 holds the headings, the inputs start at row 4.
FIRST_INPUT_ROW = 4


def sheet_name(key: str, lang: str) -> str:
    """A sheet's name in ``lang``."""
    return SHEETS[key][lang == "da"]


def find_sheet(book: Any, key: str) -> str | None:
    """The name of a sheet of ``book`` by its key, in either language (``None`` if absent)."""
    return next((n for n in SHEETS[key] if n in book.sheetnames), None)


def openpyxl() -> Any:
    """The openpyxl module (:class:`SibriskError` naming the fix if it is missing)."""
    from ..errors import SibriskError

    try:
        import openpyxl as module
    except ImportError:
        raise SibriskError("Excel files need openpyxl, a dependency of sibrisk that is "
                           "missing here: pip install openpyxl") from None
    return module
