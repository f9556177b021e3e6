"""Human-readable values: 2803000000 yuan → "28.03亿元" (zh) or "2.80 bn yuan" (en)."""

from __future__ import annotations

from decimal import Decimal

from yibao.ingest.quantities import plain

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
        return _display_en(value, unit)
    if unit == "yuan":
        if abs(value) >= Decimal("1e8"):
            return f"{_round(value / Decimal('1e8'))}亿元"
        if abs(value) >= Decimal("1e4"):
            return f"{_round(value / Decimal('1e4'))}万元"
        return f"{_round(value)}元"
    if unit == "person":
        return f"{_round(value / Decimal('1e4'))}万人" if abs(value) >= Decimal("1e4") else f"{_round(value)}人"
    return f"{_round(value)}{_ZH_SUFFIX.get(unit, unit)}"


def _display_en(value: Decimal, unit: str) -> str:
    """English: 2803000000 yuan → "2.80 bn yuan", 47667000 → "47.67 m yuan", 735294 persons →
    "735,294 persons", 5.24 months → "5.24 months"."""
    suffix = _EN_SUFFIX.get(unit, " " + unit)
    if unit in ("yuan", "person", "person_time"):
        if abs(value) >= Decimal("1e9"):
            return f"{value / Decimal('1e9'):,.2f} bn{suffix}"
        if abs(value) >= Decimal("1e6"):
            return f"{value / Decimal('1e6'):,.2f} m{suffix}"
        rounded = value.quantize(Decimal("0.01"))
        text = f"{rounded:,.2f}".rstrip("0").rstrip(".") if rounded != rounded.to_integral() else f"{rounded:,.0f}"
        return f"{text}{suffix}"
    return f"{_round(value)}{suffix}"
