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
"""

from importlib.metadata import PackageNotFoundError, version

from .account import OUTPUTS, BreakEven, account, breakeven
from .contract import Contract, SurplusShareTariff, load_contract, price_surplus_share
from .errors import BreakEvenError, ContractError, ScenarioError, SibriskError
from .files import save
from .report import SummaryTable
from .risk import summarize, summary_to_dict
from .scenario import AGGREGATE_INPUTS, Scenario, list_scenarios, load_scenario
from .sensitivity import sobol, tornado
from .settlement import Settlement, settle
from .simulate import simulate
from .solve import Solution, solve
from .sweep import sweep

try:
    __version__ = version("sibrisk")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

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
