"""Generate docs/designing-risk-sharing.md: which inputs matter, and pricing to a target.

Every number comes from ``sibrisk.tornado``, ``sibrisk.sobol``, ``sibrisk.solve``
and ``sibrisk.simulate`` on the built-in scenario with fixed seeds. ``--check``
compares the Markdown only; the figures are drawn in write mode.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

import sibrisk
from sibrisk.metrics.risk import summarize_contracts
from sibrisk.report import plot

from .common import DOCS, FIGURES, draw_figures, generated_by, money

SCENARIO = "drc-sib-2023"
PAGE = DOCS / "designing-risk-sharing.md"
FIG_TORNADO = FIGURES / "design-tornado.png"
FIG_SOBOL = FIGURES / "design-sobol.png"
FIG_PRICE = FIGURES / "design-price.png"
FIG_GRID = FIGURES / "design-grid.png"

RUNS = 100_000
SEED = 7
SOBOL_N = 4096
TARGET = 0.10
#: A rate card paying one price per participant in work (the price being solved for).
PRICE_CONTRACT = {"name": "price", "scenario": SCENARIO,
                  "payments": [{"kind": "rate_card", "rates": {"employed": 250_000.0}}]}
PRICES = np.arange(150_000.0, 450_001.0, 5_000.0)
#: The grid: a price per job and a cap on all payments, both terms of one contract.
GRID_CONTRACT = dict(PRICE_CONTRACT, name="price-and-cap", cap=6_000_000.0)
GRID_PRICES = np.linspace(150_000.0, 450_000.0, 13)
GRID_CAPS = np.linspace(3_000_000.0, 7_000_000.0, 9)
GRID_RUNS = RUNS


@functools.cache
def results() -> dict:
    s = sibrisk.load_scenario(SCENARIO)
    tornado = sibrisk.tornado(s, "municipal_account")
    sobol = sibrisk.sobol(s, "municipal_account", n=SOBOL_N, seed=SEED)
    solution = sibrisk.solve(s, "payments[0].rates.employed",
                             f"investor.loss_probability={TARGET}",
                             contract=sibrisk.load_contract(PRICE_CONTRACT),
                             bounds=(100_000.0, 600_000.0), runs=RUNS, seed=SEED)
    curve = sibrisk.sweep(s, {"payments[0].rates.employed": PRICES},
                          contract=sibrisk.load_contract(PRICE_CONTRACT), runs=RUNS, seed=SEED)
    check = sibrisk.simulate(s, runs=RUNS, seed=SEED + 1000, contracts=[dict(
        PRICE_CONTRACT, payments=[{"kind": "rate_card",
                                   "rates": {"employed": solution.value}}])],
        contract_stats=("npv",))
    fresh = summarize_contracts(check)["price"]["actors"]["investor"]
    cost = s.provider.cost_per_participant * s.cohort.size
    grid = sibrisk.sweep(s, {"payments[0].rates.employed": GRID_PRICES, "cap": GRID_CAPS},
                         contract=sibrisk.load_contract(GRID_CONTRACT), runs=GRID_RUNS,
                         seed=SEED)
    return {"grid": grid, "scenario": s, "tornado": tornado, "sobol": sobol, "solution": solution,
            "curve": curve, "fresh": fresh, "cost": cost}


def render() -> str:
    r = results()
    s, t, sob, sol = r["scenario"], r["tornado"], r["sobol"], r["solution"]
    cur = s.currency
    jobs = r["cost"] / sol.value
    lines = [
        "# Designing risk sharing",
        "",
        generated_by("design", figures=True),
        "",
        "A deal designer needs to know which uncertain inputs drive each party's result, "
        "and which terms put the risk where the parties want it. This page does both on "
        f"the built-in scenario `{SCENARIO}`: a sensitivity analysis of the municipality's "
        "own account, then the price per job at which the investor's probability of a loss "
        f"is {100 * TARGET:g} %.",
        "",
        "## Which inputs matter",
        "",
        "`sibrisk.tornado` moves one uncertain input at a time from its 5 % to its 95 % "
        "quantile, the others at their point values; the model is evaluated without the "
        "cohort's luck (expected outcomes given the inputs), per cohort, with the contract "
        "held at its base price. The municipality's own account is "
        f"{money(t.attrs['base'])} {cur} at the point values.",
        "",
        "| input | low | high | account, input low | account, input high | swing |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for key in t.input.values:
        row = t.sel(input=key)
        lines.append(f"| `{key}` | {float(row.low):.3g} | {float(row.high):.3g} | "
                     f"{money(float(row.output_low))} | {money(float(row.output_high))} | "
                     f"{money(float(row.swing))} |")
    top = str(t.input.values[0])
    lines += [
        "",
        f"![Tornado chart of the municipality's account]({FIG_TORNADO.relative_to(DOCS)})",
        "",
        f"`sibrisk.sobol` splits the account's variance over the same inputs ({SOBOL_N:,} "
        f"base samples in each of {sob.attrs['replicates']} independent scrambles, "
        f"{sob.attrs['evaluations']:,} evaluations, seed {SEED}; the mean over the "
        "scrambles, with 95 % Student-t intervals over them; the inputs taken as "
        "independent):",
        "",
        "| input | first order | total order |",
        "|---|---:|---:|",
    ]
    for key in sob.input.values:
        row = sob.sel(input=key)
        lines.append(f"| `{key}` | {float(row.first_order):.3f} "
                     f"[{float(row.first_order_low):.3f}, {float(row.first_order_high):.3f}] | "
                     f"{float(row.total_order):.3f} "
                     f"[{float(row.total_order_low):.3f}, {float(row.total_order_high):.3f}] |")
    first_sum = float(sob.first_order.sum())
    lines += [
        "",
        f"![Sobol' indices of the municipality's account]({FIG_SOBOL.relative_to(DOCS)})",
        "",
        f"`{top}` matters most both ways. The first-order indices sum to {first_sum:.2f}: "
        f"{100 * (1 - first_sum):.0f} % of the variance comes from inputs acting together "
        "(the effect's size times how long it lasts), the rest from each input alone.",
        "",
        "## Pricing to a target",
        "",
        "A rate card pays one price per participant in work. `sibrisk.solve` finds the "
        f"price at which the investor's probability of a loss is {100 * TARGET:g} % "
        f"({RUNS:,} runs, seed {SEED}, the same draws for every price tried):",
        "",
        "```python",
        "contract = sibrisk.load_contract({\"name\": \"price\", \"scenario\": \"drc-sib-2023\",",
        "    \"payments\": [{\"kind\": \"rate_card\", \"rates\": {\"employed\": 250_000}}]})",
        "sibrisk.solve(None, \"payments[0].rates.employed\", \"investor.loss_probability=0.10\",",
        "              contract=contract, bounds=(100_000, 600_000), runs=100_000, seed=7)",
        "```",
        "",
        f"gives {money(sol.value)} {cur} per job (Monte Carlo error ± {money(sol.value_se)}), "
        f"where the probability of a loss is {100 * sol.achieved:.2f} % "
        f"± {100 * sol.achieved_se:.2f} pp. The price is the programme's cost, "
        f"{money(r['cost'])} {cur}, divided by {jobs:.0f} jobs: with whole jobs and a fixed "
        "cost, the probability of a loss is a step function of the price, stepping down at "
        "the cost divided by each whole number of jobs, and the solver returns the step at "
        f"which it falls to the target or below. Put back into `simulate` with another seed, "
        f"the price gives {100 * r['fresh']['loss_probability']:.2f} % "
        f"± {100 * r['fresh']['loss_probability_se']:.2f} pp.",
        "",
        f"![The investor's and the municipality's probability of a loss against the price]"
        f"({FIG_PRICE.relative_to(DOCS)})",
        "",
        "Every price on the curve is settled on the same simulated outcomes (one "
        "`sweep` over the price, the same draws at every point), so the curve is monotone "
        "and its steps are the whole jobs, not noise. The higher the price, the more of "
        "the risk moves from the investor to the municipality.",
        "",
        "## A grid of terms",
        "",
        "A cap on the total payment limits the municipality's downside and the investor's "
        "upside. `sibrisk.sweep` summarises every point of a grid of the price per job and "
        f"the cap ({len(GRID_PRICES)} x {len(GRID_CAPS)} points, {GRID_RUNS:,} runs each, "
        f"seed {SEED}); both are terms of the contract, so every point is settled on the "
        "same draws:",
        "",
        "```python",
        "grid = sibrisk.sweep(\"drc-sib-2023\", {\"payments[0].rates.employed\": prices,",
        "                                      \"cap\": caps}, contract=contract,",
        f"                     runs={GRID_RUNS:_}, seed={SEED})",
        "grid.loss_probability.sel(actor=\"investor\")   # dims: price, cap",
        "```",
        "",
        *_grid_text(r),
        "",
        f"![The investor's and the municipality's probability of a loss over price and cap]"
        f"({FIG_GRID.relative_to(DOCS)})",
        "",
        "The sweep draws the outcomes once and settles the contract variants in blocks "
        "with a compiled kernel (a rate card, surplus or savings shares without triggers, "
        "caps of every kind, one investor): every point costs tens of nanoseconds a run "
        "instead of a simulation of its own, so grids of thousands of contracts at "
        "100,000 runs each take seconds to a minute (`benchmarks/sweep.py` measures it; "
        "the README has the numbers). A contract outside that family, or "
        "`measures=(\"npv\", \"irr\", \"exposure\")`, is simulated block by block "
        "instead, with the same numbers (the tests compare the two ways). Every point "
        "draws the same uniforms for the same purpose (common random numbers): the "
        "contract variants are settled on the very same outcomes, and a grid over "
        "scenario inputs (`effect.decay`, a type's employment rate) inverts the same "
        "uniforms at every point, so a tiny change of an input changes a vanishing share "
        "of runs and a curve over a fine grid is smooth, not jagged. Only a change of the "
        "draws' structure (the number of types or cohorts, the set of correlated inputs) "
        "is not coupled; [The model](model.md#common-random-numbers) has the details.",
        "",
        "`sweep(..., client=...)` runs the same grid on a dask cluster with the same "
        "numbers, bit for bit; `sibrisk sweep --axis NAME=START:STOP:N ...` does it from "
        "the command line. `examples/sweeps/price-share-cap.toml` is a contract with a "
        "price per job, a share of the savings and a cap, the three terms of a 10,000-point "
        "grid:",
        "",
        "```",
        "sibrisk sweep --contract examples/sweeps/price-share-cap.toml \\",
        "    --axis \"payments[0].rates.employed=100000:300000:25\" \\",
        "    --axis \"payments[1].share=0.05:0.40:20\" --axis \"cap=2000000:10000000:20\" \\",
        "    --runs 100000 --seed 1 --out sweep.nc",
        "```",
        "",
    ]
    return "\n".join(lines)


def _grid_text(r: dict) -> list[str]:
    g = r["grid"]
    cur = r["scenario"].currency
    inv = g.loss_probability.sel(actor="investor")
    mun = g.loss_probability.sel(actor="municipality")
    worse = np.maximum(inv, mun)
    at = worse.where(worse == worse.min(), drop=True)
    price = float(at["payments[0].rates.employed"].values[0])
    cap = float(at["cap"].values[0])
    point = {"payments[0].rates.employed": price, "cap": cap}
    low_cap = float(inv.sel(cap=GRID_CAPS[GRID_CAPS < r["cost"]].max()).min())
    return [
        "The point of the grid at which the larger of the two risks is smallest: a price "
        f"of {money(price)} {cur} per job and a cap of {money(cap)} {cur}, where the "
        f"investor loses money in {100 * float(inv.sel(point)):.1f} % of runs and the "
        "municipality's own account ends negative in "
        f"{100 * float(mun.sel(point)):.1f} %. A cap below the programme's cost "
        f"({money(r['cost'])} {cur}) makes the investor lose in "
        + ("every run" if low_cap >= 1.0 else f"{100 * low_cap:.0f} % of runs or more")
        + ", whatever the price; above it, a higher "
        "price moves risk from the investor to the municipality, and the cap cuts the "
        "municipality's worst outcomes and the investor's best.",
    ]


def draw(outdir: Path = FIGURES) -> list[Path]:
    """Draw the page's figures with ``sibrisk.report.plot`` as PNG files in ``outdir``; returns
    their paths."""
    return draw_figures([(FIG_TORNADO.name, _fig_tornado), (FIG_SOBOL.name, _fig_sobol),
                         (FIG_PRICE.name, _fig_price), (FIG_GRID.name, _fig_grid)],
                        results(), outdir)


def _fig_tornado(r):
    return plot.tornado(r["tornado"])


def _fig_sobol(r):
    return plot.sobol(r["sobol"])


def _fig_price(r):
    return plot.sweep_curve(r["curve"], "loss_probability", x="payments[0].rates.employed",
                            target=TARGET, mark=r["solution"].value)


def _fig_grid(r):
    fig = Figure(figsize=(11.0, 4.2), layout="constrained")
    for ax, actor in zip(fig.subplots(1, 2), ("investor", "municipality"), strict=True):
        plot.sweep_map(r["grid"], "loss_probability", x="payments[0].rates.employed", y="cap",
                       actor=actor, levels=(0.1, 0.25, 0.5), ax=ax)
    return fig


PAGES = {PAGE: render}
