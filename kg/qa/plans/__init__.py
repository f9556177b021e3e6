"""Planning: the filled slots choose the question type and its canned query (one module per type)."""

from __future__ import annotations

import re
from decimal import Decimal

from yibao.qa.answer import QAError
from yibao.qa.lexicon import FINDING_KINDS, Entity, Number
from yibao.qa.plans.base import Plan
from yibao.qa.plans.budget import plan_execution, plan_subsidy
from yibao.qa.plans.facts import (
    plan_provenance,
    plan_ranking,
    plan_series,
    plan_simple,
    plan_threshold,
    plan_value,
)
from yibao.qa.plans.findings import plan_findings
from yibao.qa.plans.policy import plan_policy
from yibao.qa.slots import Slots

_ARRIVAL_STATUS_RE = re.compile(r"到位情况|到位了吗|是否到位|有没有到位|到位状况|到位多少|arrival status|arrived|have arrived")


# "哪个…", "which region", "which Qingdao district" (a place name may stand between: still one asked for)
# a superlative asked of several ("哪些地区…最低", "rank", "which regions"): the whole order, not the first
_PLURAL_RE = re.compile(r"哪些|哪几|前[0-9一二三四五六七八九十几]|排名|排序|排行|列出|所有|全部|各(?!自)|"
                        r"\b(?:regions|cities|counties|districts|areas|places|funds|rank|ranking|ranked|sort|sorted|"
                        r"order|list|all|top|bottom)\b")


_RANGE_JOINER_RE = re.compile(r"^\s*(?:-|~|～|—|–|－|至|到|to)\s*$")
_BETWEEN_RE = re.compile(r"between|之间|区间|范围|介于")


_SINGULAR_RE = re.compile(r"哪个|哪一个|哪家|哪座|哪里|(?:which|what) (?:[a-z'’]+ ){0,2}?"
                          r"(?:region|city|county|district|prefecture|place|fund|area|pool|pooling area)(?![a-z])"
                          r"|(?<![a-z])where(?![a-z])")


_FIGURE_TEMPLATES = ("value", "threshold", "series", "ranking", "provenance")
_LEVEL_TEMPLATES = ("threshold", "ranking", "deficits", "subsidy_arrival", "budget_execution")


def choose_plan(s: Slots) -> Plan:
    """The plan for the question; figures of a group the question names (60岁以上, 一档) only."""
    plan = _choose_plan(s)
    if plan.template in _FIGURE_TEMPLATES:
        plan.qualifiers = tuple(q for q in s.ids("qualifier") if q not in s.absorbed_qualifiers)
    if plan.template in _LEVEL_TEMPLATES and s.p.has("county"):
        plan.levels = ("county", "pooling_area")  # "哪些区县…": not the city itself (its own pool, 市本级/城区, is a row of its 县市区 tables)
    return plan


def _value_range(s: Slots, values: list) -> tuple | None:
    """Two values written as a range ("3到9个月", "3-9 months", "between 3 and 9 months"): (low, high)."""
    for a, b in zip(values, values[1:]):
        if _RANGE_JOINER_RE.match(s.p.text[a.end:b.start]) or (
                _BETWEEN_RE.search(s.p.text) and re.fullmatch(r"\s*(?:and|与|和|至|到)\s*", s.p.text[a.end:b.start])):
            if b.unit is not None and a.unit is None:  # "3到9个月", "20到30亿元": the unit written once, after both
                written = re.match(r"-?\d[\d,]*(?:\.\d+)?", b.raw)
                factor = b.value / Decimal(written.group(0).replace(",", "")) if written and \
                    Decimal(written.group(0).replace(",", "")) else Decimal(1)
                a = Number(a.start, a.end, a.raw, a.value * factor, b.unit, b.unit_text)
            return (a, b) if a.value <= b.value else (b, a)
    return None


def _choose_plan(s: Slots) -> Plan:
    p = s.p
    regions = s.regions()
    if not regions and (s.by_scheme["indicator"] or s.funds() or s.ids("policy") or s.p.numbers):
        corrected = s.correct_region()  # "Zhuzou", "株州": a misspelt region the graph holds
        if corrected:
            regions = [corrected]
        else:
            s.check_unknown_region()  # only in a question that is otherwise about the graph ("你好" is not)
    if p.has("provenance") and not s.ids("policy"):
        return plan_provenance(s, regions)
    if p.has(*FINDING_KINDS) and not s.by_scheme["indicator"]:  # "报告里指出了哪些问题"
        return plan_findings(s, regions)
    if s.policy_context or s.ids("policy"):
        return plan_policy(s, regions)
    indicators = s.indicators()
    values, _ = s.classify_numbers()
    if not indicators:  # "covers fewer than 6 months": the only indicator counted in months
        units = {n.unit for n in values if s.comparator_for(n) and n.unit not in (None, "scale")}
        by_unit = [c.id for c in s.vocab.indicators.values()
                   if c.unit in units and not getattr(c, "policy_only", False)]
        if len(units) == 1 and len(by_unit) == 1:
            indicators = by_unit
            s.by_scheme["indicator"].append((Entity(0, 0, "", (("indicator", by_unit[0]),), False), by_unit))
            s.notes.append(s.t(f"按单位推断指标为{s.label('indicator', by_unit[0])}",
                                     f"indicator inferred from the unit: {s.label('indicator', by_unit[0])}"))
    budget_fund = any(re.search(r"budget|预算", e.surface) for e, _ in s.by_scheme["fund"])
    if not indicators and budget_fund and not s.ids("basis"):  # "the bureau's budget": the budget figures
        s.by_scheme["basis"].append((Entity(0, 0, "", (("basis", "budget"),), False), ["budget"]))
    if not indicators and set(s.ids("basis")) & {"budget", "adjusted_budget"} and (s.funds() or regions):
        # "医保局调整后预算是多少", "the bureau's 2019 budget": a budget is one of spending unless the fund says otherwise
        defaults = [d for f in s.funds() if (d := getattr(s.vocab["fund"].get(f), "default_indicator", None))]
        indicator = defaults[0] if defaults else "expenditure"
        indicators = [indicator]
        s.by_scheme["indicator"].append((Entity(0, 0, "", (("indicator", indicator),), False), indicators))
        s.notes.append(s.t(f"没有写明指标，预算按{s.label('indicator', indicator)}理解",
                           f"no indicator named: the budget read as {s.label('indicator', indicator)}"))
    execution = [i for i in indicators if s._is_execution_rate(i)]
    if not execution and indicators and s.statistic() == "share" and "budget" in s.ids("basis"):
        # "what share of its budget did it spend": the execution rate of what was spent
        rate_for = {c.rate_of: c.id for c in s.vocab.indicators.values() if c.rate_of}
        execution = [rate_for.get(i, "budget_execution_rate") for i in indicators] + ["budget_execution_rate"]
    subsidy_terms = {"fiscal_subsidy_arrival_rate", "fiscal_subsidy_received", "fiscal_subsidy_due"}
    compared = [n for n in values if s.comparator_for(n)]
    if p.has("deficit") or (indicators == ["current_balance"] and any(
            s.comparator_for(n) in ("<", "<=") and n.value == 0 for n in compared)):
        plan = plan_simple(s, "deficits", regions)
        plan.order = "none"
        if p.has("desc", "asc") or p.limit:  # "赤字最大的" is the most negative balance, "最小的" the least
            plan.order = "asc" if p.has("desc") or not p.has("asc") else "desc"
            plan.limit = p.limit or (1 if _SINGULAR_RE.search(p.text) else None)
        return plan
    if p.has("short") and (p.has("subsidy") or set(indicators) & subsidy_terms or not indicators):
        return plan_subsidy(s, regions, None)
    if p.has("full_arrival") and (p.has("subsidy") or set(indicators) & subsidy_terms):
        plan = plan_subsidy(s, regions, None)  # "足额到位", "got their full subsidy": rates of 100 % or more
        for run in plan.runs:
            run["below"] = Decimal(10) ** 6
        plan.at_least = Decimal(100)
        return plan
    if indicators == ["fiscal_subsidy_arrival_rate"] and compared and s.comparator_for(compared[0]) == "<":
        return plan_subsidy(s, regions, compared[0])
    if p.has("subsidy") and _ARRIVAL_STATUS_RE.search(p.text) and not set(indicators) & subsidy_terms:
        plan = plan_subsidy(s, regions, None)  # 到位情况: every arrival rate, stated or derived
        for run in plan.runs:
            run["below"] = Decimal(10) ** 6
        s.notes.append(s.t("列出所有到位率（含推算值），不限于未足额到位的",
                                 "listing every arrival rate (stated or derived), not only those below 100%"))
        return plan
    if execution or (p.has("band") and not indicators and ("执行" in p.text or "execution" in p.text)):
        return plan_execution(s, regions, execution, values)
    if compared and indicators:
        return plan_threshold(s, regions, compared[0])
    span = _value_range(s, values) if indicators and not compared else None
    if span:  # "可支付月数在3到9个月之间", "between 3 and 9 months": both bounds count
        low, high = span
        plan = plan_threshold(s, regions, low, op=">=")
        plan.at_most = s.value_in_unit(high, plan.runs[0]["indicator"], plan.runs[0]["statistic"])
        return plan
    if p.has("series") and indicators:
        return plan_series(s, regions)
    if indicators and len(regions) == 1 and len(s.funds()) > 1 and not p.has("sub", "county", "desc", "asc") \
            and not p.limit:  # "昌吉职工医保和居民医保收入对比": the funds of one region compared, not its sub-regions
        return plan_value(s, regions)
    if indicators and (p.has("rank", "desc", "asc") or p.limit):
        plan = plan_ranking(s, regions)
        if plan.limit is None and p.has("desc", "asc") and (_SINGULAR_RE.search(p.text) or not _PLURAL_RE.search(p.text)):
            plan.limit = 1  # "哪个地区…最低", "可支付月数最短的地区", "which region has the lowest …": the first of each fund
        return plan
    if indicators and regions:
        return plan_value(s, regions)
    if indicators:
        return plan_ranking(s, regions)
    if regions or s.funds() or values or s.ids("basis"):
        error = s.unknown("indicator")
        if error:
            raise error
        raise QAError("missing", s.t("问题里没有可识别的指标（如可支付月数、累计结余、基金收入）",
                                        "the question names no indicator I know (e.g. months of cover, "
                                        "cumulative balance, fund income)"), s.lang, examples=True)
    raise QAError("no_template", s.t(f"无法回答“{p.original.strip()}”：没有匹配的问题模板",
                                        f"cannot answer '{p.original.strip()}': no question template matches"),
                  s.lang, examples=True)

