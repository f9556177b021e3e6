"""Plans for policy questions: adopters, procurement alliances, outpatient mutual aid."""

from __future__ import annotations

import re
from typing import Any

from yibao.qa.answer import QAError
from yibao.qa.lexicon import STATUSES
from yibao.qa.plans.base import Plan, scoped_runs
from yibao.qa.slots import Slots

POLICY_INDICATORS = ("procurement_savings", "price_reduction_avg", "price_reduction_max", "products_count",
                     "institutions_covered", "diseases_covered", "payment_rate", "deductible", "annual_cap",
                     "policy_expenditure", "settlements")


MUTUAL_AID_INDICATORS = ("payment_rate", "deductible", "annual_cap", "policy_expenditure", "settlements")


def plan_policy(s: Slots, regions: list[str]) -> Plan:
    p = s.p
    policies = s.ids("policy")
    indicators = s.indicators()
    _, years = s.classify_numbers()
    if p.has("alliance") or s.alliances or \
            (p.has("savings") and (not policies or "volume_based_procurement" in policies)) or \
            (policies == ["volume_based_procurement"] and set(indicators) & {"procurement_savings", "products_count",
                                                                              "price_reduction_avg", "price_reduction_max"}):
        base: dict[str, Any] = {"indicator": [i for i in indicators if i in POLICY_INDICATORS]}
        if s.alliances:
            base["label"] = s.alliances
        years_or_any: list[int | None] = list(dict.fromkeys(years)) or [None]
        if regions and re.search(r"牵头|领头|主导|带头|为首|led by|[a-z]-led\b|leads|lead region|leading|headed by", p.text):
            runs = [dict(base, lead=[r], **({"reportYear": y} if y else {})) for r in regions for y in years_or_any]
        else:
            runs = scoped_runs(s, regions, base, years=years_or_any, year_key="reportYear")
        return Plan("alliance", runs, s.lang, s.notes)
    qualifiers = s.ids("qualifier")
    if "outpatient_mutual_aid" in policies and (
            p.has("params") or set(indicators) & set(MUTUAL_AID_INDICATORS) or qualifiers):
        base = {"indicator": [i for i in indicators if i in POLICY_INDICATORS], "qualifier": qualifiers}
        runs = scoped_runs(s, regions, base, years=list(dict.fromkeys(years)) or [None])
        return Plan("mutual_aid", runs, s.lang, s.notes)
    figures = [i for i in indicators if i in POLICY_INDICATORS]
    if policies and figures and len(indicators) == 1:
        # "淮北DRG覆盖了多少家医疗机构": a figure of the policy (stated with it), not the list of adopters
        from yibao.qa.plans.facts import plan_ranking, plan_value

        plan = plan_value(s, regions) if regions else plan_ranking(s, regions)
        plan.policies = tuple(policies)  # the figures of the policy named (DIP's, not DRG's)
        return plan
    if not policies:
        raise QAError("missing", s.t("请说明是哪项政策（如DRG、DIP、带量采购、门诊共济）",
                                        "name the policy (e.g. DRG, DIP, volume-based procurement, "
                                        "outpatient mutual aid)"), s.lang, examples=True)
    base = {"policyScope": policies}
    statuses = [span.kind for span in p.spans if span.kind in STATUSES]
    if statuses:  # "全面推开DRG": only where the report says so, not pilots or simulated payment
        base["statusName"] = statuses[:1]
    runs = scoped_runs(s, regions, base, years=list(dict.fromkeys(years)) or [None])
    return Plan("policy_adopters", runs, s.lang, s.notes)

