"""The Excel workbook: the same numbers as `sibrisk account --json`, and inputs back in."""

from __future__ import annotations

import json

import pytest

openpyxl = pytest.importorskip("openpyxl")

import sibrisk  # noqa: E402
from sibrisk import workbook  # noqa: E402
from sibrisk.cli import main  # noqa: E402
from sibrisk.errors import SibriskError  # noqa: E402
from sibrisk.report import catalogue_report  # noqa: E402

DRC = "drc-sib-2023"


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
    assert main(["run", "--runs", "2000", "--seed", "3", "--out", str(folder), "--xlsx"]) == 0
    return folder / "workbook.xlsx"


def test_the_accounts_sheet_holds_the_account_json(written, capsys):
    """Every number of the Accounts sheet (keyed in column C) is the one `sibrisk account
    --json` prints, and every headline figure of the catalogue is there."""
    capsys.readouterr()
    assert main(["account", DRC, "--json"]) == 0
    account = dict(_leaves(json.loads(capsys.readouterr().out)))
    sheet = openpyxl.load_workbook(written)[workbook.ACCOUNTS]
    rows = {r[2]: r[1] for r in sheet.iter_rows(min_row=3, values_only=True) if r[2]}
    for key in ("provider_cost", "investor_surplus_share", "payment_per_participant",
                "payment_per_employed", "breakeven.investor_gross_employment",
                "breakeven.decay_surplus", "welfare_surplus", "municipal_savings"):
        assert key in rows, key
    for key, value in rows.items():
        assert value == pytest.approx(account[key], rel=1e-12), key


def test_the_risk_sheet_holds_the_summary(written):
    """The Risk sheet's values and errors are those of the simulation beside it."""
    ds = sibrisk.simulate(DRC, runs=2000, seed=3)
    summary = sibrisk.summary_to_dict(sibrisk.summarize(ds))
    rows = {r[0]: (r[1], r[2]) for r in
            openpyxl.load_workbook(written)[workbook.RISK].iter_rows(min_row=3, values_only=True)}
    assert rows["investor_loss_probability"] == pytest.approx(
        (summary["investor_loss_probability"], summary["investor_loss_probability_se"]))
    assert rows["payback_year_quantiles 0.5"][0] == pytest.approx(
        summary["payback_year_quantiles"]["0.5"])


def test_inputs_come_back_unchanged(written):
    """Importing the Inputs sheet as written gives the scenario itself, uncertain inputs
    and all (Excel's 15 digits are enough to see a value is unchanged)."""
    again = workbook.read_inputs(written)
    assert again.to_dict() == sibrisk.load_scenario(DRC).to_dict()
    assert catalogue_report(again) == catalogue_report(sibrisk.load_scenario(DRC))


def _edited(written, tmp_path, key, value):
    book = openpyxl.load_workbook(written)
    sheet = book[workbook.INPUTS]
    row = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == key)
    sheet.cell(row, 2).value = value
    path = tmp_path / "edited.xlsx"
    book.save(path)
    return path, row


def test_an_edited_input_is_read(written, tmp_path):
    """A value changed in Excel is the scenario's new input, and moves its accounts."""
    path, _ = _edited(written, tmp_path, "effect.decay", 0.3)
    s = workbook.read_inputs(path)
    assert s.get("effect.decay") == 0.3
    assert catalogue_report(s)["municipal_payback_year"] != pytest.approx(
        catalogue_report(DRC)["municipal_payback_year"])


@pytest.mark.parametrize("key, value, cell, message", [
    ("effect.decay", 1.5, "B", "effect.decay"),
    ("effect.decay", "a lot", "B", "must be a number"),
])
def test_a_bad_input_names_its_cell(written, tmp_path, key, value, cell, message):
    """A value out of range or not a number is reported with its sheet and cell."""
    path, row = _edited(written, tmp_path, key, value)
    with pytest.raises(SibriskError, match=f"sheet Inputs cell {cell}{row}: .*{message}"):
        workbook.read_inputs(path)


def test_an_unknown_input_names_its_cell(written, tmp_path):
    """A misspelt input is reported with the cell of its name."""
    book = openpyxl.load_workbook(written)
    sheet = book[workbook.INPUTS]
    sheet.cell(5, 1).value = "effect.decayy"
    path = tmp_path / "typo.xlsx"
    book.save(path)
    with pytest.raises(SibriskError, match="sheet Inputs cell A5: .*effect.decayy"):
        workbook.read_inputs(path)


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
    with their standard errors, beside the scenario's Inputs and Accounts."""
    from pathlib import Path

    args = ["sweep", "--runs", "1000", "--seed", "5", "--quiet"]
    if contract:
        args += ["--contract", str(Path(__file__).parents[1] / "examples" / "contracts" /
                                   contract), "--axis", "capital.tranches[0].coupon=0.03,0.05"]
    else:
        args += ["--axis", "effect.decay=0.1,0.2", "--axis", "contract.investor_surplus_share=0.4"]
    assert main([*args, "--json"]) == 0
    expected = json.loads(capsys.readouterr().out)
    path = tmp_path / "sweep.xlsx"
    assert main([*args, "--xlsx", str(path)]) == 0
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Inputs", "Accounts", "Sweep"]
    rows = list(book["Sweep"].iter_rows(values_only=True))
    head, body = rows[1], rows[2:]
    axes = list(expected["axes"])
    assert list(head[: len(axes)]) == axes and len(body) == expected["point_count"]
    checked = 0
    for row, point in zip(body, expected["points"], strict=True):
        cells = dict(zip(head, row, strict=True))
        assert [cells[a] for a in axes] == [point["at"][a] for a in axes]
        for (name, *rest), value in _paths(point["summary"]):
            if name == "outcome_stream":
                continue
            heading = " ".join([name.removesuffix("_se"), *rest]) + (
                " SE" if name.endswith("_se") else "")
            assert cells[heading] == pytest.approx(value, rel=1e-12, abs=0), heading
            checked += 1
    assert checked >= 20 * len(body)


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
    """lang="da": Danish labels and headings beside the same numbers and keys; the Inputs
    sheet still reads back."""
    s = sibrisk.load_scenario(DRC)
    report = catalogue_report(s)
    en = openpyxl.load_workbook(workbook.write_workbook(tmp_path / "en.xlsx", s, report))
    path = workbook.write_workbook(tmp_path / "da.xlsx", s, report, lang="da")
    da = openpyxl.load_workbook(path)
    en_rows = list(en["Accounts"].iter_rows(values_only=True))
    da_rows = list(da["Accounts"].iter_rows(values_only=True))
    assert [r[1:] for r in en_rows[2:]] == [r[1:] for r in da_rows[2:]]  # numbers and keys
    labels = [r[0] for r in da_rows if r[0]]
    assert "Budgetøkonomisk regnskab, pr. gennemsnitlig deltager" in labels
    changed = sum(a[0] != b[0] for a, b in zip(en_rows, da_rows, strict=True) if a[0])
    assert changed >= len(labels) - 2  # every label but the title and a name translated
    assert workbook.read_inputs(path).to_toml() == s.to_toml()
