"""Reports: the catalogue's tables as a plain dict (for JSON), and every report as text.

Each report is made of blocks (:mod:`sibrisk._text`: headings, lines, tables) built
from what the library computes: :func:`catalogue_report` here,
:func:`sibrisk.summary_to_dict`, :func:`sibrisk.risk.summarize_contracts`, a
settlement, a sweep. No report computes a number; each formats the numbers it is
given, in English or Danish (:mod:`sibrisk.language`), with the human labels of
:mod:`sibrisk.labels`. The terminal prints the blocks as text in 80 columns, the HTML
report (:mod:`sibrisk.html_report`) as real tables.

The reports of contracts are in :mod:`sibrisk._contract_text`, those of the design
commands (sweep, sensitivity, break-even, solve) in :mod:`sibrisk._design_text`; their
functions are imported here too.
"""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING, Any

from ..engine.breakeven import breakeven
from ..errors import BreakEvenError, SibriskError
from ..ledger.tariff import price_surplus_share
from ..metrics.account import BASIS_LABELS, VALUATION, account_values
from ..scenario.spec import Scenario, load_scenario
from .contracts import (
    contract_risk_blocks,
    format_contract_risk,
    format_settlement,
    settlement_blocks,
)
from .design import format_breakeven, format_sensitivity, format_solution, format_sweep
from .labels import measure_kind, measure_label, quantile_label
from .language import numbers_for, words
from .text import Block, Heading, Table, Text, text

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["catalogue_report", "format_catalogue_report", "catalogue_blocks",
           "format_risk_summary", "risk_blocks", "format_settlement", "settlement_blocks",
           "format_contract_risk", "contract_risk_blocks", "format_sensitivity",
           "format_sweep", "format_breakeven", "format_solution", "SummaryTable",
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
    horizon is ``None`` too (as everywhere in JSON: see the docs' page *Reading
    the reports*).
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
# The catalogue's tables
# ---------------------------------------------------------------------------
#: The rows of Table 6: (label, key of the whole surplus, key of the municipality).
_TABLE_6 = (("marginal effect", "marginal_effect", "marginal_effect_municipality"),
            ("annual fall in effect after the full-effect years", "decay_surplus",
             "decay_municipality"),
            ("share of the ordinary effort saved", "ordinary_effort_saving_surplus",
             "ordinary_effort_saving_municipality"))


def catalogue_blocks(r: dict[str, Any], lang: str = "en") -> list[Block]:
    """The catalogue's tables (from :func:`catalogue_report`) as blocks, in ``lang``."""
    w, f = words(lang), numbers_for(lang)
    be, base = r["breakeven"], r["breakeven_base"]
    src = r["savings_by_source"]
    name = {k: t["label"] or k for k, t in r["types"].items()}  # a type by its own label
    this, other = r["rates_by_type"], r["rates_by_type_other_rule"]
    rule = {"catalogue": w("catalogue rule"), "payout_neutral": w("payout-neutral")}
    blocks: list[Block] = [
        Heading(w("sibrisk account: {scenario}", scenario=r["scenario"])
                + (f" - {r['title']}" if r["title"] else ""), 1),
        Text(w("{currency}, {year} prices, {valuation}, {basis}", currency=r["currency"],
               year=r["price_year"], valuation=w(r["valuation"]), basis=w(r["basis"]))),
        Heading(w("Table 1  Budget account (budgetøkonomisk: the public budget)")),
        Table([(w("municipality's saving"), f.money(r["municipal_savings"])),
               (w("  ordinary effort saved"), f.money(src["ordinary_effort_saving"])),
               (w("  additional employment"), f.money(src["employment_saving"])),
               (w("  other municipal net costs"), f.money(src["other_net_costs"])),
               (w("cost of the provider's programme"), f.money(-r["provider_cost"])),
               (w("budget surplus"), f.money(r["budget_surplus"]))]),
        Heading(w("Table 2  Payment model: cost plus the investor's share of the surplus")),
        Table([(w("investor's share of the surplus"), f.money(r["investor_surplus_share"])),
               (w("commissioner pays per participant"), f.money(r["payment_per_participant"])),
               (w("commissioner pays per gross-employed participant"),
                f.money(r["payment_per_employed"])),
               (w("investor's return on outlay"), f.percent(r["investor_return"])),
               (w("municipality's own account"), f.money(r["municipal_account"]))]),
        Heading(w("Table 3  Employment 2 months after, by participant type")),
        Table([(w("type"), w("share"), w("with programme"), w("without")),
               *[(name[k], f.percent(t["share"]), f.percent(t["gross_employment"]),
                  f.percent(t["control_employment"])) for k, t in r["types"].items()],
               (w("weighted average"), "", f.percent(r["gross_employment"]),
                f.percent(r["control_employment"]))], header=True),
        Heading(w("Table 4  Rate per gross-employed participant by type "
                  "(this scenario's rate card: {rate_card}; rule: {rule})",
                  rate_card=w(r["rate_card"]), rule=rule[this["rule"]])),
        Table([(w("type"), rule[this["rule"]] + " *", rule[other["rule"]]),
               *[(name[k], f.money(this[k]), f.money(other[k])) for k in r["types"]],
               (w("expected payment per participant"),
                f.money(this["expected_payment_per_participant"]),
                f.money(other["expected_payment_per_participant"]))], header=True,
              notes=(w("* the scenario's rule (contract.by_type_rule)"),)),
        Heading(w("Table 5  Investor's break-even (rate held at the contracted price)")),
        Table([(w("parameter"), w("base"), w("break-even"), w("difference")),
               (w("gross employment"), f.percent(r["gross_employment"]),
                f.percent(be["investor_gross_employment"]),
                _difference(f, be["investor_gross_employment"],
                            base["investor_gross_employment"]))], header=True),
        Heading(w("Table 6  Break-even of the budget account, two readings")),
        Text(w("(whole surplus = 0, and the municipality's own account = 0 with the payment "
               "held)"), " " * 9),
        Table([(w("parameter"), w("base"), w("whole surplus"), w("municipality")),
               *[(w(label), f.percent(base[key]), f.percent(be[key]), f.percent(be[muni]))
                 for label, key, muni in _TABLE_6]], header=True,
              notes=tuple(_breakeven_note(key, note, lang)
                          for key, note in r["breakeven_notes"].items())),
        Heading(w("Welfare-economic account (samfundsøkonomisk: society as a whole)")),
        Table([(w("welfare-economic surplus"), f.money(r["welfare_surplus"])),
               (w("municipality's payback year"), f.year(_inf(r["municipal_payback_year"])))]),
    ]
    return blocks


def _inf(year: float | None) -> float:
    """A payback year of a JSON-ready dict (``None``: not within the horizon) as a number."""
    return math.inf if year is None else year


def _difference(f: Any, x: float | None, base: float) -> str:
    return "" if x is None else f.points(x - base, 1, sign=True)


def _breakeven_note(key: str, note: str, lang: str) -> str:
    """Why a break-even point is missing: the library's reason in English; in Danish, a
    sentence of its own."""
    if lang == "da":
        return words(lang)("{key}: ingen break-even i det tilladte interval", key=key)
    return f"{key}: {note}"


def format_catalogue_report(r: dict[str, Any], lang: str = "en") -> str:
    """The catalogue's tables as plain text, from :func:`catalogue_report`, in English
    or Danish (``lang="da"``, :mod:`sibrisk.language`)."""
    return text(catalogue_blocks(r, lang))


# ---------------------------------------------------------------------------
# The risk summary
# ---------------------------------------------------------------------------
def _measure_rows(r: dict[str, Any], name: str, lang: str) -> list[tuple[str, ...]]:
    """A measure of a summary dict and its standard error as rows, by its short label
    (:func:`sibrisk.labels.measure_label`): one, or one per quantile."""
    f = numbers_for(lang)
    kind = measure_kind(name)
    label = measure_label(name, lang, unit=False, short=True)
    value, se = r[name], r.get(f"{name}_se")
    show = {"money": f.money, "share": f.percent, "year": lambda v: f.year(_inf(v)),
            "number": f.general}[kind]
    if isinstance(value, dict):
        return [(quantile_label(label, q, lang), show(v), f.error((se or {}).get(q), kind))
                for q, v in value.items()]
    return [(label, show(value), f.error(se, kind))]


def risk_blocks(r: dict[str, Any], lang: str = "en") -> list[Block]:
    """A risk summary (from :func:`sibrisk.summary_to_dict`) as blocks, in ``lang``."""
    w, f = words(lang), numbers_for(lang)
    if r.get("method") == "exact":
        count = r.get("outcomes", 0)
        how = w(f"exact enumeration of {{count}} outcome{'s' if count != 1 else ''}",
                count=f.whole(count))
    else:
        how = w("Monte Carlo, {runs} runs, seed {seed}", runs=f.whole(r["runs"]), seed=r["seed"])
    tag = f"{100 * r['level']:g}".replace(".", "_")
    rows: list[tuple[str, ...]] = [
        *(row for name in ("investor_loss_probability", "investor_return_mean",
                           "investor_return_quantiles", f"investor_var_{tag}",
                           f"investor_cvar_{tag}") for row in _measure_rows(r, name, lang)),
        (w("Municipality (commissioner)"),),
    ]
    notes: tuple[str, ...] = ()
    if "municipal_deficit_probability" in r:
        within = f"{r['within_years']:g}".replace(".", "_")
        rows += [row for name in ("municipal_deficit_probability", "payback_year_quantiles",
                                  f"payback_within_{within}_years_probability",
                                  "deadweight_share_mean")
                 for row in _measure_rows(r, name, lang)]
        notes = (w("({horizon}: the account is still negative at the end of the horizon)",
                   horizon=f.horizon),)
    else:
        notes = (w("not available: {scope}", scope=w(r.get("exact_scope", ""))),)
    return [
        Heading(w("Risk: {how}", how=how), 1),
        Text(w("{currency}, {year} prices, per cohort of {size} participants, {valuation}",
               currency=r["currency"], year=r["price_year"], size=f.whole(r["cohort_size"]),
               valuation=w(r["valuation"]))),
        Heading(w("Investor")),
        Table(rows, notes=notes),
    ]


def format_risk_summary(r: dict[str, Any], lang: str = "en") -> str:
    """A risk summary (from :func:`sibrisk.summary_to_dict`) as plain text, in English
    or Danish (``lang="da"``)."""
    return text(risk_blocks(r, lang))


# ---------------------------------------------------------------------------
# A summary in a notebook
# ---------------------------------------------------------------------------
class SummaryTable:
    """A risk summary (from :func:`summarize`) as a table: each measure, its value and its
    Monte Carlo standard error, formatted by unit (as the text reports: a year not within
    the horizon in words, no standard error where none is estimated). Jupyter shows it
    as an HTML table (``_repr_html_``); ``str`` gives the same rows as text; ``rows``
    the cells.

    Examples
    --------
    >>> import sibrisk
    >>> table = sibrisk.SummaryTable(sibrisk.summarize(sibrisk.simulate("drc-sib-2023",
    ...                                                                 runs=5_000, seed=1)))
    >>> table.rows[0][0]
    'probability the investor loses money'
    """

    def __init__(self, summary: xr.Dataset, lang: str = "en") -> None:
        if not any(name.endswith("_se") for name in summary.data_vars):
            raise SibriskError("SummaryTable: give the dataset of sibrisk.summarize")
        self.summary = summary
        self.lang = lang
        numbers_for(lang)  # checks the language

    @property
    def rows(self) -> list[tuple[str, str, str]]:
        """(measure, value, standard error) per measure, quantiles one row each."""
        f = numbers_for(self.lang)
        s = self.summary
        cur = s.attrs.get("currency")
        out = []
        for name, da in s.data_vars.items():
            if name.endswith("_se"):
                continue
            se = s.get(f"{name}_se")
            kind = measure_kind(name)
            label = measure_label(name, self.lang, currency=cur)
            show = {"money": f.money, "share": f.percent, "year": f.year,
                    "number": f.general}[kind]
            if "quantile" in da.dims:
                for q in da["quantile"].values:
                    out.append((quantile_label(label, q, self.lang),
                                show(float(da.sel(quantile=q))),
                                f.error(float(se.sel(quantile=q)), kind) if se is not None
                                else ""))
            else:
                out.append((label, show(float(da)),
                            f.error(float(se), kind) if se is not None else ""))
        return [(m, v, e.removeprefix("± ")) for m, v, e in out]

    def __str__(self) -> str:
        w = words(self.lang)
        rows = [(w("measure"), w("value"), w("standard error")), *self.rows]
        width = [max(len(r[i]) for r in rows) for i in range(3)]
        return "\n".join(f"{a:<{width[0]}}  {b:>{width[1]}}  {c:>{width[2]}}".rstrip()
                         for a, b, c in rows)

    def _repr_html_(self) -> str:
        a = self.summary.attrs
        w, f = words(self.lang), numbers_for(self.lang)
        head = (f"{html.escape(str(a.get('scenario', '')))}: "
                + html.escape(w("Monte Carlo, {runs} runs, seed {seed}",
                                runs=f.whole(a.get("runs", 0)), seed=a.get("seed", "")))
                + f"; {html.escape(str(a.get('currency', '')))}, "
                f"{html.escape(w(str(a.get('valuation', ''))))}")
        body = "".join(f"<tr><td style='text-align:left'>{html.escape(m)}</td><td>{v}</td>"
                       f"<td>{e}</td></tr>" for m, v, e in self.rows)
        return (f"<table><caption>{head}</caption><thead><tr><th style='text-align:left'>"
                f"{w('measure')}</th><th>{w('value')}</th><th>{w('standard error')}</th></tr>"
                f"</thead><tbody>{body}</tbody></table>")
