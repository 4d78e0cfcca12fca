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
import importlib.abc
import importlib.util
import sys
import types
import warnings
from typing import TYPE_CHECKING, Any

#: Public name -> the module that defines it (the pipeline's stages are subpackages).
_WHERE: dict[str, str] = {
    "Scenario": "scenario.spec",
    "AGGREGATE_INPUTS": "scenario.spec",
    "load_scenario": "scenario.spec",
    "list_scenarios": "scenario.spec",
    "account": "metrics.account",
    "breakeven": "engine.breakeven",
    "BreakEven": "engine.breakeven",
    "OUTPUTS": "metrics.schema",
    "simulate": "engine.simulate",
    "summarize": "metrics.risk",
    "summary_to_dict": "metrics.risk",
    "SummaryTable": "report.catalogue",
    "save": "report.netcdf",
    "price_surplus_share": "ledger.tariff",
    "SurplusShareTariff": "ledger.tariff",
    "Contract": "contract.terms",
    "load_contract": "contract.terms",
    "settle": "ledger.settlement",
    "Settlement": "ledger.settlement",
    "tornado": "engine.sensitivity",
    "sobol": "engine.sensitivity",
    "solve": "engine.solve",
    "Solution": "engine.solve",
    "sweep": "engine.sweep",
    "SibriskError": "errors",
    "ScenarioError": "errors",
    "ContractError": "errors",
    "BreakEvenError": "errors",
}

#: Modules of the flat layout of sibrisk 0.1 and where they are now: importing an old
#: name still works, with a DeprecationWarning, for one release. The public modules
#: ``plot``, ``workbook``, ``power``, ``progression``, ``language`` and ``labels`` keep
#: their short names without a warning.
_MOVED: dict[str, str] = {
    "scenario": "scenario.spec", "uncertainty": "scenario.uncertainty",
    "outcomes": "outcomes.expected", "exact": "engine.exact",
    "contract": "contract.terms", "discount": "ledger.discount",
    "settlement": "ledger.settlement",
    "schema": "metrics.schema", "account": "metrics.account", "risk": "metrics.risk",
    "simulate": "engine.simulate", "sweep": "engine.sweep", "solve": "engine.solve",
    "sensitivity": "engine.sensitivity", "report": "report.catalogue",
    "html_report": "report.html", "files": "report.netcdf",
}
_PUBLIC_MODULES: dict[str, str] = {
    "plot": "report.plot", "workbook": "report.workbook", "power": "evidence.power_analysis",
    "progression": "evidence.progression", "language": "report.language",
    "labels": "report.labels",
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


#: The pipeline's stages (and the rest), loaded when first used as attributes
#: (``sibrisk.ledger.stats`` works after a bare ``import sibrisk``).
_SUBPACKAGES = ("scenario", "outcomes", "contract", "ledger", "metrics", "engine",
                "evidence", "report", "cli", "errors")


def __getattr__(name: str) -> Any:
    if name in _SUBPACKAGES:
        value = importlib.import_module(f".{name}", __name__)
        globals()[name] = value
        return value
    if name in _PUBLIC_MODULES:
        value = importlib.import_module(f".{_PUBLIC_MODULES[name]}", __name__)
        globals()[name] = value
        return value
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
    return sorted({*globals(), *_WHERE, *_SUBPACKAGES, *_PUBLIC_MODULES, "__version__"})


class _Package(types.ModuleType):
    """The package, whose functions ``account``, ``simulate``, ``solve`` and ``sweep``
    share their names with modules of sibrisk 0.1: importing such an old module name
    (which makes it an attribute of the package) leaves the function in its place."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and name in _WHERE and name in _MOVED:
            value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
        super().__setattr__(name, value)


class _OldNames(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports of the flat layout's module names (``sibrisk.simulate``, ...) give the
    module's new home, with a DeprecationWarning for the names in :data:`_MOVED`."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        head, _, name = fullname.partition(".")
        if head == __name__ and (name in _MOVED or name in _PUBLIC_MODULES):
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec: Any) -> types.ModuleType:
        name = spec.name.partition(".")[2]
        if name in _MOVED:
            warnings.warn(f"sibrisk.{name} is now sibrisk.{_MOVED[name]}; the old name goes "
                          "in the next release", DeprecationWarning, stacklevel=2)
            return importlib.import_module(f".{_MOVED[name]}", __name__)
        return importlib.import_module(f".{_PUBLIC_MODULES[name]}", __name__)

    def exec_module(self, module: types.ModuleType) -> None:
        """The module is already executed: it is the one at its new home."""


sys.modules[__name__].__class__ = _Package
sys.meta_path.append(_OldNames())


if TYPE_CHECKING:  # for type checkers and editors: the names as plain imports
    from .contract.terms import Contract, load_contract
    from .engine.breakeven import BreakEven, breakeven
    from .engine.sensitivity import sobol, tornado
    from .engine.simulate import simulate
    from .engine.solve import Solution, solve
    from .engine.sweep import sweep
    from .errors import BreakEvenError, ContractError, ScenarioError, SibriskError
    from .ledger.settlement import Settlement, settle
    from .ledger.tariff import SurplusShareTariff, price_surplus_share
    from .metrics.account import account
    from .metrics.risk import summarize, summary_to_dict
    from .metrics.schema import OUTPUTS
    from .report.catalogue import SummaryTable
    from .report.netcdf import save
    from .scenario.spec import AGGREGATE_INPUTS, Scenario, list_scenarios, load_scenario
