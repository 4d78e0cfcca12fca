"""Tutorial: design the risk sharing of a contract.

A price per participant in work, a share of the savings and a cap on all
payments: which combinations keep the investor's probability of loss near
10 % without leaving the municipality (the commissioner) with a deficit? The
sweep settles every combination on the same draws (common random numbers),
so neighbouring cells differ by the terms, not by noise. Run
``python examples/risk_sharing_design.py``; it prints the grid, solves for
the price at which the investor loses money with probability 10 %, and
writes ``risk_sharing.png``.
"""

from pathlib import Path

import sibrisk
from sibrisk.report import plot

CONTRACT = Path(__file__).with_name("sweeps") / "price-share-cap.toml"
PRICE, SHARE = "payments[0].rates.employed", "payments[1].share"

grid = sibrisk.sweep(None, {PRICE: [150_000, 200_000, 250_000, 300_000],
                            SHARE: [0.0, 0.1, 0.2, 0.3]},
                     contract=CONTRACT, runs=20_000, seed=1)
loss = grid.loss_probability.sel(actor="investor")
deficit = grid.loss_probability.sel(actor="municipality")
print("investor's probability of loss (rows: price, columns: share of savings)")
for price in grid[PRICE].values:
    row = "  ".join(f"{float(v):5.0%}" for v in loss.sel({PRICE: price}).values)
    print(f"  {price:9,.0f}  {row}")
print("municipality's probability of a deficit at share 0.2:",
      ", ".join(f"{float(v):.0%}" for v in deficit.sel({SHARE: 0.2}).values))

solution = sibrisk.solve(None, PRICE, "investor.loss_probability=0.10", contract=CONTRACT,
                         bounds=(100_000, 400_000), runs=20_000, seed=1)
print(f"price for a 10 % probability of loss: {solution.value:,.0f}"
      f" +- {solution.value_se:,.0f}")

plot.sweep_map(grid, x=SHARE, y=PRICE, levels=(0.1, 0.25)).savefig("risk_sharing.png",
                                                                  dpi=110)
print("wrote risk_sharing.png")
