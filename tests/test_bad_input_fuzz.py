"""Property: a broken input file gets one line naming the file and the key, never a
traceback, and nothing is written.

Valid scenario, contract and outcomes files (TOML, and JSON for outcomes) and a valid
CSV file of questionnaire answers are mutated by hypothesis, one mutation each, and
given to the command line in-process (``sibrisk.cli.main``). Mutations that make the
file invalid by construction (a value of the wrong kind, a number that is not finite,
an unknown key, a broken cell) must be refused: exit status 1, exactly one line on
standard error, starting ``sibrisk: error:``, naming the file and the key (or its
table), and no output file. Arbitrary damage (cut files, stray bytes, deep nesting)
may happen to leave a valid file, so it must only never end in a traceback or in more
than one line.

A workbook written by ``sibrisk run --out DIR --xlsx`` is mutated the same way: one cell
of its *Inputs* sheet (a value, a distribution's kind or parameter, a key) is given
something that cannot be right, and ``sibrisk scenario import`` must refuse it in one
line naming the file, the sheet and the cell.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import tempfile
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sibrisk.cli import main
from sibrisk.report.sheets import FIRST_INPUT_ROW, INPUT_COLUMNS, PARAMETERS
from sibrisk.scenario.spec import _builtin_text

ROOT = Path(__file__).parents[1]
CONTRACTS = ROOT / "examples" / "contracts"
CSV = ROOT / "src" / "sibrisk" / "evidence" / "data" / "progression_example.csv"

FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                      HealthCheck.too_slow])


# ---------------------------------------------------------------------------
# Writing TOML (inline tables: any mutated structure can be written)
# ---------------------------------------------------------------------------
def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) \
            else repr(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return "{" + ", ".join(f"{toml_key(k)} = {toml_value(x)}" for k, x in v.items()) + "}"


def toml_key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else json.dumps(k)


def to_toml(data: dict) -> str:
    return "".join(f"{toml_key(k)} = {toml_value(v)}\n" for k, v in data.items())


# ---------------------------------------------------------------------------
# Mutations
# ---------------------------------------------------------------------------
def paths(data, prefix=()):
    """Every place in a parsed file: (path, value); a path is a tuple of keys and
    indices."""
    items = data.items() if isinstance(data, dict) else enumerate(data)
    for k, v in items:
        yield (*prefix, k), v
        if isinstance(v, dict | list):
            yield from paths(v, (*prefix, k))


def key_text(path) -> str:
    """A path as messages write it: ``payments[0].rates.employed``."""
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else p)
    return out


def wrong_values(value) -> list:
    """Values that no place holding ``value`` accepts."""
    if isinstance(value, bool):
        return ["x", 5, [True]]
    if isinstance(value, int | float):
        return ["x", True, [1], {"zz_unknown": 1}, math.nan, math.inf, -math.inf]
    if isinstance(value, str):
        return [5, True, [value], {"zz_unknown": 1}]
    return ["x", [1]] if isinstance(value, dict) else ["x", 5]


def set_at(data, path, value):
    node = data
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value


@st.composite
def broken(draw, data: dict):
    """A copy of ``data`` with one place made invalid, and the key of that place."""
    data = json.loads(json.dumps(data))
    places = list(paths(data))
    tables = [((), data)] + [(p, v) for p, v in places if isinstance(v, dict)]
    if draw(st.booleans()):  # a value of a kind the place cannot hold
        path, value = draw(st.sampled_from(places))
        set_at(data, path, draw(st.sampled_from(wrong_values(value))))
        return data, path
    path, table = draw(st.sampled_from(tables))  # an unknown key
    table["zz_unknown"] = 1
    return data, (*path, "zz_unknown")


# ---------------------------------------------------------------------------
# Running the command
# ---------------------------------------------------------------------------
def run(capsys, args, folder: Path):
    before = {p: p.read_bytes() for p in folder.iterdir()}
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    after = {p: p.read_bytes() for p in folder.iterdir()}
    return code, err, before == after


def refused(capsys, args, folder: Path, file: Path, key: str | None):
    code, err, unchanged = run(capsys, args, folder)
    assert code in (1, 2), (code, err)
    assert err.startswith("sibrisk: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    assert str(file) in err, err
    if key is not None:
        assert key in err, (key, err)
    assert unchanged, "a file was written or changed"
    return err


def no_traceback(capsys, args, folder: Path):
    code, err, unchanged = run(capsys, args, folder)
    assert "Traceback" not in err
    if code != 0:
        assert err.startswith("sibrisk: error: ") and err.count("\n") == 1, err
        assert unchanged
    return code


def parent_or_self(path) -> list[str]:
    return [key_text(path[:i]) for i in range(len(path), 0, -1)][:2]


def names_key(err: str, path) -> bool:
    return any(k and k in err for k in parent_or_self(path))


@pytest.fixture
def folder():
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        for name in ("drc-two-municipalities.toml", "outcomes.toml"):
            shutil.copy(CONTRACTS / name, folder / name)
        yield folder


SCENARIO = tomllib.loads(_builtin_text("drc-sib-2023"))
CONTRACT_FILES = ("standard.toml", "rate-card.toml", "thresholds.toml", "tranches.toml",
                  "loan.toml", "savings-share.toml", "reinvestment.toml",
                  "early-termination.toml")
CONTRACT_DATA = {n: tomllib.loads((CONTRACTS / n).read_text()) for n in CONTRACT_FILES}
OUTCOMES = tomllib.loads((CONTRACTS / "outcomes.toml").read_text())


def simulate_args(folder: Path, scenario=None, contract=None):
    args = ["simulate", *([scenario] if scenario else []),
            *(["--contract", contract] if contract else []), "--runs", "200", "--seed", "1",
            "-q", "--out", folder / "out.nc"]
    return args


@FUZZ
@given(case=broken(SCENARIO))
def test_a_broken_scenario_is_one_line_naming_file_and_key(capsys, folder, case):
    data, path = case
    file = folder / "scenario.toml"
    file.write_text(to_toml(data))
    err = refused(capsys, simulate_args(folder, scenario=file), folder, file, None)
    assert names_key(err, path), (key_text(path), err)


@FUZZ
@given(name=st.sampled_from(CONTRACT_FILES), data=st.data())
def test_a_broken_contract_is_one_line_naming_file_and_key(capsys, folder, name, data):
    broken_data, path = data.draw(broken(CONTRACT_DATA[name]))
    file = folder / name
    file.write_text(to_toml(broken_data))
    err = refused(capsys, simulate_args(folder, contract=file), folder, file, None)
    assert names_key(err, path), (key_text(path), err)


@FUZZ
@given(case=broken(OUTCOMES), as_json=st.booleans(),
       contract=st.sampled_from(["standard.toml", "thresholds.toml", "rate-card.toml"]))
def test_broken_outcomes_are_one_line_naming_file_and_key(capsys, folder, case, as_json,
                                                          contract):
    data, path = case
    file = folder / ("outcomes.json" if as_json else "outcomes.toml")
    file.write_text(json.dumps(data) if as_json else to_toml(data))
    shutil.copy(CONTRACTS / contract, folder / contract)
    err = refused(capsys, ["settle", folder / contract, "--outcomes", file], folder, file,
                  None)
    assert names_key(err, path), (key_text(path), err)


CSV_LINES = CSV.read_text().splitlines()
HEADER = next(i for i, line in enumerate(CSV_LINES) if not line.startswith("#"))
COLUMNS = CSV_LINES[HEADER].split(",")
BAD_CELLS = {"id": [""], "wave": ["", "middle"], "municipality": ["", "Aarhus"]}


@FUZZ
@given(row=st.integers(HEADER + 1, len(CSV_LINES) - 1), column=st.sampled_from(COLUMNS),
       how=st.integers(0, 3), data=st.data())
def test_a_broken_csv_file_is_one_line_naming_file_line_and_column(capsys, folder, row,
                                                                   column, how, data):
    lines = list(CSV_LINES)
    cells = lines[row].split(",")
    j = COLUMNS.index(column)
    if how == 0:  # a cell no column accepts here
        bad = BAD_CELLS.get(column, ["x", "1.5", "7" if column.startswith("who5") else "x"])
        cells[j] = data.draw(st.sampled_from(bad))
        lines[row] = ",".join(cells)
        key = column
    elif how == 1:  # a cell too many
        lines[row] += ",3"
        key = f"line {row + 1}"
    elif how == 2:  # the same questionnaire twice
        lines.insert(row + 1, lines[row])
        key = "wave"
    else:  # a column the header lacks
        names = list(COLUMNS)
        names[j] = "zz_" + names[j] if column in ("id", "wave") else names[j]
        names = names if column in ("id", "wave") else names[:j] + names[j + 1:]
        lines[HEADER] = ",".join(names)
        key = column if column in ("id", "wave") else f"line {HEADER + 2}"
    file = folder / "answers.csv"
    file.write_text("\n".join(lines) + "\n")
    err = refused(capsys, ["evidence", "progression", file], folder, file, None)
    assert key in err, (key, err)


# ---------------------------------------------------------------------------
# Arbitrary damage: never a traceback, never more than one line
# ---------------------------------------------------------------------------
def damaged(draw, text: str) -> bytes:
    raw = text.encode()
    how = draw(st.integers(0, 4))
    at = draw(st.integers(0, len(raw)))
    if how == 0:
        return raw[:at]  # cut short
    if how == 1:
        return raw[:at] + draw(st.binary(min_size=1, max_size=4)) + raw[at:]
    if how == 2:
        depth = draw(st.sampled_from([40, 600, 5000]))
        return raw + b"\nzz = " + b"[" * depth + b"]" * depth + b"\n"
    if how == 3:
        return raw[:at] + b"\n" + draw(st.sampled_from(
            [b"x = 1" + b"0" * 5000, b"[[payments]]", b"[types.a]", b"[cohorts]", b"=",
             b"a = 99999999999999999999", b'\xef\xbb\xbf'])) + b"\n" + raw[at:]
    return b"\xef\xbb\xbf" + raw  # a byte-order mark: still valid


@FUZZ
@given(data=st.data(), kind=st.sampled_from(["scenario", "contract", "outcomes", "csv"]))
def test_damaged_files_never_end_in_a_traceback(capsys, folder, data, kind):
    if kind == "scenario":
        file, args = folder / "s.toml", simulate_args(folder, scenario=folder / "s.toml")
        text = _builtin_text("drc-sib-2023")
    elif kind == "contract":
        file = folder / "standard.toml"
        args, text = simulate_args(folder, contract=file), (CONTRACTS / "standard.toml"
                                                             ).read_text()
    elif kind == "outcomes":
        shutil.copy(CONTRACTS / "standard.toml", folder / "standard.toml")
        file = folder / "o.toml"
        args = ["settle", folder / "standard.toml", "--outcomes", file]
        text = (CONTRACTS / "outcomes.toml").read_text()
    else:
        file, args, text = folder / "a.csv", ["evidence", "progression", folder / "a.csv"], \
            CSV.read_text()
    file.write_bytes(damaged(data.draw, text))
    (folder / "out.nc").unlink(missing_ok=True)
    no_traceback(capsys, args, folder)


# ---------------------------------------------------------------------------
# Arguments: any text in any option of the quick commands
# ---------------------------------------------------------------------------
ARGS = [
    ("evidence", "effect", "--treated", None, "--control", "48/280"),
    ("evidence", "effect", "--treated", "19/56", "--control", "48/280", "--level", None),
    ("evidence", "power", "--treated-rate", None, "--control-rate", "0.2", "--n", "20"),
    ("evidence", "power", "--treated-rate", "0.35", "--control-rate", "0.17", "--n", None,
     "--method", "normal"),
    ("evidence", "progression", "--scale", None),
    ("evidence", "progression", "--by", None),
    ("breakeven", "--vary", None),
    ("breakeven", "--vary", "effect.decay", "--target", None),
    ("account", None),
    ("scenario", "inputs", None),
    ("simulate", "--runs", None, "--method", "exact"),
    ("sweep", "--axis", None, "--runs", "0"),
]


@FUZZ
@given(args=st.sampled_from(ARGS),
       text=st.one_of(st.text(max_size=30), st.sampled_from(
           ["", " ", "nan", "inf", "-1", "1e400", "1e20", "0", "1/0", "-5/3", "1:", ":",
            "a=b", "x" * 5000, "\n", "5%", "wave", "types", "-"])))
def test_any_text_as_an_argument_is_one_line_or_works(capsys, args, text):
    argv = [text if a is None else a for a in args]
    code = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    if code != 0:
        assert code in (1, 2) and err.startswith("sibrisk: error: ")
        assert err.count("\n") == 1 and len(err) < 1200, err


# ---------------------------------------------------------------------------
# Workbooks: one cell of the Inputs sheet
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz-book") / "report"
    assert main(["run", "--runs", "500", "--seed", "1", "--out", str(folder), "--xlsx",
                 "-q"]) == 0
    return folder / "workbook.xlsx"


#: What a cell of each kind can be given that is never right: (column, bad values).
_NUMERIC = ["a lot", "12,5 %", "0x1F", "1e", "--3", "nan"]
WORKBOOK_BAD = {
    "value": [*_NUMERIC, -1e300],
    "kind": ["weibull", "Beta distribution", "42", "pert;"],
    "parameter": _NUMERIC,
    "key": ["effect.decayy", "types.nobody.share", "cohort", ".", "effect..decay"],
}


@FUZZ
@given(data=st.data(), column=st.sampled_from(sorted(WORKBOOK_BAD)))
def test_a_broken_workbook_cell_is_one_line_naming_file_sheet_and_cell(capsys, book, data,
                                                                        column):
    openpyxl = pytest.importorskip("openpyxl")
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        path = folder / "edited.xlsx"
        wb = openpyxl.load_workbook(book)
        sheet = wb["Inputs"]
        rows = [r for r in range(FIRST_INPUT_ROW, sheet.max_row + 1)
                if sheet.cell(r, INPUT_COLUMNS["key"]).value]
        row = data.draw(st.sampled_from(rows), label="row")
        col = INPUT_COLUMNS["value" if column == "value" else "key" if column == "key"
                            else "kind"]
        if column == "parameter":  # a parameter of an uncertain input's distribution
            uncertain = [r for r in rows if sheet.cell(r, INPUT_COLUMNS["kind"]).value]
            row = data.draw(st.sampled_from(uncertain), label="uncertain row")
            col = INPUT_COLUMNS["first_parameter"] + data.draw(
                st.integers(0, PARAMETERS - 1), label="parameter")
            if sheet.cell(row, col).value is None:  # an unused parameter: any is too many
                col = INPUT_COLUMNS["first_parameter"]
        if column == "value" and sheet.cell(row, INPUT_COLUMNS["key"]).value in (
                "municipality.other_net_costs",):  # no lower limit: only text is wrong
            bad = data.draw(st.sampled_from(_NUMERIC), label="bad")
        else:
            bad = data.draw(st.sampled_from(WORKBOOK_BAD[column]), label="bad")
        sheet.cell(row, col).value = bad
        wb.save(path)
        cell = f"{openpyxl.utils.get_column_letter(col)}{row}"
        out = folder / "imported.toml"
        err = refused(capsys, ["scenario", "import", path, "--out", out], folder, path, None)
        assert f"sheet Inputs cell {cell}" in err, (cell, err)
        assert not out.exists()
