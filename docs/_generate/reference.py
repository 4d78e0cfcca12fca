"""Generate the reference pages: the scenario file format and the command line.

``scenario-file.md`` is built from the field metadata in ``sibrisk.scenario.spec``
(the same metadata that validates a file and comments the template), so every
key, unit, allowed range and default on the page is the one the code uses.
``cli.md`` shows the real output of each ``sibrisk`` command, captured by
running the command in-process.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import shutil
import tempfile
from pathlib import Path

import scipy.stats

import sibrisk
from sibrisk import cli
from sibrisk.scenario import spec as sc
from sibrisk.scenario.uncertainty import KINDS, PRIORS, Distribution

from .common import DOCS, ROOT, generated_by

SCENARIO_PAGE = DOCS / "scenario-file.md"
CLI_PAGE = DOCS / "cli.md"
_EXAMPLES = Path("examples") / "contracts"  # shown relative to the repository root
EXAMPLE = "drc-sib-2023"

_GENERATED = generated_by("reference")


# ---------------------------------------------------------------------------
# Scenario file
# ---------------------------------------------------------------------------
_KIND = {"real": "number", "int": "whole number", "str": "string", "choice": "string",
         "bool": "true/false"}


def _markdown(docstring: str) -> list[str]:
    """A class docstring as Markdown paragraphs (RST ``code`` becomes `code`)."""
    paragraphs, current = [], []
    for line in (docstring or "").strip().splitlines():
        if line.strip():
            current.append(line.strip())
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    out = []
    for p in paragraphs:
        out += [p.replace("``", "`"), ""]
    return out


def _default(f: dataclasses.Field) -> str:
    if f.default is dataclasses.MISSING:
        return "required"
    value = f.default
    if value is None:
        return "absent"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, str):
        return f'`"{value}"`'
    return f"`{value!r}`"


def _allowed(spec) -> str:
    text = spec.allowed().removeprefix("must be ")
    return text.replace("|", "\\|")


def _rows(cls: type, prefix: str, skip: tuple[str, ...] = ()) -> list[str]:
    lines = ["| key | type | unit | allowed | default | meaning |",
             "| --- | --- | --- | --- | --- | --- |"]
    for f in dataclasses.fields(cls):
        if f.name in skip or {"section", "types", "derived"} & set(f.metadata):
            continue
        spec = f.metadata["spec"]
        lines.append(f"| `{prefix}{f.name}` | {_KIND[spec.kind]} | {spec.unit or '-'} | "
                     f"{_allowed(spec)} | {_default(f)} | {spec.doc} |")
    return lines + [""]


def scenario_page() -> str:
    s = sibrisk.load_scenario(EXAMPLE)
    name_spec = dataclasses.fields(sc.ParticipantType)[0].metadata["spec"]
    out = [
        "# The scenario file",
        "",
        _GENERATED,
        "",
        "A scenario holds every input of one outcome contract: the cohort and its participant "
        "types, discounting, how the employment effect fades, what the municipality "
        "(*kommune*) saves, what the provider costs, the contract terms and the "
        "welfare-economic factors. It is a [TOML](https://toml.io) file; "
        "`sibrisk.load_scenario(path)` reads one, `Scenario.from_dict` builds one from "
        "Python, and `sibrisk scenario init my-contract.toml` writes an editable copy of "
        "the built-in scenario with every key explained in a comment. The file is UTF-8 "
        "text (a byte-order mark, as Windows editors write it, is fine); a mistake in it is "
        "reported on one line naming the file, the key, the value and what is allowed (see "
        "[bad input](cli.md#bad-input)).",
        "",
        "Amounts are in the scenario's `currency` and `price_year` prices. Unless a key says "
        "otherwise they are per participant and already a present value at the start of the "
        "programme. Shares and rates are fractions (`0.15`, not `15`).",
        "",
        "## Top-level keys",
        "",
        *_rows(sc.Scenario, ""),
    ]
    for f in dataclasses.fields(sc.Scenario):
        if "types" in f.metadata:
            out += [
                "## [types.NAME]",
                "",
                "One table per participant type; `NAME` is the type's short name, "
                f"{name_spec.allowed().removeprefix('must be ')}. At least one type is needed.",
                "",
                *_markdown(sc.ParticipantType.__doc__),
                *_rows(sc.ParticipantType, "", skip=("name",)),
            ]
        elif "section" in f.metadata:
            cls = f.metadata["section"]
            out += [f"## [{f.name}]", "", *_markdown(cls.__doc__), *_rows(cls, "")]
    out += [
        "## Rules that involve several keys",
        "",
        "- The `share`s of all types sum to 1 (within 1e-6).",
        "- A type's `control_employment` may not exceed its `gross_employment` unless "
        "`effect.allow_negative = true`.",
        "- `discounting.rate` is required with `schedule = \"flat\"` and not allowed with the "
        "stepped schedules, which set their own rates.",
        "- `contract.by_type_rule = \"payout_neutral\"` with `rate_card = \"by_type\"` needs a "
        "positive average gross employment.",
        "- A type may not be called `rule`.",
        "- Unknown keys are errors, with the nearest allowed key suggested; so are missing "
        "required keys and values out of range.",
        "",
        "Problems with single keys are all reported together, each with its dotted key; the "
        "rules across keys are checked once every key is valid. For example, a copy of "
        f"`{s.name}` with these lines changed:",
        "",
        "```toml",
        *_broken_example(s)[1],
        "```",
        "",
        "fails to load with one message that lists every problem:",
        "",
        "```text",
        _error_of(_broken_example(s)[0]),
        "```",
        "",
        *_uncertain_section(s),
        *_correlation_section(s),
        "## Inputs you can vary",
        "",
        "`Scenario.replace(key, value)` and `sibrisk.breakeven(scenario, key, ...)` take any "
        "numeric key by its dotted name, e.g. `effect.decay` or "
        "`types.no_experience.gross_employment`. Three aggregate inputs move all "
        "participant types at once:",
        "",
        *[f"- `{k}`: {v}." for k, v in sc.AGGREGATE_INPUTS.items()],
        "",
        f"The numeric inputs of `{s.name}` (`Scenario.numeric_inputs()`). `price_year` and "
        "`cohort.size` are among them but move no amount per average participant: the first "
        "is a label, the second only scales results asked for `per=\"cohort\"`.",
        "",
        "```text",
        *s.numeric_inputs(),
        "```",
        "",
        "## A complete file",
        "",
        f"The built-in scenario `{s.name}` without its comments "
        f"(`sibrisk scenario show {s.name} --no-comments`):",
        "",
        "```toml",
        *s.to_toml(comments=False).rstrip("\n").splitlines(),
        "```",
    ]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------
# Uncertain inputs and correlation
# ---------------------------------------------------------------------------
#: What each kind of distribution is; every kind in sibrisk.scenario.uncertainty.KINDS needs one.
_KIND_DOCS = {
    "fixed": ("no distribution: the input stays at `value`, which is then required (the same "
              "as writing the number)", "`value` only"),
    "uniform": ("every value between `low` and `high` equally likely", "[low, high]"),
    "triangular": ("density rising in a straight line from `low` to `mode` and falling to "
                   "`high`", "[low, high]"),
    "pert": ("a smooth, bell-shaped beta distribution on [low, high] with its peak at "
             "`mode`; a larger `shape` concentrates it more around the mode; mean "
             "(low + shape × mode + high) / (shape + 2)", "[low, high]"),
    "normal": ("normal with mean `mean` and standard deviation `sd`; unbounded, so only for "
               "inputs without limits", "all numbers"),
    "truncnormal": ("a normal with `mean` and `sd` cut to [low, high]; `mean` and `sd` are "
                    "those of the normal before the cut", "[low, high]"),
    "lognormal": ("positive and skewed to the right; `mean` and `sd` are those of the input "
                  "itself, not of its logarithm", "above 0"),
    "beta": ("Beta(`a`, `b`), stretched from [0, 1] to [low, high]", "[low, high]"),
    "evidence": ("`successes` of `trials` observed (\"k of n employed\"): the Beta posterior "
                 "of the proportion under `prior`", "[0, 1]"),
}

#: Distribution tables of the broken example: (table, key, new value, comment).
_BAD_TABLES = (
    ("[cohort]", "size", '{ dist = "uniform", low = 40, high = 70 }', "cannot be uncertain"),
    ("[types.no_experience]", "gross_employment",
     '{ dist = "evidence", successes = 12, trials = 10 }', "more successes than trials"),
    ("[effect]", "decay", '{ dist = "normal", mean = 0.15, sd = 0.05 }', "can draw below 0"),
    ("[effect]", "persistent_share", '{ dist = "pert", low = 0, mode = 0.1, hihg = 0.3 }',
     "misspelt"),
)


def _spec_keys(cls: type, prefix: str):
    """(dotted key, spec) of every input, in file order; types as ``types.NAME``."""
    for f in dataclasses.fields(cls):
        if "section" in f.metadata:
            yield from _spec_keys(f.metadata["section"], f"{prefix}{f.name}.")
        elif "types" in f.metadata:
            yield from _spec_keys(sc.ParticipantType, f"{prefix}types.NAME.")
        elif "spec" in f.metadata and not f.name == "name":
            yield f"{prefix}{f.name}", f.metadata["spec"]


def _grouped(rows: list[tuple[str, str]]) -> list[str]:
    """TOML lines under their table headers: ``(header, line)`` pairs, in order."""
    out: list[str] = []
    current = None
    for header, line in rows:
        if header != current:
            out += ([""] if out else []) + [header]
            current = header
        out.append(line)
    return out


def _set_line(text: str, table: str, key: str, value: str, comment: str) -> tuple[str, str]:
    """Replace the line ``key = ...`` of ``[table]`` in TOML text; returns text and the line."""
    lines = text.split("\n")
    start = lines.index(table)
    for i in range(start + 1, len(lines)):
        if lines[i].startswith("["):
            break
        if lines[i].startswith(f"{key} = "):
            new = f"{key} = {value}"
            lines[i] = new
            return "\n".join(lines), f"{new:<72}# {comment}"
    raise AssertionError(f"no line {key} = ... in {table}")


def _bad_tables(s: sibrisk.Scenario) -> tuple[str, list[str]]:
    text = s.to_toml(comments=False)
    shown: list[tuple[str, str]] = []
    for table, key, value, comment in _BAD_TABLES:
        text, line = _set_line(text, table, key, value, comment)
        shown.append((table, line))
    return text, _grouped(shown)


def _uncertain_line(s: sibrisk.Scenario, key: str) -> tuple[str, str]:
    """The table header and the line of the scenario file that hold one input."""
    *table, leaf = key.split(".")
    lines = s.to_toml(comments=False).splitlines()
    start = lines.index(f"[{'.'.join(table)}]") if table else -1
    for line in lines[start + 1:]:
        if line.startswith("[") and table:
            break
        if line.startswith(f"{leaf} = "):
            return (f"[{'.'.join(table)}]" if table else ""), line
    raise AssertionError(f"{key} is not a line of {s.name}")


def _uncertain_section(s: sibrisk.Scenario) -> list[str]:
    if set(_KIND_DOCS) != set(KINDS):
        raise AssertionError("describe every kind in KINDS: "
                             f"{sorted(set(KINDS) ^ set(_KIND_DOCS))}")
    kinds = []
    for kind, (required, optional) in KINDS.items():
        what, support = _KIND_DOCS[kind]
        kinds.append([
            f'`"{kind}"`', ", ".join(f"`{k}`" for k in required) or "-",
            ", ".join(f'`{k}` = "{v}"' if isinstance(v, str) else f"`{k}` = {v:g}"
                      for k, v in optional.items()) or "-",
            support, what,
        ])
    priors = ", ".join(f'`"{name}"`, Beta({a:g}, {b:g})' for name, (a, b) in PRIORS.items())
    default_prior = KINDS["evidence"][1]["prior"]
    k, n = 10, 19
    means = {name: Distribution("evidence", (("successes", float(k)), ("trials", float(n)),
                                             ("prior", name))).mean()
             for name in PRIORS}
    certain = [(key, spec.certain) for key, spec in _spec_keys(sc.Scenario, "") if spec.certain]
    can = [key for key, spec in _spec_keys(sc.Scenario, "")
           if spec.kind in ("real", "int") and not spec.certain]
    whole = [key for key in can if dict(_spec_keys(sc.Scenario, ""))[key].kind == "int"]
    examples = _grouped([_uncertain_line(s, key) for key in s.uncertain_inputs])
    return [
        "## Uncertain inputs",
        "",
        "A numeric input can be written as a table that names a distribution instead of as a "
        "number. `sibrisk.simulate` then draws it anew in every Monte Carlo run (see "
        "[the model](model.md#monte-carlo)); everything else uses its point value. The "
        f"built-in scenario `{s.name}` has {len(s.uncertain_inputs)} uncertain inputs:",
        "",
        "```toml",
        *examples,
        "```",
        "",
        "The table holds `dist`, the kind of distribution, its parameters, and optionally "
        "`value`:",
        "",
        "- **`value`** is the input's point value: the number the deterministic account, the "
        "break-even points and the contract's price use (the contract is priced once, on "
        "point values, before anyone knows the outcomes). Without `value` it is the "
        "distribution's mean. It must satisfy the input's allowed range like any number.",
        "- **`dist`** and its parameters, from this list (`sibrisk.scenario.uncertainty.KINDS`):",
        "",
        *_table_lines(["`dist`", "required", "optional, with default", "draws lie in",
                       "meaning"], kinds),
        "",
        "**Evidence.** `dist = \"evidence\"` turns observed counts into the distribution of "
        "a probability: with `successes` = *k* of `trials` = *n* and a Beta(*a*, *b*) prior "
        "the distribution is Beta(*a* + *k*, *b* + *n* − *k*). `prior` is one of "
        f"{priors}; the default is `\"{default_prior}\"`. The Jeffreys prior is the usual "
        "choice when nothing is known beforehand: it adds half an observation to each side, "
        "so the mean is (*k* + ½)/(*n* + 1); the uniform prior adds one to each side, "
        "(*k* + 1)/(*n* + 2), and pulls small samples more towards ½. With "
        f"{k} employed of {n}: mean {means['jeffreys']:.4f} (Jeffreys) or "
        f"{means['uniform']:.4f} (uniform), against {k / n:.4f} observed. The mean is the "
        "default point value, so give `value` to keep a calibrated point value, as the "
        "built-in scenario does. Evidence is only for inputs in [0, 1].",
        "",
        "**Allowed draws.** Every value a distribution can draw must lie in the input's "
        "allowed range (the tables above), or the file is refused: a `normal` for a share "
        "could draw below 0, so a share takes a bounded kind (`uniform`, `triangular`, "
        "`pert`, `truncnormal`, `beta` or `evidence`) inside [0, 1]; an input that must be "
        "positive can also take a `lognormal`.",
        "",
        "**Whole numbers.** Draws of the whole-number inputs ("
        + ", ".join(f"`{key}`" for key in whole)
        + ") are rounded to the nearest whole number, and so is their default point value.",
        "",
        "**Which inputs can be uncertain.** Every numeric input except these, for the reason "
        "given (from `sibrisk.scenario.spec`):",
        "",
        *_table_lines(["input", "why it cannot be uncertain"],
                      [[f"`{key}`", why] for key, why in certain]),
        "",
        "Text and true/false inputs are choices, never uncertain. The inputs that can be "
        "uncertain: " + ", ".join(f"`{key}`" for key in can) + ".",
        "",
        "`Scenario.replace(key, number)` makes an input certain (its distribution is "
        "dropped); to change an uncertain input keep it a table, e.g. "
        "`s.replace(\"effect.decay\", {\"value\": 0.2, \"dist\": \"uniform\", "
        "\"low\": 0.1, \"high\": 0.3})`. The aggregate inputs (`gross_employment`, ...) "
        "always set plain numbers.",
        "",
        "Mistakes in distribution tables are reported like any other, with the dotted key of "
        f"the parameter. A copy of `{s.name}` with these lines:",
        "",
        "```toml",
        *_bad_tables(s)[1],
        "```",
        "",
        "fails to load with:",
        "",
        "```text",
        _error_of(_bad_tables(s)[0]),
        "```",
        "",
    ]


def _correlation_section(s: sibrisk.Scenario) -> list[str]:
    a, b = "types.with_experience.gross_employment", "types.no_experience.gross_employment"
    rank = 0.5
    data = s.to_dict()
    data["correlation"] = [{"inputs": [a, b], "rank": rank}]
    tied = sibrisk.Scenario.from_dict(data, source="correlated.toml")
    runs, seed = 100_000, 1
    ds = sibrisk.simulate(tied, runs, seed, cohort_uncertainty=False)
    drawn = scipy.stats.spearmanr(ds.input_value.sel(input=a), ds.input_value.sel(input=b))[0]
    c = "types.with_experience.control_employment"
    data["correlation"] = [{"inputs": [a, b], "rank": 0.9}, {"inputs": [a, c], "rank": 0.9},
                           {"inputs": [b, c], "rank": -0.9}]
    shown = [f'inputs = ["{a}", "{b}"]', f"rank = {rank}"]
    return [
        "## Correlation",
        "",
        "Uncertain inputs are drawn independently unless a `[[correlation]]` table ties two "
        "of them. Each table names two different uncertain inputs by their dotted keys and "
        "their **rank correlation** (Spearman's), a number in [-1, 1]. For example, if the "
        "programme works well for one type of participant it probably works well for the "
        "other:",
        "",
        "```toml",
        "[[correlation]]",
        *shown,
        "```",
        "",
        f"With this table and seed {seed}, {runs:,} runs draw the two rates with a rank "
        f"correlation of {drawn:.3f}.",
        "",
        "How it is drawn: a Gaussian copula. The rank correlation *ρ* of each pair becomes "
        "the correlation 2 sin(π*ρ*/6) of two standard normal variables (the value that gives "
        "rank correlation *ρ*); the correlated normals are turned into uniforms by the normal "
        "distribution function and then into each input's values by its quantile function. "
        "Each input keeps its own distribution exactly; pairs that no table names have "
        "correlation 0.",
        "",
        "- A pair may appear only once, and both inputs must be uncertain.",
        "- The correlations must be able to hold together: their matrix (of the normal "
        "correlations) must be positive definite. Strong correlations that contradict each "
        "other are refused, for example 0.9 between A and B, 0.9 between A and C and −0.9 "
        "between B and C:",
        "",
        "```text",
        _error_of(data),
        "```",
        "",
        "- `Scenario.replace` that gives one of the inputs a plain number drops the "
        "correlations that name it.",
        "- `simulate(..., parameter_uncertainty=False)` ignores the correlations with the "
        "distributions; `method=\"exact\"` needs the employment rates uncorrelated.",
        "",
    ]


def _table_lines(header: list[str], body: list[list[str]]) -> list[str]:
    rule = ["---"] * len(header)
    return ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |"
            for r in [header, rule, *body]]


#: Lines of the built-in scenario changed to make the broken example:
#: (table, old line, new line, comment).
_BREAKAGES = (
    ("[types.with_experience]", "share = 0.35", "share = 1.35", "out of range"),
    ("[effect]", "horizon = 15", "horizn = 15", "misspelt"),
)


def _broken_example(s: sibrisk.Scenario) -> tuple[str, list[str]]:
    """The built-in scenario with a few mistakes, and the changed lines to show."""
    text = s.to_toml(comments=False)
    shown = []
    for table, old, new, comment in _BREAKAGES:
        if text.count(f"\n{old}\n") != 1:
            raise AssertionError(f"{old!r} is not a single line of {s.name}")
        text = text.replace(f"\n{old}\n", f"\n{new}\n")
        shown += [table, f"{new:<20}# {comment}"]
    return text, shown


def _error_of(example: str | dict) -> str:
    """The one-line error of a broken example: TOML text, or a dict as TOML gives."""
    try:
        if isinstance(example, dict):
            sibrisk.Scenario.from_dict(example, source="correlated.toml")
        else:
            sibrisk.Scenario.from_toml_text(example, source="broken.toml")
    except sibrisk.ScenarioError as exc:
        return str(exc)
    raise AssertionError("the broken example loaded without an error")


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------
def _run(argv: list[str], head: int | None = None, tail: int = 0) -> list[str]:
    """Run ``sibrisk ARGV`` in-process; the shell transcript as lines.

    ``head`` keeps the first lines of the output (and ``tail`` the last ones),
    with "..." for the rest.
    """
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli.main(argv)
    lines = out.getvalue().rstrip("\n").splitlines() + err.getvalue().rstrip("\n").splitlines()
    if head is not None and len(lines) > head + tail:
        lines = lines[:head] + ["..."] + (lines[-tail:] if tail else [])
    shown = ["$ sibrisk " + " ".join(argv), *lines]
    if status != 0:
        shown += ["$ echo $?", str(status)]
    return ["```console", *shown, "```", ""]


def _run_in(folder: Path, argv: list[str], **kw) -> list[str]:
    """:func:`_run` with ``folder`` as the working directory."""
    with contextlib.chdir(folder):
        return _run(argv, **kw)


#: Runs of ``sibrisk run`` (its default).
RUN_RUNS = cli._parser().parse_args(["run"]).runs


def cli_page() -> str:
    out = [
        "# The `sibrisk` command",
        "",
        _GENERATED,
        "",
        "Every command takes a scenario: a built-in name (default `drc-sib-2023`) or the path "
        "of a TOML file (see [the scenario file](scenario-file.md)). `sibrisk COMMAND --help` "
        "lists all options. The accounts are per average participant, the risk summaries "
        "per cohort; all money is a present value at the programme start. A mistake ends "
        "in one line on standard error and exit status 1 (2 for a wrong option), never a "
        "traceback.",
        "",
        "The commands that simulate (`run` and `simulate`) draw random numbers. Without "
        "`--seed` they draw a fresh seed and print it, so that any result can be repeated; "
        "every example on this page gives `--seed` so that the page is the same each time "
        "it is made. The same seed gives the same numbers with any number of threads (with "
        "the same versions of sibrisk and its libraries). Every command takes `--quiet` "
        "(`-q`): no progress bar and no notes on standard error, for scripts; results and "
        "errors are printed as before, and the exit status is 0, 1 for bad input or 2 for "
        "bad usage.",
        "",
        "## sibrisk run",
        "",
        "The main job on a scenario: the catalogue's account report, then the risk summary "
        f"of a Monte Carlo simulation of {RUN_RUNS:,} runs (`--runs` to change it). The "
        "report has the budget account (*budgetøkonomisk*, the municipality's public "
        "budget), the payment model, employment and rates by participant type, the "
        "break-even points in both readings of Table 6, the welfare-economic surplus "
        "(*samfundsøkonomisk*, society as a whole) and the municipality's payback year; see "
        "[reproducing the catalogue](reproducing-the-catalogue.md) for what each number "
        "means. The risk summary is the one of `sibrisk simulate`, described below and on "
        "[risk](risk.md). `--json` prints one object with both, `{\"account\": ..., "
        "\"risk\": ...}`. `--out DIR` also writes `DIR/report.html`, one self-contained "
        "page with the risk summary, four plots (the investor's result with its value at "
        "risk, the municipality's account by year with its payback year, the jobs paid for "
        "by type, and a tornado chart), the accounts and the input files whole; its tables "
        "are real HTML tables that copy into a spreadsheet cell by cell, and it links "
        "`DIR/simulation.nc`, the runs with the municipality's account by year; `--xlsx` "
        "adds `DIR/workbook.xlsx` (see [the Excel workbook](excel.md)). Each file is written "
        "whole or not at all. `--lang da` (or the environment's `SIBRISK_LANG=da`, on every "
        "command that prints) writes everything in Danish: the terminal report, the page, "
        "the workbook's sheets and the plots, with the catalogue's terms (*dødvægt*, "
        "*budgetøkonomisk*, ...) and Danish numbers (1.234.567 and 12,5 %); see "
        "[reading the reports](reports.md).",
        "",
        *_run(["run", "--seed", "1"]),
        "`--contract A.toml --contract B.toml` also evaluates each contract on the same "
        "simulated outcomes and reports their risk side by side, a column per contract with "
        "its Monte Carlo standard error: the expected outcome payment, how often a cap cuts "
        "a claim, and for every actor the probability of a loss, the expected NPV, the "
        "value at risk and the expected shortfall (at the summary's level, 5 %) and the "
        "median rate of return. The investor's question, what a guarantee or a senior "
        "tranche does to the downside, in one command (here the catalogue's contract "
        "against one with two payers, tranches and a first-loss guarantee); with `--out` "
        "the page and the workbook (sheet *Contracts*) hold the same table, and `--json` "
        "adds `\"contracts\"`:",
        "",
        *_run_in(ROOT, ["run", "--runs", "20000", "--seed", "1",
                               "--contract", str(_EXAMPLES / "standard.toml"),
                               "--contract", str(_EXAMPLES / "tranches.toml")],
                 head=0, tail=60),
        "## sibrisk simulate",
        "",
        "The risk summary alone. The scenario's uncertain inputs and the luck of one cohort "
        "are drawn run by run, and the summary says what they mean for the investor and "
        "for the municipality (the commissioner, *kommune*). Each measure is followed by "
        "its Monte Carlo standard error (`±`), which is left out where none is estimated "
        "(an exact enumeration, or a quantile that sits on one value); a payback year not "
        "reached within the horizon reads \"not within the horizon\" (see [reading the "
        "reports](reports.md)). Money is for the whole cohort. See "
        "[the model](model.md#summary-measures) for the definitions and [risk](risk.md) "
        "for how to read them.",
        "",
        *_run(["simulate", "--runs", "100000", "--seed", "1"]),
        "`--method exact` lists every possible outcome with its probability instead of "
        "drawing runs, so there is no noise (and `--runs` and `--seed` do nothing). For the "
        "built-in scenario it can do so only for the investor's money, which depends on the "
        "gross employment counts alone; see [the exact method](model.md#the-exact-method).",
        "",
        *_run(["simulate", "--method", "exact"]),
        "`--no-parameter-uncertainty` holds every uncertain input at its point value, "
        "`--no-cohort-uncertainty` replaces the cohort's draws by their expected values "
        "(see [two kinds of uncertainty](risk.md#two-kinds-of-uncertainty)); with "
        "`--no-parameter-uncertainty` the exact method covers every measure:",
        "",
        *_run(["simulate", "--method", "exact", "--no-parameter-uncertainty"]),
        "`--json` prints the summary as one JSON object, each measure next to its standard "
        "error (`_se`), quantiles keyed by their level, `null` for a payback year not "
        "reached, and the seed, runs and chunk size that reproduce it:",
        "",
        *_run(["simulate", "--runs", "100000", "--seed", "1", "--json"], head=14),
        "`--out FILE.nc` also writes every run to a netCDF file, which `xarray.open_dataset` "
        "reads back: per run the money of each actor, per run and type the participants, "
        "the gross, additional and deadweight employment, the drawn uncertain inputs, and "
        "in the attributes the seed, chunk size and package versions. `--yearly` adds each "
        "run's yearly cash flows of the municipality and the investor (the file grows with "
        "the horizon). The file is written whole or not at all.",
        "",
    ]
    with tempfile.TemporaryDirectory() as tmp, contextlib.chdir(tmp):
        out += _run(["simulate", "--runs", "1000", "--seed", "1", "--out", "runs.nc"], head=2,
                    tail=1)
    out += [
        "## sibrisk account",
        "",
        "The account report of `sibrisk run` without the simulation; `--per cohort` gives "
        "money for the whole cohort instead of one average participant, and `--json` prints "
        "one JSON object (unreached payback years and break-even points are `null`).",
        "",
        *_run(["account", "--per", "cohort"], head=12),
        *_run(["account", "--json"], head=8),
        "## sibrisk breakeven",
        "",
        "The value of one input (`--vary`, a dotted key or an aggregate such as "
        "`gross_employment`) at which one output (`--output`, default `budget_surplus`) "
        "reaches `--target` (default 0). The contract is held at the price of the base "
        "scenario unless `--reprice` is given or the input is a contract term. See "
        "[the model](model.md#break-even-points) for the rules.",
        "",
        *_run(["breakeven", "--vary", "effect.decay"]),
        *_run(["breakeven", "--vary", "effect.decay", "--output", "municipal_account"]),
        *_run(["breakeven", "--vary", "gross_employment", "--output", "investor_result"]),
        "`--json` prints the result as one JSON object: the fields of "
        "`sibrisk.BreakEven`, its difference included.",
        "",
        "A misspelt input is caught with a suggestion:",
        "",
        *_run(["breakeven", "--vary", "effect.decy"]),
        "## sibrisk settle",
        "",
        "What each actor pays and receives under a contract file for observed outcomes "
        "(`--outcomes FILE`; without it, the scenario's expected outcomes): the payments by "
        "metric and mechanism, where caps bound, and every actor's NPV, IRR, multiple, "
        "largest exposure and payback year. `--json` prints one object. The contract file "
        "and the outcomes file are described in [Contracts](contracts.md).",
        "",
        *_run_in(ROOT, ["settle", str(_EXAMPLES / "standard.toml"), "--outcomes",
                               str(_EXAMPLES / "outcomes.toml"), "--json"], head=30),
        "`sibrisk simulate --contract FILE` (repeatable) evaluates contracts on the same "
        "simulated outcomes and adds their risk to the summary, side by side as "
        "`sibrisk run --contract` does.",
        "",
        "## sibrisk sweep",
        "",
        "The risk summary at every point of a grid: `--axis NAME=START:STOP:N` (or "
        "`NAME=V1,V2,...`) for each input, any numeric input of the scenario or, with "
        "`--contract FILE`, a number in the contract file (`payments[0].rates.employed`); "
        "`--zip` pairs the axes' values instead of forming the grid; `--out FILE.nc` keeps "
        "the whole summary (one dim per axis), `--json` prints every point. Every point "
        "draws the same uniforms for the same purpose (common random numbers): points "
        "that differ only in contract terms (`contract.*`, or the contract file's terms) "
        "settle the very same outcomes, and points that change an input invert the same "
        "uniforms through their own distributions, so a small change of an input changes "
        "a vanishing share of runs and the differences between points are not noise. A "
        "point is `simulate` of the scenario at that point with the same seed. In Python: "
        "`sibrisk.sweep`.",
        "",
        *_run(["sweep", "--axis", "contract.investor_surplus_share=0.3:0.7:3", "--axis",
               "effect.decay=0.1,0.2", "--runs", "20000", "--seed", "1"]),
        "With `--contract`, every point is summarised per actor (the NPV's mean, "
        "probability of a loss and quantiles; `--measures npv,irr,exposure` adds the rate "
        "of return and the largest exposure, more slowly). The contract's variants are "
        "settled by a compiled kernel on outcomes drawn once, where the contract allows "
        "(rate cards, surplus and savings shares without triggers, caps, one investor); "
        "`--scheduler ADDRESS` runs the blocks on a dask cluster with the same numbers. "
        "`examples/sweeps/price-share-cap.toml` has a price, a share and a cap:",
        "",
        *_run_in(ROOT, [
            "sweep", "--contract", str(_EXAMPLES.parent / "sweeps" / "price-share-cap.toml"),
            "--axis", "payments[0].rates.employed=150000:250000:3", "--axis",
            "payments[1].share=0.1,0.3", "--axis", "cap=4000000,8000000", "--runs", "20000",
            "--seed", "1"]),
        "## sibrisk solve",
        "",
        "The value of one input at which a risk measure of the simulation reaches a target: "
        "`--vary` a scenario input, or with `--contract FILE` a number in the contract file "
        "(a path such as `payments[0].rates.employed`, with `--bounds`); `--target "
        "METRIC=VALUE` names a field of the risk summary (`investor_loss_probability`, "
        "`municipal_deficit_probability`, `payback_year_quantiles.0.5`, ...) or, with a "
        "contract, `ACTOR.FIELD` (`investor.loss_probability`). Every evaluation uses the "
        "same seed, so the measure moves with the input alone; a grid across the bounds "
        "brackets the target and bisection refines it. Whole jobs make probabilities step "
        "functions of a price: the answer is then the step at which the measure passes the "
        "target, and the output says so.",
        "",
        *_run(["solve", "--vary", "contract.investor_surplus_share", "--target",
               "investor_loss_probability=0.2", "--runs", "20000"]),
        "`--balance A,B` finds the fair split instead: the value at which two measures are "
        "equal, such as the investor's probability of a loss and the municipality's "
        "probability of a deficit.",
        "",
        *_run(["solve", "--vary", "contract.investor_surplus_share", "--balance",
               "investor_loss_probability,municipal_deficit_probability", "--runs",
               "20000"]),
        "## sibrisk sensitivity",
        "",
        "Which uncertain inputs move an output: each input from a low to a high quantile of "
        "its distribution, the others at their point values (`--level`, default 0.9), and "
        "variance-based Sobol' indices (first and total order by "
        "`scipy.stats.sobol_indices`, the mean over 8 independent scrambles of a Sobol' "
        "sequence of `--n` base samples each, `--seed`; 95 % Student-t intervals over the "
        "scrambles). The model is "
        "evaluated without the cohort's luck (expected outcomes given the inputs), per "
        "cohort, with the contract held at its base price; `--output` is any per-run "
        "output of `simulate`. In Python: `sibrisk.tornado`, `sibrisk.sobol`.",
        "",
        *_run(["sensitivity", "--n", "1024"]),
        "## sibrisk scenario",
        "",
        "`list` names the built-in scenarios, `show` prints one as TOML (with an explanation "
        "above each key; `--no-comments` leaves them out; uncertain inputs appear as "
        "distribution tables), `inputs` lists the numeric inputs that `breakeven --vary` "
        "and `Scenario.replace` accept, each with its point value, its distribution and "
        "its label, `init` writes an editable copy (`--from` another scenario, `--force` "
        "to overwrite), and `import WORKBOOK.xlsx` reads the *Inputs* sheet of the "
        "workbook that `sibrisk run --out DIR --xlsx` writes (edited in Excel) back into "
        "the scenario the workbook carries: printed as TOML, or written with `--out "
        "FILE.toml`, each change said on standard error. A changed value keeps the input's "
        "distribution; a distribution's kind or parameters can be changed too, or emptied "
        "to fix the input; a bad cell, or a key given twice, is reported with its sheet "
        "and cell. See [the Excel workbook](excel.md).",
        "",
        *_run(["scenario", "list"]),
        *_run(["scenario", "show"], head=24),
        *_run(["scenario", "inputs"]),
    ]
    with tempfile.TemporaryDirectory() as tmp, contextlib.chdir(tmp):
        out += _run(["scenario", "init", "my-contract.toml"])
        out += _run(["breakeven", "my-contract.toml", "--vary", "provider.cost_per_participant"])
    out += _evidence_section()
    out += _bad_input_section()
    return "\n".join(out).rstrip("\n") + "\n"


def _bad_input_section() -> list[str]:
    """What every command checks before it starts, and how it says what is wrong."""
    out = [
        "## Bad input",
        "",
        "Every argument and every value in a file is checked before any work starts, and a "
        "mistake ends in one line on standard error that names the option, or the file and "
        "the key (or line and column) the value came from, with the value and what is "
        "allowed; exit status 1 for bad input and 2 for a malformed command line, never a "
        "traceback, and no output file is written. A file with many problems lists the "
        "first five and counts the rest (\"and 12 more\"); a long value is cut.",
        "",
        "- Numbers: whole numbers may be written `100000`, `100_000` or `1e5` (exact: "
        "`1.5` is not a whole number); `nan` and `inf` are refused; `--seed` is a whole "
        "number from 0 to 2^128 - 1; counts in `sibrisk evidence` go up to 2^53.",
        "- An option that takes one value is given once (argparse would keep the last "
        "one), each input has one `--axis`, and no value is empty (`--out ''` would write "
        "nothing; `sibrisk simulate ''` is not the current folder).",
        "- Memory: the runs of a simulation (and the points of a sweep, or the Sobol' "
        "sample of `sensitivity --n`) are estimated before anything is allocated, and "
        "refused when they would take more than the machine's memory, with the estimate "
        "and the limit (`sibrisk simulate --runs 1e20` would need about 16,000 EiB).",
        "- Files: UTF-8 text, with or without the byte-order mark that Windows editors "
        "write (UTF-16 is named as such); at most 256 MiB; TOML or JSON nested at most 32 "
        "levels deep, with whole numbers within 64 bits (and in JSON no `NaN`); a folder, "
        "an empty file or a binary one is named as such. A scenario, contract or outcomes "
        "file given in another's place is named for what it is. CSV data files may be "
        "separated by commas, semicolons (as Excel saves them where the decimal separator "
        "is a comma, e.g. in Denmark) or tabs: the header line tells which.",
        "- Ctrl-C ends any command with the line `sibrisk: interrupted` and exit status "
        "130, and a file being written is removed.",
        "",
        *_run(["simulate", "--runs", "1e5", "--runs", "10"]),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("standard.toml", "outcomes.toml"):
            shutil.copy(ROOT / "examples" / "contracts" / name, Path(tmp) / name)
        out += _run_in(Path(tmp), ["account", "standard.toml"])
        out += _run_in(Path(tmp), ["settle", "standard.toml", "--outcomes", "standard.toml"])
    return out


def _evidence_section() -> list[str]:
    """``sibrisk evidence``: effect, power and progression (no scenario involved)."""
    return [
        "## sibrisk evidence",
        "",
        "How solid is the evidence of an effect, and how large must a trial be to show it "
        "(see [how solid is the evidence?](evidence.md)). These commands take counts, rates "
        "or a data file rather than a scenario, and compute without sampling. In Python: "
        "`sibrisk.evidence` and `sibrisk.evidence.progression`.",
        "",
        "`effect` takes the counts of the programme group and the control group as `K/N` "
        "(*K* of *N* had the outcome) and gives both rates with their Wilson intervals, the "
        "difference with Newcombe's interval, the relative risk, the p-values of Fisher's "
        "exact test and of the pooled z-test (two-sided, and one-sided for a higher rate in "
        "the programme), and the probability, under the Jeffreys prior of sibrisk's "
        "evidence distributions, that the programme's true rate is the higher. `--level` "
        "sets the intervals' confidence level; `--json` prints every number.",
        "",
        *_run(["evidence", "effect", "--treated", "19/56", "--control", "48/280"]),
        "`power` gives the probability that a trial of `--n` participants and `--control-n` "
        "controls (or `--control-ratio` controls per participant; default as many as "
        "participants) shows a significant difference between two true rates (`0.35` or "
        "`35%`). `--method exact` (the default) counts every outcome of the trial; `--method "
        "normal` is the usual approximation. `--test z` is the pooled z-test, `--test fisher` "
        "Fisher's exact test (its normal approximation has the continuity correction); "
        "`--alternative greater` tests only for a higher rate; `--alpha` is the "
        "significance level.",
        "",
        *_run(["evidence", "power", "--treated-rate", "35%", "--control-rate", "17%", "--n",
               "56", "--control-ratio", "5"]),
        "With `--target-power` instead of `--n` it gives the smallest programme group that "
        "reaches that power. The exact power is a saw-tooth in the group's size, so the "
        "answer is the smallest size from which it stays at or above the target for the "
        "next max(10, n/10) sizes; when a smaller size reaches the target and then dips "
        "below it again, the output says so.",
        "",
        *_run(["evidence", "power", "--treated-rate", "35%", "--control-rate", "17%",
               "--target-power", "0.8", "--control-ratio", "5", "--test", "fisher"]),
        "`progression` compares questionnaires at the start and the end of a programme, "
        "participant by participant: the WHO-5 well-being score and every other item of the "
        "file, by municipality (`--by`: a group column, or `none`), with the Wilcoxon "
        "signed-rank test of the changes. The file is a CSV table (cells separated by "
        "commas, semicolons or tabs) with one row per participant and wave (`id`, "
        "`wave` = start or end, `municipality`, `who5_1` ... "
        "`who5_5`, and any other items; see `sibrisk.evidence.progression`); `--scale LOW:HIGH` "
        "checks the other items' answers. Without a file it reads the synthetic example "
        "shipped with sibrisk, made up to mimic the catalogue's published aggregates, and "
        "says so:",
        "",
        *_run(["evidence", "progression"], head=21),
        "A mistake names the argument or the file, line and column:",
        "",
        *_run(["evidence", "effect", "--treated", "60/56", "--control", "48/280"]),
    ]


PAGES = {SCENARIO_PAGE: scenario_page, CLI_PAGE: cli_page}
