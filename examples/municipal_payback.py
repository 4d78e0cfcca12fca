"""Tutorial: when does the municipality (the commissioner) break even?

The municipality pays for outcomes and saves on benefits for years after. Its
own account, summed in present value year by year, crosses zero at its
payback year; if the effect fades faster, that year comes later or never.
Run ``python examples/municipal_payback.py``; it prints the payback year's
quantiles with the catalogue's decay of the effect and with a decay twice as
fast (both fixed, so the two share their random draws and differ by the decay
alone), and writes ``municipal_payback.png`` of the built-in scenario (decay
uncertain). The scenario's contract is priced on its own point values, so a
faster decay also lowers the price: the earliest paybacks come a little
sooner, while the median one is no longer reached within the horizon.
"""

import sibrisk
from sibrisk.report import plot

base = sibrisk.load_scenario("drc-sib-2023")
for label, decay in (("decay 15 % a year (the catalogue's)", 0.15),
                     ("decay 30 % a year", 0.30)):
    ds = sibrisk.simulate(base.replace("effect.decay", decay), runs=30_000, seed=7)
    s = sibrisk.summarize(ds, within_years=10)
    q = s.payback_year_quantiles
    print(f"{label}: payback year 5 % {float(q.sel(quantile=0.05)):.1f}, "
          f"median {float(q.sel(quantile=0.5)):.1f}, "
          f"within 10 years with probability {float(s.payback_within_10_years_probability):.0%}")

ds = sibrisk.simulate(base, runs=30_000, seed=7, yearly=True)
plot.municipal_payback(ds).savefig("municipal_payback.png", dpi=110)
print("wrote municipal_payback.png")
