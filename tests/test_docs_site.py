"""The docs site (MkDocs, ``mkdocs.yml``) builds without a warning: every page, every
link between pages and the API reference read from the docstrings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_the_site_builds_strictly(tmp_path):
    if not (ROOT / "mkdocs.yml").exists():
        pytest.skip("mkdocs.yml is not present (a test run without the source checkout)")
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings_handlers.python")
    site = tmp_path / "site"
    # not -q: it hides the warnings, and --strict then has none to count
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict",
                           "-f", str(ROOT / "mkdocs.yml"), "-d", str(site)],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "WARNING" not in done.stderr, done.stderr[-3000:]
    api = (site / "api" / "index.html").read_text(encoding="utf-8")
    for name in ("sibrisk.simulate.simulate", "sibrisk.sweep.sweep", "sibrisk.plot.tornado",
                 "sibrisk.workbook.read_inputs"):
        assert f'id="{name}"' in api, name
    assert (site / "designing-risk-sharing" / "index.html").exists()
    for name in ("sibrisk.evidence.effect", "sibrisk.power.sample_size",
                 "sibrisk.progression.who5_score", "sibrisk.plot.power_curve"):
        assert f'id="{name}"' in api, name
    assert (site / "evidence" / "index.html").exists()
