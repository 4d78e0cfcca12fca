"""The Danish SIB catalogue with sibrisk: the account, two break-even points, a changed copy.

Run it with ``python examples/catalogue.py``. Money is in DKK per average
participant, 2021 prices, present value at the start of the programme.
"""

import tempfile
from pathlib import Path

import sibrisk

scenario = sibrisk.load_scenario("drc-sib-2023")
print(f"{scenario.name}: {scenario.title}")
print(f"{scenario.cohort.size} participants; gross employment {scenario.gross_employment:.1%}, "
      f"without the programme {scenario.control_employment:.1%}, "
      f"marginal effect {scenario.marginal_effect:.1%}")

# The budget account (budgetøkonomisk: the municipality's public budget) and the
# payment model. account() returns an xarray.Dataset; each figure is a scalar in it.
acc = sibrisk.account(scenario)
print()
print("Budget account and payment, DKK per average participant")
for name, label in [
    ("municipal_savings", "municipality's savings"),
    ("provider_cost", "provider cost"),
    ("budget_surplus", "budget surplus"),
    ("outcome_payment", "municipality pays the investor"),
    ("payment_per_employed", "  as a rate per employed participant"),
    ("investor_result", "investor's result"),
    ("municipal_account", "municipality's own account"),
    ("welfare_surplus", "welfare-economic surplus (society)"),
]:
    print(f"  {label:<36}{float(acc[name]):>10,.0f}")
print(f"  {'investor return on outlay':<36}{float(acc.investor_return):>10.1%}")
print(f"  {'municipality pays back after':<36}{float(acc.municipal_payback_year):>10.1f} years")

# Break-even points: how far can an input move before an output reaches zero?
# The contract stays at the price agreed for the base case.
print()
print("Break-even points")
for vary, output in [
    ("gross_employment", "investor_result"),
    ("effect.decay", "budget_surplus"),
    ("effect.decay", "municipal_account"),
]:
    be = sibrisk.breakeven(scenario, vary, output)
    print(f"  {output} = 0 at {vary} = {be.value:.1%} (base {be.base:.1%})")
    print(f"    reading: {be.reading}")

# Change an input, save the scenario as a TOML file, and load it again.
with tempfile.TemporaryDirectory() as tmp:
    path = scenario.replace("effect.decay", 0.25).save(Path(tmp) / "faster-decay.toml")
    changed = sibrisk.load_scenario(path)
    print()
    print(f"Saved {path.name} with effect.decay = {changed.effect.decay} and loaded it again:")
    # account() prices a scenario afresh: a contract signed on these values.
    repriced = sibrisk.account(changed)
    print(f"  priced on it:      budget surplus {float(repriced.budget_surplus):>7,.0f}, "
          f"rate per employed {float(repriced.payment_per_employed):,.0f}, "
          f"municipality's own account {float(repriced.municipal_account):,.0f}")
    # With tariff=, the contract signed on the base values settles the new outcomes.
    held = sibrisk.account(changed, tariff=sibrisk.price_surplus_share(scenario))
    print(f"  base price held:   budget surplus {float(held.budget_surplus):>7,.0f}, "
          f"rate per employed {float(held.payment_per_employed):,.0f}, "
          f"municipality's own account {float(held.municipal_account):,.0f}")
