"""Tutorial: the investor's downside in the built-in scenario.

How likely is the investor to lose money, how much in a bad case (value at
risk and expected shortfall at 5 %), and what does the distribution look
like? Run ``python examples/investor_downside.py``; it prints the numbers and
writes ``investor_result.png`` in the current folder.
"""

import sibrisk
from sibrisk.report import plot

ds = sibrisk.simulate("drc-sib-2023", runs=50_000, seed=2023)
s = sibrisk.summarize(ds, level=0.05)
cur = ds.attrs["currency"]

print(f"probability of a loss:   {float(s.investor_loss_probability):6.1%}"
      f" +- {float(s.investor_loss_probability_se):.1%}")
print(f"expected return:         {float(s.investor_return_mean):6.1%}"
      f" +- {float(s.investor_return_mean_se):.1%}")
print(f"value at risk (5 %):     {float(s.investor_var_5):12,.0f} {cur}")
print(f"expected shortfall (5 %):{float(s.investor_cvar_5):12,.0f} {cur}")

plot.investor_result(ds).savefig("investor_result.png", dpi=110)
print("wrote investor_result.png")
