"""The choices the evidence functions take (a light module: the command line builds its
parser from it)."""

from __future__ import annotations

__all__ = ["ALTERNATIVES", "TESTS", "METHODS"]

#: Alternatives of the tests: two-sided, or the programme's rate is higher.
ALTERNATIVES = ("two-sided", "greater")
#: Tests of a difference of two rates: the pooled z-test, Fisher's exact test.
TESTS = ("z", "fisher")
#: How power is computed: every outcome of the trial counted, or the normal approximation.
METHODS = ("exact", "normal")
