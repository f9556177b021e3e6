"""Report metadata from the title and body: region, year, type, issuer, date, default fund."""

from __future__ import annotations

import re
from dataclasses import dataclass

from yibao.ingest.lexicon import Lexicon
from yibao.ingest.segment import Document

TITLE_YEAR_RE = re.compile(r"((?:19|20)\d\d)\s*年")
DATE_RE = re.compile(r"((?:19|20)\d\d)\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
ISSUER_RE = re.compile(r"[\u4e00-\u9fff]{2,30}(?:医疗保障局|医疗保障事务中心|医疗保障事业中心|医保局|医保中心|"
                       r"社会保险事业管理局|财政局|人民政府)")


@dataclass
class Metadata:
    title: str
    region: str | None
    year: int | None
    report_type: str
    issuer: str | None
    date: str | None
    default_fund: str | None
    period: str | None = None  # "2023-Q1" or "2023-06" for a sub-annual report, else None


def _report_type(lexicon: Lexicon, title: str) -> str:
    """The report-type concept whose label occurs in the title (longest label wins)."""
    best: tuple[int, str] = (0, "other")
    for concept in lexicon.vocab["report-type"].values():
        for label in concept.labels_zh:
            if label and label in title and len(label) > best[0]:
                best = (len(label), concept.id)
    return best[1]


def _region(lexicon: Lexicon, text: str) -> str | None:
    """The most specific region named in the text (official names or unique short names)."""
    best: tuple[int, int, str] | None = None
    ranks = {"country": 0, "province": 1, "prefecture": 2, "county": 3, "pooling_area": 4}
    for m in lexicon.find(text, "region"):
        ids = list(m.ids)
        if len(ids) != 1:
            continue
        concept = lexicon.vocab.regions[ids[0]]
        if not m.preferred and (concept.level or "county") in ("county",) and len(m.surface) < 3:
            continue
        rank = ranks.get(concept.level or "county", 3)
        key = (rank, -m.start, ids[0])
        if best is None or key > best:
            best = key
    return best[2] if best else None


def _refine_pool(lexicon: Lexicon, region: str | None, title: str) -> str | None:
    """A pooling area named in the title under its prefecture (株洲市本级 → 430200_municipal)."""
    for concept in lexicon.vocab.regions.values():
        if region and concept.level == "pooling_area" and concept.broader == region and \
                any(label in title for label in concept.labels_zh):
            return concept.id
    return region


def _signature(norm: str) -> tuple[str | None, str | None]:
    """Date and issuer of the signature: the last line that is (issuer and) a full date."""
    lines = norm.splitlines()
    for i in range(len(lines) - 1, -1, -1):
        line = lines[i].strip()
        m = DATE_RE.search(line)
        if not m or len(re.sub(r"\s", "", line)) - len(m.group()) > 40 or line.endswith("。"):
            continue
        y, mo, d = m.groups()
        date = f"{int(y):04d}-{int(mo):02d}-{int(d):02d}"
        candidates = ISSUER_RE.findall(line) or (ISSUER_RE.findall(lines[i - 1].strip()) if i else [])
        return date, (candidates[-1] if candidates else None)
    return None, None


def read_metadata(lexicon: Lexicon, doc: Document, norm: str, original: str) -> Metadata:
    title_norm = norm[doc.title.start:doc.title.end] if doc.title else norm[:80]
    title = original[doc.title.start:doc.title.end] if doc.title else ""
    title = re.sub(r"\s*\n\s*", "", title).strip()
    region = _region(lexicon, title_norm) or _region(lexicon, norm[:2000])
    region = _refine_pool(lexicon, region, title_norm)
    years = [int(y) for y in TITLE_YEAR_RE.findall(title_norm)]
    year = years[0] if years else None
    if year is None:
        body_years = [int(y) for y in TITLE_YEAR_RE.findall(norm[:3000])]
        year = max(set(body_years), key=body_years.count) if body_years else None
    date, issuer = _signature(norm)
    funds = lexicon.find(title_norm, "fund")
    default_fund = funds[-1].id if funds else None
    return Metadata(title, region, year, _report_type(lexicon, title_norm), issuer, date, default_fund,
                    _period(title_norm, year))


QUARTER_RE = re.compile(r"(?:第)?([一二三四1-4])季度")
MONTH_RE = re.compile(r"年\s*(?:1\s*[-—~至]\s*)?(\d{1,2})\s*月(?:份)?")


def _period(title: str, year: int | None) -> str | None:
    """The sub-annual period a title names: 一季度 → 2023-Q1, 1-6月/6月份 → 2023-06."""
    if year is None:
        return None
    m = QUARTER_RE.search(title)
    if m:
        return f"{year}-Q{'一二三四'.index(m.group(1)) + 1 if m.group(1) in '一二三四' else m.group(1)}"
    m = MONTH_RE.search(title)
    if m and 1 <= int(m.group(1)) <= 12:
        return f"{year}-{int(m.group(1)):02d}"
