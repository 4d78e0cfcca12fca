"""Limits that inputs are checked against before any work starts.

Light on purpose (no numpy): the command line's argument types use it too.

- The memory a simulation or a sweep would take is estimated from its size before
  anything is allocated, and refused above :func:`memory_limit` with both numbers,
  instead of failing deep inside numpy (or making the machine swap for hours).
- Input files are read whole: a file beyond :data:`MAX_FILE_BYTES` is refused, and
  so is a TOML or JSON file nested deeper than :data:`MAX_DEPTH` levels (no
  scenario, contract or outcomes file needs more than five).
"""

from __future__ import annotations

import os

from .errors import SibriskError

#: Largest input file (scenario, contract, outcomes, CSV data) read, in bytes.
MAX_FILE_BYTES = 256 * 2**20

#: Deepest nesting of tables and arrays in a TOML or JSON input file.
MAX_DEPTH = 32

#: The memory limit where the machine's cannot be found out (Windows, some containers).
_FALLBACK_LIMIT = 16 * 2**30


def memory_limit() -> int:
    """The most memory, in bytes, that one simulation or sweep may ask for: the machine's
    physical memory (its total; what else runs is not known in advance)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # no sysconf, or no such name here
        return _FALLBACK_LIMIT
    return total if total > 0 else _FALLBACK_LIMIT


def size_text(nbytes: float) -> str:
    """A number of bytes for people: ``'745 GiB'``, ``'1.5 MiB'``."""
    for unit, scale in (("EiB", 2**60), ("PiB", 2**50), ("TiB", 2**40), ("GiB", 2**30),
                        ("MiB", 2**20), ("KiB", 2**10)):
        if nbytes >= scale:
            value = nbytes / scale
            if value >= 1e6:
                return f"over a million {unit}"
            return f"{value:,.{0 if value >= 10 else 1}f} {unit}"
    return f"{nbytes:,.0f} bytes"


def check_memory(what: str, need: float, advice: str) -> None:
    """Refuse a task whose arrays would take more than :func:`memory_limit`.

    Parameters
    ----------
    what : str
        The task and its size, e.g. ``"runs = 1,000,000,000"``.
    need : float
        The estimate, in bytes.
    advice : str
        What to do instead, e.g. ``"give fewer runs"``.

    Raises
    ------
    SibriskError
        Naming the task, the estimate and the limit.
    """
    limit = memory_limit()
    if need > limit:
        raise SibriskError(f"{what}: would need about {size_text(need)} of memory, more than "
                           f"the {size_text(limit)} of this machine; {advice}")
