"""Compiled kernels, compiled only when a path needs them (private).

The kernel modules write ``from ._jit import njit, prange`` and decorate plain
Python functions as they would with numba's own ``njit``. The decorator records
the function and numba's options and returns a :class:`Kernel`; numba itself is
imported, and every recorded function handed to it, only when a kernel is first
called in compiled mode. Until then the module globals hold the kernels, and
afterwards numba's dispatchers, so compiled kernels call each other natively.

Inside ``with interpreted():`` a kernel runs as the plain Python function it was
written as, calling the other kernels the same way. The deterministic account
settles one row of expected outcomes so: by the very rules every Monte Carlo run
uses, without paying for numba's start-up (about half a second) on the command
line's fastest commands.

:func:`on_first_compile` sets what to do when numba compiles for the first time
in the process (rather than loading a kernel from its on-disk cache): the
command line says so on standard error, since the first compilation takes a
minute.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

#: Whether numba keeps compiled kernels on disk (``SIBRISK_NUMBA_CACHE=0`` switches it off:
#: numba's cache can race between processes that compile at the same moment; numba
#: issues 4807 and 10128).
CACHE = os.environ.get("SIBRISK_NUMBA_CACHE", "1") != "0"

__all__ = ["CACHE", "njit", "prange", "Kernel", "cython_special", "interpreted", "compile_all",
           "on_first_compile"]

#: Every kernel, in the order defined, and the modules that define them.
_KERNELS: list[Kernel] = []
_MODULES: set[str] = set()
_LOCK = threading.Lock()
_STATE = threading.local()
_listening = False
_notice: Callable[[], None] | None = None
_noticed = False


def prange(*args: int) -> range:
    """``range`` in Python; numba's parallel range in a compiled kernel."""
    return range(*args)


class Kernel:
    """A function to be compiled by numba with ``options``, or run as plain Python."""

    def __init__(self, func: Callable[..., Any], options: dict[str, Any]) -> None:
        self.py_func = func
        self.options = options
        self.dispatcher: Any = None
        self.__name__ = func.__name__
        self.__qualname__ = func.__qualname__
        self.__doc__ = func.__doc__
        self.__module__ = func.__module__
        self.__wrapped__ = func

    def __call__(self, *args: Any) -> Any:
        if getattr(_STATE, "interpreted", False):
            return self.py_func(*args)
        if self.dispatcher is None:
            compile_all()
        return self.dispatcher(*args)

    def __repr__(self) -> str:
        state = "compiled" if self.dispatcher is not None else "not yet compiled"
        return f"<sibrisk kernel {self.__qualname__} ({state})>"


class CythonSpecial:
    """A function of ``scipy.special.cython_special`` that kernels call: ``name(*args, 0)``
    (the last argument is Cython's dispatch flag). In Python, scipy.special's ufunc of
    the same name; compiled, the Cython function itself, called through a symbol
    registered with LLVM when numba is first used (not an address baked into the
    code, so the kernels that call it stay cacheable on disk)."""

    def __init__(self, name: str, exported: str, arity: int) -> None:
        self.name, self.exported, self.arity = name, exported, arity
        self.external: Any = None

    def __call__(self, *args: Any) -> float:
        import scipy.special

        return float(getattr(scipy.special, self.name)(*args[: self.arity]))

    def compiled(self) -> Any:
        if self.external is None:
            import llvmlite.binding as llvm
            from numba import types
            from numba.extending import get_cython_function_address

            symbol = f"sibrisk_scipy_{self.name}"
            llvm.add_symbol(symbol, get_cython_function_address(
                "scipy.special.cython_special", self.exported))
            self.external = types.ExternalFunction(
                symbol, types.float64(*([types.float64] * self.arity), types.intc))
        return self.external


def cython_special(name: str, exported: str, arity: int) -> CythonSpecial:
    """A function of ``scipy.special.cython_special`` for kernels: ``name`` in
    scipy.special, ``exported`` in cython_special's C API, taking ``arity`` doubles."""
    return CythonSpecial(name, exported, arity)


def njit(*args: Any, **options: Any) -> Any:
    """Record a kernel: ``@njit`` or ``@njit(cache=..., nogil=..., ...)`` as in numba."""
    if args and callable(args[0]) and not options:
        return _record(args[0], {})
    return lambda func: _record(func, options)


def _record(func: Callable[..., Any], options: dict[str, Any]) -> Kernel:
    kernel = Kernel(func, options)
    with _LOCK:
        _KERNELS.append(kernel)
        _MODULES.add(func.__module__)
    return kernel


def compile_all() -> None:
    """Hand every recorded kernel to numba (each is compiled, or loaded from numba's
    cache, at its first call with a new signature) and put numba's dispatchers in place
    of the kernels in their modules' globals. Kernels of modules imported later are
    handed over at their first compiled call."""
    global _listening
    with _LOCK:
        import numba

        if not _listening:
            _listen()
            _listening = True
        for kernel in _KERNELS:
            if kernel.dispatcher is None:
                kernel.dispatcher = numba.njit(**kernel.options)(kernel.py_func)
        for name in _MODULES:
            space = vars(sys.modules[name])
            for key, value in list(space.items()):
                if isinstance(value, Kernel):
                    space[key] = value.dispatcher
                elif isinstance(value, CythonSpecial):
                    space[key] = value.compiled()
                elif value is prange:
                    space[key] = numba.prange


@contextlib.contextmanager
def interpreted() -> Iterator[None]:
    """Run kernels called in this thread as plain Python (see the module's docstring)."""
    before = getattr(_STATE, "interpreted", False)
    _STATE.interpreted = True
    try:
        yield
    finally:
        _STATE.interpreted = before


def on_first_compile(notice: Callable[[], None] | None) -> None:
    """Call ``notice()`` (once per process) when numba starts compiling a kernel that is
    not in its on-disk cache; ``None`` stops it."""
    global _notice
    _notice = notice


def _listen() -> None:
    from numba.core import event

    class _FirstCompile(event.Listener):
        def on_start(self, ev: Any) -> None:
            global _noticed
            if _notice is not None and not _noticed:
                _noticed = True
                _notice()

        def on_end(self, ev: Any) -> None:
            pass

    event.register("numba:compile", _FirstCompile())
