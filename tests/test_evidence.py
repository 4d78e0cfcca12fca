"""sibrisk.evidence: effects from counts against statsmodels and scipy, and participant files."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import integrate, stats
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    proportions_ztest,
)

import sibrisk.evidence.effects as ev
from sibrisk.errors import DataFileError, EvidenceError, SibriskError
from sibrisk.scenario.uncertainty import PRIORS

#: (treated k, n, control k, n): the catalogue's trial, small and large groups, and the
#: edges 0 of n and n of n in either group or both.
CASES = [
    (19, 56, 48, 280),  # the trial against five controls per participant
    (19, 56, 10, 56),
    (3, 7, 2, 9),
    (30, 100, 30, 100),
    (5, 50, 50, 500),
    (0, 20, 5, 40),
    (20, 20, 3, 30),
    (4, 12, 0, 15),
    (0, 10, 0, 12),
    (10, 10, 12, 12),
    (1, 1, 0, 1),
    (0, 1, 1, 1),
]
LEVELS = (0.95, 0.90)


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("case", CASES, ids=[f"{a}of{b}-{c}of{d}" for a, b, c, d in CASES])
def test_effect_agrees_with_statsmodels_and_scipy(case, level):
    k1, n1, k0, n0 = case
    e = ev.effect((k1, n1), (k0, n0), level=level)
    alpha = 1 - level
    assert e.treated_rate == k1 / n1 and e.control_rate == k0 / n0
    assert e.difference == pytest.approx(k1 / n1 - k0 / n0, abs=1e-15)
    # Wilson intervals of each rate
    for (k, n), interval in (((k1, n1), e.treated_interval), ((k0, n0), e.control_interval)):
        ref = proportion_confint(k, n, alpha=alpha, method="wilson")
        assert interval == pytest.approx(ref, abs=1e-12)
    # Newcombe's hybrid score interval of the difference
    ref = confint_proportions_2indep(k1, n1, k0, n0, method="newcomb", compare="diff",
                                     alpha=alpha)
    assert e.difference_interval == pytest.approx(ref, abs=1e-12)
    # Katz's log interval of the relative risk; with a zero cell, half a participant in
    # each of the four cells (Haldane-Anscombe), written out here
    zero = k1 in (0, n1) or k0 in (0, n0)
    assert e.relative_risk_adjusted == zero
    if zero:
        a1, m1, a0, m0 = k1 + 0.5, n1 + 1, k0 + 0.5, n0 + 1
        centre = math.log((a1 / m1) / (a0 / m0))
        half = stats.norm.isf(alpha / 2) * math.sqrt(1 / a1 - 1 / m1 + 1 / a0 - 1 / m0)
        ref = (math.exp(centre - half), math.exp(centre + half))
        assert ref[1] > ref[0]  # never of zero width
    else:
        ref = confint_proportions_2indep(k1, n1, k0, n0, compare="ratio", alpha=alpha,
                                         method="log")
    assert e.relative_risk_interval == pytest.approx(ref, rel=1e-10)
    assert e.relative_risk == (None if k0 == 0 else pytest.approx((k1 / n1) / (k0 / n0)))
    # Fisher's exact test
    table = [[k1, n1 - k1], [k0, n0 - k0]]
    assert e.fisher_p == stats.fisher_exact(table).pvalue
    assert e.fisher_p_greater == stats.fisher_exact(table, alternative="greater").pvalue
    # the pooled z-test; where both groups are all 0 or all 1 statsmodels has no answer
    if 0 < k1 + k0 < n1 + n0:
        z, p = proportions_ztest([k1, k0], [n1, n0])
        assert e.z == pytest.approx(z, rel=1e-12) and e.z_p == pytest.approx(p, rel=1e-10)
        _, p = proportions_ztest([k1, k0], [n1, n0], alternative="larger")
        assert e.z_p_greater == pytest.approx(p, rel=1e-10)
    else:
        assert (e.z, e.z_p, e.z_p_greater) == (0.0, 1.0, 0.5)


@pytest.mark.parametrize("case", CASES, ids=[f"{a}of{b}-{c}of{d}" for a, b, c, d in CASES])
def test_posteriors_are_sibrisks_evidence_and_the_probability_is_integrated(case):
    k1, n1, k0, n0 = case
    e = ev.effect((k1, n1), (k0, n0))
    a0, b0 = PRIORS["jeffreys"]
    assert e.treated_posterior == (k1 + a0, n1 - k1 + b0)
    assert e.control_posterior == (k0 + a0, n0 - k0 + b0)
    # an independent route: integrate the density of one against the tail of the other
    x1, x0 = stats.beta(*e.treated_posterior), stats.beta(*e.control_posterior)
    ref, _ = integrate.quad(lambda x: x0.pdf(x) * x1.sf(x), 0, 1, limit=500,
                            points=[x0.mean()], epsabs=1e-10)
    assert e.probability_treated_higher == pytest.approx(ref, abs=1e-6)


def test_the_catalogues_trial():
    """19 of 56 employed against 48 of 280 controls (the scenario's assumption)."""
    e = ev.effect((19, 56), (48, 280))
    assert e.difference == pytest.approx(0.1679, abs=1e-4)
    assert e.difference_interval == pytest.approx((0.0476, 0.3045), abs=1e-4)
    assert e.fisher_p < 0.01 and e.z_p < 0.01
    assert e.probability_treated_higher == pytest.approx(0.9969, abs=1e-4)


def test_identical_groups_give_one_half_and_no_difference():
    e = ev.effect((7, 20), (7, 20))
    assert e.probability_treated_higher == pytest.approx(0.5, abs=1e-9)
    assert e.difference == 0 and e.relative_risk == 1
    assert e.fisher_p == 1.0 and e.z_p == 1.0


def test_to_dict_is_json_without_nan():
    import json

    for case in ((19, 56, 48, 280), (3, 10, 0, 10)):
        d = ev.effect(case[:2], case[2:]).to_dict()
        text = json.dumps(d, allow_nan=False)
        assert json.loads(text)["treated"] == list(case[:2])
        assert set(d) >= {"difference_interval", "fisher_p", "z_p_greater",
                          "probability_treated_higher", "methods"}
    assert ev.effect((3, 10), (0, 10)).to_dict()["relative_risk"] is None


counts_ = st.integers(1, 150).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n)))


@given(counts_, counts_, st.floats(0.5, 0.995))
def test_intervals_contain_their_estimates(treated, control, level):
    e = ev.effect(treated, control, level=level)
    lo, hi = e.difference_interval
    assert -1 <= lo <= e.difference <= hi <= 1
    for rate, (lo, hi) in ((e.treated_rate, e.treated_interval),
                           (e.control_rate, e.control_interval)):
        assert 0 <= lo <= rate <= hi <= 1
    if e.relative_risk is not None and not e.relative_risk_adjusted:
        lo, hi = e.relative_risk_interval
        assert lo <= e.relative_risk <= hi
    for p in (e.fisher_p, e.fisher_p_greater, e.z_p, e.z_p_greater,
              e.probability_treated_higher):
        assert 0 <= p <= 1 and not math.isnan(p)


@given(counts_, counts_)
def test_swapping_the_groups_mirrors_the_effect(treated, control):
    e, f = ev.effect(treated, control), ev.effect(control, treated)
    assert e.difference == -f.difference
    assert e.probability_treated_higher + f.probability_treated_higher == \
        pytest.approx(1.0, abs=1e-7)
    assert e.fisher_p == pytest.approx(f.fisher_p, rel=1e-9)


def test_a_wider_level_gives_a_wider_interval():
    narrow = ev.effect((19, 56), (48, 280), level=0.8).difference_interval
    wide = ev.effect((19, 56), (48, 280), level=0.99).difference_interval
    assert wide[0] < narrow[0] and wide[1] > narrow[1]


@pytest.mark.parametrize(("treated", "control", "level", "words"), [
    ((60, 56), (48, 280), 0.95, "treated k = 60: must be a whole number in [0, 56]"),
    ((-1, 56), (48, 280), 0.95, "treated k = -1"),
    ((1.5, 56), (48, 280), 0.95, "treated k = 1.5"),
    ((19, 56), (0, 0), 0.95, "control n = 0: must be a whole number >= 1"),
    ((19, 56), "48/280", 0.95, "control = '48/280': must be a pair (k, n)"),
    ((19, 56), (48, 280), 95, "level = 95: must be a confidence level strictly between 0 "
     "and 1"),
    ((19, 56), (48, 280), 1.0, "level = 1.0"),
    ((True, 56), (48, 280), 0.95, "treated k = True"),
])
def test_bad_counts_are_one_line_errors_naming_the_argument(treated, control, level, words):
    with pytest.raises(EvidenceError) as info:
        ev.effect(treated, control, level=level)
    assert words in str(info.value) and "\n" not in str(info.value)
    assert isinstance(info.value, SibriskError)


# ---------------------------------------------------------------------------
# Participants
# ---------------------------------------------------------------------------
PARTICIPANTS = """\
# made-up participants
id,group,type,municipality,outcome
1,programme,with_experience,Herning,1
2,programme,no_experience,Herning,0
3,Programme,no_experience,Viborg,yes
4,control,with_experience,Herning,no
5,control,no_experience,Viborg,TRUE
6,control,no_experience,Viborg,0
"""


@pytest.fixture
def participants(tmp_path):
    path = tmp_path / "participants.csv"
    path.write_text(PARTICIPANTS, encoding="utf-8")
    return path


def test_read_participants_and_count_them(participants):
    ds = ev.read_participants(participants)
    assert list(ds.participant.values) == ["1", "2", "3", "4", "5", "6"]
    assert ds.outcome.values.tolist() == [True, False, True, False, True, False]
    assert ds.line.values.tolist() == [3, 4, 5, 6, 7, 8]
    assert ds.attrs["comment"] == "made-up participants"
    assert ev.counts(ds) == {"all": ev.Counts((2, 3), (1, 3))}
    assert ev.counts(participants, by="municipality") == {
        "Herning": ev.Counts((1, 2), (0, 1)), "Viborg": ev.Counts((1, 1), (1, 2))}
    by_type = ev.counts(ds, by="type")
    assert by_type["no_experience"] == ev.Counts((1, 2), (1, 2))
    e = ev.effect(*ev.counts(ds)["all"])
    assert e.treated == (2, 3) and e.control == (1, 3)


@pytest.mark.parametrize(("old", "new", "words"), [
    ("5,control,no_experience,Viborg,TRUE", "5,control,no_experience,Viborg,maybe",
     "participants.csv, line 7, outcome = 'maybe': must be 0 or 1 (or yes/no, true/false)"),
    ("2,programme", "2,treatment", "line 4, group = 'treatment': must be programme or "
     "control"),
    ("6,control", "1,control", "line 8, id = '1': appears twice (also on line 3)"),
    ("id,group,type,municipality,outcome", "id,group,type,municipality,employed",
     "participants.csv: no column outcome in the header"),
    ("4,control,with_experience,Herning,no", "4,control,,Herning,no",
     "line 6, type = '': must not be empty"),
    ("4,control,with_experience,Herning,no", "4,control,Herning,no",
     "line 6: 4 cells, but the header has 5 columns"),
])
def test_a_bad_participants_file_names_file_line_column_and_value(participants, old, new,
                                                                  words):
    participants.write_text(PARTICIPANTS.replace(old, new), encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        ev.read_participants(participants)
    assert words in str(info.value) and "\n" not in str(info.value)


def test_missing_files_and_columns_to_count_by(tmp_path, participants):
    with pytest.raises(DataFileError, match="nowhere.csv: no such file"):
        ev.read_participants(tmp_path / "nowhere.csv")
    participants.write_text("id,group,outcome\n1,control,1\n", encoding="utf-8")
    with pytest.raises(EvidenceError, match="has no municipality column"):
        ev.counts(participants, by="municipality")
    with pytest.raises(EvidenceError, match="by = 'age'"):
        ev.counts(participants, by="age")
    participants.write_text("id,group,outcome\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="no participants"):
        ev.read_participants(participants)


def test_public_names():
    assert {"effect", "Effect", "read_participants", "counts", "power", "sample_size",
            "power_curve", "SampleSize"} <= set(ev.__all__)
    assert np.isclose(ev.power(0.35, 0.17, 56, control_ratio=5), 0.8363, atol=1e-4)
