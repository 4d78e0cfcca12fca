"""``sibrisk simulate`` and ``settle``: the risk of a contract, and who pays what."""

from __future__ import annotations

import argparse

from ..errors import SibriskError
from ..report.language import words
from ._common import (
    COUNT,
    DEFAULT_SCENARIO,
    RUNS,
    SEED,
    Progress,
    lang_arg,
    out_file,
    print_json,
)


def add(sub: argparse._SubParsersAction) -> None:
    sim = sub.add_parser("simulate", help="Monte Carlo (or exact) risk summary",
                         description="Simulate the contract run by run and summarise the risk "
                         "of each actor, each measure with its Monte Carlo standard error.")
    sim.add_argument("scenario", nargs="?", default=None, metavar="SCENARIO",
                     help=f"built-in scenario name or TOML file (default: {DEFAULT_SCENARIO}, "
                     "or the scenario the --contract files name)")
    sim.add_argument("--runs", type=RUNS, default=None, help="Monte Carlo runs (100,000)")
    sim.add_argument("--seed", type=SEED, default=None,
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
    sim.add_argument("--comparison-size", type=COUNT, default=None, metavar="M",
                     help="with --contract paying on a measured effect: the evaluation measures "
                     "the comparison group on M people per cohort, and the summary says how "
                     "often the payment misjudges the programme's true effect")
    sim.add_argument("--json", action="store_true", help="print one JSON object")
    lang_arg(sim, "the risk summary")
    sim.set_defaults(handler=_simulate)

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
    lang_arg(st, "the settlement")
    st.set_defaults(handler=_settle)


def simulated(args: argparse.Namespace, scenario, contracts=None, yearly=False):
    """The simulation a command asks for (``--runs``, ``--seed``, ``--method``, ...)."""
    from ..engine.simulate import simulate

    method = getattr(args, "method", "mc")
    return simulate(scenario, runs=args.runs, seed=args.seed, method=method,
                    parameter_uncertainty=not getattr(args, "no_parameter_uncertainty", False),
                    cohort_uncertainty=not getattr(args, "no_cohort_uncertainty", False),
                    yearly=yearly or getattr(args, "yearly", False),
                    progress=Progress("simulating") if method == "mc" and not args.quiet
                    else None,
                    contracts=contracts,
                    comparison_size=getattr(args, "comparison_size", None) if contracts
                    else None)


def risk_summary(args: argparse.Namespace, scenario, contracts=None) -> dict:
    """The risk summary of the simulation a command asks for (saved with ``--out``)."""
    from ..metrics.risk import summarize, summarize_contracts, summary_to_dict
    from ..report.netcdf import save

    ds = simulated(args, scenario, contracts)
    if getattr(args, "out", None):
        save(ds, args.out)
    summary = summary_to_dict(summarize(ds))
    if contracts:
        summary["contracts"] = summarize_contracts(ds, level=summary["level"])
    return summary


def contract_scenario(contracts: list):
    """The one scenario a list of contracts names (an error names the contract file)."""
    named = {c.scenario for c in contracts}
    if None in named:
        source = next(c.source for c in contracts if c.scenario is None)
        raise SibriskError(f"give SCENARIO: --contract {source} does not name its scenario")
    if len(named) > 1:
        raise SibriskError("the --contract files name different scenarios ("
                           + ", ".join(sorted(named)) + "); give SCENARIO to simulate them in "
                           "one")
    return contracts[0].scenario_object()


def _simulate(args: argparse.Namespace) -> None:
    from ..contract.terms import load_contract
    from ..report.catalogue import format_contract_risk, format_risk_summary
    from ..scenario.spec import load_scenario

    if args.out:
        out_file("--out", args.out, ".nc", "a netCDF file")
    if args.method == "exact" and (args.runs is not None or args.seed is not None):
        raise SibriskError("--runs and --seed do not apply to --method exact (it lists every "
                           "outcome, with no sampling)")
    if args.yearly and (not args.out or args.method == "exact"):
        raise SibriskError("--yearly keeps yearly cash flows of Monte Carlo runs in the --out "
                           "file; give --out, with --method mc")
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
        scenario = contract_scenario(contracts) if contracts else DEFAULT_SCENARIO
    scenario = load_scenario(scenario)
    summary = risk_summary(args, scenario, contracts or None)
    if args.json:
        print_json(summary)
    else:
        print(format_risk_summary(summary, args.lang), end="")
        if contracts:
            print(format_contract_risk(summary["contracts"], summary["currency"], args.lang,
                                       summary["level"]), end="")
        if args.out:
            print(words(args.lang)("wrote every run to {path}", path=args.out))


def _settle(args: argparse.Namespace) -> None:
    from ..contract.terms import load_contract
    from ..ledger.settlement import settle, settlement_to_dict
    from ..report.catalogue import format_settlement

    result = settle(load_contract(args.contract), args.outcomes, scenario=args.scenario)
    report = settlement_to_dict(result)
    report["outcomes"] = args.outcomes or "expected outcomes of the scenario"
    if args.json:
        print_json(report)
    else:
        print(format_settlement(report, args.lang), end="")
