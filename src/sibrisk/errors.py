"""Exceptions raised by sibrisk for user mistakes.

Every error a user can cause derives from :class:`SibriskError`, so a caller
(the command line among them) can catch that one class and show its message,
which is always a single readable line.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SibriskError", "ScenarioError", "ContractError", "Problem", "BreakEvenError"]


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
