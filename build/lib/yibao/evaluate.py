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
    """Within 0.5 % of ``b`` (or 1e-6 absolute), as the shared scorer decides."""
    return abs(a - b) <= max(Decimal("0.000001"), abs(b) * TOLERANCE)


def load_gold(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def _key(row: dict) -> tuple:
    """(report, year, fund, indicator, basis): the key without the region, which is matched apart."""
    return tuple(str(row[k]) for k in ("report", "year", "fund", "indicator", "basis"))


def score(facts: list[dict], gold: list[dict]) -> Score:
    """Recall and value precision exactly as ``shared/tools/score_facts.py`` computes them.

    ``facts``: rows with the fact-table columns (statistics other than level are ignored). A gold
    fact is found by a row with the same key, the same region (unless gold's region is empty) and
    a close value; precision is over rows whose key and region (or an empty gold region) are in gold.
    """
    extracted: dict[tuple, list[tuple[str, Decimal]]] = defaultdict(list)
    for f in facts:
        if f.get("statistic", "level") in ("", "level"):
            extracted[_key(f)].append((str(f.get("region_code", "")), Decimal(str(f["value"]))))
    gold_values: dict[tuple, list[Decimal]] = defaultdict(list)
    for g in gold:
        gold_values[(_key(g), g["region"])].append(Decimal(g["value"]))
    result = Score(len(gold), 0, 0, 0)
    for g in gold:
        value = Decimal(g["value"])
        if any((not g["region"] or region == g["region"]) and close(v, value) for region, v in extracted.get(_key(g), [])):
            result.recalled += 1
        else:
            result.missed.append(g)
    for key, rows in extracted.items():
        for region, v in rows:
            values = gold_values.get((key, region)) or gold_values.get((key, ""))
            if not values:
                continue
            result.keyed += 1
            if any(close(v, g) for g in values):
                result.correct += 1
            else:
                result.wrong.append(dict(zip(("report", "year", "fund", "indicator", "basis"), key),
                                         region_code=region, value=v))
    return result
