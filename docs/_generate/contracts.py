"""Generate the contracts page from the shipped examples.

Every worked example on the page is a file in ``examples/contracts/``, shown
whole, followed by the real output of ``sibrisk settle`` on the observed
outcomes and a simulation of all the examples on the same draws; the test
that checks this page is current therefore runs every example both ways.
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

import sibrisk
from sibrisk.metrics.risk import summarize_contracts

from .common import DOCS, ROOT, generated_by
from .reference import _run

PAGE = DOCS / "contracts.md"
EXAMPLES = ROOT / "examples" / "contracts"
OUTCOMES = "outcomes.toml"
RUNS = 20_000
SEED = 2023

#: (file, heading, what it shows), in the order of the page.
WORKED = (
    ("standard.toml", "The standard model", "the surplus-share tariff"),
    ("reinvestment.toml", "The reinvestment model", "a grant; a declared, non-binding "
     "reinvestment"),
    ("loan.toml", "The loan to the provider", "a loan repaid with interest at a set month"),
    ("rate-card.toml", "A rate card", "several outcomes per participant; caps per "
     "participant, per metric and in total; a payment lag"),
    ("thresholds.toml", "Thresholds and tiers", "payment by the effect measured against a "
     "comparison group, per cohort and pooled; a trigger"),
    ("savings-share.toml", "A savings share", "a share of realised savings until the capital "
     "is repaid with interest"),
    ("tranches.toml", "Tranches, a guarantee, two payers", "a waterfall with a coupon, "
     "drawdown, a first-loss guarantee, annual settlement, an evaluator's fee"),
    ("early-termination.toml", "Early termination", "undrawn capital is not drawn; later "
     "payments stop"),
)

_GENERATED = generated_by("contracts")

SCHEMA = """\
## The contract file

A contract is a TOML file. Dates are **months from the programme start**;
amounts are nominal, in the scenario's currency and price year. Every key
is checked: a mistake names the key, the value given and what is allowed.

### Top level

| key | meaning | default |
|---|---|---|
| `name` | short name of the contract (letters, digits, `_`, `-`) | required |
| `scenario` | built-in scenario name, or a scenario file relative to the contract file; the world the contract is settled and simulated in (costs, savings, discounting, outcome model); a contract that names one is evaluated only in a scenario of that name | none: evaluated in the scenario `settle` or `simulate` is given |
| `description` | one line | `""` |
| `settlement` | `"each"`: every payment falls `lag_months` after its outcome; `"annual"`: at the end of the contract year in which the outcome is observed (then `lag_months` later) | `"each"` |
| `lag_months` | months between an outcome (or a settlement date) and its payment | 0 |
| `termination_month` | the contract ends: claims whose payment date falls after it are dropped (an outcome observed before but paid after is not paid), capital due after it is not drawn | none |
| `cap` | most paid by all mechanisms together; the latest claims are cut first, claims of the same date pro rata | none |

### `[[metrics]]`: what is paid for

`employed` (in ordinary work at the measurement point, the gross outcome
that the outcome model draws) always exists; a `[[metrics]]` table named
`employed` can only set its `month`. Every other metric follows one before
it: a participant reaches it only after reaching `of`.

| key | meaning |
|---|---|
| `name` | the metric's name |
| `of` | the metric it follows |
| `retention` | share of those reaching `of` who reach this one too; simulation draws `Binomial(count of of, retention)` from a stream keyed by the metric's name, expected outcomes multiply |
| `month` | when it is observed (default: the month of `of`; never before it) |

### `[[payments]]`: the mechanisms

Every mechanism has a `kind`, a `name` (default: its kind), an optional
`cap` (most it pays in total, latest claims cut first) and an optional
`trigger`, a table `{metric = "employed", any_cohort_at_least = x,
pooled_at_least = y}`: the mechanism pays nothing unless some cohort's
measured effect reaches `x` or the pooled effect reaches `y` (effects as
proportions: 0.10 is ten percentage points).

| kind | keys | pays |
|---|---|---|
| `rate_card` | `rates` (metric = rate, or metric = {type = rate}), `cap_per_participant`, `metric_caps` (metric = cap) | each participant reaching a metric earns its rate; a participant can earn several metrics of one chain, at most `cap_per_participant` in all |
| `surplus_share` | `investor_share`, `rate_card` (`"uniform"`, `"by_type"`), `by_type_rule` (`"catalogue"`, `"payout_neutral"`), `metric` | the catalogue's price: cost plus the investor's share of the expected budget surplus, as a rate per participant reaching `metric`; keys left out take the scenario's `[contract]` values; the rate is set so that the payment's present value at its actual date is the price |
| `effect` | `points` ([effect, amount] pairs), `metric`, `measure` (`"per_cohort"`, `"pooled"`), `interpolation` (`"steps"`, `"linear"`), `per` (`"participant"`, `"cohort"`, `"additional"`) | by the effect measured against the comparison group: nothing below the first point; the amount of the highest point reached (steps) or interpolated and held after the last (linear); per participant, per cohort, or per measured additional outcome (effect times participants) |
| `savings_share` | `share`, `interest`, `share_after`, `years` | in each year 0 .. `years`, `share` of the realised savings (nothing in a year without savings) until the capital drawn, with `interest` a year, is repaid by these payments; `share_after` from then on; paid at each year's end, by the payers in their `pays` shares (with `share = 0` nothing is ever repaid, so nothing is paid) |

Claims pass, in this order: the trigger, the early termination, the cap
per participant, the caps per metric, the mechanism's cap and the
contract's cap. Every cut is reported, with where it bound and which claims
it cut (claimed and paid, per claim). A measured effect within 1e-12 of a
threshold counts as reaching it (2/20 - 0.0 is 0.09999999999999998 in
floating point); a cohort without participants has no effect: it never
reaches a threshold and is not paid.

In a simulation the effect of a cohort is its share reaching the metric
minus the comparison group's rate in that run (the run's drawn
`control_employment` of each type, weighted by the cohort's types): the
treated cohort's sampling noise is there, the comparison group's is not
(it is taken as large).

### `[[payers]]`: the commissioners

| key | meaning | default |
|---|---|---|
| `name` | e.g. `"state"`, `"municipality"` | required |
| `pays` | share of the outcome payments (shares sum to 1) | required |
| `saves` | share of the scenario's savings that accrues to it (shares sum to 1) | required |

Without `[[payers]]` one payer, `municipality`, pays all and saves all.

### `[capital]`: who funds the provider

| key | meaning | default |
|---|---|---|
| `model` | `"investors"`: the tranches fund the provider and receive the payments through the waterfall; `"loan"`: the tranches lend to the provider, which receives the payments and repays principal and interest at `repay_month` whatever the outcomes; `"grant"`: the tranches fund the provider and forgo repayment; the payments stay with the payers as a declared, non-binding reinvestment | `"investors"` |
| `commitment` | capital committed | the programme's cost (cost per participant times participants) |
| `drawdown` | [month, share of the commitment] pairs; the provider spends what it draws | `[[0, 1.0]]` |
| `repay_month` | when a loan is repaid (`model = "loan"` only) | required for a loan |

`[[capital.tranches]]` (`name`, `share` of the capital, `coupon` per year,
default one tranche `investor`, `lender` or `foundation` by model). In the
waterfall every payment goes to the tranches in order: each but the last
receives up to its balance (capital drawn, growing at its coupon, less what
it has received); the last takes the rest.

`[capital.guarantee]` (`name`, `covers` a tranche, default the first; one
of `amount`, `share` or `schedule` as [loss, cover] points; `month`,
default the last payment): the guarantor pays the covered tranche's loss
(capital drawn less received, nominal) up to the amount, times the share,
or as the schedule interpolates, never more than the loss. The cover counts
as repaid capital: later payments do not repay it again. `month` defaults to
the last outcome payment made (or the last drawdown, if later).

### `[evaluation]`

`fee`, `month` (default 0) and `paid_by`: `"payers"` (by their shares of
the payments), one payer, a tranche or `"provider"`. The evaluator spends
the fee on the evaluation: money leaving the deal.

### The ledger

Every flow has an actor, a source, a counterparty and a date. A transfer
between actors (a payment, a drawdown, a repayment, a guarantee, a fee) is
written on both sides, so transfers sum to zero in every run; savings, the
programme's cost and the evaluation's cost have counterparty `outside`.
Per actor: the **NPV** at t = 0 with each flow discounted at its actual
date (within a year at that year's rate: D(t) = D(⌊t⌋) (D(⌈t⌉) / D(⌊t⌋))^(t - ⌊t⌋)),
the **IRR** (solved for the tranches, the provider and the guarantor), the
**multiple** (money received over money paid, nominal), the **largest
exposure** (the most the actor has been out of pocket, nominal, at any
date) and the **payback year** (from which the cumulative discounted flow
stays at or above zero). Yearly cash flows put a date in months
(12 (t - 1), 12 t] in year t.
"""

OUTCOMES_TEXT = """\
## Observed outcomes

`sibrisk settle CONTRACT.toml --outcomes FILE` reads a TOML (or JSON) file
with one table per cohort: the participants by type, the count of each
metric by type, and the comparison group's rate of each metric a trigger or
an effect payment measures. `additional` (by type, optional) is the
employment caused by the programme, for the savings; by default it is the
employed minus the comparison group's expected rate of each type (the
scenario's `control_employment`). Counts are whole numbers; `additional`
may be fractional, and negative where the programme harms. An evaluator's
own estimate of a cohort's effect (regression-adjusted, say) goes in
`measured_effect = { employed = 0.16 }`, which replaces the share employed
minus the comparison rate (the pooled effect is the participant-weighted
mean of the cohorts'). Counts of metrics a contract does not pay on are
checked, then ignored, so one file serves every contract; so are comparison
rates of metrics it does not measure. Without `--outcomes` the
scenario's expected outcomes are settled, split into its
`cohort.cohorts` cohorts.
"""


def _pm(value: float, se: float | None, scale: float = 1.0, digits: int = 0) -> str:
    """A value and its standard error; the error left out where none is estimated."""
    unit = " %" if scale == 100 else ""
    text = f"{scale * value:,.{digits}f}{unit}"
    return text if se is None else f"{text} ± {scale * se:,.{digits}f}"


def _example_text(name: str) -> list[str]:
    text = (EXAMPLES / name).read_text(encoding="utf-8").rstrip("\n")
    return [f"`examples/contracts/{name}`:", "", "```toml", *text.splitlines(), "```", ""]


def _simulated() -> list[str]:
    """All the examples on one scenario's draws, and the two-cohort one on its own."""
    out = [
        "## Every example on the same simulated outcomes",
        "",
        "`simulate` takes a list of contract variants and evaluates them all on the same "
        "draws (common random numbers); the dataset gains a `contract` and an `actor` dim "
        "(`actor_npv`, `actor_irr`, `actor_multiple`, `actor_exposure`, "
        "`actor_payback_year`, `contract_payment`, `contract_payment_cut`, "
        "`contract_reinvestment`, `in_contract`; money in present value at t = 0). "
        "`contract_stats=(\"npv\",)` keeps the NPV alone, several times faster with many "
        "variants (see `benchmarks/README.md`). On the command line: "
        "`sibrisk simulate --contract A.toml --contract B.toml`.",
        "",
        "```python",
        "import sibrisk",
        "from sibrisk.metrics.risk import summarize_contracts",
        "",
        "files = [\"standard.toml\", \"reinvestment.toml\", ...]  # all name drc-sib-2023",
        f"ds = sibrisk.simulate(\"drc-sib-2023\", runs={RUNS:_}, seed={SEED}, contracts=files)",
        "risk = summarize_contracts(ds)",
        "```",
        "",
        f"Expected NPV and probability of a loss of every actor who puts money in or pays "
        f"for outcomes ({RUNS:,} runs, seed {SEED}; DKK, present value at t = 0, per cohort; "
        "± one Monte Carlo standard error):",
        "",
        "| contract | expected payment | actor | expected NPV | probability of a loss |",
        "|---|---:|---|---:|---:|",
    ]
    same = [f for f, _, _ in WORKED if f != "thresholds.toml"]
    with contextlib.chdir(EXAMPLES):
        parts = [(sibrisk.simulate("drc-sib-2023", runs=RUNS, seed=SEED, contracts=same), same),
                 (sibrisk.simulate(sibrisk.load_scenario("drc-two-municipalities.toml"),
                                   runs=RUNS, seed=SEED, contracts=["thresholds.toml"]),
                  ["thresholds.toml"])]
    for ds, _ in parts:
        for name, c in summarize_contracts(ds).items():
            first = True
            for actor, a in c["actors"].items():
                if actor in ("provider", "evaluator") and abs(a["npv_mean"] or 0.0) < 0.5:
                    continue
                pay = _pm(c["payment_mean"], c["payment_mean_se"]) if first else ""
                out.append(f"| {name if first else ''} | {pay} | {actor} | "
                           f"{_pm(a['npv_mean'], a['npv_mean_se'])} | "
                           f"{_pm(a['loss_probability'], a['loss_probability_se'], 100, 1)} |")
                first = False
    out += [
        "",
        "The thresholds example runs in `drc-two-municipalities.toml` (in "
        "`examples/contracts/`), a copy of the built-in scenario with `cohort.cohorts = 2`, so "
        "that each municipality's cohort is drawn and measured on its own; a contract that "
        "names a scenario is evaluated only in a scenario of that name. The standard model and the loan carry the same outcome risk, "
        "once for the investor and once for the provider; the reinvestment model moves "
        "it all to the foundation, which loses its grant by design, while the municipality "
        "keeps the payments it declared for reinvestment.",
        "",
    ]
    return out


def render() -> str:
    out = [
        "# Contracts: payment mechanisms and capital structures",
        "",
        _GENERATED,
        "",
        "The catalogue priced one contract: a rate per participant in work, paid by the "
        "municipality to the investor who funded the provider. Real outcome contracts have "
        "more parts, and their risk lives in them: thresholds that sampling noise can miss, "
        "caps that cut the upside, guarantees that move the downside, tranches that decide "
        "who is repaid first. sibrisk writes a contract as a TOML file, settles it on observed "
        "outcomes (`sibrisk settle`, `sibrisk.settle`) and evaluates it on every simulated "
        "run (`sibrisk simulate --contract`, `sibrisk.simulate(..., contracts=...)`). The "
        "same vectorised code does all three, and the catalogue's contract "
        "(`sibrisk.Contract.from_scenario`) gives exactly the accounts of `sibrisk account`.",
        "",
        SCHEMA,
        OUTCOMES_TEXT,
        "`examples/contracts/outcomes.toml` holds illustrative counts for Herning and Viborg "
        "(19 of 56 in work, as in the catalogue):",
        "",
        *_example_text(OUTCOMES)[2:],
        "## Worked examples",
        "",
        "Each example below is a file in `examples/contracts/`, settled on those outcomes.",
        "",
    ]
    with contextlib.chdir(EXAMPLES):
        for name, heading, shows in WORKED:
            out += [f"### {heading}", "", f"Shows {shows}.", "", *_example_text(name),
                    *_run(["settle", name, "--outcomes", OUTCOMES])]
        out += [
            "## Mistakes in a contract file",
            "",
            "Every problem is listed on one line, with the key, the value and what is "
            "allowed:",
            "",
        ]
    with tempfile.TemporaryDirectory() as tmp, contextlib.chdir(tmp):  # not in examples/
        bad = Path("bad-contract.toml")
        bad.write_text('name = "bad"\nscenario = "drc-sib-2023"\n\n[[payments]]\n'
                       'kind = "rate_card"\nrates = { employd = 100_000 }\ncap = -1\n\n'
                       '[[payers]]\nname = "state"\npays = 0.4\nsaves = 1.0\n',
                       encoding="utf-8")
        out += ["```toml", *bad.read_text(encoding="utf-8").rstrip("\n").splitlines(),
                "```", "", *_run(["settle", str(bad)])]
    out += _simulated()
    out += [
        "## In Python",
        "",
        "```python",
        "import sibrisk",
        "from sibrisk.ledger.settlement import settlement_to_dict",
        "",
        "contract = sibrisk.load_contract(\"examples/contracts/tranches.toml\")",
        "result = sibrisk.settle(contract, \"examples/contracts/outcomes.toml\")",
        "result.actors              # ('state', 'municipality', 'provider', 'senior', ...)",
        "result.stats()             # (run, actor, [npv, multiple, exposure, payback_year, irr])",
        "result.yearly()            # (run, actor, year) nominal net flows",
        "result.transfers()         # 0 in every run: money between actors is conserved",
        "settlement_to_dict(result) # what `sibrisk settle --json` prints",
        "```",
        "",
    ]
    return "\n".join(out).rstrip("\n") + "\n"


PAGES = {PAGE: render}
