"""The ``sibrisk`` command.

Every user mistake ends in one readable line on standard error and a non-zero
exit status (1 for bad input, 2 for bad usage), never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from . import __version__
from .account import OUTPUTS, breakeven
from .errors import SibriskError
from .report import catalogue_report, format_catalogue_report
from .scenario import list_scenarios, load_scenario

DEFAULT_SCENARIO = "drc-sib-2023"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="sibrisk",
        description="Price and stress-test outcome-based contracts (social impact bonds).",
    )
    p.add_argument("--version", action="version", version=f"sibrisk {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def scenario_arg(q: argparse.ArgumentParser, optional: bool = True) -> None:
        q.add_argument("scenario", nargs="?" if optional else None,
                       default=DEFAULT_SCENARIO if optional else None, metavar="SCENARIO",
                       help="built-in scenario name or TOML file"
                       + (f" (default: {DEFAULT_SCENARIO})" if optional else ""))

    run = sub.add_parser("run", help="run the main job on a scenario (the account report)",
                         description="Run sibrisk's main job: for now the catalogue's "
                         "account report.")
    scenario_arg(run)
    run.add_argument("--json", action="store_true", help="print one JSON object")

    acc = sub.add_parser("account", help="print the catalogue's accounts and break-even points",
                         description="The budget and welfare accounts, the payment model, "
                         "rates by participant type and break-even points.")
    scenario_arg(acc)
    acc.add_argument("--json", action="store_true", help="print one JSON object")
    acc.add_argument("--per", choices=("participant", "cohort"), default="participant",
                     help="money per average participant (default) or per cohort")

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

    sc = sub.add_parser("scenario", help="list, show or write scenario files",
                        description="Work with scenario files.")
    scsub = sc.add_subparsers(dest="action", required=True, metavar="ACTION")
    ls = scsub.add_parser("list", help="list the built-in scenarios")
    ls.add_argument("--json", action="store_true", help="print a JSON list")
    show = scsub.add_parser("show", help="print a scenario as TOML")
    scenario_arg(show)
    show.add_argument("--no-comments", action="store_true", help="leave out the explanations")
    inputs = scsub.add_parser("inputs", help="list the numeric inputs (for breakeven --vary)")
    scenario_arg(inputs)
    init = scsub.add_parser("init", help="write an editable, commented scenario file")
    init.add_argument("path", metavar="PATH", help="file to write, e.g. my-contract.toml")
    init.add_argument("--from", dest="source", default=DEFAULT_SCENARIO, metavar="SCENARIO",
                      help=f"scenario to start from (default: {DEFAULT_SCENARIO})")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    return p


def _print_json(obj: Any) -> None:
    print(json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False))


def _account(args: argparse.Namespace) -> None:
    report = catalogue_report(load_scenario(args.scenario), per=getattr(args, "per",
                                                                        "participant"))
    if args.json:
        _print_json(report)
    else:
        print(format_catalogue_report(report), end="")


def _breakeven(args: argparse.Namespace) -> None:
    result = breakeven(load_scenario(args.scenario), args.vary, args.output, args.target,
                       reprice=args.reprice)
    if args.json:
        _print_json(result.to_dict())
        return
    print(f"{result.output} reaches {result.target:g} at {result.input} = {result.value:.6g} "
          f"(base {result.base:.6g}, difference {result.difference:+.6g})")
    print(f"reading: {result.reading}; contract "
          f"{'priced again at each value' if result.repriced else 'held at the base price'}")


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
        for key in scenario.numeric_inputs():
            print(f"{key} = {scenario.get(key):.10g}")
    elif args.action == "show":
        print(load_scenario(args.scenario).to_toml(comments=not args.no_comments), end="")
    else:
        path = Path(args.path)
        if path.exists() and not args.force:
            raise SibriskError(f"{path} exists; use --force to overwrite it")
        if path.suffix != ".toml":
            raise SibriskError(f"{path}: a scenario file must end in .toml")
        load_scenario(args.source).save(path)
        print(f"wrote {path}; edit it, then: sibrisk account {path}")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``sibrisk`` command; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        if args.command in ("run", "account"):
            _account(args)
        elif args.command == "breakeven":
            _breakeven(args)
        else:
            _scenario(args)
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
