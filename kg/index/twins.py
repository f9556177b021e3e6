"""SQL twins of canned fact queries: the same rows, keys, order and Python values as `run` gives over SPARQL.

Each twin reads the bound query's parameters (the pyoxigraph terms of `BoundQuery.substitutions` and the
list values of `BoundQuery.values`) and passes them to DuckDB as query parameters, never as SQL text.
ORDER BY follows the .rq file's (all its keys are bound here: numbers compare as numbers, IRIs as code
points), with the observation IRI last, as the .rq files have it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from yibao.graph import namespaces as ns
from yibao.graph.terms import term_value
from yibao.index.common import zipped
from yibao.index.rows import Inexact, exact_decimal

if TYPE_CHECKING:
    import duckdb
    from yibao.qa.queries import BoundQuery

_COLUMNS = ("obs", "report", "region", "year", "period", "fund", "indicator", "basis", "statistic", "value", "unit",
            "surface", "quote", "start", "end", "policy", "qualifier")
_SELECT = ('SELECT f.obs, f.report, f.region, f.year, f.period, f.fund, f.indicator, f.basis, f.statistic, '
           'f.value_text, f.unit, f.surface, f.quote, f.start, f."end", f.policy, f.qualifier FROM facts f')
_PROJECTION_RE = re.compile(r"\bSELECT\b(.*?)\bWHERE\b", re.S | re.I)
_INDICATOR, _STATISTIC = ns.code("indicator", "current_balance"), ns.code("statistic", "level")


class _Where:
    """WHERE conditions and their parameters, in order."""

    def __init__(self) -> None:
        self.parts: list[str] = ["f.region IS NOT NULL"]  # every fact query matches yb:region
        self.args: list[Any] = []

    def add(self, sql: str, *args: Any) -> None:
        self.parts.append(sql)
        self.args += args

    @property
    def sql(self) -> str:
        return " WHERE " + " AND ".join(self.parts)


def _scalar(bound: BoundQuery, name: str) -> Any:
    """The substituted term's value (an IRI or a literal's lexical form), or None when free."""
    term = bound.substitutions.get(name)
    return None if term is None else term.value


def _iris(bound: BoundQuery, name: str) -> list[str]:
    """A list parameter's IRIs ([]: any)."""
    return [term.value for term in bound.lists.get(name, [])]


def _flag(bound: BoundQuery, name: str) -> bool | None:
    value = _scalar(bound, name)
    return None if value is None else value in ("true", "1")


def _common(bound: BoundQuery, where: _Where, scope_region: bool = True) -> None:
    """Parameters the fact queries share: indicator, statistic, region, year, basis, fundScope, regionScope."""
    for column in ("indicator", "statistic", "region", "year"):
        if column in bound.query.params and _scalar(bound, column) is not None:
            value = _scalar(bound, column)
            where.add(f"f.{column} = ?", int(value) if column == "year" else value)
    if "basis" in bound.query.params:
        bases = _iris(bound, "basis")
        if bases:
            where.add("list_contains(?, f.basis)", bases)
    funds = _iris(bound, "fundScope")
    if funds:
        where.add("(list_contains(?, f.fund) OR EXISTS (SELECT 1 FROM ancestors a WHERE a.concept = f.fund "
                  "AND list_contains(?, a.ancestor)))", funds, funds)
    scope = _scalar(bound, "regionScope") if scope_region else None
    if scope is not None:
        where.add("(f.region = ? OR EXISTS (SELECT 1 FROM ancestors a WHERE a.concept = f.region "
                  "AND a.ancestor = ?))", scope, scope)


def _latest(bound: BoundQuery, where: _Where) -> None:
    """latestOnly: no figure of the same region, fund, indicator, basis and statistic for a later year."""
    if _flag(bound, "latestOnly"):
        where.add("NOT EXISTS (SELECT 1 FROM facts l WHERE l.region = f.region AND l.fund = f.fund "
                  "AND l.indicator = f.indicator AND l.basis = f.basis AND l.statistic = f.statistic "
                  "AND l.year > f.year)")


def _decimal(bound: BoundQuery, name: str) -> str:
    """A decimal parameter as text for CAST(? AS DECIMAL(38, 18)); raises Inexact when it does not fit."""
    value = _scalar(bound, name)
    exact_decimal(value)
    return value


_OPS = {"<": "<", "<=": "<=", ">": ">", ">=": ">="}


def _threshold(bound: BoundQuery, where: _Where) -> str:
    _common(bound, where)
    op = _OPS[_scalar(bound, "op")]  # a fixed choice of the .rq header's enum, not user text
    where.add(f"f.value {op} CAST(? AS DECIMAL(38, 18))", _decimal(bound, "threshold"))
    return "f.report, f.region, f.year, f.fund, f.value, f.start, f.obs"


def _value(bound: BoundQuery, where: _Where) -> str:
    _common(bound, where)
    _latest(bound, where)
    return "f.region, f.fund, f.year, f.basis, f.start, f.obs"


def _ranking(bound: BoundQuery, where: _Where) -> str:
    _common(bound, where)
    scope = _scalar(bound, "regionScope")
    if not _flag(bound, "includeScope") and scope is not None:
        where.add("f.region <> ?", scope)
    _latest(bound, where)
    sign = "-" if _scalar(bound, "order") == "asc" else ""
    return f"f.fund, {sign}f.value DESC, f.region, f.year, f.start, f.obs"


def _series(bound: BoundQuery, where: _Where) -> str:
    _common(bound, where)
    return "f.fund, f.year, f.period, f.basis, f.report, f.start, f.obs"


def _deficits(bound: BoundQuery, where: _Where) -> str:
    where.add("f.indicator = ? AND f.statistic = ? AND f.value < 0", _INDICATOR, _STATISTIC)
    _common(bound, where)
    return "f.year, f.region, f.fund, f.value, f.start, f.obs"


TWINS: dict[str, Callable[[BoundQuery, _Where], str]] = {
    "threshold": _threshold, "value": _value, "ranking": _ranking, "series": _series, "deficits": _deficits,
}


def _projection(bound: BoundQuery) -> list[str]:
    match = _PROJECTION_RE.search(bound.sparql)
    return re.findall(r"\?(\w+)", match.group(1)) if match else []


def answer(con: duckdb.DuckDBPyConnection, bound: BoundQuery) -> list[dict[str, Any]] | None:
    """The rows of ``bound`` from the index, or None when the query has no twin (or a parameter the
    index cannot compare exactly)."""
    from yibao.index import arrival, policies

    node_twin = policies.TWINS.get(bound.query.id) or arrival.TWINS.get(bound.query.id)
    if node_twin is not None:
        names = _projection(bound)
        try:
            return node_twin(con, bound, names, {name: term_value(bound.substitutions.get(name)) for name in names})
        except Inexact:
            return None
    twin = TWINS.get(bound.query.id)
    if twin is None and bound.query.id != "budget_execution":
        return None
    names = _projection(bound)
    params = {name: term_value(bound.substitutions.get(name)) for name in names if name not in _COLUMNS}
    where = _Where()
    try:
        if twin is None:
            from yibao.index import budget

            return budget.answer(con, bound, names, params, _scalar, _iris, _decimal)
        order = twin(bound, where)
    except Inexact:
        return None
    fetched = con.execute(f"{_SELECT}{where.sql} ORDER BY {order}", where.args).fetchall()
    return zipped(fetched, _COLUMNS, names, params)
