"""Plans for questions about what the reports found: problems, recommendations, measures."""

from __future__ import annotations

from typing import Any

from yibao.qa.lexicon import FINDING_KINDS, fold
from yibao.qa.plans.base import Plan, scoped_runs
from yibao.qa.slots import Slots


def categories(s: Slots) -> list[str]:
    """Finding categories the question names by one of their labels (财政补助未到位, 经费不足 …)."""
    found: list[tuple[int, str]] = []
    for concept in s.vocab["finding-category"].values():
        for label in concept.labels_zh + ([concept.label_en] if concept.label_en else []):
            key = fold(label)
            if len(key) >= 2 and key in s.p.text:
                found.append((len(key), concept.id))
    return list(dict.fromkeys(ident for _, ident in sorted(found, reverse=True)))


def plan_findings(s: Slots, regions: list[str]) -> Plan:
    kinds = [span.kind for span in s.p.spans if span.kind in FINDING_KINDS]
    base: dict[str, Any] = {"kindName": list(dict.fromkeys(kinds)) or ["Problem"], "category": categories(s)}
    _, years = s.classify_numbers()
    runs = scoped_runs(s, regions, base, years=list(dict.fromkeys(years)) or [None])
    return Plan("findings", runs, s.lang, s.notes)
