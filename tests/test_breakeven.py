"""The break-even solver: answers that hold when put back, and clear failures."""

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from test_scenario import scenarios

import sibrisk
from sibrisk import BreakEvenError

CONTINUOUS = ["effect.decay", "municipality.ordinary_effort_saved_share", "marginal_effect",
              "gross_employment", "provider.cost_per_participant",
              "municipality.saving_per_employed_year", "effect.persistent_share"]
OUTPUTS = ["budget_surplus", "municipal_account", "investor_result", "welfare_surplus"]


def settle(scenario, vary, value, output, base):
    """The output with the input put back, the contract held at the base price."""
    tariff = sibrisk.price_surplus_share(base)
    return float(sibrisk.account(scenario.replace(vary, value), tariff=tariff)[output])


@given(scenarios(), st.sampled_from(CONTINUOUS), st.sampled_from(OUTPUTS))
def test_answer_put_back_gives_target(s, vary, output):
    assume(s.gross_employment > 1e-3)
    try:
        be = sibrisk.breakeven(s, vary, output)
    except BreakEvenError:
        return
    got = settle(s, vary, be.value, output, s)
    scale = max(1.0, s.provider.cost_per_participant, abs(float(sibrisk.account(s)[output])))
    assert got == pytest.approx(0.0, abs=1e-7 * scale)
    lo, hi = be.bounds
    assert lo <= be.value <= hi


def test_nonzero_target(drc):
    be = sibrisk.breakeven(drc, "effect.decay", "municipal_account", target=5_000.0)
    assert settle(drc, "effect.decay", be.value, "municipal_account", drc) == pytest.approx(
        5_000.0, abs=1e-5)
    assert be.target == 5_000.0


def test_contract_terms_are_repriced(drc):
    be = sibrisk.breakeven(drc, "contract.investor_surplus_share", "investor_return",
                           target=0.10)
    assert be.repriced
    changed = drc.replace("contract.investor_surplus_share", be.value)
    assert float(sibrisk.account(changed).investor_return) == pytest.approx(0.10, abs=1e-9)


def test_reprice_changes_the_question(drc):
    held = sibrisk.breakeven(drc, "effect.decay", "municipal_account")
    repriced = sibrisk.breakeven(drc, "effect.decay", "municipal_account", reprice=True)
    # priced on the varied scenario, the municipality keeps half of whatever surplus there is,
    # so its account reaches zero exactly where the whole surplus does
    whole = sibrisk.breakeven(drc, "effect.decay", "budget_surplus")
    assert repriced.repriced and not held.repriced
    assert repriced.value == pytest.approx(whole.value, abs=1e-9)
    assert held.value < whole.value


def test_no_breakeven_in_range_is_a_clear_error(drc):
    with pytest.raises(BreakEvenError) as info:
        sibrisk.breakeven(drc, "effect.persistent_share", "budget_surplus")
    msg = str(info.value)
    assert "budget_surplus does not reach 0 for effect.persistent_share in [0, 1]" in msg
    assert "stays between" in msg


def test_user_bounds(drc):
    with pytest.raises(BreakEvenError):
        sibrisk.breakeven(drc, "effect.decay", "budget_surplus", bounds=(0.0, 0.2))
    be = sibrisk.breakeven(drc, "effect.decay", "budget_surplus", bounds=(0.2, 0.4))
    assert be.bounds == (0.2, 0.4)
    with pytest.raises(sibrisk.SibriskError, match="bounds"):
        sibrisk.breakeven(drc, "effect.decay", bounds=(0.4, 0.2))


def test_bad_names(drc):
    with pytest.raises(sibrisk.SibriskError, match="did you mean 'budget_surplus'"):
        sibrisk.breakeven(drc, "effect.decay", "budget_surplis")
    with pytest.raises(sibrisk.ScenarioError, match="did you mean 'effect.decay'"):
        sibrisk.breakeven(drc, "effect.decai")
    with pytest.raises(sibrisk.ScenarioError, match="numeric input"):
        sibrisk.breakeven(drc, "discounting.schedule")


def test_whole_number_input(drc):
    be = sibrisk.breakeven(drc, "effect.horizon", "budget_surplus")
    assert be.value == int(be.value)
    below = float(sibrisk.account(drc.replace("effect.horizon", int(be.value))).budget_surplus)
    above = float(sibrisk.account(drc.replace("effect.horizon", int(be.value) + 1)).budget_surplus)
    assert below <= 0 < above  # the first horizon, going down from 15, with no surplus


def test_nearest_root_is_chosen(drc):
    # investor_return as a function of the cost is 1/C-shaped: one root; decay has one too,
    # but the payback year target crosses once going up from the base.
    be = sibrisk.breakeven(drc, "effect.decay", "municipal_payback_year", target=10.0)
    got = float(sibrisk.account(drc.replace("effect.decay", be.value),
                                tariff=sibrisk.price_surplus_share(drc)).municipal_payback_year)
    assert got == pytest.approx(10.0, abs=1e-6)
    assert be.value > drc.effect.decay
