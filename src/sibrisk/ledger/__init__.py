"""Stage 4 of the pipeline: the ledger, every actor's money.

- :mod:`.discount`: discount factors at year ends and at any date;
- :mod:`.savings`: the effect profile and the payers' savings (compiled, one rule);
- :mod:`.tariff`: the catalogue's surplus-share tariff, priced on a scenario;
- :mod:`.bind`: a contract bound to a scenario, its terms checked;
- :mod:`.program`: a contract's terms compiled into arrays (one or many variants);
- :mod:`.engine`: the settlement engine, every money rule of a contract, compiled;
- :mod:`.stats`: each actor's net present value, multiple, exposure, payback and IRR;
- :mod:`.outcome_data`: the outcomes a settlement reads (expected, observed);
- :mod:`.settlement`: :func:`~sibrisk.ledger.settlement.settle`, a contract settled on
  outcomes of any number of runs;
- :mod:`.family`: many variants of one contract settled at once (sweeps).
"""

from .._lazy import exports

__getattr__, __dir__ = exports(__name__, {
    "payback_year": "stats",
    # sibrisk 0.1's ``sibrisk.ledger`` module: its parameter vector is the scenario's now
    "point_parameters": "..scenario.params", "PARAM_KEYS": "..scenario.params",
})
