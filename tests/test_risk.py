"""Risk measures on hand-made datasets, where the answer is known."""

import numpy as np
import pytest
import xarray as xr

import sibrisk


def dataset(result, municipal=None):
    n = len(result)
    data = {"investor_result": ("run", np.asarray(result, dtype=float)),
            "investor_return": ("run", np.asarray(result, dtype=float) / 100.0)}
    if municipal is not None:
        data |= {"municipal_account": ("run", np.asarray(municipal, dtype=float)),
                 "municipal_payback_year": ("run", np.full(n, 5.0)),
                 "deadweight_share": ("run", np.full(n, 0.5)),
                 "welfare_surplus": ("run", np.zeros(n))}
    return xr.Dataset(data, attrs={"currency": "DKK"})


@pytest.mark.parametrize("n", [100_000, 1_000_000])
def test_var_counts_whole_runs(n):
    # exactly 5 % of runs lose 1: the 5 % quantile is -1, so VaR is 1, at any number of runs
    x = np.ones(n)
    x[: n // 20] = -1.0
    s = sibrisk.summarize(dataset(x))
    assert float(s.investor_var_5) == 1.0
    assert float(s.investor_loss_probability) == 0.05
    assert float(s.investor_loss_probability_se) == pytest.approx(np.sqrt(0.05 * 0.95 / n))


def test_expected_shortfall_by_hand():
    x = np.arange(1, 101, dtype=float) - 51.0  # -50 .. 49, equally likely
    s = sibrisk.summarize(dataset(x))
    # the worst 5 % are -50 .. -46: mean loss 48
    assert float(s.investor_var_5) == 46.0
    assert float(s.investor_cvar_5) == pytest.approx(48.0)
    assert float(s.investor_return_mean) == pytest.approx(x.mean() / 100)


def test_quantile_between_two_atoms_reports_the_gap():
    rng = np.random.default_rng(0)
    x = np.where(rng.random(200_000) < 0.5, 1.0, 2.0)  # the median sits on either atom
    s = sibrisk.summarize(dataset(x))
    assert float(s.investor_return_quantiles_se.sel(quantile=0.5)) == pytest.approx(0.01 / 2)


def test_one_run_gives_infinite_errors_not_nan():
    s = sibrisk.summarize(dataset([5.0], municipal=[1.0]))
    assert np.isinf(float(s.investor_cvar_5_se)) and np.isinf(float(s.investor_return_mean_se))
    assert not any(np.isnan(float(s[k])) for k in s.data_vars
                   if s[k].ndim == 0 and not k.endswith("_se"))
    # a probability of 0 or 1 in the runs has no estimated error: left out, not 0
    assert np.isnan(float(s.investor_loss_probability_se))


def test_exact_weights_have_no_sampling_error():
    ds = dataset([-1.0, 1.0]).assign(probability=("run", [0.25, 0.75])).rename(run="outcome")
    s = sibrisk.summarize(ds)
    assert float(s.investor_loss_probability) == 0.25
    assert np.isnan(float(s.investor_loss_probability_se))  # not estimated: left out
    assert "not_available" in s.attrs and "left out" in s.attrs["standard_errors"]


def test_bad_levels():
    with pytest.raises(sibrisk.SibriskError, match="level"):
        sibrisk.summarize(dataset([1.0, 2.0]), level=0.0)
    with pytest.raises(sibrisk.SibriskError, match="quantiles"):
        sibrisk.summarize(dataset([1.0, 2.0]), quantiles=(1.5,))
    with pytest.raises(sibrisk.SibriskError, match="needs a dataset"):
        sibrisk.summarize(xr.Dataset({"investor_result": ("x", [1.0])}))
