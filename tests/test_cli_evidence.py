"""sibrisk evidence effect | power | progression: JSON, plain text and error exits."""

from __future__ import annotations

import json

import pytest

from sibrisk import evidence
from sibrisk.cli import main
from sibrisk.evidence import progression as pr


def run(capsys, *args):
    code = main(["evidence", *args])
    out, err = capsys.readouterr()
    return code, out, err


def _fits(text: str) -> None:
    assert all(len(line) <= 80 for line in text.splitlines()), \
        max(text.splitlines(), key=len)


def test_effect_json_is_the_python_result(capsys):
    code, out, err = run(capsys, "effect", "--treated", "19/56", "--control", "48/280",
                         "--json")
    assert code == 0 and err == ""
    assert json.loads(out) == json.loads(json.dumps(
        evidence.effect((19, 56), (48, 280)).to_dict()))


def test_effect_text(capsys):
    code, out, _ = run(capsys, "effect", "--treated", "19/56", "--control", "48/280",
                       "--level", "0.9")
    assert code == 0
    for words in ("19 of 56", "33.9 %", "48 of 280", "17.1 %", "90 % intervals",
                  "+16.8 percentage points", "Newcombe", "Fisher's exact test",
                  "significant by both tests", "99.7 %"):
        assert words in out, words
    _fits(out)


def test_power_of_the_catalogues_trial(capsys):
    code, out, _ = run(capsys, "power", "--treated-rate", "35%", "--control-rate", "0.17",
                       "--n", "56", "--control-ratio", "5", "--json")
    assert code == 0
    r = json.loads(out)
    assert (r["n_treated"], r["n_control"], r["method"], r["test"]) == (56, 280, "exact", "z")
    assert r["power"] == pytest.approx(evidence.power(0.35, 0.17, 56, control_ratio=5))
    code, out, _ = run(capsys, "power", "--treated-rate", "0.35", "--control-rate", "0.17",
                       "--n", "56", "--control-n", "280", "--test", "fisher")
    assert code == 0 and "56 participants and 280 controls" in out and "80.8 %" in out
    _fits(out)


def test_sample_size(capsys):
    code, out, _ = run(capsys, "power", "--treated-rate", "0.35", "--control-rate", "0.17",
                       "--target-power", "0.8", "--control-ratio", "5", "--test", "fisher",
                       "--json")
    assert code == 0
    r = json.loads(out)
    assert (r["n_treated"], r["n_control"], r["first_n_treated"]) == (55, 275, 55)
    code, out, _ = run(capsys, "power", "--treated-rate", "0.7", "--control-rate", "0.3",
                       "--target-power", "0.8", "--control-ratio", "0.5", "--test", "fisher")
    assert code == 0
    assert "39 participants" in out and "first reaches 80 % at 35 participants" in out
    _fits(out)
    code, out, _ = run(capsys, "power", "--treated-rate", "0.35", "--control-rate", "0.17",
                       "--target-power", "0.8", "--method", "normal", "-q")
    assert code == 0 and "93 participants and 93 controls" in out


def test_progression_of_the_shipped_example_says_it_is_synthetic(capsys):
    code, out, err = run(capsys, "progression")
    assert code == 0 and err == ""
    assert out.startswith("progression_example.csv (shipped with sibrisk): synthetic")
    assert "not real participants' answers" in " ".join(out.split())
    for words in ("Herning", "Viborg", "WHO-5", "bip_cooperation", "Wilcoxon p"):
        assert words in out
    _fits(out)
    code, out, _ = run(capsys, "progression", "--json", "--by", "none", "--scale", "1:5")
    r = json.loads(out)
    assert r["synthetic"] is True and "synthetic" in r["note"]
    assert list(r["items"]) == ["who5", "bip_cooperation", "bip_health_coping",
                                "bip_job_belief"]
    (everyone,) = r["items"]["who5"]["groups"]
    ref = pr.progression(pr.example(), by=None).sel(group="all")
    assert everyone["n"] == 44 and everyone["wilcoxon_p"] == pytest.approx(
        float(ref.wilcoxon_p))


def test_progression_of_a_file(capsys, tmp_path):
    path = tmp_path / "answers.csv"
    path.write_text("id,type,wave,calm\nA,x,start,1\nA,x,end,3\nB,y,start,2\nB,y,end,2\n",
                    encoding="utf-8")
    code, out, _ = run(capsys, "progression", str(path), "--by", "type", "--json")
    assert code == 0
    r = json.loads(out)
    assert r["synthetic"] is False and "note" not in r
    groups = r["items"]["calm"]["groups"]
    assert [g["group"] for g in groups] == ["x", "y", "all"]
    code, out, _ = run(capsys, "progression", str(path), "--by", "type")
    assert code == 0 and "synthetic" not in out and "only 1 changed" in out


@pytest.mark.parametrize(("args", "words"), [
    (["effect", "--treated", "19-56", "--control", "48/280"], "--treated '19-56': write K/N"),
    (["effect", "--treated", "60/56", "--control", "48/280"], "treated k = 60: must be a "
     "whole number in [0, 56]"),
    (["effect", "--treated", "19/56", "--control", "48/280", "--level", "95"], "level = 95.0"),
    (["power", "--treated-rate", "1.5", "--control-rate", "0.17", "--n", "56"],
     "--treated-rate '1.5': a rate must be strictly between 0 and 1"),
    (["power", "--treated-rate", "abc", "--control-rate", "0.17", "--n", "56"],
     "--treated-rate 'abc': give a rate such as 0.35 or 35%"),
    (["power", "--treated-rate", "0.35", "--control-rate", "0.17", "--target-power", "0.8",
      "--control-n", "10"], "--control-n goes with --n"),
    (["power", "--treated-rate", "0.17", "--control-rate", "0.35", "--target-power", "0.8",
      "--alternative", "greater"], "must be above p_control"),
    (["progression", "nowhere.csv"], "nowhere.csv: no such file"),
    (["progression", "--scale", "1-5"], "--scale '1-5': write LOW:HIGH"),
    (["progression", "--scale", "1:3"], "line 7, bip_cooperation = 5: must be a whole number "
     "from 1 to 3"),
    (["progression", "--by", "type"], "--by 'type': must be a group column"),
])
def test_bad_input_is_one_line_and_exit_status_1(capsys, args, words):
    code, out, err = run(capsys, *args)
    assert code == 1 and out == ""
    assert err.startswith("sibrisk: error: ") and words in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_bad_usage_is_exit_status_2_and_one_line(capsys):
    for args in (["effect", "--treated", "19/56"], ["power", "--treated-rate", "0.3",
                                                    "--control-rate", "0.2"],
                 ["power", "--treated-rate", "0.3", "--control-rate", "0.2", "--n", "5",
                  "--target-power", "0.8"], ["nothing"]):
        assert main(["evidence", *args]) == 2
        err = capsys.readouterr().err
        assert err.startswith("sibrisk: error: ") and err.count("\n") == 1
        assert "--help)" in err
