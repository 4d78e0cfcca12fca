"""Exceptions raised by sibrisk for user mistakes.

Every error a user can cause derives from :class:`SibriskError`, so a caller
(the command line among them) can catch that one class and show its message,
which is always a single readable line.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SibriskError", "ScenarioError", "ContractError", "Problem", "BreakEvenError",
           "EvidenceError", "DataFileError"]


class SibriskError(ValueError):
    """Base class of the errors that a user's input can cause."""


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


def _show(value: object) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, dict):  # a small table in TOML's inline form, else {table}
        inline = "{" + ", ".join(f"{k} = {_show(v)}" for k, v in value.items()) + "}"
        return inline if len(inline) <= 60 else "{table}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


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
            text = f"{source}: {len(self.problems)} problems: " + "; ".join(
                str(p) for p in self.problems
            )
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
