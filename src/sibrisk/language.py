"""Danish and English text of the reports: labels, headings and numbers.

sibrisk writes English by default. With ``lang="da"`` the terminal reports, the
HTML report and the plots use Danish labels, the catalogue's own domain terms
(*budgetøkonomisk*: the public budget's account; *samfundsøkonomisk*: society as
a whole; *resultatbetaling*: outcome payment; *dødvægt*: deadweight) and Danish
number style (1.234.567 and 12,5 %).

A report is written in English and its text passes through :func:`words` (a
label or a template) and :func:`numbers` (the separators of every number). A
label without a Danish entry stays English, so a report is never broken by a
missing word; a test checks that the reports have none.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .errors import SibriskError

__all__ = ["LANGUAGES", "check_lang", "words", "numbers", "number", "DANISH"]

#: The languages of the reports: English (the default) and Danish.
LANGUAGES = ("en", "da")

#: Danish for the English labels and templates of the terminal reports
#: (:mod:`sibrisk.report`). Keys are matched whole, after leading spaces.
DANISH: dict[str, str] = {
    # the catalogue's account
    "sibrisk account: {scenario}": "sibrisk regnskab: {scenario}",
    "{currency}, {year} prices, {valuation}, {basis}":
        "{currency}, {year}-priser, {valuation}, {basis}",
    "present value at t = 0 (programme start)": "nutidsværdi ved t = 0 (programstart)",
    "per average participant": "pr. gennemsnitlig deltager",
    "per cohort": "pr. hold",
    "Table 1  Budget account (budgetøkonomisk: the public budget)":
        "Tabel 1  Budgetøkonomisk regnskab (de offentlige budgetter)",
    "municipality's saving": "kommunens besparelse",
    "ordinary effort saved": "sparet ordinær indsats",
    "additional employment": "merbeskæftigelse",
    "other municipal net costs": "øvrige kommunale nettoudgifter",
    "cost of the provider's programme": "udgift til leverandørens indsats",
    "budget surplus": "budgetøkonomisk overskud",
    "Table 2  Payment model: cost plus the investor's share of the surplus":
        "Tabel 2  Betalingsmodel: omkostning plus investors andel af overskuddet",
    "investor's share of the surplus": "investors andel af overskuddet",
    "commissioner pays per participant": "kommunen betaler pr. deltager",
    "commissioner pays per gross-employed participant":
        "kommunen betaler pr. deltager i beskæftigelse (brutto)",
    "investor's return on outlay": "investors afkast af udlægget",
    "municipality's own account": "kommunens eget regnskab",
    "Table 3  Employment 2 months after, by participant type":
        "Tabel 3  Beskæftigelse 2 måneder efter, efter deltagertype",
    "type": "type",
    "share": "andel",
    "with programme": "med programmet",
    "without": "uden",
    "weighted average": "vægtet gennemsnit",
    "Table 4  Rate per gross-employed participant by type "
    "(this scenario's rate card: {rate_card}; rule: {rule})":
        "Tabel 4  Resultatbetaling pr. beskæftiget deltager efter type "
        "(scenariets takstkort: {rate_card}; regel: {rule})",
    "catalogue rule": "katalogets regel",
    "payout-neutral": "udbetalingsneutral",
    "{rule} *": "{rule} *",
    "expected payment per participant": "forventet betaling pr. deltager",
    "* the scenario's rule (contract.by_type_rule)":
        "* scenariets regel (contract.by_type_rule)",
    "Table 5  Investor's break-even (rate held at the contracted price)":
        "Tabel 5  Investors break-even (taksten holdt på den aftalte pris)",
    "parameter": "parameter",
    "base": "basis",
    "break-even": "break-even",
    "difference": "forskel",
    "gross employment": "bruttobeskæftigelse",
    "Table 6  Break-even of the budget account, two readings":
        "Tabel 6  Break-even for det budgetøkonomiske regnskab, to læsninger",
    "(whole surplus = 0, and the municipality's own account = 0 with the payment held)":
        "(hele overskuddet = 0, og kommunens eget regnskab = 0 med betalingen holdt fast)",
    "whole surplus": "hele overskuddet",
    "municipality": "kommunen",
    "marginal effect": "marginal effekt",
    "annual fall in effect after the full-effect years":
        "årligt fald i effekten efter årene med fuld effekt",
    "share of the ordinary effort saved": "andel af den ordinære indsats, der spares",
    "Welfare-economic account (samfundsøkonomisk: society as a whole)":
        "Samfundsøkonomisk regnskab (samfundet som helhed)",
    "welfare-economic surplus": "samfundsøkonomisk overskud",
    "municipality's payback year": "kommunens tilbagebetalingsår",
    "not within the horizon": "ikke inden for horisonten",
    "none": "ingen",
    # the risk summary
    "Risk: {how}": "Risiko: {how}",
    "exact enumeration of {count} outcomes": "eksakt optælling af {count} udfald",
    "exact enumeration of {count} outcome": "eksakt optælling af {count} udfald",
    "Monte Carlo, {runs} runs, seed {seed}": "Monte Carlo, {runs} kørsler, seed {seed}",
    "{currency}, {year} prices, per cohort of {size} participants, {valuation}":
        "{currency}, {year}-priser, pr. hold på {size} deltagere, {valuation}",
    "Investor": "Investor",
    "probability of losing money": "sandsynlighed for tab",
    "expected return on outlay": "forventet afkast af udlægget",
    "{label}, median": "{label}, median",
    "{label}, {q} % quantile": "{label}, {q} %-fraktil",
    "return": "afkast",
    "payback year": "tilbagebetalingsår",
    "value at risk ({level})": "Value at Risk ({level})",
    "expected shortfall ({level})": "Expected Shortfall ({level})",
    "Municipality (commissioner)": "Kommunen (bestiller)",
    "probability its own account is negative": "sandsynlighed for negativt eget regnskab",
    "probability of payback within {years} years":
        "sandsynlighed for tilbagebetaling inden for {years} år",
    "share of the payment for jobs that would have come anyway":
        "andel af betalingen for job, der ville være kommet alligevel (dødvægt)",
    "> horizon": "> horisont",
    "(> horizon: the account is still negative at the end of the horizon)":
        "(> horisont: regnskabet er stadig negativt ved horisontens slutning)",
    "not available: {scope}": "ikke tilgængelig: {scope}",
    # contracts' risk and sweeps
    "Contract {name} ({currency}, present value at t = 0)":
        "Kontrakt {name} ({currency}, nutidsværdi ved t = 0)",
    "expected outcome payment": "forventet resultatbetaling",
    "probability a cap cuts a claim": "sandsynlighed for at et loft beskærer et krav",
    "expected declared reinvestment": "forventet erklæret geninvestering",
    "probability the true effect meets the target":
        "sandsynlighed for at den sande effekt når målet",
    "not paid, though the true effect meets the target":
        "ikke betalt, skønt den sande effekt når målet",
    "paid, though the true effect misses the target":
        "betalt, skønt den sande effekt ikke når målet",
    "payment minus the payment on the true effect":
        "betaling minus betalingen ved den sande effekt",
    "{actor}: expected NPV": "{actor}: forventet nutidsværdi",
    "{actor}: probability of a loss": "{actor}: sandsynlighed for tab",
    "{actor}: median IRR": "{actor}: median intern rente",
    "undefined": "udefineret",
    "Sweep of scenario {scenario}": "Gennemløb af scenariet {scenario}",
    ", contract {contract}": ", kontrakt {contract}",
    ": {points} points, {runs} runs each, seed {seed}":
        ": {points} punkter, {runs} kørsler hver, seed {seed}",
    "{currency}, {year} prices, per cohort; ± one Monte Carlo standard error":
        "{currency}, {year}-priser, pr. hold; ± én Monte Carlo-standardfejl",
    "axes: {axes}": "akser: {axes}",
    "P(loss) {actor}": "P(tab) {actor}",
    "P(unpaid, deserved)": "P(ubetalt, fortjent)",
    "P(paid, undeserved)": "P(betalt, ufortjent)",
    "P(investor loss)": "P(investors tab)",
    "investor return": "investors afkast",
    "P(municipal deficit)": "P(kommunalt underskud)",
    "median payback": "median tilbagebetaling",
    # the workbook (sibrisk.workbook)
    "Edit the values in column B, then: sibrisk scenario import {file}":
        "Ret værdierne i kolonne B, og kør derefter: sibrisk scenario import {file}",
    "input": "input",
    "value": "værdi",
    "measure": "mål",
    "standard error": "standardfejl",
    "Budget account (budgetøkonomisk), per average participant":
        "Budgetøkonomisk regnskab, pr. gennemsnitlig deltager",
    "municipal savings, all sources": "kommunens besparelse, alle kilder",
    "employment": "beskæftigelse",
    "other net costs": "øvrige nettoudgifter",
    "provider's cost": "leverandørens udgift",
    "Payment model": "Betalingsmodel",
    "payment per participant": "resultatbetaling pr. deltager",
    "payment per employed participant": "resultatbetaling pr. beskæftiget deltager",
    "investor's result": "investors resultat",
    "Employment": "Beskæftigelse",
    "control employment (without the programme)": "beskæftigelse i kontrolgruppen (uden "
                                                   "programmet)",
    "Rates by participant type": "Takster efter deltagertype",
    "with Danish work experience": "med dansk arbejdserfaring",
    "without Danish work experience": "uden dansk arbejdserfaring",
    "Break-even points": "Break-even-punkter",
    "investor: gross employment": "investor: bruttobeskæftigelse",
    "budget surplus: marginal effect": "budgetøkonomisk overskud: marginal effekt",
    "municipality: marginal effect": "kommunen: marginal effekt",
    "budget surplus: decay of the effect": "budgetøkonomisk overskud: effektens aftagen",
    "municipality: decay of the effect": "kommunen: effektens aftagen",
    "budget surplus: ordinary effort saved": "budgetøkonomisk overskud: sparet ordinær indsats",
    "municipality: ordinary effort saved": "kommunen: sparet ordinær indsats",
    "municipality's payback, years": "kommunens tilbagebetalingstid, år",
    "Welfare (samfundsøkonomisk)": "Samfundsøkonomisk regnskab",
}

_TEXT = {"da": DANISH}


def check_lang(lang: str) -> str:
    """``lang`` if it is one of :data:`LANGUAGES` (:class:`SibriskError` otherwise)."""
    if lang not in LANGUAGES:
        raise SibriskError(f"lang = {lang!r}: must be one of "
                           f"{', '.join(map(repr, LANGUAGES))}")
    return lang


def words(lang: str) -> Callable[..., str]:
    """A function that gives a label or template in ``lang``, its fields filled in.

    Leading spaces (a table's indent) are kept; a text without an entry is
    returned as it is.

    >>> words("da")("  municipality's saving")
    '  kommunens besparelse'
    >>> words("da")("Risk: {how}", how="...")
    'Risiko: ...'
    """
    table = _TEXT.get(check_lang(lang), {})

    def say(text: str, **fields: object) -> str:
        body = text.lstrip(" ")
        out = text[: len(text) - len(body)] + table.get(body, body)
        return out.format(**fields) if fields else out

    return say


_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+")


def numbers(text: str, lang: str) -> str:
    """The numbers in ``text`` in the style of ``lang``: thousands separators and
    decimal points swapped for Danish (1,234.5 -> 1.234,5); other text unchanged, so
    a line keeps its length and a table its columns.

    >>> numbers("paid 1,234,567.50 DKK, 12.5 % of 2021", "da")
    'paid 1.234.567,50 DKK, 12,5 % of 2021'
    """
    if check_lang(lang) != "da":
        return text
    return _NUMBER.sub(lambda m: m.group().translate(_SWAP), text)


_SWAP = str.maketrans({",": ".", ".": ","})


def number(x: float, lang: str, decimals: int = 1) -> str:
    """``x`` with thousands separators and ``decimals`` decimals in the style of
    ``lang`` (``number(1234.5, "da")`` is ``'1.234,5'``)."""
    text = f"{x:,.{decimals}f}"
    return text.translate(_SWAP) if check_lang(lang) == "da" else text
