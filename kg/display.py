"""Human-readable values: 2803000000 yuan → "28.03亿元" (zh) or "2.80 bn yuan" (en)."""

from __future__ import annotations

from decimal import Decimal

from kg.quantities import plain

_ZH_SUFFIX = {"percent": "%", "month": "个月", "yuan_per_person": "元/人", "yuan_per_person_month": "元/人·月",
              "person_time": "人次", "item": "个", "institution": "家"}
_EN_SUFFIX = {"percent": "%", "month": " months", "yuan_per_person": " yuan/person",
              "yuan_per_person_month": " yuan/person/month", "person_time": " visits", "person": " persons",
              "yuan": " yuan", "item": " items", "institution": " institutions"}


def _round(value: Decimal, places: int = 2) -> str:
    return plain(value.quantize(Decimal(1).scaleb(-places)))


def display(value: Decimal | str, unit: str, lang: str = "zh") -> str:
    """A value in its base unit, written the way the reports write it."""
    value = Decimal(str(value))
    if lang == "en":
        if unit in ("yuan", "person") and abs(value) >= Decimal("1e8"):
            return f"{_round(value / Decimal('1e8'))} hundred million{_EN_SUFFIX[unit]}"
        if unit in ("yuan", "person") and abs(value) >= Decimal("1e4"):
            return f"{_round(value / Decimal('1e4'))} ten-thousand{_EN_SUFFIX[unit]}"
        return f"{_round(value)}{_EN_SUFFIX.get(unit, ' ' + unit)}"
    if unit == "yuan":
        if abs(value) >= Decimal("1e8"):
            return f"{_round(value / Decimal('1e8'))}亿元"
        if abs(value) >= Decimal("1e4"):
            return f"{_round(value / Decimal('1e4'))}万元"
        return f"{_round(value)}元"
    if unit == "person":
        return f"{_round(value / Decimal('1e4'))}万人" if abs(value) >= Decimal("1e4") else f"{_round(value)}人"
    return f"{_round(value)}{_ZH_SUFFIX.get(unit, unit)}"
