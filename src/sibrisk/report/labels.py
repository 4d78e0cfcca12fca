"""Human labels of sibrisk's inputs and measures, with their units, in English and Danish.

One registry for every report (terminal text, HTML page, workbook, plots): an input
is shown as "Decay of the effect (per year)" rather than ``effect.decay``, a measure
as "probability the investor loses money" rather than ``investor_loss_probability``.
The keys stay the names scripts use (the TOML keys, the JSON fields); the reports
show them beside the labels where a script needs them (the workbook's *key*
column).

- :func:`input_label` and :func:`input_unit`: a scenario input by its dotted key,
  per participant type too (``types.no_experience.gross_employment`` is labelled with
  the type's own label from the scenario);
- :func:`measure_label`, :func:`measure_unit` and :func:`measure_kind`: a measure of
  the risk summaries (:func:`sibrisk.summarize`, :func:`sibrisk.risk.summarize_contracts`,
  sweeps), of the accounts (:data:`sibrisk.OUTPUTS`) and of the per-run outputs;
- :func:`actor_label`: an actor of a contract.

Units of inputs are not written here twice: they are read from the scenario's field
specifications (:mod:`sibrisk.scenario`), where each field declares its unit and
range, the first time an input's label is asked for. Importing this module loads no
numerical library.

>>> input_label("effect.decay")
'Decay of the effect (per year)'
>>> input_label("municipality.ordinary_effort_cost", "da", currency="DKK")
'Udgift til normalindsatsen (DKK pr. deltager)'
>>> measure_label("investor_var_5", currency="DKK")
"investor's value at risk (5 %), DKK"
"""

from __future__ import annotations

import functools
import re
from typing import Any

from .language import check_lang

__all__ = ["input_label", "input_unit", "input_is_share", "measure_label", "measure_unit",
           "measure_kind", "actor_label", "quantile_label", "INPUTS", "MEASURES", "SHORT",
           "UNITS", "ACTORS"]

#: Short labels of the scenario's fields: dotted key (``types.*.`` for every participant
#: type) -> (English, Danish). The field's unit is added from its specification.
INPUTS: dict[str, tuple[str, str]] = {
    "name": ("Name of the scenario", "Scenariets navn"),
    "title": ("Title", "Titel"),
    "description": ("Description", "Beskrivelse"),
    "currency": ("Currency", "Valuta"),
    "price_year": ("Price year", "Prisår"),
    "cohort.size": ("Participants in the cohort", "Deltagere på holdet"),
    "cohort.composition": ("Participants of each type: fixed or drawn",
                           "Deltagere af hver type: faste eller trukket"),
    "cohort.cohorts": ("Number of cohorts", "Antal hold"),
    "types.*.label": ("Description of the type", "Beskrivelse af typen"),
    "types.*.share": ("Share of the cohort", "Andel af holdet"),
    "types.*.gross_employment": ("Employment rate with the programme",
                                 "Beskæftigelsesandel med indsatsen"),
    "types.*.control_employment": ("Employment rate without the programme",
                                   "Beskæftigelsesandel uden indsatsen"),
    "discounting.schedule": ("Discount schedule", "Diskonteringsskema"),
    "discounting.rate": ("Discount rate", "Diskonteringsrente"),
    "effect.horizon": ("Years the effect is counted", "År effekten medregnes"),
    "effect.full_effect_years": ("Years at full effect", "År med fuld effekt"),
    "effect.decay": ("Decay of the effect", "Effektens aftagen"),
    "effect.persistent_share": ("Share of the effect that never fades",
                                "Andel af effekten, der aldrig aftager"),
    "effect.allow_negative": ("Allow a harmful programme", "Tillad en skadelig indsats"),
    "municipality.saving_per_employed_year": (
        "Municipal saving per added person-year in work",
        "Kommunal besparelse pr. ekstra personår i beskæftigelse"),
    "municipality.ordinary_effort_cost": ("Cost of the ordinary effort",
                                          "Udgift til normalindsatsen"),
    "municipality.ordinary_effort_saved_share": ("Share of the ordinary effort saved",
                                                 "Andel af normalindsatsen, der spares"),
    "municipality.other_net_costs": ("Other municipal net costs",
                                     "Øvrige kommunale nettoudgifter"),
    "provider.cost_per_participant": ("Cost of the programme", "Udgift til indsatsen"),
    "contract.investor_surplus_share": ("Investor's share of the surplus",
                                        "Investors andel af overskuddet"),
    "contract.payment_year": ("Year of the outcome payment", "År for resultatbetalingen"),
    "contract.rate_card": ("Rate card: uniform or by type", "Takstkort: ens eller efter type"),
    "contract.by_type_rule": ("Rule of the rates by type", "Regel for takster efter type"),
    "welfare.production_per_employed_year": (
        "Production per added person-year in work",
        "Produktionsværdi pr. ekstra personår i beskæftigelse"),
    "welfare.net_tax_factor": ("Net tax factor", "Nettoafgiftsfaktor"),
    "welfare.tax_distortion": ("Tax distortion", "Forvridningstab"),
    # the aggregates (sibrisk.AGGREGATE_INPUTS): every type's rate moved together
    "gross_employment": ("Employment rate with the programme, average",
                         "Beskæftigelsesandel med indsatsen, gennemsnit"),
    "control_employment": ("Employment rate without the programme, average",
                           "Beskæftigelsesandel uden indsatsen, gennemsnit"),
    "marginal_effect": ("Marginal effect on the employment rate, average",
                        "Marginal effekt på beskæftigelsesandelen, gennemsnit"),
}

#: The units of the scenario's field specifications, in English and Danish (``{cur}``:
#: the scenario's currency).
UNITS: dict[str, tuple[str, str]] = {
    "participants": ("participants", "deltagere"),
    "cohorts": ("cohorts", "hold"),
    "per year": ("per year", "pr. år"),
    "years": ("years", "år"),
    "currency per person-year": ("{cur} per person-year", "{cur} pr. personår"),
    "currency per participant": ("{cur} per participant", "{cur} pr. deltager"),
}

#: Labels of the measures: name (``{level}``, ``{years}``: read from the name) ->
#: (English, Danish, kind). Kinds: ``money`` (in the currency), ``share`` (shown in %,
#: its error in percentage points), ``year`` (years from programme start), ``number``.
MEASURES: dict[str, tuple[str, str, str]] = {
    # sibrisk.summarize
    "investor_loss_probability": ("probability the investor loses money",
                                  "sandsynlighed for at investor taber penge", "share"),
    "investor_return_mean": ("investor's expected return on outlay",
                             "investors forventede afkast af udlægget", "share"),
    "investor_return_quantiles": ("investor's return on outlay", "investors afkast af "
                                  "udlægget", "share"),
    "investor_var_{level}": ("investor's value at risk ({level})",
                             "investors Value at Risk ({level})", "money"),
    "investor_cvar_{level}": ("investor's expected shortfall ({level})",
                              "investors Expected Shortfall ({level})", "money"),
    "investor_result_mean": ("investor's expected result", "investors forventede resultat",
                             "money"),
    "municipal_deficit_probability": ("probability the municipality's own account is negative",
                                      "sandsynlighed for at kommunens eget regnskab er "
                                      "negativt", "share"),
    "municipal_account_mean": ("municipality's expected own account",
                               "kommunens forventede eget regnskab", "money"),
    "payback_year_quantiles": ("municipality's payback year", "kommunens tilbagebetalingsår",
                               "year"),
    "payback_within_{years}_years_probability": (
        "probability the municipality pays back within {years} years",
        "sandsynlighed for at kommunen er tilbagebetalt inden for {years} år", "share"),
    "deadweight_share_mean": ("share of the payment for jobs that would have come anyway "
                              "(deadweight)", "andel af betalingen for job, der ville være "
                              "kommet alligevel (dødvægt)", "share"),
    "welfare_surplus_mean": ("expected welfare-economic surplus",
                             "forventet samfundsøkonomisk overskud", "money"),
    # sibrisk.risk.summarize_contracts: a contract, and each actor
    "payment_mean": ("expected outcome payment", "forventet resultatbetaling", "money"),
    "cap_bound_probability": ("probability a cap cuts a claim",
                              "sandsynlighed for at et loft beskærer et krav", "share"),
    "reinvestment_mean": ("expected declared reinvestment", "forventet erklæret geninvestering",
                          "money"),
    "effect_deserved_probability": ("probability the true effect meets the target",
                                    "sandsynlighed for at den sande effekt når målet", "share"),
    "unpaid_when_deserved_probability": ("not paid, though the true effect meets the target",
                                         "ikke betalt, skønt den sande effekt når målet",
                                         "share"),
    "paid_when_undeserved_probability": ("paid, though the true effect misses the target",
                                         "betalt, skønt den sande effekt ikke når målet",
                                         "share"),
    "misjudged_probability": ("probability the payment misjudges the true effect",
                              "sandsynlighed for at betalingen fejlbedømmer den sande effekt",
                              "share"),
    "measurement_overpayment_mean": ("payment minus the payment on the true effect",
                                     "betaling minus betalingen ved den sande effekt", "money"),
    "npv_mean": ("expected NPV", "forventet nutidsværdi", "money"),
    "loss_probability": ("probability of a loss", "sandsynlighed for tab", "share"),
    "npv_quantiles": ("net present value", "nutidsværdi", "money"),
    "npv_var_{level}": ("value at risk ({level})", "Value at Risk ({level})", "money"),
    "npv_cvar_{level}": ("expected shortfall ({level})", "Expected Shortfall ({level})",
                         "money"),
    "irr_defined_probability": ("probability a rate of return exists",
                                "sandsynlighed for at en intern rente findes", "share"),
    "irr_quantiles": ("annual rate of return (IRR)", "årlig intern rente", "share"),
    "largest_exposure_mean": ("expected largest exposure", "forventet største eksponering",
                              "money"),
    # the accounts (sibrisk.OUTPUTS) and the per-run outputs of sibrisk.simulate
    "ordinary_effort_saving": ("ordinary effort saved", "sparet normalindsats", "money"),
    "other_net_costs": ("other municipal net costs", "øvrige kommunale nettoudgifter", "money"),
    "employment_saving": ("saving from additional employment",
                          "besparelse ved merbeskæftigelse", "money"),
    "municipal_savings": ("municipality's savings, all sources",
                          "kommunens besparelse, alle kilder", "money"),
    "provider_cost": ("cost of the provider's programme", "udgift til leverandørens indsats",
                      "money"),
    "budget_surplus": ("budget surplus", "budgetøkonomisk overskud", "money"),
    "investor_surplus_share": ("investor's share of the surplus",
                               "investors andel af overskuddet", "money"),
    "outcome_payment": ("outcome payment", "resultatbetaling", "money"),
    "payment_per_employed": ("payment per employed participant",
                             "resultatbetaling pr. beskæftiget deltager", "money"),
    "investor_result": ("investor's result", "investors resultat", "money"),
    "investor_return": ("investor's return on outlay", "investors afkast af udlægget",
                        "share"),
    "investor_multiple": ("investor's money multiple", "investors pengemultiplum", "number"),
    "investor_irr": ("investor's annual rate of return (IRR)", "investors årlige interne rente",
                     "share"),
    "municipal_account": ("municipality's own account", "kommunens eget regnskab", "money"),
    "production_value": ("value of the additional production",
                         "værdi af merproduktionen", "money"),
    "welfare_surplus": ("welfare-economic surplus", "samfundsøkonomisk overskud", "money"),
    "effect_years": ("discounted effect-years", "diskonterede effektår", "number"),
    "municipal_payback_year": ("municipality's payback year", "kommunens tilbagebetalingsår",
                               "year"),
    "deadweight_payment": ("payment for jobs that would have come anyway (deadweight)",
                           "betaling for job, der ville være kommet alligevel (dødvægt)",
                           "money"),
    "deadweight_share": ("deadweight share of the payment", "dødvægtens andel af betalingen",
                         "share"),
    "gross_employment": ("gross employment", "bruttobeskæftigelse", "share"),
    "control_employment": ("employment without the programme", "beskæftigelse uden indsatsen",
                           "share"),
    "marginal_effect": ("marginal effect", "marginal effekt", "share"),
}

#: Shorter labels of the risk summary's measures, for a table under the actor's own
#: heading ("Investor: probability of losing money"): name -> (English, Danish).
SHORT: dict[str, tuple[str, str]] = {
    "investor_loss_probability": ("probability of losing money", "sandsynlighed for tab"),
    "investor_return_mean": ("expected return on outlay", "forventet afkast af udlægget"),
    "investor_return_quantiles": ("return", "afkast"),
    "investor_var_{level}": ("value at risk ({level})", "Value at Risk ({level})"),
    "investor_cvar_{level}": ("expected shortfall ({level})", "Expected Shortfall ({level})"),
    "investor_result_mean": ("expected result", "forventet resultat"),
    "municipal_deficit_probability": ("probability its own account is negative",
                                      "sandsynlighed for negativt eget regnskab"),
    "municipal_account_mean": ("expected own account", "forventet eget regnskab"),
    "payback_year_quantiles": ("payback year", "tilbagebetalingsår"),
    "payback_within_{years}_years_probability": (
        "probability of payback within {years} years",
        "sandsynlighed for tilbagebetaling inden for {years} år"),
    "deadweight_share_mean": ("share of the payment for jobs that would have come anyway",
                              "andel af betalingen for job, der ville være kommet alligevel "
                              "(dødvægt)"),
    "welfare_surplus_mean": ("expected welfare-economic surplus",
                             "forventet samfundsøkonomisk overskud"),
}

#: Actors of the contracts that have a Danish name (others, such as a tranche's name,
#: are the contract file's own and stay as written).
ACTORS: dict[str, tuple[str, str]] = {
    "investor": ("investor", "investor"),
    "municipality": ("municipality", "kommunen"),
    "provider": ("provider", "leverandøren"),
    "state": ("state", "staten"),
    "evaluator": ("evaluator", "evaluator"),
    "guarantor": ("guarantor", "garant"),
    "payers": ("payers", "betalerne"),
}

_LANG = {"en": 0, "da": 1}


@functools.lru_cache(maxsize=1)
def _specs() -> dict[str, Any]:
    """The scenario's field specifications by dotted key (``types.*.`` for the types)."""
    from dataclasses import fields

    from ..scenario import spec as sc

    out: dict[str, Any] = {}

    def walk(cls: type, prefix: str) -> None:
        for f in fields(cls):
            if "section" in f.metadata:
                walk(f.metadata["section"], f"{prefix}{f.name}.")
            elif "types" in f.metadata:
                walk(sc.ParticipantType, "types.*.")
            elif "spec" in f.metadata:
                out[f"{prefix}{f.name}"] = f.metadata["spec"]

    walk(sc.Scenario, "")
    out.pop("types.*.name", None)
    return out


def _pattern(key: str) -> tuple[str, str | None]:
    """The registry's key of an input, and the participant type it names (if any)."""
    parts = key.split(".")
    if len(parts) == 3 and parts[0] == "types":
        return f"types.*.{parts[2]}", parts[1]
    return key, None


def input_is_share(key: str) -> bool:
    """Whether an input is a share or a rate in [0, 1] (the reports show it in %)."""
    if key in ("gross_employment", "control_employment", "marginal_effect"):
        return True
    spec = _specs().get(_pattern(key)[0])
    return spec is not None and spec.kind == "real" and spec.lo == 0.0 and spec.hi == 1.0


def input_unit(key: str, lang: str = "en", currency: str | None = None) -> str:
    """The unit of an input as its field specification gives it, in ``lang``; ``""`` for
    shares, factors and inputs without one (``currency`` stands for the currency of
    amounts, else "currency")."""
    spec = _specs().get(_pattern(key)[0])
    if spec is None or not spec.unit:
        return ""
    en, da = UNITS.get(spec.unit, (spec.unit, spec.unit))
    text = (en, da)[_LANG[check_lang(lang)]]
    return text.format(cur=currency or ("currency" if lang == "en" else "valuta"))


def input_label(key: str, lang: str = "en", scenario: Any = None, *, unit: bool = True,
                currency: str | None = None) -> str:
    """The human label of a scenario input, with its unit in brackets.

    Parameters
    ----------
    key : str
        A dotted key of the scenario (``effect.decay``,
        ``types.no_experience.gross_employment``) or an aggregate
        (``gross_employment``). A key the registry does not know (a contract's path in
        a sweep, say) is returned as it is.
    lang : {"en", "da"}
    scenario : Scenario, optional
        Gives the participant types' own labels (else their names) and the currency.
    unit : bool
        Add the unit in brackets (``"Cost of the programme (DKK per participant)"``).
    currency : str, optional
        The currency of amounts (default: the scenario's).

    Examples
    --------
    >>> input_label("types.no_experience.share", "da")
    'Andel af holdet, no_experience'
    """
    pattern, kind = _pattern(key)
    entry = INPUTS.get(pattern)
    if entry is None:
        return key
    label = entry[_LANG[check_lang(lang)]]
    if kind is not None:
        own = ""
        if scenario is not None:
            own = next((t.label for t in scenario.types if t.name == kind), "")
        label = f"{label}, {own or kind}"
    if unit:
        cur = currency or (scenario.currency if scenario is not None else None)
        text = input_unit(key, lang, cur)
        if text and text.rstrip("s").lower() not in label.lower():  # not "Years (years)"
            label = f"{label} ({text})"
    return label


def _pattern_of(name: str) -> tuple[str, dict[str, str]] | None:
    """The registry's key of a measure, and the fields its name carries."""
    if name in MEASURES:
        return name, {}
    m = re.fullmatch(r"(investor|npv)_(c?var)_(\d+(?:_\d+)?)", name)
    if m:
        level = m.group(3).replace("_", ".")
        return f"{m.group(1)}_{m.group(2)}_{{level}}", {"level": f"{level} %"}
    m = re.fullmatch(r"payback_within_(\d+(?:_\d+)?)_years_probability", name)
    if m:
        return "payback_within_{years}_years_probability", {"years": m.group(1).replace("_",
                                                                                        ".")}
    return None


def _measure(name: str) -> tuple[tuple[str, str, str], dict[str, str]] | None:
    found = _pattern_of(name)
    return None if found is None else (MEASURES[found[0]], found[1])


def measure_kind(name: str) -> str:
    """How a measure is written: ``"money"``, ``"share"`` (in %), ``"year"`` or
    ``"number"`` (a standard error ``NAME_se`` as its measure; unknown names by their
    words: probabilities, returns and shares are shares, years are years, else money)."""
    name = name.removesuffix("_se")
    found = _measure(name)
    if found is not None:
        return found[0][2]
    if any(w in name for w in ("probability", "return", "share", "irr")):
        return "share"
    if "year" in name:
        return "year"
    return "number" if "multiple" in name else "money"


def measure_unit(name: str, lang: str = "en", currency: str | None = None) -> str:
    """The unit of a measure: the currency for money, years for a year, ``""`` for shares
    (their values carry "%") and plain numbers."""
    kind = measure_kind(name)
    if kind == "money":
        return currency or ("currency" if check_lang(lang) == "en" else "valuta")
    if kind == "year":
        return ("years from programme start", "år fra programstart")[_LANG[check_lang(lang)]]
    return ""


def measure_label(name: str, lang: str = "en", *, unit: bool = True,
                  currency: str | None = None, short: bool = False) -> str:
    """The human label of a measure, with its unit after a comma (money and years).

    ``name`` is a field of a risk summary (``investor_loss_probability``,
    ``investor_var_5``, ``payback_within_10_years_probability``), of a contract's or an
    actor's summary (``loss_probability``, ``npv_var_5``), or an output of the accounts
    or of a simulation (``budget_surplus``); a name the registry does not know is
    returned with its underscores as spaces. ``short``: the label under the actor's own
    heading, where the registry has one (:data:`SHORT`: "probability of losing money"
    under "Investor").

    >>> measure_label("payback_within_10_years_probability", "da")
    'sandsynlighed for at kommunen er tilbagebetalt inden for 10 år'
    """
    found = _measure(name)
    lang = check_lang(lang)
    if found is None:
        return name.replace("_", " ")
    entry, fields = found
    if lang == "da":  # a level of 2.5 % is 2,5 % in Danish
        fields = {k: v.replace(".", ",") for k, v in fields.items()}
    pattern = _pattern_of(name)[0]  # type: ignore[index]
    words = SHORT[pattern] if short and pattern in SHORT else entry[:2]
    label = words[_LANG[lang]].format(**fields)
    if unit:
        text = measure_unit(name, lang, currency)
        if text and entry[2] == "money":
            label = f"{label}, {text}"
    return label


def quantile_label(label: str, q: float | str, lang: str = "en") -> str:
    """A quantile of a measure: ``"investor's return on outlay, median"`` or
    ``"..., 5 % quantile"`` (Danish: ``"..., 5 %-fraktil"``)."""
    q = float(q)
    pct = f"{100 * q:g}"
    if check_lang(lang) == "da":
        return f"{label}, median" if q == 0.5 else f"{label}, {pct.replace('.', ',')} %-fraktil"
    return f"{label}, median" if q == 0.5 else f"{label}, {pct} % quantile"


def actor_label(actor: str, lang: str = "en") -> str:
    """An actor's name in ``lang`` (the contract file's own names, such as a tranche's, as
    written)."""
    entry = ACTORS.get(actor)
    return actor if entry is None else entry[_LANG[check_lang(lang)]]
