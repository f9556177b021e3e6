"""Facts stated in running text: a number with its unit, read in the context of its
clause, sentence, paragraph and section.

For every number the nearest preceding labels decide its indicator, fund, region, year
and basis; what a clause does not say is carried over from the clauses before it. A
number whose link to its labels is broken by words the vocabulary does not know
(``其中：成年人2269986人``) is left out: precision first.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from yibao.ingest.context import ReportContext
from yibao.ingest.lexicon import Mention
from yibao.ingest.metadata import datelines
from yibao.ingest.quantities import Quantity, find_quantities
from yibao.ingest.reading import normalise
from yibao.ingest.resolve import DEICTIC_RE, RELATIVE_YEAR_RE, YEAR_RE, Frame, Resolver
from yibao.ingest.segment import Document, split_spans, trim_span
from yibao.ingest.spans import Spans, between
from yibao.model import Observation

SENTENCE_END = "。！？!?；;\n"
CLAUSE_END = "，,:："
# tiers listed in a row: 一、二档 / 第一档和第二档 / 一档、二档
TIER_LIST_RE = re.compile(r"(?:第?[一二三四五]档?(?:、|和|及|与|至))+第?[一二三四五]档")
JOINER_RE = re.compile(r"和|及|与|、")
LIST_SEPARATORS_RE = re.compile(r"^(?:[、,，和及与以及\s]|\([^()]*\))+$")
CHANGE_RE = re.compile(r"增加|减少|增长|下降|降低|提高|上升|增幅|降幅|增速|减幅|上涨|回落|减|增")
NEGATIVE_RE = re.compile(r"减少|下降|降低|降幅|减幅|回落|减")
TO_LEVEL_RE = re.compile(r"(?:增加|增长|提高|上升|下降|降低|减少|上涨)(?:到|至)")
SUBJECT_WORDS_RE = re.compile(r"截至|截止|年度|季度|度|上半年|下半年|月份|月|日|底|末|本期|当期|期末|累计|共|全部|全体|所有")
STOCK_INDICATORS = ("cumulative_balance",)  # its parts are written with the bare flow word (统筹基金结余)
SHARE_RE = re.compile(r"占|比重|占比|所占比例")
COMPARISON_RE = re.compile(r"低于|高于|超过|不足|不到|少于|多于|大于|小于|不低于|不高于|未达到|达不到")
AFTER_COMPARISON_RE = re.compile(r"^\s*(?:以上|以下|以内|之间)")
# who acts, not what the figure is about ("自治区财政厅下达…补助资金205.05亿元")
AGENCY_RE = re.compile(r"(?:省|市|县|区|州|旗|自治区)?(?:级)?(?:财政|医疗保障|医保|人力资源和社会保障|人社|卫生健康|卫健|税务)(?:厅|局|部|委|中心)|政府|近日|日前")
TARGET_FLOOR_RE = re.compile(r"(?:大于|不低于|不少于|≥|>=)\s*$")


def _target_floor(window: str, q: Quantity) -> bool:
    """A rate written as the least it must reach ("住院报销比例大于68%", "参保率不低于95%"): a target."""
    return q.unit == "percent" and TARGET_FLOOR_RE.search(window) is not None


# money allocated to a fund: after its name, the levels of government giving it, then 资金
LEVEL_RE = re.compile(r"中央|自治区|自治州|省|市|县|区|州")
ALLOCATED_RE = re.compile(r"(?<!基)资金")  # 资金 (money allocated), not 基金 (an insurance fund)
MONEY_TAIL_RE = re.compile(r"(?:共计|合计|总计|总额|为|计|共|达|:|：|\s)*")
MONEY_GAP_RE = re.compile(
    r"(?P<levels>(?:中央|自治区|自治州|各级|省|市|县|区|州|级|财政|直达|和|与|及|、|\s)*)(?:补助|补贴|专项|转移支付)资金"
    r"(?:共计|合计|总计|总额|为|计|共|达|:|：|\s)*")
MONEY_USED_RE = re.compile(r"收到|到位|到账|拨付|支付|支出|使用|结余|结存|收入")
AGAINST_PLAN_RE = re.compile(r"(?:比|较|相比)[^,，。;；]{0,4}(?:预算|目标|计划)")
PER_PERSON_ASIDE_RE = re.compile(r"\s*\(\s*(?:人均|每人)[\u4e00-\u9fff]{0,4}")  # "(人均85元)" after a total
FIGURE_BEFORE_RE = re.compile(r"\d\s*(?:万|亿)?(?:人次|人|名)$")  # "281473人参保": the label follows its count
MONTHLY_RE = re.compile(r"(?:每月|月均|平均每月|月平均)\s*$")
# Connectives allowed between a label and its number ("累计结余为", "增加了", "约").
PER_PERSON_BEFORE_RE = re.compile(r"(?:人均|每人)[\u4e00-\u9fff]{0,4}$")
GAP_WORDS_RE = re.compile(
    r"\([^()]*\)|分别为|分别是|分别|合计|共计|总计|总额|累计|实际|预计|大约|约为|约|达到|达|为|是|共有|共|计|"
    r"已经|已|仅|近|超过|超|高于|低于|不足|以上|左右|的|了|有|增加|减少|增长|下降|降低|提高|上升|到|至|"
    r"同比|同期|比上年|较上年|比|较|占|总|全年|年度|年末|年底|当年|本年|平均|人均|按|其中|增幅|降幅|资金|"
    r"增长率|增长速度|增速|幅度|速度|率|额|金额|合|净|末|底|初|达到了|升至|降至|提升|上涨|下降了|"
    r"持续|继续|稳定在|保持在|维持在|基金|大于|不低于|不少于|每人每年|每年每人|每人|[^\u4e00-\u9fff]"
)
# Between an indicator's label and its figure, also when and how the figure came about ("累计结余截至年底
# 达到", "支出当年实际发生", "收入年内累计实现", "参保人数期末达"): not a thing of its own.
LABEL_GAP_RE = re.compile(
    r"(?:19|20)\d\d\s*年度?|\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?(?:底|末)?|"
    r"截至|截止|年底|年末|期末|月底|目前|本期|当期|本年度|年内|全年|实际发生|发生|累计完成|完成|实现|"
    + GAP_WORDS_RE.pattern
)


@dataclass
class Anchor:
    start: int
    end: int
    kind: str  # fund|indicator|basis|region|policy|year|relyear|deictic|number
    value: str | None = None  # resolved id / year
    mention: Mention | None = None
    blocked: bool = False  # an indicator label used in a sense we do not extract (每月平均支出)


@dataclass
class TextFact:
    """A number with its resolved dimensions, before it becomes an Observation."""

    quantity: Quantity
    region: str
    year: int
    fund: str
    indicator: str
    basis: str
    statistic: str
    quote_start: int
    quote_end: int
    qualifier: str | None = None  # e.g. the contribution tier of "一、二档…分别为…"


@dataclass
class _State:
    frame: Frame = field(default_factory=Frame)
    last_indicator: str | None = None
    indicator_label: str = ""  # the label (as matched) of frame.indicator
    sentence_start: int = 0
    parts_at: int = -1  # where the sentence's first 其中 starts (-1: none)
    group: str | None = None  # the last group of insured named in the sentence (女性, 60岁以上 …)
    group_at: int = 0  # where the clause naming it starts
    unnamed_at: int = -1  # where the sentence's figure about something unnamed is (-1: none)
    last_fact: TextFact | None = None  # the paragraph's last figure read
    parens: _Parens | None = None  # the paragraph's parentheses


class TextExtractor:
    """Extracts facts from the paragraphs of one segmented report."""

    def __init__(self, resolver: Resolver, default_fund: str | None, main_fund: str | None = None) -> None:
        self.r = resolver
        self.main_fund = main_fund
        self.vocab = resolver.vocab
        self.default_fund = default_fund
        self.rate_for = {c.rate_of: c.id for c in self.vocab.indicators.values() if c.rate_of}
        self.generic_labels = _generic_labels(self.vocab)
        self.tier_codes = _tier_codes(self.vocab)
        self.population_groups = {c.id for c in self.vocab["qualifier"].values() if c.broader == "population_group"}
        self.negative_labels = {normalise(x) for c in self.vocab.indicators.values() for x in c.negative_zh}
        self.opening_labels = {normalise(x) for c in self.vocab.indicators.values() for x in c.opening_zh}
        self.populations = _populations(self.vocab)
        self.per_person = {c.per_person_of: c.id for c in self.vocab.indicators.values() if c.per_person_of}

    # -- anchors -------------------------------------------------------------------
    def _tiers(self, text: str, start: int) -> list[Anchor]:
        """Contribution tiers named as a list ("一、二档", "第一档和第二档"): one anchor per tier, so
        that "…分别为730元和650元" gives each figure its tier."""
        out: list[Anchor] = []
        for m in TIER_LIST_RE.finditer(text):
            items = list(re.finditer(r"第?([一二三四五])档?", m.group()))
            codes = [self.tier_codes.get(item.group(1)) for item in items]
            if len(codes) < 2 or None in codes or len(set(codes)) < len(codes):
                continue
            for item, code in zip(items, codes):
                out.append(Anchor(start + m.start() + item.start(), start + m.start() + item.end(), "qualifier", code))
        return out

    def anchors(self, norm: str, start: int, end: int) -> list[Anchor]:
        text = norm[start:end]
        out: list[Anchor] = []
        lx = self.r.lexicon
        for m in lx.find(text, "indicator", start):
            blocked = MONTHLY_RE.search(norm[max(start, m.start - 4):m.start]) is not None or \
                self.vocab.indicators[m.id].policy_only
            out.append(Anchor(m.start, m.end, "indicator", m.id, m, blocked))
        generic = [a for a in out if a.mention.surface in self.generic_labels]
        indicator_spans = Spans((a.start, a.end) for a in out)
        for m in lx.funds(text, start):
            out.append(Anchor(m.start, m.end, "fund", m.id, m))
        for m in lx.find(text, "basis", start):
            if not indicator_spans.covers(m.start):
                out.append(Anchor(m.start, m.end, "basis", m.id, m))
        for m in lx.find(text, "policy", start):
            out.append(Anchor(m.start, m.end, "policy", m.id, m))
        datelines = _datelines(text, start)
        for m in lx.find(text, "region", start):
            code = self.r.region(m)
            if code and not datelines.covers(m.start):
                out.append(Anchor(m.start, m.end, "region", code, m))
        for m in DEICTIC_RE.finditer(text):
            out.append(Anchor(start + m.start(), start + m.end(), "deictic", self.r.deictic(m.group())))
        for m in YEAR_RE.finditer(text):
            year = int(m.group(1))
            s = start + m.start(1)
            written = re.match(r"\s*年", norm[s + 4:s + 8])  # "2024 年": a stray space before 年
            e = s + 4 + (written.end() if written else 0)
            before = norm[max(start, s - 1):s]
            if self.r.plausible_year(year) and before not in ("比", "较", "-", "~", "至") and \
                    norm[e:e + 1] != "-":
                out.append(Anchor(s, e, "year", str(year)))
        for m in RELATIVE_YEAR_RE.finditer(text):
            out.append(Anchor(start + m.start(), start + m.end(), "relyear", m.group()))
        out += self._tiers(text, start)
        for m in lx.find(text, "qualifier", start):
            if m.id in self.population_groups:
                out.append(Anchor(m.start, m.end, "qualifier", m.id, m))
        out.sort(key=lambda a: (a.start, -a.end))
        ends = {a.end for a in out if a.kind not in ("indicator", "policy") or
                (a.kind == "indicator" and len(a.mention.surface) > 2)}
        for a in generic:
            # "补助收入": a bare 收入/支出 qualified by words we do not know is some other item
            prev = norm[a.start - 1] if a.start > start else ""
            if "\u4e00" <= prev <= "\u9fff" and a.start not in ends and \
                    not FIGURE_BEFORE_RE.search(norm, max(start, a.start - 8), a.start) and \
                    not re.search(r"(?:总|年|度|月|期|的|及|和|与|等|其|中|实际|全年|平均|人均|各级)$", norm[max(start, a.start - 2):a.start]):
                a.blocked = True
        # a region, policy or basis word inside a fund or indicator label is part of that label
        labels = Spans((a.start, a.end) for a in out if a.kind in ("fund", "indicator"))
        funds = Spans((a.start, a.end) for a in out if a.kind == "fund")
        indicators = Spans((a.start, a.end) for a in out if a.kind == "indicator")
        # a short indicator word at the start of a longer policy name (门诊 in 门诊共济) is part of the name
        policies = Spans((a.start, a.end) for a in out if a.kind == "policy")
        kept = [a for a in out if a.kind in ("year", "relyear")
                or (a.kind == "indicator" and not any(a.end <= e and e - s > a.end - a.start
                                                       for s, e in policies.around(a.start)))
                or a.kind == "fund"
                or (a.kind not in ("fund", "indicator") and not any(
                    (s, e) != (a.start, a.end) and (a.kind != "policy" or a.end <= e)
                    for s, e in labels.around(a.start)))
                or (a.kind == "basis" and len(a.mention.surface) > 2 and funds.covers(a.start)
                    and not indicators.covers(a.start))]  # 部门年初预算: the department's budget
        return kept

    # -- main loop -----------------------------------------------------------------
    def extract(self, doc: Document, norm: str, base: Frame) -> list[TextFact]:
        facts: list[TextFact] = []
        for para in doc.paragraphs:
            section = base.merged(self.r.section_frame(norm, para.headings))
            facts.extend(self._paragraph(norm, para.start, para.end, section))
        return facts

    def _paragraph(self, norm: str, start: int, end: int, section: Frame) -> list[TextFact]:
        anchors = self.anchors(norm, start, end)
        quantities = find_quantities(norm[start:end], unit_before=True)
        quantities = [replace(q, start=q.start + start, end=q.end + start) for q in quantities]
        year_spans = Spans((a.start, a.end) for a in anchors if a.kind == "year")
        quantities = [q for q in quantities if not year_spans.covers(q.start)]
        quantities = _bare_money(norm, quantities)
        figures = Spans((q.start, q.end) for q in quantities)
        anchors = [a for a in anchors if not figures.covers(a.start)]
        anchor_starts = [a.start for a in anchors]  # both lists are in text order
        quant_starts = [q.start for q in quantities]
        lists = _Lists(norm, self._split_composites(anchors))
        facts: list[TextFact] = []
        state = _State(parens=_Parens(norm, start, end))
        weak = False
        head_fund: str | None = None
        for s_start, s_end in split_spans(norm, start, end, SENTENCE_END):
            s_anchors = anchors[between(anchor_starts, s_start, s_end)]
            # within a sentence, year/region/basis carry over; indicator and fund carry across sentences
            # (not the fund of a sentence about a policy: the next one is about that policy too; not the
            # fund of a part listed after 其中: the next sentence is about the whole again)
            carried = None if weak else self._carried_fund(head_fund, _after_semicolon(norm, start, s_start))
            state.frame = Frame(fund=carried, indicator=state.frame.indicator)
            parts_at = norm.find("其中", s_start, s_end)
            head_fund = carried
            state.sentence_start, state.parts_at, state.group, state.unnamed_at = s_start, parts_at, None, -1
            # a sentence about a policy (not one that names it in an aside) needs its own fund word
            weak = section.weak or any(a.kind == "policy" and not state.parens.inside(s_start, a.start) for a in s_anchors)
            sentence_funds = [a for a in s_anchors if a.kind == "fund"]
            for c_start, c_end in split_spans(norm, s_start, s_end, CLAUSE_END):
                c_anchors = anchors[between(anchor_starts, c_start, c_end)]
                c_quants = quantities[between(quant_starts, c_start, c_end)]
                if head_fund and 0 <= parts_at < c_start and not any(a.kind == "fund" for a in c_anchors) and \
                        any(a.kind == "indicator" and not self._is_rate(a.value) for a in c_anchors):
                    # a line listed after 其中 that names no fund is a part of the whole, not of the part
                    # before it ("其中…公务员医疗补助收入175万元,利息收入3万元"); a rate is of the line before
                    state.frame = replace(state.frame, fund=head_fund)
                enum = self._enumeration(norm, c_start, c_end, lists, c_quants, s_start)
                produced = False
                for q in c_quants:
                    fact = self._fact(norm, q, c_start, c_end, c_anchors, c_quants, state, section,
                                      enum.get(q.start), weak, bool(sentence_funds))
                    if fact:
                        facts.append(fact)
                        state.unnamed_at = -1  # a figure read since: the sentence is about named things again
                        state.last_fact = fact
                        produced = produced or not self._is_rate(fact.indicator)
                if not produced:
                    # a basis word carries on only from a clause that stated a figure; a year only
                    # from such a clause or from a bare date ("截至2021年底")
                    short = len(norm[c_start:c_end].strip()) <= 12
                    c_anchors = [a for a in c_anchors if a.kind != "basis" and (short or a.kind != "year")]
                self._carry(state, [a for a in c_anchors if not state.parens.inside(s_start, a.start)], section)
                groups = [a.value for a in c_anchors if a.kind == "qualifier" and a.value in self.population_groups]
                if groups:
                    state.group, state.group_at = groups[-1], c_start
                if parts_at < 0 or c_start < parts_at:
                    head_fund = state.frame.fund
        return facts

    def _split_composites(self, anchors: list[Anchor]) -> list[Anchor]:
        """A fund name that joins two others ("职工医保和居民医保") as the two it lists, so that
        "…参保人数分别为3.2万人、28.5万人" gives each its figure; other anchors as they are."""
        out: list[Anchor] = []
        for a in anchors:
            parts: list[Mention | None] = []
            if a.kind == "fund" and JOINER_RE.search(a.mention.surface):
                offset = a.start
                for piece in JOINER_RE.split(a.mention.surface):
                    found = self.r.lexicon.funds(piece, offset)
                    parts += found[:1] if len(found) == 1 and found[0].end - found[0].start == len(piece) else [None]
                    offset += len(piece) + 1
            if len(parts) >= 2 and None not in parts:
                out += [Anchor(m.start, m.end, "fund", m.id, m) for m in parts]
            else:
                out.append(a)
        return out

    def _carried_fund(self, fund: str | None, semicolon: bool = False) -> str | None:
        """The fund a new sentence inherits from the one before: a scheme's own fund carries on
        ("职工医保基金收入…。支出…"), a component (统筹基金) or both schemes together do not, except
        across a semicolon, which only separates the items of one statement ("两项基金总收入…;总支出…")."""
        concept = self.vocab.funds.get(fund or "")
        if concept is None or (not semicolon and (concept.broader or fund == "all_basic")):
            return None
        return fund

    def _carry(self, state: _State, c_anchors: list[Anchor], section: Frame) -> None:
        """What a clause states stays in force for the clauses after it."""
        frame = state.frame
        for a in c_anchors:
            if a.kind == "indicator" and not a.blocked:
                concept = self.vocab.indicators[a.value]
                if frame.indicator in STOCK_INDICATORS and a.mention.surface in self.generic_labels and any(
                        label.endswith(a.mention.surface) for label in self.vocab.indicators[frame.indicator].labels_zh):
                    continue  # "累计结余…(其中:统筹基金结余…)": still the cumulative balance
                if concept.rate_of is None and a.value != "budget_execution_rate":
                    frame = Frame(frame.region, frame.year, frame.fund, a.value, frame.basis, frame.weak)
                    state.indicator_label = a.mention.surface
                state.last_indicator = a.value
            elif a.kind == "indicator" and a.blocked:
                frame = Frame(frame.region, frame.year, frame.fund, None, frame.basis, frame.weak)
            elif a.kind == "fund":
                fund = self.r.fund_in_context(a.value, a.mention.surface, section.fund or self.default_fund)
                frame = Frame(frame.region, frame.year, fund, frame.indicator, frame.basis, frame.weak)
            elif a.kind == "basis":
                frame = Frame(frame.region, frame.year, frame.fund, frame.indicator, a.value, frame.weak)
            elif a.kind in ("region", "deictic") and a.value:
                frame = Frame(a.value, frame.year, frame.fund, frame.indicator, frame.basis, frame.weak)
            elif a.kind == "year":
                frame = Frame(frame.region, int(a.value), frame.fund, frame.indicator, frame.basis, frame.weak)
        state.frame = frame

    # -- enumerations ("分别为29.46亿元、10.5亿元") ------------------------------------
    def _enumeration(self, norm: str, c_start: int, c_end: int, lists: _Lists,
                     c_quants: list[Quantity], s_start: int) -> dict[int, Anchor]:
        k = norm.find("分别", c_start, c_end)
        if k < 0:
            return {}
        listed = [q for q in c_quants if q.start > k and q.unit not in (None, "unsupported")]
        n = len(listed)
        if n < 2:
            return {}
        for kind in ("fund", "region", "qualifier", "indicator"):
            run = lists.last_run(kind, n, k)  # "职工医保、居民医保…分别为": names listed in a row
            if run and (kind != "qualifier" or run[0].start >= s_start) and \
                    (kind != "indicator" or (run[0].start >= c_start and lists.starts_run(run[0]))):
                # tiers: of this sentence; items: of this clause, as many as the figures
                return {q.start: a for q, a in zip(listed, run)}
        for kind in ("fund", "region"):
            distinct = lists.last_distinct(kind, n, c_start)  # else the last n different names
            if distinct:
                return {q.start: a for q, a in zip(listed, distinct)}
        return {q.start: Anchor(q.start, q.start, "skip") for q in listed}

    # -- one number ----------------------------------------------------------------
    def _fact(self, norm: str, q: Quantity, c_start: int, c_end: int, c_anchors: list[Anchor],
              c_quants: list[Quantity], state: _State, section: Frame, enum: Anchor | None,
              weak: bool, sentence_has_fund: bool) -> TextFact | None:
        if q.unit in (None, "unsupported") or q.in_range or q.in_formula:
            return None
        if enum is not None and enum.kind == "skip":
            return None
        before = [a for a in c_anchors if a.end <= q.start]
        prev_q = max((x.end for x in c_quants if x.end <= q.start), default=c_start)
        if PER_PERSON_ASIDE_RE.fullmatch(norm[prev_q:q.start]):
            return self._per_person(norm, q, prev_q, state)  # "个人缴纳2397万元(人均85元)"
        gloss = _gloss(norm, max(prev_q, c_start), q.start)
        if gloss is not None and any(a.kind == "indicator" and a.end <= gloss[0] for a in before):
            # "其他收入(医疗机构退回违规基金、…收入转入)914.89万元": the aside glosses the label before it
            before = [a for a in before if not gloss[0] <= a.start < gloss[1]]
        window = norm[prev_q:q.start]
        if enum is not None:
            first = min(x.start for x in c_quants if x.start >= norm.find("分别", c_start, c_end))
            window = norm[c_start:first]
        floor = _target_floor(window, q)
        if (COMPARISON_RE.search(window) and not floor) or AFTER_COMPARISON_RE.match(norm[q.end:q.end + 4]):
            return None  # "低于3个月", "9个月以上": a threshold, not a value
        money = self._allocated_money(norm, q, c_start, c_end, before, prev_q, state, section, c_quants)
        if money is not None:
            return money  # "医疗救助中央省补助资金1079.67万": the money allocated to the fund
        # the gap between the last label or number and this number must hold only connectives
        last_end = max([a.end for a in before] + [prev_q, c_start])
        coverage = self._coverage_of(norm, c_start, q, state)
        labels = [a for a in before if a.kind not in ("basis", "year", "relyear")]
        lead = labels[-1] if labels and labels[-1].kind == "indicator" else None
        if lead is not None and any(x.unit is not None and lead.end <= x.start for x in c_quants if x.end <= q.start):
            lead = None  # another figure after the label
        # from the indicator's label: words of when and how, dates ("累计结余截至2023年12月31日为3.1亿元")
        if enum is None and coverage is None and GAP_WORDS_RE.sub("", norm[last_end:q.start]) and \
                (lead is None or LABEL_GAP_RE.sub("", norm[lead.end:q.start])):
            state.unnamed_at = q.start
            return None
        # the label after the figure ("36.01万名参保职工", "共有281473人参保"): a short one only in the figure's unit
        after = [a for a in c_anchors if a.kind == "indicator" and q.end <= a.start <= q.end + 1 and not a.blocked
                 and (len(a.mention.surface) >= 3 or q.unit in ("person", "person_time") and
                      self.vocab.indicators[a.value].unit == q.unit)]
        if enum is None and not after and not any(a.kind == "indicator" for a in before) and coverage is None and \
                GAP_WORDS_RE.sub("", AGENCY_RE.sub("", _unlabelled(norm, c_start, q.start, before, c_quants))):
            state.unnamed_at = q.start
            return None  # a figure about something unnamed ("60岁以上参加…591732人")
        if 0 <= state.unnamed_at < q.start and q.unit == "percent" and enum is None and coverage is None and \
                not any(a.kind == "fund" and a.start > state.unnamed_at for a in before):
            return None  # "享受重大疾病医疗救治594人次,实际补偿比例达70%": the rate of that unnamed thing
        if weak and not sentence_has_fund and enum is None:
            return None
        window = _unlabelled(norm, prev_q if enum is None else c_start, q.start, before, c_quants)
        statistic = "level" if coverage else self._statistic(window, q)
        if statistic is None:
            return None
        if statistic in ("change", "growth_rate") and AGAINST_PLAN_RE.search(norm[prev_q:q.start]):
            return None  # "比年初预算增加758.97万元": a gap to the plan, not a change from the previous period
        indicator = coverage or self._indicator(norm, q, before, window, statistic, state, section, after)
        if indicator is None:
            return None
        if enum is not None and enum.kind == "indicator":
            indicator = enum.value  # "总收入、总支出分别为2.46万亿元、2.09万亿元": the items in their order
        indicator = self._by_unit(indicator, before, q, statistic)
        per_person_part = q.unit == "yuan" and statistic == "level" and self._part_of_per_person(norm, q, state)
        if per_person_part:
            indicator = self.per_person.get(indicator, indicator)  # "人均筹资1020元,其中财政补助640元"
        concept = self.vocab.indicators[indicator]
        if concept.unit == "yuan" and statistic == "level" and PER_PERSON_BEFORE_RE.search(norm[prev_q:q.start]):
            return None  # "个人缴纳2397万元,人均85元": a per-person amount, not the total the label names
        unit = "percent" if statistic in ("growth_rate", "share") else concept.unit
        if q.unit == "percentage_point":
            if concept.unit != "percent" or statistic != "change":
                return None
        elif q.unit == "yuan" and unit == "yuan_per_person" and (
                per_person_part or re.search(r"人均|每人", norm[c_start:q.start]) or
                any(a.kind == "indicator" and a.value == indicator and a.mention is not None
                    and "标准" in a.mention.surface for a in before)):
            pass  # "人均缴费350元", "财政补贴标准…730元": a per-person amount written without /人
        elif q.unit != unit:
            return None
        fund = self._fund(before, prev_q, state, section, enum) or concept.default_fund
        if fund is None:
            return None
        scope = self.vocab.funds[fund].scope
        if scope and indicator not in scope:
            fund = self.main_fund  # a budget line cannot have, e.g., months of cover
        region = self._region(before, state, section, enum)
        year = self._year(before if coverage is None else [a for a in before if a.end <= norm.rfind("占", c_start, q.start)],
                          prev_q, state, statistic)  # "占2022年常住人口…的": the population's year is not the rate's
        label = next((a.mention.surface for a in reversed(before) if a.kind == "indicator" and a.value == indicator
                      and a.mention is not None), state.indicator_label if indicator == state.frame.indicator else "")
        if concept.unit == "person" and statistic == "level" and (
                not self._known_subject(norm, c_start, before, c_quants) or
                any(a.kind == "qualifier" and a.value in self.population_groups for a in before)):
            return None  # "60岁以上(老年人)参加…591732人": a sub-population the vocabulary cannot name
        shifted = any(a.kind == "relyear" and a.start >= prev_q for a in before)  # 年初累计结余: already done
        if statistic == "level" and label in self.opening_labels and year is not None and not shifted:
            year -= 1  # "期初结余", "上年结余": the previous year's closing stock
        basis = "target" if floor else self._basis(before, prev_q, state, section, concept)
        if region is None or year is None:
            return None
        value_q = replace(q, approximation="at_least") if floor else q
        if statistic == "level" and label in self.negative_labels and q.value > 0:
            value_q = replace(q, number=-q.number, value=-q.value)  # 赤字
        if statistic in ("change", "growth_rate") and NEGATIVE_RE.search(window) and q.value > 0:
            value_q = replace(q, number=-q.number, value=-q.value)
        quote_start, quote_end = _quote_span(norm, c_start, c_end, q, [] if enum else c_quants)
        quote_start, quote_end = min(quote_start, q.start), max(quote_end, q.end)
        qualifier = enum.value if enum is not None and enum.kind == "qualifier" else None
        if qualifier is None and statistic == "share" and concept.unit == "person":
            # "女性1451036人参加…，占比49.73%": the share of the group named before it in the sentence
            groups = [a.value for a in before if a.kind == "qualifier" and a.value in self.population_groups]
            qualifier = groups[-1] if groups else state.group
            if not groups and qualifier:
                quote_start = min(quote_start, state.group_at)  # the quote names the group
        return TextFact(value_q, region, year, fund, indicator, basis, statistic, quote_start, quote_end, qualifier)

    def _allocated_money(self, norm: str, q: Quantity, c_start: int, c_end: int, before: list[Anchor], prev_q: int,
                         state: _State, section: Frame, c_quants: list[Quantity]) -> TextFact | None:
        """A sum of money allocated to a fund, named as such right before it: the fund's name as money
        ("医疗救助补助资金3000万元") or the fund followed by the money it gets ("医疗救助中央省补助资金1079.67万",
        "城乡居民医保各级财政补助资金5200万元"). It is what the fund has to spend: the money fund's own
        indicator (补助资金 of the resident fund: the subsidy due), else its expenditure, as budgeted
        unless a basis word says otherwise. One level's share ("中央补助资金", "其中省级资金…") has no id."""
        if q.unit != "yuan" or not before or before[-1].kind != "fund" or before[-1].start < prev_q:
            return None
        named = before[-1]
        gap = norm[named.end:q.start]
        if ALLOCATED_RE.search(named.mention.surface) and MONEY_TAIL_RE.fullmatch(gap):
            fund = named.value
        else:
            m = MONEY_GAP_RE.fullmatch(gap)
            if m is None or len(LEVEL_RE.findall(m.group("levels"))) == 1:
                return None
            fund = _money_fund(self.vocab, named.value)
            if not any(ALLOCATED_RE.search(label) for label in self.vocab.funds[fund].labels_zh):
                return None  # no money of that fund in the code list (职工医保各级补助资金: some subsidy)
        if 0 <= state.parts_at < q.start or state.parens.inside(state.sentence_start, q.start) or \
                CHANGE_RE.search(norm[prev_q:q.start]) or MONEY_USED_RE.search(norm[max(prev_q, c_start):q.start]):
            return None  # a part of a total, a change, or money received or spent (not what was allocated)
        concept = self.vocab.funds[fund]
        indicator = concept.default_indicator or "expenditure"
        if concept.scope and indicator not in concept.scope:
            return None
        bases = [a.value for a in before if a.kind == "basis"]
        region = self._region(before, state, section, None)
        year = self._year(before, prev_q, state, "level")
        if region is None or year is None:
            return None
        quote_start, quote_end = _quote_span(norm, c_start, c_end, q, c_quants)
        return TextFact(q, region, year, fund, indicator, bases[-1] if bases else "budget", "level",
                        min(quote_start, named.start), max(quote_end, q.end))

    def _part_of_per_person(self, norm: str, q: Quantity, state: _State) -> bool:
        """The figure is listed after 其中 under a per-person amount of its sentence ("人均筹资标准1020元,
        其中个人缴费380元,财政补助640元"): a part of it, per person too."""
        whole = state.last_fact
        return whole is not None and 0 <= state.parts_at < q.start and whole.quote_start >= state.sentence_start \
            and self.vocab.indicators[whole.indicator].unit == "yuan_per_person"

    def _per_person(self, norm: str, q: Quantity, prev_q: int, state: _State) -> TextFact | None:
        """The per-person amount stated in an aside right after a total just read ("个人缴纳2397万元
        (人均85元)" → the contribution per person), with the total's fund, year and basis."""
        total = state.last_fact
        if total is None or total.quantity.end != prev_q or total.statistic != "level" or q.unit != "yuan" or \
                not PER_PERSON_ASIDE_RE.fullmatch(norm[prev_q:q.start]):
            return None
        per_person = self.per_person.get(total.indicator)
        if per_person is None:
            return None
        start = norm.rfind("(", prev_q, q.start) + 1
        return replace(total, quantity=q, indicator=per_person, quote_start=start, quote_end=q.end, qualifier=None)

    def _coverage_of(self, norm: str, c_start: int, q: Quantity, state: _State) -> str | None:
        """The coverage rate a percentage states when it is the insured's share of a population
        ("参保人数80.87万人,占常住人口75.98万人的106.44%" → the coverage rate of the resident population)."""
        if q.unit != "percent" or state.frame.indicator != "enrollment":
            return None
        k = norm.rfind("占", c_start, q.start)
        if k < 0:
            return None
        text = norm[k:q.start]
        found = [c for word, c in self.populations.items() if word in text]
        return found[0] if len(found) == 1 else None

    def _by_unit(self, indicator: str, before: list[Anchor], q: Quantity, statistic: str) -> str:
        """Among the indicators that share the chosen label (财政补助: a per-person standard or an
        income line), the one whose unit is the figure's."""
        label = next((a for a in reversed(before) if a.kind == "indicator" and a.value == indicator), None)
        if label is None or label.mention is None or len(label.mention.ids) < 2 or statistic != "level":
            return indicator
        fitting = [i for i in label.mention.ids if self.vocab.indicators[i].unit == q.unit]
        return fitting[0] if fitting and indicator not in fitting else indicator

    def _is_rate(self, indicator: str) -> bool:
        concept = self.vocab.indicators[indicator]
        return concept.rate_of is not None or indicator == "budget_execution_rate"

    def _statistic(self, window: str, q: Quantity) -> str | None:
        if q.unit == "percentage_point":
            return "change" if CHANGE_RE.search(window) else None
        if SHARE_RE.search(window) and q.unit == "percent":
            return "share"
        if CHANGE_RE.search(window) and not TO_LEVEL_RE.search(window):
            return "growth_rate" if q.unit == "percent" else "change"
        return "level"

    def _indicator(self, norm: str, q: Quantity, before: list[Anchor], window: str, statistic: str,
                   state: _State, section: Frame, after: list[Anchor]) -> str | None:
        inds = [a for a in before if a.kind == "indicator"]
        if not inds and after and statistic == "level":
            return after[0].value  # "36.01万名参保职工": the label follows the number
        if statistic == "share":
            k = window.rfind("占")
            if k >= 0:
                subject = [a for a in inds if a.end <= q.start - len(window) + k]
                if not subject and state.frame.indicator:
                    return state.frame.indicator  # "财政补贴收入…，占基金收入的65.05%": the share of the figure before
                inds = subject or inds
        chosen = inds[-1] if inds else None
        if chosen is not None and chosen.blocked:
            return None
        whole = next((a.value for a in reversed(inds) if chosen is not None and a.end <= chosen.start and not a.blocked),
                     state.frame.indicator)
        if chosen is not None and self._is_component(norm, q, state) and chosen.mention.surface in self.generic_labels \
                and whole in STOCK_INDICATORS and chosen.value != whole and any(
                    label.endswith(chosen.mention.surface) for label in self.vocab.indicators[whole].labels_zh):
            return whole  # "累计结余X(其中:统筹基金结余Y)": the parts of a cumulative balance
        if chosen is not None:
            concept = self.vocab.indicators[chosen.value]
            if chosen.value == "budget_execution_rate" and concept.rate_of is None:
                previous = self._previous_indicator(before, chosen, state)
                return self.rate_for.get(previous or "", "budget_execution_rate")
            return chosen.value
        if state.frame.indicator:
            return state.frame.indicator
        named = [a.value for a in before if a.kind == "fund"]  # "部门年初预算1022.89万元": the fund's bare figure
        fund = (named[-1] if named else None) or state.frame.fund or section.fund or self.default_fund
        concept = self.vocab.funds.get(fund or "")
        return concept.default_indicator if concept else None

    def _known_subject(self, norm: str, c_start: int, before: list[Anchor], c_quants: list[Quantity]) -> bool:
        """Nothing but known labels, dates and connectives before the figure's indicator label."""
        label = next((a for a in reversed(before) if a.kind == "indicator"), None)
        if label is None:
            return True
        rest = _unlabelled(norm, c_start, label.start, [a for a in before if a.end <= label.start],
                           [x for x in c_quants if x.end <= label.start])
        return not re.search(r"[\u4e00-\u9fff]", SUBJECT_WORDS_RE.sub("", GAP_WORDS_RE.sub("", rest)))

    @staticmethod
    def _is_component(norm: str, q: Quantity, state: _State) -> bool:
        """The figure is listed as a part of the one before it: after 其中, or in parentheses."""
        if 0 <= state.parts_at <= q.start - 2:  # "其中" in the sentence before the figure
            return True
        if state.parens is not None:
            return state.parens.inside(state.sentence_start, q.start)
        return _in_parens(norm, state.sentence_start, q.start)

    def _previous_indicator(self, before: list[Anchor], rate: Anchor, state: _State) -> str | None:
        """The indicator an unqualified 预算执行率 refers to: the last one named before it."""
        earlier = [a for a in before if a.kind == "indicator" and a.end <= rate.start and not a.blocked]
        if earlier:
            return earlier[-1].value
        return state.last_indicator

    def _fund(self, before: list[Anchor], prev_q: int, state: _State, section: Frame,
              enum: Anchor | None) -> str | None:
        context = section.fund or self.default_fund
        if enum is not None and enum.kind == "fund":
            components = [a for a in before if a.kind == "fund" and self.vocab.funds[a.value].broader == enum.value]
            return components[-1].value if components else enum.value
        funds = [a for a in before if a.kind == "fund"]
        recent = [a for a in funds if a.start >= prev_q]
        if len({self.vocab.top_fund(a.value) for a in recent} & {"employee", "resident"}) == 2 and \
                all(not self.vocab.funds[a.value].broader for a in recent):
            return "all_basic"
        if funds:
            return self.r.fund_in_context(funds[-1].value, funds[-1].mention.surface, context)
        return state.frame.fund or context

    def _region(self, before: list[Anchor], state: _State, section: Frame, enum: Anchor | None) -> str | None:
        if enum is not None and enum.kind == "region":
            return enum.value
        regions = [a for a in before if a.kind in ("region", "deictic") and a.value]
        if regions:
            return regions[-1].value
        return state.frame.region or section.region or self.r.home

    def _year(self, before: list[Anchor], prev_q: int, state: _State, statistic: str) -> int | None:
        years = [a for a in before if a.kind == "year"]
        year = int(years[-1].value) if years else (state.frame.year or self.r.year)
        if year is None:
            return None
        if statistic == "level" and any(a.kind == "relyear" and a.start >= prev_q for a in before):
            year -= 1
        return year

    def _basis(self, before: list[Anchor], prev_q: int, state: _State, section: Frame, concept) -> str:
        is_rate = self._is_rate(concept.id)
        bases = [a.value for a in before if a.kind == "basis" and a.start >= prev_q]
        if is_rate:
            return "target" if "target" in bases else "actual"
        if bases:
            return bases[-1]
        return state.frame.basis or concept.default_basis or section.basis or "actual"



class _Lists:
    """A paragraph's fund and region names, indexed for the look-back of an enumeration
    ("…分别为…"): at most logarithmic work per clause, whatever the paragraph's length."""

    def __init__(self, norm: str, anchors: list[Anchor]) -> None:
        self.norm = norm
        self.items = {kind: [a for a in anchors if a.kind == kind and not a.blocked]
                      for kind in ("fund", "region", "qualifier", "indicator")}
        self.starts = {kind: [a.start for a in items] for kind, items in self.items.items()}
        self._chains: dict[str, list[int]] = {}
        self._runs: dict[tuple[str, int], list[int]] = {}
        self._where: dict[str, dict[str | None, list[int]]] = {}

    def _chain(self, kind: str) -> list[int]:
        """For each name, how many names end with it that are listed in a row (joined by 、和及 …)."""
        if kind not in self._chains:
            chain: list[int] = []
            items = self.items[kind]
            for j, a in enumerate(items):
                joined = j > 0 and LIST_SEPARATORS_RE.match(self.norm[items[j - 1].end:a.start] or "x")
                chain.append(chain[-1] + 1 if joined else 1)
            self._chains[kind] = chain
        return self._chains[kind]

    def starts_run(self, anchor: Anchor) -> bool:
        """No name of its kind is listed right before ``anchor`` (it heads its list)."""
        items = self.items[anchor.kind]
        j = next((i for i, a in enumerate(items) if a is anchor), None)
        return j is not None and self._chain(anchor.kind)[j] == 1

    def last_run(self, kind: str, n: int, before: int) -> list[Anchor]:
        """The last ``n`` names of ``kind`` listed in a row, all starting before ``before``."""
        if (kind, n) not in self._runs:
            self._runs[kind, n] = [j for j, length in enumerate(self._chain(kind)) if length >= n]
        ends = self._runs[kind, n]
        limit = bisect_left(self.starts[kind], before)  # names [0, limit) start before ``before``
        i = bisect_left(ends, limit) - 1
        if i < 0:
            return []
        j = ends[i]
        return self.items[kind][j - n + 1:j + 1]

    def last_distinct(self, kind: str, n: int, before: int) -> list[Anchor]:
        """The last mention of each of the last ``n`` different names starting before ``before``, in order."""
        if kind not in self._where:
            where: dict[str | None, list[int]] = {}
            for j, a in enumerate(self.items[kind]):
                where.setdefault(a.value, []).append(j)
            self._where[kind] = where
        limit = bisect_left(self.starts[kind], before)
        latest = [found[i - 1] for found in self._where[kind].values() if (i := bisect_left(found, limit)) > 0]
        if len(latest) < n:
            return []
        return [self.items[kind][j] for j in sorted(latest)[-n:]]

GLOSS_RE = re.compile(r"\([^()\d]{2,60}\)(?:[为是达共计约:\s]{0,3})$")


def _gloss(norm: str, start: int, pos: int) -> tuple[int, int] | None:
    """The span of a parenthesis without figures that ends right before the figure at ``pos``
    (only connectives between), if there is one."""
    m = GLOSS_RE.search(norm, start, pos)
    if m is None:
        return None
    return m.start(), m.start() + m.group().rindex(")") + 1


def _after_semicolon(norm: str, start: int, pos: int) -> bool:
    """The sentence starting at ``pos`` follows a semicolon (the items of one statement), not a full stop."""
    before = norm[max(start, pos - 12):pos].rstrip()
    return before.endswith((";", "；"))


def _datelines(text: str, offset: int) -> Spans:
    """Where ``text`` holds a news dateline or credit ("本报北京3月9日电", "(记者 李红梅)"): the place
    named there is where the item was filed, not what its figures are about."""
    return Spans((offset + m.start(), offset + m.end()) for m in datelines(text))


def _bare_money(norm: str, quantities: list[Quantity]) -> list[Quantity]:
    """A number written without its unit ("收入128254786.99。") among money figures that all use one
    unit (元, 万元 …) takes that unit: the writer dropped it, not the meaning."""
    factors = {q.value / q.number for q in quantities if q.unit == "yuan" and q.number}
    if len(factors) != 1:
        return quantities
    factor = factors.pop()
    out = []
    for q in quantities:
        text = norm[q.start:q.end]
        if q.unit is None and not q.in_range and not q.in_formula and ("." in text or q.number >= 10000) \
                and not re.match(r"\s*[\d\u4e00-\u9fff%/]", norm[q.end:q.end + 3]):  # "1.2024 年": a year
            q = replace(q, value=q.number * factor, unit="yuan")
        out.append(q)
    return out


def _money_fund(vocab, fund: str) -> str:
    """The fund of money allocated to ``fund``: itself when its labels name money (医疗救助补助资金), else
    its one part the code list names as money (the resident fund → its subsidy transfers, 补助资金)."""
    concept = vocab.funds[fund]
    if any(ALLOCATED_RE.search(label) for label in concept.labels_zh):
        return fund
    parts = [c.id for c in vocab.funds.values() if c.broader == fund
             and any(ALLOCATED_RE.search(label) for label in c.labels_zh)]
    return parts[0] if len(parts) == 1 else fund


def _populations(vocab) -> dict[str, str]:
    """Population word → the coverage rate measured against it, read off the rates' labels
    ("常住人口参保率" → 常住人口: coverage_rate_resident)."""
    found: dict[str, set[str]] = {}
    for concept in vocab.indicators.values():
        if concept.unit != "percent":
            continue
        for label in concept.labels_zh:
            m = re.fullmatch(r"(?:按|以)?([\u4e00-\u9fff]{1,4}人口)(?:计算的?|为基础计算的)?(?:参保率|覆盖率)", label)
            if m:
                found.setdefault(normalise(m.group(1)), set()).add(concept.id)
    return {word: ids.pop() for word, ids in sorted(found.items()) if len(ids) == 1}


def _tier_codes(vocab) -> dict[str, str]:
    """Ordinal numeral → the qualifier whose label is that tier (一 → the concept labelled 第一档)."""
    codes: dict[str, str] = {}
    for concept in vocab["qualifier"].values():
        for label in concept.labels_zh:
            m = re.fullmatch(r"第?([一二三四五])档", label)
            if m:
                codes.setdefault(m.group(1), concept.id)
    return codes


_GENERIC: dict[int, tuple[object, set[str]]] = {}  # id(vocab) → (vocab, labels): computed once per vocabulary


def _generic_labels(vocab) -> set[str]:
    """Head words such as 收入, 支出, 人数, 执行率: labels that end a longer label of another indicator."""
    cached = _GENERIC.get(id(vocab))
    if cached is not None and cached[0] is vocab:
        return cached[1]
    labels = [(label, c.id) for c in vocab.indicators.values() for label in c.labels_zh]
    found = {short for short, sid in labels
             if any(long != short and long.endswith(short) and lid != sid for long, lid in labels)}
    _GENERIC[id(vocab)] = (vocab, found)
    return found


class _Parens:
    """Where a paragraph opens and closes parentheses: "is this position inside" by bisection, not by
    counting over the sentence for every label and figure."""

    def __init__(self, norm: str, start: int, end: int) -> None:
        self.opens = [m.start() for m in re.finditer(r"\(", norm[start:end])]
        self.closes = [m.start() for m in re.finditer(r"\)", norm[start:end])]
        self.offset = start

    def inside(self, start: int, pos: int) -> bool:
        """More ( than ) in [start, pos), as :func:`_in_parens` counts them."""
        if pos <= start:
            return False
        lo, hi = start - self.offset, pos - self.offset
        opened = bisect_left(self.opens, hi) - bisect_left(self.opens, lo)
        closed = bisect_left(self.closes, hi) - bisect_left(self.closes, lo)
        return opened > closed


def _in_parens(norm: str, start: int, pos: int) -> bool:
    segment = norm[start:pos]
    return segment.count("(") > segment.count(")")


def _unlabelled(norm: str, start: int, end: int, anchors: list[Anchor], quants: list[Quantity]) -> str:
    """The text of [start, end) with every label and number cut out."""
    chars = list(norm[start:end])
    for span in [(a.start, a.end) for a in anchors] + [(q.start, q.end) for q in quants]:
        for i in range(max(span[0], start), min(span[1], end)):
            chars[i - start] = " "
    return "".join(chars)


def _quote_span(norm: str, c_start: int, c_end: int, q: Quantity, c_quants: list[Quantity]) -> tuple[int, int]:
    """The clause; for a clause listing several figures, just this figure's part of it."""
    figures = [x for x in c_quants if x.unit not in (None, "unsupported") and not x.in_formula]
    if len(figures) <= 1:  # (a thousands separator "299,665.73" can end a clause inside the figure)
        return _trim(norm, c_start, max(c_end, q.end))
    prev_end = max((x.end for x in figures if x.end <= q.start), default=c_start)
    start = max(prev_end, max((norm.rfind(ch, c_start, q.start) + 1 for ch in "、()"), default=c_start))
    return _trim(norm, start, q.end)


def _trim(norm: str, start: int, end: int) -> tuple[int, int]:
    return trim_span(norm, start, end, "、()（）")


class TextFacts:
    """Extractor: figures in running text (see :class:`TextExtractor`)."""

    name = "text"

    def extract(self, ctx: ReportContext) -> Iterator[Observation]:
        for f in TextExtractor(ctx.resolver, ctx.meta.default_fund, ctx.main_fund).extract(ctx.doc, ctx.norm, ctx.base):
            q = f.quantity
            yield ctx.observation(region=f.region, year=f.year, fund=f.fund, indicator=f.indicator, basis=f.basis,
                                  statistic=f.statistic, value=q.value, unit=ctx.unit_of(f.indicator, f.statistic),
                                  start=q.start, end=q.end, quote_start=f.quote_start, quote_end=f.quote_end,
                                  qualifier=f.qualifier, approximation=q.approximation)
