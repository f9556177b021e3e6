"""Questions in Chinese or English → one of the canned queries → a sourced answer.

    answer = ask(store, "哪些地区基金可支付月数低于6个月？")
    answer.template, answer.parameters, answer.sparql, answer.rows

Steps: recognise what the question names (`yibao.qa.lexicon`: regions, funds, indicators, bases,
policies, numbers with units, years, comparison words); resolve ambiguous names from context
(another region named next to it, then the regions the graph holds data for) or ask; pick the
template from the words and entities present; turn values into the indicator's base unit
(二十亿元 → 2000000000 yuan) and refuse a unit that contradicts the indicator; run the canned
query with its parameters bound; merge the figures a report states several times into one row
(one row per fact, the first quote kept), rank or sort them deterministically and label them in
the question's language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from yibao.graph import namespaces as ns
from yibao.qa.lexicon import (
    FUND_SHORT_EN,
    FUND_SHORT_ZH,
    ROLE_LABELS,
    STATUS_LABELS,
    UNIT_SUFFIX_ZH,
    Entity,
    Number,
    QALexicon,
    Span,
    closest,
    find_numbers,
    find_spans,
    fold,
    has_cjk,
    leftovers,
    load_qa_lexicon,
)

if TYPE_CHECKING:
    import pyoxigraph as ox
    from yibao.graph.vocab import Vocabulary
    from yibao.qa.queries import BoundQuery

NON_BUDGET_BASES = ("actual", "policy", "derived")
BAND = (Decimal(95), Decimal(105))  # the budget-execution control standard the reports use
EXAMPLES = {
    "zh": (
        "哪些地区基金可支付月数低于6个月？",
        "累计结余超过20亿元的地区有哪些？",
        "株洲2022年职工医保统筹基金累计结余是多少？",
        "株洲各区县居民医保累计结余排名",
        "株洲历年职工医保参保人数",
        "哪些地区当期结余为负？",
        "哪些基金预算执行率不在95%到105%之间？",
        "青岛哪些区财政补助资金未足额到位？",
        "哪些地区实施了DRG付费？",
        "株洲牵头的集采联盟有哪些成员，节约了多少？",
        "各地门诊共济的起付线和报销比例",
        "株洲统筹基金累计结余28.03亿元出自哪份报告？",
    ),
    "en": (
        "Which regions have less than 6 months of cover?",
        "Which regions have a cumulative balance above 2 billion yuan?",
        "What was Zhuzhou's employee pooled fund cumulative balance in 2022?",
        "Rank Zhuzhou's counties by resident fund cumulative balance",
        "Zhuzhou employee enrollment over the years",
        "Which funds ran a deficit?",
        "Which budget execution rates are outside 95%-105%?",
        "Where have fiscal subsidies not fully arrived?",
        "Which regions have adopted DRG payment?",
        "Who are the members of the procurement alliance led by Zhuzhou and what did they save?",
        "What are the outpatient mutual aid deductibles and payment rates?",
        "Where does the Zhuzhou pooled fund cumulative balance of 2.803 billion come from?",
    ),
}


class QAError(Exception):
    """A question that cannot be answered, with a message in the question's language.

    kind: no_template | unknown_region | unknown_indicator | ambiguous | unit | missing | empty
    """

    def __init__(self, kind: str, message: str, lang: str = "en", examples: bool = False) -> None:
        super().__init__(message)
        self.kind, self.message, self.lang, self.examples = kind, message, lang, examples

    @property
    def exit_code(self) -> int:
        return 1 if self.kind == "empty" else 2


def _t(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


# --- columns of the answer table ------------------------------------------------------------------

HEADINGS = {
    "rank": ("排名", "Rank"), "region": ("地区", "Region"), "year": ("年份", "Year"), "fund": ("基金", "Fund"),
    "indicator": ("指标", "Indicator"), "basis": ("口径", "Basis"), "qualifier": ("适用对象", "Applies to"),
    "display": ("数值", "Value"), "due": ("应到位", "Due"), "received": ("实际到位", "Received"),
    "report": ("报告", "Report"), "quote": ("原文", "Quote"), "policy_label": ("政策", "Policy"),
    "policy_type": ("类型", "Type"), "role": ("角色", "Role"), "status": ("状态", "Status"),
    "start_year": ("起始年份", "Since"), "alliance": ("联盟", "Alliance"), "lead": ("牵头地区", "Lead"),
    "scope": ("范围", "Scope"), "title": ("报告标题", "Report title"), "offsets": ("位置", "Offsets"),
}
TABLE_COLUMNS = {
    "threshold": ("region", "year", "fund", "indicator", "basis", "display", "report", "quote"),
    "value": ("region", "year", "fund", "indicator", "basis", "display", "report", "quote"),
    "ranking": ("rank", "region", "year", "fund", "indicator", "basis", "display", "report", "quote"),
    "series": ("region", "year", "fund", "indicator", "basis", "display", "report", "quote"),
    "deficits": ("region", "year", "fund", "indicator", "basis", "display", "report", "quote"),
    "budget_execution": ("region", "year", "fund", "indicator", "basis", "display", "report", "quote"),
    "subsidy_arrival": ("region", "year", "fund", "basis", "display", "due", "received", "report", "quote"),
    "policy_adopters": ("region", "policy_label", "policy_type", "role", "status", "start_year", "year", "report",
                        "quote"),
    "alliance": ("alliance", "region", "role", "indicator", "qualifier", "display", "report", "quote"),
    "mutual_aid": ("region", "year", "policy_label", "fund", "indicator", "qualifier", "display", "report", "quote"),
    "provenance": ("region", "year", "fund", "indicator", "basis", "display", "report", "title", "offsets", "quote"),
}
ROW_KEYS = ("region_code", "region", "year", "fund", "indicator", "basis", "statistic", "value", "unit", "display",
            "report", "quote", "start", "end", "derived", "policy", "qualifier")
EXTRA_KEYS = {
    "ranking": ("rank",),
    "budget_execution": ("derived_from",),
    "subsidy_arrival": ("due", "received", "derived_from"),
    "policy_adopters": ("policy_label", "policy_type", "role", "status", "start_year", "start_date", "scope",
                        "renamed_to"),
    "alliance": ("policy_label", "role", "lead", "status", "start_year", "scope", "renamed_to", "policy_quote"),
    "mutual_aid": ("policy_label", "status", "start_year"),
    "provenance": ("title", "source_file", "sha256", "publisher", "issued", "graph", "observation"),
}


@dataclass
class Answer:
    question: str
    lang: str
    template: str
    parameters: dict[str, Any]
    sparql: str
    rows: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)
    description: str = ""
    vocab: Any = None

    def to_json(self) -> dict[str, Any]:
        return {"question": self.question, "template": self.template, "parameters": self.parameters,
                "sparql": self.sparql, "rows": self.rows}

    @property
    def columns(self) -> tuple[str, ...]:
        return TABLE_COLUMNS[self.template]

    def heading(self, column: str) -> str:
        zh, en = HEADINGS[column]
        return zh if self.lang == "zh" else en

    @property
    def keys(self) -> tuple[str, ...]:
        return ROW_KEYS + EXTRA_KEYS.get(self.template, ()) + ("other_quotes",)


# --- the question, recognised ---------------------------------------------------------------------

@dataclass
class Parsed:
    original: str
    text: str  # folded
    lang: str
    entities: list[Entity]
    numbers: list[Number]
    spans: list[Span]
    limit: int | None = None
    limit_span: tuple[int, int] | None = None

    def kw(self, kind: str) -> list[Span]:
        return [s for s in self.spans if s.kind == kind]

    def has(self, *kinds: str) -> bool:
        return any(s.kind in kinds for s in self.spans)


_LIMIT_RES = (
    re.compile(r"(?:前|top|bottom|倒数|最后|lowest|highest|largest|smallest)\s*(\d+|[一二两三四五六七八九十]+"
               r"|one|two|three|four|five|six|seven|eight|nine|ten)(?![0-9])\s*(?:名|位|个|大)?"),
    re.compile(r"(\d+|[一二两三四五六七八九十]+)\s*(?:个|家)?\s*(?:地区|城市|区县|地方|统筹区|市|县|区)"),
    re.compile(r"(\d+|one|two|three|four|five|six|seven|eight|nine|ten)\s+(?:regions|cities|counties|districts|places)"),
)
_WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                 "ten": 10}
_RANGE_JOINER_RE = re.compile(r"^\s*(?:-|~|～|—|–|－|至|到|and|to)\s*$")
_BETWEEN_RE = re.compile(r"between|之间|区间|范围")


def _limit(text: str) -> tuple[int | None, tuple[int, int] | None]:
    from yibao.qa.lexicon import parse_chinese_number

    for pattern in _LIMIT_RES:
        m = pattern.search(text)
        if m:
            raw = m.group(1)
            if raw.isdigit():
                n = int(raw)
            elif raw in _WORD_NUMBERS:
                n = _WORD_NUMBERS[raw]
            else:
                value = parse_chinese_number(raw)
                n = int(value) if value is not None else None
            if n and 0 < n < 1000:
                return n, (m.start(1), m.end(1))
    return None, None


def parse(question: str, lexicon: QALexicon, lang: str | None = None) -> Parsed:
    text = fold(question)
    detected = lang if lang in ("zh", "en") else ("zh" if has_cjk(question) else "en")
    spans = find_spans(text)
    limit, limit_span = _limit(text)
    blocked = [limit_span] if limit_span else []
    entities = lexicon.entities(text, blocked=blocked)
    covered = [(e.start, e.end) for e in entities] + blocked
    numbers = find_numbers(text, covered)
    # keywords inside a recognised name are part of the name (执行 in 预算执行率), except topic words
    keep_inside = {"subsidy", "savings", "short", "deficit", "provenance"}
    spans = [s for s in spans if s.kind in keep_inside or not _inside(s, entities)]
    return Parsed(question, text, detected, entities, numbers, spans, limit, limit_span)


def _inside(span: Span, entities: list[Entity]) -> bool:
    return any(e.start <= span.start and span.end <= e.end for e in entities)


# --- store look-ups (cached per store object) -----------------------------------------------------

_DATA_REGIONS_QUERY = f"""
SELECT DISTINCT ?r WHERE {{
  GRAPH ?g {{ ?s <{ns.YB}region>|<{ns.YB}adopter>|<{ns.YB}member>|<{ns.YB}leadRegion> ?r }}
  FILTER(?g != <{ns.ONTOLOGY_GRAPH}>)
}}"""
_ALLIANCE_NAMES_QUERY = f"""
SELECT DISTINCT ?label WHERE {{ GRAPH ?g {{ ?p a <{ns.YB}ProcurementAlliance> ; <{ns.RDFS}label> ?label }} }}"""
_LATEST_YEAR_QUERY = f"""
SELECT (MAX(?y) AS ?latest) WHERE {{ GRAPH ?g {{ ?o <{ns.YB}refYear> ?y ; <{ns.YB}region> ?r }} }}"""
_LATEST_YEAR_IN_QUERY = f"""
SELECT ?scope (MAX(?y) AS ?latest) WHERE {{
  GRAPH ?g {{ ?o <{ns.YB}refYear> ?y ; <{ns.YB}region> ?r }}
  FILTER EXISTS {{ GRAPH <{ns.ONTOLOGY_GRAPH}> {{ ?r <{ns.SKOS}broader>* ?scope }} }}
}} GROUP BY ?scope"""


class Context:
    """The store and vocabulary a question is answered against."""

    def __init__(self, store: ox.Store, lexicon: QALexicon | None = None) -> None:
        self.store = store
        self.lexicon = lexicon or load_qa_lexicon()
        self.vocab: Vocabulary = self.lexicon.vocab
        self._data_regions: set[str] | None = None
        self._alliances: list[str] | None = None

    def data_regions(self) -> set[str]:
        """Regions the reports hold figures or policies for, and every region above them."""
        if self._data_regions is None:
            found = {local(s["r"].value) for s in self.store.query(_DATA_REGIONS_QUERY)}
            closure = set(found)
            for code in found:
                closure.update(self.vocab.ancestors(code))
            self._data_regions = closure
        return self._data_regions

    def alliance_names(self) -> list[str]:
        """Names (rdfs:label) of the procurement alliances in the graph, longest first."""
        if self._alliances is None:
            rows = self.store.query(_ALLIANCE_NAMES_QUERY)
            self._alliances = sorted({s["label"].value for s in rows}, key=lambda n: (-len(n), n))
        return self._alliances

    def latest_year(self, region: str | None) -> int | None:
        import pyoxigraph as ox

        if region:
            rows = self.store.query(_LATEST_YEAR_IN_QUERY,
                                    substitutions={ox.Variable("scope"): ox.NamedNode(ns.code("region", region))})
        else:
            rows = self.store.query(_LATEST_YEAR_QUERY)
        for row in rows:
            if row["latest"] is not None:
                return int(row["latest"].value)
        return None


def local(iri: str | None) -> str | None:
    if iri is None:
        return None
    if iri.startswith(ns.REPORT):
        return iri[len(ns.REPORT):]
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


# --- interpretation -------------------------------------------------------------------------------

@dataclass
class Plan:
    template: str
    runs: list[dict[str, Any]]  # one parameter set per run of the canned query
    lang: str
    notes: list[str] = field(default_factory=list)
    limit: int | None = None
    order: str = "desc"
    fallback_scope: bool = False  # value lookups: retry with the regions below when the region has none


POLICY_SCHEMES = ("policy", "qualifier")
SCHEME_ORDER_FACTS = ("region", "fund", "indicator", "basis", "statistic", "policy", "qualifier")
SCHEME_ORDER_POLICY = ("policy", "qualifier", "region", "indicator", "fund", "basis", "statistic")
POLICY_INDICATORS = ("procurement_savings", "price_reduction_avg", "price_reduction_max", "products_count",
                     "institutions_covered", "diseases_covered", "payment_rate", "deductible", "annual_cap",
                     "policy_expenditure", "settlements")
MUTUAL_AID_INDICATORS = ("payment_rate", "deductible", "annual_cap", "policy_expenditure", "settlements")
UNIT_NAMES = {"yuan": ("元", "yuan"), "month": ("月", "months"), "percent": ("百分比", "percent"),
              "person": ("人", "persons"), "person_time": ("人次", "visits"),
              "yuan_per_person": ("元/人", "yuan per person"), "yuan_per_person_month": ("元/人·月", "yuan per person-month"),
              "item": ("个", "items"), "institution": ("家", "institutions")}
COMPATIBLE_UNITS = {"yuan": {"yuan", "yuan_per_person", "yuan_per_person_month"}}


class Interpreter:
    def __init__(self, ctx: Context, parsed: Parsed) -> None:
        self.ctx, self.p, self.vocab = ctx, parsed, ctx.vocab
        self.lang = parsed.lang
        self.notes: list[str] = []
        self.alliances: list[str] = []
        self.extra_spans: list[tuple[int, int]] = []
        for name in ctx.alliance_names():  # 五市联盟, 株洲市际联盟: names the graph knows
            at = parsed.text.find(fold(name))
            if at >= 0 and not any(a < at + len(name) and at < b for a, b in self.extra_spans):
                self.alliances.append(name)
                self.extra_spans.append((at, at + len(name)))
        if self.alliances:  # a region inside an alliance's name (株洲 in 株洲市际联盟) is part of the name
            parsed.entities = [e for e in parsed.entities
                               if not any(a <= e.start and e.end <= b for a, b in self.extra_spans)]
        only_policy = any(set(e.schemes) <= set(POLICY_SCHEMES) and "policy" in e.schemes for e in parsed.entities)
        maybe_policy = any("policy" in e.schemes for e in parsed.entities)
        names_indicator = any(e.schemes == ["indicator"] for e in parsed.entities)
        self.policy_context = bool(parsed.has("alliance") or self.alliances or only_policy or maybe_policy and (
            parsed.has("adopt") or not names_indicator))
        order = SCHEME_ORDER_POLICY if self.policy_context else SCHEME_ORDER_FACTS
        self.by_scheme: dict[str, list[tuple[Entity, list[str]]]] = {s: [] for s in order}
        for e in parsed.entities:
            scheme = next(s for s in order if s in e.schemes)
            self.by_scheme[scheme].append((e, e.ids(scheme)))

    def t(self, zh: str, en: str) -> str:
        return _t(self.lang, zh, en)

    def label(self, scheme: str, ident: str) -> str:
        return concept_label(self.vocab, scheme, ident, self.lang)

    # -- entities ------------------------------------------------------------------------------
    def ids(self, scheme: str) -> list[str]:
        out: list[str] = []
        for _, ids in self.by_scheme.get(scheme, []):
            out += [i for i in ids if i not in out]
        return out

    def regions(self) -> list[str]:
        mentions = self.by_scheme["region"]
        resolved: list[tuple[Entity, str]] = []
        all_candidates = {i for _, ids in mentions for i in ids}
        for entity, ids in mentions:
            candidates = list(ids)
            if len(candidates) > 1:  # context: another region named in the question above one of them
                others = all_candidates - set(candidates)
                near = [c for c in candidates if others & set(self.vocab.ancestors(c))]
                candidates = near or candidates
            if len(candidates) > 1:  # context: the regions the graph holds data for
                with_data = [c for c in candidates if c in self.ctx.data_regions()]
                candidates = with_data or candidates
            if len(candidates) > 1:
                shown = ", ".join(f"{self.region_name(c, True)} ({c})" for c in sorted(candidates)[:6])
                surface = self.as_written(entity.start, entity.end)
                raise QAError("ambiguous", self.t(f"地区“{surface}”有歧义：{shown}；请写明所属省市",
                                                  f"region '{surface}' is ambiguous: {shown}; "
                                                  "name its province or city too"), self.lang)
            resolved.append((entity, candidates[0]))
        codes = [code for _, code in resolved]
        # "青岛市北区", "湖南株洲": an ancestor written right before a region only locates it
        keep = []
        for i, (entity, code) in enumerate(resolved):
            after = resolved[i + 1] if i + 1 < len(resolved) else None
            gap = self.p.text[entity.end:after[0].start] if after else None
            if after and code in self.vocab.ancestors(after[1]) and gap is not None and \
                    re.fullmatch(r"[\s省市州的,，'’s]*", gap):
                continue
            keep.append(code)
        codes = list(dict.fromkeys(keep))
        if "100000" in codes:  # 全国 / China: every region
            codes.remove("100000")
        return codes

    def region_name(self, code: str, with_parent: bool = False) -> str:
        name = self.label("region", code)
        if with_parent:
            parents = self.vocab.ancestors(code)
            if parents and parents[0] != "100000":
                parent = self.label("region", parents[0])
                return f"{parent}{name}" if self.lang == "zh" else f"{name}, {parent}"
        return name

    def funds(self) -> list[str]:
        return self.ids("fund")

    def bases(self, default: tuple[str, ...] | None = NON_BUDGET_BASES) -> list[str] | None:
        found = self.ids("basis")
        if not found:
            return list(default) if default is not None else None
        out = []
        for b in found:
            out += ["budget", "adjusted_budget"] if b == "budget" else [b]
        return list(dict.fromkeys(out))

    def statistic(self) -> str:
        stats = self.ids("statistic")
        return stats[0] if stats else "level"

    def indicators(self) -> list[str]:
        """The indicators named; "支出" + "预算执行率" (expenditure + execution rate) is one indicator,
        the execution rate of expenditure."""
        mentions = self.by_scheme["indicator"]
        rate_of = {c.rate_of: c.id for c in self.vocab.indicators.values() if c.rate_of}
        out: list[str] = []
        skip: set[int] = set()
        for i, (entity, ids) in enumerate(mentions):
            after = mentions[i + 1] if i + 1 < len(mentions) else None
            if after and "budget_execution_rate" in after[1] and re.fullmatch(r"[\s的]*", self.p.text[entity.end:after[0].start]):
                rates = [rate_of[x] for x in ids if x in rate_of]
                if rates:
                    out += [r for r in rates if r not in out]
                    skip.add(i + 1)
                    continue
            if i not in skip:
                out += [x for x in ids if x not in out]
        return out

    def unit_of(self, indicator: str) -> str | None:
        concept = self.vocab.indicators.get(indicator)
        return concept.unit if concept else None

    # -- numbers and years ---------------------------------------------------------------------
    def classify_numbers(self) -> tuple[list[Number], list[int]]:
        """(values, years): a year right after a comparison word is a value (超过2000)."""
        values, years = [], []
        for n in self.p.numbers:
            cmp_before = self.comparator_for(n)
            if n.year is not None and not (cmp_before and not n.raw.endswith(("年", "年度"))):
                years.append(n.year)
            elif n.unit != "item" or not re.match(r"\s*(?:地区|城市|区县|地方)", self.p.text[n.end:]):
                values.append(n)
        return values, years

    def comparator_for(self, n: Number) -> str | None:
        """The comparison word that governs `n`: the closest one before it ("低于6个月", "less than
        six months") or one right after it ("6个月以下", "95% or more")."""
        text = self.p.text
        best = None
        for s in self.p.kw("cmp"):
            if s.value.startswith("post"):
                gap = text[n.end:s.start]
                if s.start >= n.end and len(gap) <= 3 and re.fullmatch(r"[\s的]*", gap):
                    return s.value[4:]
            elif s.end <= n.start:
                gap = text[s.end:n.start]
                if len(gap) <= 14 and _CMP_GAP_RE.fullmatch(gap):
                    best = s.value
        return best

    def year_params(self, region: str | None) -> list[int | None]:
        _, years = self.classify_numbers()
        relative = self.p.kw("relyear")
        if relative:
            offset = int(relative[0].value)
            if years:
                reference, why = years[0], self.t(f"问题中的{years[0]}年", f"{years[0]} in the question")
            else:
                reference = self.ctx.latest_year(region)
                if reference is None:
                    return [None]
                why = self.t(f"图中{'该地区' if region else ''}最近的年份{reference}年",
                             f"the latest year in the graph{' for that region' if region else ''}, {reference}")
            year = reference + offset
            self.notes.append(self.t(f"“{relative[0].surface}”按{why}推算为{year}年",
                                     f"'{relative[0].surface}' read as {year} (relative to {why})"))
            return [year]
        return list(dict.fromkeys(years)) or [None]

    def value_in_unit(self, n: Number, indicator: str, statistic: str) -> Decimal:
        """The number in the indicator's base unit; raises QAError when the unit contradicts it."""
        target = "percent" if statistic in ("growth_rate", "share") else self.unit_of(indicator)
        unit = n.unit
        name = self.label("indicator", indicator)
        if unit is None:
            if target in ("yuan", "person", "person_time"):
                raise QAError("unit", self.t(
                    f"数值“{n.raw}”没有单位；{name}以{UNIT_NAMES[target][0]}计，请写明单位（如20亿元、5000万元、50万人）",
                    f"the value '{n.raw}' has no unit; {name} is counted in {UNIT_NAMES[target][1]}: "
                    "add one (e.g. 2 billion yuan, 50 million yuan, 500 thousand persons)"), self.lang)
            return n.value
        if unit == "scale":
            if target in ("yuan", "person", "person_time"):
                return n.value
            unit = None
        if target is None or unit == target or unit in COMPATIBLE_UNITS.get(target, ()) or \
                target in COMPATIBLE_UNITS.get(unit or "", ()):
            return n.value
        shown_unit = UNIT_NAMES.get(unit or "", (n.unit_text, n.unit_text))
        shown_target = UNIT_NAMES.get(target, (target, target))
        raise QAError("unit", self.t(
            f"单位不符：“{n.raw}”的单位是{shown_unit[0]}，而{name}以{shown_target[0]}计",
            f"unit mismatch: '{n.raw}' is in {shown_unit[1]}, but {name} is measured in {shown_target[1]}"),
            self.lang)

    # -- the unknown -----------------------------------------------------------------------------
    def as_written(self, start: int, end: int) -> str:
        """The question's own text for a span of the folded text (folding keeps offsets)."""
        return self.p.original[start:end]

    def written(self, word: str) -> str:
        at = self.p.text.find(word)
        return self.as_written(at, at + len(word)) if at >= 0 else word

    def recognised_spans(self) -> list[tuple[int, int]]:
        spans = [(e.start, e.end) for e in self.p.entities] + [(n.start, n.end) for n in self.p.numbers]
        spans += [(s.start, s.end) for s in self.p.spans] + self.extra_spans
        if self.p.limit_span:
            spans.append(self.p.limit_span)
        return spans

    def unknown(self, scheme: str) -> QAError | None:
        """A clear message about a word that looks like an unknown `scheme` name, if any."""
        words = leftovers(self.p.text, self.recognised_spans())
        if not words:
            return None
        best: tuple[float, str, list] | None = None
        for word in words:
            found = closest(scheme, word)
            if found and (best is None or found[0][0] > best[0]):
                best = (found[0][0], word, found)
        if best is None:
            word = self.written(words[0])
            return QAError(f"unknown_{scheme}", self.t(f"不认识的{_SCHEME_ZH[scheme]}“{word}”",
                                                       f"unknown {scheme} '{word}'"), self.lang)
        _, word, found = best
        word = self.written(word)
        shown = ", ".join(f"{label} ({ident})" for _, label, ident in found)
        return QAError(f"unknown_{scheme}", self.t(f"不认识的{_SCHEME_ZH[scheme]}“{word}”；最接近的有：{shown}",
                                                   f"unknown {scheme} '{word}'; closest known: {shown}"), self.lang)

    def need_indicator(self, candidates: list[str] | None = None) -> str:
        indicators = candidates if candidates is not None else self.indicators()
        if len(indicators) == 1:
            return indicators[0]
        if not indicators:
            error = self.unknown("indicator")
            if error:
                raise error
            raise QAError("missing", self.t("问题里没有可识别的指标（如可支付月数、累计结余、基金收入）",
                                            "the question names no indicator I know (e.g. months of cover, "
                                            "cumulative balance, fund income)"), self.lang, examples=True)
        shown = "、".join(self.label("indicator", i) for i in indicators) if self.lang == "zh" else \
            ", ".join(self.label("indicator", i) for i in indicators)
        raise QAError("ambiguous", self.t(f"问题里有多个指标（{shown}），请只问一个",
                                          f"the question names several indicators ({shown}); ask about one"),
                      self.lang)

    def pick_indicator(self, value: Number | None, statistic: str) -> str:
        """One indicator: the one whose unit fits the value; else the last of a compound (累计结余可支付月数)."""
        indicators = self.indicators()
        if len(indicators) > 1 and value is not None and value.unit not in (None, "scale"):
            fitting = []
            for i in indicators:
                try:
                    self.value_in_unit(value, i, statistic)
                    fitting.append(i)
                except QAError:
                    pass
            indicators = fitting or indicators
        if len(indicators) > 1:
            mentions = [e for e, ids in self.by_scheme["indicator"] if set(ids) & set(indicators)]
            adjacent = all(re.fullmatch(r"[\s的]*", self.p.text[a.end:b.start]) for a, b in zip(mentions, mentions[1:]))
            if adjacent and mentions:
                indicators = [i for i in mentions[-1].ids("indicator") if i in indicators][:1]
        return self.need_indicator(indicators)

    # -- templates -------------------------------------------------------------------------------
    def plan(self) -> Plan:
        p = self.p
        regions = self.regions()
        if not regions and (self.by_scheme["indicator"] or self.funds() or self.ids("policy") or self.p.numbers):
            self.check_unknown_region()  # only in a question that is otherwise about the graph ("你好" is not)
        if p.has("provenance") and not self.ids("policy"):
            return self.plan_provenance(regions)
        if self.policy_context or self.ids("policy"):
            return self.plan_policy(regions)
        indicators = self.indicators()
        values, _ = self.classify_numbers()
        if not indicators:  # "covers fewer than 6 months": the only indicator counted in months
            units = {n.unit for n in values if self.comparator_for(n) and n.unit not in (None, "scale")}
            by_unit = [c.id for c in self.vocab.indicators.values()
                       if c.unit in units and not getattr(c, "policy_only", False)]
            if len(units) == 1 and len(by_unit) == 1:
                indicators = by_unit
                self.by_scheme["indicator"].append((Entity(0, 0, "", (("indicator", by_unit[0]),), False), by_unit))
                self.notes.append(self.t(f"按单位推断指标为{self.label('indicator', by_unit[0])}",
                                         f"indicator inferred from the unit: {self.label('indicator', by_unit[0])}"))
        execution = [i for i in indicators if self._is_execution_rate(i)]
        subsidy_terms = {"fiscal_subsidy_arrival_rate", "fiscal_subsidy_received", "fiscal_subsidy_due"}
        compared = [n for n in values if self.comparator_for(n)]
        if p.has("deficit") or (indicators == ["current_balance"] and any(
                self.comparator_for(n) in ("<", "<=") and n.value == 0 for n in compared)):
            return self.plan_simple("deficits", regions)
        if p.has("short") and (p.has("subsidy") or set(indicators) & subsidy_terms or not indicators):
            return self.plan_subsidy(regions, None)
        if indicators == ["fiscal_subsidy_arrival_rate"] and compared and self.comparator_for(compared[0]) == "<":
            return self.plan_subsidy(regions, compared[0])
        if p.has("subsidy") and _ARRIVAL_STATUS_RE.search(p.text) and "fiscal_subsidy_arrival_rate" not in indicators:
            plan = self.plan_subsidy(regions, None)  # 到位情况: every arrival rate, stated or derived
            for run in plan.runs:
                run["below"] = Decimal(10) ** 6
            self.notes.append(self.t("列出所有到位率（含推算值），不限于未足额到位的",
                                     "listing every arrival rate (stated or derived), not only those below 100%"))
            return plan
        if execution or (p.has("band") and not indicators and ("执行" in p.text or "execution" in p.text)):
            return self.plan_execution(regions, execution, values)
        if compared and indicators:
            return self.plan_threshold(regions, compared[0])
        if p.has("series") and indicators:
            return self.plan_series(regions)
        if indicators and (p.has("rank", "desc", "asc") or p.limit):
            plan = self.plan_ranking(regions)
            if plan.limit is None and p.has("desc", "asc") and _SINGULAR_RE.search(p.text):
                plan.limit = 1  # "哪个地区…最低", "which region has the lowest …": the first of each fund
            return plan
        if indicators and regions:
            return self.plan_value(regions)
        if indicators:
            return self.plan_ranking(regions)
        if regions or self.funds() or values or self.ids("basis"):
            error = self.unknown("indicator")
            if error:
                raise error
            raise QAError("missing", self.t("问题里没有可识别的指标（如可支付月数、累计结余、基金收入）",
                                            "the question names no indicator I know (e.g. months of cover, "
                                            "cumulative balance, fund income)"), self.lang, examples=True)
        raise QAError("no_template", self.t(f"无法回答“{p.original.strip()}”：没有匹配的问题模板",
                                            f"cannot answer '{p.original.strip()}': no question template matches"),
                      self.lang, examples=True)

    def check_unknown_region(self) -> None:
        """A word that looks like a misspelt or unknown place name → a message naming the closest regions."""
        for word in leftovers(self.p.text, self.recognised_spans()):
            if not _region_like(word, self.p.original):
                continue
            found = closest("region", word)
            if found and (found[0][0] >= 0.5 if has_cjk(word) else found[0][0] >= 0.75):
                shown = ", ".join(f"{label} ({ident})" for _, label, ident in found)
                word = self.written(word)
                raise QAError("unknown_region", self.t(f"不认识的地区“{word}”；最接近的有：{shown}",
                                                       f"unknown region '{word}'; closest known: {shown}"), self.lang)
            if has_cjk(word) and re.search(r"(?:市|县|区|州|省|盟|旗)$", word):
                raise QAError("unknown_region", self.t(f"不认识的地区“{word}”", f"unknown region '{word}'"), self.lang)

    def _looks_like_place(self) -> bool:
        return bool(re.search(r"[\u4e00-\u9fff]{1,8}(?:市|县|区|州|省|盟|旗)|[A-Z][a-z]{3,}", self.p.original))

    def _is_execution_rate(self, indicator: str) -> bool:
        concept = self.vocab.indicators.get(indicator)
        return indicator == "budget_execution_rate" or bool(concept and concept.rate_of)

    def _scoped_runs(self, regions: list[str], base: dict[str, Any], key: str = "regionScope",
                     years: list[int | None] | None = None, year_key: str = "year") -> list[dict[str, Any]]:
        runs = []
        for region in regions or [None]:
            for year in years if years is not None else self.year_params(region):
                run = dict(base)
                if region:
                    run[key] = region
                if year is not None:
                    run[year_key] = year
                runs.append(run)
        return runs

    def plan_simple(self, template: str, regions: list[str]) -> Plan:
        base: dict[str, Any] = {"fundScope": self.funds(), "basis": self.bases()}
        return Plan(template, self._scoped_runs(regions, base), self.lang, self.notes)

    def plan_threshold(self, regions: list[str], number: Number) -> Plan:
        statistic = self.statistic()
        indicator = self.pick_indicator(number, statistic)
        value = self.value_in_unit(number, indicator, statistic)
        op = self.comparator_for(number) or "<"
        base = {"indicator": indicator, "op": op, "threshold": value, "statistic": statistic,
                "fundScope": self.funds(), "basis": self.bases()}
        return Plan("threshold", self._scoped_runs(regions, base), self.lang, self.notes)

    def plan_subsidy(self, regions: list[str], number: Number | None) -> Plan:
        base: dict[str, Any] = {"fundScope": self.funds()}
        if number is not None:
            base["below"] = self.value_in_unit(number, "fiscal_subsidy_arrival_rate", "level")
        return Plan("subsidy_arrival", self._scoped_runs(regions, base), self.lang, self.notes)

    def plan_execution(self, regions: list[str], execution: list[str], values: list[Number]) -> Plan:
        specific = [i for i in execution if i != "budget_execution_rate"]
        every_rate = sorted(i for i in self.vocab.indicators if self._is_execution_rate(i))
        base: dict[str, Any] = {"indicator": specific or every_rate, "fundScope": self.funds()}
        low, high, op = BAND[0], BAND[1], "outside"
        numbers = [n for n in values if n.unit in (None, "percent")]
        pair = self._range(numbers)
        if pair:
            low, high = pair
        elif numbers and self.comparator_for(numbers[0]):
            op = self.comparator_for(numbers[0]) or "outside"
            value = self.value_in_unit(numbers[0], "budget_execution_rate", "level")
            if op in ("<", "<="):
                low = value
            else:
                high = value
        elif numbers:
            raise QAError("missing", self.t("请说明是低于、高于还是超出某个区间（如“低于95%”“不在95%到105%之间”）",
                                            "say below, above or outside which band (e.g. 'below 95%', "
                                            "'outside 95%-105%')"), self.lang)
        base.update({"low": low, "high": high, "op": op})
        return Plan("budget_execution", self._scoped_runs(regions, base), self.lang, self.notes)

    def _range(self, numbers: list[Number]) -> tuple[Decimal, Decimal] | None:
        for a, b in zip(numbers, numbers[1:]):
            if _RANGE_JOINER_RE.match(self.p.text[a.end:b.start]):
                return (min(a.value, b.value), max(a.value, b.value))
        if len(numbers) >= 2 and _BETWEEN_RE.search(self.p.text):
            return (min(numbers[0].value, numbers[1].value), max(numbers[0].value, numbers[1].value))
        return None

    def listed_indicators(self) -> list[str]:
        """Indicators named as a list ("累计结余和可支付月数", "income and expenditure"), else one."""
        mentions = self.by_scheme["indicator"]
        if len(mentions) > 1 and all(_CONJUNCTION_RE.fullmatch(self.p.text[a[0].end:b[0].start])
                                     for a, b in zip(mentions, mentions[1:])):
            listed = self.indicators()
            if len(listed) == len(mentions):
                return listed
        return [self.pick_indicator(None, self.statistic())]

    def plan_series(self, regions: list[str]) -> Plan:
        indicators = self.listed_indicators()
        if not regions:
            error = self.unknown("region") if self._looks_like_place() else None
            raise error or QAError("missing", self.t("时间序列需要一个地区，如“株洲历年职工医保参保人数”",
                                                     "a time series needs a region, e.g. 'Zhuzhou employee "
                                                     "enrollment over the years'"), self.lang)
        base = {"fundScope": self.funds(), "basis": self.bases(), "statistic": self.statistic()}
        runs = [dict(base, region=r, indicator=i) for r in regions for i in indicators]
        return Plan("series", runs, self.lang, self.notes)

    def plan_ranking(self, regions: list[str]) -> Plan:
        indicator = self.pick_indicator(None, self.statistic())
        order = "asc" if self.p.has("asc") and not self.p.has("desc") else "desc"
        if self.p.has("asc") and self.p.has("desc"):
            order = "asc" if min(s.start for s in self.p.kw("asc")) < min(s.start for s in self.p.kw("desc")) \
                else "desc"
        base: dict[str, Any] = {"indicator": indicator, "order": order, "statistic": self.statistic(),
                                "fundScope": self.funds(), "basis": self.bases()}
        if len(regions) > 1:  # compare the regions named: each one's own figures
            runs = []
            for region in regions:
                for year in self.year_params(region):
                    runs.append(dict({k: v for k, v in base.items() if k != "order"}, region=region,
                                     **({"year": year, "latestOnly": False} if year else {})))
            return Plan("ranking", runs, self.lang, self.notes, limit=self.p.limit, order=order)
        runs = self.region_year_runs(base, regions, "regionScope", {"latestOnly": False})
        return Plan("ranking", runs, self.lang, self.notes, limit=self.p.limit, order=order)

    def plan_value(self, regions: list[str]) -> Plan:
        base = {"fundScope": self.funds(), "basis": self.bases(), "statistic": self.statistic()}
        runs = []
        for region, indicator in ((r, i) for r in regions for i in self.listed_indicators()):
            for year in self.year_params(region):
                run = dict(base, region=region, indicator=indicator)
                if year is not None:
                    run.update(year=year, latestOnly=False)
                runs.append(run)
        return Plan("value", runs, self.lang, self.notes, fallback_scope=True)

    def plan_provenance(self, regions: list[str]) -> Plan:
        values, _ = self.classify_numbers()
        number = values[0] if values else None
        statistic = self.statistic()
        indicator = self.pick_indicator(number, statistic)
        base: dict[str, Any] = {"indicator": indicator, "fundScope": self.funds(), "basis": self.bases(None),
                                "statistic": statistic}
        if number is not None:
            target = self.value_in_unit(number, indicator, statistic)
            base.update(matchValue=True, target=target, tolerance=_tolerance(number, target))
        runs = self.region_year_runs(base, regions, "region", {})
        return Plan("provenance", runs, self.lang, self.notes)

    def region_year_runs(self, base: dict[str, Any], regions: list[str], region_key: str,
                         with_year: dict[str, Any]) -> list[dict[str, Any]]:
        """One run of a query per region (or one without) and per year the question implies."""
        runs = []
        for region in regions or [None]:
            for year in self.year_params(region):
                run = dict(base)
                if region:
                    run[region_key] = region
                if year is not None:
                    run.update(year=year, **with_year)
                runs.append(run)
        return runs

    def plan_policy(self, regions: list[str]) -> Plan:
        p = self.p
        policies = self.ids("policy")
        indicators = self.indicators()
        _, years = self.classify_numbers()
        if p.has("alliance") or self.alliances or \
                (p.has("savings") and (not policies or "volume_based_procurement" in policies)) or \
                (policies == ["volume_based_procurement"] and set(indicators) & {"procurement_savings",
                                                                                  "price_reduction_avg"}):
            base: dict[str, Any] = {"indicator": [i for i in indicators if i in POLICY_INDICATORS]}
            if self.alliances:
                base["label"] = self.alliances
            years_or_any: list[int | None] = list(dict.fromkeys(years)) or [None]
            if regions and re.search(r"牵头|领头|主导|led by|leads|lead region|leading", p.text):
                runs = [dict(base, lead=[r], **({"reportYear": y} if y else {})) for r in regions for y in years_or_any]
            else:
                runs = self._scoped_runs(regions, base, years=years_or_any, year_key="reportYear")
            return Plan("alliance", runs, self.lang, self.notes)
        qualifiers = self.ids("qualifier")
        if "outpatient_mutual_aid" in policies and (
                p.has("params") or set(indicators) & set(MUTUAL_AID_INDICATORS) or qualifiers):
            base = {"indicator": [i for i in indicators if i in POLICY_INDICATORS], "qualifier": qualifiers}
            runs = self._scoped_runs(regions, base, years=list(dict.fromkeys(years)) or [None])
            return Plan("mutual_aid", runs, self.lang, self.notes)
        if not policies:
            raise QAError("missing", self.t("请说明是哪项政策（如DRG、DIP、带量采购、门诊共济）",
                                            "name the policy (e.g. DRG, DIP, volume-based procurement, "
                                            "outpatient mutual aid)"), self.lang, examples=True)
        base = {"policyScope": policies}
        runs = self._scoped_runs(regions, base, years=list(dict.fromkeys(years)) or [None])
        return Plan("policy_adopters", runs, self.lang, self.notes)


_SCHEME_ZH = {"region": "地区", "indicator": "指标", "fund": "基金", "policy": "政策"}
_ARRIVAL_STATUS_RE = re.compile(r"到位情况|到位了吗|是否到位|有没有到位|到位状况|到位多少|arrival status|arrived|have arrived")
_CONJUNCTION_RE = re.compile(r"\s*(?:和|与|及|以及|、|,|，|and|&|plus)\s*")
_SINGULAR_RE = re.compile(r"哪个|哪一个|哪家|哪座|哪里|which (?:region|city|county|district|prefecture|place|fund)(?!s)"
                          r"|what (?:region|city|county|district|place)(?!s)|(?<![a-z])where(?![a-z])")
_CMP_GAP_RE = re.compile(r"\s*(?:(?:the|of|than|a|an|about|around|approximately|roughly|为|是|于|了|约|大约|仅|只有)\s*)*")


def _tolerance(number: Number, target: Decimal) -> Decimal:
    """How far a stored figure may be from the one asked about: half a unit of the last digit written
    (28.03亿元 → ±0.005亿元), and at least 0.5 % (the gold-standard tolerance of yibao.evaluate)."""
    written = re.match(r"^-?\d[\d,]*(?:\.(\d+))?", number.raw)
    half_step = Decimal("0.5")
    if written:
        as_written = Decimal(written.group(0).replace(",", ""))
        factor = number.value / as_written if as_written else Decimal(1)
        decimals = len(written.group(1) or "")
        half_step = Decimal("0.5") * Decimal(10) ** -decimals * factor
    return max(abs(target) * Decimal("0.005"), abs(half_step))


@lru_cache(maxsize=1)
def _domain_words() -> tuple[str, ...]:
    """Every zh label of the non-region schemes: words inside them are not place names."""
    from yibao.qa.lexicon import ZH_SYNONYMS, default_qa_lexicon

    words = [k for k, slot in default_qa_lexicon().keys.items() if any(s != "region" for s, _ in slot)]
    for by_id in ZH_SYNONYMS.values():
        for synonyms in by_id.values():
            words += list(synonyms)
    return tuple(w for w in words if has_cjk(w))


def _region_like(word: str, original: str) -> bool:
    if has_cjk(word):
        if re.search(r"(?:市|县|区|州|省|盟|旗)$", word):
            return True
        return 2 <= len(word) <= 4 and not any(word in label for label in _domain_words())
    return bool(re.search(r"\b" + re.escape(word[:1].upper() + word[1:]) + r"\b", original))


def concept_label(vocab: Vocabulary, scheme: str, ident: str | None, lang: str) -> str:
    if ident is None:
        return ""
    if scheme == "fund":
        short = (FUND_SHORT_ZH if lang == "zh" else FUND_SHORT_EN).get(ident)
        if short:
            return short
    concept = vocab[scheme].get(ident)
    if concept is None:
        return ident
    if lang == "en":
        return concept.label_en or concept.label_zh or ident
    return concept.label_zh or concept.label_en or ident


# --- running and shaping the rows -----------------------------------------------------------------

def _number(value: Any) -> Any:
    """A Decimal as a JSON number (int when whole)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral() else float(value)
    return value


def _plain(value: Any) -> str | None:
    if value is None:
        return None
    from yibao.ingest.quantities import plain

    return plain(Decimal(value))


class Shaper:
    """Raw solutions → answer rows in the question's language."""

    def __init__(self, vocab: Vocabulary, lang: str) -> None:
        self.vocab, self.lang = vocab, lang

    def display(self, value: Any, unit: str | None) -> str:
        from yibao.display import display

        if value is None:
            return ""
        if unit is None:
            return _plain(value) or ""
        text = display(value, unit, self.lang)
        if self.lang == "zh" and unit in UNIT_SUFFIX_ZH and text.endswith(unit):
            text = text[: -len(unit)] + UNIT_SUFFIX_ZH[unit]
        return text

    def fact(self, s: dict[str, Any], template: str) -> dict[str, Any]:
        region = local(s.get("region"))
        unit = local(s.get("unit"))
        derived = bool(s.get("derived"))
        row: dict[str, Any] = {
            "region_code": region,
            "region": concept_label(self.vocab, "region", region, self.lang),
            "year": s.get("year") if s.get("year") is not None else s.get("reportYear"),
            "fund": local(s.get("fund")),
            "indicator": local(s.get("indicator")),
            "basis": local(s.get("basis")),
            "statistic": local(s.get("statistic")),
            "value": _number(s.get("value")),
            "unit": unit,
            "display": self.display(s.get("value"), unit),
            "report": local(s.get("report")),
            "quote": s.get("quote"),
            "start": s.get("start"),
            "end": s.get("end"),
            "derived": derived,
            "policy": local_policy(s.get("policy")),
            "qualifier": local(s.get("qualifier") or s.get("obsQualifier")),
            "_period": local(s.get("period")),
        }
        if derived:
            parts = [(s.get("numIndicator"), "actual", s.get("numValue"), s.get("numQuote"), s.get("numStart"),
                      s.get("numEnd")),
                     (s.get("denIndicator") or s.get("numIndicator"), local(s.get("denBasis")) or "actual",
                      s.get("denValue"), s.get("denQuote"), s.get("denStart"), s.get("denEnd"))]
            row["derived_from"] = [
                {"indicator": local(ind), "basis": basis, "value": _number(value), "quote": quote, "start": start,
                 "end": end} for ind, basis, value, quote, start, end in parts]
            sep = " ÷ "
            row["quote"] = sep.join(" ".join(str(p[3]).split()) for p in parts)
        elif template in ("budget_execution", "subsidy_arrival"):
            row["derived_from"] = []
        if template == "subsidy_arrival":
            row["due"] = _number(s.get("denValue"))
            row["received"] = _number(s.get("numValue"))
        if template == "mutual_aid":
            row.update(policy=local_policy(s.get("policy")), policy_label=s.get("policyLabel"),
                       status=local(s.get("status")), start_year=s.get("startYear"))
            if s.get("value") is None:  # a scheme the report names without figures
                row["display"] = self.status_label(row["status"], row["start_year"])
        if template == "provenance":
            row.update(title=s.get("title"), source_file=s.get("sourceFile"), sha256=s.get("sha256"),
                       publisher=s.get("publisher"), issued=s.get("issued"), graph=s.get("graph"),
                       observation=s.get("obs"))
        return row

    def policy(self, s: dict[str, Any], template: str) -> dict[str, Any]:
        region = local(s.get("region"))
        status = local(s.get("status"))
        has_figure = s.get("obs") is not None and template == "alliance"
        row: dict[str, Any] = {
            "region_code": region,
            "region": concept_label(self.vocab, "region", region, self.lang),
            "year": s.get("year") if has_figure or template != "alliance" else s.get("reportYear"),
            "fund": local(s.get("fund")) if has_figure else None,
            "indicator": local(s.get("indicator")) if has_figure else None,
            "basis": local(s.get("basis")) if has_figure else None,
            "statistic": local(s.get("statistic")) if has_figure else None,
            "value": _number(s.get("value")) if has_figure else None,
            "unit": local(s.get("unit")) if has_figure else None,
            "display": self.display(s.get("value"), local(s.get("unit"))) if has_figure else
            self.status_label(status, s.get("startYear")),
            "report": local(s.get("report")),
            "quote": s.get("quote") if (has_figure or template == "policy_adopters") else s.get("policyQuote"),
            "start": s.get("start") if (has_figure or template == "policy_adopters") else s.get("policyStart"),
            "end": s.get("end") if (has_figure or template == "policy_adopters") else s.get("policyEnd"),
            "derived": False,
            "policy": local_policy(s.get("policy")),
            "qualifier": local(s.get("qualifier")) if has_figure else None,
            "policy_label": s.get("policyLabel"),
            "role": s.get("role"),
            "status": status,
            "start_year": s.get("startYear"),
            "scope": s.get("scope"),
            "renamed_to": local_policy(s.get("renamedTo")),
            "_period": local(s.get("period")),
        }
        if template == "policy_adopters":
            row.update(policy_type=local(s.get("policyType")), start_date=s.get("startDate"))
        if template == "alliance":
            row.update(lead=local(s.get("leadRegion")), policy_quote=s.get("policyQuote"))
        return row

    def status_label(self, status: str | None, start_year: Any) -> str:
        label = STATUS_LABELS.get(status or "", ("", ""))[0 if self.lang == "zh" else 1]
        if start_year:
            since = f"{start_year}年起" if self.lang == "zh" else f"since {start_year}"
            return f"{label}（{since}）" if label and self.lang == "zh" else f"{label} ({since})" if label else since
        return label


def local_policy(iri: str | None) -> str | None:
    """A policy IRI as "<report-id>/policy/<id>"."""
    if iri is None:
        return None
    return iri[len(ns.REPORT):] if iri.startswith(ns.REPORT) else iri


_ROLE_ORDER = {"lead": 0, "member": 1, "adopter": 2, "figure": 3, None: 4}


def _dedupe(rows: list[dict[str, Any]], template: str) -> list[dict[str, Any]]:
    """One row per fact: a figure stated several times in a report (text and table, two sentences)
    is one row with its first quote; the other quotes go to `other_quotes`."""
    groups: dict[tuple, dict[str, Any]] = {}
    for row in sorted(rows, key=lambda r: (_ROLE_ORDER.get(r.get("role"), 4), r["start"] is None,
                                           r["start"] or 0, r["end"] or 0, str(r["quote"]))):
        if template in ("policy_adopters",):
            key = (row["policy"], row["region_code"])
        elif template == "alliance":
            key = (row["policy"], row["region_code"], row["indicator"], row["qualifier"], str(row["value"]))
        else:
            key = (row["report"], row["region_code"], row["_period"], row["fund"], row["indicator"], row["basis"],
                   row["statistic"], str(row["value"]), row["policy"], row["qualifier"], row["derived"])
        if key in groups:
            kept = groups[key]
            if row["quote"] != kept["quote"] and row["start"] is not None:
                kept["other_quotes"].append({"quote": row["quote"], "start": row["start"], "end": row["end"]})
            continue
        row["other_quotes"] = []
        groups[key] = row
    return list(groups.values())


def _sort_key(template: str, order: str):
    def value_key(row: dict[str, Any]) -> Decimal:
        value = Decimal(str(row["value"])) if row["value"] is not None else Decimal(0)
        return -value if order == "desc" else value

    if template == "ranking":
        return lambda r: (r["fund"] or "", value_key(r), r["region_code"] or "", r["year"] or 0, r["start"] or 0)
    if template == "series":
        return lambda r: (r["region_code"] or "", r["fund"] or "", r["indicator"] or "", r["year"] or 0,
                          r["_period"] or "", r["basis"] or "", r["report"] or "", r["start"] or 0)
    if template == "value":
        return lambda r: (r["region_code"] or "", r["fund"] or "", r["indicator"] or "", r["year"] or 0,
                          r["basis"] or "", r["report"] or "", r["start"] or 0)
    if template == "provenance":
        return lambda r: (r["report"] or "", r["start"] or 0, r["end"] or 0, r["region_code"] or "")
    if template == "policy_adopters":
        return lambda r: (r.get("policy_type") or "", r["region_code"] or "", r["year"] or 0, r["report"] or "",
                          r["policy"] or "")
    if template == "alliance":
        return lambda r: (r["report"] or "", r["policy"] or "", _ROLE_ORDER.get(r.get("role"), 4),
                          r["region_code"] or "", r["indicator"] or "", r["qualifier"] or "", r["start"] or 0)
    if template == "mutual_aid":
        return lambda r: (r["region_code"] or "", r["year"] or 0, r["report"] or "", r["indicator"] or "",
                          r["qualifier"] or "", r["start"] or 0)
    return lambda r: (r["year"] or 0, r["region_code"] or "", r["fund"] or "", r["indicator"] or "",
                      r["derived"], r["basis"] or "", str(r["value"]), r["report"] or "", r["start"] or 0)


def _rank(rows: list[dict[str, Any]], limit: int | None) -> list[dict[str, Any]]:
    """Competition ranks (1, 2, 2, 4) within each fund; `limit` ranks per fund."""
    out = []
    by_fund: dict[str | None, list[dict[str, Any]]] = {}
    for row in rows:
        by_fund.setdefault(row["fund"], []).append(row)
    for fund_rows in by_fund.values():
        previous, rank = None, 0
        for i, row in enumerate(fund_rows, start=1):
            if row["value"] != previous:
                rank, previous = i, row["value"]
            row["rank"] = rank
            if limit is None or rank <= limit:
                out.append(row)
    return out


def execute(ctx: Context, plan: Plan, lang: str) -> tuple[list[dict[str, Any]], list[BoundQuery]]:
    from yibao.qa.queries import bind, get_query, run

    template = "value" if plan.template == "ranking" and plan.runs and "region" in plan.runs[0] else plan.template
    query = get_query(template)
    shaper = Shaper(ctx.vocab, lang)
    rows: list[dict[str, Any]] = []
    bounds = []
    for values in plan.runs:
        bound = bind(query, values)
        bounds.append(bound)
        solutions = run(ctx.store, bound)
        if not solutions and plan.fallback_scope and values.get("region"):
            widened = dict(values, regionScope=values["region"])
            del widened["region"]
            bound = bind(query, widened)
            solutions = run(ctx.store, bound)
            if solutions:
                bounds[-1] = bound
                name = concept_label(ctx.vocab, "region", values["region"], lang)
                plan.notes.append(_t(lang, f"{name}本身没有该数据，列出其下辖地区的数据",
                                     f"{name} itself has no such figure; showing the regions below it"))
        shape = shaper.policy if plan.template in ("policy_adopters", "alliance") else shaper.fact
        rows += [shape(s, plan.template) for s in solutions]
    rows = _dedupe(rows, plan.template)
    rows.sort(key=_sort_key(plan.template, plan.order))
    if plan.template == "ranking":
        rows = _rank(rows, plan.limit)
    for row in rows:
        row.pop("_period", None)
    return rows, bounds


def ask(store: ox.Store, question: str, lang: str = "auto", ctx: Context | None = None) -> Answer:
    """Answer `question`; raises QAError when it cannot (the message is in the question's language)."""
    ctx = ctx or Context(store)
    if not question.strip():
        raise QAError("no_template", _t("zh" if lang == "zh" else "en", "问题是空的", "the question is empty"),
                      "zh" if lang == "zh" else "en", examples=True)
    parsed = parse(question, ctx.lexicon, lang if lang in ("zh", "en") else None)
    interpreter = Interpreter(ctx, parsed)
    plan = interpreter.plan()
    rows, bounds = execute(ctx, plan, parsed.lang)
    from yibao.qa.queries import get_query

    parameters = bounds[0].values if len(bounds) == 1 else {"runs": [b.values for b in bounds]}
    sparql = "\n\n".join(dict.fromkeys(b.explain() for b in bounds))
    keys = ROW_KEYS + EXTRA_KEYS.get(plan.template, ()) + ("other_quotes",)
    rows = [{k: _jsonable(row.get(k)) for k in keys} for row in rows]
    notes = list(plan.notes)
    if any(r["derived"] for r in rows):
        notes.append(_t(parsed.lang, "口径为“推算值”的行不是报告原文给出的数字，而是由所引两个数字相除推算",
                        "rows with basis 'derived' are not stated in a report: they are computed from the two "
                        "quoted figures (a ratio)"))
    return Answer(question, parsed.lang, plan.template, _jsonable(parameters), sparql, rows, notes,
                  get_query(bounds[0].query.id).describe(parsed.lang), ctx.vocab)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _number(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def examples(lang: str) -> tuple[str, ...]:
    return EXAMPLES["zh" if lang == "zh" else "en"]


def cell(answer: Answer, row: dict[str, Any], column: str) -> str:
    """The text of one table cell, in the answer's language."""
    vocab = answer.vocab
    lang = answer.lang
    if column == "region":
        return row["region"] or ""
    if column in ("fund", "indicator", "basis", "qualifier"):
        return concept_label(vocab, column, row.get(column), lang)
    if column == "policy_type":
        return concept_label(vocab, "policy", row.get("policy_type"), lang)
    if column == "quote":
        return " ".join(str(row.get("quote") or "").split())
    if column == "role":
        return ROLE_LABELS.get(row.get("role") or "", ("", ""))[0 if lang == "zh" else 1]
    if column == "status":
        return STATUS_LABELS.get(row.get("status") or "", ("", ""))[0 if lang == "zh" else 1]
    if column == "alliance":
        return row.get("policy_label") or ""
    if column == "lead":
        return concept_label(vocab, "region", row.get("lead"), lang)
    if column in ("due", "received"):
        return Shaper(vocab, lang).display(row.get(column), "yuan") if row.get(column) is not None else ""
    if column == "offsets":
        return f"{row['start']}–{row['end']}" if row.get("start") is not None else ""
    value = row.get(column)
    return "" if value is None else str(value)
