"""The SQL twin of `budget_execution`: execution rates stated in a report, and those derived as
actual ÷ budget × 100 where a report states none (computed here with exact decimals, rounded as
SPARQL's ROUND does: half up, toward positive infinity)."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal, localcontext
from typing import TYPE_CHECKING, Any

from yibao.graph import namespaces as ns
from yibao.graph.rdf import decimal_lexical

if TYPE_CHECKING:
    import duckdb
    from yibao.qa.queries import BoundQuery

_C = {f"{scheme}:{name}": ns.code(scheme, name) for scheme, name in (
    ("basis", "actual"), ("basis", "budget"), ("basis", "adjusted_budget"), ("basis", "target"),
    ("basis", "derived"), ("statistic", "level"), ("unit", "percent"), ("indicator", "budget_execution_rate"))}

_STATED = """
SELECT f.obs, f.report, f.region, f.year, f.period, f.fund, f.indicator, f.basis, f.statistic, f.value_text,
       f.unit, f.surface, f.quote, f.start, f."end", f.policy, f.qualifier
FROM facts f
WHERE f.region IS NOT NULL AND f.statistic = $level AND f.basis NOT IN ($budget, $adjusted, $target)
  AND (f.indicator = $rate OR f.indicator IN (SELECT indicator FROM execution_rates))
  AND ($any_indicator OR list_contains($indicators, f.indicator))
  AND ($op = 'any' OR ($op = 'outside' AND (f.value < $low OR f.value > $high))
       OR ($op = '<' AND f.value < $low) OR ($op = '<=' AND f.value <= $low)
       OR ($op = '>' AND f.value > $high) OR ($op = '>=' AND f.value >= $high))
  AND {scope}
"""

_DERIVED = """
SELECT e.indicator, n.report, n.region, n.year, n.period, n.fund, n.value_text, n.quote, n.start, n."end",
       n.unit, e.executed, d.value_text, d.quote, d.start, d."end", d.basis, d.unit
FROM execution_rates e
JOIN facts n ON n.indicator = e.executed AND n.statistic = $level AND n.basis = $actual AND n.region IS NOT NULL
JOIN facts d ON d.graph = n.graph AND d.indicator = e.executed AND d.statistic = $level
     AND d.basis IN ($budget, $adjusted) AND d.region = n.region AND d.period = n.period AND d.fund = n.fund
     AND d.report = n.report
WHERE ($any_indicator OR list_contains($indicators, e.indicator)) AND d.value > 0
  AND (d.basis = $adjusted OR NOT EXISTS (SELECT 1 FROM facts a WHERE a.graph = n.graph
       AND a.indicator = e.executed AND a.basis = $adjusted AND a.region = n.region AND a.period = n.period
       AND a.fund = n.fund AND a.report = n.report))
  AND NOT EXISTS (SELECT 1 FROM facts s WHERE s.graph = n.graph AND s.indicator IN (e.indicator, $rate)
       AND s.region = n.region AND s.period = n.period AND s.fund = n.fund AND s.report = n.report)
  AND {scope}
"""

_SCOPE = """($any_year OR {t}.year = $year) AND (NOT $any_fund AND (list_contains($funds, {t}.fund) OR EXISTS (SELECT 1 FROM ancestors a
       WHERE a.concept = {t}.fund AND list_contains($funds, a.ancestor))) OR $any_fund)
  AND ($any_region OR {t}.region = $region OR EXISTS (SELECT 1 FROM ancestors a
       WHERE a.concept = {t}.region AND a.ancestor = $region))"""

_FACT_KEYS = ("obs", "report", "region", "year", "period", "fund", "indicator", "basis", "statistic", "value", "unit",
              "surface", "quote", "start", "end", "policy", "qualifier")
_DERIVED_KEYS = ("indicator", "report", "region", "year", "period", "fund", "numValue", "numQuote", "numStart",
                 "numEnd", "numUnit", "numIndicator", "denValue", "denQuote", "denStart", "denEnd", "denBasis",
                 "denUnit")


def _rate(num: Decimal, den: Decimal) -> Decimal:
    """ROUND(num / den * 10000) / 100, as SPARQL computes it (ROUND: floor(x + 0.5))."""
    with localcontext() as ctx:
        ctx.prec = 80
        x = num / den * 10000
        return Decimal(decimal_lexical((x + Decimal("0.5")).to_integral_value(rounding=ROUND_FLOOR) / 100))


def _passes(op: str, value: Decimal, low: Decimal, high: Decimal) -> bool:
    return (op == "any" or (op == "outside" and (value < low or value > high)) or (op == "<" and value < low)
            or (op == "<=" and value <= low) or (op == ">" and value > high) or (op == ">=" and value >= high))


def _nulls_first(value: Any) -> tuple:
    return (0,) if value is None else (1, value)


def answer(con: duckdb.DuckDBPyConnection, bound: BoundQuery, names: list[str],
           params: dict[str, Any], scalar: Any, iris: Any, exact: Any) -> list[dict[str, Any]]:
    """The rows of the bound `budget_execution` query, ordered as its ORDER BY orders them."""
    indicators, funds = iris(bound, "indicator"), iris(bound, "fundScope")
    region, year = scalar(bound, "regionScope"), scalar(bound, "year")
    low, high = Decimal(exact(bound, "low")), Decimal(exact(bound, "high"))
    op = scalar(bound, "op")
    args = {"level": _C["statistic:level"], "budget": _C["basis:budget"], "adjusted": _C["basis:adjusted_budget"],
            "rate": _C["indicator:budget_execution_rate"], "any_indicator": not indicators,
            "indicators": indicators or [""], "any_fund": not funds, "funds": funds or [""],
            "any_region": region is None, "region": region or "", "any_year": year is None,
            "year": int(year) if year is not None else 0}
    stated_args = args | {"target": _C["basis:target"], "op": op, "low": low, "high": high}
    rows: list[dict[str, Any]] = []
    sql = _STATED.format(scope=_SCOPE.format(t="f"))
    for found in con.execute(sql, stated_args).fetchall():
        facts = dict(zip(_FACT_KEYS, found))
        facts["value"] = Decimal(facts["value"])
        rows.append({name: facts.get(name, False if name == "derived" else params.get(name)) for name in names})
    if scalar(bound, "derive") in ("true", "1"):
        derived_args = args | {"actual": _C["basis:actual"]}
        for found in con.execute(_DERIVED.format(scope=_SCOPE.format(t="n")), derived_args).fetchall():
            facts = dict(zip(_DERIVED_KEYS, found))
            facts["numValue"], facts["denValue"] = Decimal(facts["numValue"]), Decimal(facts["denValue"])
            value = _rate(facts["numValue"], facts["denValue"])
            if not _passes(op, value, low, high):
                continue
            facts |= {"value": value, "basis": _C["basis:derived"], "statistic": _C["statistic:level"],
                      "unit": _C["unit:percent"], "numBasis": _C["basis:actual"], "derived": True}
            rows.append({name: facts.get(name, params.get(name)) for name in names})
    rows.sort(key=lambda r: (r["year"], r["region"], r["fund"], r["indicator"], r["derived"], r["value"],
                             _nulls_first(r["start"]), _nulls_first(r["numStart"]), r["report"],
                             _nulls_first(r["obs"]), r["period"], _nulls_first(r["denStart"])))
    return rows
