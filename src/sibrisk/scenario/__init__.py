"""Stage 1 of the pipeline: the scenario, every input of an outcome contract.

- :mod:`.spec`: the typed, validated, immutable :class:`Scenario`, read from and
  written to TOML, and the built-in scenarios (``builtin/``);
- :mod:`.uncertainty`: distributions of uncertain inputs, evidence, rank correlation;
- :mod:`._quantile`: the tabulated quantile functions the draws invert.

The package's names load at first use (``sibrisk.scenario.load_scenario``).
"""

from .._lazy import exports

__getattr__, __dir__ = exports(__name__, {
    "Scenario": "spec", "load_scenario": "spec", "list_scenarios": "spec",
    "AGGREGATE_INPUTS": "spec", "spec_of": "spec", "ParticipantType": "spec",
    "Cohort": "spec", "Discounting": "spec", "Effect": "spec", "Municipality": "spec",
    "Provider": "spec", "ContractTerms": "spec", "Welfare": "spec",
    "Distribution": "uncertainty", "KINDS": "uncertainty", "PRIORS": "uncertainty",
})
