"""``sibrisk evidence``: how solid is the evidence (effect, power, progression)."""

from __future__ import annotations

import argparse

from ..errors import SibriskError
from ..evidence.choices import ALTERNATIVES, METHODS, TESTS
from ._common import COUNT, lang_arg, print_json, real, whole


def add(sub: argparse._SubParsersAction) -> None:
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
    eff.add_argument("--level", type=real(), default=0.95,
                     help="confidence level of the intervals (default 0.95)")
    eff.add_argument("--json", action="store_true", help="print one JSON object")
    lang_arg(eff, "the report")
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
    goal.add_argument("--n", type=COUNT, metavar="N", help="programme participants: the power "
                      "of this trial")
    goal.add_argument("--target-power", type=real(), metavar="POWER",
                      help="the smallest programme group with this power, e.g. 0.8")
    controls = pw.add_mutually_exclusive_group()
    controls.add_argument("--control-n", type=COUNT, metavar="M", help="controls (with --n)")
    controls.add_argument("--control-ratio", type=real(), metavar="R",
                          help="controls per programme participant (default 1)")
    pw.add_argument("--alpha", type=real(), default=0.05,
                    help="significance level (default 0.05)")
    pw.add_argument("--alternative", choices=ALTERNATIVES, default="two-sided",
                    help="two-sided (default) or greater: the programme's rate is higher")
    pw.add_argument("--test", choices=TESTS, default="z",
                    help="z: pooled z-test (default); fisher: Fisher's exact test")
    pw.add_argument("--method", choices=METHODS, default="exact",
                    help="exact: every outcome of the trial (default); normal: approximation")
    pw.add_argument("--json", action="store_true", help="print one JSON object")
    lang_arg(pw, "the report")
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
    lang_arg(pg, "the tables")
    ev.set_defaults(handler=_evidence)


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
    from ..report import evidence as text

    if args.action == "effect":
        from ..evidence.effects import effect

        result = effect(_counts_arg("--treated", args.treated),
                        _counts_arg("--control", args.control), level=args.level)
        if args.json:
            print_json(result.to_dict())
        else:
            print(text.effect_text(result, args.lang), end="")
    elif args.action == "power":
        from ..evidence.power_analysis import power, sample_size

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
                print_json(result.to_dict())
            else:
                print(text.sample_size_text(result, args.lang), end="")
            return
        from ..evidence.power_analysis import control_size

        value = power(*rates, args.n, args.control_n, control_ratio=args.control_ratio,
                      **settings)
        report = {"p_treated": rates[0], "p_control": rates[1], "n_treated": args.n,
                  "n_control": control_size(args.n, args.control_n, args.control_ratio),
                  **settings, "power": value}
        if args.json:
            print_json(report)
        else:
            print(text.power_text(report, args.lang), end="")
    else:
        from ..evidence.progression import (
            GROUP_COLUMNS,
            SYNTHETIC,
            WHO5_ITEMS,
            example,
            progression,
            progression_to_dict,
            read_questionnaires,
        )

        scale = None
        if args.scale:
            low, sep, high = args.scale.partition(":")
            try:
                scale = (whole(-10**6, 10**6)(low.strip()), whole(-10**6, 10**6)(high.strip())) \
                    if sep else None
            except argparse.ArgumentTypeError:
                scale = None
            if scale is None or scale[0] >= scale[1]:
                raise SibriskError(f"--scale {args.scale!r}: write LOW:HIGH with whole "
                                   "numbers, the lowest first, e.g. 1:5")
        data = example() if args.file is None else read_questionnaires(args.file)
        by = None if args.by.strip().lower() == "none" else args.by.strip()
        groups = [c for c in GROUP_COLUMNS if c in data.coords]
        if by is not None and by not in groups:
            raise SibriskError(f"--by {args.by!r}: must be a group column of "
                               f"{data.attrs['source']} ({', '.join(groups) or 'it has none'}) "
                               "or none")
        items = [c for c in data.data_vars if c != "line" and c not in WHO5_ITEMS]
        if all(c in data for c in WHO5_ITEMS):
            items.insert(0, "who5")
        results = {item: progression(data, item, by=by,
                                     scale=None if item == "who5" else scale)
                   for item in items}
        synthetic = SYNTHETIC if args.file is None else None
        if args.json:
            print_json({"source": data.attrs["source"], "synthetic": args.file is None,
                         **({"note": synthetic} if synthetic else {}),
                         "items": {k: progression_to_dict(v) for k, v in results.items()}})
        else:
            print(text.progression_text(results, data.attrs["source"], synthetic, args.lang),
                  end="")
