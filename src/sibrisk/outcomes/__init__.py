"""Stage 2 of the pipeline: outcomes, who reaches what.

- :mod:`.expected`: the expected outcomes of a scenario (the deterministic account);
- every possible outcome of a cohort with its probability is enumerated by
  :mod:`sibrisk.engine.exact`;
- drawn outcomes are drawn run by run by the engine (:mod:`sibrisk.engine.simulate`)
  with the samplers of :mod:`sibrisk.ledger.kernels`;
- observed outcomes are read by :func:`sibrisk.ledger.settlement.read_outcomes`.
"""

from .._lazy import exports

__getattr__, __dir__ = exports(__name__, {
    "Outcomes": "expected", "expected_outcomes": "expected", "BASES": "expected",
})
