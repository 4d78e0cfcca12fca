"""``sibrisk sweep``, ``solve`` and ``sensitivity``: designing a contract on common random
numbers, and which inputs move an output."""

from __future__ import annotations

import argparse

from ..errors import SibriskError
from ..metrics.schema import OUTPUT_COLUMNS
from ..report.language import words
from ._common import (
    COUNT,
    DEFAULT_SCENARIO,
    RUNS,
    SEED,
    Progress,
    lang_arg,
    note,
    out_file,
    print_json,
    real,
    scenario_arg,
    whole,
)


def add(sub: argparse._SubParsersAction) -> None:
    sw = sub.add_parser("sweep", help="the risk summary at every point of a grid",
                        description="Simulate every point of a grid of scenario inputs (or, "
                        "with --contract, of numbers in the contract file) and summarise "
                        "each; every point draws the same random numbers for the same "
                        "purpose (common random numbers), so neighbouring points differ by "
                        "their inputs, not by noise; points that differ only in contract "
                        "terms settle the very same outcomes (drawn once and settled by a "
                        "compiled kernel, where the contract allows).")
    sw.add_argument("scenario", nargs="?", default=None, metavar="SCENARIO",
                    help=f"built-in scenario name or TOML file (default: {DEFAULT_SCENARIO}, "
                    "or the scenario the --contract file names)")
    sw.add_argument("--axis", action="append", required=True, metavar="NAME=VALUES",
                    help="an axis: NAME=START:STOP:N (N values from START to STOP) or "
                    "NAME=V1,V2,...; repeat for more axes")
    sw.add_argument("--contract", metavar="CONTRACT.toml", help="a contract file")
    sw.add_argument("--zip", action="store_true", help="pair the axes' values (one length)")
    sw.add_argument("--scheduler", metavar="ADDRESS",
                    help="run on a dask.distributed cluster, e.g. tcp://10.0.0.5:8786 (the "
                    "same numbers as without it)")
    sw.add_argument("--measures", default="npv", metavar="LIST",
                    help="with --contract, what to summarise per actor: npv, and any of irr, "
                    "exposure (comma-separated; slower; default npv)")
    sw.add_argument("--runs", type=RUNS, default=100_000, help="runs per point (100,000)")
    sw.add_argument("--seed", type=SEED, default=None,
                    help="random seed (default: a fresh one, recorded)")
    sw.add_argument("--out", metavar="FILE.nc", help="write the sweep to a netCDF file")
    lang_arg(sw, "the table")
    sw.add_argument("--comparison-size", type=COUNT, default=None, metavar="M",
                    help="with a --contract paying on a measured effect: measure the "
                    "comparison group on M people per cohort, and report per point how often "
                    "the payment misjudges the true effect")
    sw.add_argument("--xlsx", metavar="FILE.xlsx",
                    help="also write an Excel workbook: the scenario's inputs and accounts, "
                    "and a sheet of the sweep, a row per point")
    sw.add_argument("--json", action="store_true", help="print one JSON object")
    sw.set_defaults(handler=_sweep)

    so = sub.add_parser("solve", help="the input at which a risk measure meets a target",
                        description="Find the value of one input (a scenario input, or with "
                        "--contract a number in the contract file) at which a risk measure "
                        "of the simulation reaches a target, on common random numbers, with "
                        "the Monte Carlo error of the answer.")
    so.add_argument("scenario", nargs="?", default=None, metavar="SCENARIO",
                    help=f"built-in scenario name or TOML file (default: {DEFAULT_SCENARIO}, "
                    "or the scenario the --contract file names)")
    so.add_argument("--vary", required=True, metavar="INPUT",
                    help="scenario input (e.g. contract.investor_surplus_share), or with "
                    "--contract a path in the contract (e.g. 'payments[0].rates.employed')")
    aim = so.add_mutually_exclusive_group(required=True)
    aim.add_argument("--target", metavar="METRIC=VALUE",
                     help="e.g. investor_loss_probability=0.10, or with --contract "
                     "investor.loss_probability=0.10")
    aim.add_argument("--balance", metavar="METRIC,METRIC",
                     help="the fair split: where two measures are equal, e.g. "
                     "investor_loss_probability,municipal_deficit_probability")
    so.add_argument("--contract", metavar="CONTRACT.toml", help="a contract file")
    so.add_argument("--bounds", nargs=2, type=real(), metavar=("LOW", "HIGH"),
                    help="range to search (default: the input's allowed range)")
    so.add_argument("--runs", type=RUNS, default=100_000, help="Monte Carlo runs (100,000)")
    so.add_argument("--seed", type=SEED, default=0, help="random seed (0)")
    so.add_argument("--json", action="store_true", help="print one JSON object")
    lang_arg(so, "the answer")
    so.set_defaults(handler=_solve)

    se = sub.add_parser("sensitivity", help="which uncertain inputs move an output",
                        description="One-way (tornado) ranges of an output for every uncertain "
                        "input, and variance-based (Sobol') indices with 95 % intervals "
                        "over 8 independent scrambles of the Sobol' sequence; expected "
                        "outcomes given the inputs, per cohort, contract held at its base "
                        "price.")
    scenario_arg(se)
    se.add_argument("--output", default="municipal_account",
                    choices=OUTPUT_COLUMNS, metavar="OUTPUT",
                    help="output to explain (default municipal_account); one of: "
                    + ", ".join(OUTPUT_COLUMNS))
    se.add_argument("--level", type=real(0.0, 1.0, open_low=True, open_high=True), default=0.90,
                    help="tornado: central probability between low and high (default 0.9)")
    se.add_argument("--n", type=whole(2, 2**40, high_text="2^40"), default=4096,
                    help="Sobol' base sample size of each of the 8 replicates, a power of 2 "
                    "(default 4096)")
    se.add_argument("--seed", type=SEED, default=0, help="seed of the Sobol' samples (0)")
    se.add_argument("--json", action="store_true", help="print one JSON object")
    lang_arg(se, "the tables")
    se.set_defaults(handler=_sensitivity)


def _axis(text: str) -> tuple[str, int, object]:
    """One ``--axis``: its name, its number of values, and how to make them (a list, or
    ``(start, stop, n)`` for :func:`numpy.linspace`), checked but not yet made."""
    name, sep, spec = text.partition("=")
    name = name.strip()
    form = "write NAME=START:STOP:N (N values from START to STOP) or NAME=V1,V2,..."
    if not sep or not name or not spec.strip():
        raise SibriskError(f"--axis {text!r}: {form}")
    if ":" in spec:
        parts = spec.split(":")
        start, stop = (_number(text, x) for x in parts[:2]) if len(parts) == 3 else (None, None)
        if start is None or stop is None:
            raise SibriskError(f"--axis {text!r}: {form}")
        try:
            n = whole(1)(parts[2].strip())
        except argparse.ArgumentTypeError:
            raise SibriskError(f"--axis {text!r}: N = {parts[2].strip()!r} must be a whole "
                               "number >= 1") from None
        return name, n, (start, stop, n)
    return name, spec.count(",") + 1, [_number(text, v) for v in spec.split(",")]


def _number(axis: str, text: str) -> float:
    try:
        return real()(text.strip())
    except argparse.ArgumentTypeError as exc:
        raise SibriskError(f"--axis {axis!r}: {exc}") from None


def _axes(args: argparse.Namespace) -> dict[str, list[float]]:
    """The ``--axis`` options as lists of values: each name once, and the grid's size
    checked against memory before any value is made."""
    import math

    import numpy as np

    from ..engine.sweep import check_points

    specs = [_axis(a) for a in args.axis]
    names = [name for name, _, _ in specs]
    twice = next((n for n in names if names.count(n) > 1), None)
    if twice is not None:
        raise SibriskError(f"--axis {twice}: given {names.count(twice)} times; give each input "
                           "one axis (with all its values)")
    sizes = [n for _, n, _ in specs]
    check_points(max(sizes) if args.zip else math.prod(sizes), args.contract is not None)
    return {name: np.linspace(*how).tolist() if isinstance(how, tuple) else how
            for name, _, how in specs}


def _measures(text: str) -> list[str]:
    measures = [m.strip() for m in text.split(",")]
    if not all(measures):
        raise SibriskError(f"--measures {text!r}: give names separated by commas, e.g. "
                           "npv,irr")
    return measures


def _sweep(args: argparse.Namespace) -> None:
    from ..contract.terms import load_contract
    from ..engine.sweep import sweep, sweep_to_dict
    from ..report.catalogue import catalogue_report, format_sweep
    from ..report.netcdf import save
    from ..scenario.spec import load_scenario

    if args.out:
        out_file("--out", args.out, ".nc", "a netCDF file")
    axes = _axes(args)
    measures = _measures(args.measures)
    scenario = args.scenario
    if scenario is None and args.contract is None:
        scenario = DEFAULT_SCENARIO
    if args.xlsx:  # checked before the sweep, not after it
        from ..report.workbook import check_path

        check_path(args.xlsx)
    progress = None if args.quiet else Progress("sweeping", unit=f"points of {args.runs:,} runs")
    client = None
    if args.scheduler:
        try:
            from distributed import Client
        except ImportError:
            raise SibriskError("--scheduler needs dask.distributed: pip install "
                               "'sibrisk[dask]'") from None
        try:
            client = Client(args.scheduler, timeout="10s")
        except (OSError, ValueError, TypeError) as exc:  # unreachable, or not an address
            raise SibriskError(f"--scheduler {args.scheduler!r}: cannot connect ({exc}); give "
                               "a scheduler's address, e.g. tcp://10.0.0.5:8786") from None
    try:
        ds = sweep(scenario, axes, contract=args.contract, runs=args.runs, seed=args.seed,
                   zip=args.zip, measures=measures,
                   progress=progress, client=client, comparison_size=args.comparison_size)
    finally:
        if client is not None:
            client.close()
    if args.out:
        save(ds, args.out)
    report = sweep_to_dict(ds)
    base = load_scenario(scenario or load_contract(args.contract).scenario or DEFAULT_SCENARIO)
    if args.xlsx:
        from ..report.workbook import write_workbook

        path = write_workbook(args.xlsx, base, catalogue_report(base), sweep=report,
                              lang=args.lang)
        note(args, words(args.lang)("wrote {path}", path=path))
    if args.json:
        print_json(report)
    else:
        print(format_sweep(report, args.lang, base), end="")
        if args.out:
            print(words(args.lang)("wrote the sweep to {path}", path=args.out))


def _solve(args: argparse.Namespace) -> None:
    from ..engine.solve import solve

    scenario = args.scenario
    if scenario is None and args.contract is None:
        scenario = DEFAULT_SCENARIO
    balance = None
    if args.balance:
        balance = tuple(m.strip() for m in args.balance.split(","))
        if len(balance) != 2 or not all(balance):
            raise SibriskError(f"--balance {args.balance!r}: give two measures, A,B")
    result = solve(scenario, args.vary, args.target, balance=balance, contract=args.contract,
                   bounds=tuple(args.bounds) if args.bounds else None, runs=args.runs,
                   seed=args.seed)
    if args.json:
        print_json(result.to_dict())
        return
    from ..report.catalogue import format_solution

    # a step ("jumps past"): whole jobs make a measure jump
    print(format_solution(result.to_dict(), args.lang), end="")


def _sensitivity(args: argparse.Namespace) -> None:
    from .._limits import check_memory
    from ..engine.sensitivity import sobol, tornado
    from ..report.catalogue import format_sensitivity
    from ..scenario.spec import load_scenario

    scenario = load_scenario(args.scenario)
    d = len(scenario.uncertain)  # scipy's Saltelli samples: about n (d + 2)^2 numbers
    check_memory(f"--n {args.n:,}", 8 * args.n * (d + 2) ** 2, "give a smaller --n")
    t = tornado(scenario, args.output, level=args.level)
    sob = sobol(scenario, args.output, n=args.n, seed=args.seed)
    rows = lambda ds, names: [  # noqa: E731
        {"input": str(i), **{k: float(ds[k].sel(input=i)) for k in names}}
        for i in ds.input.values]
    report = {
        "scenario": scenario.name, "output": args.output, "currency": scenario.currency,
        "basis": "per cohort, expected outcomes given the inputs, contract held at its base "
        "price",
        "base": t.attrs["base"], "level": args.level,
        "tornado": rows(t, ("low", "high", "output_low", "output_high", "swing")),
        "sobol": rows(sob, ("first_order", "first_order_low", "first_order_high",
                            "total_order", "total_order_low", "total_order_high")),
        "sobol_n": args.n, "sobol_seed": args.seed, "sobol_note": sob.attrs["correlation"],
        "sobol_replicates": sob.attrs["replicates"],
    }
    if args.json:
        print_json(report)
    else:
        print(format_sensitivity(report, args.lang, scenario), end="")
