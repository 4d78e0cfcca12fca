"""The report of ``sibrisk run --out DIR``: one self-contained HTML page.

The page holds the risk summary with its standard errors, the contracts' risk side
by side (with ``--contract``), the plots of :mod:`sibrisk.plot` embedded as PNG
images, the catalogue's accounts and payment model, and the input files whole (the
scenario's TOML and each contract's), so it can be mailed or archived as one file.
Its tables are real HTML tables (:mod:`sibrisk._text`), the same cells as the
terminal's, so they copy into a spreadsheet cell by cell. It links the files
written beside it: the simulation's netCDF file and, with ``--xlsx``, the workbook.
:func:`write_report` writes them all, each file whole or not at all.
"""

from __future__ import annotations

import base64
import html
import io
from importlib.metadata import version
from pathlib import Path

import xarray as xr
from matplotlib.figure import Figure

from .._io import atomic_write
from ..engine.sensitivity import tornado
from ..errors import SibriskError
from ..scenario.spec import Scenario
from . import plot
from .catalogue import catalogue_blocks, contract_risk_blocks, risk_blocks
from .language import check_lang, numbers_for
from .netcdf import save
from .text import to_html

__all__ = ["report_html", "write_report", "check_folder", "REPORT", "DATASET", "WORKBOOK"]

#: The files ``write_report`` writes in its folder.
REPORT, DATASET, WORKBOOK = "report.html", "simulation.nc", "workbook.xlsx"

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; color: #222; line-height: 1.4; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
pre { background: #f6f6f6; padding: 0.8rem; overflow-x: auto; font-size: 0.85rem; }
figure { margin: 1rem 0; } img { max-width: 100%; height: auto; }
figcaption { font-size: 0.85rem; color: #555; }
.meta { color: #555; font-size: 0.9rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; }
th, td { padding: 0.15rem 0.6rem; border-bottom: 1px solid #e4e4e4; }
td { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
thead th { text-align: right; border-bottom: 2px solid #999; }
thead th:first-child, tbody th { text-align: left; font-weight: normal; }
tbody th.sub { padding-left: 1.6rem; }
tbody th.group { font-weight: bold; padding-top: 0.8rem; }
h3 { font-size: 1.05rem; margin-bottom: 0.2rem; } h4 { font-size: 0.95rem; margin: 1rem 0 0.2rem; }
p.note { font-size: 0.85rem; color: #555; margin: 0; }
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
        "contracts": "Contracts side by side", "inputs": "Input files",
        "inputs note": "The input files whole, as the run read them: save one, change a "
                       "number and run <code>sibrisk run FILE.toml</code>.",
        "files": "Files beside this page: {links}.",
        "dataset": "every run (netCDF, for xarray)", "workbook": "workbook (Excel)",
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
        "contracts": "Kontrakterne side om side", "inputs": "Inputfiler",
        "inputs note": "Inputfilerne hele, som kørslen læste dem: gem en, ret et tal og kør "
                       "<code>sibrisk run FIL.toml</code>.",
        "files": "Filer ved siden af denne side: {links}.",
        "dataset": "alle kørsler (netCDF, til xarray)", "workbook": "regneark (Excel)",
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
                lang: str = "en", *, sources: list[tuple[str, str]] | None = None,
                contracts: dict | None = None, links: tuple[str, ...] = ()) -> str:
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
    sources : list of (name, text), optional
        The input files as read (the scenario's, then each contract's), shown whole;
        default: the scenario as TOML.
    contracts : dict, optional
        :func:`sibrisk.risk.summarize_contracts` of the simulation (with ``level``): the
        contracts side by side.
    links : tuple of str
        Files beside the page to link (:data:`DATASET`, :data:`WORKBOOK`).
    """
    check_lang(lang)
    if "municipal_cumulative_account" not in ds.data_vars:
        raise SibriskError("report: the simulation needs its yearly accounts "
                           "(simulate with yearly=True)")
    t = TEXT[lang]
    runs = numbers_for(lang).whole(risk.get("runs", 0))
    figures = [
        (plot.investor_result(ds, level=risk.get("level", 0.05), lang=lang), t["fig investor"]),
        (plot.municipal_payback(ds, lang=lang), t["fig payback"]),
        (plot.outcomes(ds, lang=lang, scenario=scenario), t["fig outcomes"]),
    ]
    if scenario.uncertain_inputs:  # a tornado needs inputs that vary
        figures.append((plot.tornado(tornado(scenario), lang=lang, scenario=scenario),
                        t["fig tornado"]))
    e = html.escape
    names = {DATASET: t["dataset"], WORKBOOK: t["workbook"]}
    files = ", ".join(f'<a href="{e(name)}">{e(name)}</a> ({e(names.get(name, name))})'
                      for name in links)
    if sources is None:
        sources = [(f"{scenario.name}.toml", scenario.to_toml())]
    parts = [
        "<!DOCTYPE html>", f'<html lang="{lang}"><head><meta charset="utf-8">',
        f"<title>sibrisk report: {e(scenario.name)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>{e(scenario.title or scenario.name)}</h1>",
        f'<p class="meta">sibrisk {e(version("sibrisk"))}; scenario {e(scenario.name)}; '
        + e(t["meta"].format(cur=scenario.currency, year=scenario.price_year, runs=runs,
                             seed=risk.get("seed"))) + "</p>",
        *([f'<p class="files">{t["files"].format(links=files)}</p>'] if links else []),
        f"<h2>{e(t['risk'])}</h2>", to_html(risk_blocks(risk, lang), heading=4),
        *[_figure(fig, caption) for fig, caption in figures],
    ]
    if contracts:
        parts += [f"<h2>{e(t['contracts'])}</h2>",
                  to_html(contract_risk_blocks(contracts, scenario.currency, lang,
                                               risk.get("level")), heading=4)]
    parts += [
        f"<h2>{e(t['accounts'])}</h2>", to_html(catalogue_blocks(account, lang), heading=4),
        f"<h2>{e(t['inputs'])}</h2>", f"<p>{t['inputs note']}</p>",
        *[f'<h3>{e(name)}</h3>\n<pre class="source">{e(text)}</pre>' for name, text in sources],
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
                 risk: dict, lang: str = "en", *, sources: list[tuple[str, str]] | None = None,
                 contracts: dict | None = None, xlsx: bool = False) -> list[Path]:
    """Write :data:`REPORT` (:func:`report_html`), :data:`DATASET` (the simulation as
    netCDF) and, with ``xlsx``, :data:`WORKBOOK` (:func:`sibrisk.workbook.write_workbook`)
    in ``folder`` (made if missing; its parent must exist), each whole or not at all, the
    page last, so that the files it links are there. Returns their paths."""
    folder = check_folder(folder)
    links = (DATASET, WORKBOOK) if xlsx else (DATASET,)
    page = report_html(scenario, ds, account, risk, lang, sources=sources,
                       contracts=contracts, links=links)  # all drawn before any file
    folder.mkdir(exist_ok=True)
    paths = [save(ds, folder / DATASET)]
    if xlsx:
        from .workbook import write_workbook

        paths.append(write_workbook(folder / WORKBOOK, scenario, account, risk,
                                    contracts=contracts, lang=lang))
    report = atomic_write(folder / REPORT,
                          lambda tmp: Path(tmp).write_text(page, encoding="utf-8"))
    return [report, *paths]
