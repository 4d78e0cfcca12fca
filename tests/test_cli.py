"""The sibrisk command: JSON figures, tables, scenario files and readable errors."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sibrisk.cli import main

BREAKEVEN_KEYS = {"investor_gross_employment", "marginal_effect", "decay_surplus",
                  "decay_municipality", "ordinary_effort_saving_surplus",
                  "ordinary_effort_saving_municipality", "municipal_payback_years"}


CONTRACTS = Path(__file__).parents[1] / "examples" / "contracts"

def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_account_json_has_every_figure(capsys):
    code, out, err = run(capsys, "account", "drc-sib-2023", "--json")
    assert code == 0 and err == ""
    r = json.loads(out)
    for key in ("municipal_savings", "provider_cost", "budget_surplus", "investor_surplus_share",
                "payment_per_participant", "payment_per_employed", "investor_return",
                "gross_employment", "marginal_effect", "welfare_surplus", "rates_by_type",
                "breakeven"):
        assert key in r
    assert BREAKEVEN_KEYS <= set(r["breakeven"])
    assert r["rates_by_type"]["rule"] == "catalogue"
    # the figures, within the tolerances
    assert r["payment_per_participant"] == pytest.approx(88_341, abs=1)
    assert r["payment_per_employed"] == pytest.approx(254_802, abs=1)
    assert r["rates_by_type"]["with_experience"] == pytest.approx(209_040, abs=2)
    assert r["rates_by_type"]["no_experience"] == pytest.approx(279_442, abs=2)
    be = r["breakeven"]
    assert be["investor_gross_employment"] == pytest.approx(0.291, abs=0.001)
    assert be["marginal_effect"] == pytest.approx(0.12, abs=0.001)
    assert be["ordinary_effort_saving_surplus"] == pytest.approx(0.22, abs=0.001)
    assert be["decay_surplus"] == pytest.approx(0.28, abs=0.01)
    assert be["municipal_payback_years"] == pytest.approx(8, abs=0.5)
    assert r["welfare_surplus"] == pytest.approx(80_695, rel=0.005)


def test_run_prints_the_catalogue_tables(capsys):
    code, out, _ = run(capsys, "run")
    assert code == 0
    for words in ("Table 1", "Table 6", "budget surplus", "28,353", "254,802", "209,042",
                  "whole surplus", "municipality", "80,695", "payback"):
        assert words in out


def test_account_per_cohort(capsys):
    _, out, _ = run(capsys, "account", "--per", "cohort", "--json")
    r = json.loads(out)
    assert r["budget_surplus"] == pytest.approx(56 * 28_352.6, rel=1e-5)
    assert r["payment_per_participant"] == pytest.approx(88_341, abs=1)


def test_breakeven_command(capsys):
    code, out, _ = run(capsys, "breakeven", "--vary", "effect.decay", "--output",
                       "municipal_account", "--json")
    assert code == 0
    r = json.loads(out)
    assert r["value"] == pytest.approx(0.204, abs=0.001)
    assert "municipality's own account" in r["reading"]
    code, out, _ = run(capsys, "breakeven", "--vary", "effect.decay")
    assert code == 0 and out.startswith("budget surplus reaches 0 at Decay of the effect (per "
                                        "year) = 28.46 %")
    assert "keys: effect.decay, budget_surplus" in out


def test_scenario_list_show_init(capsys, tmp_path):
    code, out, _ = run(capsys, "scenario", "list")
    assert code == 0 and "drc-sib-2023" in out
    code, out, _ = run(capsys, "scenario", "show", "drc-sib-2023")
    assert code == 0 and "[effect]" in out and "# Annual fall" in out
    path = tmp_path / "mine.toml"
    code, out, _ = run(capsys, "scenario", "init", str(path))
    assert code == 0 and path.exists()
    code, out, _ = run(capsys, "account", str(path), "--json")
    assert code == 0 and json.loads(out)["budget_surplus"] == pytest.approx(28_352.6, abs=1)
    code, _, err = run(capsys, "scenario", "init", str(path))
    assert code == 1 and "exists; use --force" in err


@pytest.mark.parametrize(("args", "words"), [
    (["account", "nowhere"], "neither a built-in scenario nor a file"),
    (["account", "missing.toml"], "missing.toml: file: no such file"),
    (["breakeven", "--vary", "effect.dcay"], "did you mean 'effect.decay'"),
    (["breakeven", "--vary", "effect.persistent_share"], "does not reach 0"),
])
def test_errors_are_one_readable_line(capsys, args, words):
    code, out, err = run(capsys, *args)
    assert code == 1 and out == ""
    assert err.startswith("sibrisk: error: ") and words in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_bad_scenario_file_names_file_key_value_and_allowed(capsys, tmp_path):
    path = tmp_path / "bad.toml"
    run(capsys, "scenario", "init", str(path))
    path.write_text(path.read_text().replace("full_effect_years = 2", "full_effect_years = -2"))
    code, _, err = run(capsys, "account", str(path))
    assert code == 1
    assert f"{path}: effect.full_effect_years = -2: must be a whole number in [0, 500]" in err


def test_console_script_runs_without_traceback():
    done = subprocess.run([sys.executable, "-m", "sibrisk", "account", "no-such-scenario"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and done.stderr.startswith("sibrisk: error:")
    done = subprocess.run([sys.executable, "-m", "sibrisk", "run", "--runs", "1000", "--json"],
                          capture_output=True, text=True, check=True)
    assert json.loads(done.stdout)["account"]["scenario"] == "drc-sib-2023"


SIMULATE_KEYS = {"investor_loss_probability", "investor_loss_probability_se",
                 "investor_return_mean", "investor_return_quantiles", "investor_var_5",
                 "investor_cvar_5", "municipal_deficit_probability", "payback_year_quantiles",
                 "payback_within_10_years_probability", "runs", "seed"}


def test_simulate_json_has_every_measure(capsys):
    code, out, err = run(capsys, "simulate", "--runs", "50000", "--seed", "1", "--json")
    assert code == 0 and err == ""
    r = json.loads(out)
    assert SIMULATE_KEYS <= set(r)
    assert r["runs"] == 50_000 and r["seed"] == 1
    assert set(r["investor_return_quantiles"]) == {"0.05", "0.5", "0.95"}
    assert 0 < r["investor_loss_probability"] < 1 and r["investor_loss_probability_se"] > 0


def test_simulate_exact_agrees_with_monte_carlo(capsys):
    _, out, _ = run(capsys, "simulate", "--runs", "200000", "--seed", "1", "--json")
    mc = json.loads(out)
    _, out, _ = run(capsys, "simulate", "--method", "exact", "--json")
    exact = json.loads(out)
    assert exact["method"] == "exact" and exact["investor_loss_probability_se"] is None
    diff = abs(mc["investor_loss_probability"] - exact["investor_loss_probability"])
    assert diff <= 3 * mc["investor_loss_probability_se"]


def test_simulate_writes_netcdf_and_text(capsys, tmp_path):
    path = tmp_path / "runs.nc"
    code, out, _ = run(capsys, "simulate", "--runs", "2000", "--seed", "4", "--out", str(path))
    assert code == 0 and path.exists()
    assert "probability of losing money" in out and f"wrote every run to {path}" in out
    code, _, err = run(capsys, "simulate", "--runs", "10", "--out", str(tmp_path / "x.csv"))
    assert code == 1 and "must end in .nc" in err
    code, _, err = run(capsys, "simulate", "--runs", "0")
    assert code == 2 and "argument --runs: '0': must be a whole number >= 1" in err


def test_run_prints_account_and_risk(capsys):
    code, out, _ = run(capsys, "run", "--runs", "20000", "--seed", "2", "--json")
    r = json.loads(out)
    assert code == 0 and set(r) == {"account", "risk"}
    assert r["risk"]["runs"] == 20_000
    assert r["account"]["payment_per_employed"] == pytest.approx(254_802, abs=1)


def test_quiet_leaves_standard_error_empty(capsys, tmp_path):
    """--quiet, on every command: no progress bar or notes, the results as before."""
    code, out, err = run(capsys, "run", "--runs", "2000", "--seed", "1", "--json", "--quiet",
                         "--out", str(tmp_path / "report"))
    assert code == 0 and err == "" and json.loads(out)["risk"]["runs"] == 2000
    code, out, err = run(capsys, "sweep", "--axis", "effect.decay=0.1,0.2", "--runs", "500",
                         "--seed", "1", "--quiet")
    assert code == 0 and err == "" and out
    code, out, err = run(capsys, "scenario", "list", "--quiet")
    assert code == 0 and "drc-sib-2023" in out


@pytest.mark.parametrize("args", [
    ("run", "--runs", "2000", "--seed", "1"),
    ("run", "--runs", "2000", "--seed", "1", "--lang", "da"),
    ("account",),
    ("breakeven", "--vary", "effect.decay"),
    ("sensitivity", "--n", "64"),
    ("settle", str(CONTRACTS / "tranches.toml")),
    ("simulate", "--runs", "2000", "--seed", "1", "--contract", str(CONTRACTS / "tranches.toml"),
     "--contract", str(CONTRACTS / "loan.toml")),
    ("sweep", "--contract", str(CONTRACTS / "tranches.toml"), "--runs", "1000", "--seed", "1",
     "--axis", "capital.tranches[0].coupon=0.03,0.05", "--axis", "capital.guarantee.amount=0,1e6"),
])
def test_terminal_text_fits_80_columns(capsys, args):
    """The reports fit an 80-column terminal: long labels and prose wrapped, wide tables
    set closer or split."""
    code, out, _ = run(capsys, *args, "--quiet")
    assert code == 0
    assert max(len(line) for line in out.splitlines()) <= 80


def test_danish_terminal_report(capsys):
    """--lang da: the tables and headings in Danish, with the catalogue's terms, and
    numbers in Danish style; the same numbers as the English report."""
    import re

    _, en, _ = run(capsys, "run", "--runs", "2000", "--seed", "1", "--quiet")
    code, da, _ = run(capsys, "run", "--runs", "2000", "--seed", "1", "--quiet", "--lang", "da")
    assert code == 0
    for term in ("Tabel 1", "Budgetøkonomisk regnskab", "Samfundsøkonomisk regnskab",
                 "Resultatbetaling", "dødvægt", "tilbagebetalingsår", "Risiko", "kørsler",
                 "28.353", "254.802", "19,1 %"):
        assert term in da, term
    # no English label left (the scenario's own title and type names are the user's)
    body = "\n".join(line for line in da.splitlines()[2:] if "_experience" not in line)
    for word in ("Table", "probability", "prices", "account", "payment", "share", "horizon",
                 "return", "quantile", "surplus", "municipality", "per "):
        assert word not in body, word
    assert not re.search(r"\d,\d{3}\b|\d\.\d %", da)  # no English-style numbers
    _same_numbers(en, da)


def _same_numbers(en: str, da: str) -> None:
    """The Danish text has the English text's numbers, number by number, with Danish
    separators."""
    import re

    number = re.compile(r"-?\d+(?:[.,]\d+)*")
    assert number.findall(da.replace("2021-priser", "2021 prices")) == [
        n.translate(str.maketrans(",.", ".,")) for n in number.findall(en)]


def test_scenario_show_and_inputs_as_json(capsys):
    """--json on scenario show (the scenario, loadable again) and inputs (each input with
    its value and its distribution, if uncertain)."""
    import sibrisk

    code, out, _ = run(capsys, "scenario", "show", "--json")
    again = sibrisk.Scenario.from_dict(json.loads(out))
    assert code == 0 and again.to_toml() == sibrisk.load_scenario("drc-sib-2023").to_toml()
    code, out, _ = run(capsys, "scenario", "inputs", "--json")
    rows = {r["input"]: r for r in json.loads(out)}
    assert rows["effect.decay"]["distribution"]["kind"] == "pert"
    assert rows["types.with_experience.gross_employment"]["distribution"] == {
        "kind": "evidence", "successes": 10, "trials": 19, "prior": "jeffreys"}
    assert rows["cohort.size"] == {"input": "cohort.size", "label": "Participants in the cohort",
                                   "value": 56, "distribution": None}


def test_danish_sweep_and_contract_risk(capsys):
    """--lang da on sweep and on simulate --contract: Danish headings and Danish numbers,
    the same numbers as in English."""
    import re

    sweep = ["sweep", "--axis", "effect.decay=0.1,0.2", "--runs", "1000", "--seed", "1", "-q"]
    _, en, _ = run(capsys, *sweep)
    code, da, _ = run(capsys, *sweep, "--lang", "da")
    assert code == 0 and "Gennemløb af scenariet" in da and "P(kommunalt" in da
    _same_numbers(en, da)
    sim = ["simulate", "--runs", "2000", "--seed", "1", "-q", "--contract",
           str(CONTRACTS / "loan.toml")]
    code, da, _ = run(capsys, *sim, "--lang", "da")
    assert code == 0 and "Kontrakterne side om side" in da and "forventet nutidsværdi" in da
    assert not re.search(r"\d,\d{3}\b|\d\.\d %", da)
    for word in ("expected", "probability", "Contract"):
        assert word not in da, word
