"""The reports' layout: a report is a list of blocks (headings, lines of text, tables),
rendered as plain text in :data:`WIDTH` columns for the terminal or as HTML with real
``<table>`` elements for the report page.

The reports build their blocks from the numbers of the library (each number already
formatted by :class:`sibrisk.language.Numbers`), so the terminal and the page show
the same cells.
"""

from __future__ import annotations

import html
import re
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

__all__ = ["WIDTH", "Heading", "Text", "Table", "Block", "text", "to_html", "fit", "table"]

#: Columns of a terminal: every table and line of text fits in them.
WIDTH = 80
#: A number and its unit, kept on one line when prose is wrapped.
_GLUE = re.compile(r"\d (?:%|pp|%-point)(?=\W|$)|± \S")
_KEEP = "\x00"
#: The narrowest a table's first column (its labels) gets before the table is split.
_LEAST_LABEL = 16


@dataclass(frozen=True)
class Heading:
    """A heading (a title at ``level`` 1, a table's caption at 2)."""

    text: str
    level: int = 2


@dataclass(frozen=True)
class Text:
    """A line (or paragraph) of prose, wrapped at :data:`WIDTH` in the terminal."""

    text: str
    indent: str = ""


@dataclass(frozen=True)
class Table:
    """A table: rows of cells (text), the first column left-aligned and the others
    right-aligned. ``header``: the first row is the columns' headings; ``keys``: the
    columns repeated when a table too wide for the terminal is split."""

    rows: Sequence[tuple[str, ...]]
    header: bool = False
    keys: int = 1
    indent: str = "  "
    notes: tuple[str, ...] = field(default=())


Block = Heading | Text | Table


def text(blocks: Iterable[Block | None]) -> str:
    """The blocks as plain text: a blank line before each heading but the first, prose
    wrapped, tables laid out in :data:`WIDTH` columns."""
    lines: list[str] = []
    for block in blocks:
        if block is None:
            continue
        if isinstance(block, Heading):
            if lines:
                lines.append("")
            lines.append(block.text)
        elif isinstance(block, Text):
            lines.append(block.indent + block.text if block.text else "")
        else:
            lines += table(block.rows, block.indent, header=block.header, keys=block.keys)
            lines += [block.indent + note for note in block.notes]
    return fit(lines)


def to_html(blocks: Iterable[Block | None], heading: int = 3) -> str:
    """The blocks as HTML: headings as ``<h3>`` (``heading``: the level of a caption), prose
    as ``<p>``, tables as ``<table>`` with ``<th>`` headings and numbers aligned right
    (copied into a spreadsheet, each cell lands in a cell of its own)."""
    e = html.escape
    out: list[str] = []
    for block in blocks:
        if block is None:
            continue
        if isinstance(block, Heading):
            level = heading - 1 if block.level == 1 else heading
            out.append(f"<h{level}>{e(block.text)}</h{level}>")
        elif isinstance(block, Text):
            if block.text:
                out.append(f"<p>{e(block.text.strip())}</p>")
        else:
            rows = list(block.rows)
            parts = ["<table>"]
            if block.header and rows:
                parts.append("<thead><tr>" + "".join(f"<th>{e(c)}</th>" for c in rows[0])
                             + "</tr></thead>")
                rows = rows[1:]
            parts.append("<tbody>")
            width = max((len(r) for r in rows), default=1)
            for row in rows:
                if len(row) == 1:  # a group's heading
                    parts.append(f'<tr><th colspan="{width}" class="group">{e(row[0])}</th>'
                                 "</tr>")
                    continue
                depth = len(row[0]) - len(row[0].lstrip(" "))
                first = (f'<th scope="row" class="sub">{e(row[0].strip())}</th>' if depth
                         else f'<th scope="row">{e(row[0])}</th>')
                parts.append("<tr>" + first + "".join(f"<td>{e(c)}</td>" for c in row[1:])
                             + "</tr>")
            parts.append("</tbody></table>")
            out.append("".join(parts))
            out += [f'<p class="note">{e(note.strip())}</p>' for note in block.notes]
    return "\n".join(out)


def table(rows: Sequence[tuple[str, ...]], indent: str = "  ", *, header: bool = False,
          keys: int = 1, split: bool = True) -> list[str]:
    """A table in :data:`WIDTH` columns: the first column left-aligned, the others
    right-aligned. Labels too long are wrapped, the values on their last line.

    A table still too wide has, in turn: its header's words (the first row, if
    ``header``) set on several lines; its columns one space apart instead of two;
    and then it is split into tables of the columns that fit, each repeating the
    first ``keys`` columns. A cell wider than the terminal is kept whole (the line is
    then longer than :data:`WIDTH`): any value renders.
    """
    rows = [tuple(r) for r in rows]
    body = rows[1:] if header else rows
    cells = [r for r in body if len(r) > 1]  # a row of one cell is a group's heading
    if not body:
        return []
    if not cells:
        return [line for r in body for line in ("", indent[:-2] + r[0])][1:]
    n = len(cells[0])
    top = rows[:1] if header else []
    whole = [max(len(r[i]) for r in top + cells) for i in range(n)]
    # narrowest a column can be: its values, and the longest word of its header
    narrow = [max([len(r[i]) for r in cells] + ([max(map(len, rows[0][i].split()), default=0)]
                                                if header else [])) for i in range(n)]
    room, least = WIDTH - len(indent), min(whole[0], _LEAST_LABEL)
    for widths, gap in ((whole, 2), (narrow, 2), (narrow, 1)):
        values = sum(widths[1:]) + gap * (n - 1)
        if least + values <= room:
            break
    else:
        if split and n - keys > 1:
            return _split(rows, indent, header, keys, narrow, room)
    label = max(min(widths[0], room - values), least, 1)
    lines = []
    if header:  # each header cell wrapped to its width, set on the header's last line
        cells = [textwrap.wrap(c, max(w, 1), break_on_hyphens=False) or [""]
                 for c, w in zip(rows[0], [label, *widths[1:]], strict=True)]
        depth = max(map(len, cells))
        cells = [[""] * (depth - len(c)) + c for c in cells]
        lines += [_line([c[k] for c in cells], label, widths, gap, indent) for k in range(depth)]
    for r in body:
        if len(r) == 1:  # a group's heading, on a line of its own after a blank one
            lines += ["", indent[:-2] + r[0]]
            continue
        lead = len(r[0]) - len(r[0].lstrip(" "))
        wrapped = textwrap.wrap(r[0], label, break_on_hyphens=False,
                                subsequent_indent=" " * min(lead, label - 1)) or [""]
        lines += [indent + line for line in wrapped[:-1]]
        lines.append(_line([wrapped[-1], *r[1:]], label, widths, gap, indent))
    return lines


def _line(cells: list[str], label: int, widths: list[int], gap: int, indent: str) -> str:
    return indent + (" " * gap).join([cells[0].ljust(label)] + [
        c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]).rstrip()


def _split(rows: list[tuple[str, ...]], indent: str, header: bool, keys: int,
           widths: list[int], room: int) -> list[str]:
    """A table too wide for ``room`` as several tables, each with the first ``keys``
    columns and as many others as fit."""
    key_width = sum(widths[:keys]) + 2 * (keys - 1)
    groups: list[list[int]] = [[]]
    used = key_width
    for i in range(keys, len(widths)):
        if groups[-1] and used + 2 + widths[i] > room:
            groups.append([])
            used = key_width
        groups[-1].append(i)
        used += 2 + widths[i]
    out: list[str] = []
    for group in groups:
        part = [r if len(r) == 1 else tuple(r[:keys]) + tuple(r[i] for i in group)
                for r in rows]
        out += [""] * bool(out) + table(part, indent, header=header, keys=keys, split=False)
    return out


def fit(lines: list[str]) -> str:
    """The lines as text, each line of prose longer than :data:`WIDTH` wrapped at words,
    its continuation indented two more than the line. A row of a table (two or more
    gaps of two spaces between its words) is left whole: wrapped, its columns would no
    longer line up."""
    out = []
    for line in lines:
        if len(line) <= WIDTH or len(re.findall(r"\S {2,}(?=\S)", line)) >= 2:
            out.append(line)
            continue
        lead = " " * (len(line) - len(line.lstrip()))
        glued = _GLUE.sub(lambda m: m.group().replace(" ", _KEEP), line)  # "12.5 %" whole
        out += [part.replace(_KEEP, " ") for part in textwrap.wrap(
            glued, WIDTH, initial_indent="", subsequent_indent=lead + "  ",
            break_on_hyphens=False)] or [line]
    return "\n".join(out) + "\n"
