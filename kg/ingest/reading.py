"""Reading stage: turn a report file into its decoded text and a normalised twin.

Decoding (:func:`decode_file`) guesses the encoding from the bytes: a byte-order mark
(UTF-8, UTF-32, UTF-16), the NUL-byte pattern of BOM-less UTF-16, strict UTF-8, and
finally strict GB18030 (a superset of GBK/GB2312), which is accepted only when the
result looks like Chinese text, because random bytes often decode as GB18030 too.
Empty, binary and undecodable files raise :class:`ReadError`.  The decoded text is kept
exactly as decoded (line endings included); only a leading BOM is dropped.

Normalisation (:func:`normalise`) folds the text *character by character* for matching:
traditional → simplified Chinese (OpenCC's ``TSCharacters.txt``, first candidate),
full-width ASCII forms → ASCII (``，：；（）％．０-９`` → ``,:;()%.0-9``), U+3000 and
other spaces → ' ', hyphen and minus variants → '-', wave dashes → '~', PDF-style
Kangxi radicals and CJK compatibility ideographs → the ordinary ideograph.  A fold that
would turn one character into several (NFKC ``㎡`` → ``m2``, ``ﬁ`` → ``fi``) is not
applied.  So ``len(normalised) == len(original)`` and every offset found by matching in
``normalised`` is also a valid offset into ``original``: extractors search the
normalised text but take their quotes from the original one, which stays verbatim.

Two repairs keep that invariant too:

- *Pinyin debris.* Traditional-character mirrors made by some converters put the reading
  after a character: ``醫(yī)療``, ``結(jié)存``, ``數(shù)``.  :func:`normalise` deletes such a
  ``(pinyin)`` (letters with a tone mark, right after a hanzi) and shifts the rest of the
  *run* left, padding with spaces where the run ends: just before the next number (its sign
  included), punctuation, space or line break.  So ``醫(yī)療保險人數(shù)13.6億人`` is matched as
  ``医疗保险人数          13.6亿人``: labels are whole again, every digit keeps its exact offset
  (the number's quote and surface are verbatim), and a label's offsets still lie inside the
  original text (a quote running from a label to its number covers the debris too).
- *Damaged figures.* Mojibake can swallow digits: ``居民醫(yī)?;鹗杖?0128.90億元`` lost the
  first digit(s) of ``?0128.90``.  :func:`damaged_figures` finds numbers glued to a ``?`` or
  U+FFFD that is itself glued to text (``??1.`` at the start of a line is indentation, not
  damage); :func:`read_text` lists their spans in ``DecodedText.damaged`` and masks their
  digits with ``#`` in the normalised twin, so that no extractor reads them as whole numbers.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.resources
import re
import unicodedata
from pathlib import Path

from yibao.model import DecodedText

__all__ = ["ReadError", "damaged_figures", "decode_file", "normalise", "read_text"]


UNDECODABLE = "cannot decode as UTF-8, UTF-16 or GB18030"


class ReadError(Exception):
    """A report file that cannot be read as text; ``str(e)`` is ``"<file name>: <reason>"``."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path.name}: {reason}")

    def __reduce__(self) -> tuple:  # keep picklable (e.g. across process pools)
        return (type(self), (self.path, self.reason))


# --------------------------------------------------------------------------- decoding

# (BOM, Python codec that strips it, name for messages); UTF-32 before UTF-16 (FF FE 00 00).
_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (b"\xef\xbb\xbf", "utf-8-sig", "UTF-8"),
    (b"\xff\xfe\x00\x00", "utf-32", "UTF-32"),
    (b"\x00\x00\xfe\xff", "utf-32", "UTF-32"),
    (b"\xff\xfe", "utf-16", "UTF-16"),
    (b"\xfe\xff", "utf-16", "UTF-16"),
)

# C0 controls other than \t \n \v \f \r, plus DEL (ESC counts: it is not text either).
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1f\x7f]")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_MAX_CONTROL_SHARE = 0.01

# Characters expected in Chinese report text (for judging a GB18030 / BOM-less UTF-16 guess).
_TEXT_CHARS = re.compile(
    "["
    "\t\n\x0b\x0c\r\x20-\x7e"
    "\u00a0-\u00bf\u00d7\u00f7"  # Latin-1 symbols: ° ± · × ÷ …
    "\u0391-\u03c9"  # Greek letters
    "\u2000-\u206f"  # general punctuation: — … “ ” ‰
    "\u2100-\u22ff"  # letterlike, number forms (Ⅳ), arrows, maths (∶ ≤)
    "\u2460-\u27bf"  # ① ─ ■ ◇ ★ ✓
    "\u2e80-\u2fdf"  # CJK radicals, Kangxi radicals
    "\u3000-\u33ff"  # CJK punctuation 、。〔〕《》, kana, enclosed CJK ㈠, ㎡
    "\u3400-\u4dbf\u4e00-\u9fff"  # CJK ideographs (Ext. A, URO)
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\ufe10-\ufe1f\ufe30-\ufe6f"  # vertical and small forms
    "\uff01-\uffef"  # full- and half-width forms ，：（）％
    "]+"
)
_MIN_TEXT_SHARE = 0.9
_MAX_ODD_SHARE = 0.005  # control, private-use, unassigned, surrogate, U+FFFD
_ODD_CATEGORIES = frozenset({"Cc", "Co", "Cn", "Cs"})
_HANZI = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]")
_MIN_COMMON_HANZI_SHARE = 0.9  # real text ≈ 1.0; GB18030-decoded noise ≈ 0.6


@functools.cache
def _common_hanzi() -> frozenset[str]:
    """GB2312's 6,763 hanzi plus OpenCC's traditional characters: what real reports use."""
    chars = set(_ts_characters())
    for lead in range(0xB0, 0xF8):
        for trail in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):  # a few GB2312 slots are unassigned
                chars.add(bytes((lead, trail)).decode("gb2312"))
    return frozenset(chars)


def _looks_like_text(text: str) -> bool:
    """Whether ``text`` is plausibly Chinese (or plain) text rather than decoded noise.

    Mostly ASCII/CJK/CJK punctuation, almost no control or private-use characters, and
    its hanzi mostly common ones (random bytes decode to rare GBK hanzi ~40% of the time).
    """
    if not text:
        return False
    rest = _TEXT_CHARS.sub("", text)
    if len(rest) > (1 - _MIN_TEXT_SHARE) * len(text):
        return False
    odd = sum(1 for ch in rest if ch == "\ufffd" or unicodedata.category(ch) in _ODD_CATEGORIES)
    if odd > _MAX_ODD_SHARE * len(text):
        return False
    hanzi = _HANZI.findall(text)
    common = _common_hanzi()
    return sum(1 for ch in hanzi if ch in common) >= _MIN_COMMON_HANZI_SHARE * len(hanzi)


def _too_many_controls(count: int, total: int) -> bool:
    return count > _MAX_CONTROL_SHARE * total


def _utf16_byte_orders(data: bytes) -> list[str]:
    """BOM-less UTF-16 codecs to try, most likely first, judged by where the NUL bytes sit.

    UTF-16 text has a NUL high byte for every ASCII character (digits, newlines), so its NULs
    sit mostly on odd (LE) or even (BE) offsets; some CJK (U+3000, 一 U+4E00) add a few NULs
    on the other side, so the minority order is tried too (decoding must still look like text).
    """
    if len(data) % 2:
        return []
    odd, even = data[1::2].count(0), data[0::2].count(0)
    orders = [(odd, "utf-16-le"), (even, "utf-16-be")]
    return [codec for count, codec in sorted(orders, reverse=True) if count]


def _strip_bom(text: str) -> str:
    return text[1:] if text.startswith("\ufeff") else text


def decode_file(path: Path, lenient: bool = False) -> DecodedText:
    """Read and decode ``path``; ``normalised`` is left equal to ``original``.

    ``encoding`` is the Python codec used: ``utf-8``, ``utf-8-sig``, ``utf-16`` / ``utf-32``
    (with a BOM), ``utf-16-le`` / ``utf-16-be`` (BOM-less) or ``gb18030``; decoding the file's
    bytes with it gives ``original`` (bar a GB18030-encoded BOM, which is dropped too).
    Raises :class:`ReadError` for unreadable, empty, binary or undecodable files. With ``lenient``,
    a mostly-UTF-8 file with a few invalid bytes is decoded with U+FFFD in their place.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ReadError(path, f"cannot read file ({e.strerror or e})") from e
    text, encoding = _decode(path, data, lenient)
    return DecodedText(original=text, normalised=text, encoding=encoding)


def _decode(path: Path, data: bytes, lenient: bool = False) -> tuple[str, str]:
    if not data:
        raise ReadError(path, "empty file")

    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)  # these codecs drop the BOM
            except UnicodeDecodeError as e:
                raise ReadError(path, f"cannot decode as {label} despite its byte-order mark") from e
            if not text:
                raise ReadError(path, "empty file (only a byte-order mark)")
            if "\x00" in text or _too_many_controls(len(_CONTROL_CHARS.findall(text)), len(text)):
                raise ReadError(path, "binary file, not text")
            return text, codec

    if b"\x00" in data:
        for codec in _utf16_byte_orders(data):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                continue
            if "\x00" not in text and _looks_like_text(text):
                return _strip_bom(text), codec
        raise ReadError(path, "binary file, not text")

    if _too_many_controls(len(_CONTROL_BYTES.findall(data)), len(data)):
        raise ReadError(path, "binary file, not text")

    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        pass
    else:
        if _looks_like_text(text):
            return _strip_bom(text), "gb18030"
    if lenient:
        text = data.decode("utf-8", errors="replace")
        if text.count("\ufffd") <= max(1, len(text) // 100):  # a few stray bytes, not another encoding
            return _strip_bom(text), "utf-8"
        raise ReadError(path, UNDECODABLE + " (more than 1% invalid bytes, even with --lenient)")
    raise ReadError(path, UNDECODABLE)


# ------------------------------------------------------------------------ normalising

# Length-keeping folds NFKC does not make (or makes to another non-ASCII character).
_EXTRA_FOLDS: dict[str, str] = {
    **dict.fromkeys("\u2010\u2011\u2012\u2212\ufe63\uff0d", "-"),  # hyphens, minus sign
    **dict.fromkeys("\u301c\uff5e\u223c", "~"),  # wave dash, full-width tilde, tilde operator
    "\u2236": ":",  # RATIO, used as a colon in GB text (5∶5)
    **dict.fromkeys("\u00a0\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000", " "),
}

# Code point ranges folded with NFKC (when NFKC gives exactly one character).  Deliberately
# not everything: NFKC also turns ① into 1 and ² into 2, which would invent numbers.
_NFKC_RANGES: tuple[tuple[int, int], ...] = (
    (0x2E80, 0x2EFF),  # CJK radicals supplement
    (0x2F00, 0x2FDF),  # Kangxi radicals (PDF text extraction: ⽀出 → 支出)
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFE10, 0xFE1F),  # vertical forms
    (0xFE30, 0xFE6F),  # CJK compatibility forms, small form variants (﹪ → %)
    (0xFF00, 0xFFEF),  # half-width and full-width forms
    (0x2F800, 0x2FA1F),  # CJK compatibility ideographs supplement
)


def _ts_characters() -> dict[str, str]:
    """Traditional → simplified single-character mappings from OpenCC's dictionary."""
    resource = importlib.resources.files("opencc").joinpath("dictionary", "TSCharacters.txt")
    table: dict[str, str] = {}
    for line in resource.read_text(encoding="utf-8").splitlines():
        key, _, candidates = line.partition("\t")
        first = candidates.split(" ", 1)[0].strip()
        if len(key) == 1 and len(first) == 1 and first != key:
            table[key] = first
    return table


@functools.cache
def _translation_table() -> dict[int, str]:
    """``str.translate`` table of every length-keeping fold; built once on first use."""
    width: dict[str, str] = {}
    for lo, hi in _NFKC_RANGES:
        for cp in range(lo, hi + 1):
            ch = chr(cp)
            folded = unicodedata.normalize("NFKC", ch)
            if len(folded) == 1 and folded != ch:
                width[ch] = _EXTRA_FOLDS.get(folded, folded)
    width.update(_EXTRA_FOLDS)
    ts = _ts_characters()
    table: dict[int, str] = {}
    for ch in set(width) | set(ts):
        folded = width.get(ch, ch)
        folded = ts.get(folded, folded)
        if folded != ch:
            table[ord(ch)] = folded
    return table


# A pinyin reading left after a hanzi by a conversion tool: "醫(yī)", "數(shù)" (a tone mark is required,
# so that "(a)" or "(GDP)" are never touched).
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_PINYIN_DEBRIS_RE = re.compile(rf"(?<=[\u3400-\u4dbf\u4e00-\u9fff])\((?=[a-zü{_TONED}]*[{_TONED}ǖǘǚǜ])"
                               rf"[a-zü{_TONED}]{{1,7}}\)")
# Where a shifted run ends (the padding goes there): a number with its sign, punctuation, a space
# or a line break.
_RUN_END_RE = re.compile(r"[-+]?\d|[\s,.;:!?()\[\]|、。《》〈〉“”‘’\"'【】]")


def _strip_pinyin_debris(text: str) -> str:
    """Delete pinyin debris, keeping the length: each run is shifted left and padded at its end."""
    if "(" not in text:
        return text
    matches = list(_PINYIN_DEBRIS_RE.finditer(text))
    if not matches:
        return text
    out: list[str] = []
    pos = 0
    i = 0
    while i < len(matches):
        start = matches[i].start()
        debris_starts = {m.start() for m in matches[i:]}
        search_from = matches[i].end()
        while True:  # the next stop that is not the "(" of further debris
            end_m = _RUN_END_RE.search(text, search_from)
            if end_m is None or end_m.start() not in debris_starts:
                break
            search_from = next(m.end() for m in matches if m.start() == end_m.start())
        run_end = end_m.start() if end_m else len(text)
        out.append(text[pos:start])
        kept: list[str] = []
        cut = start
        while i < len(matches) and matches[i].start() < run_end:
            kept.append(text[cut:matches[i].start()])
            cut = matches[i].end()
            i += 1
        kept.append(text[cut:run_end])
        body = "".join(kept)
        out.append(body + " " * (run_end - start - len(body)))
        pos = run_end
    out.append(text[pos:])
    return "".join(out)


def normalise(text: str) -> str:
    """Fold ``text`` for matching, one character at a time; the result has the same length.

    Pinyin debris (``醫(yī)療``) is deleted too, the rest of its run shifted left and padded with
    spaces before the next number or line break (see the module docstring).
    """
    return _strip_pinyin_debris(text.translate(_translation_table()))


# A figure glued to a "?" or U+FFFD that is itself glued to text: its digits were destroyed.
_DAMAGED_RE = re.compile(
    r"(?<=[^\s?\ufffd])[?\ufffd]+(?P<a>\d[\d,.]*)"  # "鹗杖?0128.90": a digit swallowed before
    r"|(?P<b>\d[\d,.]*[?\ufffd]+[\d,.]*\d)"  # "12?.5": a digit swallowed inside
    r"|(?P<c>\d[\d,.]*)\ufffd"  # "128\ufffd": a replacement character right after
)
_DAMAGED_UNIT_RE = re.compile(r"\s*(?:[万萬亿億千百]+)?(?:元|人次|人|户|个|個|%)?")


def damaged_figures(original: str) -> list[tuple[int, int]]:
    """Spans (number and unit) of the figures whose digits mojibake destroyed (see the module docstring)."""
    spans: list[tuple[int, int]] = []
    for m in _DAMAGED_RE.finditer(original):
        group = next(g for g in ("a", "b", "c") if m.group(g) is not None)
        start, end = m.start(group), m.end(group)
        unit = _DAMAGED_UNIT_RE.match(original, end)
        spans.append((start, unit.end() if unit and unit.group().strip() else end))
    return spans


def _mask_digits(norm: str, spans: list[tuple[int, int]]) -> str:
    chars = list(norm)
    for start, end in spans:
        for k in range(start, end):
            if chars[k].isdigit():
                chars[k] = "#"
    return "".join(chars)


def read_text(path: Path, lenient: bool = False) -> DecodedText:
    """Decode ``path`` and add its normalised twin and its damaged figures (see the module docstring)."""
    decoded = decode_file(path, lenient)
    decoded.damaged = damaged_figures(decoded.original)
    decoded.normalised = _mask_digits(normalise(decoded.original), decoded.damaged)
    return decoded
