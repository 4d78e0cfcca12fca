"""Generate docs/evidence.md: how solid is the evidence behind the catalogue's effect?

Every number comes from ``sibrisk.evidence`` (effects, power, sample sizes) and
``sibrisk.evidence.progression`` (the synthetic questionnaire example); nothing is
random, so the page is the same on every run. The trial's counts come from the
built-in scenario's evidence distributions. ``--check`` compares the Markdown
only; the figures are drawn in write mode.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import sibrisk
from sibrisk import evidence
from sibrisk.evidence import progression as pr
from sibrisk.report import plot

from . import common
from .common import DOCS, FIGURES, _num, _table, draw_figures, generated_by, pct

SCENARIO = "drc-sib-2023"
PAGE = DOCS / "evidence.md"
FIG_POWER = FIGURES / "evidence-power.png"
FIG_PROGRESSION = FIGURES / "evidence-progression.png"

#: The catalogue's rates: "just under 35 %" in ordinary work against "just over 17 %".
P_TREATED, P_CONTROL = 0.35, 0.17
ALPHA = 0.05
TARGET = 0.8
#: Controls per participant for the table of control group sizes (the scenario assumes 5).
CONTROLS_PER_PARTICIPANT = (1, 2, 5, 10, 50)
#: The power calculations shown: (label, test, method).
CALCULATIONS = (
    ("z-test, exact", "z", "exact"),
    ("z-test, normal approximation", "z", "normal"),
    ("Fisher's exact test, exact", "fisher", "exact"),
    ("Fisher, normal approximation with continuity correction", "fisher", "normal"),
)
CURVE_SIZES = range(20, 121)
#: Rates and settings whose exact power first reaches 80 % and dips below it again.
SAW_TOOTH = (0.7, 0.3, {"control_ratio": 0.5, "test": "fisher"})
BIP_SCALE = (1, 5)
BIP_NAMES = {"bip_cooperation": "cooperation", "bip_health_coping": "health coping",
             "bip_job_belief": "belief in managing a job"}


# ---------------------------------------------------------------------------
# Computation
# ---------------------------------------------------------------------------
def _counts(s: sibrisk.Scenario, which: str) -> tuple[int, int]:
    """Employed and participants summed over the types' evidence for ``which``
    (``gross`` or ``control``) employment."""
    k = n = 0
    for t in s.types:
        d = s.uncertain_inputs[f"types.{t.name}.{which}_employment"]
        k, n = k + int(d["successes"]), n + int(d["trials"])
    return k, n


@functools.cache
def results() -> dict[str, Any]:
    s = sibrisk.load_scenario(SCENARIO)
    treated, control = _counts(s, "gross"), _counts(s, "control")
    main = evidence.effect(treated, control)
    rate = control[0] / control[1]
    by_controls = []
    for m in CONTROLS_PER_PARTICIPANT:
        n0 = m * treated[1]
        pair = control if n0 == control[1] else (round(rate * n0), n0)
        by_controls.append((m, pair, evidence.effect(treated, pair)))
    power = {}
    sizes = {}
    for ratio in (5, 1):
        for label, test, method in CALCULATIONS:
            kw = {"control_ratio": ratio, "test": test, "method": method, "alpha": ALPHA}
            power[ratio, test, method] = evidence.power(P_TREATED, P_CONTROL, treated[1], **kw)
            sizes[ratio, test, method] = evidence.sample_size(P_TREATED, P_CONTROL,
                                                              power=TARGET, **kw)
    one_sided = {test: evidence.sample_size(P_TREATED, P_CONTROL, control_ratio=5, test=test,
                                            alternative="greater")
                 for test in ("z", "fisher")}
    curve = evidence.power_curve(P_TREATED, P_CONTROL, CURVE_SIZES, control_ratio=5,
                                 test="fisher", alpha=ALPHA)
    saw = evidence.sample_size(*SAW_TOOTH[:2], **SAW_TOOTH[2])
    data = pr.example()
    who5 = pr.progression(data, "who5", by="municipality")
    bip = {item: pr.progression(data, item, by=None, scale=BIP_SCALE).sel(group="all")
           for item in BIP_NAMES}
    return {"scenario": s, "treated": treated, "control": control, "main": main,
            "by_controls": by_controls, "power": power, "sizes": sizes,
            "one_sided": one_sided, "curve": curve, "saw": saw, "data": data, "who5": who5,
            "bip": bip}


def claim(holds: bool, text: str) -> None:
    """Stop if the numbers no longer support a sentence of the page (so it gets revised)."""
    common.claim(holds, "evidence.md", "evidence", text)


def p_text(p: float) -> str:
    return "< 0.0001" if p < 1e-4 else _num(p, 4)


def pp_range(lo: float, hi: float) -> str:
    return f"{_num(100 * lo, 1, sign=True)} to {_num(100 * hi, 1, sign=True)} pp"


def pct_range(lo: float, hi: float) -> str:
    return f"{pct(lo)} to {pct(hi)}"


# ---------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------
def render() -> str:
    """The Markdown text of ``docs/evidence.md``."""
    r = results()
    out: list[str] = []
    out += _intro(r)
    out += _effect(r)
    out += _control_group(r)
    out += _power(r)
    out += _misjudgement(misjudgement())
    out += _progression(r)
    out += _reproduce(r)
    return "\n".join(out).rstrip("\n") + "\n"


def _intro(r) -> list[str]:
    (k1, n1), (k0, n0) = r["treated"], r["control"]
    s = r["scenario"]
    parts = []
    for t in s.types:
        d = s.uncertain_inputs[f"types.{t.name}.gross_employment"]
        parts.append(f"{d['successes']:g} of {d['trials']:g} `{t.name}`")
    by_type = " and ".join(parts)
    return [
        "# How solid is the evidence?",
        "",
        generated_by("evidence", figures=True),
        "",
        "The catalogue's case rests on one small trial. Two months after the programme, just "
        "under 35 % of the 56 participants were in ordinary work, against just over 17 % of "
        "a comparable control group drawn from the registers: an added effect of 18 "
        "percentage points, \"significant at the 95 % level\". The programme was sized at "
        "\"not much under 60\" participants to be able to show that. This page asks how "
        "solid that evidence is, with `sibrisk.evidence`: the effect with its uncertainty, "
        "how much the answer rests on the size of the control group, which the catalogue "
        "does not give, how large a trial has to be, and how often a contract that pays "
        "on the measured effect misjudges the programme (`simulate(..., "
        "comparison_size=...)`). A last section shows the progression analysis of "
        "`sibrisk.evidence.progression` on a synthetic example.",
        "",
        f"The trial's counts are those of the built-in scenario `{r['scenario'].name}`: "
        f"**{k1} of {n1}** participants in work ({by_type}: the catalogue's rates for those "
        "with and without Danish work experience in the last two years). "
        "The control group "
        f"is **{k0} of {n0}**: this is the scenario's **assumption** of five controls per "
        "participant at the catalogue's control rate, not a published figure.",
        "",
    ]


def _effect(r) -> list[str]:
    e = r["main"]
    (k1, n1), (k0, n0) = r["treated"], r["control"]
    claim(e.fisher_p < ALPHA and e.z_p < ALPHA, "significant by both tests")
    claim(e.difference_interval[0] > 0, "the interval excludes no effect")
    claim(0.2 < e.difference_interval[0] / 0.18 < 0.3 and e.difference_interval[1] > 0.25,
          "from about a quarter of the 18 points to well above them")
    return [
        "## The effect",
        "",
        f"`sibrisk.evidence.effect(({k1}, {n1}), ({k0}, {n0}))` gives the two rates with their "
        "Wilson intervals, the difference with Newcombe's interval (built from the two "
        "Wilson intervals, Newcombe 1998, method 10) and the relative risk with its "
        "interval on the log scale (Katz):",
        "",
        *_table(["group", "in work", "rate", "95 % interval"], [
            ["programme", f"{k1} of {n1}", pct(e.treated_rate), pct_range(*e.treated_interval)],
            ["control (assumed)", f"{k0} of {n0}", pct(e.control_rate),
             pct_range(*e.control_interval)],
            ["difference", "", f"{_num(100 * e.difference, 1, sign=True)} pp",
             pp_range(*e.difference_interval)],
            ["relative risk", "", _num(e.relative_risk, 2),
             f"{_num(e.relative_risk_interval[0], 2)} to "
             f"{_num(e.relative_risk_interval[1], 2)}"],
        ], "llrr"),
        "",
        "The tests of \"no difference\":",
        "",
        *_table(["test", "two-sided p", "one-sided p (programme higher)"], [
            ["Fisher's exact test", p_text(e.fisher_p), p_text(e.fisher_p_greater)],
            ["z-test, pooled variance", p_text(e.z_p), p_text(e.z_p_greater)],
        ], "lrr"),
        "",
        "With 48 of 280 controls the difference is significant at the 5 % level by both "
        "tests, as the catalogue says, and the interval excludes no effect. But it is wide: "
        f"the added effect could be anything from {pp_range(*e.difference_interval)}, "
        "from about a quarter of the 18 points that the catalogue prices the contract on to "
        "well above them.",
        "",
        "The Bayesian reading is the one sibrisk's simulations use: each rate's "
        "`dist = \"evidence\"` distribution is the Beta posterior under the Jeffreys prior, "
        f"here Beta({e.treated_posterior[0]:g}, {e.treated_posterior[1]:g}) and "
        f"Beta({e.control_posterior[0]:g}, {e.control_posterior[1]:g}). The probability that "
        "the programme's true rate is above the control group's is "
        f"**{pct(e.probability_treated_higher, 2)}** (by numerical integration, no "
        "sampling).",
        "",
    ]


def _control_group(r) -> list[str]:
    k1, n1 = r["treated"]
    rows = []
    for m, (k0, n0), e in r["by_controls"]:
        rows.append([f"{m}" + (" (the scenario)" if (k0, n0) == r["control"] else ""),
                     f"{k0} of {n0}", pp_range(*e.difference_interval),
                     p_text(e.fisher_p), p_text(e.z_p),
                     pct(e.probability_treated_higher, 1)])
    one = r["by_controls"][0][2]
    claim(one.fisher_p > ALPHA and one.z_p > ALPHA,
          "with as many controls as participants neither test is significant")
    claim(all(e.fisher_p < ALPHA for m, _, e in r["by_controls"] if m >= 2),
          "from two controls per participant Fisher's test is significant")
    return [
        "## How much rests on the control group",
        "",
        "The catalogue gives the control group's rate, not its size. The same rate measured "
        f"on fewer controls is weaker evidence. Keeping the programme's {k1} of {n1} and the "
        f"control rate of {pct(r['control'][0] / r['control'][1])}, the evidence with "
        "different numbers of controls per participant:",
        "",
        *_table(["controls per participant", "controls in work", "difference, 95 % interval",
                 "Fisher p", "z-test p", "P(programme higher)"], rows, "lrrrrr"),
        "",
        "With a control group as small as the programme group the difference would not be "
        "significant by either test (two-sided); from about two controls per participant "
        "it is. A register-based control group is usually many times larger than the "
        "programme, so the catalogue's claim is plausible, but it rests on a number the "
        "catalogue does not publish. sibrisk's risk figures depend on it too: see "
        "[how large was the control group](risk.md#how-large-was-the-control-group).",
        "",
    ]


def _power(r) -> list[str]:
    n = r["treated"][1]
    power, sizes = r["power"], r["sizes"]
    rows = []
    for label, test, method in CALCULATIONS:
        rows.append([label, pct(power[5, test, method]), f"{sizes[5, test, method].n_treated}",
                     pct(power[1, test, method]), f"{sizes[1, test, method].n_treated}"])
    five = [sizes[5, t, m].n_treated for _, t, m in CALCULATIONS]
    one = [sizes[1, t, m].n_treated for _, t, m in CALCULATIONS]
    claim(50 <= min(five) and max(five) <= 60, "with five controls each, 51 to 58")
    claim(min(one) > 85, "with equal groups, about 90 to 100")
    fisher = sizes[5, "fisher", "exact"]
    fisher_normal = sizes[5, "fisher", "normal"]
    claim(all(sizes[k].first_n_treated == sizes[k].n_treated for k in sizes
              if k[2] == "exact"), "the saw-tooth does not move these answers")
    os_z, os_f = r["one_sided"]["z"], r["one_sided"]["fisher"]
    saw = r["saw"]
    claim(saw.first_n_treated < saw.n_treated, "the saw-tooth example differs")
    return [
        "## How large must a trial be?",
        "",
        "The **power** of a trial is the probability that it shows a significant difference "
        "when the programme really works as hoped. sibrisk computes it exactly: "
        "`sibrisk.evidence.power` lists every outcome of the trial (*k* of the participants "
        "and *j* of the controls in work, with their binomial probabilities), applies the "
        "test to each, and adds up the probability of the outcomes it rejects. The usual "
        "normal approximation is there for comparison. `sibrisk.evidence.sample_size` "
        "gives the smallest programme group whose power reaches a target.",
        "",
        f"For the catalogue's rates, {pct(P_TREATED, 0)} against {pct(P_CONTROL, 0)}, a "
        f"two-sided test at the {pct(ALPHA, 0)} level, the power of {n} participants and the "
        f"programme group needed for {pct(TARGET, 0)} power:",
        "",
        *_table(["calculation", f"power, {n} + {5 * n} controls", "n for 80 %, 5 controls each",
                 f"power, {n} + {n} controls", "n for 80 %, equal groups"], rows, "lrrrr"),
        "",
        f"With a register control group five times the programme's size, {min(five)} to "
        f"{max(five)} participants give 80 % power, depending on the test: Fisher's exact "
        f"test needs {fisher.n_treated}, its classical normal approximation (with the "
        f"continuity correction) {fisher_normal.n_treated}. That is the catalogue's \"not "
        f"much under 60\", and the 56 who took part had about {pct(power[5, 'fisher', 'exact'], 0)}"
        " power. With a control group only as large as the programme group, the same power "
        f"would need {min(one)} to {max(one)} participants. So the catalogue's sizing is "
        "consistent with a large control group; the catalogue does not say which "
        "calculation its evaluators made. A one-sided test (only a higher rate counts) "
        f"needs fewer: {os_z.n_treated} (z-test) or {os_f.n_treated} (Fisher) with five "
        "controls each.",
        "",
        f"![Power against the programme group's size]({FIG_POWER.relative_to(DOCS)})",
        "",
        "The exact power is a **saw-tooth**: outcomes are whole numbers, so one more "
        "participant can lower it a little. `sample_size` therefore reports the smallest "
        "group from which the exact power stays at or above the target for the next "
        "max(10, n/10) sizes (`n_treated`), and separately the smallest that reaches it at "
        "all (`first_n_treated`). For these rates the two agree; for others they can differ "
        f"by a few participants ({saw.first_n_treated} against {saw.n_treated} for "
        f"{pct(saw.p_treated, 0)} against {pct(saw.p_control, 0)} with Fisher's test and "
        "half as many controls as participants, for instance).",
        "",
    ]


def _progression(r) -> list[str]:
    who5, bip = r["who5"], r["bip"]
    rows = []
    for g in who5.group.values:
        row = who5.sel(group=g)
        rows.append([str(g), f"{int(row.n)}", _num(float(row.start_mean), 1),
                     _num(float(row.end_mean), 1), _num(float(row.change_mean), 1, sign=True),
                     pct(float(row.positive_share), 0), pct(float(row.negative_share), 0),
                     p_text(float(row.wilcoxon_p))])
    h, v, a = (who5.sel(group=g) for g in ("Herning", "Viborg", "all"))
    claim(float(v.wilcoxon_p) < ALPHA <= float(h.wilcoxon_p), "Viborg significant, Herning not")
    claim(round(float(a.start_mean)) == 48, "overall start mean 48")
    bip_rows = [[name, pct(float(bip[item].positive_share), 0),
                 pct(float(bip[item].unchanged_share), 0),
                 pct(float(bip[item].negative_share), 0), p_text(float(bip[item].wilcoxon_p))]
                for item, name in BIP_NAMES.items()]
    claim(all(abs(float(b.negative_share) - 0.2) < 0.01 for b in bip.values()),
          "one in five negative on each")
    return [
        "## Progression: what the questionnaires can show",
        "",
        "Besides employment the evaluation asked the participants at the start and at the "
        "end of the programme about their well-being (the WHO-5 index: five items scored "
        "0-5, summed and multiplied by 4; below 36 a high risk of depression or stress, "
        "36-50 a risk, above 50 no immediate risk) and their employability (BIP indicator "
        "items). `sibrisk.evidence.progression` reads such answers (one row per participant and "
        "questionnaire), scores WHO-5 and compares each participant's start and end by "
        "group, with the Wilcoxon signed-rank test of the changes.",
        "",
        "**The data below are synthetic.** The catalogue publishes only averages, so "
        "sibrisk ships made-up answers of 44 fictitious participants (24 in Herning, 20 in "
        "Viborg), generated with a fixed seed by `docs/_generate/progression_example.py` to match "
        "the published aggregates (`sibrisk.evidence.progression.example()`, described in "
        "`src/sibrisk/evidence/data/README.md`). They show what the analysis does, not what the "
        "programme did.",
        "",
        *_table(["municipality", "n", "WHO-5 at start", "at end", "change", "better",
                 "worse", "Wilcoxon p"], rows, "lrrrrrrr"),
        "",
        "The made-up answers reproduce the published means of each municipality (Herning "
        "40 to 45, Viborg 58 to 69) and that Viborg's gain is significant and Herning's is "
        "not. They cannot reproduce the published overall start mean of 51: with start "
        "and end answers from all 24 + 20 respondents the overall mean is the weighted mean "
        f"of the two, (24 × 40 + 20 × 58) / 44 = 48.2, and the example gives "
        f"{_num(float(a.start_mean), 1)}. The catalogue's overall start mean must rest on "
        "other respondents, or another calculation, than its municipal means; its overall "
        "end mean, 56, agrees.",
        "",
        f"![WHO-5 at start and end per participant]({FIG_PROGRESSION.relative_to(DOCS)})",
        "",
        "On the three BIP items that the catalogue links to job chances (answers 1-5 in "
        "the example):",
        "",
        *_table(["item", "better", "unchanged", "worse", "Wilcoxon p"], bip_rows, "lrrrr"),
        "",
        "As in the catalogue, 41 %, 30 % and 23 % moved up and about one in five moved down "
        "on each: progression goes both ways, some participants becoming clearer about "
        "their limits. That is the catalogue's reason not to pay for progression but for "
        "an outcome that can be observed simply and objectively: employment.",
        "",
    ]


def _reproduce(r) -> list[str]:
    return [
        "## Reproduce these numbers",
        "",
        "```python",
        "from sibrisk import evidence, plot, progression",
        "",
        "e = evidence.effect((19, 56), (48, 280))           # Effect: rates, intervals, p-values",
        "evidence.power(0.35, 0.17, 56, control_ratio=5, test=\"fisher\")",
        "s = evidence.sample_size(0.35, 0.17, control_ratio=5, test=\"fisher\")",
        "curve = evidence.power_curve(0.35, 0.17, range(20, 121), control_ratio=5,",
        "                             test=\"fisher\")",
        "plot.power_curve(curve, n=(56, s.n_treated))",
        "",
        "data = progression.example()                       # SYNTHETIC answers",
        "progression.progression(data, \"who5\", by=\"municipality\")",
        "plot.progression(data)",
        "```",
        "",
        "At the terminal:",
        "",
        "```bash",
        "sibrisk evidence effect --treated 19/56 --control 48/280",
        "sibrisk evidence power --treated-rate 35% --control-rate 17% --n 56 --control-ratio 5",
        "sibrisk evidence power --treated-rate 35% --control-rate 17% --target-power 0.8 \\",
        "    --control-ratio 5 --test fisher",
        "sibrisk evidence progression              # the synthetic example",
        "sibrisk evidence progression answers.csv --by municipality --scale 1:5",
        "```",
        "",
        "See [the command line](cli.md) for their output (section *sibrisk evidence*).",
        "",
    ]


# ---------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------
def draw(outdir: Path = FIGURES) -> list[Path]:
    """Draw the page's figures as PNG files in ``outdir``; returns their paths."""
    return draw_figures([(FIG_POWER.name, _fig_power), (FIG_PROGRESSION.name, _fig_progression)],
                        results(), outdir)


def _fig_power(r):
    return plot.power_curve(r["curve"], target=TARGET,
                            n=(r["treated"][1], r["sizes"][5, "fisher", "exact"].n_treated))


def _fig_progression(r):
    return plot.progression(r["data"])


# ---------------------------------------------------------------------------
# A contract that pays on the measured effect
# ---------------------------------------------------------------------------
#: Pays AMOUNT per participant two months after the programme if the pooled effect,
#: measured against a comparison group, is at least THRESHOLD.
THRESHOLD, AMOUNT = 0.10, 100_000.0
THRESHOLD_CONTRACT = {
    "name": "threshold", "scenario": SCENARIO,
    "metrics": [{"name": "employed", "month": 2}],
    "payments": [{"kind": "effect", "name": "on_effect", "measure": "pooled",
                  "per": "participant", "points": [[THRESHOLD, AMOUNT]]}]}
#: The evaluation's comparison group: known exactly, five and one per participant.
COMPARISON_SIZES = (None, 280, 56)
MISJUDGE_RUNS, MISJUDGE_SEED = 100_000, 11


@functools.cache
def misjudgement() -> dict[Any, dict[str, Any]]:
    """The threshold contract simulated with each comparison group size, on one set of
    draws of the world and the cohort."""
    from sibrisk.metrics.risk import summarize_contracts

    out = {}
    for size in COMPARISON_SIZES:
        ds = sibrisk.simulate(SCENARIO, runs=MISJUDGE_RUNS, seed=MISJUDGE_SEED,
                              contracts=[THRESHOLD_CONTRACT], comparison_size=size,
                              judge_effects=True, contract_stats=("npv",))
        out[size] = summarize_contracts(ds)["threshold"]
    return out


def _misjudgement(m) -> list[str]:
    def cell(row, key):
        return f"{pct(row[key])} ± {_num(100 * row[key + '_se'], 1)} pp"

    rows = []
    for size, row in m.items():
        label = "known exactly" if size is None else f"{size} people"
        rows.append([label, cell(row, "effect_deserved_probability"),
                     cell(row, "unpaid_when_deserved_probability"),
                     cell(row, "paid_when_undeserved_probability"),
                     f"{_num(row['measurement_overpayment_mean'], 0)} ± "
                     f"{_num(row['measurement_overpayment_mean_se'], 0)}"])
    known, five, one = (m[s] for s in COMPARISON_SIZES)
    claim(one["unpaid_when_deserved_probability"] > known["unpaid_when_deserved_probability"]
          and one["misjudged_probability"] > five["misjudged_probability"],
          "a small comparison group misjudges more often")
    claim(known["unpaid_when_deserved_probability"] > 0.05,
          "the cohort's own luck alone leaves deserving programmes unpaid")
    claim(five["paid_when_undeserved_probability"] > 0.2, "a programme that misses is often paid")
    claim(known["effect_deserved_probability"] > 0.5
          and all(r["measurement_overpayment_mean"] < 0 for r in m.values()),
          "the payment error is negative because most runs deserve the payment")
    return [
        "## How often a threshold contract misjudges a programme",
        "",
        "A contract that pays on a measured effect pays on an *estimate*: the share of "
        "the cohort in work minus the comparison group's share, both from small groups. "
        f"Take a contract that pays {_num(AMOUNT, 0)} DKK per participant, two months "
        f"after the programme, if the effect measured on the whole cohort is at least "
        f"{_num(100 * THRESHOLD, 0)} percentage points. In each of "
        f"{_num(MISJUDGE_RUNS, 0)} simulated runs of the built-in scenario (seed "
        f"{MISJUDGE_SEED}), sibrisk draws the world (the true employment rates, from the "
        "trial's evidence) and the cohort's luck, measures the effect as an evaluator "
        "would, and compares the decision with the one the *true* effect (the "
        "programme's expected rate minus the comparison group's, in that run's world) "
        "would have given. The comparison group is either known exactly or measured on "
        "a group of the given size, drawn each run:",
        "",
        *_table(["comparison group", "true effect meets the target",
                 "not paid, though it meets it", "paid, though it misses it",
                 "payment error, mean (DKK)"], rows, "lrrrr"),
        "",
        f"Even with the comparison group's rate known exactly, the cohort's own luck "
        f"leaves {pct(known['unpaid_when_deserved_probability'])} of the deserving "
        f"programmes unpaid, and pays {pct(known['paid_when_undeserved_probability'])} of "
        "those that miss the target. A comparison group of one per participant makes it "
        f"worse ({pct(one['unpaid_when_deserved_probability'])} and "
        f"{pct(one['paid_when_undeserved_probability'])}); a register group of five per "
        "participant (the built-in scenario's assumption) costs little. The payment error "
        "is the mean payment minus the payment on the true effect: negative here, because "
        f"most runs deserve the payment ({pct(known['effect_deserved_probability'])}), so "
        "the deserving programmes left unpaid outweigh the others paid. The first column "
        "is the same in every row: the runs share their draws of "
        "the world and the cohort (common random numbers), and only the comparison "
        "group's draw differs.",
        "",
        "With the inputs at their point values the misjudged share can be counted "
        "exactly (the cohort's count in work is a sum of binomials by type, the "
        "comparison group's a binomial); the tests check the simulation against that "
        "count (`tests/test_measurement.py`). In Python:",
        "",
        "```python",
        "from sibrisk.metrics.risk import summarize_contracts",
        "",
        "ds = sibrisk.simulate(\"drc-sib-2023\", runs=100_000, seed=11,",
        "                      contracts=[\"threshold.toml\"], comparison_size=280)",
        "summarize_contracts(ds)[\"threshold\"][\"unpaid_when_deserved_probability\"]",
        "```",
        "",
        "and at the terminal `sibrisk simulate --contract threshold.toml --comparison-size "
        "280`; `sibrisk sweep ... --comparison-size 280` gives the same per point of a "
        "grid of thresholds or amounts.",
        "",
    ]


PAGES = {PAGE: render}
