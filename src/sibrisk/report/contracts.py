"""Reports of contracts: a settlement, and the risk of contract variants side by side.

Both take the JSON-ready dicts of the library (:func:`sibrisk.settlement.settlement_to_dict`,
:func:`sibrisk.risk.summarize_contracts`) and give blocks (:mod:`sibrisk._text`) or text,
in English or Danish.
"""

from __future__ import annotations

from typing import Any

from .labels import actor_label, measure_kind, measure_label
from .language import numbers_for, words
from .text import Block, Heading, Table, Text, text

__all__ = ["settlement_blocks", "format_settlement", "contract_risk_blocks",
           "format_contract_risk"]


# ---------------------------------------------------------------------------
# A settlement
# ---------------------------------------------------------------------------
def settlement_blocks(d: dict[str, Any], lang: str = "en") -> list[Block]:
    """A settlement (from :func:`sibrisk.settlement.settlement_to_dict`) as blocks."""
    w, f = words(lang), numbers_for(lang)
    rows = [(w("total outcome payments"), f.money(d["total_paid"])),
            (w("total outcome payments, PV"), f.money(d["total_paid_pv"]))]
    rows += [(w("  for {metric}", metric=m), f.money(v)) for m, v in d["by_metric"].items()]
    rows += [(w("  by {mechanism}", mechanism=m), f.money(v))
             for m, v in d["by_mechanism"].items()]
    rows += [(w("  paid at month {month}", month=f.general(p["month"])), f.money(p["amount"]))
             for p in d["payments_by_month"]]
    caps = d["caps"]
    if caps["bound"]:
        rows += [(w("cut by cap: {where}", where=where), f.money(v))
                 for where, v in caps["cut"].items()]
        rows += [(w("  claim cut: {mechanism}", mechanism=c["mechanism"])
                  + (f", {c['metric']}" if c["metric"] else "")
                  + w(", month {month}", month=f.general(c["month"])),
                  w("{paid} of {claimed}", paid=f.money(c["paid"]),
                    claimed=f.money(c["claimed"])))
                 for c in caps["claims_cut"]]
    else:
        rows.append((w("caps"), w("none bound")))
    if d["dropped_after_termination"]:
        rows.append((w("dropped after termination"), f.money(d["dropped_after_termination"])))
    for m, ok in d["triggered"].items():
        rows.append((w("trigger of {metric}", metric=m), w("met") if ok else w("not met")))
    for m, e in d["measured_effects"].items():
        effect = lambda v: w("undefined") if v is None else f.points(v, 1)  # noqa: E731
        rows += [(w("measured effect on {metric}, {cohort}", metric=m, cohort=c), effect(v))
                 for c, v in e["cohorts"].items()]
        rows.append((w("measured effect on {metric}, pooled", metric=m), effect(e["pooled"])))
    if d["reinvestment_declared"]:
        rows.append((w("declared for reinvestment (kept by the payers, not binding)"),
                     f.money(d["reinvestment_declared"])))
    table = [tuple(map(w, ("actor", "received", "paid", "NPV", "IRR", "multiple", "exposure",
                           "payback")))]
    for actor, a in d["by_actor"].items():
        table.append((actor_label(actor, lang), f.money(a["received"]), f.money(a["paid"]),
                      f.money(a["npv"]), "-" if a["irr"] is None else f.percent(a["irr"]),
                      "-" if a["multiple"] is None else f.number(a["multiple"], 2),
                      f.money(a["largest_exposure"]),
                      f.horizon if a["payback_year"] is None else f.year(a["payback_year"])))
    outside = ", ".join(f"{actor_label(k, lang)} {f.money(v)}" for k, v in d["outside"].items())
    return [
        Heading(w("Settlement of contract {contract} in scenario {scenario}",
                  contract=d["contract"], scenario=d["scenario"]), 1),
        Text(w("{currency}, {year} prices, nominal unless marked PV (present value at t = 0)",
               currency=d["currency"], year=d["price_year"])),
        Text(""),
        Table(rows, indent="  "),
        Heading(w("By actor")),
        Table(table, header=True),
        Text(""),
        Text(w("From outside the deal: {outside}; transfers between actors sum to {total}",
               outside=outside, total=f.number(d["transfers_sum"], 2))),
    ]


def format_settlement(d: dict[str, Any], lang: str = "en") -> str:
    """A settlement (from :func:`sibrisk.settlement.settlement_to_dict`) as plain text."""
    return text(settlement_blocks(d, lang))


# ---------------------------------------------------------------------------
# Contracts side by side
# ---------------------------------------------------------------------------
#: Rows of a contract (its own measures), in order.
_CONTRACT = ("payment_mean", "cap_bound_probability", "reinvestment_mean",
             "effect_deserved_probability", "unpaid_when_deserved_probability",
             "paid_when_undeserved_probability", "measurement_overpayment_mean")
#: Rows of each actor: the investor's question first, what a guarantee or a cap does to
#: the downside.
_ACTOR = ("loss_probability", "npv_mean", "npv_var_{tag}", "npv_cvar_{tag}",
          "irr_quantiles")


def _cell(f: Any, name: str, value: Any, se: Any, lang: str) -> tuple[str, str]:
    """A measure's value and standard error as two cells ("" where absent)."""
    kind = measure_kind(name)
    if isinstance(value, dict):  # a quantile measure: its median
        value, se = value.get("0.5"), (se or {}).get("0.5")
    if value is None:
        return words(lang)("undefined"), ""
    show = {"money": f.money, "share": f.percent, "year": f.year, "number": f.general}[kind]
    return show(value), f.error(se, kind)


def contract_risk_blocks(r: dict[str, Any], currency: str, lang: str = "en",
                         level: float | None = None) -> list[Block]:
    """The risk of contract variants (from :func:`sibrisk.risk.summarize_contracts`)
    side by side, a column per contract and its standard error beside it: the contract's
    expected payment and how often a cap binds, and for every actor the probability of a
    loss, the expected result, the value at risk and expected shortfall at ``level``
    (where the summary has them) and the median rate of return. A measure a contract
    does not have (an actor not in it) is left blank."""
    w, f = words(lang), numbers_for(lang)
    names = list(r)
    tag = "" if level is None else f"{100 * level:g}".replace(".", "_")
    header = (w("measure"), *[x for n in names for x in (n, "")])
    rows: list[tuple[str, ...]] = [header]

    def row(label: str, name: str, of: list[dict[str, Any] | None]) -> None:
        present = [x is not None and x.get(name, None) is not None for x in of]
        if not any(present):
            return
        if name in ("reinvestment_mean",) and not any(x and x[name] for x in of):
            return  # no contract declares reinvestment
        cells: list[str] = []
        for x in of:
            cells += ["", ""] if x is None or name not in x else \
                list(_cell(f, name, x[name], x.get(f"{name}_se"), lang))
        rows.append((label, *cells))

    contracts = [r[n] for n in names]
    for name in _CONTRACT:
        row(measure_label(name, lang, unit=False), name, contracts)
    actors = list(dict.fromkeys(a for c in contracts for a in c["actors"]))
    for actor in actors:
        rows.append((actor_label(actor, lang),))
        of = [c["actors"].get(actor) for c in contracts]
        for name in _ACTOR:
            key = name.format(tag=tag)
            if "{tag}" in name and level is None:
                continue
            label = measure_label(key, lang, unit=False)
            if key == "irr_quantiles":
                label = w("median {measure}", measure=label)
            row("  " + label, key, of)
    level_text = "" if level is None else w("; value at risk and expected shortfall at "
                                            "{level}", level=f.level(level))
    return [
        Heading(w("Contracts side by side ({currency}, present value at t = 0)",
                  currency=currency), 1),
        Text(w("Each contract on the same simulated outcomes; ± one Monte Carlo standard "
               "error{levels}", levels=level_text)),
        Table(rows, header=True),
    ]


def format_contract_risk(r: dict[str, Any], currency: str, lang: str = "en",
                         level: float | None = None) -> str:
    """Contract variants' risk (from :func:`sibrisk.risk.summarize_contracts`) side by side
    as plain text, in English or Danish (``lang="da"``): :func:`contract_risk_blocks`."""
    return "\n" + text(contract_risk_blocks(r, currency, lang, level))
