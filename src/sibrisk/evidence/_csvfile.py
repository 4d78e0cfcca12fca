"""Reading the rows of a CSV data file, keeping each row's line for error messages.

Shared by the readers of :mod:`sibrisk.evidence` (participants) and
:mod:`sibrisk.progression` (questionnaire answers). Lines that start with ``#``
are comments (a file can say where it came from); blank lines are skipped; the
first other line is the header. Column names are matched without case and
surrounding spaces. The cells are separated by commas, semicolons (as Excel saves
"CSV" where the decimal separator is a comma, e.g. in Denmark) or tabs: the header
line tells which. A UTF-8 byte-order mark (as Windows editors write) is accepted.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from .._io import FileLike, read_text, source_name
from ..errors import DataFileError

__all__ = ["FileLike", "Row", "Table", "read_table", "source_name"]

#: The separators a data file may use between cells.
DELIMITERS = ",;\t"


@dataclass(frozen=True, slots=True)
class Row:
    """One data row: its line in the file and its cells by (lower-case) column name."""

    line: int
    cells: dict[str, str]


@dataclass(frozen=True, slots=True)
class Table:
    """The rows of a data file, its columns in order, and its comment lines."""

    source: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    comments: tuple[str, ...]

    def error(self, line: int | None, column: str | None, value: object,
              allowed: str) -> DataFileError:
        return DataFileError(self.source, line, column, value, allowed)


def read_table(path: FileLike, required: tuple[str, ...]) -> Table:
    """Read a CSV file whose header has at least the ``required`` columns."""
    source = source_name(path)
    text = read_text(path, lambda key, value, allowed: DataFileError(source, None, None, None,
                                                                     allowed))
    comments: list[str] = []
    header: tuple[str, ...] | None = None
    rows: list[Row] = []
    for line, cells in _records(text, source):
        if cells and cells[0].lstrip().startswith("#"):
            comments.append(",".join(cells).lstrip()[1:].strip())
            continue
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            header = tuple(c.strip().lower() for c in cells)
            repeated = sorted({c for c in header if header.count(c) > 1})
            if repeated:
                raise DataFileError(source, line, None, None,
                                    "the header names a column twice: " + ", ".join(repeated))
            continue
        if len(cells) != len(header):
            raise DataFileError(source, line, None, None, f"{len(cells)} cells, but the header "
                                f"has {len(header)} columns")
        rows.append(Row(line, {h: c.strip() for h, c in zip(header, cells, strict=True)}))
    if header is None:
        raise DataFileError(source, None, None, None, "no header line; the first line must "
                            "name the columns: " + ", ".join(required))
    missing = [c for c in required if c not in header]
    if missing:
        raise DataFileError(source, None, None, None,
                            f"no column {', '.join(missing)} in the header; the columns must "
                            "include " + ", ".join(required))
    return Table(source, header, tuple(rows), tuple(comments))


def _records(text: str, source: str) -> Iterator[tuple[int, list[str]]]:
    """Each CSV record with the line on which it starts (1 for the first line)."""
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text))
    start = 1
    try:
        for cells in reader:
            yield start, cells
            start = reader.line_num + 1
    except csv.Error as exc:  # e.g. a cell beyond the csv module's field size limit
        raise DataFileError(source, start, None, None, f"not a CSV line ({exc})") from None


def _delimiter(text: str) -> str:
    """The separator of the header line (the first line that is neither blank nor a
    comment), as :class:`csv.Sniffer` finds it among :data:`DELIMITERS`; a comma if the
    header has a single column."""
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            try:
                return csv.Sniffer().sniff(line, delimiters=DELIMITERS).delimiter
            except csv.Error:
                return ","
    return ","
