"""Facts in tables that web pages flattened (``|``-separated rows, one cell per line with or without
``|``, label+unit+value glued, label / unit / value on three lines, space-separated cells): see
:func:`yibao.ingest.segment.find_flat_tables` for how they are recognised.

Unlike the Word tables of :mod:`yibao.ingest.extractors.tables`, whose columns name the indicators,
these tables name the indicator in the row label (``1、利息收入 | 19.02``) or in the heading of a
group of rows (``三、基金收入`` over ``职工基本医疗保险亿元12.36``), the fund in the row label, in a
row of its own above the rows (``职工基本医疗 | |``) or in the table's title, the unit in the cell,
a cell of its own, the column header (``(万元)``) or the caption (``单位:万元``), and the basis or
year in the column header (``预算数 | 执行数``, ``本年 | 上年``, ``指标值 | 实际完成值``).

A row is read only when everything it needs is known: a label that names an indicator (or only a
fund under a group heading that names one), a unit that agrees with the indicator's, one figure
per column meaning. Precision first.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from yibao.ingest.context import ReportContext
from yibao.ingest.quantities import SURFACE_UNITS
from yibao.ingest.resolve import Frame
from yibao.ingest.segment import CELL_UNITS, VALUE_CELL_RE, Cell, FlatRow, FlatTable, label_value
from yibao.model import Observation

TOP_NUMBERING_RE = re.compile(r"^\s*(?:[一二三四五六七八九十]+[、.．]|\([一二三四五六七八九十]+\))")
NUMBERING_RE = re.compile(r"^\s*(?:[一二三四五六七八九十]+[、.．]|\([一二三四五六七八九十\d]+\)|\d{1,2}(?:[、．]|\.(?!\d))|其中\s*[:：]?)+")
INCLUDES_RE = re.compile(r"[(（]\s*(?:含|包含|包括)[^()（）]*[)）]")
PARENS_RE = re.compile(r"[(（][^()（）]*[)）]")
UNIT_IN_TEXT_RE = re.compile(r"单位\s*[:：]\s*(万亿元|亿元|万元|千元|元|万人次|人次|万人|人)")
UNIT_IN_PARENS_RE = re.compile(r"[(（]\s*(万亿元|亿元|万元|千元|元|万人次|人次|万人|人|%)\s*[)）]")
# Words a label may hold besides a fund's name without naming an item of its own.
FILLER_RE = re.compile(r"其中|合计|小计|总计|基本医疗保险|基本医疗|基本医保|医疗保险|医疗|医保|基金|金额|[\s:：、,，.。()（）\-—]")
ALLOCATED_RE = re.compile(r"(?<!基)资金")  # 资金 (money allocated), not 基金 (an insurance fund)
PROJECT_NAME_RE = re.compile(r"(?:项目|转移支付)[()（）项目]*名称")
# An opening balance is the previous year's cumulative balance (see the vocabulary's conventions).
OPENING_BALANCE_RE = re.compile(r"(?:上年|上期|期初|年初)末?(?:累计|滚存)?(?:结余|结存)")
PREVIOUS_YEAR_RE = re.compile(r"上年|去年|上期")
CURRENT_YEAR_RE = re.compile(r"本年|本期|当年|当期|今年")
COLUMN_YEAR_RE = re.compile(r"((?:19|20)\d\d)\s*年")
NOT_LEVEL_RE = re.compile(r"同比|增减|增长|增幅|降幅|增速|比上年|较上年|占比|比重|所占|差额|变动")
AT_LEAST = ("≥", ">=", ">", "大于", "大于等于", "不低于", "不少于")
AT_MOST = ("≤", "<=", "<", "小于", "小于等于", "不高于", "不超过")
CELL_FACTORS: dict[str, tuple[str, int]] = {**SURFACE_UNITS, "万亿元": ("yuan", 10**12)}


@dataclass
class Column:
    """What a column header says about the figures under it."""

    basis: str | None = None
    year_offset: int | None = None  # 0: this year, -1: the year before
    year: int | None = None
    indicator: str | None = None  # a rate column (预算执行率)
    unit: str | None = None
    level: bool = True  # False for growth, change or share columns


@dataclass
class Row:
    """One row, its cells sorted into label, unit and figures."""

    source: FlatRow
    label: Cell | None = None
    unit: str | None = None
    values: list[tuple[int, Cell, Cell]] = field(default_factory=list)  # (column, figure, surface)
    group: Row | None = None  # the row heading the group this row is in
    children: list[Row] = field(default_factory=list)
    is_group: bool = False


class FlatTableReader:
    """Reads one flattened table of one report."""

    def __init__(self, ctx: ReportContext, table: FlatTable) -> None:
        self.ctx = ctx
        self.table = table
        self.r = ctx.resolver
        self.lx = ctx.lexicon
        self.vocab = ctx.vocab
        self.norm = ctx.norm
        self.rate_for = {c.rate_of: c.id for c in self.vocab.indicators.values() if c.rate_of}

    # -- label reading ---------------------------------------------------------------------
    def _core(self, cell: Cell) -> str:
        """The label without numbering, 含-parentheses and other parentheses (offsets kept)."""
        text = self.norm[cell.start:cell.end]
        m = NUMBERING_RE.match(text)
        if m:
            text = " " * m.end() + text[m.end():]
        text = INCLUDES_RE.sub(lambda x: " " * len(x.group()), text)
        return PARENS_RE.sub(lambda x: " " * len(x.group()), text)

    def funds(self, cell: Cell) -> list[str]:
        return [m.id for m in self.lx.funds(self._core(cell))]

    def indicator(self, cell: Cell) -> tuple[str | None, int]:
        """(indicator, year offset) a label names; an opening balance is last year's cumulative one."""
        core = self._core(cell)
        if OPENING_BALANCE_RE.search(core):
            return "cumulative_balance", -1
        found = [m.id for m in self.lx.find(core, "indicator") if not self.vocab.indicators[m.id].policy_only]
        return (found[-1] if found else None), 0

    def _names_only_a_fund(self, cell: Cell) -> bool:
        core = self._core(cell)
        for m in self.lx.funds(core):
            core = core.replace(m.surface, " ")
        return not FILLER_RE.sub("", core)

    def basis_of(self, text: str) -> str | None:
        inds = self.lx.find(text, "indicator")
        bases = [m.id for m in self.lx.find(text, "basis") if not any(i.start <= m.start < i.end for i in inds)]
        return bases[-1] if bases else None

    # -- structure -------------------------------------------------------------------------
    def rows(self) -> tuple[list[Row], list[tuple[FlatRow, list[Column]]]]:
        rows: list[Row] = []
        headers: list[tuple[FlatRow, list[Column]]] = []
        for source in self.table.rows:
            row = Row(source)
            for j, cell in enumerate(source.cells):
                text = cell.text.strip()
                if not text:
                    continue
                if text in CELL_UNITS or text == "万":
                    row.unit = row.unit or text
                elif VALUE_CELL_RE.match(text):
                    if row.label is not None:
                        row.values.append((j, cell, cell))
                else:
                    split = label_value(self.norm[cell.start:cell.end])
                    if split is not None and not row.values:
                        # "项目资金(万元) | 年度资金总额:203": the cell's own label names the figure, the label
                        # before it at most the unit; unless that one names the indicator ("城乡居民医保参保率 |
                        # 参保率≥95%": the cell repeats it)
                        outer = UNIT_IN_PARENS_RE.search(row.label.text) if row.label is not None else None
                        row.unit = row.unit or (outer.group(1) if outer else None)
                        value = Cell(cell.start + split[0], cell.start + split[1], cell.text[split[0]:split[1]])
                        if row.label is None or self.indicator(row.label)[0] is None:
                            row.label = Cell(cell.start, cell.start + split[0], cell.text[:split[0]])
                        row.values.append((j, value, value))
                    elif not row.values:
                        row.label = cell
            if row.label is not None and not row.values and \
                    sum(1 for c in source.cells if c.text.strip()) >= 2:
                headers.append((source, [self.column(c.text) for c in source.cells]))
                continue
            if self.table.layout == "glued" and len(source.cells) == 3 and row.values:
                unit_cell, figure = source.cells[1], source.cells[2]
                row.values = [(2, figure, Cell(unit_cell.start, figure.end, unit_cell.text + figure.text))]
            if row.label is not None:
                unit = UNIT_IN_PARENS_RE.search(row.label.text)  # "基金收入(亿元) | 12.5"
                row.unit = row.unit or (unit.group(1) if unit else None)
                rows.append(row)
        return rows, headers

    def column(self, text: str) -> Column:
        col = Column()
        norm = text.strip()
        col.basis = self.basis_of(norm)
        if PREVIOUS_YEAR_RE.search(norm):
            col.year_offset = -1
        elif CURRENT_YEAR_RE.search(norm):
            col.year_offset = 0
        m = COLUMN_YEAR_RE.search(norm)
        if m:
            col.year = int(m.group(1))
        inds = [x.id for x in self.lx.find(norm, "indicator")]
        if inds and self.vocab.indicators[inds[-1]].unit == "percent":
            col.indicator = inds[-1]
        unit = UNIT_IN_PARENS_RE.search(norm) or UNIT_IN_TEXT_RE.search(norm)
        if unit:
            col.unit = unit.group(1)
        elif norm in CELL_UNITS:
            col.unit = norm
        col.level = not NOT_LEVEL_RE.search(norm)
        return col

    def _group(self, rows: list[Row]) -> None:
        """Link each row to the row heading its group: a row without figures, or a top-numbered row
        (一、…) when the table numbers its rows."""
        numbered = any(TOP_NUMBERING_RE.match(r.label.text) for r in rows if r.label)
        group: Row | None = None
        for row in rows:
            starts = not row.values or (numbered and TOP_NUMBERING_RE.match(row.label.text) is not None)
            if starts:
                row.is_group = True
                group = row
                continue
            row.group = group
            if group is not None:
                group.children.append(row)

    # -- the facts -------------------------------------------------------------------------
    def observations(self) -> Iterator[Observation]:
        ctx = self.ctx
        rows, headers = self.rows()
        if not rows:
            return
        self._group(rows)
        caption = " ".join(self.norm[s.start:s.end] for s in self.table.caption)
        frame = ctx.base.merged(self.r.section_frame(self.norm, self.table.headings))
        frame = frame.merged(self.r.heading_frame(caption))
        table_unit = self._table_unit(caption, rows, headers)
        title_fund = self._title_fund(" ".join([caption] + [h.cells[0].text for h, _ in headers if h.cells]), rows)
        header_of = self._header_for(headers)
        self.project_fund = self._project_fund(caption, headers, rows)
        section_fund: str | None = None
        emitted: set[tuple] = set()  # a key stated twice in a section: the later row is a part of the first
        for row in rows:
            if not row.values:
                if row.is_group and self.funds(row.label) and self.indicator(row.label)[0] is None \
                        and self._names_only_a_fund(row.label):
                    section_fund = self.funds(row.label)[0]  # "职工基本医疗 | |": the rows below are that fund's
                    emitted = set()
                continue
            for obs in self._row(row, rows, header_of(row), table_unit, title_fund, section_fund, frame):
                key = (obs.region, obs.year, obs.fund, obs.indicator, obs.basis)
                if key not in emitted:
                    emitted.add(key)
                    yield obs

    def _header_for(self, headers: list[tuple[FlatRow, list[Column]]]):
        def find(row: Row) -> list[Column]:
            before = [cols for source, cols in headers if source.start < row.source.start]
            return before[-1] if before else []
        return find

    def _table_unit(self, caption: str, rows: list[Row], headers) -> str | None:
        for text in [caption] + [r.label.text for r in rows if not r.values] + \
                [h.cells[0].text for h, _ in headers if h.cells]:
            m = UNIT_IN_TEXT_RE.search(text) or UNIT_IN_PARENS_RE.search(text)
            if m:
                return m.group(1)
        return None

    def _project_fund(self, caption: str, headers, rows: list[Row]) -> str | None:
        """The allocated money (资金, not 基金) a project table is about: the fund its 项目名称 row names
        ("项目名称 | 城乡居民基本医疗保险财政补助资金"), else the one its title names as such money
        ("医疗救助补助资金转移支付项目绩效目标自评表")."""
        named = [source.cells for source, _ in headers] + [r.source.cells for r in rows]
        for cells in named:
            texts = [c.text.strip() for c in cells if c.text.strip()]
            if len(texts) >= 2 and PROJECT_NAME_RE.search(texts[0]) and ALLOCATED_RE.search(texts[1]):
                found = {self._money_of(m) for m in self.lx.funds(texts[1])}
                if len(found) == 1:
                    return found.pop()
        found = {m.id for m in self.lx.funds(caption) if ALLOCATED_RE.search(m.surface)}
        return found.pop() if len(found) == 1 else None

    def _money_of(self, mention) -> str:
        """The fund of money allocated to what ``mention`` names: itself when named as money
        (医疗救助补助资金), else the scheme's one part the code list names as money (城乡居民基本医疗保险
        财政补助资金 → the resident fund's subsidy transfers)."""
        if ALLOCATED_RE.search(mention.surface):
            return mention.id
        parts = [c.id for c in self.vocab.funds.values() if c.broader == mention.id
                 and any(ALLOCATED_RE.search(label) for label in c.labels_zh)]
        return parts[0] if len(parts) == 1 else mention.id

    def _title_fund(self, caption: str, rows: list[Row]) -> str | None:
        """The fund the title names, unless the title lists what the rows name (…医疗保险和生育保险主要指标)."""
        titles = [caption] + [self.norm[r.label.start:r.label.end] for r in rows if not r.values and r.group is None
                              and not r.children]
        named = [m.id for t in titles for m in self.lx.funds(INCLUDES_RE.sub(" ", t))]
        if not named:
            return None
        in_rows = {f for r in rows if r.values for f in self.funds(r.label)}
        if len(set(named)) > 1 or named[0] in in_rows:
            return None
        return named[0]

    def _fund(self, row: Row, rows: list[Row], title_fund: str | None, section_fund: str | None,
              frame: Frame) -> str | None:
        own = self.funds(row.label)
        group_funds = self.funds(row.group.label) if row.group is not None else []
        if row.is_group and row.children:
            tops = {self.vocab.top_fund(f) for c in row.children for f in self.funds(c.label)[:1]}
            if {"employee", "resident"} <= tops:
                return "all_basic"  # a group's figure is the sum of its rows: employee and resident funds
        if own:
            fund = own[0]
            for g in group_funds:  # "统筹基金收入" over "职工基本医疗保险": the employee pooled fund
                if self.vocab.funds[g].broader == fund:
                    return g
            return fund
        if self._is_common_part(row, rows):
            return "all_basic"
        if self._names_only_a_fund(row.label) and \
                any(self.funds(r.label) for r in rows if r is not row and r.group is row.group and r.values):
            return None  # its neighbours are funds: a row naming none is some total we cannot tell
        return section_fund or (group_funds[0] if group_funds else None) or title_fund or frame.fund or \
            self.ctx.fund

    def _is_common_part(self, row: Row, rows: list[Row]) -> bool:
        """A label without a fund that both the employee and the resident rows beside it contain
        ("基本医疗保险" over "职工基本医疗保险", "城乡居民基本医疗保险") is their total."""
        text = re.sub(r"\s+", "", self._core(row.label))
        if not text:
            return False
        siblings = [r for r in rows if r is not row and r.group is row.group and r.values]
        tops = {self.vocab.top_fund(f) for r in siblings if text in re.sub(r"\s+", "", self._core(r.label))
                for f in self.funds(r.label)[:1]}
        return {"employee", "resident"} <= tops

    def _indicator(self, row: Row) -> tuple[str | None, int]:
        indicator, offset = self.indicator(row.label)
        if indicator == "expenditure" and self._names_own_spending(row):
            return "benefit_expenditure", offset
        if indicator is not None:
            return indicator, offset
        if row.group is not None and self._names_only_a_fund(row.label):
            return self.indicator(row.group.label)
        if row.is_group and self._names_only_a_fund(row.label):
            return None, 0
        return None, 0

    def _names_own_spending(self, row: Row) -> bool:
        """A part of a spending total named by a fund and 支出 only ("三、支出合计" over "1、医疗救助支出"):
        what the fund spends on its own purpose, its benefits."""
        if row.group is None or self.indicator(row.group.label)[0] != "expenditure":
            return False
        core = self._core(row.label)
        funds = self.lx.funds(core)
        return bool(funds) and not FILLER_RE.sub("", core.replace(funds[0].surface, " ").replace("支出", " "))

    def _row(self, row: Row, rows: list[Row], columns: list[Column], table_unit: str | None,
             title_fund: str | None, section_fund: str | None, frame: Frame) -> Iterator[Observation]:
        ctx = self.ctx
        row_indicator, offset = self._indicator(row)
        fund = self._fund(row, rows, title_fund, section_fund, frame)
        row_basis = self.basis_of(self.norm[row.label.start:row.label.end])
        allocated = ALLOCATED_RE.search(self._core(row.label)) is not None and not self.funds(row.label)
        if allocated and self.project_fund:
            fund = self.project_fund  # "年度资金总额", "补助资金及时到位": the project's money
        seen: set[tuple] = set()
        shift = len(columns) - len(row.source.cells) if len(columns) > len(row.source.cells) else 0
        for j, cell, surface in row.values:
            # a row shorter than the header lines up with it from the right (merged cells on the left)
            col = columns[j + shift] if j + shift < len(columns) else Column()
            if not col.level:
                continue
            indicator = row_indicator
            if col.indicator and row_indicator:  # a rate column: the rate of the row's indicator
                generic = col.indicator == "budget_execution_rate" and \
                    self.vocab.indicators[col.indicator].rate_of is None
                # of allocated money (年度资金总额: a grant, a project) it is the budget's execution as such
                own = generic and not ALLOCATED_RE.search(self._core(row.label))
                indicator = self.rate_for.get(row_indicator, col.indicator) if own else col.indicator
            if indicator is None or fund is None:
                continue
            concept = self.vocab.indicators[indicator]
            is_rate = concept.unit == "percent"
            basis = col.basis or row_basis or (row.group and self.basis_of(row.group.label.text)) or \
                concept.default_basis or ("budget" if allocated and concept.unit == "yuan" else None) or \
                frame.basis or "actual"  # money allocated to a project ("年度资金总额:203") is its budget
            if is_rate and basis != "target":
                basis = "actual"
            if concept.default_basis == "policy":
                basis = "policy"  # a standard (补助标准 589元/人) is set by policy, whatever the column says
            year = col.year or ((frame.year or self.r.year or 0) + (col.year_offset or 0) + offset)
            key = (indicator, basis, year)
            if key in seen or not year:
                continue
            value = self._value(cell, concept.unit, row.unit or col.unit or table_unit)
            if value is None:
                continue
            number, approximation = value
            own_fund = fund
            scope = self.vocab.funds[fund].scope
            if scope and indicator not in scope:
                # a subsidy transfer's table states its scheme's figures too (住院报销比例): the scheme's
                own_fund = self.vocab.funds[fund].broader
                if not own_fund or (self.vocab.funds[own_fund].scope and indicator not in self.vocab.funds[own_fund].scope):
                    continue
            seen.add(key)
            region = frame.region or self.r.home or ""
            obs = ctx.observation(region=region, year=year, fund=own_fund, indicator=indicator, basis=basis,
                                  statistic="level", value=number, unit=concept.unit, start=surface.start,
                                  end=surface.end, quote_start=row.label.start, quote_end=cell.end)
            yield dataclasses.replace(obs, approximation=approximation) if approximation != "exact" else obs

    def _value(self, cell: Cell, unit: str, context_unit: str | None) -> tuple[Decimal, str] | None:
        m = VALUE_CELL_RE.match(self.norm[cell.start:cell.end].strip())
        if m is None:
            return None
        number = Decimal(m.group("num").replace(",", "").replace("−", "-"))
        if m.group("before") and m.group("unit"):
            return None  # a unit on both sides: no figure we can read
        written = m.group("unit") or m.group("before") or context_unit
        if written == "万":
            base, factor = (unit, 10**4) if unit in ("yuan", "person", "person_time") else (None, 1)
        elif written:
            base, factor = CELL_FACTORS.get(written, (None, 1))
        else:
            base, factor = (unit, 1) if unit in ("person", "percent", "month", "ratio") else (None, 1)
        if base != unit:
            return None
        cmp = m.group("cmp") or ""
        approximation = "at_least" if cmp in AT_LEAST and cmp else "at_most" if cmp in AT_MOST and cmp else "exact"
        return number * factor, approximation


class FlatTableFacts:
    """Extractor: one observation per figure of a flattened table (see :class:`FlatTableReader`)."""

    name = "flat_tables"

    def extract(self, ctx: ReportContext) -> Iterator[Observation]:
        for table in ctx.doc.flat_tables:
            yield from FlatTableReader(ctx, table).observations()
