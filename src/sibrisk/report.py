"""Reports: the catalogue's tables, as a plain dict (for JSON) and as text."""

from __future__ import annotations

import html
import math
import re
import textwrap
from typing import TYPE_CHECKING, Any

from .account import BASIS_LABELS, VALUATION, account_values, breakeven
from .contract import price_surplus_share
from .errors import BreakEvenError, SibriskError
from .language import numbers, words
from .scenario import Scenario, load_scenario

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["catalogue_report", "format_catalogue_report", "format_risk_summary",
           "format_settlement", "format_contract_risk", "format_sensitivity",
           "format_sweep", "SummaryTable",
           "CATALOGUE_BREAKEVENS"]

#: The break-even points of the catalogue's Tables 5 and 6, with both readings of
#: Table 6: (key, input varied, output that reaches zero).
CATALOGUE_BREAKEVENS: tuple[tuple[str, str, str], ...] = (
    ("investor_gross_employment", "gross_employment", "investor_result"),
    ("marginal_effect", "marginal_effect", "budget_surplus"),
    ("marginal_effect_municipality", "marginal_effect", "municipal_account"),
    ("decay_surplus", "effect.decay", "budget_surplus"),
    ("decay_municipality", "effect.decay", "municipal_account"),
    ("ordinary_effort_saving_surplus", "municipality.ordinary_effort_saved_share",
     "budget_surplus"),
    ("ordinary_effort_saving_municipality", "municipality.ordinary_effort_saved_share",
     "municipal_account"),
)

_OTHER_RULE = {"catalogue": "payout_neutral", "payout_neutral": "catalogue"}


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def catalogue_report(scenario: Scenario | str, *, per: str = "participant") -> dict[str, Any]:
    """The catalogue's accounts, payment model and break-even points as a plain dict.

    Money is per average participant (``per="participant"``, the catalogue's
    basis) or for the whole cohort, in present value at t = 0. Break-even
    values that do not exist in the allowed range are ``None``, with the
    reason under ``"breakeven_notes"``; a payback year not reached within the
    horizon is ``None`` too.
    """
    scenario = load_scenario(scenario)
    v = account_values(scenario, per=per)
    tariff = price_surplus_share(scenario)
    other = price_surplus_share(
        scenario.replace("contract.by_type_rule", _OTHER_RULE[tariff.rule]))

    def rates(t: Any) -> dict[str, Any]:
        return dict(zip(t.type_names, map(float, t.rates_by_type), strict=True)) | {
            "rule": t.rule, "payout_neutral": t.payout_neutral,
            "expected_payment_per_participant": t.expected_payment_by_type_rates,
        }

    points: dict[str, float | None] = {}
    notes: dict[str, str] = {}
    for key, vary, output in CATALOGUE_BREAKEVENS:
        try:
            points[key] = breakeven(scenario, vary, output).value
        except BreakEvenError as exc:
            points[key] = None
            notes[key] = str(exc)
    points["municipal_payback_years"] = _finite(v["municipal_payback_year"])
    return {
        "scenario": scenario.name,
        "title": scenario.title,
        "currency": scenario.currency,
        "price_year": scenario.price_year,
        "basis": BASIS_LABELS[per],
        "valuation": VALUATION,
        "cohort_size": scenario.cohort.size,
        "municipal_savings": v["municipal_savings"],
        "savings_by_source": {k: v[k] for k in
                              ("ordinary_effort_saving", "employment_saving", "other_net_costs")},
        "provider_cost": v["provider_cost"],
        "budget_surplus": v["budget_surplus"],
        "investor_surplus_share": v["investor_surplus_share"],
        "payment_per_participant": v["outcome_payment"] / (scenario.cohort.size
                                                           if per == "cohort" else 1),
        "outcome_payment": v["outcome_payment"],
        "payment_per_employed": v["payment_per_employed"],
        "investor_result": v["investor_result"],
        "investor_return": v["investor_return"],
        "municipal_account": v["municipal_account"],
        "gross_employment": v["gross_employment"],
        "control_employment": v["control_employment"],
        "marginal_effect": v["marginal_effect"],
        "welfare_surplus": v["welfare_surplus"],
        "municipal_payback_year": _finite(v["municipal_payback_year"]),
        "rate_card": tariff.rate_card,
        "rates_by_type": rates(tariff),
        "rates_by_type_other_rule": rates(other),
        "types": {t.name: {"label": t.label, "share": t.share,
                           "gross_employment": t.gross_employment,
                           "control_employment": t.control_employment} for t in scenario.types},
        "breakeven": points,
        "breakeven_base": {key: float(scenario.get(vary)) for key, vary, _ in
                           CATALOGUE_BREAKEVENS},
        "breakeven_notes": notes,
    }


# ---------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------
def _money(x: float | None) -> str:
    return "none" if x is None else f"{x:,.0f}"


def _pct(x: float | None) -> str:
    return "none" if x is None else f"{100 * x:.1f} %"


def _pp(x: float | None, base: float) -> str:
    return "" if x is None else f"{100 * (x - base):+.1f} pp"


#: Columns of a terminal: every table and line of text fits in them.
WIDTH = 80


def _rows(rows: list[tuple[str, ...]], indent: str = "  ", lang: str = "en", *,
          header: bool = False, keys: int = 1, split: bool = True) -> list[str]:
    """A table in :data:`WIDTH` columns: the first column left-aligned, the others
    right-aligned. Labels too long are wrapped, the values on their last line.

    A table still too wide has, in turn: its header's words (the first row, if
    ``header``) set on several lines; its columns one space apart instead of two;
    and then it is split into tables of the columns that fit, each repeating the
    first ``keys`` columns. The cells are put in ``lang``
    (:func:`sibrisk.language.words`) first.
    """
    if lang != "en":
        say = words(lang)
        rows = [tuple(say(c) for c in r) for r in rows]
    body = rows[1:] if header else rows
    if not body:
        return []
    n = len(rows[0])
    whole = [max(len(r[i]) for r in rows) for i in range(n)]
    # narrowest a column can be: its values, and the longest word of its header
    narrow = [max([len(r[i]) for r in body] + ([max(map(len, rows[0][i].split()), default=0)]
                                               if header else [])) for i in range(n)]
    room, least = WIDTH - len(indent), min(whole[0], 16)
    for widths, gap in ((whole, 2), (narrow, 2), (narrow, 1)):
        values = sum(widths[1:]) + gap * (n - 1)
        if least + values <= room:
            break
    else:
        if split:
            return _split(rows, indent, header, keys, narrow, room)
    label = min(widths[0], room - values)
    lines = []
    if header:  # each header cell wrapped to its width, set on the header's last line
        cells = [textwrap.wrap(c, w, break_on_hyphens=False) or [""]
                 for c, w in zip(rows[0], [label, *widths[1:]], strict=True)]
        depth = max(map(len, cells))
        cells = [[""] * (depth - len(c)) + c for c in cells]
        lines += [_line([c[k] for c in cells], label, widths, gap, indent) for k in range(depth)]
    for r in body:
        wrapped = textwrap.wrap(r[0], label, break_on_hyphens=False) or [""]
        lines += [indent + line for line in wrapped[:-1]]
        lines.append(_line([wrapped[-1], *r[1:]], label, widths, gap, indent))
    return lines


def _line(cells: list[str], label: int, widths: list[int], gap: int, indent: str) -> str:
    return indent + (" " * gap).join([cells[0].ljust(label)] + [
        c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]).rstrip()


def _split(rows: list[tuple[str, ...]], indent: str, header: bool, keys: int,
           widths: list[int], room: int) -> list[str]:
    """A table too wide for ``room`` as several tables, each with the first ``keys``
    columns and as many others as fit."""
    key_width = sum(widths[:keys]) + 2 * (keys - 1)
    groups: list[list[int]] = [[]]
    used = key_width
    for i in range(keys, len(widths)):
        if groups[-1] and used + 2 + widths[i] > room:
            groups.append([])
            used = key_width
        groups[-1].append(i)
        used += 2 + widths[i]
    out: list[str] = []
    for group in groups:
        part = [tuple(r[:keys]) + tuple(r[i] for i in group) for r in rows]
        out += [""] * bool(out) + _rows(part, indent, header=header, keys=keys, split=False)
    return out


def _fit(lines: list[str], lang: str = "en") -> str:
    """The lines as text, each line of prose longer than :data:`WIDTH` wrapped at words,
    its continuation indented two more than the line. A row of a table (two or more
    gaps of two spaces between its words) is left whole: wrapped, its columns would no
    longer line up. Numbers are written in the style of ``lang``."""
    out = []
    for line in (numbers(x, lang) for x in lines):
        if len(line) <= WIDTH or len(re.findall(r"\S {2,}(?=\S)", line)) >= 2:
            out.append(line)
            continue
        lead = " " * (len(line) - len(line.lstrip()))
        out += textwrap.wrap(line, WIDTH, initial_indent="", subsequent_indent=lead + "  ",
                             break_on_hyphens=False) or [line]
    return "\n".join(out) + "\n"


def format_catalogue_report(r: dict[str, Any], lang: str = "en") -> str:
    """The catalogue's tables as plain text, from :func:`catalogue_report`, in English
    or Danish (``lang="da"``, :mod:`sibrisk.language`)."""
    w = words(lang)
    money = lambda x: w(_money(x))  # noqa: E731
    pct = lambda x: w(_pct(x))  # noqa: E731
    be = r["breakeven"]
    lines = [
        w("sibrisk account: {scenario}", scenario=r["scenario"])
        + (f" - {r['title']}" if r["title"] else ""),
        w("{currency}, {year} prices, {valuation}, {basis}", currency=r["currency"],
          year=r["price_year"], valuation=w(r["valuation"]), basis=w(r["basis"])),
        "",
        w("Table 1  Budget account (budgetøkonomisk: the public budget)"),
    ]
    src = r["savings_by_source"]
    lines += _rows([
        ("municipality's saving", money(r["municipal_savings"])),
        ("  ordinary effort saved", money(src["ordinary_effort_saving"])),
        ("  additional employment", money(src["employment_saving"])),
        ("  other municipal net costs", money(src["other_net_costs"])),
        ("cost of the provider's programme", money(-r["provider_cost"])),
        ("budget surplus", money(r["budget_surplus"])),
    ], lang=lang)
    lines += ["", w("Table 2  Payment model: cost plus the investor's share of the surplus")]
    lines += _rows([
        ("investor's share of the surplus", money(r["investor_surplus_share"])),
        ("commissioner pays per participant", money(r["payment_per_participant"])),
        ("commissioner pays per gross-employed participant",
         money(r["payment_per_employed"])),
        ("investor's return on outlay", pct(r["investor_return"])),
        ("municipality's own account", money(r["municipal_account"])),
    ], lang=lang)
    lines += ["", w("Table 3  Employment 2 months after, by participant type")]
    rows = [("type", "share", "with programme", "without")]
    rows += [(name, pct(t["share"]), pct(t["gross_employment"]), pct(t["control_employment"]))
             for name, t in r["types"].items()]
    rows += [("weighted average", "", pct(r["gross_employment"]), pct(r["control_employment"]))]
    lines += _rows(rows, lang=lang, header=True)
    this, other = r["rates_by_type"], r["rates_by_type_other_rule"]
    label = {"catalogue": w("catalogue rule"), "payout_neutral": w("payout-neutral")}
    lines += ["", w("Table 4  Rate per gross-employed participant by type "
                    "(this scenario's rate card: {rate_card}; rule: {rule})",
                    rate_card=r["rate_card"], rule=label[this["rule"]])]
    rows = [("type", label[this["rule"]] + " *", label[other["rule"]])]
    rows += [(name, money(this[name]), money(other[name])) for name in r["types"]]
    rows += [("expected payment per participant",
              money(this["expected_payment_per_participant"]),
              money(other["expected_payment_per_participant"]))]
    lines += _rows(rows, lang=lang, header=True)
    lines += [w("  * the scenario's rule (contract.by_type_rule)")]
    lines += ["", w("Table 5  Investor's break-even (rate held at the contracted price)")]
    lines += _rows([
        ("parameter", "base", "break-even", "difference"),
        ("gross employment", pct(r["gross_employment"]), pct(be["investor_gross_employment"]),
         _pp(be["investor_gross_employment"], r["breakeven_base"]["investor_gross_employment"])),
    ], lang=lang, header=True)
    lines += ["", w("Table 6  Break-even of the budget account, two readings"),
              "         " + w("(whole surplus = 0, and the municipality's own account = 0 "
                              "with the payment held)")]
    base = r["breakeven_base"]
    rows = [("parameter", "base", "whole surplus", "municipality")]
    rows += [
        (label, pct(base[key]), pct(be[key]), pct(be[f"{key_muni}"]))
        for label, key, key_muni in (
            ("marginal effect", "marginal_effect", "marginal_effect_municipality"),
            ("annual fall in effect after the full-effect years", "decay_surplus",
             "decay_municipality"),
            ("share of the ordinary effort saved", "ordinary_effort_saving_surplus",
             "ordinary_effort_saving_municipality"),
        )
    ]
    lines += _rows(rows, lang=lang, header=True)
    for key, note in r["breakeven_notes"].items():
        lines.append(f"  {key}: {note}")
    payback = r["municipal_payback_year"]
    lines += [
        "",
        w("Welfare-economic account (samfundsøkonomisk: society as a whole)"),
    ]
    lines += _rows([
        ("welfare-economic surplus", money(r["welfare_surplus"])),
        ("municipality's payback year",
         w("not within the horizon") if payback is None else f"{payback:.1f}"),
    ], lang=lang)
    return _fit(lines, lang)


def _quantile_rows(label: str, values: dict[str, float | None], ses: dict[str, float | None],
                   fmt, se_fmt, w=words("en")) -> list[tuple[str, str, str]]:
    rows = []
    for q, v in values.items():
        name = (w("{label}, median", label=w(label)) if float(q) == 0.5 else
                w("{label}, {q} % quantile", label=w(label), q=f"{100 * float(q):g}"))
        rows.append((name, w("> horizon") if v is None else fmt(v), _se(ses.get(q), se_fmt)))
    return rows


def _se(x: float | None, fmt) -> str:
    return "" if not x else f"± {fmt(x)}"


def format_risk_summary(r: dict[str, Any], lang: str = "en") -> str:
    """A risk summary (from :func:`sibrisk.summary_to_dict`) as plain text, in English
    or Danish (``lang="da"``)."""
    w = words(lang)
    if r.get("method") == "exact":
        count = r.get("outcomes", 0)
        how = w(f"exact enumeration of {{count}} outcome{'s' if count != 1 else ''}",
                count=f"{count:,}")
    else:
        how = w("Monte Carlo, {runs} runs, seed {seed}", runs=f"{r['runs']:,}", seed=r["seed"])
    level = f"{100 * r['level']:g} %"
    tag = f"{100 * r['level']:g}".replace(".", "_")
    pp = lambda x: f"{100 * x:.2f} pp"  # noqa: E731
    lines = [
        w("Risk: {how}", how=how),
        w("{currency}, {year} prices, per cohort of {size} participants, {valuation}",
          currency=r["currency"], year=r["price_year"], size=r["cohort_size"],
          valuation=w(r["valuation"])),
        "",
        w("Investor"),
    ]
    rows = [
        ("probability of losing money", _pct(r["investor_loss_probability"]),
         _se(r["investor_loss_probability_se"], pp)),
        ("expected return on outlay", _pct(r["investor_return_mean"]),
         _se(r["investor_return_mean_se"], pp)),
        *_quantile_rows("return", r["investor_return_quantiles"],
                        r["investor_return_quantiles_se"], _pct, pp, w),
        (w("value at risk ({level})", level=level), _money(r[f"investor_var_{tag}"]),
         _se(r[f"investor_var_{tag}_se"], _money)),
        (w("expected shortfall ({level})", level=level), _money(r[f"investor_cvar_{tag}"]),
         _se(r[f"investor_cvar_{tag}_se"], _money)),
    ]
    municipal: list[tuple[str, str, str]] = []
    if "municipal_deficit_probability" in r:
        within = f"{r['within_years']:g}".replace(".", "_")
        years = lambda v: f"{v:.1f}"  # noqa: E731
        municipal = [
            ("probability its own account is negative", _pct(r["municipal_deficit_probability"]),
             _se(r["municipal_deficit_probability_se"], pp)),
            *_quantile_rows("payback year", r["payback_year_quantiles"],
                            r["payback_year_quantiles_se"], years, lambda v: f"{v:.2f}", w),
            (w("probability of payback within {years} years", years=f"{r['within_years']:g}"),
             _pct(r[f"payback_within_{within}_years_probability"]),
             _se(r[f"payback_within_{within}_years_probability_se"], pp)),
            ("share of the payment for jobs that would have come anyway",
             _pct(r["deadweight_share_mean"]), _se(r["deadweight_share_mean_se"], pp)),
        ]
    table = _rows(rows + municipal, lang=lang)
    lines += table[: len(rows)]
    lines += ["", w("Municipality (commissioner)")]
    if municipal:
        lines += table[len(rows):]
        lines.append(w("  (> horizon: the account is still negative at the end of the horizon)"))
    else:
        lines.append(w("  not available: {scope}", scope=r.get("exact_scope", "")))
    return _fit(lines, lang)


def format_settlement(d: dict[str, Any]) -> str:
    """A settlement (from :func:`sibrisk.settlement.settlement_to_dict`) as plain text."""
    cur = d["currency"]
    lines = [f"Settlement of contract {d['contract']} in scenario {d['scenario']}",
             f"{cur}, {d['price_year']} prices, nominal unless marked PV "
             "(present value at t = 0)", ""]
    rows = [("total outcome payments", _money(d["total_paid"])),
            ("total outcome payments, PV", _money(d["total_paid_pv"]))]
    rows += [(f"  for {m}", _money(v)) for m, v in d["by_metric"].items()]
    rows += [(f"  by {m}", _money(v)) for m, v in d["by_mechanism"].items()]
    rows += [(f"  paid at month {p['month']:g}", _money(p["amount"]))
             for p in d["payments_by_month"]]
    caps = d["caps"]
    if caps["bound"]:
        rows += [(f"cut by cap: {where}", _money(v)) for where, v in caps["cut"].items()]
        rows += [(f"  claim cut: {c['mechanism']}"
                  + (f", {c['metric']}" if c["metric"] else "") + f", month {c['month']:g}",
                  f"{_money(c['paid'])} of {_money(c['claimed'])}")
                 for c in caps["claims_cut"]]
    else:
        rows.append(("caps", "none bound"))
    if d["dropped_after_termination"]:
        rows.append(("dropped after termination", _money(d["dropped_after_termination"])))
    for m, ok in d["triggered"].items():
        rows.append((f"trigger of {m}", "met" if ok else "not met"))
    for m, e in d["measured_effects"].items():
        rows += [(f"measured effect on {m}, {c}", f"{100 * v:.1f} pp")
                 for c, v in e["cohorts"].items()]
        rows.append((f"measured effect on {m}, pooled", f"{100 * e['pooled']:.1f} pp"))
    if d["reinvestment_declared"]:
        rows.append(("declared for reinvestment (kept by the payers, not binding)",
                     _money(d["reinvestment_declared"])))
    lines += _rows(rows)
    lines += ["", "By actor"]
    header = ("actor", "received", "paid", "NPV", "IRR", "multiple", "exposure", "payback")
    table = [header]
    for actor, a in d["by_actor"].items():
        table.append((actor, _money(a["received"]), _money(a["paid"]), _money(a["npv"]),
                       "-" if a["irr"] is None else f"{100 * a['irr']:.1f} %",
                       "-" if a["multiple"] is None else f"{a['multiple']:.2f}",
                       _money(a["largest_exposure"]),
                       "never" if a["payback_year"] is None else f"{a['payback_year']:.1f}"))
    lines += _rows(table, header=True)
    outside = ", ".join(f"{k} {_money(v)}" for k, v in d["outside"].items())
    lines += ["", f"From outside the deal: {outside}; transfers between actors sum to "
              f"{d['transfers_sum']:,.2f}"]
    return _fit(lines)


def format_contract_risk(r: dict[str, Any], currency: str, lang: str = "en") -> str:
    """Contract variants' risk (from :func:`sibrisk.risk.summarize_contracts`) as plain text,
    in English or Danish (``lang="da"``)."""
    w = words(lang)
    pp = lambda x: f"{100 * x:.2f} pp"  # noqa: E731
    lines = []
    for name, c in r.items():
        lines += ["", w("Contract {name} ({currency}, present value at t = 0)", name=name,
                        currency=currency)]
        rows = [(w("expected outcome payment"), _money(c["payment_mean"]),
                 _se(c["payment_mean_se"], _money)),
                (w("probability a cap cuts a claim"), _pct(c["cap_bound_probability"]),
                 _se(c["cap_bound_probability_se"], pp))]
        if c["reinvestment_mean"]:
            rows.append((w("expected declared reinvestment"), _money(c["reinvestment_mean"]),
                         _se(c["reinvestment_mean_se"], _money)))
        if c.get("misjudged_probability") is not None:  # payments on a measured effect
            for key, label in (
                    ("effect_deserved_probability", "probability the true effect meets the "
                     "target"),
                    ("unpaid_when_deserved_probability", "not paid, though the true effect "
                     "meets the target"),
                    ("paid_when_undeserved_probability", "paid, though the true effect "
                     "misses the target")):
                rows.append((w(label), w("undefined") if c[key] is None else _pct(c[key]),
                             _se(c[f"{key}_se"], pp)))
            rows.append((w("payment minus the payment on the true effect"),
                         _money(c["measurement_overpayment_mean"]),
                         _se(c["measurement_overpayment_mean_se"], _money)))
        for actor, a in c["actors"].items():
            rows += [(w("{actor}: expected NPV", actor=actor), _money(a["npv_mean"]),
                      _se(a["npv_mean_se"], _money)),
                     (w("{actor}: probability of a loss", actor=actor),
                      _pct(a["loss_probability"]), _se(a["loss_probability_se"], pp))]
            if "irr_quantiles" in a:
                rows.append((w("{actor}: median IRR", actor=actor),
                             _pct(a["irr_quantiles"]["0.5"]),
                             _se(a["irr_quantiles_se"]["0.5"], pp)))
        lines += _rows(rows)
    return _fit(lines, lang)


def format_sensitivity(r: dict[str, Any]) -> str:
    """A sensitivity report (from ``sibrisk sensitivity --json``) as plain text."""
    lo, hi = (1 - r["level"]) / 2, (1 + r["level"]) / 2
    lines = [f"Sensitivity of {r['output']} in scenario {r['scenario']}",
             f"{r['currency']}, {r['basis']}; at the point values: {_money(r['base'])}", "",
             f"One input at a time, from its {100 * lo:g} % to its {100 * hi:g} % quantile"]
    table = [("input", "low", "high", "output low", "output high", "swing")]
    table += [(t["input"], f"{t['low']:.4g}", f"{t['high']:.4g}", _money(t["output_low"]),
               _money(t["output_high"]), _money(t["swing"])) for t in r["tornado"]]
    lines += _rows(table, header=True)
    lines += ["", f"Share of the variance (Sobol' indices, n = {r['sobol_n']:,}, seed "
              f"{r['sobol_seed']}; 95 % intervals over independent scrambles; {r['sobol_note']})"]
    table = [("input", "first order", "", "total order", "")]
    table += [(x["input"], f"{x['first_order']:.3f}",
               f"[{x['first_order_low']:.3f}, {x['first_order_high']:.3f}]",
               f"{x['total_order']:.3f}",
               f"[{x['total_order_low']:.3f}, {x['total_order_high']:.3f}]") for x in r["sobol"]]
    lines += _rows(table, header=True)
    return _fit(lines)


def format_sweep(r: dict[str, Any], lang: str = "en") -> str:
    """A sweep (from :func:`sibrisk.sweep.sweep_to_dict`) as plain text: one line per point,
    in English or Danish (``lang="da"``)."""
    w = words(lang)
    names = list(r["axes"])
    contract = r.get("contract")
    head = (w("Sweep of scenario {scenario}", scenario=r["scenario"])
            + (w(", contract {contract}", contract=contract) if contract else "")
            + w(": {points} points, {runs} runs each, seed {seed}",
                points=f"{r['point_count']:,}", runs=f"{r['runs_per_point']:,}", seed=r["seed"]))
    short = _short_names(names)
    lines = [head, w("{currency}, {year} prices, per cohort; ± one Monte Carlo standard error",
                     currency=r["currency"], year=r["price_year"])]
    if short != names:
        lines.append(w("axes: {axes}", axes=", ".join(
            f"{b} = {a}" for a, b in zip(names, short, strict=True) if a != b)))
    lines.append("")
    if contract:
        actors = list(r["points"][0]["summary"]["loss_probability"])
        judged = [(k, w(label)) for k, label in (
            ("unpaid_when_deserved_probability", "P(unpaid, deserved)"),
            ("paid_when_undeserved_probability", "P(paid, undeserved)"))
            if k in r["points"][0]["summary"]]
        header = (*short, *(w("P(loss) {actor}", actor=a) for a in actors),
                  *(label for _, label in judged))
        rows = [header]
        one = lambda v, e: f"{_pct(v)} {_se(e, lambda x: f'{100 * x:.1f} pp')}".rstrip()  # noqa
        for p in r["points"]:
            s = p["summary"]
            loss, se = s["loss_probability"], s["loss_probability_se"]
            rows.append((*(_axis_value(p["at"][k]) for k in names),
                         *(one(loss[a], se[a]) for a in actors),
                         *(w("undefined") if s[k] is None else one(s[k], s[f"{k}_se"])
                           for k, _ in judged)))
    else:
        header = (*short, *map(w, ("P(investor loss)", "investor return",
                                   "P(municipal deficit)", "median payback")))
        rows = [header]
        for p in r["points"]:
            s = p["summary"]
            median = s["payback_year_quantiles"]["0.5"]
            rows.append((*(_axis_value(p["at"][k]) for k in names),
                         _pct(s["investor_loss_probability"]),
                         _pct(s["investor_return_mean"]),
                         _pct(s["municipal_deficit_probability"]),
                         w("> horizon") if median is None else f"{median:.1f}"))
    lines += _rows(rows, header=True, keys=len(names))
    return _fit(lines, lang)


def _axis_value(x: float) -> str:
    """A value of a sweep's axis: whole numbers from 1,000 up with separators, others in
    up to six significant digits."""
    return f"{x:,.0f}" if abs(x) >= 1000 and float(x).is_integer() else f"{x:.6g}"


def _short_names(names: list[str]) -> list[str]:
    """Each dotted name by its last part (``effect.decay`` -> ``decay``), or more of it
    where the last parts would clash."""
    for depth in range(1, max((n.count(".") + 1 for n in names), default=1) + 1):
        short = [".".join(n.split(".")[-depth:]) for n in names]
        if len(set(short)) == len(short):
            return short
    return names


class SummaryTable:
    """A risk summary (from :func:`summarize`) as a table: each measure, its value and its
    Monte Carlo standard error, formatted by unit. Jupyter shows it as an HTML table
    (``_repr_html_``); ``str`` gives the same rows as text; ``rows`` the cells.

    Examples
    --------
    >>> import sibrisk
    >>> table = sibrisk.SummaryTable(sibrisk.summarize(sibrisk.simulate("drc-sib-2023",
    ...                                                                 runs=5_000, seed=1)))
    >>> table.rows[0][0]
    'probability that the investor loses money (result < 0)'
    """

    def __init__(self, summary: xr.Dataset) -> None:
        if not any(name.endswith("_se") for name in summary.data_vars):
            raise SibriskError("SummaryTable: give the dataset of sibrisk.summarize")
        self.summary = summary

    @property
    def rows(self) -> list[tuple[str, str, str]]:
        """(measure, value, standard error) per measure, quantiles one row each."""
        out = []
        s = self.summary
        for name, da in s.data_vars.items():
            if name.endswith("_se"):
                continue
            se = s.get(f"{name}_se")
            label = da.attrs.get("long_name", name)
            units = da.attrs.get("units", "")
            if "quantile" in da.dims:
                for q in da["quantile"].values:
                    out.append((f"{label}, {100 * q:g} %", _cell(float(da.sel(quantile=q)),
                                                              name, units),
                                _cell(float(se.sel(quantile=q)), name, units, True)
                                if se is not None else ""))
            else:
                out.append((label, _cell(float(da), name, units),
                            _cell(float(se), name, units, True) if se is not None else ""))
        return out

    def __str__(self) -> str:
        rows = [("measure", "value", "standard error"), *self.rows]
        width = [max(len(r[i]) for r in rows) for i in range(3)]
        return "\n".join(f"{a:<{width[0]}}  {b:>{width[1]}}  {c:>{width[2]}}"
                         for a, b, c in rows)

    def _repr_html_(self) -> str:
        a = self.summary.attrs
        head = (f"{html.escape(str(a.get('scenario', '')))}: {a.get('runs', 0):,} runs, "
                f"seed {html.escape(str(a.get('seed', '')))}; "
                f"{html.escape(str(a.get('currency', '')))}, "
                f"{html.escape(str(a.get('valuation', '')))}")
        body = "".join(f"<tr><td style='text-align:left'>{html.escape(m)}</td><td>{v}</td>"
                       f"<td>{e}</td></tr>" for m, v, e in self.rows)
        return (f"<table><caption>{head}</caption><thead><tr><th style='text-align:left'>"
                "measure</th><th>value</th><th>standard error</th></tr></thead>"
                f"<tbody>{body}</tbody></table>")


def _cell(x: float, name: str, units: str, error: bool = False) -> str:
    """A value by its unit (as the text reports: shares in %, errors of shares in
    percentage points, money with separators, years with a decimal); not finite as
    'inf' or 'n/a'."""
    if not math.isfinite(x):
        return "inf" if x > 0 else "n/a"
    if units == "1" or "probability" in name:
        return f"{100 * x:.2f} pp" if error else _pct(x)
    if "year" in units:
        return f"{x:.2f}" if error else f"{x:.1f}"
    return _money(x)
