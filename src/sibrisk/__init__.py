"""sibrisk: price and stress-test outcome-based contracts (social impact bonds).

The public API is small and flat:

- :func:`load_scenario`, :func:`list_scenarios`, :class:`Scenario`: inputs;
- :func:`account`: the deterministic budget and welfare accounts;
- :func:`price_surplus_share`: the catalogue's payment model;
- :class:`Contract`, :func:`load_contract`, :func:`settle`: payment mechanisms,
  capital structures and every actor's cash flows for observed outcomes
  (``simulate(..., contracts=...)`` evaluates them on every run);
- :func:`tornado`, :func:`sobol`: which uncertain inputs move an output;
- :func:`solve`: the contract input at which a risk measure meets a target;
- :func:`sweep`: the risk summary at every point of a grid of inputs or terms;
- :func:`breakeven`: the value of an input at which an output reaches a target;
- :func:`simulate`, :func:`summarize`: Monte Carlo (or exact) distributions of
  what each actor gets, and their risk measures with standard errors.

Names are imported when first used (``import sibrisk`` itself loads no numerical
library), so the command line and scripts that need one function start fast.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

#: Public name -> the module that defines it.
_WHERE: dict[str, str] = {
    "Scenario": "scenario",
    "AGGREGATE_INPUTS": "scenario",
    "load_scenario": "scenario",
    "list_scenarios": "scenario",
    "account": "account",
    "breakeven": "account",
    "BreakEven": "account",
    "OUTPUTS": "schema",
    "simulate": "simulate",
    "summarize": "risk",
    "summary_to_dict": "risk",
    "SummaryTable": "report",
    "save": "files",
    "price_surplus_share": "contract",
    "SurplusShareTariff": "contract",
    "Contract": "contract",
    "load_contract": "contract",
    "settle": "settlement",
    "Settlement": "settlement",
    "tornado": "sensitivity",
    "sobol": "sensitivity",
    "solve": "solve",
    "Solution": "solve",
    "sweep": "sweep",
    "SibriskError": "errors",
    "ScenarioError": "errors",
    "ContractError": "errors",
    "BreakEvenError": "errors",
}

__all__ = [
    "Scenario",
    "AGGREGATE_INPUTS",
    "load_scenario",
    "list_scenarios",
    "account",
    "breakeven",
    "simulate",
    "summarize",
    "summary_to_dict",
    "SummaryTable",
    "save",
    "BreakEven",
    "OUTPUTS",
    "price_surplus_share",
    "SurplusShareTariff",
    "Contract",
    "load_contract",
    "settle",
    "Settlement",
    "ContractError",
    "tornado",
    "sobol",
    "solve",
    "Solution",
    "sweep",
    "SibriskError",
    "ScenarioError",
    "BreakEvenError",
    "__version__",
]


def __getattr__(name: str) -> Any:
    if name == "__version__":  # looked up when asked: importlib.metadata is slow to import
        from importlib.metadata import PackageNotFoundError, version

        try:
            value = version("sibrisk")
        except PackageNotFoundError:  # pragma: no cover - running from a source tree
            value = "0+unknown"
        globals()[name] = value
        return value
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'sibrisk' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # the next access is a plain lookup
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_WHERE, "__version__"})


class _Package(types.ModuleType):
    """The package, whose functions ``account``, ``simulate``, ``solve`` and ``sweep``
    share their names with the modules that define them: importing such a module
    (which makes it an attribute of the package) leaves the function in its place."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and _WHERE.get(name) == name:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


if TYPE_CHECKING:  # for type checkers and editors: the names as plain imports
    from .account import BreakEven, account, breakeven
    from .contract import Contract, SurplusShareTariff, load_contract, price_surplus_share
    from .errors import BreakEvenError, ContractError, ScenarioError, SibriskError
    from .files import save
    from .report import SummaryTable
    from .risk import summarize, summary_to_dict
    from .scenario import AGGREGATE_INPUTS, Scenario, list_scenarios, load_scenario
    from .schema import OUTPUTS
    from .sensitivity import sobol, tornado
    from .settlement import Settlement, settle
    from .simulate import simulate
    from .solve import Solution, solve
    from .sweep import sweep
