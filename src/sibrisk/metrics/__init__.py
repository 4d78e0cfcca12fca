"""Stage 5 of the pipeline: metrics, what the money means to each actor.

- :mod:`.schema`: the names, units and meanings of every output (a light module);
- :mod:`.account`: the deterministic budget and welfare accounts;
- :mod:`.risk`: risk summaries of a simulation, each measure with its standard error.
"""

from .._lazy import exports

__getattr__, __dir__ = exports(__name__, {})
