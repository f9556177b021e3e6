"""A plan: which canned query to run, with which parameter sets; helpers that build the runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from yibao.qa.slots import Slots


@dataclass
class Plan:
    template: str
    runs: list[dict[str, Any]]  # one parameter set per run of the canned query
    lang: str
    notes: list[str] = field(default_factory=list)
    limit: int | None = None
    order: str = "desc"
    fallback_scope: bool = False  # value lookups: retry with the regions below when the region has none
    qualifiers: tuple[str, ...] = ()  # only figures for these groups (60岁以上, 一档 …) when the question names them
    at_least: Decimal | None = None  # only rows whose value is at least this ("足额到位": 100 %)
    policies: tuple[str, ...] = ()  # only figures stated for a policy of these types (DRG覆盖多少家)
    at_most: Decimal | None = None  # only rows whose value is at most this ("在3到9个月之间": 9)
    levels: tuple[str, ...] = ()  # only regions at these levels ("哪些区县…": county), when the question says so


def scoped_runs(s: Slots, regions: list[str], base: dict[str, Any], key: str = "regionScope",
                 years: list[int | None] | None = None, year_key: str = "year") -> list[dict[str, Any]]:
    runs = []
    for region in regions or [None]:
        for year in years if years is not None else s.year_params(region):
            run = dict(base)
            if region:
                run[key] = region
            if year is not None:
                run[year_key] = year
            runs.append(run)
    return runs


def region_year_runs(s: Slots, base: dict[str, Any], regions: list[str], region_key: str,
                     with_year: dict[str, Any]) -> list[dict[str, Any]]:
    """One run of a query per region (or one without) and per year the question implies."""
    runs = []
    for region in regions or [None]:
        for year in s.year_params(region):
            run = dict(base)
            if region:
                run[region_key] = region
            if year is not None:
                run.update(year=year, **with_year)
            runs.append(run)
    return runs

