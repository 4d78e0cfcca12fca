"""The report of ``sibrisk run --out DIR``: one self-contained HTML page.

The page holds the scenario's inputs (its TOML), the catalogue's accounts and
payment model, the risk summary with its standard errors, and the plots of
:mod:`sibrisk.plot` embedded as PNG images, so it can be mailed or archived
as one file. :func:`write_report` writes it beside the simulation's netCDF
file, each file whole or not at all.
"""

from __future__ import annotations

import base64
import html
import io
from importlib.metadata import version
from pathlib import Path

import xarray as xr
from matplotlib.figure import Figure

from . import plot
from .errors import SibriskError
from .files import atomic_write, save
from .language import check_lang, number
from .report import format_catalogue_report, format_risk_summary
from .scenario import Scenario
from .sensitivity import tornado

__all__ = ["report_html", "write_report", "check_folder", "REPORT", "DATASET"]

#: The files ``write_report`` writes in its folder.
REPORT, DATASET = "report.html", "simulation.nc"

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; color: #222; line-height: 1.4; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
pre { background: #f6f6f6; padding: 0.8rem; overflow-x: auto; font-size: 0.85rem; }
figure { margin: 1rem 0; } img { max-width: 100%; height: auto; }
figcaption { font-size: 0.85rem; color: #555; }
.meta { color: #555; font-size: 0.9rem; }
"""


def _png(fig: Figure) -> str:
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=110)
    return base64.b64encode(out.getvalue()).decode("ascii")


def _figure(fig: Figure, caption: str) -> str:
    return (f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,'
            f'{_png(fig)}"><figcaption>{html.escape(caption)}</figcaption></figure>')


#: The page's own text in English and Danish (the tables it embeds are the terminal
#: reports, in the same language: :mod:`sibrisk.language`).
TEXT: dict[str, dict[str, str]] = {
    "en": {
        "risk": "Risk", "accounts": "Accounts and payment model (the catalogue's tables)",
        "inputs": "Inputs",
        "inputs note": "The scenario as a TOML file: save it, change a number and run "
                       "<code>sibrisk run FILE.toml</code>.",
        "meta": "{cur}, {year} prices, present value at programme start; {runs} runs, "
                "seed {seed}.",
        "fig investor": "The investor's net present value per run; losses in red, value at "
                        "risk and expected shortfall marked.",
        "fig payback": "The municipality's own account by year (present value), median and "
                       "5-95 % of runs, and the year it pays back.",
        "fig outcomes": "Participants in work at the measurement point: added by the "
                        "programme, and deadweight (would have found work anyway, but paid "
                        "for).",
        "fig tornado": "What moves the municipality's account: each uncertain input at its "
                       "5 % and 95 % quantile, the others at their point values.",
    },
    "da": {
        "risk": "Risiko", "accounts": "Regnskab og betalingsmodel (katalogets tabeller)",
        "inputs": "Input",
        "inputs note": "Scenariet som TOML-fil: gem den, ret et tal og kør "
                       "<code>sibrisk run FIL.toml</code>.",
        "meta": "{cur}, {year}-priser, nutidsværdi ved programstart; {runs} kørsler, "
                "seed {seed}.",
        "fig investor": "Investors nutidsværdi i hver kørsel; tab i rødt, Value at Risk og "
                        "Expected Shortfall markeret.",
        "fig payback": "Kommunens eget regnskab år for år (nutidsværdi), median og 5-95 % "
                       "af kørslerne, og året det er tilbagebetalt.",
        "fig outcomes": "Deltagere i job ved målepunktet: merbeskæftigelse fra programmet og "
                        "dødvægt (ville have fået job alligevel, men betales der for).",
        "fig tornado": "Hvad flytter kommunens eget regnskab: hvert usikkert input ved sin "
                       "5 %- og 95 %-fraktil, de øvrige ved deres punktværdier.",
    },
}


def report_html(scenario: Scenario, ds: xr.Dataset, account: dict, risk: dict,
                lang: str = "en") -> str:
    """The report as one HTML page.

    Parameters
    ----------
    scenario : Scenario
    ds : xarray.Dataset
        The simulation, from ``sibrisk.simulate(..., yearly=True)``.
    account : dict
        :func:`sibrisk.report.catalogue_report` of the scenario.
    risk : dict
        :func:`sibrisk.summary_to_dict` of the simulation.
    lang : {"en", "da"}
        Language of the page's headings, captions, tables and plots.
    """
    check_lang(lang)
    if "municipal_cumulative_account" not in ds.data_vars:
        raise SibriskError("report: the simulation needs its yearly accounts "
                           "(simulate with yearly=True)")
    t = TEXT[lang]
    runs = number(risk.get("runs", 0), lang, 0)
    figures = [
        (plot.investor_result(ds, level=risk.get("level", 0.05), lang=lang), t["fig investor"]),
        (plot.municipal_payback(ds, lang=lang), t["fig payback"]),
        (plot.outcomes(ds, lang=lang), t["fig outcomes"]),
        (plot.tornado(tornado(scenario), lang=lang), t["fig tornado"]),
    ]
    e = html.escape
    parts = [
        "<!DOCTYPE html>", f'<html lang="{lang}"><head><meta charset="utf-8">',
        f"<title>sibrisk report: {e(scenario.name)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>{e(scenario.title or scenario.name)}</h1>",
        f'<p class="meta">sibrisk {e(version("sibrisk"))}; scenario {e(scenario.name)}; '
        + e(t["meta"].format(cur=scenario.currency, year=scenario.price_year, runs=runs,
                             seed=risk.get("seed"))) + "</p>",
        f"<h2>{e(t['risk'])}</h2>", f"<pre>{e(format_risk_summary(risk, lang))}</pre>",
        *[_figure(fig, caption) for fig, caption in figures],
        f"<h2>{e(t['accounts'])}</h2>",
        f"<pre>{e(format_catalogue_report(account, lang))}</pre>",
        f"<h2>{e(t['inputs'])}</h2>",
        f"<p>{t['inputs note']}</p>",
        f"<pre>{e(scenario.to_toml(comments=False))}</pre>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def check_folder(folder: str | Path) -> Path:
    """The report's folder, if it can be written: a folder, or a new name in an existing
    folder (:class:`SibriskError` otherwise)."""
    folder = Path(folder)
    if not folder.parent.exists():
        raise SibriskError(f"--out {folder}: folder {folder.parent} does not exist")
    if folder.exists() and not folder.is_dir():
        raise SibriskError(f"--out {folder}: is a file, not a folder")
    return folder


def write_report(folder: str | Path, scenario: Scenario, ds: xr.Dataset, account: dict,
                 risk: dict, lang: str = "en") -> list[Path]:
    """Write :data:`REPORT` (:func:`report_html`) and :data:`DATASET` (the simulation as
    netCDF) in ``folder`` (made if missing; its parent must exist), each whole or not
    at all. Returns their paths."""
    folder = check_folder(folder)
    page = report_html(scenario, ds, account, risk, lang)  # all drawn before any file
    folder.mkdir(exist_ok=True)
    data = save(ds, folder / DATASET)
    report = atomic_write(folder / REPORT,
                          lambda tmp: Path(tmp).write_text(page, encoding="utf-8"))
    return [report, data]
