"""Score extracted facts against hand-annotated gold facts (``facts-dev.csv``).

recall: share of gold facts matched by an extracted level fact with the same report,
region, year, fund, indicator and basis and a value within 0.5 %;
precision: share of extracted level facts whose key occurs in the gold that carry one
of the gold values for that key.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

KEY = ("report", "region_code", "year", "fund", "indicator", "basis")
TOLERANCE = Decimal("0.005")


@dataclass
class Score:
    gold: int
    recalled: int
    keyed: int  # extracted rows whose key is in the gold
    correct: int
    missed: list[dict] = field(default_factory=list)
    wrong: list[dict] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.recalled / self.gold if self.gold else 1.0

    @property
    def precision(self) -> float:
        return self.correct / self.keyed if self.keyed else 1.0


def close(a: Decimal, b: Decimal) -> bool:
    if b == 0:
        return abs(a) <= Decimal("0.000001")
    return abs(a - b) <= abs(b) * TOLERANCE


def load_gold(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        row.setdefault("region_code", row.get("region", ""))
        if "region_code" not in row or not row["region_code"]:
            row["region_code"] = row["region"]
    return rows


def _key(row: dict) -> tuple:
    return tuple(str(row[k]) for k in KEY)


def score(facts: list[dict], gold: list[dict]) -> Score:
    """``facts``: rows with the fact-table columns (statistic other than level are ignored)."""
    levels = [f for f in facts if f.get("statistic", "level") == "level"]
    extracted: dict[tuple, list[Decimal]] = defaultdict(list)
    for f in levels:
        extracted[_key(f)].append(Decimal(str(f["value"])))
    gold_values: dict[tuple, list[Decimal]] = defaultdict(list)
    for g in gold:
        gold_values[_key(g)].append(Decimal(g["value"]))
    result = Score(len(gold), 0, 0, 0)
    for g in gold:
        if any(close(v, Decimal(g["value"])) for v in extracted.get(_key(g), [])):
            result.recalled += 1
        else:
            result.missed.append(g)
    for f in levels:
        values = gold_values.get(_key(f))
        if values is None:
            continue
        result.keyed += 1
        if any(close(Decimal(str(f["value"])), v) for v in values):
            result.correct += 1
        else:
            result.wrong.append(f)
    return result
