"""Build a scenario in Python: three participant types, flat 3 % discounting, rates by type.

Run it with ``python examples/custom_scenario.py``. The numbers describe an
invented programme; they show the mechanics, not evidence about any real one.
"""

import sibrisk

data = {
    "name": "mentoring-example",
    "title": "Invented mentoring programme with three participant types",
    "currency": "DKK",
    "price_year": 2024,
    "cohort": {"size": 120},
    # Share of the cohort, share employed with the programme (gross, what the
    # contract pays for) and without it (control: deadweight).
    "types": {
        "recent_work": {"label": "worked in the last 2 years", "share": 0.30,
                        "gross_employment": 0.55, "control_employment": 0.30},
        "no_recent_work": {"label": "no work in the last 2 years", "share": 0.50,
                           "gross_employment": 0.35, "control_employment": 0.15},
        "health_barriers": {"label": "no recent work, health barriers", "share": 0.20,
                            "gross_employment": 0.20, "control_employment": 0.05},
    },
    "discounting": {"schedule": "flat", "rate": 0.03},
    "effect": {"horizon": 10, "full_effect_years": 2, "decay": 0.20, "persistent_share": 0.10},
    "municipality": {
        "saving_per_employed_year": 95_000,  # transfers saved and tax gained per person-year
        "ordinary_effort_cost": 80_000,      # the ordinary effort (normalindsats), present value
        "ordinary_effort_saved_share": 0.40,
        "other_net_costs": 30_000,           # referral and follow-up
    },
    "provider": {"cost_per_participant": 90_000},
    # The investor gets 40 % of the expected budget surplus on top of its outlay,
    # paid as a rate per employed participant that differs by type but keeps the
    # expected payment the same as one uniform rate would.
    "contract": {"investor_surplus_share": 0.40, "rate_card": "by_type",
                 "by_type_rule": "payout_neutral"},
    "welfare": {"production_per_employed_year": 150_000},
}

scenario = sibrisk.Scenario.from_dict(data)
print(f"{scenario.name}: {scenario.title}")
print(f"gross employment {scenario.gross_employment:.1%}, without the programme "
      f"{scenario.control_employment:.1%}, marginal effect {scenario.marginal_effect:.1%}")

acc = sibrisk.account(scenario)
print()
print("Per average participant, DKK, present value at the start")
for name in ("municipal_savings", "provider_cost", "budget_surplus", "outcome_payment",
             "investor_result", "municipal_account", "welfare_surplus"):
    print(f"  {name:<22}{float(acc[name]):>10,.0f}")
print(f"  {'investor_return':<22}{float(acc.investor_return):>10.1%}")
payback = float(acc.municipal_payback_year)
print(f"  {'municipal payback':<22}"
      + (f"{payback:>10.1f} years" if payback != float("inf") else "   not within the horizon"))

# The rate card: the payout-neutral rates against the catalogue's rule.
tariff = sibrisk.price_surplus_share(scenario)
catalogue = sibrisk.price_surplus_share(scenario.replace("contract.by_type_rule", "catalogue"))
print()
print(f"Rate per employed participant (uniform rate would be {tariff.uniform_rate:,.0f})")
print(f"  {'type':<18}{'payout-neutral':>15}{'catalogue rule':>16}")
for i, name in enumerate(tariff.type_names):
    print(f"  {name:<18}{tariff.rates_by_type[i]:>15,.0f}{catalogue.rates_by_type[i]:>16,.0f}")
print(f"  {'expected payment':<18}{tariff.expected_payment_by_type_rates:>15,.0f}"
      f"{catalogue.expected_payment_by_type_rates:>16,.0f}")
print(f"  payout-neutral: {tariff.payout_neutral}; the catalogue rule: {catalogue.payout_neutral}")

print()
print(f"Whole cohort of {scenario.cohort.size}: the municipality pays "
      f"{float(sibrisk.account(scenario, per='cohort').outcome_payment):,.0f} in expectation")

be = sibrisk.breakeven(scenario, "effect.decay", "municipal_account")
print(f"The municipality's own account reaches 0 at effect.decay = {be.value:.1%} "
      f"(base {be.base:.0%})")

# Every change is validated again: here the shares would no longer sum to 1.
try:
    scenario.replace("types.recent_work.share", 0.5)
except sibrisk.ScenarioError as exc:
    print()
    print(f"Rejected change: {exc}")
