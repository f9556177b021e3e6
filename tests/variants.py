"""Make variants of a report's text or bytes for robustness tests (not a test module).

Each function keeps the report's content and changes only its form: the encoding, the
script (simplified → traditional), the width of digits and punctuation, or the digit
grouping — the ways the same report shows up from different sources.
"""

from __future__ import annotations

import functools
import re

from opencc import OpenCC

_FULLWIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")
_HALFWIDTH_PUNCTUATION = str.maketrans("，：；（）％．０１２３４５６７８９", ",:;()%.0123456789")


def to_gbk(text: str) -> bytes:
    """``text`` encoded as GBK (code page 936); raises if it has a character GBK lacks."""
    return text.encode("gbk")


def to_utf16(text: str, *, bom: bool = True, big_endian: bool = False) -> bytes:
    """``text`` encoded as UTF-16, little-endian with a byte-order mark by default."""
    codec = "utf-16-be" if big_endian else "utf-16-le"
    return (("\ufeff" + text) if bom else text).encode(codec)


def to_utf8_bom(text: str) -> bytes:
    """``text`` encoded as UTF-8 with a leading byte-order mark (as Windows Notepad saves it)."""
    return text.encode("utf-8-sig")


@functools.cache
def _s2t() -> OpenCC:
    return OpenCC("s2t")


def to_traditional(text: str) -> str:
    """``text`` converted to traditional Chinese by OpenCC ``s2t`` (phrase-aware, realistic).

    The length may in principle change (phrase mappings); for the sample reports it does not.
    """
    return _s2t().convert(text)


def to_halfwidth_punctuation(text: str) -> str:
    """Full-width ``，：；（）％．`` and digits replaced by their ASCII forms (``,:;()%.0-9``)."""
    return text.translate(_HALFWIDTH_PUNCTUATION)


def to_fullwidth_digits(text: str) -> str:
    """ASCII digits replaced by full-width digits (``2022`` → ``２０２２``)."""
    return text.translate(_FULLWIDTH_DIGITS)


# An amount: an integer part of 5+ digits, not glued to other digits, ASCII letters,
# separators or a decimal point before it (so fractional parts, codes like GB/T 2260-2007
# and phone numbers stay as they are), followed by an optional fraction and then a unit
# (万元, 人, %), CJK punctuation or white space (table cells) — not by a quote (“12345” is a
# hotline) nor by 号/年/月/日 (〔2022〕13388号 is a document number).
_LONG_INTEGER = re.compile(
    r"(?<![0-9A-Za-z_.,/\-:])(\d{5,})(?=(?:\.\d+)?(?:(?![号年月日])[\u4e00-\u9fff]|[%％，。；、）)]|\s|$))"
)
_COMPACT_DATE = re.compile(r"(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])")


def _group(match: re.Match[str]) -> str:
    digits = match.group(1)
    if _COMPACT_DATE.fullmatch(digits):  # 20220131 is a date, not an amount
        return digits
    return f"{int(digits):,}" if digits[0] != "0" else digits


def with_thousands_separators(text: str) -> str:
    """Numbers with 5+ integer digits get comma grouping: ``151548.11万元`` → ``151,548.11万元``.

    Years (``2022年``, 4 digits), dates (``2022-01-31``, ``20220131``), numbers with a
    leading zero, and digits inside codes or next to letters are left unchanged.
    """
    return _LONG_INTEGER.sub(_group, text)


VARIANTS = ("gbk", "utf16", "traditional", "halfwidth_thousands")


def write_variant(text: str, target, make: str) -> None:
    """Write ``text`` to ``target`` (a Path) as the variant ``make`` (one of VARIANTS)."""
    if make == "gbk":
        try:
            target.write_bytes(to_gbk(text))
        except UnicodeEncodeError:  # a character GBK lacks: GB18030, its superset, has every one
            target.write_bytes(text.encode("gb18030"))
    elif make == "utf16":
        target.write_bytes(to_utf16(text))
    elif make == "traditional":
        target.write_text(to_traditional(text), encoding="utf-8")
    else:
        target.write_text(with_thousands_separators(to_halfwidth_punctuation(text)), encoding="utf-8")
