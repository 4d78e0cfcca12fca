"""The docs site (MkDocs, ``mkdocs.yml``) builds without a warning: every page, every
link between pages and the API reference read from the docstrings; its navigation is
in a sidebar, its code is highlighted with nothing fetched from the web, and the
docstrings' cross-references are links, never literal Sphinx roles."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The site, built once with ``mkdocs build --strict``."""
    if not (ROOT / "mkdocs.yml").exists():
        pytest.skip("mkdocs.yml is not present (a test run without the source checkout)")
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings_handlers.python")
    pytest.importorskip("material")
    site = tmp_path_factory.mktemp("docs") / "site"
    # not -q: it hides the warnings, and --strict then has none to count
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict",
                           "-f", str(ROOT / "mkdocs.yml"), "-d", str(site)],
                          capture_output=True, text=True, timeout=300, cwd=ROOT,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert "WARNING" not in done.stderr, done.stderr[-3000:]
    return site


def _pages(site: Path) -> dict[str, str]:
    return {str(p.relative_to(site)): p.read_text(encoding="utf-8")
            for p in sorted(site.rglob("*.html"))}


def test_the_site_builds_strictly(site):
    api = (site / "api" / "index.html").read_text(encoding="utf-8")
    for name in ("sibrisk.engine.simulate.simulate", "sibrisk.engine.sweep.sweep",
                 "sibrisk.report.plot.tornado", "sibrisk.report.workbook.read_inputs"):
        assert f'id="{name}"' in api, name
    assert (site / "designing-risk-sharing" / "index.html").exists()
    for name in ("sibrisk.evidence.effects.effect", "sibrisk.evidence.power_analysis.sample_size",
                 "sibrisk.evidence.progression.who5_score", "sibrisk.report.plot.power_curve"):
        assert f'id="{name}"' in api, name
    assert (site / "evidence" / "index.html").exists()


_ROLE = re.compile(r":(?:py:)?(?:func|class|meth|mod|data|attr|exc|obj|const):`")


def test_no_sphinx_role_is_shown_literally_and_the_references_resolve(site):
    """The docstrings' ``:func:`...``` roles are links to the object's entry (or code text
    where it has none in the site), never shown as they are written."""
    literal = {name: _ROLE.findall(text) for name, text in _pages(site).items()}
    assert not {k: v for k, v in literal.items() if v}, "literal Sphinx roles in the site"
    api = (site / "api" / "index.html").read_text(encoding="utf-8")
    links = set(re.findall(r'<a class="autorefs autorefs-internal"[^>]*href="#([\w.]+)"', api))
    # ":func:`sibrisk.summarize`" in sibrisk.report.plot.investor_result: a lazily imported name,
    # resolved to where it is defined; ":func:`sibrisk.simulate`": the function, not the
    # module of the same name
    for target in ("sibrisk.metrics.risk.summarize", "sibrisk.engine.simulate.simulate",
                   "sibrisk.engine.sensitivity.tornado", "sibrisk.engine.sweep.sweep"):
        assert target in links, target
        assert f'id="{target}"' in api, target
    entry = api[api.index('id="sibrisk.report.plot.investor_result"'):]
    entry = entry[:entry.index('id="sibrisk.', 40)]
    assert 'href="#sibrisk.metrics.risk.summarize"' in entry


def test_navigation_is_in_a_sidebar_and_nothing_is_fetched_from_the_web(site):
    """The theme's sidebar lists every page of the navigation; no page loads a script,
    a stylesheet or a font from another site (the site works offline)."""
    index = (site / "index.html").read_text(encoding="utf-8")
    sidebar = re.search(r'<nav class="md-nav md-nav--primary".*?</nav>\s*</div>', index, re.S)
    assert sidebar is not None, "no navigation sidebar"
    for page in ("getting-started/", "risk/", "api/", "designing-risk-sharing/"):
        assert f'href="{page}"' in sidebar.group(0) or f'href="./{page}"' in \
            sidebar.group(0), page
    external = []
    for name, text in _pages(site).items():
        for tag in re.findall(r"<(?:script|link)\b[^>]*>", text):
            url = re.search(r'(?:src|href)="([^"]*)"', tag)
            if url and re.match(r"(?:[a-z]+:)?//", url.group(1)) and (
                    tag.startswith("<script") or "stylesheet" in tag or "preconnect" in tag):
                external.append(f"{name}: {tag}")
    assert not external, external[:5]


def test_code_is_highlighted_when_the_site_is_built(site):
    """Code blocks are coloured by Pygments at build time (spans with token classes in
    the HTML) and the theme's own stylesheet, shipped with the site, colours them."""
    index = (site / "index.html").read_text(encoding="utf-8")
    blocks = re.findall(r'<div class="highlight"><pre>.*?</pre></div>', index, re.S)
    assert any('<span class="kn">import</span>' in b for b in blocks), \
        "no Python block on the home page highlighted by Pygments"
    css = "".join(p.read_text(encoding="utf-8") for p in site.rglob("*.css"))
    assert re.search(r"\.highlight \.kn\b|\.highlight \.k[a-z]?\b", css), \
        "no stylesheet in the site colours Pygments' tokens"
