"""Employment outcomes: who is employed, and who is employed *because* of the programme.

Payment is triggered by the **gross** outcome (observed employment); the
municipality saves money only on the **additional** outcome (employment that
would not have happened anyway). The difference is **deadweight**.

This module gives the expected outcomes of the deterministic path; the Monte
Carlo path draws the same three arrays run by run, and both go through the
same contract and ledger code.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..scenario.spec import Scenario

__all__ = ["Outcomes", "expected_outcomes", "BASES"]

#: Bases an account can be expressed on: one average participant, or the whole cohort.
BASES = ("participant", "cohort")


@dataclass(frozen=True, slots=True)
class Outcomes:
    """Employment outcomes by participant type (last axis ``type``).

    Attributes
    ----------
    participants : ndarray
        Participants of each type (a count, or a share for one average participant).
    gross : ndarray
        Employed at the measurement point; what the contract pays on.
    additional : ndarray
        Employed because of the programme; what saves the municipality money.
    """

    participants: np.ndarray
    gross: np.ndarray
    additional: np.ndarray

    @property
    def deadweight(self) -> np.ndarray:
        """Employed who would have been employed anyway: ``gross - additional``, or all
        of gross where the programme harms (additional < 0)."""
        return np.minimum(self.gross - self.additional, self.gross)


def expected_outcomes(scenario: Scenario, per: str = "participant") -> Outcomes:
    """Expected outcomes of a scenario, per average participant or per cohort.

    Per average participant, type *i* contributes its share :math:`w_i`,
    :math:`w_i g_i` gross and :math:`w_i (g_i - c_i)` additional employment;
    per cohort each is multiplied by the cohort size.
    """
    if per not in BASES:
        raise ValueError(f"per = {per!r}: must be one of {', '.join(map(repr, BASES))}")
    scale = 1.0 if per == "participant" else float(scenario.cohort.size)
    w = np.array([t.share for t in scenario.types]) * scale
    g = np.array([t.gross_employment for t in scenario.types])
    m = np.array([t.marginal_effect for t in scenario.types])
    return Outcomes(participants=w, gross=w * g, additional=w * m)
