"""Stage 4 of the pipeline: the ledger, every actor's cash flows.

- :mod:`.tariff`: the catalogue's surplus-share tariff, priced on a scenario;
- :mod:`.discount`: discount factors and the effect profile;
- :mod:`.catalogue`: the catalogue's flows by source and year (the accounts' tables);
- :mod:`.settlement`: a contract bound to a scenario, settled on outcomes of any number
  of runs; the observed-outcomes reader;
- :mod:`.family`: many variants of one contract settled at once (sweeps);
- :mod:`.kernels`: the compiled kernels (samplers, settlement, per-actor statistics).
"""

from .._lazy import exports

__getattr__, __dir__ = exports(__name__, {
    "Ledger": "catalogue", "FLOWS": "catalogue", "build_ledger": "catalogue",
    "payback_year": "catalogue", "settle_expected": "catalogue",
    "point_parameters": "catalogue", "PARAM_KEYS": "catalogue",
})
