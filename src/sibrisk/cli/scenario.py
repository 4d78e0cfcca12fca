"""``sibrisk scenario``: list, show, write and import scenario files."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import SibriskError
from ..report.language import words
from ._common import DEFAULT_SCENARIO, lang_arg, note, out_file, print_json, scenario_arg


def add(sub: argparse._SubParsersAction) -> None:
    sc = sub.add_parser("scenario", help="list, show or write scenario files",
                        description="Work with scenario files.")
    scsub = sc.add_subparsers(dest="action", required=True, metavar="ACTION")
    ls = scsub.add_parser("list", help="list the built-in scenarios")
    ls.add_argument("--json", action="store_true", help="print a JSON list")
    lang_arg(ls, "the list")
    show = scsub.add_parser("show", help="print a scenario as TOML")
    scenario_arg(show)
    show.add_argument("--no-comments", action="store_true", help="leave out the explanations")
    show.add_argument("--json", action="store_true", help="print the scenario as one JSON object")
    inputs = scsub.add_parser("inputs", help="list the numeric inputs (for breakeven --vary)")
    scenario_arg(inputs)
    inputs.add_argument("--json", action="store_true",
                        help="print a JSON list of {input, label, value, distribution}")
    lang_arg(inputs, "the labels")
    imp = scsub.add_parser("import", help="a scenario from the Inputs sheet of a workbook "
                           "(as `sibrisk run --out DIR --xlsx` writes it)")
    imp.add_argument("workbook", metavar="WORKBOOK", help="the .xlsx file")
    imp.add_argument("--out", default=None, metavar="FILE",
                     help="write the scenario to FILE.toml (default: print it)")
    lang_arg(imp, "the notes of what changed")
    init = scsub.add_parser("init", help="write an editable, commented scenario file")
    init.add_argument("path", metavar="PATH", help="file to write, e.g. my-contract.toml")
    init.add_argument("--from", dest="source", default=DEFAULT_SCENARIO, metavar="SCENARIO",
                      help=f"scenario to start from (default: {DEFAULT_SCENARIO})")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    lang_arg(init, "the note")
    sc.set_defaults(handler=_scenario)


def _scenario(args: argparse.Namespace) -> None:
    from ..scenario.spec import list_scenarios, load_scenario

    w = words(getattr(args, "lang", None) or "en")
    if args.action == "list":
        names = list_scenarios()
        if args.json:
            print_json([{"name": n, "title": load_scenario(n).title} for n in names])
        else:
            for n in names:
                print(f"{n}  {load_scenario(n).title}")
    elif args.action == "inputs":
        _inputs(args, load_scenario(args.scenario))
    elif args.action == "show":
        scenario = load_scenario(args.scenario)
        if args.json:
            print_json(scenario.to_dict())
        else:
            print(scenario.to_toml(comments=not args.no_comments), end="")
    elif args.action == "import":
        from ..report.workbook import import_workbook

        if args.out:
            out_file("--out", args.out, ".toml", "a scenario file")
        imported = import_workbook(args.workbook)
        for change in imported.changes:
            note(args, w("changed in the workbook: {change}", change=change))
        if not imported.changes:
            note(args, w("no input changed in the workbook"))
        if args.out:
            imported.scenario.save(args.out)
            print(w("wrote {path}; run it: sibrisk run {path}", path=args.out))
        else:
            print(imported.scenario.to_toml(), end="")
    else:
        path = Path(args.path)
        if path.exists() and not args.force:
            raise SibriskError(f"{path} exists; use --force to overwrite it")
        out_file("PATH", args.path, ".toml", "a scenario file")
        load_scenario(args.source).save(path)
        print(w("wrote {path}; edit it, then: sibrisk account {path}", path=path))


def _inputs(args: argparse.Namespace, scenario) -> None:
    """``sibrisk scenario inputs``: every numeric input's key (for ``--vary`` and
    ``--axis``), label, value and distribution."""
    from ..report.labels import input_label
    from ..report.language import numbers_for

    uncertain = scenario.uncertain_inputs
    w, f = words(args.lang), numbers_for(args.lang)
    if args.json:
        print_json([{"input": key, "label": input_label(key, args.lang, scenario),
                     "value": scenario.get(key),
                     "distribution": None if key not in uncertain else
                     {"kind": uncertain[key].kind, **dict(uncertain[key].params)}}
                    for key in scenario.numeric_inputs()])
        return

    for key in scenario.numeric_inputs():
        d = uncertain.get(key)
        kind = "" if d is None else "  (" + w("uncertain: {kind}", kind=f"{d.kind}(" + ", ".join(
            f"{k}={v}" if isinstance(v, str) else f"{k}={f.general(v)}"
            for k, v in d.params) + ")") + ")"
        print(f"{key} = {f.general(scenario.get(key), 10)}{kind}")
        print(f"  {input_label(key, args.lang, scenario)}")
