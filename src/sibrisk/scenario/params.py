"""The scenario's inputs that the compiled engine reads run by run: the parameter vector.

Every uncertain input that changes money (savings, costs, welfare factors, the effect
profile) has a column; a run's vector holds the scenario's point values except where
the run has drawn its own value.
"""

from __future__ import annotations

import operator

import numpy as np

from .spec import Scenario

__all__ = ["PARAM_KEYS", "N_PARAMS", "point_parameters", "P_SAVING", "P_EFFORT_COST",
           "P_EFFORT_SHARE", "P_OTHER", "P_COST", "P_PRODUCTION", "P_NAF", "P_EPS", "P_DECAY",
           "P_PERSISTENT", "P_FULL_YEARS", "P_HORIZON"]

(P_SAVING, P_EFFORT_COST, P_EFFORT_SHARE, P_OTHER, P_COST, P_PRODUCTION, P_NAF, P_EPS,
 P_DECAY, P_PERSISTENT, P_FULL_YEARS, P_HORIZON) = range(12)
N_PARAMS = 12

#: The scenario input behind each column of the parameter vector.
PARAM_KEYS = {
    P_SAVING: "municipality.saving_per_employed_year",
    P_EFFORT_COST: "municipality.ordinary_effort_cost",
    P_EFFORT_SHARE: "municipality.ordinary_effort_saved_share",
    P_OTHER: "municipality.other_net_costs",
    P_COST: "provider.cost_per_participant",
    P_PRODUCTION: "welfare.production_per_employed_year",
    P_NAF: "welfare.net_tax_factor",
    P_EPS: "welfare.tax_distortion",
    P_DECAY: "effect.decay",
    P_PERSISTENT: "effect.persistent_share",
    P_FULL_YEARS: "effect.full_effect_years",
    P_HORIZON: "effect.horizon",
}


#: Each column's value read off a scenario: the keys are its attributes' dotted paths.
_READ = [operator.attrgetter(PARAM_KEYS[j]) for j in range(N_PARAMS)]


def point_parameters(scenario: Scenario) -> np.ndarray:
    """The parameter vector (``N_PARAMS``) at the scenario's point values."""
    return np.array([float(read(scenario)) for read in _READ])
