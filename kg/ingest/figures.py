"""Account for every number in a report: each becomes an observation, a recorded unmapped figure
(with its quote, the label words next to it and why it was not mapped), or a recognised non-fact
(a date, a clause number, a document or phone number, a page mark). Nothing is dropped silently.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable

from yibao.ingest.lexicon import Lexicon
from yibao.model import Observation, UnmappedFigure

NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*")
# Spans that are not facts, whatever number they hold.
NON_FACT_RES = (
    re.compile(r"\d{4}\s*年(?:度)?(?:\s*\d{1,2}\s*月(?:份)?(?:\s*\d{1,2}\s*日)?)?"),  # 2023年12月31日, 2023年度
    re.compile(r"\d{1,2}\s*月\s*\d{1,2}\s*日|\d{1,2}\s*[-—~至到]\s*\d{1,2}\s*月(?:份)?|\d{1,2}\s*月(?:份|底|末|初|中旬|上旬|下旬)?"),
    # 2024-02-07 16:09 (a year and a month: "1079.67万" is no date)
    re.compile(r"(?:19|20)\d\d\s*[-/.]\s*(?:0?[1-9]|1[0-2])(?!\d)(?:\s*[-/.]\s*\d{1,2})?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"),
    re.compile(r"\d{1,2}:\d{2}(?::\d{2})?"),  # 16:09
    re.compile(r"\d{4}\s*[-—~至到]\s*\d{4}\s*年?"),  # 2017-2022年
    re.compile(r"(?m)^[\s|]*\(?\d{1,2}\s*[)、.．](?!\d)"),  # 1、 (1) 2.
    re.compile(r"[(（]\d{1,2}[)）]"),  # (3)
    re.compile(r"第\s*\d+\s*(?:条|款|项|号|次|届|批|期|页|季度|章|节|部分|名)"),
    re.compile(r"[〔\[【(（]\s*\d{4}\s*[〕\]】)）]\s*\d+\s*号|\d+\s*号"),  # 〔2019〕10号
    re.compile(r"[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*[-/][0-9A-Za-z/-]+|[0-9]+[-/][0-9]+-[0-9]+|[0-9A-Za-z]+/[0-9A-Za-z-]+"),
    re.compile(r"(?:\d{3,4}-)?\d{7,8}(?!\d)|1[3-9]\d{9}(?!\d)"),  # phone numbers
    re.compile(r"[—-]\s*\d{1,3}\s*[—-]"),  # page marks —23—
    re.compile(r"[图表]\s*\d+(?:[.-]\d+)?"),  # 图1, 表2
    re.compile(r"(?:索引号|文号|编号|浏览次数|点击数|阅读数|访问量)[:：]?\s*[\w/.-]*\d"),
)
THRESHOLD_RE = re.compile(r"(?:低于|高于|超过|不足|不到|少于|多于|大于|小于|不低于|不高于|达不到|未达到|≥|≤|>|<)\s*$")
DAMAGE_CHARS = "?\ufffd"


def account(norm: str, original: str, observations: Iterable[Observation], lexicon: Lexicon,
            damaged: Iterable[tuple[int, int]] = ()) -> tuple[list[UnmappedFigure], int]:
    """(unmapped figures, number of non-fact numbers) for a report whose facts are ``observations``."""
    mapped = _merge([(o.start, o.end) for o in observations])
    non_facts = _merge([m.span() for pattern in NON_FACT_RES for m in pattern.finditer(norm)])
    damaged_spans = _merge(list(damaged))
    unmapped: list[UnmappedFigure] = []
    count = 0
    for start, end in damaged_spans:  # masked in ``norm``: recorded from the original text
        unmapped.append(_unmapped(norm, original, start, end, lexicon, True))
    for m in NUMBER_RE.finditer(norm):
        start, end = m.span()
        if _overlaps(mapped, start, end):
            continue
        if _overlaps(non_facts, start, end):
            count += 1
            continue
        unmapped.append(_unmapped(norm, original, start, end, lexicon, _overlaps(damaged_spans, start, end)))
    return sorted(unmapped), count


def _unmapped(norm: str, original: str, start: int, end: int, lexicon: Lexicon, damaged: bool) -> UnmappedFigure:
    q_start, q_end = _clause(norm, start, end)
    unit = re.match(r"\s*(?:万亿元|亿元|万元|千元|元|万人次|人次|万人|亿人|人|%|个月|家|万|亿)", norm[end:q_end])
    f_end = end + (unit.end() if unit else 0)
    labels = re.sub(r"\s+", "", "".join(re.findall(r"[\u4e00-\u9fff]+", norm[max(q_start, start - 16):start])))[-12:]
    before = norm[q_start:start]
    if damaged or (start > 0 and norm[start - 1] in DAMAGE_CHARS):
        reason = "damaged"
    elif THRESHOLD_RE.search(before) or re.match(r"\s*[-~～至到]\s*\d", norm[f_end:f_end + 3]) or \
            re.search(r"\d\s*[-~～至到]\s*$", before) or re.match(r"\s*[/=×*+÷]", norm[f_end:f_end + 2]):
        reason = "unsupported"  # a threshold, a range or a formula operand
    elif not unit:
        reason = "no_unit"
    elif not lexicon.find(before, "indicator"):
        reason = "unknown_label"
    else:
        reason = "ambiguous"  # labels are there, but no rule tied them to this figure (fund, unit, context)
    return UnmappedFigure(start, f_end, original[start:f_end], original[q_start:q_end], q_start, q_end, labels, reason)


def _clause(norm: str, start: int, end: int) -> tuple[int, int]:
    """The stretch of the sentence around a number, at most ~40 characters before it, trimmed."""
    stops = "。；;！？!?\n"
    left = max((norm.rfind(ch, max(0, start - 40), start) for ch in stops), default=-1) + 1
    if left < start - 40:  # a long sentence: start after the last separator before the figure
        cut = max(norm.rfind(ch, start - 40, start) for ch in "，,、:：(（")
        left = cut + 1 if cut >= 0 else start
    right = min((i for i in (norm.find(ch, end, end + 40) for ch in stops + "，,") if i >= 0), default=min(len(norm), end + 20))
    while left < start and norm[left].isspace():
        left += 1
    while right > end and norm[right - 1].isspace():
        right -= 1
    return left, right


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    i = bisect.bisect_right(spans, (start, float("inf"))) - 1
    return any(s < end and start < e for s, e in spans[max(i, 0):i + 2])
