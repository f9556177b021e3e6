"""Turn label mentions into dimension values in the context of one report:
which region a name means, which year a clause speaks of, and what a heading implies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from yibao.graph.vocab import Vocabulary
from yibao.ingest.lexicon import Lexicon, Mention

YEAR_RE = re.compile(r"(?<![\d.])((?:19|20)\d\d)(?=\s*年|\s*[^\d年.%万亿元人个月-])")
# Words that point at the report's own region ("the whole city", "our prefecture").
DEICTIC_RE = re.compile(r"全市|我市|本市|市级|全州|我州|本州|全县|我县|本县|全区|我区|全省|我省|本省|全国")
RELATIVE_YEAR_RE = re.compile(r"上一?年度?|去年|上年同期|去年同期|年初(?=累计|余额|结余|滚存)")
ITEM_RE = re.compile(r"(?:资金|经费)$|专项")  # a budget line item ("…提升补助资金"), not "资金投入情况"
OWN_PART = ""  # fund_in_context: another fund's own component, which has no code
LEVEL_RANK = {"country": 0, "province": 1, "prefecture": 2, "county": 3, "pooling_area": 4}


@dataclass(frozen=True)
class Frame:
    """Dimension values in force at some point of the text (None: not stated)."""

    region: str | None = None
    year: int | None = None
    fund: str | None = None
    indicator: str | None = None
    basis: str | None = None
    weak: bool = False  # item or programme context: a figure needs a fund named in its sentence

    def merged(self, other: Frame) -> Frame:
        """Values of ``other`` override; weakness accumulates."""
        return Frame(
            other.region or self.region,
            other.year or self.year,
            other.fund or self.fund,
            other.indicator or self.indicator,
            other.basis or self.basis,
            self.weak or other.weak,
        )


class Resolver:
    """Report-aware interpretation of mentions."""

    def __init__(self, lexicon: Lexicon, home_region: str | None, report_year: int | None) -> None:
        self.lexicon = lexicon
        self.vocab: Vocabulary = lexicon.vocab
        self.home = home_region
        self.year = report_year
        self.home_chain = [home_region, *self.vocab.ancestors(home_region)] if home_region else []

    # -- regions ---------------------------------------------------------------
    def level_of(self, code: str) -> str:
        concept = self.vocab.regions.get(code)
        return concept.level if concept and concept.level else "county"

    def ancestor_at(self, code: str | None, level: str) -> str | None:
        """The region itself or its ancestor at ``level`` (e.g. the prefecture of a pool)."""
        if not code:
            return None
        for c in [code, *self.vocab.ancestors(code)]:
            if self.level_of(c) == level:
                return c
        return None

    def is_local(self, code: str) -> bool:
        """Within the home prefecture (or the home region's province for a province report)."""
        if not self.home:
            return False
        chain = [code, *self.vocab.ancestors(code)]
        anchor = self.ancestor_at(self.home, "prefecture") or self.ancestor_at(self.home, "province")
        return code in self.home_chain or (anchor is not None and anchor in chain)

    def region(self, mention: Mention) -> str | None:
        """The one region a name means here, or None when unknown or ambiguous."""
        candidates = list(mention.ids)
        if not mention.preferred:
            # short names of counties are only trusted near home; provinces and prefectures anywhere
            candidates = [c for c in candidates if self.is_local(c) or LEVEL_RANK.get(self.level_of(c), 3) <= 2]
        if len(candidates) > 1:
            local = [c for c in candidates if self.is_local(c)]
            candidates = local or candidates
        return candidates[0] if len(candidates) == 1 else None

    def deictic(self, word: str) -> str | None:
        """全市/全州 → home prefecture, 全省 → province, 全国 → 100000, 全县 → home."""
        if word == "全国":
            return "100000"
        if word.endswith("省"):
            return self.ancestor_at(self.home, "province")
        if word.endswith(("县", "区")):
            return self.home
        return self.ancestor_at(self.home, "prefecture") or self.home

    # -- years -------------------------------------------------------------------
    def plausible_year(self, year: int) -> bool:
        return self.year is None or self.year - 15 <= year <= self.year + 2

    # -- headings ----------------------------------------------------------------
    def heading_frame(self, text: str, offset: int = 0) -> Frame:
        """What a section heading implies for the figures under it."""
        funds = self.lexicon.funds(text)  # "职工基本医疗保险(含生育保险)": the employee fund, not maternity
        fund = funds[-1].id if funds else None
        regions = [r for r in (self.region(m) for m in self.lexicon.find(text, "region")) if r]
        basis = None
        if re.search(r"预算|预计", text) and not re.search(r"执行|完成|决算|绩效", text):
            basis = "budget"
        elif re.search(r"执行|决算", text):
            basis = "actual"
        weak = (fund is None and ITEM_RE.search(text.strip()) is not None) or bool(self.lexicon.find(text, "policy"))
        return Frame(region=regions[-1] if regions else None, fund=fund, basis=basis, weak=weak)

    def section_frame(self, norm: str, headings: list) -> Frame:
        frame = Frame()
        for heading in headings:
            frame = frame.merged(self.heading_frame(norm[heading.start:heading.end]))
        return frame

    def fund_in_context(self, mentioned: str, surface: str, context_fund: str | None) -> str:
        """A bare component name (统筹基金) under another fund's section means that fund's own part.

        "职工医保统筹基金" names its fund explicitly and is never reinterpreted.
        """
        concept = self.vocab.funds.get(mentioned)
        if concept is None or not concept.broader or not context_fund:
            return mentioned
        parent = self.vocab.funds[concept.broader]
        if any(label in surface for label in parent.labels_zh if len(label) >= 2):
            return mentioned
        context_top = self.vocab.top_fund(context_fund)
        if context_top == "all_basic":  # both schemes together have no 统筹基金 or 个人账户 of their own
            return mentioned
        if context_top != concept.broader and not self.vocab.funds[context_top].broader:
            return OWN_PART  # e.g. the resident fund's own 统筹基金: a part the code lists have no id for
        return mentioned


def with_fund(frame: Frame, fund: str | None) -> Frame:
    return replace(frame, fund=fund) if fund else frame
