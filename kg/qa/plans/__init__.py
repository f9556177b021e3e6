"""Planning: the filled slots choose the question type and its canned query (one module per type)."""

from __future__ import annotations

import re
from decimal import Decimal

from yibao.qa.answer import QAError
from yibao.qa.lexicon import FINDING_KINDS, Entity
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
_SINGULAR_RE = re.compile(r"哪个|哪一个|哪家|哪座|哪里|(?:which|what) (?:[a-z'’]+ ){0,2}?"
                          r"(?:region|city|county|district|prefecture|place|fund|area|pool|pooling area)(?![a-z])"
                          r"|(?<![a-z])where(?![a-z])")


_FIGURE_TEMPLATES = ("value", "threshold", "series", "ranking", "provenance")
_LEVEL_TEMPLATES = ("threshold", "ranking", "deficits", "subsidy_arrival", "budget_execution")


def choose_plan(s: Slots) -> Plan:
    """The plan for the question; figures of a group the question names (60岁以上, 一档) only."""
    plan = _choose_plan(s)
    if plan.template in _FIGURE_TEMPLATES:
        plan.qualifiers = tuple(s.ids("qualifier"))
    if plan.template in _LEVEL_TEMPLATES and s.p.has("county"):
        plan.levels = ("county", "pooling_area")  # "哪些区县…": not the city itself (its own pool, 市本级/城区, is a row of its 县市区 tables)
    return plan


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
    if p.has("subsidy") and _ARRIVAL_STATUS_RE.search(p.text) and "fiscal_subsidy_arrival_rate" not in indicators:
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
    if p.has("series") and indicators:
        return plan_series(s, regions)
    if indicators and (p.has("rank", "desc", "asc") or p.limit):
        plan = plan_ranking(s, regions)
        if plan.limit is None and p.has("desc", "asc") and _SINGULAR_RE.search(p.text):
            plan.limit = 1  # "哪个地区…最低", "which region has the lowest …": the first of each fund
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

