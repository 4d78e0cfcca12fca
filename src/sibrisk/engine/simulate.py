"""Monte Carlo: distributions of what each actor gets.

:func:`simulate` draws, run by run, first the uncertain inputs (what we do not
know about the world) and then the cohort's outcomes (the luck of one
cohort), settles the contract priced on the scenario's point values, and
returns every run's money as an :class:`xarray.Dataset`.

Randomness is reproducible and independent of scheduling: runs are cut into
chunks of a fixed size, and every chunk draws from its own generators, one per
purpose, keyed ``SeedSequence(seed, spawn_key=(stream, chunk, purpose))``:
the cohort's uniforms (0), the composition's uniforms (1), the correlated
inputs' normals (2), each other uncertain input (3 plus the CRC-32 of its
dotted key, so an input keeps its numbers whatever other inputs there are),
each contract metric after ``employed`` (3 plus the CRC-32 of
``metric.NAME``) and the comparison group's draws of each metric (3 plus the
CRC-32 of ``comparison.NAME``). A chunk's numbers therefore depend only on
the seed, the stream, the chunk's index and the chunk size: one thread or
many, and any order of chunks, give bit-identical results, and the first
``m`` runs of a larger simulation equal a simulation of ``m`` runs.

Common random numbers. Every draw is an inversion of one uniform (or, for
correlated inputs, of one normal through the copula), monotone in it: an
input through its quantile function, every count by the exact inversion of
its binomial distribution (``sibrisk.outcomes.draw.binomial``), a drawn composition as a
chain of binomials (each type a binomial of the participants not yet given a
type). So two simulations with the same seed and stream, of scenarios that
differ in their inputs, draw the same uniforms for the same purpose, and a
small change of an input changes the draws of a vanishing share of runs:
changing one input's value or distribution, or switching parameter
uncertainty off, leaves the cohort's luck and the other inputs' draws as they
were. Contract variants (``contracts=``) are settled on the very same draws.
What is not coupled: a change of the structure, that is the number of types
or of cohorts (the cohort's uniforms are drawn per cell), or the set of
correlated inputs (their normals are drawn as one block in the order of
their names); and two different streams, which are independent.
"""

from __future__ import annotations

import functools
import math
import os
import secrets
import threading
import zlib
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import version
from typing import Any

import numba
import numpy as np
import xarray as xr
from scipy import special

from .._limits import check_memory
from ..contract.terms import BASE_METRIC
from ..errors import SibriskError
from ..ledger import stats as S
from ..ledger.discount import discount_factors
from ..metrics.catalogue import CatalogueContract, Wanted
from ..metrics.schema import OUTPUT_COLUMNS, OUTPUT_MEANINGS, OUTPUT_UNITS
from ..outcomes import draw as D
from ..scenario.params import N_PARAMS, P_COST, PARAM_KEYS, point_parameters
from ..scenario.spec import Scenario, load_scenario
from ..scenario.uncertainty import normal_correlation
from .fused import simulate_chunk

__all__ = ["simulate", "DEFAULT_CHUNK_SIZE", "fixed_counts"]

#: Runs per chunk. Part of the random-number contract: stored in ``attrs``.
#: Large enough that the per-chunk work in Python (creating generators, building
#: arrays) is a small share of the compiled work (measured: 65,536 beat 4,096
#: to 32,768 by 10-30 % on two threads).
DEFAULT_CHUNK_SIZE = 65_536

# purposes of the per-chunk generators
COHORT, COMPOSITION, COPULA, FIRST_INPUT = 0, 1, 2, 3

def _largest_remainder(exact: np.ndarray, total: int) -> np.ndarray:
    counts = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[: total - counts.sum()]] += 1
    return counts


def cohort_sizes(scenario: Scenario) -> np.ndarray:
    """Participants in each of the ``cohort.cohorts`` cohorts (as even as possible; the
    earlier cohorts take one more when the size does not divide)."""
    k = scenario.cohort.cohorts
    n = scenario.cohort.size
    return np.array([n // k + (1 if i < n % k else 0) for i in range(k)], dtype=np.int64)


def fixed_cohort_counts(scenario: Scenario) -> np.ndarray:
    """Participants by cohort and type in a cohort of fixed composition, (cohort, type).

    In each cohort, the shares times its size, rounded by the largest-remainder
    method so the counts sum to the size (ties go to the earlier type).
    """
    w = np.array([t.share for t in scenario.types])
    return np.stack([_largest_remainder(w * size, int(size)) for size in cohort_sizes(scenario)])


def fixed_counts(scenario: Scenario) -> np.ndarray:
    """Participants of each type in a cohort of fixed composition (all cohorts together)."""
    return fixed_cohort_counts(scenario).sum(axis=0)


def _normalise_seed(seed: int | np.random.SeedSequence | None) -> int:
    if seed is None:
        return secrets.randbits(63)
    if isinstance(seed, np.random.SeedSequence):
        if seed.spawn_key:
            raise SibriskError("seed: give a SeedSequence without a spawn_key "
                               "(sibrisk keys its chunks itself)")
        if not isinstance(seed.entropy, int):
            raise SibriskError("seed: give a whole number, or a SeedSequence made from one "
                               "(its entropy is recorded in attrs['seed'])")
        seed = seed.entropy
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise SibriskError(f"seed = {seed!r}: must be a whole number >= 0 (or None)")
    return int(seed)


def _positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise SibriskError(f"{name} = {value!r}: must be a whole number >= 1")
    return int(value)


class _Plan:
    """Everything a chunk needs, worked out once per simulation.

    Participants are drawn in *cells*, one per cohort and type (cohort-major):
    with one cohort the cells are the types.
    """

    def __init__(self, scenario: Scenario, parameter_uncertainty: bool, cohort_uncertainty: bool,
                 bound: tuple = ()):
        self.scenario = scenario
        self.bound = bound
        self.cohorts = scenario.cohort.cohorts
        self.cohort_luck = cohort_uncertainty
        self.pay_year = scenario.contract.payment_year
        self.types = scenario.type_names
        self.uncertain = dict(scenario.uncertain) if parameter_uncertainty else {}
        self.inputs = list(self.uncertain)
        self.params = point_parameters(scenario)
        horizon = scenario.effect.horizon
        if "effect.horizon" in self.uncertain:
            horizon = int(np.rint(self.uncertain["effect.horizon"].support()[1]))
        self.years = max(horizon, self.pay_year) + 1
        #: the scenario's own contract, as the fused engine settles it every run
        self.catalogue = CatalogueContract.of(scenario, self.years)
        self._scratch = threading.local()
        # the contracts' dates may run past the scenario's years: discount further for them
        self.discount_years = max([self.years, *(b.years for b in bound)])
        # correlated inputs: Cholesky factor of the normal-copula correlation
        pairs = scenario.correlation if parameter_uncertainty else ()
        self.correlated = sorted({n for a, b, _ in pairs for n in (a, b)})
        if self.correlated:
            m = np.eye(len(self.correlated))
            for a, b, r in pairs:
                i, j = self.correlated.index(a), self.correlated.index(b)
                m[i, j] = m[j, i] = normal_correlation(r)
            self.cholesky = np.linalg.cholesky(m)
        weights = np.array([t.share for t in scenario.types])
        weights = weights / weights.sum()  # shares sum to 1 within 1e-6; make it exact
        self.weights = weights
        # each type's share of the shares from it on: the chain of binomials of a drawn
        # composition (the last type takes the rest)
        tail = np.cumsum(weights[::-1])[::-1]
        self.conditional_shares = np.clip(np.divide(weights, tail, out=np.ones_like(weights),
                                                    where=tail > 0), 0.0, 1.0)
        self.cohort_sizes = cohort_sizes(scenario)
        if not cohort_uncertainty:  # expectations, fractional
            self.counts = (self.cohort_sizes[:, None] * weights[None, :]).ravel()
            self.drawn_composition = False
        else:
            self.counts = fixed_cohort_counts(scenario).astype(float).ravel()
            self.drawn_composition = scenario.cohort.composition == "drawn"

    def scratch(self) -> Any:
        """This thread's scratch arrays for the fused engine (made once per thread)."""
        s = getattr(self._scratch, "arrays", None)
        if s is None:
            s = self._scratch.arrays = self.catalogue.scratch(self.cohorts, len(self.types))
        return s

    def draw_inputs(self, seed: int, stream: int, chunk: int,
                    size: int) -> dict[str, np.ndarray]:
        """Draws of every uncertain input for the first ``size`` runs of one chunk."""
        out: dict[str, np.ndarray] = {}
        if self.correlated:
            normals = chunk_generator(seed, stream, chunk, COPULA).standard_normal(
                (size, len(self.correlated)))
            # z = normals @ cholesky.T, summed in a fixed order (no BLAS: the same bits on
            # every machine)
            z = np.zeros_like(normals)
            for j in range(z.shape[1]):
                for k in range(j + 1):
                    z[:, j] += normals[:, k] * self.cholesky[j, k]
            u = special.ndtr(z)
            for j, key in enumerate(self.correlated):
                out[key] = self.uncertain[key].ppf(u[:, j])
        for key in self.inputs:
            if key not in out:
                out[key] = self.uncertain[key].draw(
                    chunk_generator(seed, stream, chunk, input_purpose(key)), size)
        return out

    def arrays(self, draws: dict[str, np.ndarray]):
        """The kernel's inputs for one chunk, given the drawn inputs."""
        s = self.scenario

        def column(key: str, point: float) -> np.ndarray:
            return draws[key] if key in draws else np.array([point])

        g = _broadcast_rows(*[column(f"types.{t.name}.gross_employment", t.gross_employment)
                              for t in s.types])
        c = _broadcast_rows(*[column(f"types.{t.name}.control_employment", t.control_employment)
                              for t in s.types])
        g, c = _broadcast_rows(np.stack(g, axis=-1), np.stack(c, axis=-1))
        params = self.params
        columns = np.array([j for j in range(N_PARAMS) if PARAM_KEYS[j] in draws],
                           dtype=np.int64)
        rows = max((a.shape[0] for a in draws.values()), default=1)
        varying = np.empty((rows, columns.size))
        for i, j in enumerate(columns):
            varying[:, i] = draws[PARAM_KEYS[j]]
        t = np.arange(self.discount_years)
        if "discounting.rate" in draws:
            discount = (1.0 + draws["discounting.rate"][:, None]) ** -t.astype(float)
        else:
            discount = discount_factors(s.discounting, self.discount_years - 1)[None, :]
        if self.cohorts > 1:  # one cell per cohort and type
            g, c = np.tile(g, (1, self.cohorts)), np.tile(c, (1, self.cohorts))
        # writable, C-ordered float arrays always: one compiled signature of the kernel
        own = lambda a: np.require(a, dtype=float, requirements=["C", "W"])  # noqa: E731
        return own(g), own(c), params, varying, columns, own(discount)


def _broadcast_rows(*arrays: np.ndarray) -> list[np.ndarray]:
    rows = max(a.shape[0] for a in arrays)
    return [np.broadcast_to(a, (rows,) + a.shape[1:]) for a in arrays]


def input_purpose(key: str) -> int:
    """The generator purpose of an uncertain input: fixed by its name, not its position,
    so adding, removing or fixing other inputs leaves its draws as they were."""
    return FIRST_INPUT + zlib.crc32(key.encode("utf-8"))


def chunk_generator(seed: int, stream: int, chunk: int, purpose: int) -> np.random.Generator:
    """One generator of one chunk: ``SeedSequence(seed, spawn_key=(stream, chunk, purpose))``."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(stream, chunk, purpose)))


def simulate(
    scenario: Scenario | str,
    runs: int = 100_000,
    seed: int | np.random.SeedSequence | None = None,
    *,
    method: str = "mc",
    parameter_uncertainty: bool = True,
    cohort_uncertainty: bool = True,
    yearly: bool = False,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    threads: int | None = None,
    stream: int = 0,
    progress: Callable[[int, int], None] | None = None,
    contracts: object = None,
    contract_stats: tuple[str, ...] | list[str] = S.ACTOR_COLUMNS,
    comparison_size: int | None = None,
    judge_effects: bool | None = None,
    _book: type | None = None,
) -> xr.Dataset:
    """Simulate a scenario's contract run by run.

    Each run draws the uncertain inputs (unless ``parameter_uncertainty`` is
    off), then per participant type the deadweight
    :math:`D_i \\sim \\mathrm{Bin}(n_i, c_i)` and the additional employment
    :math:`A_i \\sim \\mathrm{Bin}(n_i - D_i, (g_i - c_i)/(1 - c_i))` (unless
    ``cohort_uncertainty`` is off, when both are their expectations). The
    gross outcome :math:`D_i + A_i` triggers payment; only :math:`A_i` saves
    the municipality money. The contract is priced once, on the scenario's
    point values, as the deterministic :func:`account` does.

    Parameters
    ----------
    scenario : Scenario or str
        A scenario, a built-in name or a TOML path.
    runs : int
        Number of runs (``method="mc"``).
    seed : int or numpy.random.SeedSequence, optional
        Same seed, same numbers. ``None`` draws a fresh seed and records it in
        ``attrs["seed"]``.
    method : {"mc", "exact"}
        Monte Carlo, or exact enumeration of the outcome counts (see
        :func:`sibrisk.exact.enumerate_outcomes`); the exact dataset has an
        ``outcome`` dim and a ``probability`` variable instead of ``run``.
    parameter_uncertainty, cohort_uncertainty : bool
        Switch either kind of uncertainty off.
    yearly : bool
        Also return the yearly cash flows of the municipality and the
        investor, and the municipality's cumulative account in present value
        (dims ``run`` and ``year``; memory grows with the horizon).
    chunk_size : int
        Runs per chunk; part of the random-number contract (``attrs``).
    threads : int, optional
        Chunks computed at once; default ``numba.get_num_threads()``
        (``NUMBA_NUM_THREADS``). The result does not depend on it.
    stream : int
        Independent stream of random numbers for the same seed (default 0;
        every point of a :func:`sibrisk.sweep` draws from stream 0).
    progress : callable, optional
        Called as ``progress(runs_done, runs)`` as chunks finish.
    contracts : Contract, path, or list of them, optional
        Contract variants to evaluate on the same draws (common random
        numbers), each bound to this scenario. The dataset gains a
        ``contract`` dim (and an ``actor`` dim): every actor's NPV, IRR,
        multiple, largest exposure and payback year, the outcome payments,
        the claims cut by caps and the declared reinvestment, per run. A
        metric after ``employed`` is drawn as ``Binomial(count before it,
        retention)`` from a stream keyed by its name, so variants share
        those draws too.
    contract_stats : sequence of str
        Which per-actor statistics of the contracts to keep per run, among
        ``"npv"``, ``"multiple"``, ``"exposure"``, ``"payback_year"`` and
        ``"irr"`` (default all). With many variants, ``("npv",)`` is several
        times faster and smaller: the NPV alone is linear in the flows.
    comparison_size : int, optional
        For contracts that pay on an effect measured against a comparison group
        (effect payments, thresholds, tiers, triggers): the evaluation measures
        the comparison group's rate on this many people per cohort, a binomial
        draw around the true rate, instead of knowing it exactly (the
        default). The cohort's own rate is always measured on its participants.
    judge_effects : bool, optional
        Keep, per run and contract, whether the mechanisms that measure an
        effect paid on the measured effect (``contract_effect_paid``), whether
        they would have on the true effect (``contract_effect_deserved``: the
        programme's expected rate minus the comparison group's, in the run's
        drawn world) and the payment on the true effect
        (``contract_payment_true_effect``); :func:`sibrisk.risk.summarize_contracts`
        then reports how often a programme that meets its target is not paid,
        and how often one that misses it is paid. Default: on when
        ``comparison_size`` is given.

    Returns
    -------
    xarray.Dataset
        Per run (dim ``run``): the money of each actor, per cohort, present
        value at t = 0; per run and type: participants, gross and
        additional employment, deadweight; per run and input: the drawn
        uncertain inputs. ``attrs`` hold currency, price year, seed, chunk
        size, stream and package versions. Save with ``to_netcdf``.

    Examples
    --------
    >>> import sibrisk
    >>> ds = sibrisk.simulate("drc-sib-2023", runs=10_000, seed=1)
    >>> ds.sizes["run"]
    10000
    >>> 0.0 < float((ds.investor_result < 0).mean()) < 1.0
    True
    """
    scenario = load_scenario(scenario)
    if method == "exact":
        from .exact import enumerate_outcomes

        if contracts is not None:
            raise SibriskError("contracts: evaluated run by run; use method='mc' (the exact "
                               "method enumerates the scenario's own contract)")

        return enumerate_outcomes(scenario, parameter_uncertainty=parameter_uncertainty,
                                  cohort_uncertainty=cohort_uncertainty)
    if method != "mc":
        raise SibriskError(f"method = {method!r}: must be 'mc' or 'exact'")
    runs = _positive_int("runs", runs)
    chunk_size = _positive_int("chunk_size", chunk_size)
    if isinstance(stream, bool) or not isinstance(stream, int | np.integer) or stream < 0:
        raise SibriskError(f"stream = {stream!r}: must be a whole number >= 0")
    stream = int(stream)
    seed = _normalise_seed(seed)
    threads = _positive_int("threads", threads if threads is not None else numba.get_num_threads())
    bound = _bind_contracts(contracts, scenario)
    contract_stats = _check_stats(contract_stats)
    plan = _Plan(scenario, parameter_uncertainty, cohort_uncertainty, bound)
    k_types = len(plan.types)
    cells = k_types * plan.cohorts
    _check_memory(plan, runs, yearly, bound, contract_stats, _book)
    out = np.empty((runs, len(OUTPUT_COLUMNS)))
    gross = np.empty((runs, k_types))
    add = np.empty((runs, k_types))
    # participants: one row per run when the composition is drawn, else one row for all
    counts = np.empty((runs, k_types)) if plan.drawn_composition else None
    deadweight = np.empty((runs, k_types))
    inputs = np.empty((runs, len(plan.inputs)))
    flows = np.empty((runs, 3, plan.years)) if yearly else None
    irr = np.empty(runs) if plan.pay_year > 0 else None  # else the investor's flows share a date
    # ``_book`` (private): another keeper of the contracts' outcomes (a sweep's
    # :class:`OutcomeKeeper`), which then returns itself instead of a dataset
    book = (_book or _ContractBook)(plan, runs, yearly, contract_stats) if bound else None
    if comparison_size is not None or judge_effects:
        _measurement(book, bound, comparison_size, judge_effects, _book)
    # Every array is written by the chunk that computes it, each page first touched in
    # that chunk's thread (a serial fill here first would stop the threads from scaling)
    if book is not None:
        for array in book.arrays():
            array.fill(0.0)
        book.fill_absent()
    chunks = [(j, j * chunk_size, min(chunk_size, runs - j * chunk_size))
              for j in range(math.ceil(runs / chunk_size))]
    cat = plan.catalogue

    def work(chunk: tuple[int, int, int]) -> int:
        j, start, size = chunk
        rows = slice(start, start + size)
        draws = plan.draw_inputs(seed, stream, j, size)
        g, c, params, varying, columns, discount = plan.arrays(draws)
        if plan.drawn_composition:  # a chain of binomials by inversion (common random numbers)
            n = np.empty((size, cells))
            D.composition(plan.cohort_sizes, plan.conditional_shares,
                          chunk_generator(seed, stream, j, COMPOSITION).random(
                              (size, plan.cohorts, k_types)), n)
        else:
            n = plan.counts[None, :]
        u = chunk_generator(seed, stream, j, COHORT).random((size, cells, 2))
        if plan.cohorts == 1:
            cell_gross, cell_add, cell_dw = gross[rows], add[rows], deadweight[rows]
        else:
            cell_gross, cell_add, cell_dw = (np.empty((size, cells)) for _ in range(3))
        own_years = np.ascontiguousarray(discount[:, : plan.years])
        dclaim, dflow = cat.discounts(own_years)
        kept = np.empty((size, plan.years)) if book is not None else np.empty((0, 0))
        want = Wanted(flows[rows] if flows is not None else np.empty((0, 3, 0)), kept,
                      irr[rows] if irr is not None else np.empty(0))
        simulate_chunk(np.ascontiguousarray(n), g, c, u, plan.cohort_luck, params, varying,
                       columns, own_years, dclaim, dflow, cat.compiled, plan.cohorts,
                       plan.scratch(), out[rows], cell_gross, cell_add, cell_dw, want)
        by_type = (lambda a: a) if plan.cohorts == 1 else \
            (lambda a: a.reshape(a.shape[0], plan.cohorts, k_types).sum(axis=1))  # noqa: E731
        if plan.cohorts > 1:
            gross[rows], add[rows], deadweight[rows] = (by_type(a) for a in (cell_gross,
                                                                             cell_add, cell_dw))
        if counts is not None:
            counts[rows] = by_type(n)
        for i, key in enumerate(plan.inputs):
            inputs[rows, i] = draws[key]
        full = None
        if book is not None:
            full = np.repeat(params[None, :], size, axis=0)
            full[:, columns] = varying
        if book is not None:
            book.evaluate(rows, j, seed, stream, n, cell_gross, kept, c, full, discount, g)
        return size

    done = 0
    if threads == 1 or len(chunks) == 1:
        for chunk in chunks:
            done += work(chunk)
            if progress:
                progress(done, runs)
    else:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            for size in pool.map(work, chunks):
                done += size
                if progress:
                    progress(done, runs)
    if _book is not None:
        return book
    if counts is None:  # the same for every run: a read-only view, no memory per run
        counts = np.broadcast_to(plan.counts.reshape(plan.cohorts, k_types).sum(axis=0),
                                 (runs, k_types))
    ds = _dataset(scenario, plan, out, irr, gross, add, deadweight, counts, inputs, flows,
                  seed=seed,
                  chunk_size=chunk_size, stream=stream,
                  parameter_uncertainty=parameter_uncertainty,
                  cohort_uncertainty=cohort_uncertainty)
    if book is not None:
        ds = book.add_to(ds)
    return ds


def _check_memory(plan: _Plan, runs: int, yearly: bool, bound: tuple, stats: tuple[str, ...],
                  book: type | None) -> None:
    """Refuse before allocating if the arrays of ``runs`` runs would not fit in memory
    (their size per run is that of the arrays below, and of the contracts' keeper made
    for one run)."""
    columns = (len(OUTPUT_COLUMNS) + len(plan.inputs) + (plan.pay_year > 0)
               + (3 * plan.years if yearly else 0))
    per_run = 8 * (columns + (4 if plan.drawn_composition else 3) * len(plan.types))
    if bound:
        probe = (book or _ContractBook)(plan, 1, yearly, stats)
        per_run += sum(a.nbytes for a in vars(probe).values() if isinstance(a, np.ndarray))
    check_memory(f"runs = {runs:,}", runs * per_run, "give fewer runs")


def _bind_contracts(contracts, scenario: Scenario) -> tuple:
    """Contracts (one, or a list of variants) bound to the simulated scenario."""
    if contracts is None:
        return ()
    from ..contract.terms import Contract, load_contract
    from ..ledger.bind import bind

    if isinstance(contracts, Contract | str | os.PathLike) or isinstance(contracts, Mapping):
        contracts = [contracts]
    loaded = [load_contract(c) for c in contracts]
    if not loaded:
        raise SibriskError("contracts: give at least one contract (or None)")
    names = [c.name for c in loaded]
    for name in names:
        if names.count(name) > 1:
            raise SibriskError(f"contracts: two contracts are named {name!r}; the contract dim "
                               "needs distinct names")
    return tuple(bind(c, scenario) for c in loaded)


def _check_stats(stats) -> tuple[str, ...]:
    if isinstance(stats, str):
        stats = (stats,)
    stats = tuple(stats)
    unknown = [x for x in stats if x not in S.ACTOR_COLUMNS]
    if unknown or not stats or len(set(stats)) != len(stats):
        raise SibriskError(f"contract_stats = {stats!r}: give distinct names among "
                           + ", ".join(repr(x) for x in S.ACTOR_COLUMNS))
    return tuple(x for x in S.ACTOR_COLUMNS if x in stats)  # in the kernel's order


#: Runs settled at once by the contract library: a block's numpy temporaries (128 KiB)
#: stay in cache and are reused, where a whole chunk's would be fetched from the system.
_SETTLE_BLOCK = 16_384


class _ContractBook:
    """Evaluates every contract variant on each chunk's draws and keeps the results."""

    def __init__(self, plan: _Plan, runs: int, yearly: bool, stats: tuple[str, ...]):
        self.plan = plan
        self.names = [b.contract.name for b in plan.bound]
        self.actors: list[str] = []
        for b in plan.bound:
            self.actors += [a for a in b.actors if a not in self.actors]
        k, a = len(plan.bound), len(self.actors)
        self.index = [np.array([self.actors.index(x) for x in b.actors]) for b in plan.bound]
        self.kept = stats
        self.columns = [S.ACTOR_COLUMNS.index(x) for x in stats]
        # contract-major, so each variant's block is contiguous for the kernel to write
        self.stats = np.empty((k, runs, a, len(stats)))
        self.payment = np.empty((runs, k))
        self.cut = np.empty((runs, k))
        self.reinvestment = np.empty((runs, k))
        self.years = max(b.years for b in plan.bound)
        self.flows = np.empty((runs, k, a, self.years)) if yearly else None
        self.runs = runs
        #: the evaluation's comparison group per cohort (None: its rate is known), and
        #: whether to judge each payment on the effect against the true effect
        self.comparison_size: int | None = None
        self.judge = False
        self.judged: tuple[np.ndarray, ...] = ()

    def arrays(self):
        """The arrays to fill with zeros before the work starts."""
        return tuple(x for x in (self.payment, self.cut, self.reinvestment, self.flows,
                                 *self.judged) if x is not None)

    def judge_effects(self, comparison_size: int | None, judge: bool) -> None:
        """Measure the comparison group's rate on ``comparison_size`` people per cohort,
        and (``judge``) keep per run whether each contract paid on its measured effect,
        whether it would have on the true effect, and its payment on the true effect."""
        self.comparison_size = comparison_size
        self.judge = judge
        if judge:
            k = len(self.plan.bound)
            self.judged = (np.empty((self.runs, k), dtype=bool),
                           np.empty((self.runs, k), dtype=bool), np.empty((self.runs, k)))

    def fill_absent(self) -> None:
        """Actors not in a contract: no money, no multiple and no rate of return; one pass
        over the statistics, which also touches their pages before the threads start."""
        absent = np.zeros(len(S.ACTOR_COLUMNS))
        absent[[S.A_MULTIPLE, S.A_IRR]] = np.nan
        self.stats[...] = absent[self.columns]

    def _metric_counts(self, j, seed, stream, bound, employed, cache):
        counts = {BASE_METRIC: employed}
        for m in bound.metric_order[1:]:
            parent = counts[bound.parent[m]]
            key = (m, bound.parent[m], bound.retention[m], id(parent))
            if key not in cache:
                q = bound.retention[m]
                if self.plan.cohort_luck:
                    u = chunk_generator(seed, stream, j, metric_purpose(m)).random(parent.size)
                    flat = np.empty(parent.size, dtype=np.int64)
                    D.binomial_many(parent.ravel().astype(np.int64),
                                    np.full(parent.size, q), u, flat)
                    cache[key] = flat.reshape(parent.shape).astype(float)
                else:
                    cache[key] = parent * q
            counts[m] = cache[key]
        return counts

    def chunk_outcomes(self, j, seed, stream, n, cell_gross, savings, c, params, discount):
        """One chunk's outcomes as every contract sees them: participants and employed
        (run, cohort, type), the metric counts of each contract, the total participants,
        the municipal savings by year with their running sums, the comparison group's
        rate per cohort (where a contract measures an effect) and the programme's cost."""
        plan = self.plan
        size = cell_gross.shape[0]
        shape = (size, plan.cohorts, len(plan.types))
        # a fixed composition is one row for all runs: sum it once, then broadcast
        n_rows = n.reshape(n.shape[0], plan.cohorts, len(plan.types))
        participants = np.broadcast_to(n_rows, shape)
        employed = cell_gross.reshape(shape)
        n_tot = np.ascontiguousarray(np.broadcast_to(n_rows.sum(axis=(1, 2)), (size,)))
        sums = (np.empty_like(savings), np.empty_like(savings), np.empty(size, dtype=np.bool_))
        S.savings_sums(savings, np.ascontiguousarray(discount[:, : plan.years]), *sums)
        base_rate = None
        if any(b.measured for b in plan.bound):  # the comparison group's rate, per cohort
            control = np.broadcast_to(c, (size, c.shape[1])).reshape(shape)
            base_rate = (n_rows * control).sum(axis=2) / n_rows.sum(axis=2)
        cache: dict = {}
        counts = [self._metric_counts(j, seed, stream, b, employed, cache) for b in plan.bound]
        cost = params[:, P_COST] * n_tot
        return participants, counts, savings, sums, base_rate, cost

    def _comparison_count(self, b, m, base_rate, draw, memo):
        """How many of the evaluation's comparison group (``comparison_size`` people per
        cohort) reach metric ``m`` in each run of the chunk, (run, cohort): the base
        metric a binomial draw at the comparison group's rate, each later metric of a
        chain a binomial draw from the count of the metric before it, as the cohort's
        own counts are. ``draw(m)`` gives the uniforms of metric ``m`` (one generator
        per metric and chunk, so variants share their draws); ``memo`` keeps the counts
        of each chain of retentions for the chunk."""
        from ..ledger.bind import chain

        path = tuple(reversed(chain(b.parent, m)))  # from the base metric to m
        key = tuple((x, b.retention[x]) for x in path)
        if key in memo:
            return memo[key]
        if len(path) == 1:
            trials = np.full(base_rate.size, self.comparison_size, dtype=np.int64)
            p = np.ascontiguousarray(base_rate * b.retention[m], dtype=float).ravel()
        else:
            trials = self._comparison_count(b, path[-2], base_rate, draw,
                                            memo).ravel().astype(np.int64)
            p = np.full(base_rate.size, b.retention[m])
        flat = np.empty(base_rate.size, dtype=np.int64)
        D.binomial_many(trials, p, draw(m).ravel(), flat)
        memo[key] = flat.reshape(base_rate.shape)
        return memo[key]

    def evaluate(self, rows, j, seed, stream, n, cell_gross, savings, c, params, discount,
                 g=None):
        from ..ledger.bind import chain
        from ..ledger.outcome_data import OutcomeData
        from ..ledger.settlement import evaluate

        plan = self.plan
        size = cell_gross.shape[0]
        participants, counts, savings, sums, base_rate, cost = self.chunk_outcomes(
            j, seed, stream, n, cell_gross, savings, c, params, discount)
        true_rate = None
        if self.judge and base_rate is not None:  # the programme's expected rate per cohort
            n_rows = n.reshape(n.shape[0], plan.cohorts, len(plan.types))
            g_cells = np.broadcast_to(g, (size, g.shape[1])).reshape(
                size, plan.cohorts, len(plan.types))
            with np.errstate(invalid="ignore", divide="ignore"):
                true_rate = (n_rows * g_cells).sum(axis=2) / n_rows.sum(axis=2)
        uniforms: dict = {}

        def draw(m):  # the uniforms of metric m's comparison-group draws, for the chunk
            if m not in uniforms:
                uniforms[m] = chunk_generator(seed, stream, j, comparison_purpose(m)).random(
                    base_rate.shape)
            return uniforms[m]

        measured: dict = {}  # (chain of retentions) -> comparison counts, for the chunk
        start = rows.start
        # settle in blocks that keep numpy's temporaries small and in cache
        for lo in range(0, size, _SETTLE_BLOCK):
            sl = slice(lo, min(lo + _SETTLE_BLOCK, size))
            out_rows = slice(start + sl.start, start + sl.stop)
            part = (lambda a: a[sl] if a.shape[0] > 1 else a)  # noqa: E731
            memo: dict = {}  # sums over cohorts and types, shared by the variants
            block_sums = tuple(part(x) for x in sums)
            for k, b in enumerate(plan.bound):
                reach = {m: math.prod(b.retention[x] for x in chain(b.parent, m))
                         for m in b.measured}
                comparison = {m: base_rate[sl] * reach[m] for m in b.measured}
                if self.comparison_size is not None:
                    comparison = {m: self._comparison_count(b, m, base_rate, draw,
                                                            measured)[sl] / self.comparison_size
                                  for m in b.measured}
                metric_counts = {m: v[sl] for m, v in counts[k].items()}
                data = OutcomeData(participants[sl], metric_counts, comparison, savings[sl],
                                   cost[sl], part(discount), savings_sums=block_sums, memo=memo)
                result = evaluate(b, data)
                self._keep(k, b, out_rows, result)
                if self.judge:
                    truth = None
                    if b.measured:
                        true = {m: (true_rate[sl] - base_rate[sl]) * reach[m]
                                for m in b.measured}
                        truth = evaluate(b, OutcomeData(
                            participants[sl], metric_counts, comparison, savings[sl],
                            cost[sl], part(discount), savings_sums=block_sums, memo=memo,
                            measured=true))
                    self._judge(k, b, out_rows, result, truth)

    def _judge(self, k, b, rows, result, truth) -> None:
        """Whether the contract paid on its measured effect, and would have on the true
        effect: the claims of its mechanisms that measure an effect (an effect payment,
        or any mechanism with a trigger), after triggers and before caps."""
        paid, deserved, true_payment = self.judged
        measured = b.contract.measuring()
        if truth is None or not measured:
            paid[rows, k] = deserved[rows, k] = False
            true_payment[rows, k] = result.total_paid_pv
            return
        cols = np.array([name in measured for name, _, _ in result.claims], dtype=bool)
        paid[rows, k] = result.claimed[:, cols].sum(axis=1) > 0
        deserved[rows, k] = truth.claimed[:, cols].sum(axis=1) > 0
        true_payment[rows, k] = truth.total_paid_pv

    def _keep(self, k, b, rows, result) -> None:
        """Write one variant's results for some rows."""
        if self.kept == ("npv",):
            result.npv(out=self.stats[k, rows, :, 0], slot=self.index[k])
        elif len(self.kept) == len(S.ACTOR_COLUMNS):
            result.stats(out=self.stats[k, rows], slot=self.index[k])
        else:
            irr = None if "irr" in self.kept else ()
            full = result.stats(with_irr=irr)
            self.stats[k, rows][:, self.index[k]] = full[..., self.columns]
        paid = result.total_paid_pv
        self.payment[rows, k] = paid
        self.cut[rows, k] = result.cut_pv
        self.reinvestment[rows, k] = paid if b.contract.capital.model == "grant" else 0.0
        if self.flows is not None:
            y = result.yearly()
            self.flows[rows, k] = 0.0
            self.flows[rows, k][:, self.index[k], : y.shape[2]] = y

    def add_to(self, ds: xr.Dataset) -> xr.Dataset:
        cur = ds.attrs["currency"]
        dims = ("run", "contract", "actor")
        meaning = {
            "npv": ("net present value of the actor's flows", cur),
            "multiple": ("money received / money paid, nominal (NaN: the actor pays nothing)",
                         "1"),
            "exposure": ("largest cumulative nominal outlay at any date", cur),
            "payback_year": ("year from which the actor's cumulative discounted flow stays >= 0 "
                             "(inf: not within the contract's dates)",
                             "years from programme start"),
            "irr": ("annual internal rate of return; solved for tranches, the provider and the "
                    "guarantor, NaN for the rest and where no rate exists", "per year"),
        }
        data = {}
        for i, col in enumerate(self.kept):
            long, units = meaning[col]
            data[f"actor_{col}"] = (dims, np.moveaxis(self.stats[..., i], 0, 1),
                                    {"long_name": long, "units": units})
        data["contract_payment"] = (("run", "contract"), self.payment, {
            "long_name": "outcome payments under each contract", "units": cur})
        data["contract_payment_cut"] = (("run", "contract"), self.cut, {
            "long_name": "claims cut by caps", "units": cur})
        if self.judge:
            paid, deserved, true_payment = self.judged
            size = ("the comparison group's rate known exactly" if self.comparison_size is None
                    else f"the comparison group measured on {self.comparison_size} people per "
                    "cohort")
            data["contract_effect_paid"] = (("run", "contract"), paid, {
                "long_name": "the mechanisms that measure an effect (effect payments, "
                "triggers) paid on the measured effect", "measurement": size})
            data["contract_effect_deserved"] = (("run", "contract"), deserved, {
                "long_name": "they would have paid on the true effect (the programme's "
                "expected rate minus the comparison group's, in this run's world)"})
            data["contract_payment_true_effect"] = (("run", "contract"), true_payment, {
                "long_name": "outcome payments had the effect been measured without error",
                "units": cur})
            data["contract_measures_effect"] = ("contract", np.array(
                [bool(b.contract.measuring()) for b in self.plan.bound]), {
                "long_name": "the contract has a mechanism that pays on a measured effect "
                "(else the two flags above are False and mean nothing)"})
        data["contract_reinvestment"] = (("run", "contract"), self.reinvestment, {
            "long_name": "payments declared for reinvestment and kept by the payers (grant "
            "model)", "units": cur})
        member = np.zeros((len(self.names), len(self.actors)), dtype=bool)
        for k, idx in enumerate(self.index):
            member[k, idx] = True
        data["in_contract"] = (("contract", "actor"), member, {
            "long_name": "whether the actor takes part in the contract"})
        coords = {"contract": self.names, "actor": self.actors}
        if self.flows is not None:
            data["actor_cash_flow"] = (("run", "contract", "actor", "contract_year"), self.flows, {
                "units": cur, "valuation": "nominal, dates in (12 (t - 1), 12 t] months in "
                "year t"})
            coords["contract_year"] = np.arange(self.years)
        extra = xr.Dataset(data, coords=coords)
        out = xr.merge([ds, extra], combine_attrs="override")
        out.attrs["contracts"] = ", ".join(self.names)
        out.attrs["contract_valuation"] = ("contract variables: present value at t = 0 at the "
                                           "actual dates of each flow, per cohort")
        return out


class OutcomeKeeper(_ContractBook):
    """Keeps, for every run, what a contract of the compiled family settles on (see
    :mod:`sibrisk._compiled`): the counts reaching each of the contract's metrics by type
    (summed over cohorts), the municipal savings by year, their present value, the
    programme's cost and the discount factors at year ends. A sweep draws them once per
    outcome model and settles thousands of contract variants on them."""

    def __init__(self, plan: _Plan, runs: int, yearly: bool, stats: tuple[str, ...]):
        self.plan = plan
        (bound,) = plan.bound
        self.metrics = bound.metric_order
        self.counts = np.empty((runs, len(self.metrics), len(plan.types)))
        self.savings = np.empty((runs, plan.years))
        self.savings_pv = np.empty(runs)
        self.cost = np.empty(runs)
        self.discount = np.empty((runs, plan.discount_years))

    def arrays(self):
        return (self.counts, self.savings, self.savings_pv, self.cost, self.discount)

    def fill_absent(self) -> None:
        """Nothing to fill: every row of the outcomes is written by its own chunk."""

    def evaluate(self, rows, j, seed, stream, n, cell_gross, savings, c, params, discount,
                 g=None):
        _, (counts,), savings, sums, _, cost = self.chunk_outcomes(
            j, seed, stream, n, cell_gross, savings, c, params, discount)
        for i, m in enumerate(self.metrics):
            self.counts[rows, i] = counts[m].sum(axis=1)
        self.savings[rows] = savings
        self.savings_pv[rows] = sums[1][:, -1]
        self.cost[rows] = cost
        self.discount[rows] = discount


def comparison_purpose(name: str) -> int:
    """The generator purpose of the evaluation's comparison-group draws of a metric."""
    return FIRST_INPUT + zlib.crc32(f"comparison.{name}".encode())


def _measurement(book, bound, comparison_size, judge_effects, keeper) -> None:
    """Check and set the measurement options of ``simulate``."""
    if book is None:
        raise SibriskError("comparison_size and judge_effects apply to contracts that pay on "
                           "a measured effect: give contracts=[...]")
    if keeper is not None:
        raise SibriskError("comparison_size and judge_effects are not for a sweep's compiled "
                           "outcomes")
    if comparison_size is not None and (
            isinstance(comparison_size, bool) or not isinstance(comparison_size, int | np.integer)
            or comparison_size < 1):
        raise SibriskError(f"comparison_size = {comparison_size!r}: must be a whole number of "
                           "people, at least 1 (the evaluation's comparison group per cohort)")
    if not any(b.measured for b in bound):
        raise SibriskError("comparison_size and judge_effects: none of the contracts pays on a "
                           "measured effect (an effect payment, or a trigger); "
                           "contracts: " + ", ".join(b.contract.name for b in bound))
    book.judge_effects(None if comparison_size is None else int(comparison_size),
                       True if judge_effects is None else bool(judge_effects))


def metric_purpose(name: str) -> int:
    """The generator purpose of a contract metric's draws (fixed by its name)."""
    return FIRST_INPUT + zlib.crc32(f"metric.{name}".encode())


def _dataset(scenario, plan, out, irr, gross, add, deadweight, counts, inputs, flows,
             **attrs) -> xr.Dataset:
    cur = scenario.currency
    runs = out.shape[0]
    data = {}
    for j, name in enumerate(OUTPUT_COLUMNS):
        data[name] = ("run", out[:, j], {"long_name": OUTPUT_MEANINGS[name],
                                         "units": OUTPUT_UNITS[name].format(cur=cur)})
    notes = {}
    if irr is not None:
        data["investor_irr"] = ("run", irr, {
            "long_name": OUTPUT_MEANINGS["investor_irr"], "units": "per year"})
    else:
        notes["investor_irr_note"] = ("investor_irr is not defined: the outcome payment falls "
                                      "at year 0 with the outlay (contract.payment_year = 0)")
    data["participants"] = (("run", "type"), counts, {"units": "participants"})
    data["gross_employed"] = (("run", "type"), gross, {
        "units": "participants", "long_name": "employed at the measurement point (paid for)"})
    data["additional_employed"] = (("run", "type"), add, {
        "units": "participants", "long_name": "employed because of the programme"})
    data["deadweight_employed"] = (("run", "type"), deadweight, {
        "units": "participants", "long_name": "employed who would have been anyway"})
    if inputs.shape[1]:
        data["input_value"] = (("run", "input"), inputs, {"long_name": "drawn uncertain inputs"})
    coords = {"run": np.arange(runs), "type": list(plan.types)}
    if inputs.shape[1]:
        coords["input"] = list(plan.inputs)
    if flows is not None:
        coords["year"] = ("year", np.arange(flows.shape[2]),
                          {"units": "years from programme start"})
        data["municipal_cash_flow"] = (("run", "year"), flows[:, 0], {
            "units": cur, "valuation": "nominal, end of year"})
        data["investor_cash_flow"] = (("run", "year"), flows[:, 1], {
            "units": cur, "valuation": "nominal, end of year"})
        data["municipal_cumulative_account"] = (("run", "year"), flows[:, 2], {
            "units": cur, "valuation": "present value at t = 0, summed to the end of the year",
            "long_name": "the municipality's own account so far: savings minus outcome "
            "payments (it stays >= 0 from the payback year)"})
    ds = xr.Dataset(data, coords=coords)
    ds.attrs = {
        "title": f"sibrisk simulation of scenario {scenario.name}",
        **common_attrs(scenario, "mc"),
        "runs": runs,
        "seed": attrs["seed"],
        "stream": attrs["stream"],
        "chunk_size": attrs["chunk_size"],
        "random_numbers": "numpy PCG64, one generator per chunk and purpose: "
        "SeedSequence(seed, spawn_key=(stream, chunk, purpose))",
        "parameter_uncertainty": int(attrs["parameter_uncertainty"]),
        "cohort_uncertainty": int(attrs["cohort_uncertainty"]),
        "composition": scenario.cohort.composition,
        "payment_year": plan.pay_year,
        "rate_card": scenario.contract.rate_card,
        "discounting": scenario.discounting.schedule,
        **notes,
        **_versions(),
    }
    return ds


def common_attrs(scenario: Scenario, method: str) -> dict[str, object]:
    """Labels every simulated or enumerated dataset carries."""
    return {
        "scenario": scenario.name,
        "currency": scenario.currency,
        "price_year": scenario.price_year,
        "basis": "per cohort",
        "cohort_size": scenario.cohort.size,
        "valuation": "present value at t = 0 (programme start)",
        "method": method,
    }


@functools.cache
def _versions() -> dict[str, str]:
    """The versions of sibrisk and its numerical libraries (read once: reading package
    metadata costs milliseconds, and a solver simulates dozens of times)."""
    return {f"{name}_version": version(name)
            for name in ("sibrisk", "numpy", "scipy", "numba", "xarray")}

