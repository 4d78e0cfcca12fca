"""Progression: questionnaires at the start and the end of a programme, compared per person.

The catalogue measured two things besides employment: well-being, by the WHO-5
index, and employability, by a battery of indicator items (BIP, a Danish
employability-indicator battery, answered on a Likert scale). Both were asked at
the start and at the end of the programme; the change of each participant is the
evidence. This module reads such answers, scores WHO-5, and summarises the paired
changes by group (e.g. municipality) with the Wilcoxon signed-rank test.

**WHO-5.** Five items, each answered 0 ("at no time") to 5 ("all of the time");
the score is their sum times 4, from 0 to 100. Below 36 means a high risk of
depression or stress, 36 to 50 a risk, above 50 no immediate risk
(:data:`WHO5_BANDS`).

**The file** (:func:`read_questionnaires`): a CSV table with one row per
participant and wave::

    id,municipality,wave,who5_1,who5_2,who5_3,who5_4,who5_5,bip_cooperation
    H01,Herning,start,2,1,2,2,1,3
    H01,Herning,end,3,2,2,2,2,4

``id`` and ``wave`` (``start`` or ``end``) are required; ``municipality`` and
``type`` are optional columns to group by; ``who5_1`` ... ``who5_5`` are the WHO-5
items (all five or none); every other column is an item of another battery, a
whole number on its own scale. An empty cell is an item not answered; a missing
row, a questionnaire not returned. Lines that start with ``#`` are comments.

sibrisk ships a **synthetic** example, made up to mimic the catalogue's published
aggregates (not real answers; see :data:`EXAMPLE` and :func:`example`).

Examples
--------
>>> ds = example()
>>> p = progression(ds, "who5", by="municipality")
>>> [(str(g), int(n)) for g, n in zip(p.group.values, p.n.values)]
[('Herning', 24), ('Viborg', 20), ('all', 44)]
>>> [round(float(x)) for x in p.end_mean.values]
[45, 69, 56]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from importlib.resources import files
from typing import Any

import numpy as np
import xarray as xr
from scipy import stats

from ..errors import DataFileError, EvidenceError
from . import _checks as check
from ._csvfile import FileLike, read_table

__all__ = ["who5_score", "who5_band", "read_questionnaires", "example", "paired",
           "progression", "progression_to_dict", "WHO5_ITEMS", "WHO5_BANDS", "WAVES",
           "GROUP_COLUMNS", "EXAMPLE", "SYNTHETIC"]

#: The five WHO-5 items, as columns of a questionnaire file.
WHO5_ITEMS = tuple(f"who5_{i}" for i in range(1, 6))
#: WHO-5 bands: (name, lowest score, highest score); a score between two bands (a mean)
#: belongs to the lower band below 36, to "risk" up to 50 and above that to the top one.
WHO5_BANDS = (("high risk", 0, 35), ("risk", 36, 50), ("no immediate risk", 51, 100))
#: The two questionnaires of a participant.
WAVES = ("start", "end")
#: Columns that describe a participant (to group by) rather than answer an item.
GROUP_COLUMNS = ("municipality", "type")
#: The synthetic example shipped with sibrisk (a file inside the package).
EXAMPLE = files("sibrisk.evidence") / "data" / "progression_example.csv"
#: What the example is, said wherever it is shown.
SYNTHETIC = ("synthetic example data, made up by a seeded generator to mimic the catalogue's "
             "published aggregates; not real participants' answers")

_TEST = ("Wilcoxon signed-rank test of the changes, two-sided, participants without a "
         "change left out; exact (every sign pattern, tied changes at their mid-ranks) up to "
         "200 changes, else the normal approximation with the tie correction")

#: Most changes (participants with a change) for which the signed-rank test is exact.
EXACT_UP_TO = 200


# ---------------------------------------------------------------------------
# WHO-5
# ---------------------------------------------------------------------------
def who5_score(items: Any, *, participant: str | None = None) -> Any:
    """The WHO-5 score: the sum of the five items times 4, from 0 to 100.

    Parameters
    ----------
    items : sequence of 5 int, or array of shape (n, 5)
        The answers, each a whole number from 0 to 5; one row per participant.
    participant : str, optional
        Who answered, named in an error (else rows are named by their number).

    Returns
    -------
    int or numpy.ndarray of int

    Raises
    ------
    sibrisk.errors.EvidenceError
        For anything but five whole numbers from 0 to 5, naming the participant or row,
        the item and the value.

    Examples
    --------
    >>> who5_score([3, 3, 2, 4, 3])
    60
    >>> who5_band(60)
    'no immediate risk'
    """
    arr = np.asarray(items, dtype=object)
    single = arr.ndim == 1
    rows = arr[None, :] if single else arr
    if rows.ndim != 2 or rows.shape[1] != 5:
        raise check.fail("items", items, "must be five answers (or rows of five), "
                         "one per WHO-5 item")
    scores = []
    for r, row in enumerate(rows):
        total = 0
        for i, value in enumerate(row):
            whole = _whole_number(value)
            if whole is None or not 0 <= whole <= 5:
                who = participant if participant is not None else (
                    None if single else f"row {r + 1}")
                where = f"participant {who}, " if who is not None else ""
                raise EvidenceError(f"{where}{WHO5_ITEMS[i]} = {_short(value)}: must be a "
                                    "whole number from 0 to 5")
            total += whole
        scores.append(4 * total)
    return scores[0] if single else np.asarray(scores, dtype=int)


def who5_band(score: float) -> str:
    """The WHO-5 band of a score (or a mean score): ``"high risk"`` (below 36) of
    depression or stress, ``"risk"`` (36 to 50) or ``"no immediate risk"`` (above 50).

    >>> who5_band(32), who5_band(36), who5_band(48), who5_band(52)
    ('high risk', 'risk', 'risk', 'no immediate risk')
    """
    x = check.number("score", score)
    if not 0 <= x <= 100:
        raise check.fail("score", score, "must be a WHO-5 score from 0 to 100")
    if x < WHO5_BANDS[1][1]:
        return WHO5_BANDS[0][0]
    return WHO5_BANDS[1][0] if x <= WHO5_BANDS[1][2] else WHO5_BANDS[2][0]


# ---------------------------------------------------------------------------
# Reading answers
# ---------------------------------------------------------------------------
def read_questionnaires(path: FileLike) -> xr.Dataset:
    """Read questionnaire answers from a CSV file (layout: module docstring).

    Parameters
    ----------
    path : str or path-like
        The CSV file (UTF-8).

    Returns
    -------
    xarray.Dataset
        Dims ``participant`` (the ids, in order of first appearance) and ``wave``
        (``start``, ``end``): one variable per item column, a float holding the whole
        number answered or NaN where it was not (no row, or an empty cell); ``line``,
        the line of each questionnaire in the file (0 where there is none); the group
        columns as coordinates along ``participant``; ``attrs`` name the file, its
        comment lines and the item columns.

    Raises
    ------
    sibrisk.errors.DataFileError
        Naming the file, line, column and value of the first problem.
    """
    table = read_table(path, ("id", "wave"))
    groups = [c for c in GROUP_COLUMNS if c in table.columns]
    items = [c for c in table.columns if c not in ("id", "wave", *groups)]
    who5 = [c for c in WHO5_ITEMS if c in items]
    if who5 and len(who5) < 5:
        missing = ", ".join(c for c in WHO5_ITEMS if c not in items)
        raise table.error(None, None, None, f"no column {missing}: give all five WHO-5 "
                          "items or none")
    if not items:
        raise table.error(None, None, None, "no item columns: besides id, wave and "
                          f"{' and '.join(GROUP_COLUMNS)}, give the answers (e.g. "
                          f"{', '.join(WHO5_ITEMS)})")
    order: dict[str, int] = {}
    where: dict[tuple[str, str], int] = {}
    group_of: dict[tuple[str, str], tuple[str, int]] = {}
    answers: dict[tuple[str, str], list[float]] = {}
    for row in table.rows:
        pid, wave = row.cells["id"], row.cells["wave"].lower()
        if not pid:
            raise table.error(row.line, "id", pid, "must not be empty")
        if wave not in WAVES:
            raise table.error(row.line, "wave", row.cells["wave"], "must be start or end")
        if (pid, wave) in where:
            raise table.error(row.line, "wave", row.cells["wave"], f"participant {pid} has "
                              f"a {wave} questionnaire already, on line {where[pid, wave]}")
        for c in groups:
            value = row.cells[c]
            if not value:
                raise table.error(row.line, c, value, "must not be empty")
            first = group_of.setdefault((pid, c), (value, row.line))
            if first[0] != value:
                raise table.error(row.line, c, value, f"participant {pid} has {c} = "
                                  f"{first[0]!r} on line {first[1]}")
        values = []
        for c in items:
            text = row.cells[c]
            if text == "":
                values.append(math.nan)
                continue
            whole = _whole_number(text)
            if whole is None:
                raise table.error(row.line, c, text, "must be a whole number (or empty: not "
                                  "answered)")
            if c in WHO5_ITEMS and not 0 <= whole <= 5:
                raise table.error(row.line, c, text, "must be a whole number from 0 to 5 "
                                  "(a WHO-5 item)")
            values.append(float(whole))
        order.setdefault(pid, len(order))
        where[pid, wave] = row.line
        answers[pid, wave] = values
    if not order:
        raise table.error(None, None, None, "no answers (only a header)")
    ids = list(order)
    data = np.full((len(ids), len(WAVES), len(items)), math.nan)
    lines = np.zeros((len(ids), len(WAVES)), dtype=np.int64)
    for (pid, wave), values in answers.items():
        data[order[pid], WAVES.index(wave)] = values
        lines[order[pid], WAVES.index(wave)] = where[pid, wave]
    ds = xr.Dataset(
        {c: (("participant", "wave"), data[:, :, j]) for j, c in enumerate(items)},
        coords={"participant": ids, "wave": list(WAVES),
                **{c: ("participant", [group_of[pid, c][0] for pid in ids]) for c in groups}},
    )
    ds["line"] = (("participant", "wave"), lines,
                  {"description": "line of the questionnaire in the file; 0: none"})
    ds.attrs.update(source=table.source, items=",".join(items))
    if table.comments:
        ds.attrs["comment"] = "\n".join(table.comments)
    return ds


def example() -> xr.Dataset:
    """The synthetic example of questionnaire answers shipped with sibrisk.

    44 made-up participants (24 Herning, 20 Viborg) with WHO-5 and three BIP-style items
    (``bip_cooperation``, ``bip_health_coping``, ``bip_job_belief``, scale 1 to 5) at
    the start and the end, generated with a fixed seed by
    ``docs/_generate/progression_example.py`` to match the catalogue's published aggregates:
    WHO-5 means 40 -> 45 in Herning and 58 -> 69 in Viborg, Viborg's gain significant
    and Herning's not; 41 %, 30 % and 23 % with a positive change on the three items,
    about one in five negative. **Not real answers.**

    The catalogue's overall WHO-5 means (51 -> 56) cannot both hold with complete pairs
    of 24 + 20 respondents and those municipal means: (24 x 40 + 20 x 58) / 44 = 48.2.
    The example keeps the municipal means, so its overall means are 48 -> 56 (the end
    mean agrees, the start mean is 3 points below the published 51).

    Returns
    -------
    xarray.Dataset
        As :func:`read_questionnaires`, with ``attrs["note"]`` saying it is synthetic.
    """
    ds = read_questionnaires(EXAMPLE)
    ds.attrs.update(source=f"{EXAMPLE.name} (shipped with sibrisk)", note=SYNTHETIC)
    return ds


# ---------------------------------------------------------------------------
# Paired analysis
# ---------------------------------------------------------------------------
def paired(data: xr.Dataset, item: str = "who5", *,
           scale: tuple[int, int] | None = None) -> xr.Dataset:
    """Each participant's start and end answer (or WHO-5 score) and the change.

    Parameters
    ----------
    data : xarray.Dataset
        From :func:`read_questionnaires` (or :func:`example`).
    item : str
        ``"who5"`` for the WHO-5 score (0 to 100), or an item column.
    scale : tuple of int, optional
        ``(lowest, highest)`` answer of the item's scale (e.g. ``(1, 5)``); an answer
        outside it is an error naming the file, line and item. Not used for WHO-5.

    Returns
    -------
    xarray.Dataset
        Dim ``participant``, only those who answered at both start and end:
        ``start``, ``end`` and ``change`` (end minus start), with the group columns as
        coordinates; ``attrs["without_pair"]`` counts the participants left out.
    """
    values, span = _item_values(data, item, scale)
    unit = "WHO-5 points" if item == "who5" else "answer"
    start = values.sel(wave="start", drop=True)
    end = values.sel(wave="end", drop=True)
    both = (start.notnull() & end.notnull()).values
    out = xr.Dataset({"start": start[both], "end": end[both],
                      "change": (end - start)[both]})
    for name in ("start", "end", "change"):
        out[name].attrs = {"units": unit}
    out.attrs.update({k: v for k, v in data.attrs.items() if k != "items"})
    out.attrs.update(item=item, units=unit, scale=span, without_pair=int((~both).sum()))
    return out


def progression(data: xr.Dataset, item: str = "who5", *, by: str | None = "municipality",
                scale: tuple[int, int] | None = None) -> xr.Dataset:
    """Paired start/end summary of one item (or WHO-5) by group, with the Wilcoxon test.

    Parameters
    ----------
    data : xarray.Dataset
        From :func:`read_questionnaires` (or :func:`example`).
    item : str
        ``"who5"`` (the WHO-5 score) or an item column.
    by : str or None
        A group column (``"municipality"``, ``"type"``) or ``None`` for everyone.
    scale : tuple of int, optional
        The item's answer range, checked (see :func:`paired`).

    Returns
    -------
    xarray.Dataset
        Dim ``group``: each value of ``by`` in order of first appearance, then
        ``"all"``. Variables: ``n`` (participants with both questionnaires),
        ``start_mean``, ``end_mean``, ``change_mean`` (in the item's units; WHO-5
        points), ``positive_share``, ``unchanged_share``, ``negative_share`` (fractions
        of ``n``), ``wilcoxon_p`` (two-sided) and ``note``. A group whose scores do
        not change at all has p = 1 and says so; one with fewer than 6 changes says
        that is too few; one with no pairs has NaN means and says why.
    """
    pairs = paired(data, item, scale=scale)
    if by is None:
        labels = np.array(["all"] * pairs.sizes["participant"], dtype=object)
        names = ["all"]
    else:
        if by not in GROUP_COLUMNS or by not in data.coords:  # 'wave' is a coordinate too
            have = [c for c in GROUP_COLUMNS if c in data.coords]
            raise check.fail("by", by, "must be a group column of the file ("
                             + (", ".join(have) if have else "it has none") + ") or None")
        labels = np.asarray([str(v) for v in pairs[by].values], dtype=object)
        names = [*dict.fromkeys(str(v) for v in data[by].values), "all"]
    change = pairs["change"].values
    rows = []
    for name in names:
        pick = np.ones(change.size, bool) if name == "all" else labels == name
        rows.append(_summary(pairs["start"].values[pick], pairs["end"].values[pick],
                             change[pick]))
    fields = {k: [r[k] for r in rows] for k in rows[0]}
    unit = pairs.attrs["units"]
    ds = xr.Dataset(
        {
            "n": ("group", np.asarray(fields["n"], dtype=np.int64),
                  {"description": "participants with start and end questionnaires"}),
            **{k: ("group", np.asarray(fields[k], dtype=float), {"units": unit})
               for k in ("start_mean", "end_mean", "change_mean")},
            **{k: ("group", np.asarray(fields[k], dtype=float), {"units": "1"})
               for k in ("positive_share", "unchanged_share", "negative_share")},
            "wilcoxon_p": ("group", np.asarray(fields["wilcoxon_p"], dtype=float),
                           {"description": _TEST}),
            "note": ("group", np.asarray(fields["note"], dtype=object)),
        },
        coords={"group": names},
    )
    ds.attrs.update(pairs.attrs)
    ds.attrs.update(by=by or "none", test=_TEST)
    return ds


def progression_to_dict(ds: xr.Dataset) -> dict[str, Any]:
    """A :func:`progression` result as plain numbers (``None`` for an undefined mean)."""
    def value(x: Any) -> Any:
        if isinstance(x, str):
            return x
        x = x.item() if hasattr(x, "item") else x
        return None if isinstance(x, float) and math.isnan(x) else x

    groups = []
    for g in ds.group.values:
        row = ds.sel(group=g)
        groups.append({"group": str(g), **{k: value(row[k].values) for k in ds.data_vars}})
    attrs = {k: ds.attrs[k] for k in ("item", "units", "scale", "by", "test", "source", "note",
                                      "without_pair") if k in ds.attrs}
    return {**attrs, "groups": groups}


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
def _item_values(data: xr.Dataset, item: str, scale) -> tuple[xr.DataArray, str]:
    """The answers of ``item`` by participant and wave, checked; and their scale."""
    if not isinstance(data, xr.Dataset) or "line" not in data:
        raise check.fail("data", type(data).__name__, "must be the dataset of "
                         "read_questionnaires (or example())")
    source = data.attrs.get("source", "the questionnaires")
    items = [c for c in data.data_vars if c != "line"]
    if item == "who5":
        if not all(c in data for c in WHO5_ITEMS):
            raise check.fail("item", item, f"{source} has no WHO-5 columns; its items: "
                             + ", ".join(items))
        answers = xr.concat([data[c] for c in WHO5_ITEMS], dim="item")
        answered = answers.notnull().sum("item")
        partial = ((answered > 0) & (answered < 5)).values
        if partial.any():
            p, w = np.argwhere(partial)[0]
            gap = next(c for c in WHO5_ITEMS if np.isnan(data[c].values[p, w]))
            raise DataFileError(source, int(data["line"].values[p, w]), gap, None,
                                "not answered; a WHO-5 score needs all five items (leave all "
                                "five empty for a questionnaire not returned)")
        score = 4.0 * answers.sum("item", min_count=5)
        return score.where(answered == 5), "0 to 100"
    if item not in items:
        raise check.fail("item", item, "must be 'who5' or an item column of "
                         f"{source}: " + ", ".join(items))
    values = data[item]
    if scale is None:
        return values, "not given"
    if (isinstance(scale, str) or not isinstance(scale, Sequence) or len(scale) != 2
            or _whole_number(scale[0]) is None or _whole_number(scale[1]) is None
            or not scale[0] < scale[1]):
        raise check.fail("scale", scale, "must be (lowest, highest): two whole numbers, the "
                         "lowest first")
    low, high = int(scale[0]), int(scale[1])
    outside = (values.notnull() & ((values < low) | (values > high))).values
    if outside.any():
        p, w = np.argwhere(outside)[0]
        raise DataFileError(source, int(data["line"].values[p, w]), item,
                            int(values.values[p, w]), f"must be a whole number from {low} to "
                            f"{high} (the scale given)")
    return values, f"{low} to {high}"


def signed_rank_p(change: Any) -> float:
    """Two-sided p-value of the Wilcoxon signed-rank test of paired changes.

    Changes of zero are left out (Wilcoxon's rule). Up to :data:`EXACT_UP_TO`
    changes the p-value is exact and conditional on the ties: tied absolute
    changes take their mid-rank, and the distribution of the sum of the positive
    ranks over all :math:`2^n` sign patterns is counted by convolution, so the
    answer does not depend on the scipy version. Above that, the normal
    approximation with the tie correction (no continuity correction).

    >>> round(signed_rank_p([1, 2, 3, 4, 5, 6, -7]), 4)  # T+ = 21 of 28: 19 of 128 patterns
    0.2969
    """
    d = np.asarray(change, dtype=float)
    d = d[d != 0]
    n = d.size
    if n == 0:
        return 1.0
    ranks = stats.rankdata(np.abs(d))  # mid-ranks: halves at most, so doubled are whole
    if n > EXACT_UP_TO:
        t = ranks[d > 0].sum()
        mean = n * (n + 1) / 4
        _, counts = np.unique(ranks, return_counts=True)
        var = n * (n + 1) * (2 * n + 1) / 24 - (counts ** 3 - counts).sum() / 48
        return float(min(1.0, 2 * stats.norm.sf(abs(t - mean) / math.sqrt(var))))
    doubled = np.rint(2 * ranks).astype(np.int64)
    total = int(doubled.sum())
    dist = np.zeros(total + 1)
    dist[0] = 1.0
    for r in doubled:  # each change positive or negative with probability 1/2
        shifted = np.zeros_like(dist)
        shifted[r:] = dist[:-r]
        dist = 0.5 * (dist + shifted)
    t = int(doubled[d > 0].sum())
    tail = dist[: min(t, total - t) + 1].sum()  # the distribution is symmetric
    return float(min(1.0, 2.0 * tail))


def _summary(start: np.ndarray, end: np.ndarray, change: np.ndarray) -> dict[str, Any]:
    n = int(change.size)
    if n == 0:
        return {"n": 0, "start_mean": math.nan, "end_mean": math.nan, "change_mean": math.nan,
                "positive_share": math.nan, "unchanged_share": math.nan,
                "negative_share": math.nan, "wilcoxon_p": math.nan,
                "note": "no participant answered both questionnaires"}
    moved = int(np.count_nonzero(change))
    if moved == 0:
        p, note = 1.0, "no change: every answer the same at start and end"
    else:
        p = signed_rank_p(change)
        note = f"only {moved} changed: too few for the test to say much" if moved < 6 else ""
    return {"n": n, "start_mean": float(start.mean()), "end_mean": float(end.mean()),
            "change_mean": float(change.mean()),
            "positive_share": float((change > 0).mean()),
            "unchanged_share": float((change == 0).mean()),
            "negative_share": float((change < 0).mean()), "wilcoxon_p": p, "note": note}


def _whole_number(value: Any) -> int | None:
    """``value`` as an int if it is a whole number (3, 3.0, "3"), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip()) if "." in value else int(value.strip())
        except ValueError:
            return None
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating) and math.isfinite(value) and \
            float(value).is_integer():
        return int(value)
    return None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."

