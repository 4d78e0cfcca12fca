"""Reading input files (one way to read text, TOML and JSON, with one error path), and
writing any file whole or not at all (:func:`atomic_write`).

Every reader of a user's file (scenario, contract, outcomes, CSV data) goes through
:func:`read_text`, and the TOML and JSON ones through :func:`parse_data`, so every
file gets the same checks and the same kind of one-line error naming the file:

- missing, a folder, unreadable, larger than :data:`~sibrisk._limits.MAX_FILE_BYTES`;
- not UTF-8 text (UTF-16, as some Windows editors save "Unicode", is named as such),
  or holding NUL bytes (a binary file); a UTF-8 byte-order mark is accepted;
- not valid TOML or JSON, or nested deeper than :data:`~sibrisk._limits.MAX_DEPTH`
  levels (which would otherwise end in a ``RecursionError``);
- a whole number outside the 64-bit range TOML allows (Python would read it, and
  fail later where it meets a float);
- JSON's ``NaN`` and ``Infinity`` (Python writes them; they are not JSON).

:func:`kind_of` tells a scenario, a contract and an outcomes file apart, so that a
file given in the wrong place is named for what it is instead of failing with every
key it lacks.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import tomllib
from collections.abc import Callable, Mapping
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from ._limits import MAX_DEPTH, MAX_FILE_BYTES, size_text
from .errors import SibriskError

#: Anything the readers accept as a file: a path, or a file inside the package.
FileLike = str | os.PathLike | Traversable

#: ``fail(key, value, allowed)``: the error of a reader, naming its file. ``value``
#: ``None`` leaves the value out.
Fail = Callable[[str, Any, str], SibriskError]

_INT64 = (-(2**63), 2**63 - 1)


def source_name(path: FileLike) -> str:
    """How a file is named in messages: the path as given, or a package file's name."""
    if isinstance(path, str | os.PathLike):
        return os.fspath(path)
    return path.name


def read_text(path: FileLike, fail: Fail) -> str:
    """The text of a UTF-8 file (without a byte-order mark), or ``fail``'s error.

    Lines keep their endings (``\\r\\n`` included): the parsers accept both.
    """
    if isinstance(path, str | os.PathLike):
        name = os.fspath(path)
        if not str(name).strip():
            raise fail("file", None, "no file named (the path is empty)")
        if os.path.isdir(name):
            raise fail("file", None, "is a folder, not a file")
        try:
            with open(name, "rb") as f:
                data = f.read(MAX_FILE_BYTES + 1)
        except FileNotFoundError:
            raise fail("file", None, "no such file") from None
        except OSError as exc:
            raise fail("file", None, f"cannot be read ({exc.strerror or exc})") from None
    else:  # a file shipped inside the package
        data = path.read_bytes()
    if len(data) > MAX_FILE_BYTES:
        raise fail("file", None, f"is larger than {size_text(MAX_FILE_BYTES)}; an input "
                   "file of sibrisk is much smaller (is it the right file?)")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise fail("file", None, "is UTF-16 text; save it as UTF-8")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise fail("file", None, f"not UTF-8 text (byte 0x{data[exc.start]:02x} on line "
                   f"{line}); save it as UTF-8") from None
    if "\x00" in text:
        raise fail("file", None, "holds NUL bytes: a binary file, not text")
    return text


def parse_data(text: str, kind: str, fail: Fail) -> dict[str, Any]:
    """The table in TOML or JSON ``text`` (``kind`` ``"TOML"`` or ``"JSON"``), checked
    for depth and for whole numbers out of TOML's range."""
    try:
        if kind == "JSON":
            data = json.loads(text)  # NaN and Infinity: refused below, naming the key
        else:
            data = tomllib.loads(text)
    except RecursionError:
        raise fail(kind, None, f"nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:  # TOMLDecodeError, JSONDecodeError, a number too long
        raise fail(kind, None, f"not valid {kind} ({exc})") from None
    if not isinstance(data, dict):
        raise fail(kind, None, "must hold an object ({...}) at the top, not "
                   f"{'an array' if isinstance(data, list) else 'a single value'}")
    if not data:
        raise fail("file", None, "is empty (no keys)")
    _check_tree(data, kind, fail)
    return data


def _check_tree(data: dict[str, Any], kind: str, fail: Fail) -> None:
    """No nesting deeper than :data:`MAX_DEPTH`, no whole number beyond 64 bits (walked
    without recursion, so any depth is safe)."""
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack:
        node, key, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth >= MAX_DEPTH:
                raise fail(key or kind, None, f"nested deeper than {MAX_DEPTH} levels")
            items = node.items() if isinstance(node, dict) else enumerate(node)
            for k, v in items:
                sub = f"{key}[{k}]" if isinstance(node, list) else \
                    (f"{key}.{k}" if key else str(k))
                stack.append((v, sub, depth + 1))
        elif isinstance(node, int) and not isinstance(node, bool) \
                and not _INT64[0] <= node <= _INT64[1]:
            raise fail(key, node, "a whole number beyond the 64-bit range that TOML allows "
                       "(-2^63 to 2^63 - 1)")
        elif kind == "JSON" and isinstance(node, float) and not math.isfinite(node):
            raise fail(key, node, "NaN and Infinity are not numbers in JSON")


#: Top-level tables of a scenario file.
SCENARIO_TABLES = ("cohort", "types", "effect", "municipality", "provider", "discounting")


def kind_of(data: Any) -> str | None:
    """What a parsed file looks like: ``"scenario"``, ``"contract"``, ``"outcomes"``, or
    ``None`` if none of them (the reader then lists what is wrong)."""
    if not isinstance(data, Mapping):
        return None
    if "payments" in data:
        return "contract"
    if sum(k in data for k in SCENARIO_TABLES) >= 2:
        return "scenario"
    if "cohorts" in data and len(data) == 1:
        return "outcomes"
    return None


#: How each kind of file is given to the command line.
HOW_TO_GIVE = {
    "scenario": "give it as SCENARIO, e.g. sibrisk simulate SCENARIO.toml --contract "
                "CONTRACT.toml",
    "contract": "give it with --contract, e.g. sibrisk simulate --contract CONTRACT.toml, "
                "or to sibrisk settle CONTRACT.toml",
    "outcomes": "give it with --outcomes, e.g. sibrisk settle CONTRACT.toml --outcomes "
                "OUTCOMES.toml",
}


def wrong_kind(data: Any, expected: str, fail: Fail) -> None:
    """Fail if ``data`` is plainly another kind of file than ``expected``."""
    kind = kind_of(data)
    if kind is not None and kind != expected:
        raise fail("file", None, f"this looks like {_a(kind)} file, not {_a(expected)} file: "
                   f"{HOW_TO_GIVE[kind]}")


def _a(kind: str) -> str:
    return f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"


def atomic_write(path: Path, write: Callable[[str], None]) -> Path:
    """Write a file whole or not at all.

    ``write(tmp)`` writes a temporary file beside ``path``; it is given the
    mode a new file would have (the umask applied) and renamed into place
    only when complete. On any failure the temporary file is removed and the
    target is left as it was.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def json_value(x: float) -> float | None:
    """A number for JSON: a Python float, or ``None`` where it is not finite (JSON has
    no inf or NaN; every JSON answer of sibrisk writes its numbers through this)."""
    x = float(x)
    return x if math.isfinite(x) else None
