"""Policies, alliances and measures named in a report's text, each with its source quote.

Sentence by sentence, the labels of the policy code list (DRG, 带量采购, 门诊共济, 长期护理保险 …)
open a policy; the same sentence (and, for procurement and outpatient schemes, its paragraph)
supplies its regions, status, start date and figures:
- procurement alliances: lead (…牵头), members (联合…), names (“八市联盟”), renaming (…升级为…),
  savings per member (株洲市节省4766.7万元), price reductions, product counts;
- payment reforms: institutions covered (109家…医疗机构全部纳入), diseases (40个病种), status
  (试点 / 模拟付费 / 全部纳入 / 计划), start (从2023年1月开始);
- outpatient mutual aid: deductible and payment rate per hospital level, annual caps per person
  category, spending and settlements.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from yibao.ingest.context import ReportContext
from yibao.ingest.quantities import find_quantities
from yibao.ingest.resolve import DEICTIC_RE, Resolver
from yibao.ingest.segment import Document, split_spans, trim_span
from yibao.model import Observation, Policy

SENTENCE_RE = re.compile(r"[^。！？!?\n]+[。！？!?]?")
PLANNED_SECTION_RE = re.compile(r"建议|下一步|计划|意见|措施")
STATUS_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("SimulatedPayment", re.compile(r"模拟付费|模拟运行")),
    ("FullRollout", re.compile(r"全部纳入|全面(?:实施|实行|执行|落实|推行|开展)|全覆盖|落地|正式(?:实施|运行|上线|开始)|已开通|全面启动")),
    ("Pilot", re.compile(r"试点")),
    ("Planned", re.compile(r"计划|拟|将在|下一步|加快推进|积极探索|研究")),
)
STATUS_RANK = {"FullRollout": 4, "SimulatedPayment": 3, "Pilot": 2, "Planned": 1}
KIND = {"volume_based_procurement": "ProcurementAlliance", "outpatient_mutual_aid": "OutpatientMutualAid"}
PAYMENT_TYPES = {"drg", "dip", "disease_based_payment", "capitation", "per_diem", "global_budget",
                 "payment_method_reform"}
CN_DIGITS = "零一二三四五六七八九十"
QUOTED_ALLIANCE_RE = re.compile(r"[“\"]([^”\"]{2,12}联盟)[”\"]")
COUNT_ALLIANCE_RE = re.compile(r"([一二三四五六七八九十]{1,3}[市省地]|[\u4e00-\u9fff]{2,3}市际|省际)联盟")
RENAME_RE = re.compile(r"(?:升级为|更名为|改名为|调整为)")
START_RE = re.compile(r"(?:从|自|于)?((?:19|20)\d\d)\s*年\s*(\d{1,2})\s*月(?:\s*\d{1,2}\s*日)?\s*(?:开始|起|正式|启动)")
START_MONTH_ONLY_RE = re.compile(r"(?:从|自)?(\d{1,2})\s*月\s*(?:\d{1,2}\s*日)?\s*起")
INSTITUTIONS_RE = re.compile(r"(\d+)\s*家([^，,。；;\d]{0,16}?)(医疗机构|医院|定点医药机构|药店)([^，,。；;]{0,16})")
DISEASES_RE = re.compile(r"(\d+)\s*个病种")
PRODUCTS_RE = re.compile(r"(?:(中选药品|中选产品|集采药品|药品)[共计为]{0,2}(\d+)\s*个|(\d+)\s*个(产品|品种))")
REDUCTION_RE = re.compile(r"(平均降幅|最高降幅)[达为到约]{0,2}\s*(\d+(?:\.\d+)?)\s*%")
SAVING_RE = re.compile(r"节省|节约")
SCOPE_WORDS = ("医用耗材", "高值耗材", "低值医用耗材", "中成药", "药品", "胰岛素", "人工关节", "冠脉支架",
               "药物涂层球囊")
LEVEL_RE = re.compile(r"(一级医疗机构|基层医疗卫生机构|二级医疗机构|三级医疗机构)")
LEVEL_QUALIFIER = {"一级医疗机构": "hospital_level_1", "基层医疗卫生机构": "hospital_level_1",
                   "二级医疗机构": "hospital_level_2", "三级医疗机构": "hospital_level_3"}
DEDUCTIBLE_RE = re.compile(r"(不设起付标准)|起付标准\s*(\d+(?:\.\d+)?)\s*元")
RATE_RE = re.compile(r"按\s*(\d+(?:\.\d+)?)\s*%\s*(?:的)?比例支付|支付比例[为达]?\s*(\d+(?:\.\d+)?)\s*%")
CAP_RE = re.compile(r"(在职职工|在职人员|退休人员|退休职工)\s*(\d+(?:\.\d+)?)\s*(万?元)")
CAP_CONTEXT_RE = re.compile(r"最高支付限额|年度限额|封顶")


@dataclass
class _Draft:
    policy: Policy
    evidence_rank: int  # how factual its evidence sentence is (planned sections rank lowest)
    names: set[str] = field(default_factory=set)


class PolicyExtractor:
    """Finds the policies of one report and the figures that belong to them."""

    def __init__(self, resolver: Resolver, report_id: str, fund: str | None) -> None:
        self.r = resolver
        self.vocab = resolver.vocab
        self.report_id = report_id
        self.fund = fund or "all_basic"
        self.home = resolver.ancestor_at(resolver.home, "prefecture") or resolver.home
        self.drafts: dict[str, _Draft] = {}
        self.observations: dict[tuple, Observation] = {}
        self._paragraph = ""
        self._paragraph_fund: list[str] | None = None  # [first fund named in the paragraph], computed once
        self._paragraph_scope: list[str | None] | None = None  # [its scope word], likewise
        self._in_text: dict[str, bool] = {}

    # -- driver -------------------------------------------------------------------------
    def extract(self, doc: Document, norm: str, original: str) -> tuple[list[Policy], list[Observation]]:
        for para in doc.paragraphs:
            heading_text = " ".join(norm[h.start:h.end] for h in para.headings)
            planned = PLANNED_SECTION_RE.search(heading_text) is not None
            current_alliance: str | None = None
            self._paragraph, self._paragraph_fund, self._paragraph_scope = norm[para.start:para.end], None, None
            for m in SENTENCE_RE.finditer(norm, para.start, para.end):
                start, end = m.start(), m.end()
                while start < end and norm[start].isspace():
                    start += 1
                if end <= start:
                    continue
                current_alliance = self._sentence(norm, original, start, end, planned, current_alliance)
        policies = [d.policy for d in self.drafts.values()]
        policies.sort(key=lambda p: (p.start, p.id))
        # one figure claimed by several policies of a sentence ("按病种…，4家DRG试点医院…") belongs to
        # none of them for sure: leave it out rather than guess
        claims: dict[tuple, set[str | None]] = {}
        for obs in self.observations.values():
            claims.setdefault((obs.start, obs.end, obs.indicator, obs.qualifier), set()).add(obs.policy)
        kept = [o for o in self.observations.values() if len(claims[(o.start, o.end, o.indicator, o.qualifier)]) == 1]
        return policies, sorted(kept, key=lambda o: (o.start, o.end, o.key))

    def _sentence(self, norm: str, original: str, start: int, end: int, planned: bool,
                  current_alliance: str | None) -> str | None:
        text = norm[start:end]
        mentions = self.r.lexicon.find(text, "policy", start)
        types = list(dict.fromkeys(m.id for m in mentions))
        status = None if planned else _status(text)
        if planned:
            status = "Planned"
        rank = 1 if planned else 2
        regions = self._regions(norm, start, end)
        year, month = _start(text, self.r.year)
        for ptype in types:
            if ptype == "volume_based_procurement":
                continue
            draft = self._draft(ptype, None, original, start, end, rank + (1 if re.search(r"\d", text) else 0))
            peers = [r for r in regions if self.r.level_of(r) == self.r.level_of(self.home)]
            near = _near_start(text, mentions, ptype, start)
            self._update(draft.policy, status, peers if _joint(text) else [], *(near and (year, month) or (None, None)))
            if ptype in PAYMENT_TYPES:
                self._payment_figures(draft.policy, norm, original, start, end)
            if ptype == "outpatient_mutual_aid":
                self._outpatient_figures(draft.policy, norm, original, start, end)
        if "volume_based_procurement" in types or QUOTED_ALLIANCE_RE.search(text) or (current_alliance and (
                SAVING_RE.search(text) or REDUCTION_RE.search(text) or PRODUCTS_RE.search(text))):
            current_alliance = self._procurement(norm, original, start, end, rank, status, regions,
                                                 current_alliance, "volume_based_procurement" in types)
        return current_alliance

    # -- drafts -------------------------------------------------------------------------
    def _draft(self, ptype: str, name: str | None, original: str, start: int, end: int, rank: int) -> _Draft:
        key = f"{ptype}:{name}" if name else ptype
        draft = self.drafts.get(key)
        quote_start, quote_end = _trim(original, start, end)
        if draft is None:
            concept = self.vocab["policy"][ptype]
            label = name or concept.label_zh
            ident = ptype if name is None else f"{ptype}-{len([k for k in self.drafts if k.startswith(ptype)]) + 1}"
            policy = Policy(ident, ptype, KIND.get(ptype, "PaymentMethodReform" if ptype in PAYMENT_TYPES
                                                   else "Programme"),
                            label, [self.home], original[quote_start:quote_end], quote_start, quote_end)
            draft = self.drafts[key] = _Draft(policy, rank)
        elif rank > draft.evidence_rank:
            draft.policy.quote, draft.policy.start, draft.policy.end = \
                original[quote_start:quote_end], quote_start, quote_end
            draft.evidence_rank = rank
        return draft

    @staticmethod
    def _update(policy: Policy, status: str | None, regions: list[str], year: int | None,
                month: str | None) -> None:
        if status and STATUS_RANK[status] > STATUS_RANK.get(policy.status or "", 0):
            policy.status = status
        for region in regions:
            if region not in policy.adopters:
                policy.adopters.append(region)
        if month and not policy.start_month:
            policy.start_month, policy.start_year = month, year

    def _regions(self, norm: str, start: int, end: int) -> list[str]:
        """Regions named in a sentence, in order (我市/全市 → the report's own)."""
        found: list[tuple[int, str]] = []
        for m in self.r.lexicon.find(norm[start:end], "region", start):
            code = self.r.region(m)
            if code:
                found.append((m.start, self.r.ancestor_at(code, "prefecture") if
                              self.r.level_of(code) == "pooling_area" else code))
        for m in DEICTIC_RE.finditer(norm, start, end):
            code = self.r.deictic(m.group())
            if code and m.group() not in ("全国",):
                found.append((m.start(), code))
        return list(dict.fromkeys(code for _, code in sorted(found)))

    # -- figures ------------------------------------------------------------------------
    def _add(self, policy: Policy, indicator: str, value: Decimal, original: str, start: int, end: int,
             quote: tuple[int, int], region: str | None = None, qualifier: str | None = None,
             basis: str = "actual") -> None:
        unit = self.vocab.indicators[indicator].unit or "item"
        quote = (quote[0], end)  # up to this figure: several figures of one sentence get distinct quotes
        year = policy.start_year if basis == "policy" and policy.start_year else self.r.year
        if policy.kind == "ProcurementAlliance":
            fund = "all_basic"  # procurement savings accrue to the funds together
        else:
            if self._paragraph_fund is None:
                funds = self.r.lexicon.find(self._paragraph, "fund")
                self._paragraph_fund = [self.vocab.top_fund(funds[0].id)] if funds else []
            fund = self._paragraph_fund[0] if self._paragraph_fund else self.fund
        obs = Observation(self.report_id, region or policy.adopters[0], year, str(year), fund, indicator,
                          basis, "level", value, unit, original[start:end], original[quote[0]:quote[1]],
                          quote[0], quote[1], policy.id, qualifier)
        self.observations.setdefault(obs.key, obs)

    def _payment_figures(self, policy: Policy, norm: str, original: str, start: int, end: int) -> None:
        quote = _trim(original, start, end)
        for m in INSTITUTIONS_RE.finditer(norm, start, end):
            if re.search(r"纳入|确认|首批|覆盖|开展|实行|实施|全部", m.group(2) + m.group(4)) and \
                    "符合" not in m.group(4):
                self._add(policy, "institutions_covered", Decimal(m.group(1)), original, m.start(1), m.end(3),
                          quote)
        for m in DISEASES_RE.finditer(norm, start, end):
            self._add(policy, "diseases_covered", Decimal(m.group(1)), original, m.start(), m.end(), quote)
        labels = [label for label in self.vocab["policy"][policy.type].labels_zh if label]
        for q in find_quantities(norm[start:end]):
            before = norm[max(start, start + q.start - 14):start + q.start]
            if q.unit == "yuan" and any(label in before for label in labels) and re.search(r"付费|费用|支出", before):
                self._add(policy, "policy_expenditure", q.value, original, start + q.start, start + q.end, quote)

    def _outpatient_figures(self, policy: Policy, norm: str, original: str, start: int, end: int) -> None:
        """Deductibles and rates per hospital level, caps per person category, spending."""
        pos = start
        for part in re.split(r"[；;]", norm[start:end]):
            p_start, p_end = pos, pos + len(part)
            pos = p_end + 1
            quote = _trim(original, p_start, p_end)
            levels = [LEVEL_QUALIFIER[m.group(1)] for m in LEVEL_RE.finditer(part)]
            qualifier = levels[0] if levels else None
            for m in DEDUCTIBLE_RE.finditer(part):
                if qualifier is None:
                    continue
                value = Decimal(0) if m.group(1) else Decimal(m.group(2))
                self._add(policy, "deductible", value, original, p_start + m.start(), p_start + m.end(), quote,
                          qualifier=qualifier, basis="policy")
            for m in RATE_RE.finditer(part):
                if qualifier is None:
                    continue
                value = Decimal(m.group(1) or m.group(2))
                self._add(policy, "payment_rate", value, original, p_start + m.start(), p_start + m.end(), quote,
                          qualifier=qualifier, basis="policy")
            if CAP_CONTEXT_RE.search(part):
                for m in CAP_RE.finditer(part):
                    who = "active_employee" if m.group(1).startswith("在职") else "retiree"
                    factor = 10000 if m.group(3) == "万元" else 1
                    self._add(policy, "annual_cap", Decimal(m.group(2)) * factor, original, p_start + m.start(2),
                              p_start + m.end(), quote, qualifier=who, basis="policy")
            for q in find_quantities(part):
                q_start = p_start + q.start
                before = part[max(0, q.start - 12):q.start]
                if q.unit == "yuan" and re.search(r"支出|支付$", before) and not q.in_range:
                    self._add(policy, "policy_expenditure", q.value, original, q_start, p_start + q.end, quote)
                elif q.unit == "person_time" and "结算" in before:
                    self._add(policy, "settlements", q.value, original, q_start, p_start + q.end, quote)

    # -- procurement --------------------------------------------------------------------
    def _procurement(self, norm: str, original: str, start: int, end: int, rank: int, status: str | None,
                     regions: list[str], current: str | None, mentions_procurement: bool) -> str | None:
        text = norm[start:end]
        names = [m.group(1) for m in QUOTED_ALLIANCE_RE.finditer(text)]
        names += [m.group() for m in COUNT_ALLIANCE_RE.finditer(text) if m.group() not in names]
        national = re.search(r"国家(?:组织|第[一二三四五六七八九十]+批|集采|集中带量采购)|国采", text) is not None
        scope = _scope(text, None)
        lead_members = self._lead_and_members(norm, start, end)
        if lead_members:
            lead, members = lead_members
            name = self._alliance_name(norm, len(members)) or f"{self.vocab.region_name(lead)}牵头联盟"
            draft = self._draft("volume_based_procurement", name, original, start, end, rank + 1)
            policy = draft.policy
            policy.lead, policy.members = lead, members
            policy.adopters = list(dict.fromkeys([*members]))
            if self._paragraph_scope is None:
                self._paragraph_scope = [_scope(self._paragraph, None)]
            policy.scope = policy.scope or scope or self._paragraph_scope[0]
            self._update(policy, status or "FullRollout", [], *_start(text, self.r.year))
            current = policy.id
        drafts = [self._draft("volume_based_procurement", n, original, start, end, rank) for n in names]
        for name, draft in zip(names, drafts):
            draft.policy.scope = draft.policy.scope or _scope(text, name)
            self._update(draft.policy, status or "FullRollout", [], *_start(text, self.r.year))
        if len(drafts) >= 2 and RENAME_RE.search(text):
            old, new = drafts[0].policy, drafts[-1].policy
            old.renamed_to = new.id
            new.scope = new.scope or old.scope
            for p in (old, new):
                p.lead = p.lead or self.home
                if self.home not in p.members:
                    p.members.append(self.home)
        if drafts:
            current = drafts[-1].policy.id
        if national and mentions_procurement:
            draft = self._draft("volume_based_procurement", "国家组织集中带量采购", original, start, end, rank)
            draft.policy.adopters = list(dict.fromkeys([*draft.policy.adopters, self.home]))
            draft.policy.scope = draft.policy.scope or scope
            self._update(draft.policy, status or "FullRollout", [], None, None)
            if not drafts and not lead_members:
                current = draft.policy.id
        target = next((d.policy for d in self.drafts.values() if d.policy.id == current), None)
        if target is not None:
            self._procurement_figures(target, norm, original, start, end)
        return current

    def _lead_and_members(self, norm: str, start: int, end: int) -> tuple[str, list[str]] | None:
        text = norm[start:end]
        k = text.find("牵头")
        j = text.find("联合")
        if k < 0 or j < 0:
            return None
        before = self._regions(norm, start, start + k)
        after = self._regions(norm, start + j, end)
        if not before or not after:
            return None
        lead = before[-1]
        return lead, list(dict.fromkeys([lead, *after]))

    def _alliance_name(self, norm: str, count: int) -> str | None:
        if not 2 <= count <= 10:
            return None
        name = f"{CN_DIGITS[count]}市联盟"
        if name not in self._in_text:  # looked up once, not once per sentence
            self._in_text[name] = name in norm
        return name if self._in_text[name] else None

    def _procurement_figures(self, policy: Policy, norm: str, original: str, start: int, end: int) -> None:
        text = norm[start:end]
        quote = _trim(original, start, end)
        for m in REDUCTION_RE.finditer(text):
            before = text[max(0, m.start() - 8):m.start()]
            qualifier = "first_tier" if "第一" in before else "second_tier" if "第二" in before else None
            indicator = "price_reduction_avg" if m.group(1) == "平均降幅" else "price_reduction_max"
            self._add(policy, indicator, Decimal(m.group(2)), original, start + m.start(2), start + m.end(),
                      quote, qualifier=qualifier)
        for m in PRODUCTS_RE.finditer(text):
            number = m.group(2) or m.group(3)
            self._add(policy, "products_count", Decimal(number), original, start + m.start(), start + m.end(), quote)
        if not SAVING_RE.search(text):
            return
        for clause_start, clause_end in split_spans(norm, start, end, "，,；;。"):
            clause = norm[clause_start:clause_end]
            if not SAVING_RE.search(clause):
                continue
            regions = self._regions(norm, clause_start, clause_end)
            collective = re.search(r"[一二三四五六七八九十\d]+[市省地]|全市|联盟", clause) is not None
            for q in find_quantities(clause):
                if q.unit != "yuan" or q.in_range:
                    continue
                q_start = clause_start + q.start
                clause_quote = _trim(original, clause_start, clause_start + q.end)
                if collective and policy.members and len(policy.members) > 1 and not _named_member(regions, policy):
                    self._add(policy, "procurement_savings", q.value, original, q_start, clause_start + q.end,
                              clause_quote, region=policy.lead or self.home, qualifier="alliance_total")
                else:
                    region = regions[-1] if regions else self.home
                    self._add(policy, "procurement_savings", q.value, original, q_start, clause_start + q.end,
                              clause_quote, region=region)


def _near_start(text: str, mentions: list, ptype: str, offset: int) -> bool:
    """A start date belongs to a policy named shortly before it in the sentence."""
    m = START_RE.search(text) or START_MONTH_ONLY_RE.search(text)
    if not m:
        return False
    return any(x.id == ptype and 0 <= m.start() - (x.end - offset) <= 40 for x in mentions) or \
        any(x.id == ptype and 0 <= (x.start - offset) - m.end() <= 30 for x in mentions)


def _named_member(regions: list[str], policy: Policy) -> bool:
    return bool(regions) and regions[-1] in policy.members and len(regions) == 1


def _scope(text: str, name: str | None) -> str | None:
    """What a procurement covers: the scope word right after the alliance's name, else the first."""
    at = text.find(name) + len(name) if name and name in text else 0
    found = [(text.find(w, at), -len(w), w) for w in SCOPE_WORDS if text.find(w, at) >= 0]
    if found:
        pos, _, word = min(found)
        if name is None or pos - at <= 12:
            return word
    return None if name else next((w for w in SCOPE_WORDS if w in text), None)


def _status(text: str) -> str | None:
    found = [status for status, pattern in STATUS_WORDS if pattern.search(text)]
    return max(found, key=lambda s: STATUS_RANK[s]) if found else None


def _joint(text: str) -> bool:
    """A sentence naming several regions doing something together (与…实现, 联合…)."""
    return re.search(r"与|联合|共同|[一二三四五六七八九十]+地?市|区域内", text) is not None


def _start(text: str, report_year: int | None) -> tuple[int | None, str | None]:
    m = START_RE.search(text)
    if m:
        return int(m.group(1)), f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"
    m = START_MONTH_ONLY_RE.search(text)
    if m and report_year and 1 <= int(m.group(1)) <= 12:
        return report_year, f"{report_year:04d}-{int(m.group(1)):02d}"
    return None, None


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    return trim_span(text, start, end, "，,。；;")


class PolicyFacts:
    """Extractor: policies, alliances and programmes, with the figures about them."""

    name = "policies"

    def extract(self, ctx: ReportContext) -> Iterator[Policy | Observation]:
        policies, observations = PolicyExtractor(ctx.resolver, ctx.report_id, ctx.fund).extract(
            ctx.doc, ctx.norm, ctx.original)
        yield from policies
        yield from observations
