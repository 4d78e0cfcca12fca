"""Danish and English text of the reports: words and numbers.

sibrisk writes English by default. With ``lang="da"`` every report (the
terminal text, the HTML page, the workbook and the plots) is Danish: its
labels and headings, the catalogue's own domain terms (*budgetøkonomisk*: the
public budget's account; *samfundsøkonomisk*: society as a whole;
*resultatbetaling*: outcome payment; *dødvægt*: deadweight) and the Danish
style of numbers (1.234.567 and 12,5 %).

Two tools, each used where the text is made:

- :func:`words` gives a label or a template in a language (English text is
  the key); a text without a Danish entry stays English, so a report is never
  broken by a missing word, and is recorded in :func:`untranslated` so that
  the tests find it;
- :class:`Numbers` (``numbers_for(lang)``) writes each number as it is put
  into a report: money, percentages, percentage points, years, whole numbers
  and "not within the horizon". Nothing rewrites finished text, so a title
  such as "Pilot 2.0" stays as written.

Human labels of inputs and measures (with their units) are in
:mod:`sibrisk.labels`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..errors import SibriskError

__all__ = ["LANGUAGES", "check_lang", "words", "Numbers", "numbers_for", "number",
           "untranslated", "DANISH"]

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
    "Municipality (commissioner)": "Kommunen (bestiller)",
    "not available: {scope}": "ikke tilgængelig: {scope}",
    # contracts' risk and sweeps
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
    # numbers and the horizon (sibrisk.language.Numbers)
    "pp": "%-point",
    "uniform": "ens takst",
    "by_type": "takst efter type",
    "({horizon}: the account is still negative at the end of the horizon)":
        "({horizon}: regnskabet er stadig negativt ved horisontens slutning)",
    "investor outputs only (other inputs are uncertain: their outputs need Monte Carlo)":
        "kun investors resultater (andre input er usikre: deres resultater kræver Monte Carlo)",
    # settlements (sibrisk._contract_text)
    "Settlement of contract {contract} in scenario {scenario}":
        "Afregning af kontrakten {contract} i scenariet {scenario}",
    "{currency}, {year} prices, nominal unless marked PV (present value at t = 0)":
        "{currency}, {year}-priser, nominelt, medmindre der står NV (nutidsværdi ved t = 0)",
    "total outcome payments": "resultatbetalinger i alt",
    "total outcome payments, PV": "resultatbetalinger i alt, NV",
    "for {metric}": "for {metric}",
    "by {mechanism}": "via {mechanism}",
    "paid at month {month}": "betalt i måned {month}",
    "cut by cap: {where}": "beskåret af loft: {where}",
    "claim cut: {mechanism}": "krav beskåret: {mechanism}",
    ", month {month}": ", måned {month}",
    "{paid} of {claimed}": "{paid} af {claimed}",
    "caps": "lofter",
    "none bound": "ingen bandt",
    "dropped after termination": "bortfaldet efter ophør",
    "trigger of {metric}": "udløser for {metric}",
    "met": "opfyldt",
    "not met": "ikke opfyldt",
    "measured effect on {metric}, {cohort}": "målt effekt på {metric}, {cohort}",
    "measured effect on {metric}, pooled": "målt effekt på {metric}, samlet",
    "declared for reinvestment (kept by the payers, not binding)":
        "erklæret til geninvestering (beholdes af betalerne, ikke bindende)",
    "By actor": "Efter aktør",
    "actor": "aktør",
    "received": "modtaget",
    "paid": "betalt",
    "NPV": "NV",
    "IRR": "intern rente",
    "multiple": "multiplum",
    "exposure": "eksponering",
    "payback": "tilbagebetaling",
    "From outside the deal: {outside}; transfers between actors sum to {total}":
        "Udefra: {outside}; overførsler mellem aktørerne summer til {total}",
    # contracts side by side
    "Contracts side by side ({currency}, present value at t = 0)":
        "Kontrakterne side om side ({currency}, nutidsværdi ved t = 0)",
    "Each contract on the same simulated outcomes; ± one Monte Carlo standard error{levels}":
        "Hver kontrakt på de samme simulerede udfald; ± én Monte Carlo-standardfejl{levels}",
    "; value at risk and expected shortfall at {level}":
        "; Value at Risk og Expected Shortfall ved {level}",
    "median {measure}": "median {measure}",
    "the same simulated outcomes for each": "de samme simulerede udfald for hver",
    "± {name}": "± {name}",
    "actor key": "aktørens nøgle",
    "key": "nøgle",
    # sensitivity, break-even, solve (sibrisk._design_text)
    "Sensitivity of the {output} in scenario {scenario}":
        "Følsomhed af {output} i scenariet {scenario}",
    "{currency}, per cohort, expected outcomes given the inputs, contract held at its base "
    "price; at the point values: {base}":
        "{currency}, pr. hold, forventede udfald givet input, kontrakten holdt på sin "
        "basispris; ved punktværdierne: {base}",
    "One input at a time, from its {low} to its {high} quantile":
        "Ét input ad gangen, fra sin {low}- til sin {high}-fraktil",
    "low": "lav", "high": "høj", "output low": "resultat lav", "output high": "resultat høj",
    "swing": "udsving",
    "Share of the variance (Sobol' indices, n = {n} in each of {replicates} scrambles, seed "
    "{seed}; 95 % intervals over the scrambles; {note})":
        "Andel af variansen (Sobols indeks, n = {n} i hver af {replicates} scramblinger, "
        "seed {seed}; 95 %-intervaller over scramblingerne; {note})",
    "first order": "første orden", "total order": "total orden",
    "inputs taken as independent": "input antaget uafhængige",
    "inputs taken as independent: the scenario's rank correlations are left out":
        "input antaget uafhængige: scenariets rangkorrelationer er udeladt",
    "{output} reaches {target} at {input} = {value} (base {base}, difference {difference})":
        "{output} når {target} ved {input} = {value} (basis {base}, forskel {difference})",
    "reading: {reading}; contract {priced}": "læsning: {reading}; kontrakten {priced}",
    "priced again at each value": "prissat igen ved hver værdi",
    "held at the base price": "holdt på basisprisen",
    "keys: {input}, {output}": "nøgler: {input}, {output}",
    "keys: {input}, {metric}": "nøgler: {input}, {metric}",
    "{metric} {verb} {target} at {input} = {value}":
        "{metric} {verb} {target} ved {input} = {value}",
    "(Monte Carlo error)": "(Monte Carlo-fejl)",
    "reaches": "når", "jumps past": "springer forbi",
    "there the measure is {achieved}; it crosses the target between {low} and {high}; "
    "{runs} runs, seed {seed}, the same draws throughout":
        "dér er målet {achieved}; det krydser målværdien mellem {low} og {high}; "
        "{runs} kørsler, seed {seed}, de samme træk hele vejen",
    # the command line's notes
    "wrote {path}": "skrev {path}",
    "wrote every run to {path}": "skrev alle kørsler til {path}",
    "wrote the sweep to {path}": "skrev gennemløbet til {path}",
    "uncertain: {kind}": "usikker: {kind}",
    "changed in the workbook: {change}": "ændret i regnearket: {change}",
    "no input changed in the workbook": "intet input ændret i regnearket",
    "wrote {path}; run it: sibrisk run {path}": "skrev {path}; kør den: sibrisk run {path}",
    "wrote {path}; edit it, then: sibrisk account {path}":
        "skrev {path}; ret den, og kør derefter: sibrisk account {path}",
    # the workbook's inputs and sheets (sibrisk.workbook)
    "Scenario {name}": "Scenarie {name}",
    "Change a value (column B) or a distribution (its kind in column C, its parameters in D-G "
    "in the order column H names; an empty kind makes the input fixed), then: sibrisk "
    "scenario import {file}":
        "Ret en værdi (kolonne B) eller en fordeling (dens type i kolonne C, dens parametre i "
        "D-G i den rækkefølge kolonne H nævner; en tom type gør inputtet fast), og kør "
        "derefter: sibrisk scenario import {file}",
    "distribution": "fordeling",
    "parameter {i}": "parameter {i}",
    "parameters": "parametre",
    "The scenario as a TOML file, a line a row: sibrisk scenario import reads it back (change "
    "the inputs on the Inputs sheet)":
        "Scenariet som TOML-fil, en linje pr. række: sibrisk scenario import læser det igen "
        "(ret input på arket Input)",
    "{key}: ingen break-even i det tilladte interval": "{key}: ingen break-even i det "
                                                       "tilladte interval",
}

_TEXT = {"da": DANISH}
_UNTRANSLATED: set[str] = set()


def check_lang(lang: str) -> str:
    """``lang`` if it is one of :data:`LANGUAGES` (:class:`SibriskError` otherwise)."""
    if lang not in LANGUAGES:
        raise SibriskError(f"lang = {lang!r}: must be one of "
                           f"{', '.join(map(repr, LANGUAGES))}")
    return lang


def words(lang: str, extra: Mapping[str, str] | None = None) -> Callable[..., str]:
    """A function that gives a label or template in ``lang``, its fields filled in.

    Leading spaces (a table's indent) are kept; a text without an entry is
    returned as it is (and, in Danish, noted in :func:`untranslated`).
    ``extra`` adds the Danish of a report's own text to :data:`DANISH`.

    >>> words("da")("  municipality's saving")
    '  kommunens besparelse'
    >>> words("da")("Risk: {how}", how="...")
    'Risiko: ...'
    """
    table = _TEXT.get(check_lang(lang), {})
    if extra and lang != "en":
        table = {**table, **extra}

    def say(text: str, **fields: object) -> str:
        body = text.lstrip(" ")
        found = table.get(body)
        if found is None:
            found = body
            if lang != "en" and body.strip():
                _UNTRANSLATED.add(body)
        out = text[: len(text) - len(body)] + found
        return out.format(**fields) if fields else out

    return say


def untranslated(clear: bool = False) -> set[str]:
    """The English texts asked for in Danish that have no Danish entry (since the last
    ``clear``): the tests run every report in Danish and check that this stays empty."""
    found = set(_UNTRANSLATED)
    if clear:
        _UNTRANSLATED.clear()
    return found


#: Above this size a number is written in scientific notation (1.00e+15): the reports'
#: columns stay readable whatever a scenario or a contract holds.
LARGE = 1e15


@dataclass(frozen=True)
class Numbers:
    """How the reports write numbers in one language: each method takes a number (or
    ``None``) and gives its text, so numbers are formatted where they are produced.

    English writes 1,234,567.5 and 12.5 %; Danish 1.234.567,5 and 12,5 %. Any value
    renders: ``None`` as "none" (a value that does not exist, e.g. a break-even point
    out of range), infinities as ∞ and -∞, NaN as "undefined", and numbers of
    :data:`LARGE` or more in scientific notation.

    >>> da = numbers_for("da")
    >>> da.money(1234567.4), da.percent(0.125), da.points(0.0063)
    ('1.234.567', '12,5 %', '0,63 %-point')
    >>> numbers_for("en").year(float("inf"))
    'not within the horizon'
    """

    lang: str

    @property
    def _say(self) -> Callable[..., str]:
        return words(self.lang)

    def _local(self, text: str) -> str:
        return text.translate(_SWAP) if self.lang == "da" else text

    def _special(self, x: float | None) -> str | None:
        if x is None:
            return self._say("none")
        if math.isnan(x):
            return self._say("undefined")
        if math.isinf(x):
            return "∞" if x > 0 else "-∞"
        return None

    def number(self, x: float | None, decimals: int = 1, sign: bool = False) -> str:
        """``x`` with thousands separators and ``decimals`` decimals (``sign``: a + before
        positive numbers)."""
        special = self._special(x)
        if special is not None:
            return special
        plus = "+" if sign else ""
        if round(x, decimals) == 0:  # no "-0" for a tiny negative
            x = 0.0
        if abs(x) >= LARGE:
            return self._local(f"{x:{plus}.{max(decimals, 2)}e}")
        return self._local(f"{x:{plus},.{decimals}f}")

    def whole(self, x: float | None) -> str:
        """A count or an amount in whole units: 1,234,567."""
        return self.number(x, 0)

    money = whole

    def percent(self, x: float | None, decimals: int = 1, sign: bool = False) -> str:
        """A share as a percentage: 0.125 -> 12.5 %."""
        special = self._special(x)
        return special if special is not None else \
            f"{self.number(100 * x, decimals, sign)} %"

    def points(self, x: float | None, decimals: int = 2, sign: bool = False) -> str:
        """A difference of shares (or the error of one) in percentage points: 0.0063 ->
        0.63 pp (Danish: 0,63 %-point)."""
        special = self._special(x)
        return special if special is not None else \
            f"{self.number(100 * x, decimals, sign)} {self._say('pp')}"

    def year(self, x: float | None, decimals: int = 1) -> str:
        """A year from programme start; infinite is :attr:`horizon`."""
        if x is not None and math.isinf(x) and x > 0:
            return self.horizon
        return self.number(x, decimals)

    def general(self, x: float | None, digits: int = 6) -> str:
        """A number in up to ``digits`` significant digits (an input's value), whole numbers
        from 1,000 up with separators."""
        special = self._special(x)
        if special is not None:
            return special
        if float(x).is_integer() and 1000 <= abs(x) < LARGE:
            return self.whole(x)
        return self._local(f"{x:.{digits}g}")

    def level(self, x: float) -> str:
        """A probability level as a percentage without trailing zeros: 0.05 -> 5 %."""
        return f"{self._local(f'{round(100 * x, 6):g}')} %"

    def error(self, x: float | None, kind: str) -> str:
        """A standard error, "± ..." in the unit of its measure (``kind``: one of
        ``"money"``, ``"share"`` (in percentage points), ``"year"``, ``"number"``), or
        nothing where none is estimated: ``None``, 0 (an exact enumeration, a quantile at
        an atom) or not finite."""
        if x is None or not math.isfinite(x) or x == 0:
            return ""
        text = {"money": self.money, "share": self.points,
                "year": lambda v: self.number(v, 2),
                "number": lambda v: self.general(v, 3)}[kind](x)
        return f"± {text}"

    @property
    def horizon(self) -> str:
        """What the reports write for a year not reached within the horizon."""
        return self._say("not within the horizon")


_SWAP = str.maketrans({",": ".", ".": ","})


def numbers_for(lang: str) -> Numbers:
    """The :class:`Numbers` of ``lang``."""
    return Numbers(check_lang(lang))


def number(x: float, lang: str, decimals: int = 1) -> str:
    """``x`` with thousands separators and ``decimals`` decimals in the style of
    ``lang`` (``number(1234.5, "da")`` is ``'1.234,5'``)."""
    return numbers_for(lang).number(x, decimals)
