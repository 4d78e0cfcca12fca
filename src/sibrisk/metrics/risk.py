"""Risk summaries with their Monte Carlo standard errors.

:func:`summarize` reads a dataset from :func:`simulate` (runs, equally likely)
or from ``simulate(..., method="exact")`` (outcomes with probabilities) and
computes the same measures from both with the same definitions:

- probabilities of an event: the (weighted) share of runs in which it happens;
  standard error :math:`\\sqrt{p(1-p)/n}`; a loss (or deficit) is money below
  zero by more than :data:`LOSS_TOLERANCE` (a millionth of the currency unit),
  so the rounding dust of an NPV that is zero is no loss;
- means; standard error :math:`s/\\sqrt{n}`;
- quantiles: the inverted empirical CDF (the smallest value :math:`x` with
  :math:`F(x) \\ge q`, no interpolation, so atoms and ``inf`` stay exact);
  standard error from the distribution-free 95 % confidence interval of
  order statistics, half its width divided by 1.96 (half its width when the
  interval holds only a few atoms, as with whole jobs: the estimate then
  jumps between neighbouring atoms; values within :data:`ATOM_TOLERANCE`
  of each other, relatively, are one atom);
- value at risk at level :math:`\\alpha`: the loss not exceeded with
  probability :math:`1 - \\alpha`, :math:`\\mathrm{VaR} = -q_\\alpha(X)` for the
  investor's result :math:`X`; expected shortfall, the mean loss in the worst
  :math:`\\alpha` of outcomes, :math:`\\mathrm{ES} = \\mathrm{VaR} +
  E[(L - \\mathrm{VaR})^+]/\\alpha` with :math:`L = -X` (exact with atoms);
  standard error :math:`\\mathrm{sd}((L - \\mathrm{VaR})^+)/(\\alpha\\sqrt{n})`.

An exact dataset has no sampling noise: every standard error is 0.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import xarray as xr

from .._io import json_value
from ..errors import SibriskError
from ..ledger.family import ATOM_TOLERANCE, LOSS_TOLERANCE, Z95, quantile_ranks

__all__ = ["summarize", "summary_to_dict", "summarize_contracts", "QUANTILES"]

#: Quantiles reported by default.
QUANTILES = (0.05, 0.5, 0.95)

_Z = Z95  # two-sided 95 % normal quantile


def _lost(x: np.ndarray) -> np.ndarray:
    """Where money is lost: below zero by more than :data:`LOSS_TOLERANCE`."""
    return x < -LOSS_TOLERANCE


def _atoms(xs: np.ndarray) -> int:
    """Distinct values of sorted ``xs``, neighbours within :data:`ATOM_TOLERANCE` (relative)
    counted as one."""
    if xs.size == 0:
        return 0
    with np.errstate(invalid="ignore"):  # inf - inf: the same atom, inf
        gaps = np.diff(xs) > ATOM_TOLERANCE * np.maximum(1.0, np.abs(xs[:-1]))
    return 1 + int(np.count_nonzero(gaps))


def estimated(se: Any) -> Any:
    """A standard error as sibrisk reports it: NaN (``None`` in JSON, left out in text
    and Excel) where nothing is estimated, never 0. The estimators give 0 where the
    measure has no Monte Carlo error to estimate: an exact enumeration, a probability
    of 0 or 1 among the runs, a quantile whose whole 95 % rank interval falls on one
    value (an atom), a mean of runs that are all equal. Works on a number or an array."""
    if np.ndim(se) == 0:
        return math.nan if se is None or float(se) == 0.0 else float(se)
    se = np.asarray(se, dtype=float)
    return np.where(se == 0.0, np.nan, se)


#: How the summaries report standard errors (in ``attrs["standard_errors"]``).
STANDARD_ERRORS = ("one Monte Carlo standard error per measure; left out (NaN, null) where "
                   "nothing is estimated: an exact enumeration, a probability of 0 or 1 in "
                   "the runs, a quantile on one value of the distribution")


def _weights(ds: xr.Dataset) -> tuple[str, np.ndarray, bool]:
    if "probability" in ds:
        return "outcome", np.asarray(ds.probability.values, dtype=float), True
    if "run" not in ds.dims:
        raise SibriskError("summarize needs a dataset from sibrisk.simulate (dim 'run' or "
                           "'outcome' with 'probability')")
    n = ds.sizes["run"]
    return "run", np.full(n, 1.0 / n), False


def _prob(event: np.ndarray, w: np.ndarray, exact: bool) -> tuple[float, float]:
    if exact:
        return min(max(float(np.sum(w * event)), 0.0), 1.0), 0.0
    p = np.count_nonzero(event) / event.size  # a count over runs: no rounding dust
    return p, math.sqrt(p * (1.0 - p) / event.size)


def _mean(x: np.ndarray, w: np.ndarray, exact: bool) -> tuple[float, float]:
    if exact:
        return float(np.sum(w * x)), 0.0
    se = float(np.std(x, ddof=1) / math.sqrt(x.size)) if x.size > 1 else math.inf
    return float(np.mean(x)), se


def _sorted(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(x, kind="stable")
    return x[order], np.cumsum(w[order])


def _quantile(xs: np.ndarray, cw: np.ndarray, q: float, exact: bool) -> tuple[float, float]:
    if exact:
        i = int(np.searchsorted(cw, q * cw[-1] * (1 - 1e-12), side="left"))
        return float(xs[min(i, xs.size - 1)]), 0.0
    n = xs.size
    # the smallest x with F(x) >= q, counted in whole runs (no rounding of summed weights),
    # and the ends of its 95 % interval (the ranks the compiled summaries read too)
    i, lo, hi = (int(r[0]) for r in quantile_ranks(n, (q,)))
    value = float(xs[i])
    a, b = float(xs[lo]), float(xs[hi])
    if a == b or abs(b - a) <= ATOM_TOLERANCE * max(1.0, abs(a)):  # one atom: no error
        return value, 0.0
    if _atoms(xs[lo: hi + 1]) <= 3:
        # a few atoms (whole jobs): the estimate jumps between neighbours, so its error is
        # of the order of the gap itself, not of a smooth interval's 1/1.96
        return value, (b - a) / 2.0
    return value, (b - a) / (2.0 * _Z)


def _shortfall(x: np.ndarray, w: np.ndarray, var: float, level: float,
               exact: bool) -> tuple[float, float]:
    excess = np.maximum(-x - var, 0.0)
    # np.sum (pairwise), not a BLAS dot: the same bits whatever the BLAS threads
    es = var + float(np.sum(w * excess)) / level
    if exact:
        return es, 0.0
    if x.size < 2:
        return es, math.inf
    return es, float(np.std(excess, ddof=1) / (level * math.sqrt(x.size)))


def summarize(ds: xr.Dataset, *, level: float = 0.05, within_years: float = 10.0,
              quantiles: tuple[float, ...] = QUANTILES) -> xr.Dataset:
    """The risk summary of a simulation, each measure with its standard error.

    Parameters
    ----------
    ds : xarray.Dataset
        From :func:`simulate` (Monte Carlo or exact).
    level : float
        Tail probability of value at risk and expected shortfall (default 5 %).
    within_years : float
        Horizon of the payback probability (default 10 years).
    quantiles : tuple of float
        Quantiles of the investor's return and the payback year.

    Returns
    -------
    xarray.Dataset
        Scalars (and a ``quantile`` dim) named as in the command line's JSON,
        e.g. ``investor_loss_probability`` and ``investor_loss_probability_se``.
        Measures the dataset cannot give (municipal outputs of an exact
        investor-only enumeration) are left out and named in
        ``attrs["not_available"]``.

    Examples
    --------
    >>> import sibrisk
    >>> s = sibrisk.summarize(sibrisk.simulate("drc-sib-2023", runs=20_000, seed=7))
    >>> 0.1 < float(s.investor_loss_probability) < 0.3
    True
    """
    if not 0.0 < level < 1.0:
        raise SibriskError(f"level = {level!r}: must be a number in (0, 1)")
    if not all(0.0 < q < 1.0 for q in quantiles):
        raise SibriskError(f"quantiles = {quantiles!r}: each must be in (0, 1)")
    dim, w, exact = _weights(ds)
    tag = f"{100 * level:g}".replace(".", "_")
    out: dict[str, Any] = {}
    missing: list[str] = []
    qs = np.asarray(quantiles, dtype=float)

    def put(name: str, value_se: tuple[float, float], units: str, meaning: str) -> None:
        out[name] = xr.DataArray(value_se[0], attrs={"units": units, "long_name": meaning})
        out[f"{name}_se"] = xr.DataArray(estimated(value_se[1]), attrs={
            "units": units, "long_name": f"Monte Carlo standard error of {name}"})

    def put_quantiles(name: str, x: np.ndarray, units: str, meaning: str) -> None:
        xs, cw = _sorted(x, w)
        pairs = [_quantile(xs, cw, q, exact) for q in qs]
        out[name] = xr.DataArray([p[0] for p in pairs], dims="quantile", coords={"quantile": qs},
                                 attrs={"units": units, "long_name": meaning})
        out[f"{name}_se"] = xr.DataArray(estimated([p[1] for p in pairs]), dims="quantile",
                                         coords={"quantile": qs},
                                         attrs={"units": units,
                                                "long_name": f"standard error of {name}"})

    cur = ds.attrs.get("currency", "")
    result = np.asarray(ds.investor_result.values, dtype=float)
    ret = np.asarray(ds.investor_return.values, dtype=float)
    put("investor_loss_probability", _prob(_lost(result), w, exact), "1",
        "probability that the investor loses money (result < 0)")
    put("investor_return_mean", _mean(ret, w, exact), "1", "expected return on outlay")
    put_quantiles("investor_return_quantiles", ret, "1", "quantiles of the return on outlay")
    xs, cw = _sorted(result, w)
    q_level, q_se = _quantile(xs, cw, level, exact)
    var = -q_level
    put(f"investor_var_{tag}", (var, q_se), cur,
        f"value at risk at {level:g}: loss not exceeded with probability {1 - level:g}")
    put(f"investor_cvar_{tag}", _shortfall(result, w, var, level, exact), cur,
        f"expected shortfall at {level:g}: mean loss in the worst {level:g} of outcomes")
    put("investor_result_mean", _mean(result, w, exact), cur, "expected investor result")
    if "municipal_account" in ds:
        muni = np.asarray(ds.municipal_account.values, dtype=float)
        put("municipal_deficit_probability", _prob(_lost(muni), w, exact), "1",
            "probability that the municipality's own account is negative")
        put("municipal_account_mean", _mean(muni, w, exact), cur,
            "expected municipal own account")
        payback = np.asarray(ds.municipal_payback_year.values, dtype=float)
        put_quantiles("payback_year_quantiles", payback, "years from programme start",
                      "quantiles of the municipality's payback year (inf: not within the "
                      "horizon)")
        put(f"payback_within_{within_years:g}_years_probability".replace(".", "_"),
            _prob(payback <= within_years, w, exact), "1",
            f"probability that the municipality pays back within {within_years:g} years")
        put("deadweight_share_mean", _mean(np.asarray(ds.deadweight_share.values), w, exact),
            "1", "expected share of the payment that pays for jobs that would have come anyway")
        put("welfare_surplus_mean", _mean(np.asarray(ds.welfare_surplus.values), w, exact),
            cur, "expected welfare-economic surplus")
    else:
        missing = ["municipal_deficit_probability", "municipal_account_mean",
                   "payback_year_quantiles", "payback_within_years_probability",
                   "deadweight_share_mean", "welfare_surplus_mean"]
    summary = xr.Dataset(out)
    summary.attrs = {k: v for k, v in ds.attrs.items()
                     if k in ("scenario", "currency", "price_year", "basis", "valuation",
                              "cohort_size",
                              "method", "seed", "chunk_size", "stream", "runs", "exact_scope",
                              "parameter_uncertainty", "cohort_uncertainty")}
    summary.attrs |= {"level": level, "within_years": within_years,
                      "standard_errors": STANDARD_ERRORS}
    if dim == "run":
        summary.attrs["runs"] = int(ds.sizes["run"])
    else:
        summary.attrs["outcomes"] = int(ds.sizes["outcome"])
    if missing:
        summary.attrs["not_available"] = ", ".join(missing)
    return summary


def summary_to_dict(summary: xr.Dataset) -> dict[str, Any]:
    """The summary as a flat, JSON-ready dict (``inf`` becomes ``None``).

    Quantile measures become objects keyed by the quantile, e.g.
    ``{"0.05": ..., "0.5": ..., "0.95": ...}``.
    """
    out: dict[str, Any] = {}
    for name, da in summary.data_vars.items():
        if "quantile" in da.dims:
            out[name] = {f"{q:g}": json_value(v) for q, v in zip(da["quantile"].values, da.values,
                                                             strict=True)}
        else:
            out[name] = json_value(float(da))
    for key, value in summary.attrs.items():
        out[key] = value.item() if isinstance(value, np.generic) else value
    out.setdefault("runs", None)
    out.setdefault("seed", None)
    return out


#: The contract fields of :func:`summarize_contracts` on a measured effect (with
#: ``judge_effects``), each followed by its standard error.
MEASUREMENT_FIELDS = tuple(f for name in (
    "effect_deserved_probability", "unpaid_when_deserved_probability",
    "paid_when_undeserved_probability", "misjudged_probability",
    "measurement_overpayment_mean") for f in (name, f"{name}_se"))


def _misjudgement(c: xr.Dataset, w: np.ndarray, exact: bool, pair, row: dict) -> None:
    """How often a payment on a measured effect misjudges the programme (a simulation with
    ``judge_effects``): not paid though the true effect meets the target, paid though it
    misses it, each among the runs of its kind, and the payment's error."""
    if not bool(c.contract_measures_effect):
        for name in MEASUREMENT_FIELDS:  # nothing paid on a measured effect: not applicable
            row[name] = None
        return
    paid = np.asarray(c.contract_effect_paid.values, dtype=bool)
    deserved = np.asarray(c.contract_effect_deserved.values, dtype=bool)
    pair("effect_deserved_probability", _prob(deserved, w, exact), row)
    for name, among, event in (("unpaid_when_deserved_probability", deserved, ~paid),
                               ("paid_when_undeserved_probability", ~deserved, paid)):
        if among.any():
            sub = w[among] / w[among].sum()
            pair(name, _prob(event[among], sub, exact), row)
        else:  # no run of this kind: the conditional probability is not defined
            row[name] = row[f"{name}_se"] = None
    pair("misjudged_probability", _prob(paid != deserved, w, exact), row)
    error = c.contract_payment.values - c.contract_payment_true_effect.values
    pair("measurement_overpayment_mean", _mean(error, w, exact), row)


def summarize_contracts(ds: xr.Dataset, *, quantiles: tuple[float, ...] = QUANTILES,
                        level: float | None = None) -> dict[str, Any]:
    """Risk of every contract variant and actor in a simulation with ``contracts=``.

    For each contract: the expected outcome payment (present value), the
    probability that a cap cuts a claim and the expected declared
    reinvestment; for each of its actors: the expected NPV, the probability
    of a negative NPV, NPV quantiles (with ``level``, e.g. 0.05, also the value at risk
    and the expected shortfall of the NPV at that level, ``npv_var_5`` and
    ``npv_cvar_5``, defined as the investor's in :func:`summarize`), the IRR quantiles
    among the runs in
    which an IRR exists (with the probability that one does) and the expected
    largest exposure, as far as the simulation kept them (``contract_stats``).
    With ``simulate(..., judge_effects=True)`` (or ``comparison_size``) also,
    for the payments on a measured effect: the probability that the true
    effect meets the target (``effect_deserved_probability``), the
    probability of no payment when it does
    (``unpaid_when_deserved_probability``) and of a payment when it does not
    (``paid_when_undeserved_probability``), either of the two
    (``misjudged_probability``), and the mean payment minus the payment on the
    true effect (``measurement_overpayment_mean``). Every measure has its
    Monte Carlo standard error under the same name plus ``_se``.

    Returns
    -------
    dict
        ``{contract: {..., "actors": {actor: {...}}}}``, JSON-ready (``inf``
        and undefined values are ``None``).
    """
    if "contract" not in ds.dims or "run" not in ds.dims:
        raise SibriskError("summarize_contracts needs a Monte Carlo dataset from "
                           "sibrisk.simulate(..., contracts=...)")
    if level is not None and not 0.0 < level < 1.0:
        raise SibriskError(f"level = {level!r}: must be a number in (0, 1)")
    tag = "" if level is None else f"{100 * level:g}".replace(".", "_")
    dim, w, exact = _weights(ds)
    out: dict[str, Any] = {}

    def pair(name: str, value_se: tuple[float, float], into: dict[str, Any]) -> None:
        into[name] = json_value(value_se[0])
        into[f"{name}_se"] = json_value(estimated(value_se[1]))

    def quants(name: str, x: np.ndarray, into: dict[str, Any], weights=None) -> None:
        xs, cw = _sorted(x, w if weights is None else weights)
        got = [_quantile(xs, cw, q, exact) for q in quantiles]
        into[name] = {f"{q:g}": json_value(v) for q, (v, _) in zip(quantiles, got, strict=True)}
        into[f"{name}_se"] = {f"{q:g}": json_value(estimated(s)) for q, (_, s) in
                              zip(quantiles, got, strict=True)}

    for name in ds.contract.values:
        c = ds.sel(contract=name)
        row: dict[str, Any] = {}
        pair("payment_mean", _mean(c.contract_payment.values, w, exact), row)
        pair("cap_bound_probability", _prob(c.contract_payment_cut.values > 0, w, exact), row)
        pair("reinvestment_mean", _mean(c.contract_reinvestment.values, w, exact), row)
        if "contract_effect_paid" in c:
            _misjudgement(c, w, exact, pair, row)
        actors: dict[str, Any] = {}
        for actor in c.actor.values[c.in_contract.values]:
            a = c.sel(actor=actor)
            npv = np.asarray(a.actor_npv.values, dtype=float)
            stats: dict[str, Any] = {}
            pair("npv_mean", _mean(npv, w, exact), stats)
            pair("loss_probability", _prob(_lost(npv), w, exact), stats)
            quants("npv_quantiles", npv, stats)
            if level is not None:  # the tail: value at risk and expected shortfall
                xs, cw = _sorted(npv, w)
                q_level, q_se = _quantile(xs, cw, level, exact)
                pair(f"npv_var_{tag}", (-q_level, q_se), stats)
                pair(f"npv_cvar_{tag}", _shortfall(npv, w, -q_level, level, exact), stats)
            irr = np.asarray(a.actor_irr.values, dtype=float) if "actor_irr" in a else \
                np.full(npv.shape, np.nan)
            defined = np.isfinite(irr)
            if defined.any():  # quantiles among the runs in which a rate of return exists
                pair("irr_defined_probability", _prob(defined, w, exact), stats)
                quants("irr_quantiles", irr[defined], stats,
                       weights=w[defined] / w[defined].sum())
            if "actor_exposure" in a:
                pair("largest_exposure_mean", _mean(a.actor_exposure.values, w, exact), stats)
            actors[str(actor)] = stats
        row["actors"] = actors
        out[str(name)] = row
    return out

