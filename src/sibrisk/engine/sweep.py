"""Sweeps: the risk summary of every point of a grid of scenario inputs or contract terms.

:func:`sweep` takes axes (an input of the scenario, or with ``contract`` a
number in the contract file, each with a list of values), forms the full grid
(or, with ``zip=True``, zips the axes) and returns an :class:`xarray.Dataset`
with one dim per axis holding the risk summary of every point: the fields
and standard errors of :func:`sibrisk.summarize` (or, with a contract, of
:func:`sibrisk.risk.summarize_contracts` by actor).

Random numbers: every point draws from the same stream,
``SeedSequence(seed, spawn_key=(0, chunk, purpose))``, the stream of
``simulate(scenario_at_point, runs, seed)``, so every point uses the same
uniforms for the same purpose (common random numbers; the purposes are listed in
:mod:`sibrisk.simulate`):

- points that differ only in contract terms (``contract.*`` inputs, or terms
  of the contract file) settle the very same outcomes: their differences are
  not noise;
- points that change the outcome model (any other input) invert the same
  uniforms through their own distributions: every sampler is monotone in its
  uniform, so a small change of an input changes the draws of a vanishing
  share of runs, and an output that is monotone in an input run by run is
  monotone over the grid (the catalogue's investor loses more often at a faster
  decay, the price falling with it, run by run on the same counts);
- a point does not depend on the grid around it: it is
  ``simulate(scenario_at_point, runs, seed)`` (``outcome_stream``, 0, is in
  the dataset).

What is not coupled: points that change the structure of the draws, the
number of types or of cohorts, or the set of inputs that are correlated (see
:mod:`sibrisk.simulate`).

Only summaries are kept (unless ``keep_runs``), so memory does not grow with the
number of points.
Contract variants are settled in blocks on one set of draws: by a compiled
kernel (:mod:`sibrisk._compiled`) on outcomes drawn once per outcome model,
where the contract allows, and otherwise by :func:`sibrisk.simulate` with
the block's variants.
"""

from __future__ import annotations

import builtins
import itertools
import math
import pickle
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import xarray as xr

from .._io import json_value
from .._limits import check_memory
from ..contract.terms import Contract, load_contract
from ..errors import SibriskError
from ..ledger.bind import bind_checked
from ..ledger.family import CONTRACT_FIELDS, BlockSummary
from ..ledger.family import Workspace as _Workspace
from ..metrics.risk import MEASUREMENT_FIELDS, QUANTILES, estimated, summarize, summarize_contracts
from ..scenario.spec import Scenario, load_scenario
from .simulate import _normalise_seed, _positive_int, common_attrs, simulate
from .solve import _set_path

__all__ = ["sweep", "sweep_to_dict", "CONTRACT_BATCH"]

#: Contract variants evaluated on one set of draws at a time (memory: runs x batch x actors).
CONTRACT_BATCH = 32


def _is_contract_term(key: str, contract: Contract | None) -> bool:
    if contract is None:
        return False
    head = key.split("[", 1)[0].split(".", 1)[0]
    return head in ("payments", "capital", "payers", "evaluation", "metrics", "cap",
                    "lag_months", "termination_month")


#: The random-number stream of every point (common random numbers: see the module's
#: docstring).
OUTCOME_STREAM = 0


def sweep(scenario: Scenario | str | None, axes: Mapping[str, Sequence[Any]], *,
          contract: Contract | str | Mapping[str, Any] | None = None, runs: int = 100_000,
          seed: int | np.random.SeedSequence | None = None, zip: bool = False,
          level: float = 0.05, within_years: float = 10.0,
          quantiles: tuple[float, ...] = QUANTILES,
          measures: Sequence[str] = ("npv",), engine: str = "auto", keep_runs: bool = False,
          progress: Callable[[int, int], None] | None = None,
          client: Any = None, comparison_size: int | None = None,
          judge_effects: bool | None = None) -> xr.Dataset:
    """The risk summary at every point of a grid.

    Parameters
    ----------
    scenario : Scenario, str or None
        ``None`` takes the scenario the contract names.
    axes : mapping of str to sequence
        Input -> values. A scenario input is a dotted key (``effect.decay``,
        ``contract.investor_surplus_share``, ``gross_employment``); with
        ``contract``, a number in the contract file is a path
        (``payments[0].rates.employed``, ``capital.tranches[0].coupon``).
    contract : Contract, path or mapping, optional
        Summarise this contract's actors instead of the scenario's own contract.
    runs, seed : int
        Runs per point; the seed (``None``: a fresh one, in ``attrs``).
    zip : bool
        Pair the axes' values (all of one length; dim ``point``) instead of
        forming the grid.
    level, within_years, quantiles
        As in :func:`sibrisk.summarize`.
    measures : sequence of str
        With a contract, what to summarise per actor: ``"npv"`` (mean, loss
        probability and quantiles of the NPV, always) and optionally
        ``"irr"`` and ``"exposure"`` (a root-finding and a pass over the
        dated flows per run and actor, so several times slower).
    engine : {"auto", "general"}
        ``"auto"`` settles blocks of contract variants in a compiled kernel
        on outcomes drawn once per outcome model (about a hundred times
        faster than simulating each point), where the contract allows:
        rate cards, surplus and savings shares without triggers, caps of
        every kind, one investor, no termination, guarantee or evaluation
        fee, and ``measures=("npv",)``; anything else, and ``"general"``,
        simulates each block of variants with :func:`sibrisk.simulate`. Both
        give the same numbers (to rounding: the tests compare them).
    comparison_size, judge_effects
        As in :func:`sibrisk.simulate`: the evaluation's comparison group per
        cohort, and whether to judge the payments on a measured effect against
        the true effect. Each point then also has the fields of
        :data:`sibrisk.risk.MEASUREMENT_FIELDS` (how often the programme is
        not paid though it meets its target, paid though it misses it, ...).
        The contract must pay on a measured effect; such a sweep simulates its
        variants (the general engine).
    keep_runs : bool
        Also keep the run-level values of every point (dim ``run``): with a
        contract each actor's NPV (``actor_npv``) and the outcome payments
        (``contract_payment``), present values; without one, every per-run
        output of :func:`sibrisk.simulate` (``investor_result``, ...). Memory
        grows with points x runs: meant for small grids (a sweep that would
        keep more than 2 GiB is refused).
    progress : callable, optional
        Called as ``progress(points_done, points)``.
    client : distributed.Client, optional
        Run the points on a dask cluster: per outcome model one task that
        draws its outcomes, and one task per block of contract variants
        settled on them (or one task per outcome model without a contract),
        each retried if a worker is lost. Every task is a pure function of
        its inputs and the seed, so the result is the same, bit for bit, as
        without a client.

    Returns
    -------
    xarray.Dataset
        One dim per axis (or ``point``), the summary's fields (and a
        ``quantile`` dim for quantile fields; with a contract an ``actor``
        dim), ``outcome_stream`` (the stream each point drew from: 0 for all,
        the stream of :func:`sibrisk.simulate`), and the summary's labels in
        ``attrs``.

    Examples
    --------
    >>> import sibrisk
    >>> ds = sibrisk.sweep("drc-sib-2023", {"contract.investor_surplus_share": [0.3, 0.7]},
    ...                    runs=20_000, seed=1)
    >>> float(ds.investor_loss_probability[0]) > float(ds.investor_loss_probability[1])
    True
    """
    base_contract = load_contract(contract).validated() if contract is not None else None
    runs = _positive_int("runs", runs)
    quantiles = tuple(quantiles)
    if not all(isinstance(q, int | float) and 0.0 < q < 1.0 for q in quantiles):
        raise SibriskError(f"quantiles = {quantiles!r}: each must be a number in (0, 1)")
    if scenario is None:
        if base_contract is None:
            raise SibriskError("scenario: give a scenario (or a contract that names one)")
        scenario = base_contract.scenario_object()
    scenario = load_scenario(scenario)
    seed = _normalise_seed(seed)
    if not axes:
        raise SibriskError("axes: give at least one axis, e.g. {'effect.decay': [0.1, 0.2]}")
    names = list(axes)
    lengths = [len(axes[k]) if hasattr(axes[k], "__len__") and not isinstance(axes[k], str)
               else 1 for k in names]
    check_points(max(lengths) if zip else math.prod(lengths), base_contract is not None)
    values = {}
    for key in names:
        vals = list(np.asarray(axes[key]).tolist()) if not isinstance(axes[key], str) else None
        if not vals:
            raise SibriskError(f"axes[{key!r}]: give a non-empty list of values")
        if _is_contract_term(key, base_contract):
            for value in vals:  # the path, and every value on its own (before any drawing)
                data = base_contract.to_dict()
                _set_path(data, key, float(value), what="axis")
                Contract.from_dict(data, source=f"{base_contract.source} with {key} = {value}")
        else:
            scenario.get(key)  # checks the key (names it, with a suggestion, if unknown)
        values[key] = vals
    if zip:
        lengths = {len(v) for v in values.values()}
        if len(lengths) != 1:
            raise SibriskError("zip: every axis needs the same number of values; got "
                               + ", ".join(f"{k}: {len(v)}" for k, v in values.items()))
        points = list(_zip(*values.values()))
        shape = (len(points),)
    else:
        points = list(itertools.product(*values.values()))
        shape = tuple(len(values[k]) for k in names)
    term_axes = [k for k in names if _is_contract_term(k, base_contract)]
    measures = _check_measures(measures)
    if keep_runs:  # the values, and a stacked copy of them while the dataset is built
        columns = (len(bind_checked(base_contract, scenario).actors) + 1
                   if base_contract is not None else 16)
        need = 2 * len(points) * runs * columns * 8
        if need > _KEEP_RUNS_BYTES:
            raise SibriskError(f"keep_runs: {len(points):,} points x {runs:,} runs would keep "
                               f"about {need / 2**30:.1f} GiB of run-level values (at most "
                               f"{_KEEP_RUNS_BYTES / 2**30:.0f} GiB); sweep fewer points or "
                               "runs, or keep the summaries only")
    if engine not in ("auto", "general"):
        raise SibriskError(f"engine = {engine!r}: must be 'auto' (compiled where the contract "
                           "allows) or 'general'")
    measurement = comparison_size is not None or bool(judge_effects)
    if measurement and (base_contract is None or not base_contract.measuring()):
        raise SibriskError("comparison_size and judge_effects: give a contract that pays on a "
                           "measured effect (an effect payment, or a trigger)")
    # group the points by their outcome model, then by their scenario
    groups: dict[tuple, list[int]] = {}
    for i, point in enumerate(points):
        at = dict(_zip(names, point))
        key = tuple((k, at[k]) for k in names if k not in term_axes)
        groups.setdefault(key, []).append(i)
    options = {"runs": runs, "seed": seed, "level": level, "within_years": within_years,
               "quantiles": tuple(quantiles), "measures": measures, "keep_runs": keep_runs,
               "comparison_size": comparison_size, "judge_effects": judge_effects,
               "contract": base_contract.to_dict() if base_contract is not None else None,
               "source": base_contract.source if base_contract is not None else None}
    # the tasks: per outcome model, its points (or blocks of contract variants on it); a
    # block is settled by the compiled kernel on outcomes drawn once per model, where the
    # contract and the measures allow, else by simulating its variants
    plan: list[tuple[Any, list[tuple]]] = []  # (outcome job or None, tasks)
    for key, members in groups.items():
        s = scenario.replace(dict(key)) if key else scenario
        stream = OUTCOME_STREAM
        if base_contract is None:
            plan.append((None, [(s, stream, members, None)]))
            continue
        compiled = engine == "auto" and measures == ("npv",) and not measurement \
            and _compiles(base_contract, s)
        size = _block_size(runs) if compiled else CONTRACT_BATCH
        tasks = []
        for lo in range(0, len(members), size):
            block = members[lo: lo + size]
            terms = [{k: float(dict(_zip(names, points[i]))[k]) for k in term_axes}
                     for i in block]
            tasks.append((s, stream, block, terms))
        plan.append(((s, stream) if compiled else None, tasks))
    summaries: list[dict[str, Any] | None] = [None] * len(points)  # without a contract
    blocks: list[tuple[list[int], BlockSummary]] = []  # with one
    streams = np.zeros(len(points), dtype=np.int64)
    done = 0

    def collect(task, result) -> None:
        nonlocal done
        _, stream, members, _ = task
        if isinstance(result, BlockSummary):
            blocks.append((members, result))
        else:
            for i, summary in _zip(members, result):
                summaries[i] = summary
        streams[members] = stream
        done += len(members)
        if progress:
            progress(done, len(points))

    if client is None:
        workspace = _Workspace()  # buffers the blocks reuse, freed when the sweep ends
        # while one block's kernels run (without the GIL), a thread prepares the next
        # block's variants in Python; only this thread runs kernels
        with ThreadPoolExecutor(1, thread_name_prefix="sibrisk-sweep") as pool:
            for job, tasks in plan:
                outcomes = _draw_outcomes(job, options) if job is not None else None
                ahead = pool.submit(_prepare, tasks[0], options, outcomes)
                for i, task in enumerate(tasks):
                    prepared = ahead.result()
                    if i + 1 < len(tasks):
                        ahead = pool.submit(_prepare, tasks[i + 1], options, outcomes)
                    collect(task, _finish(task, prepared, options, workspace))
                del outcomes, prepared
    else:
        from distributed import as_completed

        futures, index = [], {}
        for job, tasks in plan:
            drawn = (client.submit(_draw_outcomes, job, options, pure=False, retries=3)
                     if job is not None else None)
            for task in tasks:
                future = client.submit(_run_task, task, options, drawn, pure=False, retries=3)
                futures.append(future)
                index[future.key] = task
        for future, result in as_completed(futures, with_results=True, loop=client.loop):
            collect(index[future.key], result)
    return _dataset(scenario, names, values, points, shape, zip,
                    blocks if base_contract is not None else summaries, streams,
                    base_contract, runs=runs, seed=seed, level=level,
                    within_years=within_years, quantiles=tuple(quantiles), measures=measures)


_zip = builtins.zip  # the parameter ``zip`` of sweep shadows the builtin there

#: Memory a sweep keeps per point, in bytes, whatever its runs, without and with a
#: contract: the point's summary, its share of the dataset and of the grid. Measured with
#: tracemalloc (the peak's growth from 100 to 400, and 4,000 to 16,000 points): about
#: 6 KiB without a contract (each point keeps the summary of its own simulation) and
#: 30 bytes with one (the compiled kernel's summaries are arrays); rounded up.
POINT_BYTES = {False: 8 * 2**10, True: 2**10}


def check_points(points: int, contract: bool = False) -> None:
    """Refuse, before anything is built, a grid whose points would not fit in memory
    (the runs of each point are checked by :func:`sibrisk.simulate` as it starts)."""
    check_memory(f"{points:,} points", points * POINT_BYTES[contract],
                 "give fewer values per axis (or --zip the axes)")

#: What a contract sweep can summarise per actor.
MEASURES = ("npv", "irr", "exposure")


def _check_measures(measures: Sequence[str] | str) -> tuple[str, ...]:
    if isinstance(measures, str):
        measures = (measures,)
    measures = tuple(measures)
    if "npv" not in measures or any(m not in MEASURES for m in measures) \
            or len(set(measures)) != len(measures):
        raise SibriskError(f"measures = {measures!r}: give 'npv' and any of 'irr', "
                           "'exposure' (each once)")
    return tuple(m for m in MEASURES if m in measures)


def _compiles(contract: Contract, scenario: Scenario) -> bool:
    """Whether the compiled kernel settles this contract in this scenario."""
    from ..ledger.family import outside_family

    return outside_family(bind_checked(contract, scenario)) is None


def _block_size(runs: int) -> int:
    """Variants per compiled block: the block's run-level values (the payments' present
    value, 8 bytes a run) take about ``_BLOCK_BYTES``."""
    return int(min(max(_BLOCK_BYTES // (8 * runs), 8), 512))


#: Most run-level values a sweep keeps with ``keep_runs``.
_KEEP_RUNS_BYTES = 2 * 2**30

#: Memory for one compiled block's run-level values.
_BLOCK_BYTES = 160 * 2**20


def _variants(options: dict[str, Any], members: list[int], terms: list[dict[str, float]]
              ) -> list[Contract]:
    """The contract at each point: the base contract with the point's terms."""
    out = []
    base = pickle.dumps(options["contract"])  # a copy per point: loads is a fast deepcopy
    for i, at in _zip(members, terms):
        data = pickle.loads(base)
        for k, v in at.items():
            _set_path(data, k, v)
        data["name"] = f"point-{i}"
        out.append(Contract.from_dict(data, source=options["source"]))
    return out


def _draw_outcomes(job: tuple, options: dict[str, Any]) -> Any:
    """What the compiled kernel settles on, for every run of one outcome model: a pure
    function of its inputs and the seed (it runs on a dask worker as well as here)."""
    from ..ledger.family import outcomes_of
    from .simulate import OutcomeKeeper

    scenario, stream = job
    contract = Contract.from_dict(options["contract"], source=options["source"])
    keeper = simulate(scenario, runs=options["runs"], seed=options["seed"], stream=stream,
                      contracts=[contract], _book=OutcomeKeeper)
    return outcomes_of(keeper)


def _run_task(task: tuple, options: dict[str, Any], outcomes: Any = None,
              workspace: Any = None) -> list[dict[str, Any]] | BlockSummary:
    """The summaries of one task's points (one per point without a contract, a
    :class:`BlockSummary` with one): a pure function of its inputs (it runs on a dask
    worker as well as here)."""
    return _finish(task, _prepare(task, options, outcomes), options, workspace)


def _prepare(task: tuple, options: dict[str, Any], outcomes: Any = None) -> tuple:
    """The Python half of a contract task: its variants, and (where the compiled kernel
    can settle them on ``outcomes``) their family with the outcomes."""
    scenario, _, members, terms = task
    if terms is None:
        return None, None, None
    variants = _variants(options, members, terms)
    if outcomes is not None:
        from ..ledger.family import compile_family

        family = compile_family([bind_checked(v, scenario) for v in variants],
                                outcomes.savings_years)
        # the outcomes were drawn for the base contract: its metrics' chain and retentions,
        # and discount factors as far as its dates
        if family is not None and outcomes.fit(family):
            return variants, family, outcomes
    return variants, None, None


def _finish(task: tuple, prepared: tuple, options: dict[str, Any], workspace: Any = None
            ) -> list[dict[str, Any]] | BlockSummary:
    """The summaries of a task from :func:`_prepare`'s work."""
    scenario, stream, members, terms = task
    if terms is None:
        ds = simulate(scenario, runs=options["runs"], seed=options["seed"], stream=stream)
        summary = _flat(summarize(ds, level=options["level"],
                                  within_years=options["within_years"],
                                  quantiles=options["quantiles"]))
        if options["keep_runs"]:
            summary["_runs"] = {name: ds[name].values for name in ds.data_vars
                                if ds[name].dims == ("run",)}
        return [summary] * len(members)
    variants, family, outcomes = prepared
    if family is not None:
        from ..ledger.family import settle_and_summarize

        return settle_and_summarize(family, outcomes, options["quantiles"], workspace,
                                    keep_runs=options["keep_runs"])
    # the general path: the variants simulated together (common random numbers), a batch
    # at a time
    out = []
    for lo in range(0, len(variants), CONTRACT_BATCH):
        out += _simulate_variants(scenario, stream, variants[lo: lo + CONTRACT_BATCH], options)
    return _block(out, options["quantiles"])


def _block(summaries: list[dict[str, Any]], quantiles: tuple[float, ...]) -> BlockSummary:
    """The summaries of ``risk.summarize_contracts`` (one per point) as arrays."""
    actors = list(dict.fromkeys(a for s in summaries for a in s["actors"]))
    per_actor = [list(s["actors"].get(a, {}) for a in actors) for s in summaries]
    names = list(dict.fromkeys(f for s in summaries for a in s["actors"].values() for f in a))
    scalar = [f for f in names if not any(isinstance(a.get(f), dict)
                                          for s in summaries for a in s["actors"].values())]
    keys = [f"{q:g}" for q in quantiles]
    out = BlockSummary(
        actors=tuple(actors),
        present=np.array([[a in s["actors"] for a in actors] for s in summaries], dtype=bool),
        contract={f: np.array([_num(s.get(f)) for s in summaries])
                  for f in CONTRACT_FIELDS + tuple(f for f in MEASUREMENT_FIELDS
                                                   if f in summaries[0])},
        actor={f: np.array([[_num(a.get(f)) for a in row] for row in per_actor])
               for f in scalar},
        quantile={f: np.array([[[_num((a.get(f) or {}).get(k)) for k in keys] for a in row]
                               for row in per_actor]) for f in names if f not in scalar})
    if "_runs" in summaries[0]:
        runs = summaries[0]["_runs"]["contract_payment"].shape[0]
        npv = np.zeros((len(summaries), len(actors), runs))
        for i, s in enumerate(summaries):
            for row, actor in _zip(s["_runs"]["actor_npv"], s["actors"], strict=True):
                npv[i, actors.index(actor)] = row
        out.runs = {"actor_npv": npv, "contract_payment": np.stack(
            [s["_runs"]["contract_payment"] for s in summaries])}
    return out


def _simulate_variants(scenario: Scenario, stream: int, variants: list[Contract],
                       options: dict[str, Any]) -> list[dict[str, Any]]:
    """The summaries of contract variants simulated together (the general path)."""
    ds = simulate(scenario, runs=options["runs"], seed=options["seed"], stream=stream,
                  contracts=variants, contract_stats=options["measures"],
                  comparison_size=options.get("comparison_size"),
                  judge_effects=options.get("judge_effects"))
    risk = summarize_contracts(ds, quantiles=options["quantiles"])
    if options["keep_runs"]:
        for v in variants:
            one = ds.sel(contract=v.name)
            members = one.actor.values[one.in_contract.values]  # the summary's actors
            risk[v.name]["_runs"] = {
                "actor_npv": one.actor_npv.sel(actor=members).transpose("actor", "run").values,
                "contract_payment": one.contract_payment.values}
    return [risk[v.name] for v in variants]


def _flat(summary: xr.Dataset) -> dict[str, Any]:
    out: dict[str, Any] = {name: summary[name].values for name in summary.data_vars}
    out["_attrs"] = dict(summary.attrs)
    out["_quantiles"] = summary["quantile"].values if "quantile" in summary.coords else None
    out["_units"] = {name: summary[name].attrs.get("units", "") for name in summary.data_vars}
    return out


def _dataset(scenario, names, values, points, shape, zipped, summaries, streams, contract,
             **attrs) -> xr.Dataset:
    dims = ("point",) if zipped else tuple(names)
    if zipped:
        coords: dict[str, Any] = {k: ("point", [p[j] for p in points])
                                  for j, k in enumerate(names)}
    else:
        coords = {k: values[k] for k in names}
    data: dict[str, Any] = {"outcome_stream": (dims, streams.reshape(shape), {
        "long_name": "random-number stream the point drew from (the same for every point: "
        "common random numbers)"})}
    if contract is None:
        first = summaries[0]
        for name, value in first.items():
            if name.startswith("_"):
                continue
            stack = np.stack([s[name] for s in summaries]).reshape(shape + np.shape(value))
            extra = ("quantile",) if np.ndim(value) else ()
            data[name] = (dims + extra, stack, {"units": first["_units"].get(name, "")})
        if first["_quantiles"] is not None:
            coords["quantile"] = first["_quantiles"]
        labels = {k: v for k, v in first["_attrs"].items()
                  if k in ("scenario", "currency", "price_year", "basis", "valuation",
                           "cohort_size", "parameter_uncertainty", "cohort_uncertainty")}
    else:
        _contract_fields(data, coords, dims, shape, summaries, attrs["runs"],
                         attrs["quantiles"], scenario.currency)
        labels = common_attrs(scenario, "mc")
        labels["contract"] = contract.name
        labels["missing"] = ("NaN: the actor has no such measure at that point (not in "
                             "the contract, or not finite)")
    if contract is None and "_runs" in summaries[0]:
        coords["run"] = np.arange(attrs["runs"])
        for name in summaries[0]["_runs"]:
            stack = np.stack([s["_runs"][name] for s in summaries])
            data[name] = (dims + ("run",), stack.reshape(shape + (attrs["runs"],)))
    ds = xr.Dataset(data, coords=coords)
    ds.attrs = {"title": f"sibrisk sweep of scenario {scenario.name}", **labels,
                "runs_per_point": attrs["runs"], "seed": attrs["seed"],
                "level": attrs["level"], "within_years": attrs["within_years"],
                **({"measures": ", ".join(attrs["measures"])} if contract is not None else {}),
                "points": len(points), "grid": "zipped" if zipped else "full",
                "random_numbers": "SeedSequence(seed, spawn_key=(outcome_stream, chunk, "
                "purpose)), the same stream at every point: every point inverts the same "
                "uniforms for the same purpose (common random numbers)"}
    return ds


def _contract_fields(data, coords, dims, shape, blocks, runs, quantiles, currency) -> None:
    """The fields of a contract sweep from its blocks' summaries: per point, per point and
    actor, per point, actor and quantile, and the run-level values (``keep_runs``)."""
    points = int(np.prod(shape))
    blocks = sorted(blocks, key=lambda b: min(b[0]))  # the same order however they came
    first: dict[str, tuple[int, int]] = {}  # actor -> (first point with it, place there)
    for members, block in blocks:
        idx = np.asarray(members)
        for j, actor in enumerate(block.actors):
            having = idx[block.present[:, j]]
            if having.size and (actor not in first or (int(having.min()), j) < first[actor]):
                first[actor] = (int(having.min()), j)
    actors = sorted(first, key=first.__getitem__)
    where = [(np.asarray(m), [actors.index(a) for a in b.actors], b) for m, b in blocks]

    def grid(fields: str, extra: tuple[int, ...], name: str) -> np.ndarray:
        out = np.full((points,) + extra, np.nan)
        for idx, cols, block in where:
            values = getattr(block, fields).get(name)
            if values is None:
                continue
            if fields == "contract":
                out[idx] = values
            else:
                out[idx[:, None], cols] = values
        return out.reshape(shape + extra)

    def values(fields: str, extra: tuple[int, ...], name: str) -> np.ndarray:
        out = grid(fields, extra, name)
        return estimated(out) if name.endswith("_se") else out  # never an error of 0

    for name in dict.fromkeys(f for _, b in blocks for f in b.contract):
        data[name] = (dims, values("contract", (), name))
    for name in dict.fromkeys(f for _, b in blocks for f in b.actor):
        data[name] = (dims + ("actor",), values("actor", (len(actors),), name))
    for name in dict.fromkeys(f for _, b in blocks for f in b.quantile):
        data[name] = (dims + ("actor", "quantile"),
                      values("quantile", (len(actors), len(quantiles)), name))
    coords["actor"] = actors
    coords["quantile"] = list(quantiles)
    if blocks[0][1].runs is None:
        return
    coords["run"] = np.arange(runs)
    npv = np.zeros((points, len(actors), runs))
    payment = np.empty((points, runs))
    for idx, cols, block in where:
        npv[idx[:, None], cols] = block.runs["actor_npv"]
        payment[idx] = block.runs["contract_payment"]
    data["actor_npv"] = (dims + ("actor", "run"), npv.reshape(shape + (len(actors), runs)), {
        "long_name": "net present value of the actor's flows in each run (0 where the actor "
        "is not in the contract)", "units": currency})
    data["contract_payment"] = (dims + ("run",), payment.reshape(shape + (runs,)), {
        "long_name": "outcome payments in each run, present value", "units": currency})


def _num(x: Any) -> float:
    return float("nan") if x is None else float(x)


def sweep_to_dict(ds: xr.Dataset) -> dict[str, Any]:
    """A sweep as a JSON-ready dict: the axes, and one entry per point with its values
    and its summary (quantile fields keyed by quantile, by actor with a contract;
    ``None`` where a measure is not finite). Run-level values (``keep_runs``) stay in
    the dataset."""
    axes = [d for d in ds["outcome_stream"].dims]
    flat = ds.stack(_point=axes) if axes != ["point"] else ds.rename({"point": "_point"})
    names = [k for k in ds.coords if k not in ("quantile", "actor", "run")] \
        if axes == ["point"] else axes
    count = flat.sizes["_point"]
    at = {k: flat[k].values.tolist() for k in names}
    actors = [str(a) for a in ds["actor"].values] if "actor" in ds.coords else []
    keys = [f"{q:g}" for q in ds["quantile"].values] if "quantile" in ds.coords else []
    fields = []  # (name, values with the point first, how to read one point's values)
    for name, da in flat.data_vars.items():
        if "run" in da.dims:
            continue
        rest = [d for d in ("actor", "quantile") if d in da.dims]
        values = np.asarray(da.transpose("_point", *rest).values, dtype=float)
        fields.append((name, values, tuple(rest)))
    points = []
    for i in range(count):
        summary: dict[str, Any] = {}
        for name, values, rest in fields:
            row = values[i]
            if rest == ("actor", "quantile"):
                summary[name] = {a: dict(zip(keys, map(json_value, r), strict=True))
                                 for a, r in zip(actors, row, strict=True)}
            elif rest == ("quantile",):
                summary[name] = dict(zip(keys, map(json_value, row), strict=True))
            elif rest == ("actor",):
                summary[name] = dict(zip(actors, map(json_value, row), strict=True))
            else:
                summary[name] = json_value(row)
        points.append({"at": {k: at[k][i] for k in names}, "summary": summary})
    labels = {k: (v.item() if isinstance(v, np.generic) else v) for k, v in ds.attrs.items()}
    labels["point_count"] = labels.pop("points")
    return {**labels, "axes": {k: np.atleast_1d(ds[k].values).tolist() for k in names},
            "points": points}


