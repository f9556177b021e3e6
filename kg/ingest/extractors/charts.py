"""Chart data at the end of a report: a series of years (or regions) and their values.

A chart gets its fund, region and year from the figure caption in the body that names
the same indicator and the same kind of categories (历年 → years, 各县市 → regions).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from yibao.ingest.context import ReportContext
from yibao.ingest.quantities import SURFACE_UNITS, parse_number
from yibao.ingest.resolve import Resolver
from yibao.ingest.segment import Cell, ChartSeries, Document
from yibao.model import Observation

BY_YEAR_RE = re.compile(r"历年|\d{4}\s*[-—~至]\s*\d{4}\s*年")
BY_REGION_RE = re.compile(r"各县|各区|各市|县市|县区|区县|各统筹区|分地区")
CAPTION_YEAR_RE = re.compile(r"((?:19|20)\d\d)\s*年")
UNIT_RE = re.compile(r"单位\s*[:：]\s*([亿万]?元|万?人|%)")


@dataclass
class ChartFact:
    cell: Cell
    region: str
    year: int
    fund: str
    indicator: str
    value: Decimal


class ChartExtractor:
    def __init__(self, resolver: Resolver, default_fund: str | None) -> None:
        self.r = resolver
        self.vocab = resolver.vocab
        self.default_fund = default_fund

    def extract(self, doc: Document, norm: str) -> list[ChartFact]:
        facts: list[ChartFact] = []
        captions = [norm[s.start:s.end] for s in doc.captions]
        for series in doc.charts:
            facts.extend(self._series(series, captions))
        return facts

    def _series(self, series: ChartSeries, captions: list[str]) -> list[ChartFact]:
        lx = self.r.lexicon
        inds = lx.find(series.name, "indicator")
        if not inds:
            return []
        indicator = inds[-1].id
        concept = self.vocab.indicators[indicator]
        by_year = all(re.fullmatch(r"(?:19|20)\d\d", c.text) for c in series.categories)
        regions: list[str | None] = []
        if not by_year:
            regions = [self.r.region(m[0]) if len(m := lx.find(c.text, "region")) == 1 else None
                       for c in series.categories]
            if not all(regions):
                return []
        kind_re = BY_YEAR_RE if by_year else BY_REGION_RE
        caption = next((c for c in captions if kind_re.search(c)
                        and any(m.id == indicator for m in lx.find(c, "indicator"))), None)
        if caption is None and concept.unit == "percent":
            # "图2 历年…参保人员结构图 (单位：%)": the one caption of this kind in percent
            fitting = [c for c in captions if kind_re.search(c) and (u := UNIT_RE.search(c))
                       and SURFACE_UNITS.get(u.group(1), ("", 1))[0] == "percent"]
            caption = fitting[0] if len(fitting) == 1 else None
        if caption is None:
            return []
        funds = lx.find(caption, "fund")
        fund = funds[-1].id if funds else self.default_fund
        frame = self.r.heading_frame(caption)
        region = frame.region or self.r.home
        years = [int(y) for y in CAPTION_YEAR_RE.findall(caption)]
        if fund is None or region is None:
            return []
        values = [parse_number(v.text) for v in series.values]
        if any(v is None for v in values):
            return []
        if concept.unit == "percent" and all(abs(v) <= 1 for v in values):
            # a spreadsheet's fractions (0.39522034946369411): percent, to the precision a chart shows
            values = [(v * 100).quantize(Decimal("0.01")) for v in values]
        unit = UNIT_RE.search(caption)
        if unit and SURFACE_UNITS.get(unit.group(1), ("", 1))[0] == concept.unit:
            values = [v * SURFACE_UNITS[unit.group(1)][1] for v in values]
        out: list[ChartFact] = []
        for i, (cat, cell, value) in enumerate(zip(series.categories, series.values, values)):
            if by_year:
                year, reg = int(cat.text), region
            else:
                year, reg = (years[0] if years else self.r.year), regions[i]
            if year is None or reg is None:
                continue
            out.append(ChartFact(cell, reg, year, fund, indicator, value))
        return out


class ChartFacts:
    """Extractor: chart data series at the end of a report (see :class:`ChartExtractor`)."""

    name = "charts"

    def extract(self, ctx: ReportContext) -> Iterator[Observation]:
        for f in ChartExtractor(ctx.resolver, ctx.meta.default_fund).extract(ctx.doc, ctx.norm):
            c = f.cell
            yield ctx.observation(region=f.region, year=f.year, fund=f.fund, indicator=f.indicator, basis="actual",
                                  statistic="level", value=f.value, unit=ctx.unit_of(f.indicator), start=c.start,
                                  end=c.end, quote_start=c.start, quote_end=c.end)
