"""The one place where the benchmarks reach into sibrisk's private modules.

Two measurements need sibrisk's own glue rather than its public API: the
*design floor* of ``compare.py`` (sibrisk's chunks, generators, quantile
lookups and settlement, with the binomial draws replaced by a trivial map) and
``profile_engine.py`` (sibrisk's chunk taken apart, each stage timed alone).
Everything private they use is imported here, so that when the engine's
modules move only this file needs updating.
"""

from __future__ import annotations

from sibrisk._jit import compile_all
from sibrisk.engine.simulate import (  # noqa: F401  (re-exported)
    COHORT,
    _dataset,
    _Plan,
    chunk_generator,
    input_purpose,
)
from sibrisk.ledger import kernels as K  # noqa: F401  (re-exported)
from sibrisk.outcomes import draw as D  # noqa: F401  (re-exported)
from sibrisk.scenario._quantile import quantile_table

# sibrisk's kernels become numba dispatchers in their modules' globals only when
# compiled; the benchmarks' own kernels call them, so hand them to numba now
compile_all()

#: the kernels' names for the arrays they read and write
draw_and_settle = K.draw_and_settle
settle_row = K._settle_row
binomial = D.binomial
O_INVESTOR = K.O_INVESTOR
N_OUTPUTS = len(K.OUTPUT_COLUMNS)


def lookup_table(distribution):
    """The tabulated quantile function behind ``distribution.ppf`` (None: scipy's)."""
    return quantile_table(distribution._frozen())
