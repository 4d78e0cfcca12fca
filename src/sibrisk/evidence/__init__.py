"""Evidence: how solid is the effect a contract pays on.

- :mod:`.effects`: rates, differences and relative risks from counts, with intervals
  and p-values; counts read from a file of participants;
- :mod:`.power_analysis`: the power of a trial and the size it needs;
- :mod:`.progression`: questionnaire scores (WHO-5, Likert items) from start to end.

``sibrisk.evidence.effect``, ``sibrisk.evidence.power`` and the other functions of
sibrisk 0.1's ``sibrisk.evidence`` module load at first use.
"""

from .._lazy import exports

__getattr__, __dir__ = exports(__name__, {
    **{name: "effects" for name in ("effect", "Effect", "wilson_interval",
                                    "read_participants", "counts", "Counts", "GROUPS")},
    **{name: "power_analysis" for name in ("power", "sample_size", "power_curve",
                                           "SampleSize")},
})
