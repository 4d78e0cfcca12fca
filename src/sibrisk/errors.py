"""Exceptions raised by sibrisk for user mistakes.

Every error a user can cause derives from :class:`SibriskError`, so a caller
(the command line among them) can catch that one class and show its message,
which is always a single readable line.
"""

from __future__ import annotations

import reprlib
from dataclasses import dataclass

__all__ = ["SibriskError", "ScenarioError", "ContractError", "Problem", "BreakEvenError",
           "EvidenceError", "DataFileError", "one_line"]

#: Longest message, in characters: past it a message is cut (a value echoed whole, a
#: list of every column of a file, ...) and says so.
MAX_MESSAGE = 1000

#: Problems listed in one message; the rest are counted ("and 12 more").
MAX_PROBLEMS = 5

#: Longest value echoed in a message, in characters.
MAX_VALUE = 60


def one_line(text: str, limit: int = MAX_MESSAGE) -> str:
    """``text`` as one line of at most about ``limit`` characters.

    Line breaks (from a value or a file name) are shown as ``\\n``; a longer text is
    cut, and says how much was left out.
    """
    text = text.replace("\r", "\\r").replace("\n", "\\n")
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit:,} more characters)"


class SibriskError(ValueError):
    """Base class of the errors that a user's input can cause.

    Its message is always one line of at most :data:`MAX_MESSAGE` characters (and a
    note of how much was cut).
    """

    def __str__(self) -> str:
        return one_line(super().__str__())


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a scenario: where, what was given, what is allowed."""

    key: str
    value: object
    allowed: str

    def __str__(self) -> str:
        if self.value is _MISSING:
            return f"{self.key} is missing: {self.allowed}"
        if self.value is _NO_VALUE:
            return f"{self.key}: {self.allowed}"
        return f"{self.key} = {_show(self.value)}: {self.allowed}"


class _Missing:
    def __repr__(self) -> str:  # pragma: no cover - only seen while debugging
        return "<missing>"


_MISSING = _Missing()
_NO_VALUE = _Missing()


class _Repr(reprlib.Repr):
    """Short, bounded representations: nested values to two levels, long strings and
    lists cut, and whole numbers too long to print (Python refuses past 4,300 digits)
    by their size."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel = 2
        self.maxstring = self.maxother = self.maxlong = MAX_VALUE
        self.maxlist = self.maxtuple = self.maxdict = self.maxset = 4

    def repr_int(self, x: int, level: int) -> str:
        if x.bit_length() > 3 * MAX_VALUE:  # more than about 54 digits
            return f"<a whole number of about {int(x.bit_length() * 0.30103) + 1:,} digits>"
        return repr(x)

    def repr_str(self, x: str, level: int) -> str:
        if len(x) <= MAX_VALUE:
            return repr(x)
        # its start and its end (a path's file name is at its end)
        return repr(x[:MAX_VALUE // 2] + "..." + x[-MAX_VALUE // 3:]) + \
            f" ({len(x):,} characters)"

    def repr_dict(self, x: dict, level: int) -> str:
        # a small table in TOML's inline form, else {table}
        if level <= 0 or len(x) > self.maxdict:
            return "{table}"
        inline = "{" + ", ".join(f"{k} = {self.repr1(v, level - 1)}"
                                 for k, v in x.items()) + "}"
        return inline if len(inline) <= MAX_VALUE else "{table}"


_repr = _Repr()


def _show(value: object) -> str:
    """A value given by the user, as echoed in a message: short, one line, whatever its
    size or depth."""
    try:
        text = _repr.repr(value)
    except Exception:  # noqa: BLE001 - a value whose repr fails is shown by its type
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 2 * MAX_VALUE else text[:2 * MAX_VALUE - 3] + "..."


class ScenarioError(SibriskError):
    """A scenario (a TOML file, a dict or a replaced value) is not valid.

    Attributes
    ----------
    source : str
        Where the scenario came from: a file path, a built-in name or
        ``"<dict>"``.
    problems : tuple of Problem
        Every problem found, each naming the key, the value given and what
        is allowed.
    """

    def __init__(self, source: str, problems: list[Problem] | tuple[Problem, ...]):
        self.source = source
        self.problems = tuple(problems)
        if len(self.problems) == 1:
            text = f"{source}: {self.problems[0]}"
        else:
            shown = self.problems[:MAX_PROBLEMS]
            head = f"{source}: {len(self.problems)} problems: "
            tail = f"; and {len(self.problems) - len(shown)} more" \
                if len(self.problems) > len(shown) else ""
            text = head + "; ".join(str(p) for p in shown) + tail
            if len(text) > MAX_MESSAGE:  # each problem gets its share, the count is kept
                share = max((MAX_MESSAGE - len(head) - len(tail)) // len(shown) - 30, 40)
                text = head + "; ".join(one_line(str(p), share) for p in shown) + tail
        super().__init__(text)


class ContractError(ScenarioError):
    """A contract (a TOML file, a dict, or observed outcomes for it) is not valid.

    Same attributes as :class:`ScenarioError`: ``source`` (file, name or
    ``"<dict>"``) and ``problems`` (key, value given, what is allowed).
    """


class BreakEvenError(SibriskError):
    """No break-even value exists for the requested input in the allowed range."""


class EvidenceError(SibriskError):
    """Counts, rates or settings given to :mod:`sibrisk.evidence` (effects, power,
    sample sizes) or :mod:`sibrisk.progression` (questionnaire scores) are not valid."""


class DataFileError(EvidenceError):
    """A data file (participants, questionnaire answers) is not valid.

    The message names the file, the line, the column and the value, e.g.
    ``participants.csv, line 7, outcome = 'maybe': must be 0 or 1``.

    Attributes
    ----------
    source : str
        The file, as given.
    line : int or None
        The line of the file (1 is the first line, comments included); ``None`` for a
        problem with the file as a whole, such as a missing column.
    column : str or None
        The column's name in the header.

    ``value`` ``None`` leaves the value out of the message (a cell left empty, say).
    """

    def __init__(self, source: str, line: int | None, column: str | None, value: object,
                 allowed: str):
        self.source, self.line, self.column = source, line, column
        where = source if line is None else f"{source}, line {line}"
        if column is None:
            text = f"{where}: {allowed}"
        elif value is None:  # a problem with the cell as such (e.g. not answered)
            text = f"{where}, {column}: {allowed}"
        else:
            text = f"{where}, {column} = {_show(value)}: {allowed}"
        super().__init__(text)
