"""Scenarios: loading, validation errors, replacement and the TOML round trip."""

import copy
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import sibrisk
from sibrisk import Scenario, ScenarioError


@pytest.fixture
def data(drc):
    return drc.to_dict()


def test_builtin_listed_and_loadable():
    assert "drc-sib-2023" in sibrisk.list_scenarios()
    s = sibrisk.load_scenario("drc-sib-2023")
    assert s.cohort.size == 56
    assert s.type_names == ("with_experience", "no_experience")
    assert s.currency == "DKK" and s.price_year == 2021


def test_scenario_is_immutable(drc):
    with pytest.raises(AttributeError):
        drc.effect.decay = 0.3
    with pytest.raises(AttributeError):
        drc.name = "other"


def test_aggregates_are_share_weighted(drc):
    assert drc.gross_employment == pytest.approx(0.35 * 0.5262971428571429 + 0.65 * 0.25)
    assert drc.marginal_effect == pytest.approx(drc.gross_employment - drc.control_employment)


def _set(data, key, value):
    node = data
    parts = key.split(".")
    for p in parts[:-1]:
        node = node[p]
    if value is DELETE:
        del node[parts[-1]]
    else:
        node[parts[-1]] = value
    return data


DELETE = object()

BAD = [
    # key, value, words the message must contain
    ("effect.decay", 1.5, "effect.decay = 1.5: must be a number in [0, 1]"),
    ("effect.decay", -0.1, "effect.decay = -0.1"),
    ("effect.decay", "high", "effect.decay = 'high': must be a number"),
    ("effect.decay", True, "effect.decay = True: must be a number"),
    ("effect.decay", math.nan, "effect.decay = nan"),
    ("effect.horizon", -1, "effect.horizon = -1: must be a whole number in [0, 500]"),
    ("effect.horizon", 2.5, "effect.horizon = 2.5: must be a whole number"),
    ("cohort.size", 0, "cohort.size = 0: must be a whole number in [1, 9007199254740991]"),
    # counts are drawn as whole numbers of a double: exact up to 2^53 - 1
    ("cohort.size", 2**53, "cohort.size = 9007199254740992: must be a whole number in [1, "
     "9007199254740991]"),
    ("types.no_experience.gross_employment", 1.2, "types.no_experience.gross_employment = 1.2"),
    ("types.no_experience.share", 0.5, "shares must sum to 1"),
    ("types.no_experience.control_employment", 0.3,
     "types.no_experience.control_employment = 0.3: must not exceed gross_employment"),
    ("provider.cost_per_participant", 0.0, "must be a number > 0"),
    ("provider.cost_per_participant", math.inf, "provider.cost_per_participant = inf"),
    ("discounting.schedule", "mof2019", "must be one of 'flat', 'mof2017', 'mof2021'"),
    ("discounting.rate", 0.04, "only allowed with schedule = 'flat'"),
    ("contract.rate_card", "per_type", "contract.rate_card = 'per_type'"),
    ("effect.decays", 0.2, "effect.decays = 0.2: unknown key; did you mean 'decay'?"),
    ("colour", "blue", "colour = 'blue': unknown key"),
    ("municipality.ordinary_effort_cost", DELETE, "municipality.ordinary_effort_cost is missing"),
    ("currency", "dkk", "currency = 'dkk': must be a string of three capital letters"),
    ("effect", 3, "effect = 3: must be a table"),
]


@pytest.mark.parametrize(("key", "value", "words"), BAD, ids=[b[0] + "-" + str(b[1]) for b in BAD])
def test_bad_input_names_key_value_and_allowed(data, key, value, words):
    with pytest.raises(ScenarioError) as info:
        Scenario.from_dict(_set(data, key, value), source="my.toml")
    message = str(info.value)
    assert message.startswith("my.toml: ")
    assert words in message
    assert "\n" not in message
    assert info.value.source == "my.toml"


def test_several_problems_reported_at_once(data):
    _set(data, "effect.decay", 2.0)
    _set(data, "cohort.size", -5)
    with pytest.raises(ScenarioError) as info:
        Scenario.from_dict(data, source="x.toml")
    assert len(info.value.problems) == 2
    assert "2 problems" in str(info.value)


def test_negative_effect_allowed_only_when_declared(data):
    _set(data, "types.no_experience.control_employment", 0.3)
    _set(data, "effect.allow_negative", True)
    s = Scenario.from_dict(data)
    assert s.types[1].marginal_effect < 0


def test_flat_schedule_needs_a_rate(data):
    _set(data, "discounting.schedule", "flat")
    with pytest.raises(ScenarioError, match="discounting.rate is missing"):
        Scenario.from_dict(data)
    _set(data, "discounting.rate", 0.04)
    assert Scenario.from_dict(data).discounting.rate == 0.04


def test_type_names_are_checked(data):
    data["types"]["with experience!"] = data["types"].pop("with_experience")
    with pytest.raises(ScenarioError, match=r"types.with experience! \(name\)"):
        Scenario.from_dict(data)


def test_missing_types(data):
    del data["types"]
    with pytest.raises(ScenarioError, match="types is missing"):
        Scenario.from_dict(data)


def test_toml_errors_name_the_file(tmp_path):
    bad = tmp_path / "broken.toml"
    bad.write_text("name = \n")
    with pytest.raises(ScenarioError, match=r"broken.toml: TOML: not valid TOML"):
        sibrisk.load_scenario(bad)
    with pytest.raises(ScenarioError, match="no such file"):
        sibrisk.load_scenario(tmp_path / "missing.toml")
    with pytest.raises(ScenarioError, match="neither a built-in scenario nor a file"):
        sibrisk.load_scenario("drc-sib-2032")


def test_replace_validates_and_leaves_original(drc):
    changed = drc.replace("effect.decay", 0.3)
    assert changed.effect.decay == 0.3 and drc.effect.decay == 0.15
    both = drc.replace({"effect.decay": 0.2, "cohort.size": 100})
    assert (both.effect.decay, both.cohort.size) == (0.2, 100)
    with pytest.raises(ScenarioError, match="effect.decay = 2"):
        drc.replace("effect.decay", 2.0)
    with pytest.raises(ScenarioError, match="did you mean 'effect.decay'"):
        drc.replace("effect.dcay", 0.2)
    with pytest.raises(ScenarioError, match="not an input"):
        drc.replace("types.nobody.share", 0.2)


@pytest.mark.parametrize("key", ["gross_employment", "control_employment", "marginal_effect"])
def test_aggregate_replacement_hits_the_average(drc, key):
    value = 0.8 * getattr(drc, key)
    changed = drc.replace(key, value)
    assert getattr(changed, key) == pytest.approx(value, rel=1e-12)


def test_marginal_effect_replacement_keeps_gross(drc):
    changed = drc.replace("marginal_effect", 0.12)
    assert changed.gross_employment == pytest.approx(drc.gross_employment, rel=1e-12)


def test_get_and_numeric_inputs(drc):
    assert drc.get("effect.decay") == 0.15
    assert drc.get("types.no_experience.gross_employment") == 0.25
    inputs = drc.numeric_inputs()
    assert "effect.decay" in inputs and "marginal_effect" in inputs
    assert "types.with_experience.share" in inputs
    assert "discounting.schedule" not in inputs
    for key in inputs:
        drc.get(key)  # every listed input can be read


def test_toml_round_trip_of_builtin_is_lossless(drc, tmp_path):
    path = drc.save(tmp_path / "copy.toml")
    assert sibrisk.load_scenario(path) == drc
    assert Scenario.from_toml_text(drc.to_toml(comments=False)) == drc


def test_commented_template_explains_every_key(drc):
    text = drc.to_toml(comments=True)
    for line in ("# Annual fall of the effect after the full-effect years.",
                 "# Annual discount rate; only with schedule = 'flat'.",
                 "Allowed: a number in [0, 1]"):
        assert line in text


def test_save_is_atomic_on_failure(drc, tmp_path, monkeypatch):
    target = tmp_path / "s.toml"
    target.write_text("old")

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", boom)
    with pytest.raises(OSError):
        drc.save(target)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["s.toml"]


probabilities = st.floats(0.0, 1.0, allow_nan=False)


@st.composite
def scenarios(draw):
    """Valid scenarios spread around the built-in one."""
    base = sibrisk.load_scenario("drc-sib-2023").to_dict()
    d = copy.deepcopy(base)
    n_types = draw(st.integers(1, 4))
    weights = [draw(st.floats(0.05, 1.0)) for _ in range(n_types)]
    types = {}
    for i, w in enumerate(weights):
        g = draw(probabilities)
        c = draw(st.floats(0.0, g)) if g > 0 else 0.0
        types[f"t{i}"] = {"label": draw(st.text(max_size=12)), "share": w / sum(weights),
                          "gross_employment": g, "control_employment": c}
    # make the shares sum to 1 to rounding
    last = f"t{n_types - 1}"
    types[last]["share"] = 1.0 - sum(t["share"] for k, t in types.items() if k != last)
    d["types"] = types
    d["cohort"]["size"] = draw(st.integers(1, 10_000))
    schedule = draw(st.sampled_from(["flat", "mof2017", "mof2021"]))
    d["discounting"] = {"schedule": schedule}
    if schedule == "flat":
        d["discounting"]["rate"] = draw(st.floats(0.0, 0.2))
    d["effect"] = {"horizon": draw(st.integers(0, 80)),
                   "full_effect_years": draw(st.integers(0, 10)),
                   "decay": draw(probabilities), "persistent_share": draw(probabilities)}
    d["municipality"] = {
        "saving_per_employed_year": draw(st.floats(0, 300_000)),
        "ordinary_effort_cost": draw(st.floats(0, 300_000)),
        "ordinary_effort_saved_share": draw(probabilities),
        "other_net_costs": draw(st.floats(-50_000, 100_000)),
    }
    d["provider"] = {"cost_per_participant": draw(st.floats(1.0, 300_000))}
    d["contract"] = {"investor_surplus_share": draw(probabilities),
                     "rate_card": draw(st.sampled_from(["uniform", "by_type"])),
                     "by_type_rule": draw(st.sampled_from(["catalogue", "payout_neutral"]))}
    d["title"] = draw(st.text(max_size=30))
    return Scenario.from_dict(d)


@given(scenarios())
def test_toml_round_trip_is_lossless(s):
    assert Scenario.from_toml_text(s.to_toml()) == s
    assert Scenario.from_toml_text(s.to_toml(comments=False)) == s
    assert Scenario.from_dict(s.to_dict()) == s
