"""Plans for budget execution and fiscal-subsidy arrival questions."""

from __future__ import annotations

from typing import Any

from yibao.qa.answer import QAError
from yibao.qa.lexicon import Number
from yibao.qa.plans.base import Plan, scoped_runs
from yibao.qa.slots import BAND, Slots


def plan_subsidy(s: Slots, regions: list[str], number: Number | None) -> Plan:
    base: dict[str, Any] = {"fundScope": s.funds()}
    if number is not None:
        base["below"] = s.value_in_unit(number, "fiscal_subsidy_arrival_rate", "level")
    return Plan("subsidy_arrival", scoped_runs(s, regions, base), s.lang, s.notes)


def plan_execution(s: Slots, regions: list[str], execution: list[str], values: list[Number]) -> Plan:
    specific = [i for i in execution if i != "budget_execution_rate"]
    every_rate = sorted(i for i in s.vocab.indicators if s._is_execution_rate(i))
    if specific and "budget_execution_rate" in execution:  # a specific rate, or the unqualified one beside it
        specific.append("budget_execution_rate")
    base: dict[str, Any] = {"indicator": specific or every_rate, "fundScope": s.funds()}
    low, high, op = BAND[0], BAND[1], "outside"
    numbers = [n for n in values if n.unit in (None, "percent")]
    pair = s._range(numbers)
    if pair:
        low, high = pair
    elif numbers and s.comparator_for(numbers[0]):
        op = s.comparator_for(numbers[0]) or "outside"
        value = s.value_in_unit(numbers[0], "budget_execution_rate", "level")
        if op in ("<", "<="):
            low = value
        else:
            high = value
    elif not numbers and not s.p.has("band"):
        op = "any"  # "淮北居民医保基金支出预算执行率是多少": the rate itself, whatever it is
    elif numbers:
        raise QAError("missing", s.t("请说明是低于、高于还是超出某个区间（如“低于95%”“不在95%到105%之间”）",
                                        "say below, above or outside which band (e.g. 'below 95%', "
                                        "'outside 95%-105%')"), s.lang)
    base.update({"low": low, "high": high, "op": op})
    return Plan("budget_execution", scoped_runs(s, regions, base), s.lang, s.notes)

