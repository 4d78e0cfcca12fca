"""``sibrisk run``, ``account`` and ``breakeven``: the catalogue's accounts, and its risk."""

from __future__ import annotations

import argparse

from ..errors import SibriskError
from ..metrics.schema import OUTPUTS
from ..report.language import words
from ._common import RUNS, SEED, input_file, lang_arg, note, print_json, real, scenario_arg


def add(sub: argparse._SubParsersAction) -> None:
    run = sub.add_parser("run", help="the main job: the account and its risk (100,000 runs)",
                         description="Run sibrisk's main job: the catalogue's account report "
                         "and the risk summary of a Monte Carlo simulation.")
    scenario_arg(run)
    run.add_argument("--runs", type=RUNS, default=100_000, help="Monte Carlo runs (100,000)")
    run.add_argument("--seed", type=SEED, default=None,
                     help="random seed (default: a fresh one, printed)")
    run.add_argument("--json", action="store_true",
                     help="print one JSON object {account, risk}")
    run.add_argument("--out", dest="report_dir", default=None, metavar="DIR",
                     help="also write DIR/report.html (inputs, accounts, risk, plots) and "
                     "DIR/simulation.nc")
    lang_arg(run, "the terminal report and of --out's report and plots")
    run.add_argument("--xlsx", action="store_true",
                     help="with --out, also write DIR/workbook.xlsx (inputs, accounts, risk)")
    run.add_argument("--contract", action="append", default=[], metavar="CONTRACT.toml",
                     help="also evaluate this contract on the same draws and report the "
                     "contracts' risk side by side (repeat to compare, e.g. with and without "
                     "a guarantee)")
    run.set_defaults(handler=_run)

    acc = sub.add_parser("account", help="print the catalogue's accounts and break-even points",
                         description="The budget and welfare accounts, the payment model, "
                         "rates by participant type and break-even points.")
    scenario_arg(acc)
    acc.add_argument("--json", action="store_true", help="print one JSON object")
    acc.add_argument("--per", choices=("participant", "cohort"), default="participant",
                     help="money per average participant (default) or per cohort")
    lang_arg(acc, "the tables")
    acc.set_defaults(handler=_account)

    be = sub.add_parser("breakeven", help="value of an input at which an output reaches a target",
                        description="Find the value of one input at which one output reaches "
                        "a target (0 by default). Inputs are dotted TOML keys such as "
                        "effect.decay, or gross_employment, control_employment, marginal_effect.")
    scenario_arg(be)
    be.add_argument("--vary", required=True, metavar="INPUT", help="input to vary")
    be.add_argument("--output", default="budget_surplus", metavar="OUTPUT",
                    help=f"output to watch (default budget_surplus); one of: {', '.join(OUTPUTS)}")
    be.add_argument("--target", type=real(), default=0.0, help="target value (default 0)")
    be.add_argument("--reprice", action="store_true",
                    help="price the contract again at each value instead of holding it")
    be.add_argument("--json", action="store_true", help="print one JSON object")
    lang_arg(be, "the answer")
    be.set_defaults(handler=_breakeven)


def _account(args: argparse.Namespace) -> None:
    from ..report.catalogue import catalogue_report, format_catalogue_report
    from ..scenario.spec import load_scenario

    report = catalogue_report(load_scenario(args.scenario), per=args.per)
    if args.json:
        print_json(report)
    else:
        print(format_catalogue_report(report, args.lang), end="")


def _run(args: argparse.Namespace) -> None:
    from ..contract.terms import load_contract
    from ..metrics.risk import summarize, summarize_contracts, summary_to_dict
    from ..report.catalogue import (
        catalogue_report,
        format_catalogue_report,
        format_contract_risk,
        format_risk_summary,
    )
    from ..scenario.spec import load_scenario
    from .risk import simulated

    if args.xlsx and not args.report_dir:
        raise SibriskError("--xlsx writes DIR/workbook.xlsx: give --out DIR too")
    scenario = load_scenario(args.scenario)
    contracts = [load_contract(c) for c in args.contract]
    report = catalogue_report(scenario)
    if args.report_dir:
        from ..report.html import check_folder

        check_folder(args.report_dir)  # before the simulation, not after it
        if args.xlsx:
            from ..report.workbook import check_openpyxl

            check_openpyxl()
    ds = simulated(args, scenario, contracts or None, yearly=bool(args.report_dir))
    summary = summary_to_dict(summarize(ds))
    risk = summarize_contracts(ds, level=summary["level"]) if contracts else None
    if args.report_dir:
        from ..report.html import write_report

        sources = [input_file(args.scenario), *(input_file(c) for c in args.contract)]
        paths = write_report(args.report_dir, scenario, ds, report, summary, args.lang,
                             sources=sources, contracts=risk, xlsx=args.xlsx)
        for path in paths:
            note(args, words(args.lang)("wrote {path}", path=path))
    if args.json:
        print_json({"account": report, "risk": summary, **({"contracts": risk} if risk else {})})
    else:
        print(format_catalogue_report(report, args.lang))
        print(format_risk_summary(summary, args.lang), end="")
        if risk:
            print(format_contract_risk(risk, summary["currency"], args.lang, summary["level"]),
                  end="")


def _breakeven(args: argparse.Namespace) -> None:
    from ..engine.breakeven import breakeven
    from ..report.catalogue import format_breakeven
    from ..scenario.spec import load_scenario

    scenario = load_scenario(args.scenario)
    result = breakeven(scenario, args.vary, args.output, args.target, reprice=args.reprice)
    if args.json:
        print_json(result.to_dict())
        return
    print(format_breakeven(result.to_dict(), args.lang, scenario), end="")
