"""Numbers with units in (normalised) report text: ``23.89亿元``, ``-4244.9万元``,
``151,548.11万元``, ``36.21%``, ``5977元/人.月``, ``19个月`` …

Values are converted to the base units of the code list (yuan, person, percent, month,
yuan_per_person, yuan_per_person_month, person_time).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

# Surface unit → (base unit id, factor). Longest surface first when matching.
SURFACE_UNITS: dict[str, tuple[str, int]] = {
    "万亿元": ("yuan", 10**12),
    "万亿": ("yuan", 10**12),
    "亿元": ("yuan", 10**8),
    "亿人次": ("person_time", 10**8),
    "亿人": ("person", 10**8),
    "亿": ("yuan", 10**8),  # a bare 亿/万 after a figure is money (4500多万 persons are written 万人)
    "万": ("yuan", 10**4),
    "万元": ("yuan", 10**4),
    "千元": ("yuan", 10**3),
    "元": ("yuan", 1),
    "万人次": ("person_time", 10**4),
    "人次": ("person_time", 1),
    "万人": ("person", 10**4),
    "万名": ("person", 10**4),
    "人": ("person", 1),
    "名": ("person", 1),
    "%": ("percent", 1),
    "个百分点": ("percentage_point", 1),
    "百分点": ("percentage_point", 1),
    "个月": ("month", 1),
    "元/人.月": ("yuan_per_person_month", 1),
    "元/人/月": ("yuan_per_person_month", 1),
    "元/人·月": ("yuan_per_person_month", 1),
    "元/人月": ("yuan_per_person_month", 1),
    "元/人.年": ("yuan_per_person", 1),
    "元/人/年": ("yuan_per_person", 1),
    "元/人·年": ("yuan_per_person", 1),
    "元/人": ("yuan_per_person", 1),
    "元/年/人": ("yuan_per_person", 1),
    "元/人次": ("unsupported", 1),
    "亿元/月": ("unsupported", 1),
    "万元/月": ("unsupported", 1),
    "元/月": ("unsupported", 1),
    "万元/人": ("unsupported", 1),
}
_UNIT_RE = "|".join(re.escape(u) for u in sorted(SURFACE_UNITS, key=len, reverse=True))
NUMBER_RE = re.compile(
    r"(?P<sign>-)?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d,])|\d+(?:\.\d+)?(?:[eE]-?\d+)?)"
    rf"(?P<approx>多|余)?(?P<space>[ \u00a0]*)(?P<unit>{_UNIT_RE})?"
)
# Words that make a stated figure approximate or a bound (the number is kept as the value).
APPROX_BEFORE: tuple[tuple[str, str], ...] = (
    ("大约", "approximate"), ("约为", "approximate"), ("约", "approximate"), ("将近", "approximate"),
    ("接近", "approximate"), ("近", "approximate"), ("超", "at_least"), ("逾", "at_least"),
)
APPROX_AFTER: tuple[tuple[str, str], ...] = (("左右", "approximate"), ("上下", "approximate"))
# A bare 月 after a number counts as months only in forms like "=5.24月" / "为5月".
BARE_MONTH_RE = re.compile(r"[ ]*月(?![底末初中份日起])")
RANGE_JOINERS = "-~～—至到"


@dataclass(frozen=True)
class Quantity:
    """A number found in text, with its unit converted to a base unit."""

    start: int  # offsets into the text (the number, unit included)
    end: int
    number: Decimal  # as written (sign applied), before unit conversion
    value: Decimal  # in ``unit``
    unit: str | None  # base unit id, "percentage_point", "unsupported" or None (bare number)
    in_range: bool = False  # part of "3-9个月", "2017-2022年"
    in_formula: bool = False  # operand of "49.33/12=4.11"
    approximation: str = "exact"  # exact | approximate (约, 多, 左右) | at_least (超, 逾)


def plain(value: Decimal) -> str:
    """A decimal as plain text without exponent or trailing zeros: 2389000000, 36.21, -0.5."""
    text = format(value.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def parse_number(text: str) -> Decimal | None:
    """A cell or token such as "1,433.67", "-5116.19", "80.45%", "4.05E-2" → Decimal."""
    cleaned = text.strip().replace(",", "").rstrip("%").strip()
    if not re.fullmatch(r"-?\d+(?:\.\d+)?(?:[eE]-?\d+)?", cleaned):
        return None
    return Decimal(cleaned)


# A unit written before its number, glued to the label ("当期结余亿元-4.16", "收入(万元):1234.5",
# "人数(人) 12345"): a bare 元 or 人 only in brackets (参保人12345 is no unit).
UNIT_BEFORE_RE = re.compile(
    r"(?<=[\u4e00-\u9fff)）])(?:[(（]\s*(?P<bracketed>万亿元|亿元|万元|千元|元|万人次|人次|万人|人|%)\s*[)）]"
    r"|(?P<glued>万亿元|亿元|万元|千元|万人次|万人))[ \u00a0]*[:：]?[ \u00a0]*$"
)
UNIT_BEFORE_END_RE = re.compile(r"$|[\s,，。;；|)）]")  # the number ends there: no unit, date or item mark after


def _unit_before(text: str, start: int, end: int) -> tuple[int, str] | None:
    """(where the unit starts, the unit) when a unit is written right before the number at ``start``."""
    m = UNIT_BEFORE_RE.search(text, max(0, start - 12), start)
    if m is None or not UNIT_BEFORE_END_RE.match(text, end) or re.fullmatch(r"(?:19|20)\d\d", text[start:end]):
        return None  # (a bare year after a unit is a column's year: "收入(万元) 2022 2023")
    return m.start(), m.group("bracketed") or m.group("glued")


def find_quantities(text: str, unit_before: bool = False) -> list[Quantity]:
    """Every number in ``text`` with its unit (None when no unit follows; with ``unit_before``, the
    unit written right before a number that has none after it: the quantity then starts at the unit)."""
    found: list[Quantity] = []
    for m in NUMBER_RE.finditer(text):
        start = m.start()
        sign = m.group("sign")
        if sign and start > 0 and (text[start - 1].isdigit() or text[start - 1] in ")）"):
            sign = None  # "2017-2022": a range, not a negative number
            start += 1
        if start > 0 and (text[start - 1].isdigit() or text[start - 1] in ".,"):
            continue
        number = Decimal(m.group("num").replace(",", ""))
        if sign:
            number = -number
        unit_text = m.group("unit")
        end = m.end() if unit_text else m.end("num")
        unit: str | None = None
        value = number
        if unit_text:
            unit, factor = SURFACE_UNITS[unit_text]
            value = number * factor
        else:
            bare = BARE_MONTH_RE.match(text, m.end("num"))
            before = text[max(0, start - 1):start]
            prefix = _unit_before(text, start, end) if unit_before and not m.group("approx") else None
            if bare and before in ("=", "为", "约", "达") and "." in m.group("num"):
                unit, end = "month", bare.end()
            elif prefix is not None:
                start = prefix[0]
                unit, factor = SURFACE_UNITS[prefix[1]]
                value = number * factor
        before_char = text[start - 1] if start > 0 else " "
        after_char = text[end] if end < len(text) else " "
        in_range = (before_char in RANGE_JOINERS and start >= 2 and text[start - 2].isdigit()) or (
            after_char in RANGE_JOINERS and end + 1 < len(text) and text[end + 1].isdigit()
        )
        in_formula = after_char in "/=+*×÷" or before_char in "/+*×÷"
        found.append(Quantity(start, end, number, value, unit, in_range, in_formula,
                              _approximation(text, start, end, bool(m.group("approx")))))
    return found


def _approximation(text: str, start: int, end: int, more: bool) -> str:
    """How exactly the figure is stated: 约/近/左右/多/余 → approximate, 超/逾 → at least."""
    for word, kind in APPROX_AFTER:
        if text.startswith(word, end):
            return kind
    for word, kind in APPROX_BEFORE:
        if text.endswith(word, 0, start):
            return kind
    return "approximate" if more else "exact"
