"""Slot filling: the regions, funds, indicators, bases, statistic, years, numbers and comparisons a
question names, resolved against the vocabulary and the graph. Planning (`yibao.qa.plans`) reads them."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache

from yibao.qa.answer import QAError, _t, concept_label
from yibao.qa.context import Context
from yibao.qa.lexicon import (
    COMPOUND_INDICATORS,
    Entity,
    Number,
    closest,
    fold,
    has_cjk,
    leftovers,
    region_english_names,
    without_admin_suffix,
)
from yibao.qa.question import Parsed

NON_BUDGET_BASES = ("actual", "policy", "derived")


BAND = (Decimal(95), Decimal(105))  # the budget-execution control standard the reports use


POLICY_SCHEMES = ("policy", "qualifier")


SCHEME_ORDER_FACTS = ("region", "fund", "indicator", "basis", "statistic", "policy", "qualifier")


SCHEME_ORDER_POLICY = ("policy", "qualifier", "region", "indicator", "fund", "basis", "statistic")


UNIT_NAMES = {"yuan": ("元", "yuan"), "month": ("月", "months"), "percent": ("百分比", "percent"),
              "person": ("人", "persons"), "person_time": ("人次", "visits"),
              "yuan_per_person": ("元/人", "yuan per person"), "yuan_per_person_month": ("元/人·月", "yuan per person-month"),
              "item": ("个", "items"), "institution": ("家", "institutions")}


# a year written as the base of a comparison ("over 2020", "比2020年", "compared with 2020")
_BASE_YEAR_RE = re.compile(r"(?:比|较|相比|相较于?|与|than|over|compared (?:with|to)|relative to|versus|vs\.?)\s*"
                           r"(?:the\s+)?(?:year\s+)?$")


_COMPARED_WITH_RE = re.compile(r"(?:比|较|与|和|同|相比|相较|than|over|from|on|with|compared to|compared with)\s*(?:the\s+)?$")

# a question asking for a number of months ("近几个月" is a period, not the answer's unit)
_MONTHS_ASKED_RE = re.compile(r"(?<![近前过去最])(?:几|多少)个?月(?!份)|多久|多长时间|how many months|for how long|"
                              r"how long can|how long will|how long would|in months|按月数计")

COMPATIBLE_UNITS = {"yuan": {"yuan", "yuan_per_person", "yuan_per_person_month"}}


_SCHEME_ZH = {"region": "地区", "indicator": "指标", "fund": "基金", "policy": "政策"}


_CMP_GAP_RE = re.compile(r"\s*(?:(?:the|of|than|a|an|about|around|approximately|roughly|为|是|于|了|约|大约|仅|只有)\s*)*")


# words that ask for a figure per insured person (a per-person standard, not an amount)
_PER_PERSON_RE = re.compile(r"人均|每人|每个人|每位|每名|/人|元/人|标准|per (?:capita|person|head|insured|resident)|"
                            r"each (?:person|insured|resident)|standard")


# indicators whose everyday name (财政补贴, fiscal subsidy) is also the general word for the measures named
# by the same id stem (fiscal_subsidy_due, fiscal_subsidy_received, fiscal_subsidy_arrival_rate)
_GENERAL_OF = {"fiscal_subsidy_income": "fiscal_subsidy_"}


# a fund that is the sum of others (职工与居民医保两项基金合计): its parts
_COMBINED_PARTS = {"all_basic": ("employee", "resident")}


_CONJUNCTION_IN_RE = re.compile(r"和|与|及|、|\band\b|&")


_CONJUNCTION_RE = re.compile(r"\s*(?:和|与|及|以及|、|,|，|and|&|plus)\s*")


_RANGE_JOINER_RE = re.compile(r"^\s*(?:-|~|～|—|–|－|至|到|and|to)\s*$")


_BETWEEN_RE = re.compile(r"between|之间|区间|范围")


class Slots:
    """What a question names, filled from the vocabulary's labels and resolved in context."""

    def __init__(self, ctx: Context, parsed: Parsed) -> None:
        self.ctx, self.p, self.vocab = ctx, parsed, ctx.vocab
        self.lang = parsed.lang
        self.notes: list[str] = []
        self.absorbed_qualifiers: set[str] = set()  # groups that are part of the indicator (retirees → enrollment_retired)
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
            if entity.surface.isascii() and not set(candidates) & self.ctx.data_regions():
                candidates = self._sounds_like_data_region(entity.surface) or candidates
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
        # 全国 / China: the national figure ("全国2022年基金收入"), or every region ("全国哪些地区…")
        if "100000" in codes and (len(codes) > 1 or self.p.has("which", "rank", "sub", "desc", "asc") or self.p.limit):
            codes.remove("100000")
        return codes

    def _sounds_like_data_region(self, word: str) -> list[str]:
        """"Youxian": the pinyin of 攸县, a region with figures, rather than 游仙区 (Youxian District), a
        region of the same English name without any; [] when no region with figures sounds like it."""
        word = re.sub(r"[\s\-']", "", fold(word))
        found = []
        for code in sorted(self.ctx.data_regions()):
            concept = self.vocab.regions.get(code)
            if concept and any(self.ctx.lexicon.pinyin(n) == word for label in concept.labels_zh
                               for n in {label, without_admin_suffix(label)}):
                found.append(code)
        return found

    def region_name(self, code: str, with_parent: bool = False) -> str:
        name = self.label("region", code)
        if with_parent:
            parents = self.vocab.ancestors(code)
            if parents and parents[0] != "100000":
                parent = self.label("region", parents[0])
                return f"{parent}{name}" if self.lang == "zh" else f"{name}, {parent}"
        return name

    def funds(self) -> list[str]:
        """The funds named; "职工医保和居民医保" (a label of the two funds combined) in a question comparing
        them ("对比", "分别", "compare") is the two funds, each with its own figures."""
        out: list[str] = []
        for entity, ids in self.by_scheme.get("fund", []):
            if "all_basic" in ids and self._compares_funds() and _CONJUNCTION_IN_RE.search(entity.surface):
                ids = [i for i in _COMBINED_PARTS["all_basic"] if i in self.vocab["fund"]] or ids
            out += [i for i in ids if i not in out]
        return out

    def _compares_funds(self) -> bool:
        return bool(self.p.has("rank") or re.search(r"分别|各自|各是|哪个多|哪个少|谁多|谁少|谁高|谁低|\bvs\b|versus|"
                                                     r"respectively|each of", self.p.text))

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
        # "spend on benefits", "收入里财政补贴": a kind of the general indicator named beside it is meant
        # (ids name kinds by suffix: benefit_expenditure is a kind of expenditure)
        out = [x for x in out if not any(y != x and y.endswith("_" + x) for y in out)]
        # "退休职工参保人数", "active employees among the insured": the narrower figure named beside the
        # general one (ids name narrower figures by suffix: enrollment_retired narrows enrollment)
        out = [x for x in out if not any(y != x and y.startswith(x + "_") and not self._is_execution_rate(y)
                                         for y in out)] or out
        # "was due the largest fiscal subsidy", "到位的财政补助资金": the general word beside a measure of it
        out = [x for x in out if not (x in _GENERAL_OF and any(y != x and y.startswith(_GENERAL_OF[x]) for y in out))]
        out = self._group_of_enrollment(out)
        if len(out) > 1:
            out = self._without_population(out)
        if len(out) > 1:
            out = self._without_per_person(out)
        return self._asked_in_months(out)

    def _group_of_enrollment(self, named: list[str]) -> list[str]:
        """"retirees insured", "在职人员参保人数": the insured of a group whose own head count the code lists
        have (a narrower enrollment indicator sharing a label with the group): that indicator; the group is
        then part of the figure, not a filter (see `absorbed_qualifiers`)."""
        if "enrollment" not in named:
            return named
        for qualifier in self.ids("qualifier"):
            labels = set(getattr(self.vocab["qualifier"].get(qualifier), "labels_zh", []) or [])
            narrower = [c.id for c in self.vocab.indicators.values() if c.id.startswith("enrollment_")
                        and labels & set(c.labels_zh)]
            if len(narrower) == 1:
                self.absorbed_qualifiers.add(qualifier)
                return [narrower[0] if i == "enrollment" else i for i in named]
        return named

    def _without_population(self, named: list[str]) -> list[str]:
        """"subsidy per person for tier-1 resident insured", "各参保人的人均财政补助": the insured named
        after another figure, not joined to it by "and", say whose figure it is; they are not asked for."""
        mentions = self.by_scheme["indicator"]
        first = {}
        for entity, ids in mentions:
            for i in ids:
                first.setdefault(i, entity)
        if "enrollment" not in named or "enrollment" not in first:
            return named
        at = first["enrollment"]
        others = [first[i] for i in named if i != "enrollment" and i in first and first[i].end <= at.start]
        if not others:
            return named
        gap = self.p.text[max(o.end for o in others):at.start]
        if _CONJUNCTION_RE.fullmatch(gap) or re.search(r"(?:^|\s)(?:and|&|plus)\s", gap) or re.search(r"[和与及、]", gap):
            return named
        return [i for i in named if i != "enrollment"]

    def _without_per_person(self, named: list[str]) -> list[str]:
        """"应到位的财政补助资金": an amount (yuan) and a per-person standard (yuan per person) both fit
        the words; without a per-person word (人均, 每人, 标准, per person …) the amount is meant."""
        units = {i: self.unit_of(i) for i in named}
        if not any(u == "yuan" for u in units.values()) or _PER_PERSON_RE.search(self.p.text):
            return named
        kept = [i for i in named if units[i] != "yuan_per_person"]
        return kept or named

    def _asked_in_months(self, named: list[str]) -> list[str]:
        """"结余能支付多少个月", "how many months can the balance pay": the answer is counted in months, so
        the indicator meant is the one counted in months (when the vocabulary has exactly one), not the
        balance the question starts from."""
        if not _MONTHS_ASKED_RE.search(self.p.text):
            return named
        if any(self.unit_of(x) == "month" for x in named):  # "how many months can the balance pay": the months
            return [x for x in named if self.unit_of(x) == "month"]
        in_months = [c.id for c in self.vocab.indicators.values()
                     if c.unit == "month" and not getattr(c, "policy_only", False)]
        return in_months if len(in_months) == 1 else named

    def unit_of(self, indicator: str) -> str | None:
        concept = self.vocab.indicators.get(indicator)
        return concept.unit if concept else None

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
        # "比去年增加了多少", "than last year": the year compared with, not the year asked about
        relative = [r for r in self.p.kw("relyear") if not _COMPARED_WITH_RE.search(self.p.text[:r.start])]
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
        if len(set(years)) == 1 and self.statistic() in ("change", "growth_rate"):
            # "increase over 2020", "比2020年增加了多少": 2020 is the year compared with; the change is 2021's
            at = next(n for n in self.p.numbers if n.year == years[0])
            if _BASE_YEAR_RE.search(self.p.text[:at.start]):
                year = years[0] + 1
                self.notes.append(self.t(f"与{years[0]}年相比的变化，即{year}年的增减",
                                         f"the change over {years[0]}, i.e. {year}'s change"))
                return [year]
        return list(dict.fromkeys(years)) or [None]

    def value_in_unit(self, n: Number, indicator: str, statistic: str) -> Decimal:
        """The number in the indicator's base unit; raises QAError when the unit contradicts it."""
        target = "percent" if statistic in ("growth_rate", "share") else self.unit_of(indicator)
        unit = n.unit
        name = self.label("indicator", indicator)
        if unit is None:
            if target in ("person", "person_time"):  # a head count: a bare number counts persons
                shown = UNIT_NAMES[target]
                self.notes.append(self.t(f"“{n.raw}”按{shown[0]}计", f"'{n.raw}' read as {shown[1]}"))
                return n.value
            if target == "yuan":  # 元 or 万元? reports use both: the user must say
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
            found = closest(scheme, word, index=self.ctx.lexicon.name_indexes.get(scheme))
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

    def correct_region(self) -> str | None:
        """A misspelt place name whose one close match is a region the graph holds data for
        (株州 → 株洲 by sound, Zhuzou → Zhuzhou by spelling, "Chang ji" → Changji written apart): that
        region, with a note saying so."""
        words = leftovers(self.p.text, self.recognised_spans())
        for word in _split_names(self.p.original, self.recognised_spans()) + words:
            if word in words and not _region_like(word, self.p.original):
                continue
            scored: dict[str, float] = {}
            for code in self.ctx.data_regions():  # cached; read only when a word may be a misspelt place
                concept = self.vocab.regions.get(code)
                if concept is None:
                    continue
                # English words: the English names and the pinyin of the Chinese ones (Youxian is 攸县)
                names = [fold(n) for n in concept.labels_zh] if has_cjk(word) else \
                    ([fold(n) for n in region_english_names(concept.label_en, concept.level)] if concept.label_en
                     else []) + [self.ctx.lexicon.pinyin(n) for n in concept.labels_zh]
                best = max((_similarity(word, n, self.ctx.lexicon.pinyin) for n in names), default=0.0)
                if best:
                    scored[code] = best
            ranked = sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))
            top = [code for code, score in ranked if ranked and score == ranked[0][1]]
            parents = [c for c in top if all(c == o or c in self.vocab.ancestors(o) for o in top)]
            if len(top) > 1 and parents:  # 株洲市 and its 株洲县 (a former name) sound alike: the city
                ranked = [(parents[0], ranked[0][1])] + [kv for kv in ranked if kv[0] not in top]
            if ranked and ranked[0][1] >= 0.8 and (len(ranked) == 1 or ranked[1][1] < ranked[0][1] - 0.1):
                code = ranked[0][0]
                name = self.label("region", code)
                self.notes.append(self.t(f"“{self.written(word)}”按“{name}”理解（已纠正拼写）",
                                         f"'{self.written(word)}' read as {name} (spelling corrected)"))
                return code
        return None

    def check_unknown_region(self) -> None:
        """A word that looks like a misspelt or unknown place name → a message naming the closest regions."""
        for word in leftovers(self.p.text, self.recognised_spans()):
            if not _region_like(word, self.p.original):
                continue
            found = closest("region", word, index=self.ctx.lexicon.name_indexes.get("region"))
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
        if len(mentions) == 1 and mentions[0][0].surface in COMPOUND_INDICATORS:  # "收支情况": each of them
            return [i for i in COMPOUND_INDICATORS[mentions[0][0].surface] if i in mentions[0][1]]
        if len(mentions) > 1 and all(_CONJUNCTION_RE.fullmatch(self.p.text[a[0].end:b[0].start])
                                     for a, b in zip(mentions, mentions[1:])):
            listed = self.indicators()
            if len(listed) == len(mentions):
                return listed
        return [self.pick_indicator(None, self.statistic())]


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


def _similarity(word: str, name: str, pinyin: Callable[[str], str]) -> float:
    """How alike a written place name and a region name are: by sound for Chinese (``pinyin``, so that
    株州 matches 株洲), by spelling for English; 1.0 is the same."""
    import difflib

    if has_cjk(word):
        if not has_cjk(name):
            return 0.0
        word, name = pinyin(without_admin_suffix(word)), pinyin(without_admin_suffix(name))
        if not word or not name:
            return 0.0
    return difflib.SequenceMatcher(None, word, name).ratio()


def _split_names(original: str, spans: list[tuple[int, int]]) -> list[str]:
    """Place names written as two words, capitalised ("Chang ji", "Huai Bei", "Qing Dao"): joined, for
    the spelling check; only words nothing else recognised."""
    out = []
    for m in re.finditer(r"\b([A-Z][a-z]+)[ \-]([A-Za-z][a-z]*)\b", original):
        if not any(a < m.end() and m.start() < b for a, b in spans):
            out.append((m.group(1) + m.group(2)).lower())
    return out


def _region_like(word: str, original: str) -> bool:
    if has_cjk(word):
        if re.search(r"(?:市|县|区|州|省|盟|旗)$", word):
            return True
        return 2 <= len(word) <= 4 and not any(word in label for label in _domain_words())
    return bool(re.search(r"\b" + re.escape(word[:1].upper() + word[1:]) + r"\b", original))

