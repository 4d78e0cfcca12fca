"""Reports of the design commands: a sweep, a sensitivity analysis, a break-even point and
a solved input, as blocks (:mod:`sibrisk._text`) or text, in English or Danish.

Inputs and measures are shown by their human labels (:mod:`sibrisk.labels`); a
sweep's table keeps its axes' keys short in its columns and says what each is.
"""

from __future__ import annotations

from typing import Any

from .labels import actor_label, input_is_share, input_label, measure_label
from .language import numbers_for, words
from .text import Block, Heading, Table, Text, text

__all__ = ["format_sweep", "sweep_blocks", "format_sensitivity", "sensitivity_blocks",
           "format_breakeven", "format_solution", "metric_label"]


def _value(f: Any, key: str, x: float | None) -> str:
    """An input's value: a share in %, other numbers in up to six significant digits."""
    if x is None:
        return f.number(None)
    return f.percent(x, 2) if input_is_share(key) else f.general(x)


# ---------------------------------------------------------------------------
# Sweep
# ---------------------------------------------------------------------------
def sweep_blocks(r: dict[str, Any], lang: str = "en", scenario: Any = None) -> list[Block]:
    """A sweep (from :func:`sibrisk.sweep.sweep_to_dict`) as blocks: a row per point."""
    w, f = words(lang), numbers_for(lang)
    names = list(r["axes"])
    contract = r.get("contract")
    short = _short_names(names)
    blocks: list[Block] = [
        Heading(w("Sweep of scenario {scenario}", scenario=r["scenario"])
                + (w(", contract {contract}", contract=contract) if contract else "")
                + w(": {points} points, {runs} runs each, seed {seed}",
                    points=f.whole(r["point_count"]), runs=f.whole(r["runs_per_point"]),
                    seed=r["seed"]), 1),
        Text(w("{currency}, {year} prices, per cohort; ± one Monte Carlo standard error",
               currency=r["currency"], year=r["price_year"])),
        Text(w("axes: {axes}", axes="; ".join(
            f"{b} = {input_label(a, lang, scenario)}" for a, b in zip(names, short,
                                                                       strict=True)))),
        Text(""),
    ]
    if contract:
        actors = list(r["points"][0]["summary"]["loss_probability"])
        judged = [(k, w(label)) for k, label in (
            ("unpaid_when_deserved_probability", "P(unpaid, deserved)"),
            ("paid_when_undeserved_probability", "P(paid, undeserved)"))
            if k in r["points"][0]["summary"]]
        rows = [(*short, *(w("P(loss) {actor}", actor=actor_label(a, lang)) for a in actors),
                 *(label for _, label in judged))]

        def one(v: float | None, e: float | None) -> str:
            return f"{f.percent(v)} {f.error(e, 'share')}".rstrip()

        for p in r["points"]:
            s = p["summary"]
            loss, se = s["loss_probability"], s["loss_probability_se"]
            rows.append((*(_value(f, k, p["at"][k]) for k in names),
                         *(one(loss[a], se[a]) for a in actors),
                         *(w("undefined") if s[k] is None else one(s[k], s[f"{k}_se"])
                           for k, _ in judged)))
    else:
        rows = [(*short, *map(w, ("P(investor loss)", "investor return",
                                  "P(municipal deficit)", "median payback")))]
        for p in r["points"]:
            s = p["summary"]
            median = s["payback_year_quantiles"]["0.5"]
            rows.append((*(_value(f, k, p["at"][k]) for k in names),
                         f.percent(s["investor_loss_probability"]),
                         f.percent(s["investor_return_mean"]),
                         f.percent(s["municipal_deficit_probability"]),
                         f.horizon if median is None else f.year(median)))
    blocks.append(Table(rows, header=True, keys=len(names)))
    return blocks


def format_sweep(r: dict[str, Any], lang: str = "en", scenario: Any = None) -> str:
    """A sweep (from :func:`sibrisk.sweep.sweep_to_dict`) as plain text: one line per point,
    in English or Danish (``lang="da"``); ``scenario`` gives the participant types'
    labels."""
    return text(sweep_blocks(r, lang, scenario))


def _short_names(names: list[str]) -> list[str]:
    """Each dotted name by its last part (``effect.decay`` -> ``decay``), or more of it
    where the last parts would clash."""
    for depth in range(1, max((n.count(".") + 1 for n in names), default=1) + 1):
        short = [".".join(n.split(".")[-depth:]) for n in names]
        if len(set(short)) == len(short):
            return short
    return names


# ---------------------------------------------------------------------------
# Sensitivity
# ---------------------------------------------------------------------------
def sensitivity_blocks(r: dict[str, Any], lang: str = "en", scenario: Any = None
                       ) -> list[Block]:
    """A sensitivity report (the dict of ``sibrisk sensitivity --json``) as blocks."""
    w, f = words(lang), numbers_for(lang)
    lo, hi = (1 - r["level"]) / 2, (1 + r["level"]) / 2
    label = lambda key: input_label(key, lang, scenario)  # noqa: E731
    tornado = [(w("input"), w("low"), w("high"), w("output low"), w("output high"), w("swing"))]
    tornado += [(label(t["input"]), _value(f, t["input"], t["low"]),
                 _value(f, t["input"], t["high"]), f.money(t["output_low"]),
                 f.money(t["output_high"]), f.money(t["swing"])) for t in r["tornado"]]
    sobol = [(w("input"), w("first order"), "", w("total order"), "")]
    sobol += [(label(x["input"]), f.number(x["first_order"], 3),
               f"[{f.number(x['first_order_low'], 3)}; {f.number(x['first_order_high'], 3)}]",
               f.number(x["total_order"], 3),
               f"[{f.number(x['total_order_low'], 3)}; {f.number(x['total_order_high'], 3)}]")
              for x in r["sobol"]]
    note = r["sobol_note"]
    return [
        Heading(w("Sensitivity of the {output} in scenario {scenario}",
                  output=measure_label(r["output"], lang, unit=False),
                  scenario=r["scenario"]), 1),
        Text(w("{currency}, per cohort, expected outcomes given the inputs, contract held at "
               "its base price; at the point values: {base}", currency=r["currency"],
               base=f.money(r["base"]))),
        Heading(w("One input at a time, from its {low} to its {high} quantile",
                  low=f.level(lo), high=f.level(hi))),
        Table(tornado, header=True),
        Heading(w("Share of the variance (Sobol' indices, n = {n} in each of {replicates} "
                  "scrambles, seed {seed}; 95 % intervals over the scrambles; {note})",
                  n=f.whole(r["sobol_n"]), replicates=r["sobol_replicates"],
                  seed=r["sobol_seed"],
                  note=w(note))),
        Table(sobol, header=True),
    ]


def format_sensitivity(r: dict[str, Any], lang: str = "en", scenario: Any = None) -> str:
    """A sensitivity report (from ``sibrisk sensitivity --json``) as plain text."""
    return text(sensitivity_blocks(r, lang, scenario))


# ---------------------------------------------------------------------------
# Break-even and solve
# ---------------------------------------------------------------------------
def format_breakeven(d: dict[str, Any], lang: str = "en", scenario: Any = None) -> str:
    """A break-even point (``BreakEven.to_dict()``) as text: where the output reaches its
    target, and how the contract was priced."""
    w, f = words(lang), numbers_for(lang)
    key = d["input"]
    value = lambda x: _value(f, key, x)  # noqa: E731
    share = input_is_share(key)
    diff = f.points(d["difference"], 2, sign=True) if share else f.general(d["difference"])
    if d["difference"] >= 0 and not share:
        diff = "+" + diff
    priced = (w("priced again at each value") if d["repriced"] else
              w("held at the base price"))
    reading = d["reading"] if lang == "en" else measure_label(d["output"], lang, unit=False)
    return text([
        Text(w("{output} reaches {target} at {input} = {value} (base {base}, difference "
               "{difference})", output=measure_label(d["output"], lang, unit=False),
               target=f.general(d["target"]), input=input_label(key, lang, scenario),
               value=value(d["value"]), base=value(d["base"]), difference=diff)),
        Text(w("reading: {reading}; contract {priced}", reading=reading, priced=priced)),
        Text(w("keys: {input}, {output}", input=key, output=d["output"])),
    ])


def metric_label(metric: str, lang: str = "en") -> str:
    """A measure named on the command line (``investor_loss_probability``, an actor's
    ``investor.loss_probability``, or ``A - B`` of a balance) by its labels."""
    if " - " in metric:
        return " - ".join(metric_label(m, lang) for m in metric.split(" - "))
    if "." in metric:
        actor, _, field = metric.partition(".")
        return f"{actor_label(actor, lang)}: {measure_label(field, lang, unit=False)}"
    return measure_label(metric, lang, unit=False)


def format_solution(d: dict[str, Any], lang: str = "en", scenario: Any = None) -> str:
    """A solved input (``Solution.to_dict()``) as text, with the Monte Carlo error of the
    answer."""
    w, f = words(lang), numbers_for(lang)
    step = abs(d["achieved"] - d["target"]) > 3 * max(d["achieved_se"], 1e-12)
    metric = metric_label(d["metric"], lang)
    key = d["input"]
    error = f.error(d["value_se"], "number")  # none where none is estimated
    return text([
        Text(w("{metric} {verb} {target} at {input} = {value}", metric=metric,
               verb=w("jumps past") if step else w("reaches"), target=f.general(d["target"]),
               input=input_label(key, lang, scenario), value=f.general(d["value"]))
             + (f" {error} " + w("(Monte Carlo error)") if error else "")),
        Text(w("there the measure is {achieved}; it crosses the target between {low} and "
               "{high}; {runs} runs, seed {seed}, the same draws throughout",
               achieved=f"{f.general(d['achieved'])} {f.error(d['achieved_se'], 'number')}"
               .rstrip(), low=f.general(d["bracket"][0]), high=f.general(d["bracket"][1]),
               runs=f.whole(d["runs"]), seed=d["seed"])),
        Text(w("keys: {input}, {metric}", input=key, metric=d["metric"])),
    ])
