"""Generate docs/risk.md: what the Monte Carlo distributions of the built-in scenario say.

Every number on the page comes from ``sibrisk.simulate`` and
``sibrisk.summarize`` run on the built-in scenario ``drc-sib-2023`` with fixed
seeds, so the page is the same on every run (the engine's random numbers do
not depend on the number of threads). ``--check`` compares the Markdown only:
the PNG figures are drawn again in write mode, and their bytes may differ
between matplotlib versions.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import sibrisk
from sibrisk.engine.simulate import fixed_counts
from sibrisk.report import plot

from . import common
from .common import DOCS, FIGURES, _num, _table, draw_figures, generated_by, money, pct

SCENARIO = "drc-sib-2023"
PAGE = DOCS / "risk.md"
RUNS = 200_000
SEED = 1
LEVEL = 0.05  # tail of value at risk and expected shortfall (summarize's default)
WITHIN = 10  # years of the payback probability (summarize's default)
#: Controls per participant for the control-group table (the built-in assumes 5).
CONTROLS_PER_PARTICIPANT = (1, 2, 5, 10, 50)

FIG_INVESTOR = FIGURES / "risk-investor-return.png"
FIG_MUNICIPAL = FIGURES / "risk-municipal-account.png"
FIG_DEADWEIGHT = FIGURES / "risk-deadweight.png"

#: The four measures compared across variants: (summary key, label, kind).
MEASURES = (
    ("investor_loss_probability", "P(investor loses money)", "p"),
    ("investor_return_mean", "expected return on outlay", "p"),
    ("municipal_deficit_probability", "P(municipality's account < 0)", "p"),
    (f"payback_within_{WITHIN}_years_probability", f"P(payback within {WITHIN} years)", "p"),
)

#: The uncertainty switches: (label, parameter_uncertainty, cohort_uncertainty).
VARIANTS = (
    ("both (the default)", True, True),
    ("parameter uncertainty only", True, False),
    ("cohort luck only", False, True),
    ("neither: point values, expected outcomes", False, False),
)


# ---------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------
def est(summary: Any, key: str, kind: str) -> str:
    """A summary measure with its standard error, e.g. ``26.5 % ± 0.10 pp``.

    No ``±`` when the standard error is 0: an exact answer, a run without
    noise, or a quantile that sits on one value of a discrete distribution.
    """
    return with_se(float(summary[key]), float(summary[f"{key}_se"]), kind)


def with_se(x: float, se: float, kind: str) -> str:
    if kind == "p":
        value, error = pct(x), f"{_num(100 * se, 2)} pp"
    elif kind == "money":
        value, error = money(x), money(se)
    elif kind == "count":
        value, error = _num(x, 2), _num(se, 2)
    elif kind == "years":
        if math.isinf(x):
            return "not within the horizon"
        value, error = _num(x, 1), _num(se, 2)
    else:
        raise ValueError(kind)
    return value if noise_free(x, se) else f"{value} ± {error}"


def noise_free(x: float, se: float | None) -> bool:
    """True for a standard error that is not estimated (NaN or None: an exact answer, a
    quantile on one value of a discrete distribution, a probability of 0 or 1 in the
    runs) or only floating-point dust (a run without noise).

    A real Monte Carlo standard error of a probability is at least about 1 / runs
    (5e-6 here); of money, thousands of kroner.
    """
    return se is None or math.isnan(se) or se <= 1e-6 * max(1.0, abs(x))


def millions(x: float, decimals: int = 2) -> str:
    return f"{_num(x / 1e6, decimals)} million"


def z_score(mc: float, se: float, exact: float) -> str:
    if noise_free(mc, se):
        return "equal" if math.isclose(mc, exact, rel_tol=1e-9) else "differs"
    return _num((mc - exact) / se, 2, sign=True)


def describe(dist: Any) -> str:
    """A distribution of an uncertain input, in words."""
    p = dict(dist.params)
    if dist.kind == "evidence":
        a, b = dist.beta_posterior()
        return (f"evidence: {p['successes']:g} of {p['trials']:g} employed, "
                f"{p['prior'].capitalize()} prior, so Beta({a:g}, {b:g})")
    return f"{dist.kind}: " + ", ".join(f"{k} {v:g}" for k, v in p.items())


def composition(s: sibrisk.Scenario) -> str:
    """The fixed cohort's participants by type, e.g. ``20 with_experience and 36 ...``."""
    return " and ".join(f"{n} {t.name}" for n, t in zip(fixed_counts(s), s.types, strict=True))


def value_text(x: float) -> str:
    return pct(x, 1) if 0.0 <= x <= 1.0 else _num(x, 4)


# ---------------------------------------------------------------------------
# Computation: everything the page and the figures need, computed once
# ---------------------------------------------------------------------------
@dataclass
class Results:
    scenario: sibrisk.Scenario
    main: Any  # summary of the default simulation
    variants: list[tuple[str, Any]]
    controls: list[tuple[str, str, Any]]
    exact_both: Any
    exact_cohort: Any
    mc_cohort: Any
    outlay: float
    rate: float
    break_even_jobs: int
    employed_mean: tuple[float, float]
    employed_point: float
    deadweight_payment: tuple[float, float]
    by_type: list[dict[str, Any]]
    figures: dict[str, Any] = field(default_factory=dict)


def _mean_se(x: np.ndarray) -> tuple[float, float]:
    """Mean and its standard error, as ``sibrisk.summarize`` computes them."""
    return float(x.mean()), float(x.std(ddof=1) / math.sqrt(x.size))


def control_scenario(s: sibrisk.Scenario, per_participant: float | None) -> sibrisk.Scenario:
    """The scenario with control evidence from ``per_participant`` controls per participant.

    The trial's participants of each type are the trials of its gross-employment
    evidence; the control group keeps the scenario's control rate, so
    successes = round(rate * trials). ``None``: the control rate is known exactly.
    """
    changes: dict[str, Any] = {}
    for t in s.types:
        key = f"types.{t.name}.control_employment"
        if per_participant is None:
            changes[key] = t.control_employment
            continue
        participants = int(s.uncertain_inputs[f"types.{t.name}.gross_employment"]["trials"])
        trials = int(round(per_participant * participants))
        changes[key] = {"value": t.control_employment, "dist": "evidence",
                        "successes": int(round(t.control_employment * trials)),
                        "trials": trials}
    return s.replace(changes)


@functools.cache
def results() -> Results:
    s = sibrisk.load_scenario(SCENARIO)
    if "provider.cost_per_participant" in s.uncertain_inputs or s.contract.rate_card != "uniform":
        raise AssertionError(f"{SCENARIO}: the page assumes a fixed provider cost and one rate")
    tariff = sibrisk.price_surplus_share(s)
    outlay = s.provider.cost_per_participant * s.cohort.size
    rate = float(tariff.uniform_rate)

    ds = sibrisk.simulate(s, RUNS, SEED, yearly=True)
    main = sibrisk.summarize(ds)
    variants = []
    for label, params, luck in VARIANTS:
        if params and luck:
            variants.append((label, main))
        else:
            variants.append((label, sibrisk.summarize(sibrisk.simulate(
                s, RUNS, SEED, parameter_uncertainty=params, cohort_uncertainty=luck))))

    controls = []
    for m in (*CONTROLS_PER_PARTICIPANT, None):
        c = control_scenario(s, m)
        evidence = []
        for t in c.types:
            d = c.uncertain_inputs.get(f"types.{t.name}.control_employment")
            evidence.append("rate fixed" if d is None else
                            f"{d['successes']:g} of {d['trials']:g}")
        label = "known exactly" if m is None else f"{m:g}"
        if c.to_dict() == s.to_dict():
            label += " (built-in)"
        summary = main if c.to_dict() == s.to_dict() else sibrisk.summarize(
            sibrisk.simulate(c, RUNS, SEED))
        controls.append((label, " / ".join(evidence), summary))

    exact_both_ds = sibrisk.simulate(s, method="exact")
    exact_both = sibrisk.summarize(exact_both_ds)
    exact_cohort = sibrisk.summarize(sibrisk.simulate(s, method="exact",
                                                      parameter_uncertainty=False))
    mc_cohort = variants[2][1]

    employed = ds.gross_employed.sum("type").values
    by_type = []
    inputs = ds.input_value
    for t in s.types:
        g_key, c_key = (f"types.{t.name}.{x}_employment" for x in ("gross", "control"))
        row = {
            "name": t.name, "label": t.label,
            "participants": int(ds.participants.sel(type=t.name).values[0]),
            "gross": _mean_se(ds.gross_employed.sel(type=t.name).values),
            "deadweight": _mean_se(ds.deadweight_employed.sel(type=t.name).values),
            "additional": _mean_se(ds.additional_employed.sel(type=t.name).values),
            "point_ratio": t.control_employment / t.gross_employment,
        }
        if g_key in ds.input and c_key in ds.input:
            row["no_effect"] = float((inputs.sel(input=c_key) >= inputs.sel(input=g_key)).mean())
        by_type.append(row)

    r = Results(
        scenario=s, main=main, variants=variants, controls=controls,
        exact_both=exact_both, exact_cohort=exact_cohort, mc_cohort=mc_cohort,
        outlay=outlay, rate=rate, break_even_jobs=math.ceil(outlay / rate - 1e-9),
        employed_mean=_mean_se(employed),
        employed_point=float(fixed_counts(s) @ [t.gross_employment for t in s.types]),
        deadweight_payment=_mean_se(ds.deadweight_payment.values),
        by_type=by_type,
    )
    r.figures = _figure_data(s, ds, exact_both_ds)
    return r


def _figure_data(s, ds, exact_ds) -> dict[str, Any]:
    """What the figures draw: the simulation's variables they need (so the rest can
    go), the exact enumeration and the account at the point values."""
    keep = ["investor_result", "investor_return", "municipal_cumulative_account",
            "municipal_payback_year", "gross_employed", "additional_employed", "participants"]
    return {"ds": ds[keep], "exact": exact_ds, "point": sibrisk.account(s, per="cohort")}


def claim(holds: bool, text: str) -> None:
    """Stop if the numbers no longer support a sentence of the page (so it gets revised)."""
    common.claim(holds, "risk.md", "risk", text)


def _tag() -> str:
    return f"{100 * LEVEL:g}".replace(".", "_")


# ---------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------
def render() -> str:
    """The Markdown text of ``docs/risk.md``."""
    r = results()
    out: list[str] = []
    out += _intro(r)
    out += _investor(r)
    out += _municipality(r)
    out += _two_kinds(r)
    out += _control_group(r)
    out += _deadweight(r)
    out += _exact(r)
    out += _reproduce(r)
    return "\n".join(out).rstrip("\n") + "\n"


def _intro(r: Results) -> list[str]:
    s = r.scenario
    rows = []
    for key, dist in s.uncertain_inputs.items():
        lo, hi = dist.ppf(np.array([0.05, 0.95]))
        rows.append([f"`{key}`", describe(dist), value_text(s.get(key)),
                     value_text(dist.mean()), f"{value_text(lo)} – {value_text(hi)}"])
    return [
        "# Risk: what the distributions say",
        "",
        generated_by("risk", figures=True),
        "",
        "The catalogue prices the contract on expected values: on average the investor earns "
        "its share of the surplus and the municipality (*kommune*, the commissioner that pays "
        "for outcomes) keeps the rest. But the contract covers one cohort of "
        f"{s.cohort.size} people, and the employment rates behind the price were measured in "
        "a trial of the same small size. This page asks what can happen around the average, first "
        "for the **investor**, then for the **municipality**.",
        "",
        f"Every number comes from `sibrisk.simulate` on the built-in scenario `{s.name}` with "
        f"{RUNS:,} runs and seed {SEED}, summarised by `sibrisk.summarize`, and is printed "
        "with its Monte Carlo standard error (`±`; none where the number has no sampling "
        "noise). Money is in "
        f"{s.currency} for the whole cohort, {s.price_year} prices, present value at the "
        "start of the programme. The contract is priced once on the scenario's point values, "
        f"as in the catalogue: {money(r.rate)} per participant in work at the measurement "
        "point. See [the model](model.md#monte-carlo) for how runs are drawn.",
        "",
        "The uncertain inputs of the scenario (the catalogue gives point values only; the "
        "distributions are sibrisk's reading of the trial):",
        "",
        *_table(["input", "distribution", "point value", "mean", "90 % interval"], rows,
                "llrrr"),
        "",
        "The employment rates are Beta distributions fitted to counts (\"evidence\"): with "
        "the Jeffreys prior, *k* employed of *n* gives Beta(*k* + ½, *n* − *k* + ½). The "
        "control counts assume a control group five times the size of each participant "
        "group, which the catalogue does not give; [a section below](#how-large-was-the-"
        "control-group) shows how much that matters.",
        "",
    ]


def _investor(r: Results) -> list[str]:
    m, s = r.main, r.scenario
    tag = _tag()
    q = m.investor_return_quantiles
    qse = m.investor_return_quantiles_se
    quantiles = ", ".join(
        f"{_num(100 * float(k), 0)} %: {with_se(float(v), float(e), 'p')}"
        for k, v, e in zip(q["quantile"].values, q.values, qse.values, strict=True))
    loss_jobs = r.break_even_jobs - 1
    expected = s.gross_employment * s.cohort.size
    claim(r.employed_point > expected and abs(r.employed_mean[0] - r.employed_point) < 0.1,
          "the composition explains the difference")
    claim(float(m.investor_return_mean) > float(sibrisk.account(s).investor_return),
          "the expected return is a little above the catalogue's")
    return [
        "## For the investor",
        "",
        f"The investor pays the provider's cost for the whole cohort up front, "
        f"{money(r.outlay)} {s.currency}, and receives {money(r.rate)} {s.currency} for every "
        f"participant in work at the measurement point. It gets its money back only if at "
        f"least {r.break_even_jobs} of the {s.cohort.size} are in work; with "
        f"{loss_jobs} or fewer it loses. The price assumes "
        f"{_num(s.gross_employment * s.cohort.size, 2)} in work on average; across the runs "
        f"the mean is {with_se(*r.employed_mean, 'count')}. The difference is mostly the "
        f"cohort's whole-number composition: {composition(s)} participants, where the shares "
        f"give {' and '.join(_num(t.share * s.cohort.size, 1) for t in s.types)}; at the point "
        f"values these counts expect {_num(r.employed_point, 2)} in work. What is left is the "
        "drawn gross rates' means (the evidence's posterior means), which sit close to the "
        "point values. A run whose drawn control rate is above its drawn gross rate is one "
        "in which the programme harms: some who would have worked lose the job, so gross "
        "employment still follows the drawn gross rate and the additional employment is "
        "negative.",
        "",
        *_table(["measure", "value"], [
            ["probability of losing money", est(m, "investor_loss_probability", "p")],
            ["expected return on outlay", est(m, "investor_return_mean", "p")],
            ["expected result (payment − outlay)", est(m, "investor_result_mean", "money")
             + f" {s.currency}"],
            ["return quantiles", quantiles],
            [f"value at risk ({pct(LEVEL, 0)})", est(m, f"investor_var_{tag}", "money")
             + f" {s.currency}"],
            [f"expected shortfall ({pct(LEVEL, 0)})", est(m, f"investor_cvar_{tag}", "money")
             + f" {s.currency}"],
        ], "lr"),
        "",
        f"![Distribution of the investor's return](figures/{FIG_INVESTOR.name})",
        "",
        "How to read it: the expected return is close to the catalogue's "
        f"{pct(float(sibrisk.account(s).investor_return))} (a little above, for the same "
        "reasons), but that average hides a wide spread. In about "
        f"{_num(100 * float(m.investor_loss_probability), 0)} cohorts out of 100 the "
        "investor loses money. *Value at risk* at 5 % is the loss that is exceeded "
        f"in at most 5 % of cohorts: {money(float(m[f'investor_var_{tag}']))} "
        f"{s.currency}, {pct(float(m[f'investor_var_{tag}']) / r.outlay, 0)} of the outlay. "
        "*Expected shortfall* is the average loss in those worst 5 %: "
        f"{money(float(m[f'investor_cvar_{tag}']))} {s.currency}, "
        f"{pct(float(m[f'investor_cvar_{tag}']) / r.outlay, 0)} of the outlay. The return "
        "moves in steps because the payment is a whole number of jobs times the rate: one "
        f"job more or less is {pct(r.rate / r.outlay, 1)} of the outlay.",
        "",
        "A foundation that wants its money back to reinvest cares most about the chance of "
        "a loss and the shortfall; an investor that holds many such contracts cares most "
        "about the expected return, because the luck of separate cohorts averages out "
        "(the uncertainty about the rates does not, see "
        "[two kinds of uncertainty](#two-kinds-of-uncertainty)).",
        "",
    ]


def _municipality(r: Results) -> list[str]:
    m, s = r.main, r.scenario
    pq = m.payback_year_quantiles
    pqse = m.payback_year_quantiles_se
    quantiles = ", ".join(
        f"{_num(100 * float(k), 0)} %: {with_se(float(v), float(e), 'years')}"
        for k, v, e in zip(pq["quantile"].values, pq.values, pqse.values, strict=True))
    acc = sibrisk.account(s, per="cohort")
    within = f"payback_within_{WITHIN}_years_probability"
    claim(float(m.municipal_account_mean) < float(acc.municipal_account),
          "the expected account is below the point-value account")
    claim(s.uncertain_inputs["effect.decay"].mean() > s.effect.decay,
          "the decay's mean is above its point value")
    claim(all(s.uncertain_inputs[f"types.{t.name}.control_employment"].mean()
              > t.control_employment for t in s.types),
          "the control rates' means are above the calibrated rates")
    return [
        "## For the municipality",
        "",
        "The municipality pays the same outcome payment at the start, and its savings "
        "(transfer income saved, tax gained, the ordinary employment effort it no longer "
        "pays for) come in over the following years. Its own account, in the budget sense "
        "(*budgetøkonomisk*: the public budget), is savings minus the payment. Savings come "
        "only from *additional* employment, the jobs the programme caused, while the "
        "payment is for every job: the municipality bears both the luck of the cohort and "
        "the risk that the effect is smaller or fades faster than assumed.",
        "",
        *_table(["measure", "value"], [
            ["probability its own account ends negative",
             est(m, "municipal_deficit_probability", "p")],
            ["expected own account", est(m, "municipal_account_mean", "money")
             + f" {s.currency}"],
            ["own account at the point values (the catalogue's reading)",
             f"{money(float(acc.municipal_account))} {s.currency}"],
            ["payback year quantiles", quantiles],
            [f"probability of payback within {WITHIN} years", est(m, within, "p")],
            ["share of the payment for jobs that would have come anyway",
             est(m, "deadweight_share_mean", "p")],
            ["expected welfare-economic surplus (*samfundsøkonomisk*: society as a whole)",
             est(m, "welfare_surplus_mean", "money") + f" {s.currency}"],
        ], "lr"),
        "",
        f"![The municipality's cumulative account over the years](figures/{FIG_MUNICIPAL.name})",
        "",
        "How to read it: the account starts deep in the red, because the payment falls at "
        "once, and climbs as the savings arrive. At the point values it turns positive after "
        f"{_num(float(acc.municipal_payback_year), 1)} years (the catalogue's \"about eight "
        f"years\"). Across the runs the median payback is "
        f"{with_se(float(pq.sel(quantile=0.5)), float(pqse.sel(quantile=0.5)), 'years')} "
        f"years, and in {pct(float(m.municipal_deficit_probability), 0)} of cohorts the "
        f"account is still negative after {s.effect.horizon} years, when the scenario stops "
        "counting savings: the municipality then paid more than the programme saved it. "
        "The expected account is below the point-value account for two reasons. The "
        "inputs' distributions are not centred on the point values (see the table at the "
        f"top: the decay's mean is {pct(s.uncertain_inputs['effect.decay'].mean())}, the "
        "control rates' means are above the calibrated rates). And in a run where a type's "
        "drawn control rate beats its drawn gross rate, the municipality pays for every job "
        "of that type and saves nothing.",
        "",
    ]


def _measure_row(label: str, summary: Any, extra: list[str] | None = None) -> list[str]:
    return [label, *(extra or []), *(est(summary, key, kind) for key, _, kind in MEASURES)]


def _two_kinds(r: Results) -> list[str]:
    s = r.scenario
    body = [_measure_row(label, summary) for label, summary in r.variants]
    both, params, luck = (r.variants[i][1] for i in range(3))
    loss = [float(x.investor_loss_probability) for x in (both, params, luck)]
    deficit = [float(x.municipal_deficit_probability) for x in (both, params, luck)]
    neither = r.variants[3][1]
    claim(math.isclose(float(r.exact_cohort.investor_return_mean),
                       r.employed_point * r.rate / r.outlay - 1, abs_tol=1e-9),
          "cohort luck changes the expected return only through the whole-number composition")
    claim(float(neither.investor_loss_probability) == 0.0
          and float(neither[f"payback_within_{WITHIN}_years_probability"]) > 1 - 1e-9,
          "with neither, the investor never loses and the municipality always pays back")
    claim(loss[2] > loss[1] and deficit[1] > deficit[2] and loss[0] > max(loss[1:])
          and deficit[0] > max(deficit[1:]),
          "cohort luck matters more to the investor, parameters more to the municipality")
    return [
        "## Two kinds of uncertainty",
        "",
        "Two different things can go wrong, and sibrisk draws them one after the other in "
        "every run:",
        "",
        "- **Parameter uncertainty**, what we do not know about the world: the employment "
        "rates were measured on 19 and 37 participants and an unknown number of controls, "
        "and nobody knows how fast the effect will fade. Each run first draws these inputs.",
        f"- **Cohort luck**: even if the rates were known exactly, which of the "
        f"{s.cohort.size} people happen to find work is a matter of chance. Each run then "
        "draws the cohort's outcomes from the drawn rates.",
        "",
        "Either can be switched off: "
        "`simulate(..., parameter_uncertainty=False)` holds every input at its point value, "
        "`cohort_uncertainty=False` replaces the draws of the cohort by their expected "
        "values. All four variants use the same seed.",
        "",
        *_table(["uncertainty", *(label for _, label, _ in MEASURES)], body, "lrrrr"),
        "",
        "With neither, every run is the catalogue's average case: the investor always earns "
        f"{pct(float(r.variants[3][1].investor_return_mean))} and the municipality always "
        f"pays back within {WITHIN} years. Drawing the cohort raises the expected return to "
        f"{pct(float(luck.investor_return_mean))} only because a drawn cohort has whole "
        f"participants ({composition(s)}, see [the investor](#for-the-investor)). "
        "For the investor the cohort's luck alone gives a "
        f"{pct(loss[2], 0)} chance of a loss and parameter uncertainty alone "
        f"{pct(loss[1], 0)}; together they give {pct(loss[0], 0)}. For the municipality's "
        f"account the order is the other way round: {pct(deficit[2], 0)} from cohort luck, "
        f"{pct(deficit[1], 0)} from parameter uncertainty, {pct(deficit[0], 0)} from both, "
        "because its savings also depend on the control rates and the decay, which only "
        "parameter uncertainty moves.",
        "",
        "The difference matters for whoever carries the risk. Cohort luck averages out over "
        "many cohorts: an investor funding ten such programmes sees it largely cancel. "
        "Parameter uncertainty does not: if the programme works less well than the trial "
        "suggested, it does so for every cohort. Only more evidence reduces it: a larger "
        "trial, a larger control group, a longer follow-up of the effect.",
        "",
    ]


def _control_group(r: Results) -> list[str]:
    s = r.scenario
    body = [_measure_row(label, summary, [evidence])
            for label, evidence, summary in r.controls]
    names = " / ".join(t.name for t in s.types)
    deficit = [float(x.municipal_deficit_probability) for _, _, x in r.controls]
    loss = [float(x.investor_loss_probability) for _, _, x in r.controls]
    claim(max(loss) - min(loss) < 0.05 and deficit[0] - deficit[-1] > 0.05
          and all(a >= b for a, b in zip(deficit, deficit[1:])),
          "the investor notices little; the municipality's risk falls with more controls")
    return [
        "## How large was the control group?",
        "",
        "The control rates (employment without the programme) come from a register-based "
        "comparison group whose size the catalogue does not give. The built-in scenario "
        "assumes five controls per participant. A small control group leaves the control "
        "rate, and so the marginal effect that produces the municipality's savings, "
        "uncertain; a large one pins it down. The table rebuilds the scenario with the "
        "control evidence scaled to other sizes, at the same rates "
        "(successes = round(rate × trials)), for example",
        "",
        "```python",
        's.replace("types.no_experience.control_employment",',
        '          {"value": 0.1233, "dist": "evidence", "successes": 5, "trials": 37})',
        "```",
        "",
        f"and in the last row holds the control rates fixed. Evidence is shown as "
        f"employed of controls, for {names}.",
        "",
        *_table(["controls per participant", "control evidence",
                 *(label for _, label, _ in MEASURES)], body, "llrrrr"),
        "",
        f"The investor notices little (a loss probability between {pct(min(loss), 0)} and "
        f"{pct(max(loss), 0)}): it is paid for gross employment, whoever caused it; the "
        "control rate only matters to it in the runs where it is drawn above the "
        "programme's rate. The municipality notices a lot: with one control per "
        "participant the chance that its "
        f"account ends negative is {pct(deficit[0], 0)}; with fifty it is "
        f"{pct(deficit[-2], 0)}, close to the {pct(deficit[-1], 0)} of a control rate known "
        "exactly. The remaining risk then comes from the participants' own small numbers, "
        "the decay and the cohort's luck. Before signing, a municipality should ask how "
        "large the comparison group behind the marginal effect was.",
        "",
    ]


def _deadweight(r: Results) -> list[str]:
    s, m = r.scenario, r.main
    body = []
    for row in r.by_type:
        body.append([
            f"{row['name']} ({row['participants']} participants)",
            _num(row["gross"][0], 2), _num(row["deadweight"][0], 2),
            _num(row["additional"][0], 2),
            pct(row["point_ratio"]),
            pct(row["no_effect"]) if "no_effect" in row else "-",
        ])
    share_cohort = float(r.mc_cohort.deadweight_share_mean)
    ratios = {round(row["point_ratio"], 9) for row in r.by_type}
    claim(len(ratios) == 1 and abs(share_cohort - ratios.pop()) < 0.002,
          "with point-value rates the share is c / g, the same for both types")
    claim(float(m.deadweight_share_mean) > share_cohort + 0.01,
          "uncertainty about the rates raises the deadweight share")
    largest_se = max(row[k][1] for row in r.by_type for k in ("gross", "deadweight", "additional"))
    se_bound = math.ceil(largest_se * 100) / 100
    return [
        "## Deadweight: paying for jobs that would have come anyway",
        "",
        "The payment is triggered by every participant in work (gross employment); some of "
        "them would have found work without the programme (deadweight). In each run and for "
        "each type sibrisk draws the deadweight first and the additional jobs from the rest, "
        "so it knows which part of the payment bought nothing.",
        "",
        *_table(["measure", "value"], [
            ["expected share of the payment for deadweight jobs",
             est(m, "deadweight_share_mean", "p")],
            ["expected payment for deadweight jobs",
             f"{with_se(*r.deadweight_payment, 'money')} {s.currency}"],
            ["same share, cohort luck only (point-value rates)",
             est(r.mc_cohort, "deadweight_share_mean", "p")],
        ], "lr"),
        "",
        "By participant type, the expected number of participants in work (each with a "
        f"standard error of at most {_num(se_bound, 2)}):",
        "",
        *_table(["type", "in work (paid for)", "deadweight", "additional",
                 "deadweight share at the point values, c / g",
                 "runs with no effect (drawn c ≥ g)"], body, "lrrrrr"),
        "",
        f"![Gross and deadweight employment by participant type](figures/{FIG_DEADWEIGHT.name})",
        "",
        "About half of what the municipality pays is for jobs that would have come anyway. "
        "With the rates at their point values the expected share is the control rate over "
        f"the gross rate, {pct(share_cohort)}: the cohort's luck does not change it, since "
        "each employed participant is deadweight with the same chance c / g (here the same "
        "for both types, because the control rates were set in proportion to the gross "
        "rates). Uncertainty "
        f"about the rates raises it to {pct(float(m.deadweight_share_mean))}: in the runs "
        "where the drawn control rate of a type is above its drawn gross rate the programme "
        "adds nothing for that type, and everything paid for it is deadweight. This is the "
        "price of paying for observed (gross) outcomes rather than for the effect; "
        "whoever sets the rate should count it in.",
        "",
    ]


def _exact(r: Results) -> list[str]:
    tag = _tag()
    investor = (
        ("investor_loss_probability", "P(investor loses money)", "p"),
        ("investor_return_mean", "expected return on outlay", "p"),
        (f"investor_var_{tag}", f"value at risk ({pct(LEVEL, 0)})", "money"),
        (f"investor_cvar_{tag}", f"expected shortfall ({pct(LEVEL, 0)})", "money"),
        ("investor_result_mean", "expected investor result", "money"),
    )
    municipal = (
        ("municipal_deficit_probability", "P(municipality's account < 0)", "p"),
        ("municipal_account_mean", "expected municipal account", "money"),
        (f"payback_within_{WITHIN}_years_probability", f"P(payback within {WITHIN} years)", "p"),
        ("deadweight_share_mean", "expected deadweight share", "p"),
        ("welfare_surplus_mean", "expected welfare-economic surplus", "money"),
    )

    def rows(mc, ex, measures):
        body, worst = [], 0.0
        for key, label, kind in measures:
            value, se, exact = float(mc[key]), float(mc[f"{key}_se"]), float(ex[key])
            body.append([label, with_se(value, se, kind),
                         pct(exact) if kind == "p" else money(exact), z_score(value, se, exact)])
            if not noise_free(value, se):
                worst = max(worst, abs(value - exact) / se)
                counted[0] += 1
        return body, worst

    counted = [0]

    both, worst_both = rows(r.main, r.exact_both, investor)
    cohort, worst_cohort = rows(r.mc_cohort, r.exact_cohort, investor + municipal)
    n_both = int(r.exact_both.attrs["outcomes"])
    n_cohort = int(r.exact_cohort.attrs["outcomes"])
    header = ["measure", f"Monte Carlo ({RUNS:,} runs)", "exact", "difference / standard error"]
    return [
        "## Monte Carlo against the exact answer",
        "",
        "With two participant types and 56 participants every possible outcome can be "
        "listed with its probability, so some answers need no sampling at all "
        "(`simulate(..., method=\"exact\")`). This checks the Monte Carlo engine and its "
        "standard errors: the difference divided by the standard error should mostly lie "
        "between −2 and 2.",
        "",
        "**The default scenario, investor's measures.** The investor's money depends only "
        "on how many of each type are in work, and with the gross rates from evidence each "
        "type's count has a closed form, mixed over the uncertain control rate (the "
        f"municipality's measures need Monte Carlo here). {n_both:,} outcomes:",
        "",
        *_table(header, both, "lrrr"),
        "",
        "**Cohort luck only, every measure.** With the inputs at their point values the "
        "joint distribution of deadweight and additional jobs by type is listed completely "
        f"({n_cohort:,} outcomes), and every measure is exact:",
        "",
        *_table(header, cohort, "lrrr"),
        "",
        f"The largest difference is {_num(worst_both, 1)} standard errors in the first "
        f"table and {_num(worst_cohort, 1)} in the second. Each estimate has about a 5 % "
        f"chance of lying more than 2 standard errors away, so among {counted[0]} of them "
        "one such is no surprise. The value at risk has no standard error: it is a "
        "quantile that sits on one of the discrete values of the result, and Monte Carlo "
        "finds exactly that value.",
        "",
    ]


def _reproduce(r: Results) -> list[str]:
    return [
        "## Reproduce these numbers",
        "",
        "```python",
        "import sibrisk",
        "",
        f's = sibrisk.load_scenario("{SCENARIO}")',
        f"ds = sibrisk.simulate(s, runs={RUNS:_}, seed={SEED})          # every run, an "
        "xarray.Dataset",
        "summary = sibrisk.summarize(ds)                           # measures and standard "
        "errors",
        "print(float(summary.investor_loss_probability), "
        "float(summary.investor_loss_probability_se))",
        "",
        'exact = sibrisk.summarize(sibrisk.simulate(s, method="exact"))',
        "luck_only = sibrisk.summarize(sibrisk.simulate(s, runs=200_000, seed=1, "
        "parameter_uncertainty=False))",
        "```",
        "",
        f"or on the command line `sibrisk simulate --runs {RUNS} --seed {SEED}` (see "
        "[the command line](cli.md#sibrisk-simulate)). The page itself is generated by "
        "`docs/_generate/risk.py`, which also draws the figures.",
    ]


# ---------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------
def draw(outdir: Path = FIGURES) -> list[Path]:
    """Draw the page's figures with ``sibrisk.report.plot`` as PNG files in ``outdir``; returns
    their paths."""
    return draw_figures([(FIG_INVESTOR.name, _fig_investor), (FIG_MUNICIPAL.name, _fig_municipal),
                         (FIG_DEADWEIGHT.name, _fig_deadweight)],
                        results().figures, outdir)


def _fig_investor(f: dict[str, Any]):
    return plot.investor_result(f["ds"], level=LEVEL, exact=f["exact"], return_axis=True)


def _fig_municipal(f: dict[str, Any]):
    return plot.municipal_payback(f["ds"], band=((0.05, 0.95), (0.25, 0.75)), point=f["point"])


def _fig_deadweight(f: dict[str, Any]):
    return plot.outcomes(f["ds"])


PAGES = {PAGE: render}
