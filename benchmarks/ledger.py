"""Benchmark: settling many outcome sets at once versus one at a time.

The ledger and the contract take outcomes with any leading dims, so the Monte
Carlo path can settle a whole chunk of runs in one call. This measures, side
by side in one run, the vectorised call on N outcome sets against a Python
loop over the same N sets, checks they agree, and prints the ratio.

    python benchmarks/ledger.py [N]
"""

from __future__ import annotations

import sys
import time

import numpy as np

import sibrisk
from sibrisk.ledger.catalogue import build_ledger, payback_year
from sibrisk.outcomes.expected import Outcomes, expected_outcomes


def main(n: int = 20_000) -> None:
    scenario = sibrisk.load_scenario("drc-sib-2023")
    tariff = sibrisk.price_surplus_share(scenario)
    base = expected_outcomes(scenario, per="cohort")
    rng = np.random.default_rng(2023)
    size = np.round(base.participants).astype(int)
    p_gross = np.array([t.gross_employment for t in scenario.types])
    gross = rng.binomial(size, p_gross, size=(n, len(size))).astype(float)
    additional = np.floor(gross * 0.5)
    outcomes = Outcomes(np.broadcast_to(base.participants, gross.shape), gross, additional)

    t0 = time.perf_counter()
    ledger = build_ledger(scenario, outcomes, tariff.payments(outcomes.gross))
    fast = payback_year(ledger.cumulative_present_value("municipality"))
    t_fast = time.perf_counter() - t0

    t0 = time.perf_counter()
    slow = np.empty(n)
    for i in range(n):
        one = Outcomes(base.participants, gross[i], additional[i])
        led = build_ledger(scenario, one, tariff.payments(one.gross))
        slow[i] = payback_year(led.cumulative_present_value("municipality"))
    t_slow = time.perf_counter() - t0

    np.testing.assert_allclose(fast, slow, rtol=1e-12)  # same numbers up to summation order
    print(f"outcome sets settled: {n:,}")
    print(f"vectorised: {n / t_fast:,.0f} per second ({t_fast:.3f} s)")
    print(f"one by one: {n / t_slow:,.0f} per second ({t_slow:.3f} s)")
    print(f"ratio: {t_slow / t_fast:,.0f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
