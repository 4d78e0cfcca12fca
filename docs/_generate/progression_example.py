"""Generate src/sibrisk/evidence/data/progression_example.csv: SYNTHETIC questionnaire answers.

The catalogue publishes only aggregates of its progression analysis (44
respondents, 24 in Herning and 20 in Viborg, WHO-5 and BIP questionnaires at the
start and the end of the programme). This script makes up answers of 44
participants that reproduce those aggregates, so that sibrisk's progression
analysis has something to show. **They are not real answers.** The random
numbers come from one seeded numpy generator, so the file is the same on every
run (with the same numpy version); a test checks that the committed file is what
this script writes.

What the made-up data match, by construction and checked below:

- WHO-5 means (rounded to whole points) 40 -> 45 in Herning and 58 -> 69 in
  Viborg; Viborg's gain significant (Wilcoxon p < 0.05), Herning's not.
- Three BIP-style items on a 1-5 scale with 41 %, 30 % and 23 % of the 44 changing
  for the better (18, 13 and 10 people) and about one in five for the worse (9).

What they cannot match: the catalogue's overall WHO-5 start mean of 51. With
complete start and end answers of 24 + 20 people the overall mean is the
weighted mean of the municipal ones, (24 x 40 + 20 x 58) / 44 = 48.2, so the file
gives 48 -> 56 overall (the end mean, 56, agrees with the catalogue).
"""

from __future__ import annotations

import io

import numpy as np
from scipy import stats

from .common import ROOT

DATA = ROOT / "src" / "sibrisk" / "evidence" / "data" / "progression_example.csv"
SEED = 2023

#: (municipality, id prefix, respondents, start mean, end mean, gain significant)
MUNICIPALITIES = (("Herning", "H", 24, 40, 45, False), ("Viborg", "V", 20, 58, 69, True))
#: (item, people with a positive change, with a negative change), of all 44.
BIP_ITEMS = (("bip_cooperation", 18, 9), ("bip_health_coping", 13, 9),
             ("bip_job_belief", 10, 9))
BIP_SCALE = (1, 5)
WHO5 = tuple(f"who5_{i}" for i in range(1, 6))

HEADER = (
    "SYNTHETIC DATA - NOT REAL PARTICIPANTS' ANSWERS.",
    "Made up by docs/_generate/progression_example.py (seed {seed}) to mimic the published",
    "aggregates of the DRC SIB catalogue (2023): 44 respondents (24 Herning, 20 Viborg) with",
    "WHO-5 items (0-5) and three BIP-style items (1-5) at the start and end. See README.md.",
)


def _rounds_to(total: int, n: int, target: int) -> bool:
    """Whether the mean WHO-5 score 4 * total / n rounds to the published ``target``."""
    return abs(4 * total / n - target) < 0.5


def _hit(rng: np.random.Generator, raw: np.ndarray, target: int) -> np.ndarray:
    """Move single raw sums (0 to 25) one step at a time until the mean score rounds to
    ``target``."""
    raw = raw.copy()
    while not _rounds_to(int(raw.sum()), raw.size, target):
        up = 4 * raw.mean() < target
        movable = np.flatnonzero(raw < 25 if up else raw > 0)
        raw[movable[rng.integers(movable.size)]] += 1 if up else -1
    return raw


def _municipality(rng: np.random.Generator, n: int, start: int, end: int,
                  significant: bool) -> tuple[np.ndarray, np.ndarray]:
    """Raw WHO-5 sums (0 to 25) at start and end, drawn until the aggregates hold."""
    while True:
        s = np.clip(np.rint(rng.normal(start / 4, 3.5, n)), 0, 25).astype(int)
        s = _hit(rng, s, start)
        spread = 2.5 if significant else 3.5
        e = np.clip(s + np.rint(rng.normal((end - start) / 4, spread, n)), 0, 25).astype(int)
        e = _hit(rng, e, end)
        p = stats.wilcoxon(4 * (e - s)).pvalue
        if (p < 0.01) if significant else (p > 0.1):
            return s, e


def _items(rng: np.random.Generator, total: int, items: list[int] | None = None) -> list[int]:
    """Five WHO-5 items (0 to 5 each) that add up to ``total``: from nothing, or from the
    start's ``items`` one point at a time (so each item changes only a little)."""
    items = [0] * 5 if items is None else list(items)
    while sum(items) != total:
        up = sum(items) < total
        room = [i for i in range(5) if (items[i] < 5 if up else items[i] > 0)]
        items[room[rng.integers(len(room))]] += 1 if up else -1
    return items


def _bip(rng: np.random.Generator, n: int, positive: int,
         negative: int) -> tuple[np.ndarray, np.ndarray]:
    """Start and end answers (1 to 5) with exactly ``positive`` and ``negative`` changes."""
    low, high = BIP_SCALE
    kind = np.zeros(n, dtype=int)
    order = rng.permutation(n)
    kind[order[:positive]] = 1
    kind[order[positive:positive + negative]] = -1
    start, end = np.empty(n, dtype=int), np.empty(n, dtype=int)
    for i, k in enumerate(kind):
        if k == 0:
            start[i] = end[i] = rng.integers(low, high + 1)
        elif k > 0:
            start[i] = rng.integers(low, high)
            end[i] = min(high, start[i] + 1 + rng.integers(2))
        else:
            start[i] = rng.integers(low + 1, high + 1)
            end[i] = max(low, start[i] - 1 - rng.integers(2))
    return start, end


def make(seed: int = SEED) -> str:
    """The CSV text of the example."""
    rng = np.random.default_rng(seed)
    people = []  # (id, municipality, raw start, raw end)
    for name, prefix, n, start, end, significant in MUNICIPALITIES:
        s, e = _municipality(rng, n, start, end, significant)
        people += [(f"{prefix}{i + 1:02d}", name, int(a), int(b))
                   for i, (a, b) in enumerate(zip(s, e, strict=True))]
    bip = [_bip(rng, len(people), positive, negative) for _, positive, negative in BIP_ITEMS]
    out = io.StringIO()
    out.writelines(f"# {line.format(seed=seed)}\n" for line in HEADER)
    out.write(",".join(["id", "municipality", "wave", *WHO5, *(b[0] for b in BIP_ITEMS)])
              + "\n")
    for i, (pid, name, raw_start, raw_end) in enumerate(people):
        start = _items(rng, raw_start)
        for w, (wave, items) in enumerate((("start", start), ("end", _items(rng, raw_end,
                                                                             start)))):
            answers = [*items, *(int(b[w][i]) for b in bip)]
            out.write(",".join([pid, name, wave, *map(str, answers)]) + "\n")
    return out.getvalue()


PAGES = {DATA: make}
