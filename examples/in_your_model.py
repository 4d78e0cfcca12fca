"""Tutorial: use sibrisk inside your own model.

sibrisk's results are xarray datasets of plain numpy arrays, so they feed any
other calculation. Here a budget office discounts the municipality's yearly
cash flows at its own rate (instead of the scenario's schedule) and asks how
often the programme pays for itself within ten years. Run
``python examples/in_your_model.py``.
"""

import numpy as np

import sibrisk

ds = sibrisk.simulate("drc-sib-2023", runs=20_000, seed=11, yearly=True)
flows = ds.municipal_cash_flow.transpose("run", "year").values  # nominal, end of year
years = ds.year.values

for rate in (0.02, 0.04, 0.06):
    cumulative = np.cumsum(flows * (1 + rate) ** -years, axis=1)
    within = (cumulative[:, years <= 10] >= 0).any(axis=1).mean()
    print(f"discounted at {rate:.0%}: own account positive by year 10 in {within:.0%} of runs, "
          f"mean NPV {cumulative[:, -1].mean():,.0f} {ds.attrs['currency']}")

account = sibrisk.account("drc-sib-2023")  # the catalogue's deterministic account
print(f"catalogue's outcome payment per participant: {float(account.outcome_payment):,.0f} "
      f"{account.attrs['currency']} ({account.attrs['basis']})")
