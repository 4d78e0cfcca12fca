"""Reading the rows of a CSV data file, keeping each row's line for error messages.

Shared by the readers of :mod:`sibrisk.evidence` (participants) and
:mod:`sibrisk.progression` (questionnaire answers). Lines that start with ``#``
are comments (a file can say where it came from); blank lines are skipped; the
first other line is the header. Column names are matched without case and
surrounding spaces.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path

from .errors import DataFileError

#: Anything the readers accept as a file: a path, or a file inside the package.
FileLike = str | os.PathLike | Traversable


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


def source_name(path: FileLike) -> str:
    """How a file is named in messages: the path as given, or a package file's name."""
    if isinstance(path, str | os.PathLike):
        return os.fspath(path)
    return path.name


def read_table(path: FileLike, required: tuple[str, ...]) -> Table:
    """Read a CSV file whose header has at least the ``required`` columns."""
    source = source_name(path)
    try:
        if isinstance(path, str | os.PathLike):
            text = Path(path).read_text(encoding="utf-8-sig")
        else:
            text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataFileError(source, None, None, None, "no such file") from None
    except UnicodeDecodeError:
        raise DataFileError(source, None, None, None, "not a UTF-8 text file (save the "
                            "table as CSV UTF-8)") from None
    comments: list[str] = []
    header: tuple[str, ...] | None = None
    rows: list[Row] = []
    for line, cells in _records(text):
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


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """Each CSV record with the line on which it starts (1 for the first line)."""
    reader = csv.reader(io.StringIO(text))
    start = 1
    for cells in reader:
        yield start, cells
        start = reader.line_num + 1
