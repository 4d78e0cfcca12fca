"""sibrisk.evidence.progression: WHO-5 scoring and bands, questionnaire files, the paired analysis
(the exact signed-rank test against every sign pattern, and scipy) and the synthetic
example's published aggregates."""

from __future__ import annotations

import importlib
import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

import sibrisk.evidence.progression as pr
from sibrisk.errors import DataFileError, EvidenceError

ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------------------
# WHO-5
# ---------------------------------------------------------------------------
def test_who5_score_is_four_times_the_sum():
    assert pr.who5_score([0, 0, 0, 0, 0]) == 0
    assert pr.who5_score([5, 5, 5, 5, 5]) == 100
    assert pr.who5_score((3, 3, 2, 4, 3)) == 60
    assert pr.who5_score(np.array([1, 2, 3, 4, 5])) == 60
    assert pr.who5_score(["1", "2", "3", "4", 5.0]) == 60
    rows = pr.who5_score([[0, 0, 0, 0, 1], [5, 5, 5, 5, 4]])
    assert rows.tolist() == [4, 96]


@given(st.lists(st.integers(0, 5), min_size=5, max_size=5))
def test_who5_score_is_a_multiple_of_four_from_0_to_100(items):
    score = pr.who5_score(items)
    assert score % 4 == 0 and 0 <= score <= 100 and score == 4 * sum(items)
    assert pr.who5_band(score) in {name for name, _, _ in pr.WHO5_BANDS}


@pytest.mark.parametrize(("items", "kw", "words"), [
    ([1, 2, 6, 0, 0], {}, "who5_3 = 6: must be a whole number from 0 to 5"),
    ([1, 2, 3, -1, 0], {"participant": "H07"}, "participant H07, who5_4 = -1"),
    ([1, 2.5, 3, 1, 0], {}, "who5_2 = 2.5"),
    ([1, "x", 3, 1, 0], {}, "who5_2 = 'x'"),
    ([True, 2, 3, 1, 0], {}, "who5_1 = True"),
    ([1, 2, 3, 4], {}, "must be five answers"),
    ([[1, 2, 3, 4, 5], [1, 2, 9, 4, 5]], {}, "participant row 2, who5_3 = 9"),
])
def test_invalid_who5_answers_are_named(items, kw, words):
    with pytest.raises(EvidenceError) as info:
        pr.who5_score(items, **kw)
    assert words in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize(("score", "band"), [
    (0, "high risk"), (32, "high risk"), (35, "high risk"), (35.9, "high risk"),
    (36, "risk"), (48, "risk"), (50, "risk"), (50.5, "no immediate risk"),
    (52, "no immediate risk"), (100, "no immediate risk"),
])
def test_who5_bands(score, band):
    assert pr.who5_band(score) == band


@pytest.mark.parametrize("score", [-4, 101, math.nan, "50", None])
def test_who5_band_rejects_what_is_not_a_score(score):
    with pytest.raises(EvidenceError, match="score = "):
        pr.who5_band(score)


# ---------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------
HEADER = "id,municipality,wave,who5_1,who5_2,who5_3,who5_4,who5_5,trust\n"


def _write(tmp_path, rows: str, header: str = HEADER) -> Path:
    path = tmp_path / "answers.csv"
    path.write_text(header + rows, encoding="utf-8")
    return path


ROWS = """\
A,North,start,1,1,1,1,1,2
A,North,end,2,2,2,2,2,3
B,North,start,3,3,3,3,3,4
B,North,end,3,3,3,3,3,4
C,South,start,2,2,2,2,2,1
C,South,end,1,1,1,1,1,
D,South,start,4,4,4,4,4,3
"""


def test_read_questionnaires_layout(tmp_path):
    ds = pr.read_questionnaires(_write(tmp_path, ROWS))
    assert ds.sizes == {"participant": 4, "wave": 2}
    assert list(ds.participant.values) == ["A", "B", "C", "D"]
    assert list(ds.municipality.values) == ["North", "North", "South", "South"]
    assert ds.attrs["items"] == "who5_1,who5_2,who5_3,who5_4,who5_5,trust"
    assert ds.line.sel(participant="D").values.tolist() == [8, 0]  # no end questionnaire
    assert math.isnan(ds.trust.sel(participant="C", wave="end"))  # not answered
    assert ds.who5_1.sel(participant="A", wave="end") == 2


def test_paired_keeps_participants_with_both_questionnaires(tmp_path):
    ds = pr.read_questionnaires(_write(tmp_path, ROWS))
    who5 = pr.paired(ds)
    assert list(who5.participant.values) == ["A", "B", "C"]
    assert who5.start.values.tolist() == [20, 60, 40]
    assert who5.change.values.tolist() == [20, 0, -20]
    assert who5.attrs["without_pair"] == 1
    trust = pr.paired(ds, "trust", scale=(1, 5))
    assert list(trust.participant.values) == ["A", "B"]  # C did not answer at the end
    assert trust.attrs["scale"] == "1 to 5"


@pytest.mark.parametrize(("rows", "words"), [
    (ROWS.replace("D,South,start", "D,South,middle"), "answers.csv, line 8, wave = 'middle': "
     "must be start or end"),
    (ROWS + "A,North,end,1,1,1,1,1,1\n", "line 9, wave = 'end': participant A has a end "
     "questionnaire already, on line 3"),
    (ROWS.replace("B,North,end,3,3,3", "B,North,end,3,3,7"), "line 5, who5_3 = '7': must be "
     "a whole number from 0 to 5 (a WHO-5 item)"),
    (ROWS.replace("A,North,end,2,2,2,2,2,3", "A,North,end,2,2,2,2,2,lots"), "line 3, trust = "
     "'lots': must be a whole number (or empty: not answered)"),
    (ROWS.replace("C,South,end", "C,North,end"), "line 7, municipality = 'North': "
     "participant C has municipality = 'South' on line 6"),
    (ROWS.replace("A,North,start", ",North,start"), "line 2, id = '': must not be empty"),
])
def test_a_bad_file_names_file_line_column_and_value(tmp_path, rows, words):
    with pytest.raises(DataFileError) as info:
        pr.read_questionnaires(_write(tmp_path, rows))
    assert words in str(info.value) and "\n" not in str(info.value)


def test_a_file_without_wave_or_with_part_of_who5(tmp_path):
    with pytest.raises(DataFileError, match="no column wave in the header"):
        pr.read_questionnaires(_write(tmp_path, "A,x\n", "id,who5\n"))
    with pytest.raises(DataFileError, match="no column who5_4, who5_5: give all five"):
        pr.read_questionnaires(_write(tmp_path, "A,start,1,1,1\n",
                                      "id,wave,who5_1,who5_2,who5_3\n"))
    with pytest.raises(DataFileError, match="no item columns"):
        pr.read_questionnaires(_write(tmp_path, "A,start,X\n", "id,wave,municipality\n"))


def test_a_partly_answered_who5_is_an_error_naming_line_and_item(tmp_path):
    ds = pr.read_questionnaires(_write(tmp_path, ROWS.replace("B,North,end,3,3,3,3,3",
                                                              "B,North,end,3,3,,3,3")))
    with pytest.raises(DataFileError, match=r"answers.csv, line 5, who5_3: not answered; a "
                       "WHO-5 score needs all five items"):
        pr.paired(ds)
    assert pr.paired(ds, "trust").sizes["participant"] == 2  # other items are still fine


def test_answers_outside_the_scale_given(tmp_path):
    ds = pr.read_questionnaires(_write(tmp_path, ROWS))
    with pytest.raises(DataFileError, match="line 4, trust = 4: must be a whole number from 1 "
                       "to 3 .the scale given."):
        pr.progression(ds, "trust", scale=(1, 3))
    for bad in ((3, 1), (1,), "1-5", (1, 2.5)):
        with pytest.raises(EvidenceError, match="scale = "):
            pr.progression(ds, "trust", scale=bad)
    with pytest.raises(EvidenceError, match="item = 'calm': must be 'who5' or an item column"):
        pr.progression(ds, "calm")
    with pytest.raises(EvidenceError, match="by = 'type': must be a group column"):
        pr.progression(ds, by="type")


# ---------------------------------------------------------------------------
# The paired analysis
# ---------------------------------------------------------------------------
def test_wilcoxon_and_shares_agree_with_references_on_the_example():
    """The p-value is the exact signed-rank test (checked against every sign pattern in
    test_signed_rank_p_is_the_exact_test) and near scipy's normal approximation."""
    ds = pr.example()
    for item in ("who5", "bip_cooperation"):
        result = pr.progression(ds, item, scale=None if item == "who5" else (1, 5))
        pairs = pr.paired(ds, item)
        for group in result.group.values:
            pick = (np.ones(pairs.sizes["participant"], bool) if group == "all"
                    else pairs.municipality.values == group)
            change = pairs.change.values[pick]
            row = result.sel(group=group)
            assert int(row.n) == change.size
            assert float(row.wilcoxon_p) == pr.signed_rank_p(change)
            approx = stats.wilcoxon(change, method="approx").pvalue
            assert 0.25 < float(row.wilcoxon_p) / approx < 4
            assert float(row.change_mean) == pytest.approx(change.mean())
            assert float(row.end_mean) - float(row.start_mean) == pytest.approx(change.mean())
            assert float(row.positive_share) == np.mean(change > 0)
            assert float(row.positive_share + row.unchanged_share + row.negative_share) == \
                pytest.approx(1.0)


def test_no_change_tiny_groups_and_empty_groups_have_clear_results(tmp_path):
    rows = """\
A,Same,start,1,1,1,1,1,2
A,Same,end,1,1,1,1,1,2
B,Same,start,3,3,3,3,3,4
B,Same,end,3,3,3,3,3,4
C,Tiny,start,2,2,2,2,2,1
C,Tiny,end,3,2,2,2,2,2
D,Gone,start,4,4,4,4,4,3
"""
    result = pr.progression(pr.read_questionnaires(_write(tmp_path, rows)))
    same, tiny, gone = (result.sel(group=g) for g in ("Same", "Tiny", "Gone"))
    assert int(same.n) == 2 and float(same.wilcoxon_p) == 1.0
    assert "no change" in str(same.note.values)
    assert int(tiny.n) == 1 and float(tiny.wilcoxon_p) == 1.0
    assert "only 1 changed" in str(tiny.note.values)
    assert int(gone.n) == 0 and math.isnan(float(gone.start_mean))
    assert "no participant answered both" in str(gone.note.values)
    d = pr.progression_to_dict(result)
    json.dumps(d, allow_nan=False)  # undefined means are null, not NaN
    assert d["groups"][2]["start_mean"] is None and d["groups"][2]["n"] == 0


# ---------------------------------------------------------------------------
# The synthetic example and its published aggregates
# ---------------------------------------------------------------------------
def test_the_example_is_shipped_and_says_it_is_synthetic():
    assert pr.EXAMPLE.is_file()
    ds = pr.example()
    assert "SYNTHETIC" in ds.attrs["comment"] and "synthetic" in ds.attrs["note"]
    assert "synthetic" in pr.example.__doc__.lower()
    readme = pr.EXAMPLE.parent / "README.md"
    assert readme.is_file() and "SYNTHETIC" in readme.read_text(encoding="utf-8")


def test_the_example_reproduces_the_published_aggregates():
    ds = pr.example()
    who5 = pr.progression(ds, "who5", by="municipality")
    herning, viborg, everyone = (who5.sel(group=g) for g in ("Herning", "Viborg", "all"))
    assert (int(herning.n), int(viborg.n), int(everyone.n)) == (24, 20, 44)
    # published WHO-5 means, to their rounding
    assert (round(float(herning.start_mean)), round(float(herning.end_mean))) == (40, 45)
    assert (round(float(viborg.start_mean)), round(float(viborg.end_mean))) == (58, 69)
    assert round(float(everyone.end_mean)) == 56
    # the published overall start mean (51) cannot hold with complete pairs: 48 instead
    assert round(float(everyone.start_mean)) == 48
    assert float(everyone.start_mean) == pytest.approx(
        (24 * float(herning.start_mean) + 20 * float(viborg.start_mean)) / 44)
    # Viborg's gain significant, Herning's not
    assert float(viborg.wilcoxon_p) < 0.05 <= float(herning.wilcoxon_p)
    # the BIP-style items: 41 %, 30 % and 23 % positive, about one in five negative
    for item, share in (("bip_cooperation", 41), ("bip_health_coping", 30),
                        ("bip_job_belief", 23)):
        row = pr.progression(ds, item, by=None, scale=(1, 5)).sel(group="all")
        assert round(100 * float(row.positive_share)) == share
        assert float(row.negative_share) == pytest.approx(0.2, abs=0.01)


def _generator():
    """The generator of the example (``docs/_generate/progression_example.py``; the
    repository root is on the path through pytest's ``pythonpath`` setting)."""
    if not (ROOT / "docs" / "_generate" / "progression_example.py").exists():
        pytest.skip("docs/ is not present (a test run without the source checkout)")
    return importlib.import_module("docs._generate.progression_example")


def test_regenerating_the_example_gives_the_same_file():
    gen = _generator()
    assert gen.make() == pr.EXAMPLE.read_text(encoding="utf-8"), \
        "src/sibrisk/evidence/data/progression_example.csv is out of date; run: " \
        "python -m docs._generate progression_example"
    assert gen.make(seed=1) != gen.make()  # the seed matters


def _brute_signed_rank_p(d):
    """Every sign pattern of the non-zero changes, ranks by mid-rank: the exact test."""
    import itertools

    d = np.asarray([x for x in d if x != 0], dtype=float)
    ranks = stats.rankdata(np.abs(d))
    t = ranks[d > 0].sum()
    total = ranks.sum()
    sums = [sum(r for r, s in zip(ranks, signs, strict=True) if s)
            for signs in itertools.product((0, 1), repeat=d.size)]
    low = min(t, total - t)
    return min(1.0, 2 * np.mean(np.array(sums) <= low + 1e-9))


@pytest.mark.parametrize("d", [
    [1, 2, 3, 4, 5, 6, -7],
    [3, -1, 4, 1, -5, 9, 2, 6, -5, 3],  # ties and a negative tie
    [2, 2, 2, -2, 0, 0, 4, 4, -1, 3, 3, 8],  # ties and zeros
    [-1, -2, -3],
    [5],
])
def test_signed_rank_p_is_the_exact_test(d):
    """Conditional on the ties, against every sign pattern counted one by one; without
    ties also scipy's exact test."""
    from sibrisk.evidence.progression import signed_rank_p

    assert signed_rank_p(d) == pytest.approx(_brute_signed_rank_p(d), rel=1e-12)
    nz = [x for x in d if x != 0]
    if len(set(map(abs, nz))) == len(nz):
        assert signed_rank_p(d) == pytest.approx(stats.wilcoxon(nz, method="exact").pvalue,
                                                 rel=1e-12)


def test_signed_rank_p_is_normal_for_many_changes():
    from sibrisk.evidence import progression as pr

    rng = np.random.default_rng(1)
    d = rng.integers(-3, 6, size=pr.EXACT_UP_TO + 50)
    ref = stats.wilcoxon(d[d != 0], method="approx", correction=False).pvalue
    assert pr.signed_rank_p(d) == pytest.approx(ref, rel=1e-10)
