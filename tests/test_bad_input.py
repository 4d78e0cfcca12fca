"""Bad input, class by class: one clear line, never a traceback, never a silent accept.

Each test stands for a class of broken input (issue 14, section 1); the property test
in tests/test_bad_input_fuzz.py mutates whole files.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import sibrisk
from sibrisk._io import parse_data
from sibrisk._limits import memory_limit, size_text
from sibrisk.cli import main
from sibrisk.cli._common import RUNS, SEED, real, whole
from sibrisk.engine.sweep import POINT_BYTES
from sibrisk.errors import ContractError, Problem, ScenarioError, SibriskError, _show

ROOT = Path(__file__).parents[1]
CONTRACTS = ROOT / "examples" / "contracts"
CSV = ROOT / "src" / "sibrisk" / "evidence" / "data" / "progression_example.csv"
SRC = str(Path(sibrisk.__file__).parents[1])


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def one_line(code, err, status=1):
    assert code == status, err
    assert err.startswith("sibrisk: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


@pytest.fixture
def scenario_file(tmp_path):
    path = tmp_path / "my.toml"
    path.write_text(sibrisk.load_scenario("drc-sib-2023").to_toml())
    return path


@pytest.fixture
def contracts(tmp_path):
    for p in CONTRACTS.glob("*.toml"):
        shutil.copy(p, tmp_path / p.name)
    return tmp_path


def contract(tmp_path, text, name="c.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


RATE = 'payments = [{kind = "rate_card", rates = {employed = 1000}}]\n'


# ---------------------------------------------------------------------------
# Silently accepted
# ---------------------------------------------------------------------------
def test_an_option_given_twice_is_refused(capsys):
    err = one_line(*run(capsys, "simulate", "--runs", "1000", "--runs", "10")[::2], status=2)
    assert "argument --runs: given twice" in err and "sibrisk simulate --help" in err
    err = one_line(*run(capsys, "account", "--json", "--json")[::2], status=2)
    assert "--json: given twice" in err


def test_an_axis_given_twice_for_one_input_is_refused(capsys):
    err = one_line(*run(capsys, "sweep", "--axis", "contract.investor_surplus_share=0.1,0.2",
                        "--axis", "contract.investor_surplus_share=0.3", "--runs", "100",
                        "-q")[::2])
    assert "--axis contract.investor_surplus_share: given 2 times" in err


@pytest.mark.parametrize("args", [
    ["simulate", "--out", ""], ["run", "--out", " "], ["simulate", ""],
    ["evidence", "progression", "--scale", ""], ["sweep", "--axis", "", "-q"],
    ["breakeven", "--vary", ""], ["settle", ""], ["sweep", "--axis", "effect.decay=0.1",
                                                  "--xlsx", ""],
])
def test_an_empty_value_is_refused_before_any_work(capsys, tmp_path, args):
    os.chdir(tmp_path)
    err = one_line(*run(capsys, *args)[::2], status=2)
    assert "empty; give a value" in err
    assert list(tmp_path.iterdir()) == []


def test_a_value_of_the_wrong_type_is_reported_in_a_valid_contract(tmp_path, capsys):
    path = contract(tmp_path, 'name = "x"\ndescription = 123\n' + RATE)
    err = one_line(*run(capsys, "settle", path, "--scenario", "drc-sib-2023")[::2])
    assert f"{path}: description = 123: must be a string" in err


def test_counts_and_rates_a_contract_does_not_use_are_still_checked(contracts, capsys):
    outcomes = (contracts / "outcomes.toml").read_text()
    bad = contracts / "bad.toml"
    bad.write_text(outcomes.replace("sustained_13w = { with_experience = 5",
                                    'sustained_13w = { with_experience = "5"', 1))
    err = one_line(*run(capsys, "settle", contracts / "standard.toml", "--outcomes", bad)[::2])
    assert "cohorts.herning.sustained_13w.with_experience = '5'" in err
    bad.write_text(outcomes.replace("employed = 0.17", "employed = 1.7", 1))
    err = one_line(*run(capsys, "settle", contracts / "standard.toml", "--outcomes", bad)[::2])
    assert "cohorts.herning.comparison.employed = 1.7: must be a proportion" in err


# ---------------------------------------------------------------------------
# Tracebacks
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("command", [
    ["run"], ["simulate"], ["sweep", "--axis", "effect.decay=0.1"], ["sensitivity"],
    ["solve", "--vary", "contract.investor_surplus_share", "--target",
     "investor_loss_probability=0.1"],
])
@pytest.mark.parametrize(("seed", "words"), [("-1", "must be a whole number from 0"),
                                             ("1.5", "is not a whole number"),
                                             ("nan", "is not a whole number"),
                                             ("2e40", "must be a whole number from 0")])
def test_a_bad_seed_is_one_line_on_every_command(capsys, command, seed, words):
    err = one_line(*run(capsys, *command, "--seed", seed, "-q")[::2], status=2)
    assert f"argument --seed: '{seed}'" in err and words in err


@pytest.mark.parametrize("command", [
    ["run"], ["simulate"], ["sweep", "--axis", "effect.decay=0.1"],
    ["solve", "--vary", "contract.investor_surplus_share", "--target",
     "investor_loss_probability=0.1"],
])
def test_runs_beyond_memory_are_refused_with_the_estimate_and_the_limit(capsys, command):
    err = one_line(*run(capsys, *command, "--runs", "1e20", "--seed", "1", "-q")[::2])
    assert "runs = 100,000,000,000,000,000,000: would need about" in err
    assert f"more than the {size_text(memory_limit())} of this machine" in err


def test_whole_numbers_may_be_written_1e5_but_must_be_exact():
    assert RUNS("1e5") == RUNS("100_000") == RUNS("100000") == 100_000
    for text in ("1.5", "1e-3", "nan", "inf", "x", "0", "-5", "1e999999999"):
        with pytest.raises(argparse.ArgumentTypeError):
            RUNS(text)
    assert SEED("0") == 0 and SEED(str(2**128 - 1)) == 2**128 - 1
    with pytest.raises(argparse.ArgumentTypeError, match="from 0 to 2\\^128 - 1"):
        SEED(str(2**128))
    assert whole(2, 10)("1e1") == 10
    for text in ("nan", "inf", "-inf", "1e400", "x"):
        with pytest.raises(argparse.ArgumentTypeError):
            real()(text)
    with pytest.raises(argparse.ArgumentTypeError, match=r"in \(0, 1\)"):
        real(0, 1, open_low=True, open_high=True)("1")


def test_whole_runs_written_as_1e3_give_the_same_numbers(capsys):
    _, a, _ = run(capsys, "simulate", "--runs", "2e3", "--seed", "3", "--json", "-q")
    _, b, _ = run(capsys, "simulate", "--runs", "2000", "--seed", "3", "--json", "-q")
    assert json.loads(a) == json.loads(b)


def test_a_sweep_too_large_for_memory_is_refused_before_allocating(capsys):
    err = one_line(*run(capsys, "sweep", "--axis", "contract.investor_surplus_share=0:1:1e11",
                        "-q")[::2])
    need = size_text(10**11 * POINT_BYTES[False])
    assert f"100,000,000,000 points: would need about {need} of memory" in err
    assert f"the {size_text(memory_limit())} of this machine" in err
    with pytest.raises(SibriskError, match="points: would need"):
        sibrisk.sweep("drc-sib-2023", {"effect.decay": range(10**6),
                                       "contract.investor_surplus_share": range(10**6)})


def test_a_scheduler_that_is_not_an_address_is_one_line(capsys):
    err = one_line(*run(capsys, "sweep", "--axis", "effect.decay=0.1", "--scheduler",
                        "not-an-address", "-q")[::2])
    assert "--scheduler 'not-an-address': cannot connect" in err


@pytest.mark.parametrize("by", ["wave", "participant", "who5_1", "[1]"])
def test_progression_by_a_column_that_is_not_a_group_is_one_line(capsys, by):
    err = one_line(*run(capsys, "evidence", "progression", "--by", by)[::2])
    assert f"--by {by!r}: must be a group column" in err


@pytest.mark.parametrize(("text", "key"), [
    ('metrics = [{name = "s", of = ["employed"], retention = 0.5}]\n', "metrics[0].of"),
    ('metrics = [{name = ["s"], of = "employed", retention = 0.5}]\n', "metrics[0].name"),
    ('metrics = 5\n', "metrics"),
    ('payments = [{kind = "surplus_share", metric = ["employed"]}]\n', "payments[0].metric"),
    ('payments = [{kind = "rate_card", rates = {employed = 1}, trigger = {metric = '
     '{a = 1}, pooled_at_least = 0.1}}]\n', "payments[0].trigger.metric"),
    ('payments = [{kind = ["rate_card"]}]\n', "payments[0].kind"),
])
def test_a_list_or_table_where_a_name_belongs_is_one_line(tmp_path, capsys, text, key):
    body = text if text.startswith("payments") else text + RATE
    path = contract(tmp_path, 'name = "x"\nscenario = "drc-sib-2023"\n' + body)
    err = one_line(*run(capsys, "settle", path)[::2])
    assert f"{path}: " in err and key in err


@pytest.mark.parametrize("depth", [40, 600, 100_000])
@pytest.mark.parametrize("form", ["array", "table"])
def test_deep_nesting_is_one_line_naming_the_file(tmp_path, capsys, depth, form):
    path = tmp_path / "deep.toml"
    opened, closed = ("[", "]") if form == "array" else ("{a = ", "}")
    path.write_text(sibrisk.load_scenario("drc-sib-2023").to_toml()
                    + f"deep = {opened * depth}1{closed * depth}\n")
    err = one_line(*run(capsys, "account", path)[::2])
    assert f"{path}: " in err and "nested deeper than 32 levels" in err
    js = tmp_path / "deep.json"
    js.write_text('{"cohorts": ' + "[" * depth + "]" * depth + "}")
    err = one_line(*run(capsys, "settle", CONTRACTS / "standard.toml", "--outcomes", js)[::2])
    assert f"{js}: " in err and "nested deeper than 32 levels" in err


def test_the_error_printer_is_safe_at_any_depth_and_size():
    deep: list = []
    node = deep
    for _ in range(100_000):
        node.append([])
        node = node[0]
    table: dict = {}
    node2 = table
    for _ in range(100_000):
        node2["a"] = {}
        node2 = node2["a"]
    for value in (deep, table, 10**100_000, "x" * 10**6, list(range(10**6))):
        shown = _show(value)
        assert len(shown) <= 120 and "\n" not in shown
    message = str(ScenarioError("f.toml", [Problem("k", deep, "bad"), Problem("t", table, "")]))
    assert len(message) < 400


def _interrupted_at(target: str, *args: str) -> subprocess.CompletedProcess:
    """The command as its console script runs it, with Ctrl-C arriving while ``target``
    is imported."""
    script = textwrap.dedent(f"""
        import importlib.abc, os, signal, sys
        class Interrupt(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path, target=None):
                if name == {target!r}:
                    os.kill(os.getpid(), signal.SIGINT)
        sys.meta_path.insert(0, Interrupt())
        sys.argv = ["sibrisk", *{list(args)!r}]
        from sibrisk.cli import main
        sys.exit(main())
    """)
    env = {**os.environ, "PYTHONPATH": SRC}
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, timeout=300, check=False)


@pytest.mark.skipif(not hasattr(signal, "SIGINT") or os.name == "nt", reason="POSIX signals")
@pytest.mark.parametrize("target, command", [
    ("argparse", "account"),  # importing the command line
    ("sibrisk.cli._common", "account"),
    ("sibrisk.scenario.spec", "account"),  # a handler's imports
    ("numpy", "account"),
    ("sibrisk.metrics.account", "account"),
    ("xarray", "simulate"),  # the account needs no xarray; a simulation does
    ("numba", "simulate"),
])
def test_ctrl_c_during_start_up_is_one_line_and_status_130(target, command):
    done = _interrupted_at(target, command, "--json")
    assert done.returncode == 130, done.stderr
    assert done.stderr == "sibrisk: interrupted\n"
    assert done.stdout == ""


@pytest.mark.skipif(os.name == "nt", reason="POSIX signals")
def test_ctrl_c_while_a_file_is_written_leaves_no_file(tmp_path):
    out = tmp_path / "new.toml"
    script = textwrap.dedent(f"""
        import os, signal, sys
        sys.argv = ["sibrisk", "scenario", "init", {str(out)!r}]
        from sibrisk.cli import main
        import sibrisk.report.netcdf, sibrisk.scenario.spec
        write = sibrisk.report.netcdf.atomic_write
        def interrupted(path, how):  # Ctrl-C once the file is half written
            return write(path, lambda tmp: (how(tmp), os.kill(os.getpid(), signal.SIGINT)))
        sibrisk.scenario.spec.atomic_write = interrupted
        sys.exit(main())
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": SRC}, timeout=300, check=False)
    assert done.returncode == 130 and done.stderr == "sibrisk: interrupted\n", done.stderr
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------
# Vague
# ---------------------------------------------------------------------------
def test_errors_name_the_file_a_scenario_came_from(scenario_file, capsys):
    err = one_line(*run(capsys, "sweep", scenario_file, "--axis", "effect.decai=0.1,0.2",
                        "-q")[::2])
    assert err.startswith(f"sibrisk: error: {scenario_file}: input = 'effect.decai'")
    err = one_line(*run(capsys, "breakeven", scenario_file, "--vary", "cohort.composition")[::2])
    assert f"{scenario_file}" in err
    err = one_line(*run(capsys, "sweep", scenario_file, "--axis", "effect.decay=7", "-q")[::2])
    assert f"{scenario_file} (changed effect.decay): effect.decay = 7" in err


def test_a_contract_naming_an_unknown_scenario_names_the_contract_file(tmp_path, capsys):
    path = contract(tmp_path, 'name = "x"\nscenario = "nope.toml"\n' + RATE)
    for args in (["simulate", "--contract", path, "-q"], ["settle", path],
                 ["sweep", "--contract", path, "--axis", "payments[0].rates.employed=1,2",
                  "-q"]):
        err = one_line(*run(capsys, *args)[::2])
        assert err.startswith(f"sibrisk: error: {path}: scenario = ") and "nope.toml" in err


def test_a_misspelt_participant_type_is_named_with_a_suggestion(tmp_path, contracts, capsys):
    path = contract(tmp_path, 'name = "x"\nscenario = "drc-sib-2023"\npayments = [{kind = '
                    '"rate_card", rates = {employed = {with_experiense = 1, no_experience '
                    '= 2}}}]\n')
    err = one_line(*run(capsys, "settle", path)[::2])
    assert "'with_experiense' is not one (did you mean 'with_experience'?)" in err
    bad = contracts / "bad.toml"
    bad.write_text((contracts / "outcomes.toml").read_text().replace(
        "participants = { with_experience", "participants = { with_experince", 1))
    err = one_line(*run(capsys, "settle", contracts / "standard.toml", "--outcomes", bad)[::2])
    assert "'with_experince' is not one (did you mean 'with_experience'?)" in err


def test_an_empty_scenario_name_never_reads_the_current_folder(capsys):
    with pytest.raises(ScenarioError, match="empty"):
        sibrisk.load_scenario("")
    err = one_line(*run(capsys, "account", "")[::2], status=2)
    assert "argument SCENARIO: empty" in err


def test_long_errors_list_a_few_problems_then_count_the_rest(tmp_path, capsys):
    path = tmp_path / "many.toml"
    path.write_text(sibrisk.load_scenario("drc-sib-2023").to_toml() + "\n".join(
        f'zz{i} = "{"v" * 100_000}"' for i in range(2000)))
    err = one_line(*run(capsys, "account", path)[::2])
    assert "2000 problems" in err and "; and 1995 more" in err
    assert len(err) < 1200


@pytest.mark.parametrize(("given", "args", "words"), [
    ("standard.toml", ["account"], "this looks like a contract file, not a scenario file"),
    ("outcomes.toml", ["simulate"], "this looks like an outcomes file, not a scenario file"),
    ("drc-two-municipalities.toml", ["settle"], "this looks like a scenario file, not a "
     "contract file"),
])
def test_a_file_given_in_the_wrong_place_is_named_for_what_it_is(contracts, capsys, given,
                                                                 args, words):
    err = one_line(*run(capsys, *args, contracts / given)[::2])
    assert words in err and "problems" not in err
    err = one_line(*run(capsys, "settle", contracts / "standard.toml", "--outcomes",
                        contracts / "standard.toml")[::2])
    assert "this looks like a contract file, not an outcomes file" in err


# ---------------------------------------------------------------------------
# What real editors write
# ---------------------------------------------------------------------------
BOM = b"\xef\xbb\xbf"


def test_a_byte_order_mark_is_accepted_in_every_input_file(tmp_path, contracts, capsys):
    scenario = tmp_path / "bom.toml"
    scenario.write_bytes(BOM + sibrisk.load_scenario("drc-sib-2023").to_toml().encode())
    _, plain, _ = run(capsys, "account", "--json")
    code, out, err = run(capsys, "account", scenario, "--json")
    assert code == 0 and json.loads(out) == json.loads(plain), err
    for name in ("standard.toml", "outcomes.toml"):
        path = contracts / name
        path.write_bytes(BOM + path.read_bytes())
    js = contracts / "outcomes.json"
    js.write_bytes(BOM + json.dumps(sibrisk._io.tomllib.loads(
        (CONTRACTS / "outcomes.toml").read_text())).encode())
    code, a, err = run(capsys, "settle", contracts / "standard.toml", "--outcomes",
                       contracts / "outcomes.toml", "--json")
    assert code == 0, err
    code, b, err = run(capsys, "settle", contracts / "standard.toml", "--outcomes", js, "--json")
    assert code == 0, err
    assert json.loads(a)["total_paid"] == json.loads(b)["total_paid"]
    csv = tmp_path / "bom.csv"
    csv.write_bytes(BOM + CSV.read_bytes())
    code, out, err = run(capsys, "evidence", "progression", csv, "--json")
    assert code == 0, err


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_separated_csv_give_the_same_results(tmp_path, capsys, delimiter):
    path = tmp_path / "answers.csv"
    path.write_text("".join(line if line.startswith("#") else line.replace(",", delimiter)
                            for line in CSV.read_text().splitlines(keepends=True)))
    _, comma, _ = run(capsys, "evidence", "progression", CSV, "--json")
    code, other, err = run(capsys, "evidence", "progression", path, "--json")
    assert code == 0, err
    a, b = json.loads(comma), json.loads(other)
    assert a["items"].keys() == b["items"].keys()
    assert all(a["items"][k]["groups"] == b["items"][k]["groups"] for k in a["items"])
    bad = tmp_path / "bad.csv"
    bad.write_text(path.read_text().replace(f"H01{delimiter}Herning{delimiter}start{delimiter}5",
                                            f"H01{delimiter}Herning{delimiter}start{delimiter}9"))
    err = one_line(*run(capsys, "evidence", "progression", bad)[::2])
    assert f"{bad}, line 6, who5_1 = '9'" in err


# ---------------------------------------------------------------------------
# Validate at the boundary: every file, every value
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(("content", "words"), [
    (b"\xff\xfe" + "name = 1".encode("utf-16-le"), "is UTF-16 text; save it as UTF-8"),
    (b'name = "caf\xe9"\n', "not UTF-8 text (byte 0xe9 on line 1)"),
    (b"name = 1\x00\n", "holds NUL bytes"),
    (b"", "is empty"),
    (b"a = 99999999999999999999\n", "a = 99999999999999999999: a whole number beyond the "
     "64-bit range"),
    (b"a = 1" + b"0" * 5000 + b"\n", "not valid TOML"),
    (b"a = [1, 2\n", "not valid TOML"),
])
def test_a_file_that_is_not_readable_toml_is_one_line_naming_it(tmp_path, capsys, content,
                                                                words):
    path = tmp_path / "x.toml"
    path.write_bytes(content)
    for args in (["account", path], ["settle", path], ["settle", CONTRACTS / "standard.toml",
                                                       "--outcomes", path]):
        err = one_line(*run(capsys, *args)[::2])
        assert err.startswith(f"sibrisk: error: {path}: ") and words in err, err


def test_folders_missing_files_and_json_nan_are_one_line(tmp_path, capsys):
    err = one_line(*run(capsys, "account", tmp_path)[::2])
    assert f"{tmp_path}: file: is a folder" in err
    err = one_line(*run(capsys, "evidence", "progression", tmp_path)[::2])
    assert f"{tmp_path}: is a folder" in err
    js = tmp_path / "o.json"
    js.write_text('{"cohorts": {"a": {"participants": {"with_experience": NaN}}}}')
    err = one_line(*run(capsys, "settle", CONTRACTS / "standard.toml", "--outcomes", js)[::2])
    assert "cohorts.a.participants.with_experience = nan: NaN and Infinity are not" in err
    js.write_text("[1, 2]")
    err = one_line(*run(capsys, "settle", CONTRACTS / "standard.toml", "--outcomes", js)[::2])
    assert "must hold an object" in err


@pytest.mark.parametrize(("args", "words"), [
    (["breakeven", "--vary", "effect.decay", "--target", "inf"], "--target: 'inf'"),
    (["evidence", "effect", "--treated", "19/56", "--control", "48/280", "--level", "nan"],
     "--level: 'nan'"),
    (["evidence", "power", "--treated-rate", "0.3", "--control-rate", "0.2", "--n", "-5"],
     "--n: '-5'"),
    (["evidence", "power", "--treated-rate", "0.3", "--control-rate", "0.2", "--n", "1e20"],
     "must be a whole number from 1 to 2^53"),
    (["sensitivity", "--level", "1.5"], "--level: '1.5': must be a number in (0, 1)"),
    (["solve", "--vary", "contract.investor_surplus_share", "--target",
      "investor_loss_probability=0.1", "--bounds", "0", "nan"], "--bounds: 'nan'"),
    (["simulate", "--comparison-size", "0"], "--comparison-size: '0'"),
])
def test_numbers_on_the_command_line_are_checked_before_any_work(capsys, args, words):
    err = one_line(*run(capsys, *args)[::2], status=2)
    assert words in err


def test_huge_counts_in_the_evidence_are_one_line(capsys):
    err = one_line(*run(capsys, "evidence", "effect", "--treated", f"19/{10**23}", "--control",
                        "48/280")[::2])
    assert "must be a whole number from 1 to 2^53" in err


def test_whole_numbers_beyond_64_bits_are_refused_in_dicts_too():
    data = sibrisk.load_scenario("drc-sib-2023").to_dict()
    data["cohort"]["size"] = 10**30
    with pytest.raises(ScenarioError, match="cohort.size = .*within 64 bits"):
        sibrisk.Scenario.from_dict(data)
    data["cohort"]["size"] = 56
    data["municipality"] = {**data["municipality"], "saving_per_employed_year": 10**400}
    with pytest.raises(ScenarioError, match="saving_per_employed_year"):
        sibrisk.Scenario.from_dict(data)


def test_parse_data_names_the_key_of_a_number_beyond_64_bits():
    def fail(key, value, allowed):
        return ContractError("f.toml", [Problem(key, value, allowed)])
    with pytest.raises(ContractError, match=r"f.toml: a.b\[1\] = 18446744073709551616"):
        parse_data("a = {b = [1, 18446744073709551616]}", "TOML", fail)
