"""sibrisk run --out DIR: the HTML report and the netCDF file beside the terminal summary."""

from __future__ import annotations

import base64
import html
import json
import os
import re
from pathlib import Path

import pytest
import xarray as xr

import sibrisk
from sibrisk.cli import main
from sibrisk.report import html as html_report


def _run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report") / "drc"
    code = main(["run", "--runs", "3000", "--seed", "4", "--json", "--out", str(folder)])
    return code, folder


def test_run_writes_the_report_and_the_dataset(written, capsys):
    """The page embeds four PNG plots and the risk summary; the netCDF file holds the
    runs the summary was computed from."""
    code, folder = written
    assert code == 0
    page = (folder / "report.html").read_text(encoding="utf-8")
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 4
    assert all(base64.b64decode(i)[:8] == b"\x89PNG\r\n\x1a\n" for i in images)
    for text in ("probability of losing money", "payback year", "[types.with_experience]",
                 "break-even"):
        assert text.lower() in page.lower(), text
    ds = xr.open_dataset(folder / "simulation.nc")
    assert ds.sizes["run"] == 3000 and "municipal_cumulative_account" in ds
    assert [p.name for p in folder.iterdir()] and not [
        p for p in folder.iterdir() if p.name.startswith(".")]


def test_the_json_summary_is_the_datasets(written, capsys, tmp_path):
    """--json still prints one JSON object; its risk numbers are those of the file."""
    folder = tmp_path / "again"
    code, out, err = _run(capsys, "run", "--runs", "3000", "--seed", "4", "--json",
                          "--out", str(folder))
    assert code == 0 and f"wrote {folder / 'report.html'}" in err
    risk = json.loads(out)["risk"]
    s = sibrisk.summarize(xr.open_dataset(folder / "simulation.nc"))
    assert risk["investor_loss_probability"] == pytest.approx(float(s.investor_loss_probability))


def test_a_bad_folder_is_named_before_simulating(capsys, tmp_path):
    """A folder in a missing folder, or a file, is refused with exit code 1 at once."""
    code, out, err = _run(capsys, "run", "--runs", "1000", "--out",
                          str(tmp_path / "missing" / "drc"))
    assert code == 1 and "does not exist" in err and out == ""
    file = tmp_path / "file.txt"
    file.write_text("x")
    code, out, err = _run(capsys, "run", "--runs", "1000", "--out", str(file))
    assert code == 1 and "is a file, not a folder" in err


def test_a_failure_while_drawing_writes_nothing(monkeypatch, capsys, tmp_path):
    """Everything is drawn before a file is written: a failure leaves no folder behind."""
    def broken(*args, **kwargs):
        raise RuntimeError("drawing failed")

    monkeypatch.setattr(html_report.plot, "outcomes", broken)
    folder = tmp_path / "drc"
    with pytest.raises(RuntimeError, match="drawing failed"):
        main(["run", "--runs", "1000", "--seed", "1", "--out", str(folder)])
    assert not folder.exists()


def test_a_danish_report(capsys, tmp_path):
    """--lang da: the page is Danish (lang attribute, headings, captions, tables) with its
    plots."""
    folder = tmp_path / "da"
    code, _, _ = _run(capsys, "run", "--runs", "2000", "--seed", "1", "--lang", "da",
                      "--quiet", "--out", str(folder))
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert code == 0 and '<html lang="da">' in page
    for text in ("<h2>Risiko</h2>", "dødvægt", "Kommunens eget regnskab", "2.000 kørsler",
                 "Tabel 1  Budgetøkonomisk regnskab", "sandsynlighed for tab", "254.802"):
        assert text in page, text
    assert len(re.findall(r'src="data:image/png;base64,', page)) == 4
    # the tables and headings hold no English label (the input files are shown as written)
    body = page.split('<pre class="source">')[0]
    cells = " ".join(re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", body))
    headings = " ".join(re.findall(r"<h[1-4]>([^<]*)</h[1-4]>", body)[1:])
    for word in ("probability", "payback", "return", "surplus", "account", "municipality",
                 "quantile", "horizon", "expected", "investor's", "Table", "Risk:"):
        assert word not in cells + headings, word


def _browser() -> str | None:
    import shutil

    return next((shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome")
                 if shutil.which(b)), None)


def test_the_report_renders_in_a_headless_browser(written, tmp_path):
    """Headless Chromium opens the page and draws its plots: the screenshot has the
    plots' own colours (the page's text and tables have none of them): the investor's
    red and blue, the fan chart's band, and the grey of the deadweight bars."""
    import subprocess

    import numpy as np
    from matplotlib.image import imread

    browser = _browser()
    if browser is None:
        if os.environ.get("SIBRISK_REQUIRE_BROWSER") == "1":  # set by .ci/run
            pytest.fail("no Chromium on this machine, and SIBRISK_REQUIRE_BROWSER=1")
        pytest.skip("no Chromium on this machine (apt-get install chromium)")
    _, folder = written
    shot = tmp_path / "shot.png"
    # no background networking: this machine's network is closed, and a page on disk
    # needs none
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
                    "--window-size=1200,4200", f"--screenshot={shot}",
                    (folder / "report.html").as_uri()],
                   capture_output=True, timeout=120, check=True)
    pixels = (imread(shot)[..., :3] * 255).round().astype(int).reshape(-1, 3)
    colours = {"red": (192, 80, 77), "blue": (79, 129, 189), "grey": (127, 127, 127),
               "band": (202, 217, 235)}
    # thresholds: a drawn report has tens of thousands of each; the same page with its
    # images broken has none of the colours but the grey of anti-aliased text (~3,500)
    for name, rgb in colours.items():
        near = np.abs(pixels - np.array(rgb)).max(axis=1) <= 3
        assert near.sum() > 15_000, f"too few {name} pixels ({near.sum()}): a plot is missing"


@pytest.fixture(scope="module")
def with_contracts(tmp_path_factory):
    """`sibrisk run FILE --contract A --contract B --out DIR --xlsx` on a user's own
    scenario file."""
    folder = tmp_path_factory.mktemp("contracts")
    scenario = folder / "mine.toml"
    sibrisk.load_scenario("drc-sib-2023").replace("effect.decay", 0.12).save(scenario)
    out = folder / "out"
    code = main(["run", str(scenario), "--runs", "2000", "--seed", "5", "-q", "--out", str(out),
                 "--xlsx", "--contract", str(CONTRACTS / "standard.toml"),
                 "--contract", str(CONTRACTS / "tranches.toml")])
    assert code == 0
    return scenario, out


CONTRACTS = Path(__file__).resolve().parents[1] / "examples" / "contracts"


def test_the_page_links_its_files_and_shows_the_inputs_whole(with_contracts):
    """The page links the workbook and the netCDF file written beside it, and shows the
    scenario file and each contract file whole, as they are on disk."""
    scenario, out = with_contracts
    page = (out / "report.html").read_text(encoding="utf-8")
    for name in ("workbook.xlsx", "simulation.nc"):
        assert f'<a href="{name}">' in page and (out / name).exists(), name
    shown = [html.unescape(t) for t in re.findall(r'<pre class="source">(.*?)</pre>', page,
                                                   re.S)]
    assert shown == [p.read_text(encoding="utf-8") for p in (
        scenario, CONTRACTS / "standard.toml", CONTRACTS / "tranches.toml")]
    assert "<h2>Contracts side by side</h2>" in page


def test_no_workbook_no_link(written):
    """Without --xlsx the page links the netCDF file only."""
    _, folder = written
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert '<a href="simulation.nc">' in page and "workbook.xlsx" not in page


_COPY = """<script>
window.addEventListener("load", () => {
  const out = document.createElement("pre");
  out.id = "copied";
  out.textContent = Array.from(document.querySelectorAll("table"))
    .map(t => t.innerText).join("\\n=====\\n");
  document.body.appendChild(out);
});
</script>"""


def _copied_tables(page: Path, tmp_path) -> list[list[list[str]]]:
    """The page's tables as headless Chromium sees them: each table's text as a browser
    copies it (cells separated by tabs, rows by newlines), split into rows and cells."""
    import subprocess

    browser = _browser()
    if browser is None:
        if os.environ.get("SIBRISK_REQUIRE_BROWSER") == "1":
            pytest.fail("no Chromium on this machine, and SIBRISK_REQUIRE_BROWSER=1")
        pytest.skip("no Chromium on this machine (apt-get install chromium)")
    probe = tmp_path / "probe.html"
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", _COPY + "</body>"),
                     encoding="utf-8")
    dom = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                          "--disable-background-networking", "--disable-component-update",
                          "--disable-sync", "--no-first-run",
                          f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
                          probe.as_uri()], capture_output=True, timeout=120, check=True,
                         text=True).stdout
    copied = re.search(r'<pre id="copied">(.*?)</pre>', dom, re.S)
    assert copied, "the browser ran no script: no DOM to read"
    return [[row.split("\t") for row in part.strip("\n").split("\n")]
            for part in html.unescape(copied.group(1)).split("\n=====\n")]


def test_the_tables_are_real_tables_in_a_browser(with_contracts, tmp_path):
    """In headless Chromium every table of the page is a real <table> whose rows and cells
    copy cell by cell (as into Excel): the risk summary, the contracts side by side with
    a value and a standard error per contract, and the catalogue's tables."""
    from sibrisk.report.catalogue import catalogue_report

    scenario, out = with_contracts
    tables = _copied_tables(out / "report.html", tmp_path)
    assert len(tables) >= 9
    risk = {row[0]: row[1:] for row in tables[0]}
    assert risk["probability of losing money"][0].endswith(" %")
    assert risk["probability of losing money"][1].startswith("± ")
    contracts = tables[1]
    assert contracts[0][:5] == ["measure", "standard", "", "tranches", ""]
    groups = [i for i, row in enumerate(contracts) if len(row) == 1]  # an actor's heading
    assert [contracts[i][0] for i in groups][:3] == ["municipality", "provider", "investor"]
    investor = contracts[groups[2] + 1: groups[3]]
    rows = {row[0].strip(): row[1:] for row in investor}
    var = rows["value at risk (5 %)"]
    assert var[0].replace(",", "").isdigit() and var[2] == ""  # no investor in tranches
    guarantor = contracts[groups[[contracts[i][0] for i in groups].index("guarantor")] + 1]
    assert guarantor[1] == "" and guarantor[3].endswith(" %")
    budget = {row[0].strip(): row[1:] for row in tables[2]}
    surplus = catalogue_report(sibrisk.load_scenario(scenario))["budget_surplus"]
    assert budget["budget surplus"] == [f"{surplus:,.0f}"]
