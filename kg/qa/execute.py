"""Running a plan: bind and run the canned query for each parameter set, shape, merge, sort and rank."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from yibao.qa.answer import Shaper, _t, concept_label
from yibao.qa.plans.base import Plan

if TYPE_CHECKING:
    from yibao.qa.context import Context
    from yibao.qa.queries import BoundQuery

_ROLE_ORDER = {"lead": 0, "member": 1, "adopter": 2, "figure": 3, None: 4}


def _dedupe(rows: list[dict[str, Any]], template: str) -> list[dict[str, Any]]:
    """One row per fact: a figure stated several times in a report (text and table, two sentences)
    is one row with its first quote; the other quotes go to `other_quotes`."""
    groups: dict[tuple, dict[str, Any]] = {}
    for row in sorted(rows, key=lambda r: (_ROLE_ORDER.get(r.get("role"), 4), r["start"] is None,
                                           r["start"] or 0, r["end"] or 0, str(r["quote"]))):
        if template in ("policy_adopters",):
            key = (row["policy"], row["region_code"])
        elif template == "findings":
            key = (row["report"], row["start"])
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

    if template == "ranking" or (template == "deficits" and order != "none"):  # "最大的赤字": the deficits ranked
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
    if template == "findings":
        return lambda r: (r["region_code"] or "", r["year"] or 0, r["report"] or "", r["start"] or 0)
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
    from yibao.index import TWIN_QUERIES
    from yibao.qa.queries import bind, get_query, run

    template = "value" if plan.template == "ranking" and plan.runs and "region" in plan.runs[0] else plan.template
    query = get_query(template)
    index = ctx.fact_index if template in TWIN_QUERIES else None  # opened only for a query it can answer
    shaper = Shaper(ctx.vocab, lang)
    rows: list[dict[str, Any]] = []
    bounds = []
    for values in plan.runs:
        bound = bind(query, values)
        bounds.append(bound)
        solutions = run(ctx.store, bound, index)
        if not solutions and plan.fallback_scope and values.get("region") and \
                getattr(ctx.vocab["region"].get(values["region"]), "level", None) != "country":  # not one county for China
            widened = dict(values, regionScope=values["region"])
            del widened["region"]
            bound = bind(query, widened)
            solutions = run(ctx.store, bound, index)
            if solutions:
                bounds[-1] = bound
                name = concept_label(ctx.vocab, "region", values["region"], lang)
                plan.notes.append(_t(lang, f"{name}本身没有该数据，列出其下辖地区的数据",
                                     f"{name} itself has no such figure; showing the regions below it"))
        shape = shaper.policy if plan.template in ("policy_adopters", "alliance") else \
            shaper.finding if plan.template == "findings" else shaper.fact
        rows += [shape(s, plan.template) for s in solutions]
    if plan.qualifiers:  # "60岁以上参保人员占比": that group's figures, not every group's
        rows = [row for row in rows if row["qualifier"] in plan.qualifiers]
    if plan.policies:  # a policy's local id is its type, numbered when a report has several ("drg", "drg-2")
        rows = [row for row in rows if row.get("policy")
                and re.sub(r"-\d+$", "", str(row["policy"]).rsplit("/", 1)[-1]) in plan.policies]
    if plan.at_least is not None:
        rows = [row for row in rows if row["value"] is not None and Decimal(str(row["value"])) >= plan.at_least]
    if plan.at_most is not None:
        rows = [row for row in rows if row["value"] is not None and Decimal(str(row["value"])) <= plan.at_most]
    if plan.levels:  # "哪些区县…": regions at the levels asked for
        regions = ctx.vocab["region"]
        rows = [row for row in rows if row.get("region_code") in regions
                and regions[row["region_code"]].level in plan.levels]
    rows = _dedupe(rows, plan.template)
    rows.sort(key=_sort_key(plan.template, plan.order))
    if plan.template == "ranking" or (plan.template == "deficits" and plan.order != "none"):
        rows = _rank(rows, plan.limit)
    for row in rows:
        row.pop("_period", None)
    return rows, bounds

