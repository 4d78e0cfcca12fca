"""Plain-text reports of the evidence commands (``sibrisk evidence ...``), 80 columns wide,
in English or Danish.

Each function takes a result of :mod:`sibrisk.evidence` or
:mod:`sibrisk.progression` and returns the text the command prints; its numbers are
written by :class:`sibrisk.language.Numbers`, its words by :func:`sibrisk.language.words`
with the Danish of :data:`DANISH`.
"""

from __future__ import annotations

import textwrap

import xarray as xr

from ..evidence.effects import Effect
from ..evidence.power_analysis import SampleSize
from ..evidence.progression import SYNTHETIC, WHO5_BANDS, who5_band
from .language import Numbers, numbers_for, words

WIDTH = 80

_TESTS = {"z": "z-test with pooled variance", "fisher": "Fisher's exact test"}
_METHODS = {"exact": "exact: every outcome of the trial counted",
            "normal": "normal approximation"}

#: Danish of the evidence reports' text (the rest is in :data:`sibrisk.language.DANISH`).
DANISH: dict[str, str] = {
    "Effect of the programme ({level} intervals)":
        "Indsatsens effekt ({level}-intervaller)",
    "programme group": "indsatsgruppe", "control group": "kontrolgruppe",
    "{k} of {n}": "{k} af {n}",
    "({low} to {high}, Wilson)": "({low} til {high}, Wilson)",
    "difference": "forskel", "relative risk": "relativ risiko",
    "{diff} percentage points ({low} to {high}, Newcombe)":
        "{diff} procentpoint ({low} til {high}, Newcombe)",
    "infinite (no control had the outcome)": "uendelig (ingen i kontrolgruppen fik udfaldet)",
    "{rr} ({low} to {high}, Katz log{adjusted})": "{rr} ({low} til {high}, Katz log{adjusted})",
    ", half a participant added to each cell": ", en halv deltager lagt til hver celle",
    "p-values": "p-værdier", "two-sided": "tosidet",
    "one-sided (programme higher)": "ensidet (indsatsen højere)",
    "Fisher's exact test": "Fishers eksakte test", "z-test, pooled variance": "z-test, samlet "
                                                                             "varians",
    "At the {level} level (two-sided) the difference is {verdict}.":
        "På {level}-niveau (tosidet) er forskellen {verdict}.",
    "significant by both tests": "signifikant efter begge test",
    "not significant by either test": "ikke signifikant efter nogen af testene",
    "significant by one test only ({test})": "kun signifikant efter én test ({test})",
    "Bayesian reading (Jeffreys prior, as sibrisk's evidence distributions): the programme's "
    "rate is Beta({a1}, {b1}), the control group's Beta({a0}, {b0}); the probability that the "
    "programme's true rate is the higher is {p}.":
        "Bayesiansk læsning (Jeffreys-prior, som sibrisks evidensfordelinger): indsatsens "
        "andel er Beta({a1}, {b1}), kontrolgruppens Beta({a0}, {b0}); sandsynligheden for at "
        "indsatsens sande andel er den højeste, er {p}.",
    "z-test with pooled variance": "z-test med samlet varians",
    "exact: every outcome of the trial counted": "eksakt: alle forsøgets udfald talt med",
    "normal approximation": "normalapproksimation",
    "greater": "ensidet (indsatsen højere)",
    "{test}, {alternative}, {level} level": "{test}, {alternative}, {level}-niveau",
    "Power of a trial with {n} participants and {m} controls":
        "Styrke af et forsøg med {n} deltagere og {m} kontroller",
    "true rates {p1} (programme) and {p0} (control): a difference of {diff} percentage points":
        "sande andele {p1} (indsats) og {p0} (kontrol): en forskel på {diff} procentpoint",
    "test: {setting}": "test: {setting}", "power: {power} ({method})": "styrke: {power} "
                                                                       "({method})",
    "Smallest programme group for {target} power":
        "Mindste indsatsgruppe for {target} styrke",
    "true rates {p1} (programme) and {p0} (control), {r} control per participant; {setting}":
        "sande andele {p1} (indsats) og {p0} (kontrol), {r} kontrol pr. deltager; {setting}",
    "true rates {p1} (programme) and {p0} (control), {r} controls per participant; {setting}":
        "sande andele {p1} (indsats) og {p0} (kontrol), {r} kontroller pr. deltager; "
        "{setting}",
    "{n} participants and {m} controls: power {power} ({method})":
        "{n} deltagere og {m} kontroller: styrke {power} ({method})",
    "the exact power stays at or above {target} from {n} through {last} participants "
    "(checked)": "den eksakte styrke er mindst {target} fra {n} til {last} deltagere "
                 "(kontrolleret)",
    "it first reaches {target} at {n} participants ({power}) but falls below it again: "
    "exact power is a saw-tooth": "den når først {target} ved {n} deltagere ({power}), men "
                                  "falder under igen: eksakt styrke er en savtakket kurve",
    SYNTHETIC: "syntetiske eksempeldata, lavet af en generator med fast seed til at efterligne "
               "katalogets offentliggjorte tal; ikke rigtige deltageres svar",
    "{source}: {note}.": "{source}: {note}.",
    "WHO-5 well-being (0-100)": "WHO-5-trivsel (0-100)", "{item} (scale {scale})":
        "{item} (skala {scale})",
    "{name}, start and end, paired": "{name}, start og slut, parret",
    "{name}, start and end, paired, by {by}": "{name}, start og slut, parret, efter {by}",
    "group": "gruppe", "start": "start", "end": "slut", "change": "ændring",
    "better": "bedre", "same": "samme", "worse": "værre", "Wilcoxon p": "Wilcoxon p",
    "(no participant answered both)": "(ingen deltager svarede på begge)",
    "mean band at the start: {start}, at the end: {end} (below {high} high risk of "
    "depression or stress, {high}-{top} risk, above {top} no immediate risk)":
        "gennemsnitligt bånd ved start: {start}, ved slut: {end} (under {high} høj risiko "
        "for depression eller stress, {high}-{top} risiko, over {top} ingen umiddelbar "
        "risiko)",
    "high risk": "høj risiko", "risk": "risiko", "no immediate risk": "ingen umiddelbar risiko",
    "note: {group}: {note}": "note: {group}: {note}",
    "no change: every answer the same at start and end":
        "ingen ændring: alle svar ens ved start og slut",
    "only {moved} changed: too few for the test to say much":
        "kun {moved} ændrede sig: for få til at testen siger meget",
    "{count} participant(s) without both questionnaires left out":
        "{count} deltager(e) uden begge spørgeskemaer udeladt",
    "better/same/worse: shares of participants whose answer rose, stayed or fell; Wilcoxon p: "
    "signed-rank test of the changes, two-sided.":
        "bedre/samme/værre: andele af deltagerne, hvis svar steg, forblev eller faldt; "
        "Wilcoxon p: fortegnsrangtest af ændringerne, tosidet.",
    "all": "alle",
    "municipality": "kommune",
    "progression_example.csv (shipped with sibrisk)":
        "progression_example.csv (følger med sibrisk)",
}


def pvalue(p: float, f: Numbers) -> str:
    return f"< {f.number(0.0001, 4)}" if p < 1e-4 else f.number(p, 4)


def _wrap(text: str, indent: str = "") -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent,
                         subsequent_indent=indent + "  ", break_on_hyphens=False)


def effect_text(e: Effect, lang: str = "en") -> str:
    """``sibrisk evidence effect``: rates, difference, relative risk, p-values, posterior."""
    w, f = words(lang, DANISH), numbers_for(lang)
    alpha = 1 - e.level
    (k1, n1), (k0, n0) = e.treated, e.control
    rr = w("infinite (no control had the outcome)") if e.relative_risk is None else \
        f.number(e.relative_risk, 2)
    lo, hi = e.relative_risk_interval
    rate = lambda k, n, x, ci: (  # noqa: E731
        f"{w('{k} of {n}', k=f.whole(k), n=f.whole(n)):>14}  {f.percent(x):>7}  "
        + w("({low} to {high}, Wilson)", low=f.percent(ci[0]), high=f.percent(ci[1])))
    lines = [
        w("Effect of the programme ({level} intervals)", level=f.level(e.level)),
        f"  {w('programme group'):<17}{rate(k1, n1, e.treated_rate, e.treated_interval)}",
        f"  {w('control group'):<17}{rate(k0, n0, e.control_rate, e.control_interval)}",
        f"  {w('difference'):<17}" + w(
            "{diff} percentage points ({low} to {high}, Newcombe)",
            diff=f.number(100 * e.difference, 1, sign=True),
            low=f.number(100 * e.difference_interval[0], 1, sign=True),
            high=f.number(100 * e.difference_interval[1], 1, sign=True)),
        f"  {w('relative risk'):<17}" + w(
            "{rr} ({low} to {high}, Katz log{adjusted})", rr=rr, low=f.number(lo, 2),
            high=f.number(hi, 2),
            adjusted=w(", half a participant added to each cell") if e.relative_risk_adjusted
            else ""),
        "",
        _row(w("p-values"), w("two-sided"), w("one-sided (programme higher)")),
        _row(w("Fisher's exact test"), pvalue(e.fisher_p, f), pvalue(e.fisher_p_greater, f)),
        _row(w("z-test, pooled variance"), pvalue(e.z_p, f), pvalue(e.z_p_greater, f)),
        "",
    ]
    both = e.fisher_p <= alpha and e.z_p <= alpha
    neither = e.fisher_p > alpha and e.z_p > alpha
    verdict = (w("significant by both tests") if both else
               w("not significant by either test") if neither else
               w("significant by one test only ({test})",
                 test="Fisher" if e.fisher_p <= alpha else "z"))
    lines += _wrap(w("At the {level} level (two-sided) the difference is {verdict}.",
                     level=f.level(alpha), verdict=verdict))
    a1, b1 = e.treated_posterior
    a0, b0 = e.control_posterior
    lines += [""] + _wrap(w(
        "Bayesian reading (Jeffreys prior, as sibrisk's evidence distributions): the "
        "programme's rate is Beta({a1}, {b1}), the control group's Beta({a0}, {b0}); the "
        "probability that the programme's true rate is the higher is {p}.",
        a1=f.general(a1), b1=f.general(b1), a0=f.general(a0), b0=f.general(b0),
        p=f.percent(e.probability_treated_higher)))
    return "\n".join(lines) + "\n"


def _row(name: str, two: str, one: str) -> str:
    return f"  {name:<33}{two:>10}  {one:>28}"


def _setting(test: str, alternative: str, alpha: float, lang: str) -> str:
    w, f = words(lang, DANISH), numbers_for(lang)
    return w("{test}, {alternative}, {level} level", test=w(_TESTS[test]),
             alternative=w(alternative), level=f.level(alpha))


def power_text(r: dict, lang: str = "en") -> str:
    """``sibrisk evidence power --n N``: the power of one trial (the dict of the command's
    JSON output)."""
    w, f = words(lang, DANISH), numbers_for(lang)
    lines = [w("Power of a trial with {n} participants and {m} controls",
               n=f.whole(r["n_treated"]), m=f.whole(r["n_control"]))]
    lines += _wrap(w("true rates {p1} (programme) and {p0} (control): a difference of {diff} "
                     "percentage points", p1=f.percent(r["p_treated"]),
                     p0=f.percent(r["p_control"]),
                     diff=f.number(100 * (r["p_treated"] - r["p_control"]), 1, sign=True)),
                   "  ")
    lines += _wrap(w("test: {setting}", setting=_setting(r["test"], r["alternative"],
                                                         r["alpha"], lang)), "  ")
    lines += _wrap(w("power: {power} ({method})", power=f.percent(r["power"]),
                     method=w(_METHODS[r["method"]])), "  ")
    return "\n".join(lines) + "\n"


def sample_size_text(s: SampleSize, lang: str = "en") -> str:
    """``sibrisk evidence power --target-power P``: the programme group it takes."""
    w, f = words(lang, DANISH), numbers_for(lang)
    target = f.level(s.target)
    lines = [w("Smallest programme group for {target} power", target=target)]
    lines += _wrap(w("true rates {p1} (programme) and {p0} (control), {r} control"
                     + ("" if s.control_ratio == 1 else "s") + " per participant; {setting}",
                     p1=f.percent(s.p_treated), p0=f.percent(s.p_control),
                     r=f.general(s.control_ratio),
                     setting=_setting(s.test, s.alternative, s.alpha, lang)), "  ")
    lines += _wrap(w("{n} participants and {m} controls: power {power} ({method})",
                     n=f.whole(s.n_treated), m=f.whole(s.n_control), power=f.percent(s.power),
                     method=w(_METHODS[s.method])), "  ")
    if s.method == "exact":
        lines += _wrap(w("the exact power stays at or above {target} from {n} through {last} "
                         "participants (checked)", target=target, n=f.whole(s.n_treated),
                         last=f.whole(s.n_treated + s.window)), "  ")
        if s.first_n_treated < s.n_treated:
            lines += _wrap(w("it first reaches {target} at {n} participants ({power}) but falls "
                             "below it again: exact power is a saw-tooth", target=target,
                             n=f.whole(s.first_n_treated), power=f.percent(s.first_power)),
                           "  ")
    return "\n".join(lines) + "\n"


def _note(note: str, lang: str) -> str:
    """A group's note from :func:`sibrisk.progression.progression`, in ``lang``."""
    w = words(lang, DANISH)
    if note.startswith("only ") and note.split()[1].isdigit():
        return w("only {moved} changed: too few for the test to say much",
                 moved=note.split()[1])
    return w(note)


def progression_text(results: dict[str, xr.Dataset], source: str,
                     synthetic: str | None = None, lang: str = "en") -> str:
    """``sibrisk evidence progression``: a table per item (WHO-5 first)."""
    w, f = words(lang, DANISH), numbers_for(lang)
    lines: list[str] = []
    if synthetic:
        lines += _wrap(w("{source}: {note}.", source=w(source), note=w(synthetic))) + [""]
    else:
        lines += [f"{source}", ""]
    for item, ds in results.items():
        scale = ds.attrs["scale"]
        name = (w("WHO-5 well-being (0-100)") if item == "who5" else
                w("{item} (scale {scale})", item=item, scale=scale) if scale != "not given"
                else item)
        by = ds.attrs.get("by", "none")
        lines += _wrap(w("{name}, start and end, paired, by {by}", name=name, by=w(by))
                       if by != "none" else w("{name}, start and end, paired", name=name))
        groups = [str(g) for g in ds.group.values]
        shown = {g: w(g) if g == "all" else g for g in groups}
        width = max(5, *(len(g) for g in shown.values()))
        lines.append(f"  {w('group'):<{width}} {'n':>4} {w('start'):>6} {w('end'):>6} "
                     f"{w('change'):>7} {w('better'):>7} {w('same'):>5} {w('worse'):>5} "
                     f"{w('Wilcoxon p'):>11}")
        notes = []
        for g in groups:
            row = ds.sel(group=g)
            n = int(row.n)
            if n == 0:
                lines.append(f"  {shown[g]:<{width}} {0:>4}  "
                             + w("(no participant answered both)"))
                continue
            lines.append(
                f"  {shown[g]:<{width}} {n:>4} {f.number(float(row.start_mean), 1):>6} "
                f"{f.number(float(row.end_mean), 1):>6} "
                f"{f.number(float(row.change_mean), 1, sign=True):>7} "
                f"{f.percent(float(row.positive_share), 0):>7} "
                f"{f.percent(float(row.unchanged_share), 0):>5} "
                f"{f.percent(float(row.negative_share), 0):>5} "
                f"{pvalue(float(row.wilcoxon_p), f):>11}")
            if str(row.note.values):
                notes.append((shown[g], _note(str(row.note.values), lang)))
        if item == "who5":
            whole = ds.sel(group="all")
            if int(whole.n) > 0:
                lines += _wrap(w(
                    "mean band at the start: {start}, at the end: {end} (below {high} high "
                    "risk of depression or stress, {high}-{top} risk, above {top} no "
                    "immediate risk)", start=w(who5_band(float(whole.start_mean))),
                    end=w(who5_band(float(whole.end_mean))), high=WHO5_BANDS[1][1],
                    top=WHO5_BANDS[1][2]), "  ")
        for group, note in notes:
            lines += _wrap(w("note: {group}: {note}", group=group, note=note), "  ")
        without = int(ds.attrs.get("without_pair", 0))
        if without:
            lines += _wrap(w("{count} participant(s) without both questionnaires left out",
                             count=f.whole(without)), "  ")
        lines.append("")
    lines += _wrap(w("better/same/worse: shares of participants whose answer rose, stayed or "
                     "fell; Wilcoxon p: signed-rank test of the changes, two-sided."))
    return "\n".join(lines) + "\n"
