"""Facts in tables: one observation per numeric cell, with the row's region, fund or year
and the column's indicator, fund, basis and statistic read from the (merged) header rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from yibao.ingest.context import ReportContext
from yibao.ingest.quantities import SURFACE_UNITS, parse_number
from yibao.ingest.resolve import Frame, Resolver
from yibao.ingest.segment import Cell, Table
from yibao.model import Observation

UNIT_IN_TEXT_RE = re.compile(r"单位\s*[:：]?\s*([亿万千]?元|万?人次|万?人|%|个月|个)")
TOTAL_RE = re.compile(r"^(?:合\s*计|总\s*计|小\s*计|全市|全州|全县|总计)$")
SERIAL_RE = re.compile(r"^(?:\d{1,2}|[一二三四五六七八九十]+|\([一二三四五六七八九十\d]+\))$")
ROW_YEAR_RE = re.compile(r"^((?:19|20)\d\d)\s*年?度?$")
HEADER_UNIT_WORDS = {"亿元", "万元", "元", "人", "万人", "人次", "个", "个月", "%"}


@dataclass
class Column:
    indicator: str | None
    fund: str | None
    basis: str | None
    statistic: str
    unit_factor: int
    region: str | None
    fund_surface: str = ""


@dataclass
class TableFact:
    cell: Cell
    region: str
    year: int
    fund: str
    indicator: str
    basis: str
    statistic: str
    value_number: object  # Decimal as written
    factor: int
    unit: str
    quote_start: int = -1  # the quote runs from the row's label to the cell


def _is_numeric(cell: Cell) -> bool:
    return parse_number(cell.text) is not None


def _header_grid(headers: list[list[Cell]], width: int) -> list[list[str]]:
    """Spread header rows with merged cells over the table's full width.

    A lower header row's empty cells mark columns that the upper cell spans alone
    (merged vertically); the upper row's remaining cells share the runs of non-empty
    columns evenly (merged horizontally).
    """
    grid: list[list[str]] = [[c.text for c in row] + [""] * (width - len(row)) for row in headers]
    for r in range(len(headers) - 1, -1, -1):
        row = headers[r]
        if len(row) >= width:
            continue
        below = grid[r + 1] if r + 1 < len(grid) else [""] * width
        singles = [j for j in range(width) if not below[j]]
        runs: list[list[int]] = []
        for j in range(width):
            if below[j]:
                if runs and runs[-1][-1] == j - 1:
                    runs[-1].append(j)
                else:
                    runs.append([j])
        spans = sorted([[j] for j in singles] + runs)
        extra = len(row) - len(singles)
        if extra <= 0 or not runs or extra % len(runs) != 0:
            per = width / max(1, len(row))
            grid[r] = [row[min(len(row) - 1, int(j / per))].text for j in range(width)]
            continue
        out = [""] * width
        cells = iter(row)
        split = extra // len(runs)
        for span in spans:
            if len(span) == 1 and not below[span[0]]:
                out[span[0]] = next(cells).text
            else:
                size = len(span) // split
                for part in range(split):
                    text = next(cells).text
                    for j in span[part * size:(part + 1) * size]:
                        out[j] = text
        grid[r] = out
    return grid


class TableExtractor:
    def __init__(self, resolver: Resolver, default_fund: str | None) -> None:
        self.r = resolver
        self.vocab = resolver.vocab
        self.default_fund = default_fund
        self.rate_for = {c.rate_of: c.id for c in self.vocab.indicators.values() if c.rate_of}

    def _column(self, texts: list[str], caption_factor: int, norm_unit: str | None) -> Column:
        text = " ".join(t for t in texts if t)
        lx = self.r.lexicon
        inds = lx.find(text, "indicator")
        indicator = None
        statistic = "level"
        if re.search(r"同比|增幅|增长率|增速", text):
            statistic = "growth_rate"
        elif re.search(r"所占比例|占比|比重", text):
            statistic = "share"
        for m in inds:
            concept = self.vocab.indicators[m.id]
            if concept.policy_only:
                continue
            if m.id == "budget_execution_rate" and concept.rate_of is None:
                indicator = self.rate_for.get(indicator or "", "budget_execution_rate")
            else:
                indicator = m.id
        bases = [m.id for m in lx.find(text, "basis")
                 if not any(i.start <= m.start < i.end for i in inds)]
        basis = bases[-1] if bases else None
        if indicator and (self.vocab.indicators[indicator].rate_of or indicator == "budget_execution_rate"):
            basis = "actual"
        funds = lx.funds(text)
        regions = [x for x in (self.r.region(m) for m in lx.find(text, "region")) if x]
        factor = caption_factor
        for t in texts:
            unit = t.strip()
            if unit in SURFACE_UNITS:
                factor = SURFACE_UNITS[unit][1]
        return Column(indicator, funds[-1].id if funds else None, basis, statistic, factor,
                      regions[-1] if regions else None, funds[-1].surface if funds else "")

    def _row_key(self, cells: list[Cell]) -> tuple[str, str | None, Cell | None]:
        """('total'|'region'|'fund'|'year'|'unknown', value, label cell) of a data row."""
        for cell in cells:
            text = re.sub(r"\s+", "", cell.text)
            if not text or SERIAL_RE.match(text) or _is_numeric(cell):
                continue
            if TOTAL_RE.match(text):
                return "total", None, cell
            m = ROW_YEAR_RE.match(text)
            if m:
                return "year", m.group(1), cell
            regions = [x for x in (self.r.region(mm) for mm in self.r.lexicon.find(text, "region")) if x]
            if regions:
                return "region", regions[0], cell
            funds = self.r.lexicon.funds(text)
            if funds and funds[0].start == 0:
                return "fund", funds[-1].id, cell
            return "unknown", None, cell
        return "unknown", None, None

    def extract(self, table: Table, norm: str, section: Frame) -> list[TableFact]:
        rows = table.rows
        first_data = next((i for i, row in enumerate(rows)
                           if sum(_is_numeric(c) for c in row[1:]) >= 1 and len(row) >= 2), None)
        if first_data is None:
            return []
        width = max(len(r) for r in rows[first_data:])
        headers = rows[:first_data]
        data = [r for r in rows[first_data:] if len(r) == width]
        caption = " ".join(norm[s.start:s.end] for s in table.caption)
        m = UNIT_IN_TEXT_RE.search(caption)
        caption_factor = SURFACE_UNITS.get(m.group(1), ("", 1))[1] if m else 1
        caption_frame = self.r.heading_frame(caption)
        frame = section.merged(caption_frame)
        if frame.weak:
            return []
        grid = _header_grid(headers, width) if headers else [[""] * width]
        columns = [self._column([g[j] for g in grid], caption_factor, None) for j in range(width)]
        keys = [self._row_key(r) for r in data]
        resolved = sum(k[0] in ("region", "fund", "year") for k in keys)
        facts: list[TableFact] = []
        for row, (kind, value, label) in zip(data, keys):
            if kind == "unknown" or (kind == "total" and resolved * 2 < len([k for k in keys if k[0] != "total"])):
                continue
            for j, cell in enumerate(row):
                col = columns[j]
                number = parse_number(cell.text)
                if number is None or col.indicator is None or cell is label:
                    continue
                fact = self._cell_fact(cell, number, col, kind, value, frame)
                if fact:
                    fact.quote_start = label.start if label is not None else cell.start
                    facts.append(fact)
        return facts

    def _cell_fact(self, cell: Cell, number, col: Column, kind: str, value: str | None,
                   frame: Frame) -> TableFact | None:
        concept = self.vocab.indicators[col.indicator]
        is_percent = cell.text.strip().endswith("%")
        if col.statistic in ("growth_rate", "share"):
            unit, factor = "percent", 1
        else:
            unit = concept.unit
            factor = col.unit_factor if unit == "yuan" else 1
            if (unit == "percent") != is_percent and unit == "percent":
                pass  # a rate column may omit the % sign
            elif is_percent and unit != "percent":
                return None
        region = (value if kind == "region" else None) or col.region or frame.region or self.r.home
        if kind == "fund" and value:
            fund = value
        elif col.fund:
            fund = self.r.fund_in_context(col.fund, col.fund_surface, frame.fund or self.default_fund)
        else:
            fund = frame.fund or self.default_fund
        year = int(value) if kind == "year" else (frame.year or self.r.year)
        if not fund or region is None or year is None:
            return None
        basis = col.basis or concept.default_basis or frame.basis or "actual"
        return TableFact(cell, region, year, fund, col.indicator, basis, col.statistic, number, factor, unit)


class TableFacts:
    """Extractor: one observation per numeric table cell (see :class:`TableExtractor`)."""

    name = "tables"

    def extract(self, ctx: ReportContext) -> Iterator[Observation]:
        tables = TableExtractor(ctx.resolver, ctx.meta.default_fund)
        for table in ctx.doc.tables:
            section = ctx.base.merged(ctx.resolver.section_frame(ctx.norm, table.headings))
            for f in tables.extract(table, ctx.norm, section):
                c = f.cell
                yield ctx.observation(region=f.region, year=f.year, fund=f.fund, indicator=f.indicator,
                                      basis=f.basis, statistic=f.statistic, value=f.value_number * f.factor,
                                      unit=f.unit, start=c.start, end=c.end,
                                      quote_start=min(f.quote_start, c.start) if f.quote_start >= 0 else c.start,
                                      quote_end=c.end)
