"""The generated docs match the code, the published figures hold, and the examples run.

The pages in ``docs/`` that carry numbers or reference tables, and their figures,
are written by the package ``docs/_generate/`` (``python -m docs._generate``, one
module per part of the docs); these tests import its modules, run the same check
as ``python -m docs._generate --check`` on each and compare with the files in the
repository (the Markdown; the figures are checked to exist and to be drawn, not
compared byte by byte). They need a source checkout: in a test run against an
installed package without ``docs/`` or ``examples/`` they are skipped.
"""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

import sibrisk
from sibrisk.metrics.schema import OUTPUT_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
EXAMPLES = ROOT / "examples"

_NO_DOCS = f"{DOCS} is not present (a test run without the source checkout's docs/)"
COMMAND = "python -m docs._generate"


def _load(name: str):
    """The generator ``docs._generate.NAME`` (the repository root is on the path through
    pytest's ``pythonpath`` setting)."""
    if not (DOCS / "_generate" / f"{name}.py").exists():
        pytest.skip(_NO_DOCS)
    return importlib.import_module(f"docs._generate.{name}")


def _up_to_date(module) -> None:
    """What ``python -m docs._generate --check NAME`` checks: every file the generator
    writes is on disk as it would write it."""
    old = _load("common").stale(module.PAGES)
    assert not old, ", ".join(_stale(p, f"{COMMAND} {module.__name__.rsplit('.', 1)[1]}")
                              for p in old)


@pytest.fixture(scope="module")
def reproduce():
    return _load("catalogue")


@pytest.fixture(scope="module")
def reference_pages():
    return _load("reference")


@pytest.fixture(scope="module")
def risk_page():
    return _load("risk")


@pytest.fixture(scope="module")
def contracts_page():
    return _load("contracts")


@pytest.fixture(scope="module")
def design_page():
    return _load("design")


@pytest.fixture(scope="module")
def evidence_page():
    return _load("evidence")


@pytest.fixture(scope="module")
def catalogue_rows(reproduce):
    """The reproduction page's rows, computed once for the tests that read them."""
    return reproduce.rows()


def _stale(path: Path, command: str) -> str:
    return f"{path.relative_to(ROOT)} is out of date; run: {command}"


# ---------------------------------------------------------------------------
# Generated pages
# ---------------------------------------------------------------------------
def test_catalogue_page_is_up_to_date(reproduce):
    _up_to_date(reproduce)


def test_reference_pages_are_up_to_date(reference_pages):
    """The scenario file's keys and the real output of every command."""
    assert set(reference_pages.PAGES) == {reference_pages.SCENARIO_PAGE,
                                          reference_pages.CLI_PAGE}
    _up_to_date(reference_pages)


def test_contracts_page_is_up_to_date(contracts_page):
    """The page settles and simulates every example in examples/contracts/."""
    shipped = sorted(p.name for p in contracts_page.EXAMPLES.glob("*.toml")
                     if p.name not in (contracts_page.OUTCOMES, "drc-two-municipalities.toml"))
    assert shipped == sorted(name for name, _, _ in contracts_page.WORKED), \
        "every shipped contract example is a worked example on docs/contracts.md"
    _up_to_date(contracts_page)


_PNG = b"\x89PNG\r\n\x1a\n"


def _figures_linked_from(page: Path) -> list[str]:
    return re.findall(r"!\[[^\]]*\]\(([^)\s]+\.png)\)", page.read_text(encoding="utf-8"))


def _page_and_figures(page, figures: int, tmp_path) -> str:
    """A generated page is up to date, links ``figures`` PNG files that exist, and its
    generator draws exactly those; returns the page."""
    _up_to_date(page)
    command = f"{COMMAND} {page.__name__.rsplit('.', 1)[1]}"
    linked = _figures_linked_from(page.PAGE)
    assert len(linked) == figures, f"{page.PAGE.name} should show {figures} figures"
    for target in linked:
        path = DOCS / target
        assert path.exists(), _stale(path, command)
        assert path.read_bytes()[:8] == _PNG, f"{target} is not a PNG file"
    # the generator draws every figure the page links to, and nothing else
    drawn = page.draw(tmp_path)
    assert sorted(p.name for p in drawn) == sorted(Path(t).name for t in linked)
    for path in drawn:
        assert path.stat().st_size > 10_000 and path.read_bytes()[:8] == _PNG
    return page.PAGE.read_text(encoding="utf-8")


def test_design_page_is_up_to_date_and_draws_its_figures(design_page, tmp_path):
    _page_and_figures(design_page, 4, tmp_path)


def test_risk_page_is_up_to_date_and_draws_its_figures(risk_page, tmp_path):
    _page_and_figures(risk_page, 3, tmp_path)


def test_evidence_page_is_up_to_date_and_draws_its_figures(evidence_page, tmp_path):
    fresh = _page_and_figures(evidence_page, 2, tmp_path)
    assert fresh.startswith("# How solid is the evidence?\n")
    assert "synthetic" in fresh and "assumption" in fresh


def test_the_generators_are_one_package_with_one_command(monkeypatch, tmp_path, capsys):
    """``python -m docs._generate`` knows every generator, and its ``--check`` fails on a
    missing or stale file and passes after writing it."""
    _load("common")
    package = importlib.import_module("docs._generate")
    main = _load("__main__").main
    names = {p.stem for p in (DOCS / "_generate").glob("*.py")} - {"__init__", "__main__",
                                                                    "common"}
    assert set(package.GENERATORS) == names
    for name in package.GENERATORS:
        assert package.generator(name).PAGES, name
    with pytest.raises(ValueError, match="not a generator"):
        package.generator("nonsense")
    catalogue = package.generator("catalogue")
    page = tmp_path / "page.md"
    monkeypatch.setattr(catalogue, "PAGES", {page: lambda: "fresh text\n"})
    assert main(["--check", "catalogue"]) == 1  # missing
    page.write_text("old text\n", encoding="utf-8")
    assert main(["--check", "catalogue"]) == 1  # stale
    assert f"out of date; run: {COMMAND} catalogue" in capsys.readouterr().err
    assert main(["catalogue"]) == 0
    assert page.read_text(encoding="utf-8") == "fresh text\n"
    assert main(["--check", "catalogue"]) == 0
    with pytest.raises(SystemExit):
        main(["nonsense"])


# ---------------------------------------------------------------------------
# The figures on the reproduction page
# ---------------------------------------------------------------------------
def test_every_published_figure_is_reproduced_or_explained(reproduce, catalogue_rows):
    rows = catalogue_rows
    assert len(rows) == len(reproduce.PUBLISHED) >= 15
    for row in rows:
        p = row.published
        # A figure marked as an explained gap must really be outside its
        # tolerance, or the page's explanation has become wrong.
        assert row.within != p.explained_gap, (
            f"{p.figure}: published {p.text}, computed {row.computed!r}, "
            f"tolerance {p.tolerance}, explained_gap={p.explained_gap}")


def test_the_explained_return_gap_is_the_catalogues_rounding(catalogue_rows):
    (row,) = [r for r in catalogue_rows if r.published.explained_gap]
    assert row.published.source.output == "investor_return"
    # 14,176 / 74,165 from the catalogue's own Table 2; it prints "20 %".
    assert row.computed == pytest.approx(14_176 / 74_165, abs=5e-5)


def test_number_formatting_is_deterministic(reproduce):
    assert reproduce.money(28_352.097, 1) == "28,352.1"
    assert reproduce.money(-0.04, 1) == "0.0"  # never "-0.0"
    assert reproduce.pct(0.2846143, 2) == "28.46 %"
    assert reproduce.pp(-0.0556356) == "-5.6 pp"


# ---------------------------------------------------------------------------
# Hand-written pages
# ---------------------------------------------------------------------------
def test_model_page_names_every_flow_and_output():
    path = DOCS / "model.md"
    if not path.exists():
        pytest.skip(_NO_DOCS)
    text = path.read_text(encoding="utf-8")
    flows = sibrisk.account("drc-sib-2023").flow.values
    missing = [f"flow {f}" for f in flows if f"`{f.partition(':')[2]}`" not in text]
    missing += [f"output {name}" for name in sibrisk.OUTPUTS if f"`{name}`" not in text]
    # and every per-run output of the Monte Carlo engine
    missing += [f"simulate output {name}" for name in OUTPUT_COLUMNS if f"`{name}`" not in text]
    assert not missing, f"docs/model.md does not mention: {', '.join(missing)}"


def test_model_page_states_the_random_number_contract():
    """The page's chunk size and generator keys are the engine's (they are a contract)."""
    path = DOCS / "model.md"
    if not path.exists():
        pytest.skip(_NO_DOCS)
    from sibrisk.engine.simulate import DEFAULT_CHUNK_SIZE

    text = path.read_text(encoding="utf-8")
    scheme = sibrisk.simulate("drc-sib-2023", runs=10, seed=1).attrs["random_numbers"]
    keys = re.search(r"SeedSequence\(.*\)\)", scheme).group(0)
    assert keys in text, f"docs/model.md should give the generators' keys: {keys}"
    assert f"(default {DEFAULT_CHUNK_SIZE:,})" in text, \
        f"docs/model.md should give the default chunk size, {DEFAULT_CHUNK_SIZE:,}"


def test_index_quick_starts_print_what_the_page_shows(capsys):
    """Each Python block of docs/index.md followed by "prints" prints the text shown."""
    path = DOCS / "index.md"
    if not path.exists():
        pytest.skip(_NO_DOCS)
    pairs = re.findall(r"```python\n(.*?)```\s*prints\s*```text\n(.*?)```",
                       path.read_text(encoding="utf-8"), re.S)
    assert len(pairs) >= 2, "docs/index.md should show its quick starts with their output"
    for code, shown in pairs:
        exec(compile(code, "docs/index.md", "exec"), {})
        assert capsys.readouterr().out == shown, f"docs/index.md shows other output for:\n{code}"


def _anchor(heading: str) -> str:
    """GitHub's anchor for a Markdown heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_links_between_pages_resolve():
    pages = sorted(DOCS.glob("*.md"))
    if not pages:
        pytest.skip(_NO_DOCS)
    broken = []
    for page in pages:
        for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text(encoding="utf-8")):
            if "://" in target:
                continue
            file, _, anchor = target.partition("#")
            dest = (page.parent / file) if file else page
            if not dest.exists():
                broken.append(f"{page.name}: {target}")
                continue
            if anchor:
                headings = re.findall(r"^#+ (.+)$", dest.read_text(encoding="utf-8"), re.M)
                if anchor not in {_anchor(h) for h in headings}:
                    broken.append(f"{page.name}: {target} (no such heading)")
    assert not broken, "broken links: " + "; ".join(broken)


# ---------------------------------------------------------------------------
# Examples
# ---------------------------------------------------------------------------
_SCRIPTS = sorted(EXAMPLES.glob("*.py")) if EXAMPLES.is_dir() else []


def test_examples_are_present():
    if not EXAMPLES.is_dir():
        pytest.skip(f"{EXAMPLES} is not present")
    names = {p.name for p in _SCRIPTS}
    assert {"catalogue.py", "custom_scenario.py", "investor_downside.py", "municipal_payback.py",
            "risk_sharing_design.py", "in_your_model.py"} <= names


@pytest.fixture(scope="module")
def guide_pages():
    return _load("guides")


@pytest.mark.parametrize("script", _SCRIPTS, ids=[p.name for p in _SCRIPTS])
def test_example_runs(script, tmp_path, guide_pages):
    """Every example runs; a tutorial's page shows its code and exactly what it printed
    and drew (docs/_generate/guides.py)."""
    result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, f"{script.name} failed:\n{result.stderr}"
    assert result.stdout.strip(), f"{script.name} printed nothing"
    assert "Traceback" not in result.stderr
    pages = {s: name for name, (_, s) in guide_pages.TUTORIALS.items()}
    if script.name in pages:
        name = pages[script.name]
        page = guide_pages.tutorial_page(name, result.stdout,
                                         sorted(p.name for p in tmp_path.glob("*.png")))
        assert (DOCS / f"{name}.md").read_text(encoding="utf-8") == page, \
            _stale(DOCS / f"{name}.md", f"{COMMAND} guides")


def test_getting_started_page_is_up_to_date(guide_pages):
    page = guide_pages.GETTING_STARTED.read_text(encoding="utf-8")
    assert page == guide_pages.getting_started(), \
        _stale(guide_pages.GETTING_STARTED, f"{COMMAND} guides")


def test_every_tutorial_has_its_page_in_the_site(guide_pages):
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for name, (title, script) in guide_pages.TUTORIALS.items():
        assert (EXAMPLES / script).exists() and f"{name}.md" in nav, name


def test_the_tests_named_on_the_checking_page_exist():
    """docs/checking.md names the tests behind each oracle: each one is there."""
    named = re.findall(r"tests/(test_\w+\.py)::(test_\w+)", (DOCS / "checking.md").read_text())
    assert len(named) >= 15
    for file, test in named:
        assert re.search(rf"^def {test}\(", (ROOT / "tests" / file).read_text(), re.M), \
            f"{file}::{test} is named in docs/checking.md but does not exist"


_NOTEBOOKS = sorted(EXAMPLES.glob("*.ipynb")) if EXAMPLES.is_dir() else []


@pytest.mark.parametrize("notebook", _NOTEBOOKS, ids=[p.name for p in _NOTEBOOKS])
def test_notebook_runs(notebook, tmp_path):
    """Every notebook runs top to bottom; the summary shows as an HTML table and the plots
    as images."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(notebook, as_version=4)
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert any("<table>" in h and "standard error" in h for h in html)
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 2


def test_there_is_a_notebook():
    if not EXAMPLES.is_dir():
        pytest.skip(f"{EXAMPLES} is not present")
    assert _NOTEBOOKS
