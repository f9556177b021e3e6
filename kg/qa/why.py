"""Why a question has no answer: the region has no report in the graph, the year is not covered
(with the years that are), or the indicator is never stated there (with the closest ones that are)."""

from __future__ import annotations

import difflib

from yibao.qa.answer import _t, concept_label
from yibao.qa.context import Context
from yibao.qa.plans.base import Plan

_REGION_KEYS = ("region", "regionScope", "lead")
_YEAR_KEYS = ("year", "reportYear")
_FINDING_NAMES = {"Problem": ("存在的问题", "problems"), "Recommendation": ("建议或下一步措施", "recommendations"),
                  "Measure": ("监管措施", "measures")}


def reasons(ctx: Context, plan: Plan, lang: str) -> list[str]:
    """One line per reason, in the question's language; empty when the graph simply has no match."""
    out: list[str] = []
    for run in plan.runs:
        region = next((_one(run[k]) for k in _REGION_KEYS if run.get(k)), None)
        name = concept_label(ctx.vocab, "region", region, lang) if region else ""
        if region and region not in ctx.data_regions():
            out.append(_t(lang, f"图中没有{name}的报告", f"the graph holds no report for {name}"))
            continue
        if plan.template == "findings":  # the region has reports, but none lists such findings
            kinds = [_FINDING_NAMES.get(k, (k, k)) for k in _many(run.get("kindName"))] or [_FINDING_NAMES["Problem"]]
            year = run.get("year")
            shown_zh, shown_en = "、".join(k[0] for k in kinds), ", ".join(k[1] for k in kinds)
            out.append(_t(lang, f"{name or '图中'}{f'{year}年' if year else ''}的报告没有列出{shown_zh}"
                          + ("（按所问的类别）" if run.get("category") else ""),
                          f"no {f'{year} ' if year else ''}report{' for ' + name if name else ''} lists "
                          f"{shown_en}" + (" of the categories asked about" if run.get("category") else "")))
            continue
        policies = _many(run.get("policyScope"))
        if policies:
            shown = "、".join(concept_label(ctx.vocab, "policy", p, lang) for p in policies)
            status = _many(run.get("statusName"))
            out.append(_t(lang, f"{name or '图中'}没有报告提到{shown}" + ("（按所问的实施状态）" if status else ""),
                          f"no report {'for ' + name + ' ' if name else ''}mentions {shown}"
                          + (" with the status asked about" if status else "")))
            continue
        year = next((run[k] for k in _YEAR_KEYS if run.get(k)), None)
        years, pairs = ctx.coverage(region)
        where = name or _t(lang, "图中", "the graph")
        if year is not None and year not in years:
            shown = "、".join(map(str, years)) if lang == "zh" else ", ".join(map(str, years))
            out.append(_t(lang, f"{where}没有{year}年的数据；已有的年份：{shown}",
                          f"{where} has no figures for {year}; years covered: {shown}"))
            continue
        if year is not None:  # the reasons below are about the year asked ("2020年的报告没有给出基金收入")
            years_with = sorted({y for y, i, _ in ctx.coverage_by_year(region) if i in _many(run.get("indicator"))})
            _, pairs = ctx.coverage(region, year)
            if years_with and not any(i in _many(run.get("indicator")) for i, _ in pairs):
                label = "、".join(concept_label(ctx.vocab, "indicator", i, lang) for i in _many(run.get("indicator")))
                shown = "、".join(map(str, years_with)) if lang == "zh" else ", ".join(map(str, years_with))
                out.append(_t(lang, f"{where}没有{year}年的{label}数据；有该指标的年份：{shown}",
                              f"{where} has no {label} for {year}; years that have it: {shown}"))
                continue
            where = _t(lang, f"{where}{year}年", f"{where} in {year}")
        indicators = sorted({i for i, _ in pairs})
        asked = _many(run.get("fundScope"))
        wanted = [i for i in _many(run.get("indicator")) if i not in indicators]
        for indicator in [i for i in _many(run.get("indicator")) if i in indicators] if asked else []:
            stated = sorted({f for i, f in pairs if i == indicator})
            if not any(f in asked or ctx.vocab.top_fund(f) in asked for f in stated):
                label = concept_label(ctx.vocab, "indicator", indicator, lang)
                shown = "、".join(concept_label(ctx.vocab, "fund", f, lang) for f in stated) if lang == "zh" else \
                    ", ".join(concept_label(ctx.vocab, "fund", f, lang) for f in stated)
                out.append(_t(lang, f"{where}的报告只给出了{shown}的{label}",
                              f"{where}'s reports state {label} only for {shown}"))
        for indicator in wanted:
            label = concept_label(ctx.vocab, "indicator", indicator, lang)
            labels = {concept_label(ctx.vocab, "indicator", i, lang): i for i in indicators}
            near = difflib.get_close_matches(label, list(labels), n=3, cutoff=0.3)
            shown = "、".join(near) if lang == "zh" else ", ".join(near)
            out.append(_t(lang, f"{where}的报告没有给出{label}" + (f"；有的相近指标：{shown}" if near else ""),
                          f"{where}'s reports never state {label}" + (f"; closest stated: {shown}" if near else "")))
    return list(dict.fromkeys(out))


def _one(value):
    return value[0] if isinstance(value, list) and value else value


def _many(value) -> list[str]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]
