"""The reports as a reader sees them: labels (not keys) with units in English and Danish,
numbers written where they are made, any value rendered, one way of saying "not within
the horizon", standard errors left out where none is estimated, contracts side by side."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import sibrisk
from sibrisk.cli import main
from sibrisk.metrics.risk import summarize_contracts
from sibrisk.report import labels, language
from sibrisk.report.language import numbers_for
from sibrisk.report.text import Table, table, text, to_html

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = ROOT / "examples" / "contracts"
DRC = "drc-sib-2023"


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# ---------------------------------------------------------------------------
# The registry of labels
# ---------------------------------------------------------------------------
def test_every_input_of_the_scenario_has_a_label_in_both_languages():
    """Every field of the scenario's specification (and every aggregate) has an English
    and a Danish label; its unit comes from the specification."""
    from sibrisk.scenario import spec as sc

    specs = labels._specs()
    assert set(specs) <= set(labels.INPUTS), set(specs) - set(labels.INPUTS)
    assert set(sc.AGGREGATE_INPUTS) <= set(labels.INPUTS)
    units = {spec.unit for spec in specs.values() if spec.unit}
    assert units <= set(labels.UNITS), units - set(labels.UNITS)
    for key, (en, da) in labels.INPUTS.items():
        assert en and da and en != key, key
    assert fields(sc.Cohort)[0].metadata["spec"].unit == "participants"
    assert labels.input_unit("cohort.size", "da") == "deltagere"


def test_input_labels_with_units_and_the_types_own_labels():
    s = sibrisk.load_scenario(DRC)
    assert labels.input_label("effect.decay") == "Decay of the effect (per year)"
    assert labels.input_label("types.no_experience.gross_employment", "en", s) == \
        "Employment rate with the programme, No Danish work experience in the last 2 years"
    assert labels.input_label("provider.cost_per_participant", "da", s) == \
        "Udgift til indsatsen (DKK pr. deltager)"
    assert labels.input_label("capital.tranches[0].coupon") == "capital.tranches[0].coupon"
    assert labels.input_is_share("effect.decay") and not labels.input_is_share("cohort.size")


def test_every_measure_of_the_library_has_a_label():
    """The fields of summarize, summarize_contracts (with its tail measures), the
    accounts' outputs and the per-run outputs are all in the registry, in both
    languages, each with a kind."""
    ds = sibrisk.simulate(DRC, runs=500, seed=1, contracts=[CONTRACTS / "tranches.toml"])
    names = [n for n in sibrisk.summarize(ds).data_vars if not n.endswith("_se")]
    c = summarize_contracts(ds, level=0.05)["tranches"]
    names += [n for n in c if n not in ("actors",) and not n.endswith("_se")]
    names += [n for a in c["actors"].values() for n in a if not n.endswith("_se")]
    from sibrisk.metrics.schema import OUTPUT_COLUMNS, OUTPUTS

    names += list(OUTPUTS) + list(OUTPUT_COLUMNS)
    for name in set(names):
        assert labels._measure(name) is not None, name
        en, da = labels.measure_label(name, "en"), labels.measure_label(name, "da")
        assert en != da or name in ("npv_var_5",), name
    assert labels.measure_label("investor_var_2_5", "da", currency="DKK") == \
        "investors Value at Risk (2,5 %), DKK"
    assert labels.measure_kind("payback_year_quantiles_se") == "year"


def test_the_labels_module_loads_no_numerical_library():
    """The command line's parser may import it: importing it loads no numpy."""
    code = ("import sys; import sibrisk.report.labels, sibrisk.report.language, "
            "sibrisk.report.text; "
            "print(sorted(m for m in ('numpy', 'scipy', 'xarray') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={"PYTHONPATH": str(ROOT / "src")}).stdout
    assert out.strip() == "[]"


# ---------------------------------------------------------------------------
# Numbers and tables
# ---------------------------------------------------------------------------
def test_numbers_in_each_language():
    en, da = numbers_for("en"), numbers_for("da")
    assert (en.money(1234567.4), da.money(1234567.4)) == ("1,234,567", "1.234.567")
    assert (en.percent(0.125), da.percent(0.125)) == ("12.5 %", "12,5 %")
    assert (en.points(0.0063), da.points(0.0063)) == ("0.63 pp", "0,63 %-point")
    assert (en.year(math.inf), da.year(math.inf)) == ("not within the horizon",
                                                     "ikke inden for horisonten")
    assert en.money(-1e-9) == "0" and en.money(1e100) == "1.00e+100"
    assert (en.money(None), en.money(math.nan), en.money(-math.inf)) == ("none", "undefined",
                                                                         "-∞")
    # a standard error is shown only where one is estimated
    assert [en.error(x, "share") for x in (None, 0.0, math.inf, 0.0063)] == \
        ["", "", "", "± 0.63 pp"]


_VALUES = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.none(),
                    st.sampled_from([1e100, -1e300, 1e15, 5e-324]))


@given(st.lists(st.tuples(st.text(max_size=120), _VALUES, _VALUES), min_size=1, max_size=6),
       st.sampled_from(["en", "da"]))
def test_any_value_renders_in_a_table(rows, lang):
    """Any finite or infinite value, of any size, in any column: the table renders (the
    class of the 'invalid width' crash of a rate of 1e100)."""
    f = numbers_for(lang)
    cells = [("label", "money", "share")] + [(a, f.money(x), f.percent(y)) for a, x, y in rows]
    lines = table(cells, header=True)
    assert len(lines) >= len(rows)
    assert text([Table(cells, header=True)]).endswith("\n")
    assert to_html([Table(cells, header=True)]).count("<tr>") == len(cells)


def test_a_rate_of_1e100_renders(capsys, tmp_path):
    """A contract paying 1e100 per job: the settlement and the simulation print, the
    money in scientific notation."""
    path = tmp_path / "huge.toml"
    path.write_text('name = "huge"\nscenario = "drc-sib-2023"\n[[payments]]\n'
                    'kind = "rate_card"\nrates = { employed = 1e100 }\n[capital]\n'
                    'model = "investors"\n')
    code, out, err = run(capsys, "settle", str(path))
    assert code == 0 and "e+101" in out, err
    code, out, err = run(capsys, "simulate", "--runs", "500", "--seed", "1", "-q",
                         "--contract", str(path))
    assert code == 0 and "e+101" in out, err


# ---------------------------------------------------------------------------
# Languages
# ---------------------------------------------------------------------------
#: Every command that prints, with small settings.
COMMANDS = [
    ("run", "--runs", "1000", "--seed", "1"),
    ("run", "--runs", "1000", "--seed", "1", "--contract", str(CONTRACTS / "standard.toml"),
     "--contract", str(CONTRACTS / "tranches.toml")),
    ("account",),
    ("breakeven", "--vary", "effect.decay"),
    ("simulate", "--runs", "1000", "--seed", "1", "--contract", str(CONTRACTS / "loan.toml")),
    ("simulate", "--method", "exact"),
    ("settle", str(CONTRACTS / "tranches.toml")),
    ("settle", str(CONTRACTS / "thresholds.toml"), "--outcomes",
     str(CONTRACTS / "outcomes.toml")),
    ("sweep", "--axis", "effect.decay=0.1,0.2", "--runs", "300", "--seed", "1"),
    ("sweep", "--contract", str(CONTRACTS / "tranches.toml"), "--runs", "300", "--seed", "1",
     "--axis", "capital.tranches[0].coupon=0.03,0.05"),
    ("solve", "--vary", "contract.investor_surplus_share", "--target",
     "investor_loss_probability=0.2", "--runs", "1000"),
    ("sensitivity", "--n", "64"),
    ("scenario", "list"),
    ("scenario", "inputs"),
    ("evidence", "effect", "--treated", "19/56", "--control", "48/280"),
    ("evidence", "power", "--treated-rate", "0.35", "--control-rate", "0.17", "--n", "56"),
    ("evidence", "power", "--treated-rate", "0.35", "--control-rate", "0.17",
     "--target-power", "0.8"),
    ("evidence", "progression"),
]

#: English words no Danish report may hold (besides the scenario's and the contracts' own
#: text: titles, type labels, names).
_ENGLISH = re.compile(r"\b(probability|payback|return|surplus|account|quantile|horizon|"
                      r"expected|investor's|municipality's|Table|Risk:|runs|prices|payment|"
                      r"share|within|Settlement|actor|received|Contract|Sweep|Sensitivity|"
                      r"reaches|participants|controls|power|group|change|better|worse|"
                      r"the|of|and|per)\b")


@pytest.fixture(scope="module")
def danish(tmp_path_factory):
    """Every printing command's output in Danish (and the page, the workbook and the plots
    of `run --out --xlsx --contract`), and the texts asked for in Danish that have none."""
    import contextlib
    import io

    language.untranslated(clear=True)
    outputs = {}
    folder = tmp_path_factory.mktemp("da") / "rapport"
    files = ("run", "--runs", "500", "--seed", "1", "--out", str(folder), "--xlsx",
             "--contract", str(CONTRACTS / "tranches.toml"))
    for args in (*COMMANDS, files):
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            assert main([*args, "--lang", "da", "-q"]) == 0, args
        outputs[args] = out.getvalue()
    assert (folder / "workbook.xlsx").exists() and (folder / "report.html").exists()
    return outputs, language.untranslated(clear=True)


def test_every_text_asked_for_in_danish_has_its_danish(danish):
    _, missing = danish
    assert missing == set()


def test_danish_output_is_free_of_english_labels(danish):
    """No English word in any Danish report, but in the user's own text (the scenario's
    title and type labels, the example data's own column names)."""
    outputs, _ = danish
    s = sibrisk.load_scenario(DRC)
    own = [s.title, *(t.label for t in s.types)]
    for args, out in outputs.items():
        flat = " ".join(out.split())  # a label wrapped over lines is whole again
        for mine in own:
            flat = flat.replace(mine, "")
        flat = re.sub(r"[\w\[\]-]+(?:[._][\w\[\]-]+)+", "", flat)  # keys, for scripts
        found = _ENGLISH.search(flat)
        assert found is None, f"{' '.join(args)}: {flat[max(0, found.start() - 60):][:120]!r}"
        # no English-style numbers (1,234,567 or 12.5 %)
        assert not re.search(r"\d,\d{3},\d{3}|\d\.\d+ %", out), args


def test_every_printing_command_takes_lang_and_the_environment(capsys, monkeypatch):
    """--lang on every command that prints; SIBRISK_LANG gives the default."""
    for args in COMMANDS:
        assert "--lang" in _help(capsys, args), args
    monkeypatch.setenv("SIBRISK_LANG", "da")
    code, out, _ = run(capsys, "account")
    assert code == 0 and "Tabel 1" in out
    code, out, _ = run(capsys, "account", "--lang", "en")
    assert "Table 1" in out


def _help(capsys, args) -> str:
    command = list(args[:2]) if args[0] in ("scenario", "evidence") else [args[0]]
    try:
        main([*command, "--help"])
    except SystemExit:
        pass
    return capsys.readouterr().out


def test_a_title_keeps_its_numbers_as_written(tmp_path, capsys):
    """Numbers are formatted where they are made: a title such as "Pilot 2.0, 1,000 men"
    stays as written in a Danish report."""
    path = tmp_path / "pilot.toml"
    sibrisk.load_scenario(DRC).replace("title", "Pilot 2.0, 1,000 men").save(path)
    code, out, _ = run(capsys, "account", str(path), "--lang", "da")
    assert code == 0 and "Pilot 2.0, 1,000 men" in out and "102.517" in out


# ---------------------------------------------------------------------------
# Not within the horizon, and standard errors
# ---------------------------------------------------------------------------
def test_not_within_the_horizon_one_way_per_medium(capsys):
    """inf in Python, null in JSON, the words in text (both languages)."""
    ds = sibrisk.simulate(DRC, runs=2000, seed=1)
    summary = sibrisk.summarize(ds)
    assert math.isinf(float(summary.payback_year_quantiles.sel(quantile=0.95)))
    code, out, _ = run(capsys, "simulate", "--runs", "2000", "--seed", "1", "--json")
    assert json.loads(out)["payback_year_quantiles"]["0.95"] is None
    for lang, words in (("en", "not within the horizon"), ("da", "ikke inden for horisonten")):
        code, out, _ = run(capsys, "simulate", "--runs", "2000", "--seed", "1", "--lang", lang)
        line = next(line for line in out.splitlines() if "95" in line and
                    ("payback" in line or "tilbagebetaling" in line))
        assert line.split("  ")[-1].strip() == words or words in line
        assert "inf" not in out and "> horizon" not in out


def test_no_standard_error_of_zero_is_shown(capsys):
    """An exact enumeration has no sampling error: no "± 0" anywhere."""
    code, out, _ = run(capsys, "simulate", "--method", "exact")
    assert code == 0 and "±" not in out


# ---------------------------------------------------------------------------
# Contracts side by side
# ---------------------------------------------------------------------------
def test_the_tail_of_each_actor_against_a_reference():
    """npv_var_5 and npv_cvar_5 of summarize_contracts: the 5 % quantile's loss and the
    mean loss in the worst 5 % of runs, computed here from the sorted runs; for the
    catalogue's contract the investor's equal summarize's value at risk and shortfall."""
    ds = sibrisk.simulate(DRC, runs=4000, seed=3, contracts=[CONTRACTS / "standard.toml",
                                                             CONTRACTS / "tranches.toml"])
    risk = summarize_contracts(ds, level=0.05)
    for contract in ("standard", "tranches"):
        for actor, stats in risk[contract]["actors"].items():
            npv = np.sort(ds.actor_npv.sel(contract=contract, actor=actor).values)
            k = math.ceil(0.05 * npv.size) - 1  # the smallest x with F(x) >= 5 %
            var = -npv[k]
            losses = -npv
            shortfall = var + np.mean(np.maximum(losses - var, 0.0)) / 0.05
            assert stats["npv_var_5"] == pytest.approx(var, abs=1e-6), (contract, actor)
            assert stats["npv_cvar_5"] == pytest.approx(shortfall, rel=1e-9, abs=1e-6)
    summary = sibrisk.summary_to_dict(sibrisk.summarize(ds))
    investor = risk["standard"]["actors"]["investor"]
    assert investor["npv_var_5"] == pytest.approx(summary["investor_var_5"])
    assert investor["npv_cvar_5"] == pytest.approx(summary["investor_cvar_5"])
    assert "npv_var_5" not in summarize_contracts(ds)["standard"]["actors"]["investor"]


def test_run_compares_contracts_side_by_side(capsys):
    """`sibrisk run --contract A --contract B`: a column per contract, and for every actor
    the probability of a loss, the expected NPV, the value at risk and the expected
    shortfall; --json holds the same numbers."""
    args = ["run", "--runs", "2000", "--seed", "4", "-q",
            "--contract", str(CONTRACTS / "standard.toml"),
            "--contract", str(CONTRACTS / "tranches.toml")]
    code, out, _ = run(capsys, *args)
    assert code == 0
    part = out[out.index("Contracts side by side"):]
    head = next(line for line in part.splitlines() if line.strip().startswith("measure"))
    assert head.split() == ["measure", "standard", "tranches"]
    for actor in ("municipality", "investor", "junior", "guarantor"):
        assert f"\n{actor}\n" in part, actor
    for measure in ("probability of a loss", "expected NPV", "value at risk (5 %)",
                    "expected shortfall (5 %)"):
        assert part.count(measure) >= 6, measure
    code, out, _ = run(capsys, *args, "--json")
    r = json.loads(out)
    junior = r["contracts"]["tranches"]["actors"]["junior"]
    assert f"{junior['npv_var_5']:,.0f}" in part
    assert max(len(line) for line in part.splitlines()) <= 80
