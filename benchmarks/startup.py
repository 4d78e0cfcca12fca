"""Benchmark: how fast the command line answers, as whole processes side by side.

Times, interleaved round by round so that the machine's load falls on all alike,

1. ``python -c "import numpy"``: the yardstick, a bare numpy import;
2. ``python -c "import sibrisk"``;
3. ``sibrisk --help``;
4. ``sibrisk account --json``: the catalogue's accounts and its 7 break-even points;
5. ``sibrisk simulate --runs 1000 --json``: a small Monte Carlo (numba kernels loaded
   from the on-disk cache; the first round after a change compiles them and is
   dropped as a warm-up);

and prints the median wall time of each and its ratio to the bare numpy import.
Goals: ``--help`` at most 2x numpy, ``account --json`` at most 6x, ``import sibrisk``
under a second.

    python benchmarks/startup.py [--rounds 7] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

GOALS = {"sibrisk --help": 2.0, "sibrisk account --json": 6.0}


def commands() -> dict[str, list[str]]:
    sibrisk = shutil.which("sibrisk")
    cli = [sibrisk] if sibrisk else [sys.executable, "-m", "sibrisk"]
    return {
        "import numpy": [sys.executable, "-c", "import numpy"],
        "import sibrisk": [sys.executable, "-c", "import sibrisk"],
        "sibrisk --help": [*cli, "--help"],
        "sibrisk account --json": [*cli, "account", "--json"],
        "sibrisk simulate --runs 1000 --json": [*cli, "simulate", "--runs", "1000", "--seed",
                                                "1", "--json", "--quiet"],
    }


def timed(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={**os.environ, "PYTHONWARNINGS": "ignore"})
    return time.perf_counter() - start


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    cmds = commands()
    for argv in cmds.values():  # warm-up: file caches, and numba's on-disk cache
        timed(argv)
    times: dict[str, list[float]] = {name: [] for name in cmds}
    for _ in range(args.rounds):
        for name, argv in cmds.items():
            times[name].append(timed(argv))
    median = {name: statistics.median(t) for name, t in times.items()}
    base = median["import numpy"]
    ratios = {name: median[name] / base for name in cmds}
    if args.json:
        print(json.dumps({"median_s": median, "ratio_to_numpy": ratios, "goals": GOALS,
                          "rounds": args.rounds}, indent=2))
        return
    print(f"median of {args.rounds} rounds, interleaved; ratio to `import numpy`")
    print(f"{'command':<40} {'seconds':>8} {'ratio':>7}  goal")
    for name in cmds:
        goal = GOALS.get(name)
        mark = "" if goal is None else f"<= {goal:g}x " + ("met" if ratios[name] <= goal
                                                            else "NOT met")
        if name == "import sibrisk":
            mark = "< 1 s " + ("met" if median[name] < 1.0 else "NOT met")
        print(f"{name:<40} {median[name]:8.3f} {ratios[name]:6.1f}x  {mark}")


if __name__ == "__main__":
    main()
