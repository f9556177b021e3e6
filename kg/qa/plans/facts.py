"""Plans for questions about figures: thresholds, values, rankings, series, deficits, provenance."""

from __future__ import annotations

from typing import Any

from yibao.qa.answer import QAError
from yibao.qa.lexicon import Number
from yibao.qa.plans.base import Plan, region_year_runs, scoped_runs
from yibao.qa.slots import Slots, _tolerance


def plan_simple(s: Slots, template: str, regions: list[str]) -> Plan:
    base: dict[str, Any] = {"fundScope": s.funds(), "basis": s.bases()}
    return Plan(template, scoped_runs(s, regions, base), s.lang, s.notes)


def plan_threshold(s: Slots, regions: list[str], number: Number, op: str | None = None) -> Plan:
    statistic = s.statistic()
    indicator = s.pick_indicator(number, statistic)
    value = s.value_in_unit(number, indicator, statistic)
    op = op or s.comparator_for(number) or "<"
    base = {"indicator": indicator, "op": op, "threshold": value, "statistic": statistic,
            "fundScope": s.funds(), "basis": s.bases()}
    return Plan("threshold", scoped_runs(s, regions, base), s.lang, s.notes)


def plan_series(s: Slots, regions: list[str]) -> Plan:
    indicators = s.listed_indicators()
    if not regions:
        error = s.unknown("region") if s._looks_like_place() else None
        raise error or QAError("missing", s.t("时间序列需要一个地区，如“株洲历年职工医保参保人数”",
                                                 "a time series needs a region, e.g. 'Zhuzhou employee "
                                                 "enrollment over the years'"), s.lang)
    base = {"fundScope": s.funds(), "basis": s.bases(), "statistic": s.statistic()}
    runs = [dict(base, region=r, indicator=i) for r in regions for i in indicators]
    return Plan("series", runs, s.lang, s.notes)


def plan_ranking(s: Slots, regions: list[str]) -> Plan:
    indicator = s.pick_indicator(None, s.statistic())
    order = "asc" if s.p.has("asc") and not s.p.has("desc") else "desc"
    if s.p.has("asc") and s.p.has("desc"):
        order = "asc" if min(s.start for s in s.p.kw("asc")) < min(s.start for s in s.p.kw("desc")) \
            else "desc"
    base: dict[str, Any] = {"indicator": indicator, "order": order, "statistic": s.statistic(),
                            "fundScope": s.funds(), "basis": s.bases()}
    if len(regions) > 1:  # compare the regions named: each one's own figures
        runs = []
        for region in regions:
            for year in s.year_params(region):
                runs.append(dict({k: v for k, v in base.items() if k != "order"}, region=region,
                                 **({"year": year, "latestOnly": False} if year else {})))
        return Plan("ranking", runs, s.lang, s.notes, limit=s.p.limit, order=order)
    runs = region_year_runs(s, base, regions, "regionScope", {"latestOnly": False})
    return Plan("ranking", runs, s.lang, s.notes, limit=s.p.limit, order=order)


def plan_value(s: Slots, regions: list[str]) -> Plan:
    base = {"fundScope": s.funds(), "basis": s.bases(), "statistic": s.statistic()}
    runs = []
    for region, indicator in ((r, i) for r in regions for i in s.listed_indicators()):
        for year in s.year_params(region):
            run = dict(base, region=region, indicator=indicator)
            if year is not None:
                run.update(year=year, latestOnly=False)
            runs.append(run)
    years = [y for y in s.year_params(regions[0] if regions else None) if y is not None]
    if base["statistic"] in ("change", "growth_rate") and len(years) > 1:
        # "how did it change from 2021 to 2022", "2021到2022年变化了多少": the figure at each end too
        runs += [dict(run, statistic="level") for run in runs if run.get("year") in years]
    return Plan("value", runs, s.lang, s.notes, fallback_scope=True)


def plan_provenance(s: Slots, regions: list[str]) -> Plan:
    values, _ = s.classify_numbers()
    number = values[0] if values else None
    statistic = s.statistic()
    indicator = s.pick_indicator(number, statistic)
    base: dict[str, Any] = {"indicator": indicator, "fundScope": s.funds(), "basis": s.bases(None),
                            "statistic": statistic}
    if number is not None:
        target = s.value_in_unit(number, indicator, statistic)
        base.update(matchValue=True, target=target, tolerance=_tolerance(number, target))
    runs = region_year_runs(s, base, regions, "region", {})
    return Plan("provenance", runs, s.lang, s.notes)

