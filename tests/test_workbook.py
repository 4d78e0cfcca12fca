"""The Excel workbook: the same numbers as the JSON, labels with keys beside them, and the
inputs (values and distributions) back in from any scenario, wherever its file was."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest

openpyxl = pytest.importorskip("openpyxl")

import sibrisk  # noqa: E402
from sibrisk.cli import main  # noqa: E402
from sibrisk.errors import SibriskError  # noqa: E402
from sibrisk.report import workbook  # noqa: E402
from sibrisk.report.catalogue import catalogue_report  # noqa: E402
from sibrisk.report.sheets import INPUT_COLUMNS  # noqa: E402

DRC = "drc-sib-2023"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "contracts"
KEY, VALUE, KIND, FIRST = (INPUT_COLUMNS[k] for k in ("key", "value", "kind",
                                                      "first_parameter"))


def _leaves(d, prefix=""):
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            yield from _leaves(v, key + ".")
        elif isinstance(v, int | float) and not isinstance(v, bool):
            yield key, v


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    folder = tmp_path_factory.mktemp("book") / "drc"
    assert main(["run", "--runs", "2000", "--seed", "3", "--out", str(folder), "--xlsx",
                 "-q"]) == 0
    return folder / "workbook.xlsx"


def test_the_accounts_sheet_holds_the_account_json(written, capsys):
    """Every number of the Accounts sheet (keyed in column C) is the one `sibrisk account
    --json` prints, and every headline figure of the catalogue is there."""
    capsys.readouterr()
    assert main(["account", DRC, "--json"]) == 0
    account = dict(_leaves(json.loads(capsys.readouterr().out)))
    sheet = openpyxl.load_workbook(written)[workbook.ACCOUNTS]
    rows = {r[2]: r[1] for r in sheet.iter_rows(min_row=3, values_only=True)
            if len(r) > 2 and r[2]}
    for key in ("provider_cost", "investor_surplus_share", "payment_per_participant",
                "payment_per_employed", "breakeven.investor_gross_employment",
                "breakeven.decay_surplus", "welfare_surplus", "municipal_savings",
                "rates_by_type.no_experience"):
        assert key in rows, key
    for key, value in rows.items():
        assert value == pytest.approx(account[key], rel=1e-12), key


def test_the_risk_sheet_holds_the_summary(written):
    """The Risk sheet's values and errors are those of the simulation beside it, each row
    labelled in words with its key in column D; no standard error is written as 0."""
    ds = sibrisk.simulate(DRC, runs=2000, seed=3)
    summary = sibrisk.summary_to_dict(sibrisk.summarize(ds))
    sheet = openpyxl.load_workbook(written)[workbook.RISK]
    rows = {r[3]: r for r in sheet.iter_rows(min_row=3, values_only=True)}
    label, value, se, _ = rows["investor_loss_probability"]
    assert label == "probability the investor loses money"
    assert (value, se) == pytest.approx((summary["investor_loss_probability"],
                                         summary["investor_loss_probability_se"]))
    assert rows["payback_year_quantiles 0.5"][1] == pytest.approx(
        summary["payback_year_quantiles"]["0.5"])
    assert rows["payback_year_quantiles 0.5"][0] == "municipality's payback year, median"
    assert all(r[2] != 0 for r in rows.values())
    # a quantile at an atom has no error estimate: an empty cell, as in the text
    assert summary["investor_return_quantiles_se"]["0.05"] is None
    assert rows["investor_return_quantiles 0.05"][2] is None


def test_the_inputs_sheet_shows_labels_distributions_and_keys(written):
    """Each input by its label with its unit, its value, and an uncertain input's
    distribution (kind and parameters, named in column H); its key in column I."""
    rows = {r[KEY - 1]: r for r in openpyxl.load_workbook(written)[workbook.INPUTS]
            .iter_rows(min_row=4, values_only=True)}
    decay = rows["effect.decay"]
    assert decay[0] == "Decay of the effect (per year)"
    assert decay[1:8] == (0.15, "pert", 0.05, 0.15, 0.30, 4, "low, mode, high, shape")
    gross = rows["types.no_experience.gross_employment"]
    assert gross[0] == ("Employment rate with the programme, No Danish work experience in "
                        "the last 2 years")
    assert gross[2:6] == ("evidence", 9, 37, "jeffreys")
    assert rows["provider.cost_per_participant"][0] == \
        "Cost of the programme (DKK per participant)"
    assert rows["cohort.size"][2] is None  # a fixed input: no distribution


def test_inputs_come_back_unchanged(written):
    """Importing the workbook as written gives the scenario itself, uncertain inputs and
    all, and no change."""
    imported = workbook.import_workbook(written)
    assert imported.changes == ()
    assert imported.scenario.to_dict() == sibrisk.load_scenario(DRC).to_dict()


def _edit(path, tmp_path, edits, name="edited.xlsx"):
    """A copy of the workbook with cells of the Inputs sheet changed: {(key, column):
    value}; returns the path and each key's row."""
    book = openpyxl.load_workbook(path)
    sheet = book[book.sheetnames[0]]
    rows = {sheet.cell(r, KEY).value: r for r in range(4, sheet.max_row + 1)}
    for (key, column), value in edits.items():
        sheet.cell(rows[key], column).value = value
    out = tmp_path / name
    book.save(out)
    return out, rows


def test_a_changed_value_keeps_its_distribution(written, tmp_path):
    """A value edited in Excel moves the point value; the input stays uncertain (the
    distribution is untouched), and the change is listed with its cell."""
    path, rows = _edit(written, tmp_path, {("effect.decay", VALUE): 0.2})
    imported = workbook.import_workbook(path)
    s = imported.scenario
    assert s.get("effect.decay") == 0.2
    assert s.uncertain_inputs["effect.decay"] == \
        sibrisk.load_scenario(DRC).uncertain_inputs["effect.decay"]
    (change,) = imported.changes
    assert change.key == "effect.decay" and change.cells == f"B{rows['effect.decay']}"
    assert (change.before, change.after) == ("0.15", "0.2 (distribution kept: pert)")


def test_a_distribution_edited_in_the_sheet(written, tmp_path):
    """Kind and parameters edited like @RISK's cells: pert -> triangular, evidence with
    more trials, and an emptied kind that fixes an input, all applied and listed."""
    path, rows = _edit(written, tmp_path, {
        ("effect.decay", KIND): "triangular", ("effect.decay", FIRST): 0.1,
        ("effect.decay", FIRST + 1): 0.15, ("effect.decay", FIRST + 2): 0.25,
        ("effect.decay", FIRST + 3): None,
        ("types.no_experience.gross_employment", FIRST + 1): 40,
        ("types.with_experience.control_employment", KIND): None,
    })
    imported = workbook.import_workbook(path)
    s = imported.scenario
    decay = s.uncertain_inputs["effect.decay"]
    assert (decay.kind, dict(decay.params)) == ("triangular",
                                                {"low": 0.1, "mode": 0.15, "high": 0.25})
    assert s.uncertain_inputs["types.no_experience.gross_employment"]["trials"] == 40
    assert "types.with_experience.control_employment" not in s.uncertain_inputs
    assert s.get("types.with_experience.control_employment") == pytest.approx(0.2595782322343)
    assert {c.key for c in imported.changes} == {
        "effect.decay", "types.no_experience.gross_employment",
        "types.with_experience.control_employment"}
    fixed = next(c for c in imported.changes if c.key.endswith("control_employment"))
    assert "evidence" in fixed.before and "dist" not in fixed.after


def test_scenario_import_says_what_changed_on_stderr(written, tmp_path, capsys):
    """`sibrisk scenario import` lists each change on standard error, in Danish with
    --lang da, and nothing with --quiet."""
    path, rows = _edit(written, tmp_path, {("effect.decay", VALUE): 0.2})
    capsys.readouterr()
    assert main(["scenario", "import", str(path)]) == 0
    out, err = capsys.readouterr()
    assert f"changed in the workbook: effect.decay (B{rows['effect.decay']}): 0.15 ->" in err
    assert sibrisk.Scenario.from_toml_text(out).get("effect.decay") == 0.2
    assert main(["scenario", "import", str(path), "--lang", "da"]) == 0
    assert "ændret i regnearket: effect.decay" in capsys.readouterr().err
    assert main(["scenario", "import", str(path), "-q"]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("edits, cell, message", [
    ({("effect.decay", VALUE): 1.5}, "B{decay}", "effect.decay.value = 1.5"),
    ({("effect.decay", VALUE): "a lot"}, "B{decay}", "value = 'a lot': must be a number"),
    ({("effect.decay", KIND): "weibull"}, "C{decay}", "distribution = 'weibull': must be one"),
    ({("effect.decay", KIND): "normal"}, "F{decay}", "normal takes 2 parameters"),
    ({("effect.decay", FIRST + 1): None}, "E{decay}", "pert needs mode"),
    ({("effect.decay", FIRST + 1): 0.5}, "E{decay}", "effect.decay.mode = 0.5"),
    ({("cohort.size", VALUE): 0}, "B{size}", "cohort.size = 0"),
])
def test_a_bad_input_names_its_cell(written, tmp_path, edits, cell, message):
    """A value out of range or not a number, a distribution that is not one, a missing
    or superfluous parameter: one line naming the file, the sheet and the cell."""
    path, rows = _edit(written, tmp_path, edits)
    cell = cell.format(decay=rows["effect.decay"], size=rows["cohort.size"])
    with pytest.raises(SibriskError, match=f"sheet Inputs cell {cell}: .*{message}"):
        workbook.read_inputs(path)


def test_an_unknown_or_repeated_key_names_its_cell(written, tmp_path):
    """A misspelt key is named by its cell; a key given twice is refused (not the last
    one winning), naming both cells."""
    book = openpyxl.load_workbook(written)
    sheet = book[workbook.INPUTS]
    sheet.cell(5, KEY).value = "effect.decayy"
    path = tmp_path / "typo.xlsx"
    book.save(path)
    with pytest.raises(SibriskError, match="sheet Inputs cell I5: .*effect.decayy"):
        workbook.read_inputs(path)
    sheet.cell(5, KEY).value = "cohort.size"  # row 4 holds cohort.size too
    sheet.cell(5, VALUE).value = 80
    book.save(path)
    with pytest.raises(SibriskError, match="cell I5: cohort.size is given twice "
                                           r"\(also cell I4\)"):
        workbook.read_inputs(path)


def _damaged_sheet(written, tmp_path):
    """The workbook with its Inputs sheet's XML cut in the middle."""
    out = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(written) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            dst.writestr(item, data)
    return out


def test_a_damaged_file_is_one_line(written, tmp_path, capsys):
    """A file that is no workbook, a truncated file and a sheet cut short each end in one
    line naming the file (and the sheet and last cell read), never a traceback."""
    text = tmp_path / "notes.xlsx"
    text.write_text("not a workbook")
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(written.read_bytes()[:3000])
    damaged = _damaged_sheet(written, tmp_path)
    for path, message in ((text, "not an Excel workbook"), (cut, "not an Excel workbook"),
                          (damaged, "sheet Inputs after cell A\\d+: cannot be read, the file "
                                    "is damaged")):
        with pytest.raises(SibriskError, match=f"{path.name}.*{message}"):
            workbook.read_inputs(path)
        assert main(["scenario", "import", str(path)]) == 1
        err = capsys.readouterr().err
        assert err.startswith("sibrisk: error: ") and err.count("\n") == 1, err


def _user_scenarios():
    """Scenarios unlike the built-in one: three types drawn anew in each run, a flat
    discount rate, every kind of distribution, correlations; one with no uncertain input
    and a very long description."""
    base = sibrisk.load_scenario(DRC).to_dict()
    one = json.loads(json.dumps(base))
    one["name"] = "my-pilot"
    one["title"] = "Pilot 2.0 = better"
    one["cohort"] = {"size": 90, "composition": "drawn"}
    one["types"]["third"] = {"label": "Youth", "share": 0.2,
                             "gross_employment": {"value": 0.4, "dist": "beta", "a": 4.0,
                                                  "b": 6.0},
                             "control_employment": 0.2}
    one["types"]["no_experience"]["share"] = 0.45
    one["discounting"] = {"schedule": "flat", "rate": {"value": 0.04, "dist": "uniform",
                                                       "low": 0.02, "high": 0.06}}
    one["effect"]["decay"] = {"value": 0.15, "dist": "truncnormal", "mean": 0.15, "sd": 0.05,
                              "low": 0.0, "high": 0.5}
    one["municipality"]["saving_per_employed_year"] = {"value": 88953.5, "dist": "lognormal",
                                                       "mean": 88953.5, "sd": 9000.0}
    one["provider"]["cost_per_participant"] = {"value": 74164.7, "dist": "triangular",
                                               "low": 60000.0, "mode": 74164.7,
                                               "high": 90000.0}
    one["municipality"]["other_net_costs"] = {"value": 37543.0, "dist": "normal",
                                              "mean": 37543.0, "sd": 3000.0}
    one["correlation"] = [{"inputs": ["effect.decay", "provider.cost_per_participant"],
                           "rank": 0.3}]
    two = json.loads(json.dumps(base))
    two["name"] = "plain"
    two["types"] = {"all": {"share": 1.0, "gross_employment": 0.3, "control_employment": 0.1}}
    two["effect"]["decay"] = 0.1
    two["description"] = "= not a formula\n" + "x" * 40_000
    return [sibrisk.Scenario.from_dict(d) for d in (one, two)]


@pytest.mark.parametrize("scenario", _user_scenarios(), ids=lambda s: s.name)
def test_the_round_trip_from_a_users_own_file(scenario, tmp_path, capsys, monkeypatch):
    """A user's own scenario file: `run --out --xlsx` from its folder, then `scenario
    import` from another folder (the workbook carries its scenario, so no path needs to
    resolve): the same scenario back, distributions, correlations and text included; an
    edit in Excel comes back too."""
    home = tmp_path / "project"
    home.mkdir()
    scenario.save(home / "mine.toml")
    monkeypatch.chdir(home)
    assert main(["run", "mine.toml", "--runs", "200", "--seed", "1", "--out", "out", "--xlsx",
                 "-q"]) == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    book = home / "out" / "workbook.xlsx"
    capsys.readouterr()
    assert main(["scenario", "import", str(book), "--out", "back.toml"]) == 0
    assert "no input changed" in capsys.readouterr().err
    back = sibrisk.load_scenario(elsewhere / "back.toml")
    assert back.to_dict() == scenario.to_dict()
    path, _ = _edit(book, tmp_path, {("effect.horizon", VALUE): 12})
    assert workbook.read_inputs(path).to_dict() == scenario.replace("effect.horizon",
                                                                    12).to_dict()


def test_the_round_trip_of_several_cohorts(tmp_path, monkeypatch):
    """A scenario split into cohorts comes back whole from the workbook alone (written
    from Python: `run --out` draws a tornado, which cannot yet take several cohorts)."""
    scenario = sibrisk.load_scenario(DRC).replace({"cohort.cohorts": 3})
    path = workbook.write_workbook(tmp_path / "w.xlsx", scenario, catalogue_report(scenario))
    monkeypatch.chdir(Path(os.sep))
    assert workbook.read_inputs(path).to_dict() == scenario.to_dict()


def test_a_fixed_input_made_uncertain_and_a_correlation_dropped(tmp_path):
    """A distribution given to a fixed input makes it uncertain; fixing an input of a
    correlated pair drops the correlation, and that is listed too."""
    scenario = _user_scenarios()[0]
    path = workbook.write_workbook(tmp_path / "w.xlsx", scenario, catalogue_report(scenario))
    path, _ = _edit(path, tmp_path, {
        ("welfare.net_tax_factor", KIND): "uniform", ("welfare.net_tax_factor", FIRST): 1.2,
        ("welfare.net_tax_factor", FIRST + 1): 1.4,
        ("provider.cost_per_participant", KIND): None})
    imported = workbook.import_workbook(path)
    assert imported.scenario.uncertain_inputs["welfare.net_tax_factor"].kind == "uniform"
    assert imported.scenario.correlation == ()
    assert any(c.key.startswith("correlation") and "dropped" in c.after
               for c in imported.changes)


def test_a_workbook_of_the_previous_version_is_read(tmp_path, monkeypatch):
    """A workbook without a Scenario sheet (B1 naming the scenario's file) is still read:
    the file is found beside the workbook, wherever sibrisk runs."""
    scenario = _user_scenarios()[1]
    scenario.save(tmp_path / "plain.toml")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Inputs"
    sheet.append(["scenario", "plain.toml"])
    sheet.append(["Edit the values in column B"])
    sheet.append(["input", "value"])
    sheet.append(["effect.decay", 0.2])
    sheet.append(["cohort.size", 56])
    book.save(tmp_path / "old.xlsx")
    monkeypatch.chdir(Path(os.sep))
    s = workbook.read_inputs(tmp_path / "old.xlsx")
    assert s.name == "plain" and s.get("effect.decay") == 0.2


def test_scenario_import_writes_a_runnable_file(written, tmp_path, capsys):
    """`sibrisk scenario import --out` writes a TOML file sibrisk reads back."""
    out = tmp_path / "from-excel.toml"
    assert main(["scenario", "import", str(written), "--out", str(out)]) == 0
    assert catalogue_report(sibrisk.load_scenario(out)) == catalogue_report(DRC)


def test_xlsx_needs_a_folder(capsys):
    """--xlsx without --out is a usage error that says what to add."""
    assert main(["run", "--xlsx"]) == 1
    assert "--out DIR" in capsys.readouterr().err


@pytest.mark.parametrize("contract", [None, "tranches.toml"])
def test_sweep_sheet_holds_the_sweep_json(tmp_path, capsys, contract):
    """`sibrisk sweep --xlsx`: a Sweep sheet with a row per point whose cells are the
    numbers of `sibrisk sweep --json` (same seed), quantiles and actors a column each
    with their standard errors, labelled in row 2 and keyed in row 3, beside the
    scenario's Inputs and Accounts."""
    args = ["sweep", "--runs", "1000", "--seed", "5", "--quiet"]
    if contract:
        args += ["--contract", str(EXAMPLES / contract),
                 "--axis", "capital.tranches[0].coupon=0.03,0.05"]
    else:
        args += ["--axis", "effect.decay=0.1,0.2", "--axis", "contract.investor_surplus_share=0.4"]
    assert main([*args, "--json"]) == 0
    expected = json.loads(capsys.readouterr().out)
    path = tmp_path / "sweep.xlsx"
    assert main([*args, "--xlsx", str(path)]) == 0
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Inputs", "Accounts", "Sweep", "Scenario"]
    rows = list(book["Sweep"].iter_rows(values_only=True))
    labels, head, body = rows[1], rows[2], rows[3:]
    axes = list(expected["axes"])
    assert list(head[: len(axes)]) == axes and len(body) == expected["point_count"]
    if not contract:
        assert labels[0] == "Decay of the effect (per year)"
        assert "probability the investor loses money" in labels
    checked = 0
    for row, point in zip(body, expected["points"], strict=True):
        cells = dict(zip(head, row, strict=True))
        assert [cells[a] for a in axes] == [point["at"][a] for a in axes]
        for (name, *rest), value in _paths(point["summary"]):
            if name == "outcome_stream":
                continue
            heading = " ".join([name.removesuffix("_se"), *rest]) + (
                " SE" if name.endswith("_se") else "")
            if name.endswith("_se") and value == 0:
                assert cells[heading] is None, heading  # none estimated: empty
                continue
            assert cells[heading] == pytest.approx(value, rel=1e-12, abs=0), heading
            checked += 1
    assert checked >= 15 * len(body)


def _paths(d, prefix=()):
    for k, v in d.items():
        if isinstance(v, dict):
            yield from _paths(v, (*prefix, k))
        elif v is not None:
            yield (*prefix, k), v


def test_sweep_xlsx_bad_path_fails_before_sweeping(tmp_path, capsys):
    assert main(["sweep", "--axis", "effect.decay=0.1,0.2", "--runs", "100000000",
                 "--xlsx", str(tmp_path / "sweep.csv")]) != 0
    assert "must end in .xlsx" in capsys.readouterr().err


def test_a_danish_workbook(tmp_path):
    """lang="da": Danish sheet names, labels and headings beside the same numbers and
    keys; the Inputs sheet still reads back."""
    s = sibrisk.load_scenario(DRC)
    report = catalogue_report(s)
    en = openpyxl.load_workbook(workbook.write_workbook(tmp_path / "en.xlsx", s, report))
    path = workbook.write_workbook(tmp_path / "da.xlsx", s, report, lang="da")
    da = openpyxl.load_workbook(path)
    assert da.sheetnames == ["Input", "Regnskab", "Scenarie"]
    en_rows = list(en["Accounts"].iter_rows(values_only=True))
    da_rows = list(da["Regnskab"].iter_rows(values_only=True))
    assert [r[1:] for r in en_rows[2:]] == [r[1:] for r in da_rows[2:]]  # numbers and keys
    labels = [r[0] for r in da_rows if r[0]]
    assert "Budgetøkonomisk regnskab, pr. gennemsnitlig deltager" in labels
    inputs = {r[KEY - 1]: r[0] for r in da["Input"].iter_rows(min_row=4, values_only=True)}
    assert inputs["effect.decay"] == "Effektens aftagen (pr. år)"
    assert workbook.read_inputs(path).to_toml() == s.to_toml()


def test_the_contracts_sheet_holds_the_contracts_json(tmp_path, capsys):
    """`sibrisk run --contract A --contract B --out DIR --xlsx`: a Contracts sheet, a row
    per actor and measure, a value and a standard error per contract, the numbers of
    the JSON; an actor not in a contract has empty cells."""
    args = ["run", "--runs", "1500", "--seed", "2", "-q",
            "--contract", str(EXAMPLES / "standard.toml"),
            "--contract", str(EXAMPLES / "tranches.toml")]
    assert main([*args, "--json"]) == 0
    contracts = json.loads(capsys.readouterr().out)["contracts"]
    assert main([*args, "--out", str(tmp_path / "out"), "--xlsx"]) == 0
    sheet = openpyxl.load_workbook(tmp_path / "out" / "workbook.xlsx")["Contracts"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][2:6] == ("standard", "± standard", "tranches", "± tranches")
    cells = {(r[-2], r[-1]): r for r in rows[2:]}
    for name in ("standard", "tranches"):
        j = 2 + 2 * ["standard", "tranches"].index(name)
        for actor, stats in contracts[name]["actors"].items():
            assert cells[(actor, "npv_var_5")][j] == pytest.approx(stats["npv_var_5"])
            assert cells[(actor, "loss_probability")][j] == pytest.approx(
                stats["loss_probability"])
    assert cells[("guarantor", "npv_mean")][2] is None  # no guarantor in the standard one
    assert cells[("investor", "npv_mean")][0] == "investor"
    assert cells[("investor", "npv_mean")][1] == "expected NPV, DKK"
