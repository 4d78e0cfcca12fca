"""The ``sibrisk`` command.

Every user mistake ends in one readable line on standard error and a non-zero
exit status (1 for bad input, 2 for bad usage), never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__
from .account import OUTPUTS, breakeven
from .contract import load_contract
from .errors import SibriskError
from .files import save
from .language import LANGUAGES
from .report import (
    _fit,
    catalogue_report,
    format_catalogue_report,
    format_contract_risk,
    format_risk_summary,
    format_sensitivity,
    format_settlement,
    format_sweep,
)
from .risk import summarize, summarize_contracts, summary_to_dict
from .scenario import list_scenarios, load_scenario
from .sensitivity import SENSITIVITY_OUTPUTS, sobol, tornado
from .settlement import settle, settlement_to_dict
from .simulate import simulate
from .solve import solve
from .sweep import sweep, sweep_to_dict

DEFAULT_SCENARIO = "drc-sib-2023"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="sibrisk",
        description="Price and stress-test outcome-based contracts (social impact bonds).",
    )
    p.add_argument("--version", action="version", version=f"sibrisk {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def lang_arg(q: argparse.ArgumentParser, what: str) -> None:
        q.add_argument("--lang", choices=LANGUAGES, default="en",
                       help=f"language of {what}: en (default) or da (Danish)")

    def scenario_arg(q: argparse.ArgumentParser, optional: bool = True) -> None:
        q.add_argument("scenario", nargs="?" if optional else None,
                       default=DEFAULT_SCENARIO if optional else None, metavar="SCENARIO",
                       help="built-in scenario name or TOML file"
                       + (f" (default: {DEFAULT_SCENARIO})" if optional else ""))

    run = sub.add_parser("run", help="the main job: the account and its risk (100,000 runs)",
                         description="Run sibrisk's main job: the catalogue's account report "
                         "and the risk summary of a Monte Carlo simulation.")
    scenario_arg(run)
    run.add_argument("--runs", type=int, default=100_000, help="Monte Carlo runs (100,000)")
    run.add_argument("--seed", type=int, default=None,
                     help="random seed (default: a fresh one, printed)")
    run.add_argument("--json", action="store_true",
                     help="print one JSON object {account, risk}")
    run.add_argument("--out", dest="report_dir", default=None, metavar="DIR",
                     help="also write DIR/report.html (inputs, accounts, risk, plots) and "
                     "DIR/simulation.nc")
    lang_arg(run, "the terminal report and of --out's report and plots")
    run.add_argument("--xlsx", action="store_true",
                     help="with --out, also write DIR/workbook.xlsx (inputs, accounts, risk)")

    sim = sub.add_parser("simulate", help="Monte Carlo (or exact) risk summary",
                         description="Simulate the contract run by run and summarise the risk "
                         "of each actor, each measure with its Monte Carlo standard error.")
    sim.add_argument("scenario", nargs="?", default=None, metavar="SCENARIO",
                     help=f"built-in scenario name or TOML file (default: {DEFAULT_SCENARIO}, "
                     "or the scenario the --contract files name)")
    sim.add_argument("--runs", type=int, default=None, help="Monte Carlo runs (100,000)")
    sim.add_argument("--seed", type=int, default=None,
                     help="random seed (default: a fresh one, recorded in the output)")
    sim.add_argument("--method", choices=("mc", "exact"), default="mc",
                     help="Monte Carlo (default) or exact enumeration of the outcome counts")
    sim.add_argument("--no-parameter-uncertainty", action="store_true",
                     help="hold every uncertain input at its point value")
    sim.add_argument("--no-cohort-uncertainty", action="store_true",
                     help="use expected outcomes instead of drawing the cohort's luck")
    sim.add_argument("--yearly", action="store_true",
                     help="keep yearly cash flows in --out (more memory)")
    sim.add_argument("--out", metavar="FILE.nc", help="write every run to a netCDF file")
    sim.add_argument("--contract", action="append", default=[], metavar="CONTRACT.toml",
                     help="also evaluate this contract on the same draws (repeat for "
                     "variants); without SCENARIO, the contracts' own scenario is simulated")
    sim.add_argument("--comparison-size", type=int, default=None, metavar="M",
                     help="with --contract paying on a measured effect: the evaluation measures "
                     "the comparison group on M people per cohort, and the summary says how "
                     "often the payment misjudges the programme's true effect")
    sim.add_argument("--json", action="store_true", help="print one JSON object")
    lang_arg(sim, "the risk summary")

    st = sub.add_parser("settle", help="who pays and receives what under a contract",
                        description="Settle a contract on observed outcomes: the payments by "
                        "metric and mechanism, where caps bound, and every actor's cash flows, "
                        "NPV, IRR, multiple and largest exposure.")
    st.add_argument("contract", metavar="CONTRACT.toml", help="contract file")
    st.add_argument("--outcomes", metavar="FILE",
                    help="observed outcomes, TOML or JSON (default: the scenario's expected "
                    "outcomes)")
    st.add_argument("--scenario", metavar="SCENARIO",
                    help="scenario for costs, savings and discounting (default: the one the "
                    "contract names)")
    st.add_argument("--json", action="store_true", help="print one JSON object")

    acc = sub.add_parser("account", help="print the catalogue's accounts and break-even points",
                         description="The budget and welfare accounts, the payment model, "
                         "rates by participant type and break-even points.")
    scenario_arg(acc)
    acc.add_argument("--json", action="store_true", help="print one JSON object")
    acc.add_argument("--per", choices=("participant", "cohort"), default="participant",
                     help="money per average participant (default) or per cohort")
    lang_arg(acc, "the tables")

    be = sub.add_parser("breakeven", help="value of an input at which an output reaches a target",
                        description="Find the value of one input at which one output reaches "
                        "a target (0 by default). Inputs are dotted TOML keys such as "
                        "effect.decay, or gross_employment, control_employment, marginal_effect.")
    scenario_arg(be)
    be.add_argument("--vary", required=True, metavar="INPUT", help="input to vary")
    be.add_argument("--output", default="budget_surplus", metavar="OUTPUT",
                    help=f"output to watch (default budget_surplus); one of: {', '.join(OUTPUTS)}")
    be.add_argument("--target", type=float, default=0.0, help="target value (default 0)")
    be.add_argument("--reprice", action="store_true",
                    help="price the contract again at each value instead of holding it")
    be.add_argument("--json", action="store_true", help="print one JSON object")

    sw = sub.add_parser("sweep", help="the risk summary at every point of a grid",
                        description="Simulate every point of a grid of scenario inputs (or, "
                        "with --contract, of numbers in the contract file) and summarise "
                        "each; points that differ only in contract terms share their draws "
                        "(drawn once and settled by a compiled kernel, where the contract "
                        "allows).")
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
    sw.add_argument("--runs", type=int, default=100_000, help="runs per point (100,000)")
    sw.add_argument("--seed", type=int, default=None,
                    help="random seed (default: a fresh one, recorded)")
    sw.add_argument("--out", metavar="FILE.nc", help="write the sweep to a netCDF file")
    lang_arg(sw, "the table")
    sw.add_argument("--comparison-size", type=int, default=None, metavar="M",
                    help="with a --contract paying on a measured effect: measure the "
                    "comparison group on M people per cohort, and report per point how often "
                    "the payment misjudges the true effect")
    sw.add_argument("--xlsx", metavar="FILE.xlsx",
                    help="also write an Excel workbook: the scenario's inputs and accounts, "
                    "and a sheet of the sweep, a row per point")
    sw.add_argument("--json", action="store_true", help="print one JSON object")

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
    so.add_argument("--bounds", nargs=2, type=float, metavar=("LOW", "HIGH"),
                    help="range to search (default: the input's allowed range)")
    so.add_argument("--runs", type=int, default=100_000, help="Monte Carlo runs (100,000)")
    so.add_argument("--seed", type=int, default=0, help="random seed (0)")
    so.add_argument("--json", action="store_true", help="print one JSON object")

    se = sub.add_parser("sensitivity", help="which uncertain inputs move an output",
                        description="One-way (tornado) ranges of an output for every uncertain "
                        "input, and variance-based (Sobol') indices with bootstrap confidence "
                        "intervals; expected outcomes given the inputs, per cohort, contract "
                        "held at its base price.")
    scenario_arg(se)
    se.add_argument("--output", default="municipal_account",
                    choices=SENSITIVITY_OUTPUTS, metavar="OUTPUT",
                    help="output to explain (default municipal_account); one of: "
                    + ", ".join(SENSITIVITY_OUTPUTS))
    se.add_argument("--level", type=float, default=0.90,
                    help="tornado: central probability between low and high (default 0.9)")
    se.add_argument("--n", type=int, default=4096,
                    help="Sobol' base sample size, a power of 2 (default 4096)")
    se.add_argument("--seed", type=int, default=0, help="seed of the Sobol' samples (0)")
    se.add_argument("--json", action="store_true", help="print one JSON object")

    sc = sub.add_parser("scenario", help="list, show or write scenario files",
                        description="Work with scenario files.")
    scsub = sc.add_subparsers(dest="action", required=True, metavar="ACTION")
    ls = scsub.add_parser("list", help="list the built-in scenarios")
    ls.add_argument("--json", action="store_true", help="print a JSON list")
    show = scsub.add_parser("show", help="print a scenario as TOML")
    scenario_arg(show)
    show.add_argument("--no-comments", action="store_true", help="leave out the explanations")
    show.add_argument("--json", action="store_true", help="print the scenario as one JSON object")
    inputs = scsub.add_parser("inputs", help="list the numeric inputs (for breakeven --vary)")
    scenario_arg(inputs)
    inputs.add_argument("--json", action="store_true",
                        help="print a JSON list of {input, value, distribution}")
    imp = scsub.add_parser("import", help="a scenario from the Inputs sheet of a workbook "
                           "(as `sibrisk run --out DIR --xlsx` writes it)")
    imp.add_argument("workbook", metavar="WORKBOOK", help="the .xlsx file")
    imp.add_argument("--out", default=None, metavar="FILE",
                     help="write the scenario to FILE.toml (default: print it)")
    init = scsub.add_parser("init", help="write an editable, commented scenario file")
    init.add_argument("path", metavar="PATH", help="file to write, e.g. my-contract.toml")
    init.add_argument("--from", dest="source", default=DEFAULT_SCENARIO, metavar="SCENARIO",
                      help=f"scenario to start from (default: {DEFAULT_SCENARIO})")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")

    from .power import ALTERNATIVES, METHODS, TESTS

    ev = sub.add_parser("evidence", help="how solid is the evidence: effect, power, progression",
                        description="How solid is the evidence? The effect of a programme "
                        "from counts, the power of a trial and the sample size it needs, and "
                        "participants' progression in questionnaires (WHO-5, Likert items).")
    evsub = ev.add_subparsers(dest="action", required=True, metavar="ACTION")
    eff = evsub.add_parser("effect", help="rates, difference, intervals and p-values from counts",
                           description="The effect from counts in a programme and a control "
                           "group: Wilson intervals of the rates, Newcombe's interval of the "
                           "difference, the relative risk, Fisher's exact and the z-test's "
                           "p-values, and the Beta posteriors under the Jeffreys prior.")
    eff.add_argument("--treated", required=True, metavar="K/N",
                     help="programme group: K of N had the outcome, e.g. 19/56")
    eff.add_argument("--control", required=True, metavar="K/N",
                     help="control group: K of N had the outcome, e.g. 48/280")
    eff.add_argument("--level", type=float, default=0.95,
                     help="confidence level of the intervals (default 0.95)")
    eff.add_argument("--json", action="store_true", help="print one JSON object")
    pw = evsub.add_parser("power", help="a trial's power, or the size it needs for a power",
                          description="The power of a trial to show a difference between "
                          "two true rates (--n), or the smallest programme group that reaches "
                          "a power (--target-power). The exact method counts every outcome of "
                          "the trial; the normal one is the usual approximation.")
    pw.add_argument("--treated-rate", required=True, metavar="P",
                    help="true rate in the programme group, e.g. 0.35 or 35%%")
    pw.add_argument("--control-rate", required=True, metavar="P",
                    help="true rate in the control group, e.g. 0.17 or 17%%")
    goal = pw.add_mutually_exclusive_group(required=True)
    goal.add_argument("--n", type=int, metavar="N", help="programme participants: the power "
                      "of this trial")
    goal.add_argument("--target-power", type=float, metavar="POWER",
                      help="the smallest programme group with this power, e.g. 0.8")
    controls = pw.add_mutually_exclusive_group()
    controls.add_argument("--control-n", type=int, metavar="M", help="controls (with --n)")
    controls.add_argument("--control-ratio", type=float, metavar="R",
                          help="controls per programme participant (default 1)")
    pw.add_argument("--alpha", type=float, default=0.05,
                    help="significance level (default 0.05)")
    pw.add_argument("--alternative", choices=ALTERNATIVES, default="two-sided",
                    help="two-sided (default) or greater: the programme's rate is higher")
    pw.add_argument("--test", choices=TESTS, default="z",
                    help="z: pooled z-test (default); fisher: Fisher's exact test")
    pw.add_argument("--method", choices=METHODS, default="exact",
                    help="exact: every outcome of the trial (default); normal: approximation")
    pw.add_argument("--json", action="store_true", help="print one JSON object")
    pg = evsub.add_parser("progression", help="start vs end of questionnaires (WHO-5, items)",
                          description="Paired start/end analysis of questionnaire answers: "
                          "the WHO-5 score and every other item, by group, with the Wilcoxon "
                          "signed-rank test. Without FILE, the synthetic example shipped with "
                          "sibrisk (made up to mimic the catalogue's aggregates).")
    pg.add_argument("file", nargs="?", default=None, metavar="FILE.csv",
                    help="answers: id, wave (start|end), municipality, who5_1..who5_5 and "
                    "other items (default: the synthetic example)")
    pg.add_argument("--by", default="municipality", metavar="COLUMN",
                    help="group column: municipality (default), type, or none")
    pg.add_argument("--scale", metavar="LOW:HIGH",
                    help="answer range of the items other than WHO-5, checked, e.g. 1:5")
    pg.add_argument("--json", action="store_true", help="print one JSON object")
    for command in sub.choices.values():  # every command, and every scenario action
        actions = [a for a in command._actions if isinstance(a, argparse._SubParsersAction)]
        for q in [command, *(c for a in actions for c in a.choices.values())]:
            q.add_argument("-q", "--quiet", action="store_true",
                           help="no progress bar and no notes on standard error")
    return p


def _print_json(obj: Any) -> None:
    print(json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False))


def _account(args: argparse.Namespace) -> None:
    report = catalogue_report(load_scenario(args.scenario), per=getattr(args, "per",
                                                                        "participant"))
    if args.json:
        _print_json(report)
    else:
        print(format_catalogue_report(report, args.lang), end="")


class _Progress:
    """A progress bar on standard error, shown only on a terminal after a moment."""

    def __init__(self, label: str, unit: str = "runs") -> None:
        self.label = label
        self.unit = unit
        self.start = time.perf_counter()
        self.shown = False
        self.tty = sys.stderr.isatty()

    def __call__(self, done: int, total: int) -> None:
        elapsed = time.perf_counter() - self.start
        if not self.tty or (elapsed < 0.5 and done < total):
            return
        left = elapsed / done * (total - done) if done else 0.0
        bar = "#" * int(30 * done / total)
        sys.stderr.write(f"\r{self.label} [{bar:<30}] {done:,}/{total:,} {self.unit}, "
                         f"{left:.1f} s left ")
        self.shown = True
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _simulated(args: argparse.Namespace, scenario, contracts=None, yearly=False):
    method = getattr(args, "method", "mc")
    return simulate(scenario, runs=args.runs, seed=args.seed, method=method,
                    parameter_uncertainty=not getattr(args, "no_parameter_uncertainty", False),
                    cohort_uncertainty=not getattr(args, "no_cohort_uncertainty", False),
                    yearly=yearly or getattr(args, "yearly", False),
                    progress=_Progress("simulating") if method == "mc" and not args.quiet
                    else None,
                    contracts=contracts,
                    comparison_size=getattr(args, "comparison_size", None) if contracts
                    else None)


def _risk(args: argparse.Namespace, scenario, contracts=None) -> dict:
    ds = _simulated(args, scenario, contracts)
    if getattr(args, "out", None):
        save(ds, args.out)
    summary = summary_to_dict(summarize(ds))
    if contracts:
        summary["contracts"] = summarize_contracts(ds)
    return summary


def _contract_scenario(contracts: list) -> str:
    named = {c.scenario for c in contracts}
    if None in named:
        raise SibriskError("give SCENARIO: a --contract file does not name its scenario")
    if len(named) > 1:
        raise SibriskError("the --contract files name different scenarios ("
                           + ", ".join(sorted(named)) + "); give SCENARIO to simulate them in "
                           "one")
    return named.pop()


def _simulate(args: argparse.Namespace) -> None:
    if args.out and not args.out.endswith(".nc"):
        raise SibriskError(f"--out {args.out}: a netCDF file must end in .nc")
    if args.method == "exact" and (args.runs is not None or args.seed is not None):
        raise SibriskError("--runs and --seed do not apply to --method exact (it lists every "
                           "outcome, with no sampling)")
    if args.yearly and (not args.out or args.method == "exact"):
        raise SibriskError("--yearly keeps yearly cash flows of Monte Carlo runs in the --out "
                           "file; give --out, with --method mc")
    if args.out and not Path(args.out).parent.exists():
        raise SibriskError(f"--out {args.out}: folder {Path(args.out).parent} does not exist")
    if args.runs is None:
        args.runs = 100_000
    contracts = [load_contract(c) for c in args.contract]
    if args.comparison_size is not None and not contracts:
        raise SibriskError("--comparison-size applies to a --contract that pays on a measured "
                           "effect")
    if contracts and args.method == "exact":
        raise SibriskError("--contract needs --method mc (contracts are evaluated run by run)")
    scenario = args.scenario
    if scenario is None:
        scenario = _contract_scenario(contracts) if contracts else DEFAULT_SCENARIO
    scenario = load_scenario(scenario)
    summary = _risk(args, scenario, contracts or None)
    if args.json:
        _print_json(summary)
    else:
        print(format_risk_summary(summary, args.lang), end="")
        if contracts:
            print(format_contract_risk(summary["contracts"], summary["currency"], args.lang),
                  end="")
        if args.out:
            print(f"wrote every run to {args.out}")


def _run(args: argparse.Namespace) -> None:
    if args.xlsx and not args.report_dir:
        raise SibriskError("--xlsx writes DIR/workbook.xlsx: give --out DIR too")
    scenario = load_scenario(args.scenario)
    report = catalogue_report(scenario)
    if args.report_dir:
        from .html_report import check_folder, write_report

        check_folder(args.report_dir)  # before the simulation, not after it
        if args.xlsx:
            from .workbook import check_openpyxl

            check_openpyxl()
        ds = _simulated(args, scenario, yearly=True)
        summary = summary_to_dict(summarize(ds))
        paths = write_report(args.report_dir, scenario, ds, report, summary, args.lang)
        if args.xlsx:
            from .workbook import write_workbook

            paths.append(write_workbook(Path(args.report_dir) / "workbook.xlsx", scenario,
                                        report, summary, lang=args.lang))
        for path in paths if not args.quiet else ():
            print(f"wrote {path}", file=sys.stderr)
    else:
        summary = _risk(args, scenario)
    if args.json:
        _print_json({"account": report, "risk": summary})
    else:
        print(format_catalogue_report(report, args.lang))
        print(format_risk_summary(summary, args.lang), end="")


def _settle(args: argparse.Namespace) -> None:
    result = settle(load_contract(args.contract), args.outcomes, scenario=args.scenario)
    report = settlement_to_dict(result)
    report["outcomes"] = args.outcomes or "expected outcomes of the scenario"
    if args.json:
        _print_json(report)
    else:
        print(format_settlement(report), end="")


def _axis(text: str) -> tuple[str, list[float]]:
    name, sep, spec = text.partition("=")
    if not sep or not name.strip() or not spec.strip():
        raise SibriskError(f"--axis {text!r}: write NAME=START:STOP:N or NAME=V1,V2,...")
    try:
        if ":" in spec:
            start, stop, n = spec.split(":")
            if int(n) < 1:
                raise ValueError
            return name.strip(), np.linspace(float(start), float(stop), int(n)).tolist()
        return name.strip(), [float(v) for v in spec.split(",")]
    except ValueError:
        raise SibriskError(f"--axis {text!r}: write NAME=START:STOP:N (N a whole number >= 1) "
                           "or NAME=V1,V2,... with numbers") from None


def _sweep(args: argparse.Namespace) -> None:
    if args.out and (not args.out.endswith(".nc") or not Path(args.out).parent.exists()):
        raise SibriskError(f"--out {args.out}: give a .nc file in an existing folder")
    axes = dict(_axis(a) for a in args.axis)
    scenario = args.scenario
    if scenario is None and args.contract is None:
        scenario = DEFAULT_SCENARIO
    if args.xlsx:  # checked before the sweep, not after it
        from .workbook import check_path

        check_path(args.xlsx)
    progress = None if args.quiet else _Progress("sweeping",
                                                  unit=f"points of {args.runs:,} runs")
    client = None
    if args.scheduler:
        try:
            from distributed import Client
        except ImportError:
            raise SibriskError("--scheduler needs dask.distributed: pip install "
                               "'sibrisk[dask]'") from None
        try:
            client = Client(args.scheduler, timeout="10s")
        except OSError as exc:
            raise SibriskError(f"--scheduler {args.scheduler}: cannot connect ({exc})") from None
    try:
        ds = sweep(scenario, axes, contract=args.contract, runs=args.runs, seed=args.seed,
                   zip=args.zip, measures=[m.strip() for m in args.measures.split(",")],
                   progress=progress, client=client, comparison_size=args.comparison_size)
    finally:
        if client is not None:
            client.close()
    if args.out:
        save(ds, args.out)
    report = sweep_to_dict(ds)
    if args.xlsx:
        from .workbook import write_workbook

        base = load_scenario(scenario or load_contract(args.contract).scenario
                             or DEFAULT_SCENARIO)
        path = write_workbook(args.xlsx, base, catalogue_report(base), sweep=report)
        if not args.quiet:
            print(f"wrote {path}", file=sys.stderr)
    if args.json:
        _print_json(report)
    else:
        print(format_sweep(report, args.lang), end="")
        if args.out:
            print(f"wrote the sweep to {args.out}")


def _solve(args: argparse.Namespace) -> None:
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
        _print_json(result.to_dict())
        return
    step = abs(result.achieved - result.target) > 3 * max(result.achieved_se, 1e-12)
    verb = "jumps past" if step else "reaches"  # a step: whole jobs make a measure jump
    print(f"{result.metric} {verb} {result.target:g} at {result.input} = {result.value:,.6g} "
          f"± {result.value_se:,.3g} (Monte Carlo error)")
    print(f"there {result.metric} = {result.achieved:.6g} ± {result.achieved_se:.2g}; it "
          f"crosses the target between {result.bracket[0]:,.6g} and {result.bracket[1]:,.6g}; "
          f"{result.runs:,} runs, seed {result.seed}, the same draws throughout")


def _sensitivity(args: argparse.Namespace) -> None:
    scenario = load_scenario(args.scenario)
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
    }
    if args.json:
        _print_json(report)
    else:
        print(format_sensitivity(report), end="")


def _breakeven(args: argparse.Namespace) -> None:
    result = breakeven(load_scenario(args.scenario), args.vary, args.output, args.target,
                       reprice=args.reprice)
    if args.json:
        _print_json(result.to_dict())
        return
    print(_fit([f"{result.output} reaches {result.target:g} at {result.input} = "
                f"{result.value:.6g} (base {result.base:.6g}, difference "
                f"{result.difference:+.6g})",
                f"reading: {result.reading}; contract "
                f"{'priced again at each value' if result.repriced else 'held at the base price'}"
                ]), end="")


def _scenario(args: argparse.Namespace) -> None:
    if args.action == "list":
        names = list_scenarios()
        if args.json:
            _print_json([{"name": n, "title": load_scenario(n).title} for n in names])
        else:
            for n in names:
                print(f"{n}  {load_scenario(n).title}")
    elif args.action == "inputs":
        scenario = load_scenario(args.scenario)
        uncertain = scenario.uncertain_inputs
        if args.json:
            _print_json([{"input": key, "value": scenario.get(key),
                          "distribution": None if key not in uncertain else
                          {"kind": uncertain[key].kind, **dict(uncertain[key].params)}}
                         for key in scenario.numeric_inputs()])
            return
        for key in scenario.numeric_inputs():
            print(f"{key} = {scenario.get(key):.10g}"
                  + (f"  (uncertain: {uncertain[key].kind})" if key in uncertain else ""))
    elif args.action == "show":
        scenario = load_scenario(args.scenario)
        if args.json:
            _print_json(scenario.to_dict())
        else:
            print(scenario.to_toml(comments=not args.no_comments), end="")
    elif args.action == "import":
        from .workbook import read_inputs

        if args.out and (not args.out.endswith(".toml") or not Path(args.out).parent.exists()):
            raise SibriskError(f"--out {args.out}: give a .toml file in an existing folder")
        scenario = read_inputs(args.workbook)
        if args.out:
            scenario.save(args.out)
            print(f"wrote {args.out}; run it: sibrisk run {args.out}")
        else:
            print(scenario.to_toml(), end="")
    else:
        path = Path(args.path)
        if path.exists() and not args.force:
            raise SibriskError(f"{path} exists; use --force to overwrite it")
        if path.suffix != ".toml":
            raise SibriskError(f"{path}: a scenario file must end in .toml")
        load_scenario(args.source).save(path)
        print(f"wrote {path}; edit it, then: sibrisk account {path}")


def _counts_arg(option: str, text: str) -> tuple[int, int]:
    k, sep, n = text.partition("/")
    try:
        if not sep:
            raise ValueError
        return int(k), int(n)
    except ValueError:
        raise SibriskError(f"{option} {text!r}: write K/N, e.g. 19/56 (K of N participants "
                           "had the outcome)") from None


def _rate_arg(option: str, text: str) -> float:
    value = text.strip()
    try:
        rate = float(value[:-1]) / 100 if value.endswith("%") else float(value)
    except ValueError:
        raise SibriskError(f"{option} {text!r}: give a rate such as 0.35 or 35%") from None
    if not 0.0 < rate < 1.0:
        raise SibriskError(f"{option} {text!r}: a rate must be strictly between 0 and 1 (0 % "
                           "and 100 %)")
    return rate


def _evidence(args: argparse.Namespace) -> None:
    from . import _evidence_text as text

    if args.action == "effect":
        from .evidence import effect

        result = effect(_counts_arg("--treated", args.treated),
                        _counts_arg("--control", args.control), level=args.level)
        if args.json:
            _print_json(result.to_dict())
        else:
            print(text.effect_text(result), end="")
    elif args.action == "power":
        from .power import power, sample_size

        rates = (_rate_arg("--treated-rate", args.treated_rate),
                 _rate_arg("--control-rate", args.control_rate))
        settings = {"alpha": args.alpha, "alternative": args.alternative, "test": args.test,
                    "method": args.method}
        if args.target_power is not None:
            if args.control_n is not None:
                raise SibriskError("--control-n goes with --n; with --target-power give "
                                   "--control-ratio (controls per participant)")
            ratio = 1.0 if args.control_ratio is None else args.control_ratio
            result = sample_size(*rates, power=args.target_power, control_ratio=ratio,
                                 **settings)
            if args.json:
                _print_json(result.to_dict())
            else:
                print(text.sample_size_text(result), end="")
            return
        from .power import _control_size

        value = power(*rates, args.n, args.control_n, control_ratio=args.control_ratio,
                      **settings)
        report = {"p_treated": rates[0], "p_control": rates[1], "n_treated": args.n,
                  "n_control": _control_size(args.n, args.control_n, args.control_ratio),
                  **settings, "power": value}
        if args.json:
            _print_json(report)
        else:
            print(text.power_text(report), end="")
    else:
        from .progression import (
            SYNTHETIC,
            WHO5_ITEMS,
            example,
            progression,
            progression_to_dict,
            read_questionnaires,
        )

        data = example() if args.file is None else read_questionnaires(args.file)
        scale = None
        if args.scale:
            low, sep, high = args.scale.partition(":")
            try:
                scale = (int(low), int(high)) if sep else None
            except ValueError:
                scale = None
            if scale is None:
                raise SibriskError(f"--scale {args.scale!r}: write LOW:HIGH with whole "
                                   "numbers, e.g. 1:5")
        by = None if args.by.lower() == "none" else args.by
        items = [c for c in data.data_vars if c != "line" and c not in WHO5_ITEMS]
        if all(c in data for c in WHO5_ITEMS):
            items.insert(0, "who5")
        results = {item: progression(data, item, by=by,
                                     scale=None if item == "who5" else scale)
                   for item in items}
        synthetic = SYNTHETIC if args.file is None else None
        if args.json:
            _print_json({"source": data.attrs["source"], "synthetic": args.file is None,
                         **({"note": synthetic} if synthetic else {}),
                         "items": {k: progression_to_dict(v) for k, v in results.items()}})
        else:
            print(text.progression_text(results, data.attrs["source"], synthetic), end="")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``sibrisk`` command; returns the exit status."""
    args = _parser().parse_args(argv)
    commands = {"run": _run, "simulate": _simulate, "settle": _settle, "sweep": _sweep,
                "solve": _solve, "sensitivity": _sensitivity, "account": _account,
                "breakeven": _breakeven, "scenario": _scenario, "evidence": _evidence}
    try:
        commands[args.command](args)
    except SibriskError as exc:
        print(f"sibrisk: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. `sibrisk account --json | head`: the reader left
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except OSError as exc:
        print(f"sibrisk: error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("sibrisk: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
