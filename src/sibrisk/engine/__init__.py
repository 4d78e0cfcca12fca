"""The engine: drives the pipeline once, many times, or over a grid.

- :mod:`.simulate`: Monte Carlo runs of a scenario and its contracts;
- :mod:`.exact`: every possible outcome of a cohort, with its probability and money;
- :mod:`.sweep`: the risk summary at every point of a grid of inputs or terms;
- :mod:`.solve`: the input at which a risk measure meets a target;
- :mod:`.breakeven`: the input at which an account's output reaches a target;
- :mod:`.sensitivity`: which uncertain inputs move an output (tornado, Sobol').

The functions are ``sibrisk.simulate``, ``sibrisk.sweep``, ... (each module shares its
function's name, so this package re-exports nothing).
"""

from .._lazy import exports

__getattr__, __dir__ = exports(__name__, {})
