"""SQL twins of `subsidy_arrival` and `provenance`: the rows `run` gives over SPARQL, from the facts table
(and report_meta).

Each reads a pattern's solutions as DISTINCT over the columns the pattern binds (the facts table has a
row per combination of an observation's values, including properties a pattern does not read).
`subsidy_arrival`'s derived rates are computed with exact decimals and rounded as SPARQL's ROUND does
(`budget._rate`).
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from typing import TYPE_CHECKING, Any

from yibao.graph import namespaces as ns
from yibao.index.budget import _rate
from yibao.index.common import (
    Scopes,
    in_scope,
    items,
    order_key,
    project,
    region_args,
    scalar,
    scope_args,
    scope_filter,
    zipped,
)
from yibao.index.rows import Inexact, exact_decimal

if TYPE_CHECKING:
    import duckdb
    from yibao.qa.queries import BoundQuery

Rows = list[dict[str, Any]]

_C = {name: ns.code(scheme, ident) for name, (scheme, ident) in {
    "rate": ("indicator", "fiscal_subsidy_arrival_rate"), "due": ("indicator", "fiscal_subsidy_due"),
    "received": ("indicator", "fiscal_subsidy_received"), "level": ("statistic", "level"),
    "actual": ("basis", "actual"), "budget": ("basis", "budget"), "adjusted": ("basis", "adjusted_budget"),
    "target": ("basis", "target"), "derived": ("basis", "derived"), "percent": ("unit", "percent")}.items()}
_LIMIT = Decimal(10) ** 20  # beyond it Oxigraph's decimals overflow: SPARQL answers

_FACT = ('f.obs, f.report, f.region, f.year, f.period, f.fund, f.indicator, f.basis, f.statistic, f.value_text, '
         'f.unit, f.surface, f.quote, f.start, f."end", f.policy, f.qualifier')
_FACT_KEYS = ("obs", "report", "region", "year", "period", "fund", "indicator", "basis", "statistic", "value",
              "unit", "surface", "quote", "start", "end", "policy", "qualifier")
_YEAR = "($any_year OR {t}.year = $year)"


def _decimal(bound: BoundQuery, name: str) -> str:
    value = scalar(bound, name)
    exact_decimal(value)
    return value


def _base_args(bound: BoundQuery) -> dict[str, Any]:
    found = scalar(bound, "year")
    return region_args(bound) | {"any_year": found is None, "year": int(found) if found is not None else 0}


def _fact(found: tuple) -> dict[str, Any]:
    row = dict(zip(_FACT_KEYS, found))
    row["value"] = Decimal(row["value"])
    return row


# --- subsidy_arrival ---------------------------------------------------------------------------------------

_STATED = f"""SELECT DISTINCT f.graph, {_FACT} FROM facts f
WHERE f.indicator = $rate AND f.statistic = $level AND f.region IS NOT NULL AND f.value < CAST($below AS DECIMAL(38, 18))
  AND f.basis NOT IN ($budget, $adjusted, $target) AND {_YEAR.format(t="f")} AND {in_scope("f.region")}
  AND {scope_filter("f.fund", "funds")}"""

# the due and received figures of the stated rates' (graph, basis, region, period, fund, report)
_AMOUNTS = f"""WITH k AS (SELECT DISTINCT f.graph, f.basis, f.region, f.period, f.fund, f.report FROM ({_STATED}) f)
SELECT DISTINCT d.graph, d.basis, d.region, d.period, d.fund, d.report, d.indicator, d.obs, d.value_text, d.quote,
       d.start, d."end"
FROM facts d JOIN k ON k.graph = d.graph AND k.basis = d.basis AND k.region = d.region AND k.period = d.period
     AND k.fund = d.fund AND k.report = d.report
WHERE d.indicator IN ($due, $received) AND d.statistic = $level"""

# received ÷ due: each an unambiguous figure (one value of its kind for the region, period, fund and report:
# the .rq's NOT EXISTS of another value), with no arrival rate stated for them
_DERIVED = f"""WITH amounts AS (SELECT * FROM facts WHERE indicator IN ($due, $received) AND statistic = $level
       AND basis = $actual AND region IS NOT NULL),
  single AS (SELECT graph, region, period, fund, report, indicator FROM amounts GROUP BY ALL
       HAVING count(DISTINCT value) = 1),
  stated AS (SELECT DISTINCT graph, region, period, fund, report FROM facts WHERE indicator = $rate
       AND region IS NOT NULL)
SELECT DISTINCT n.obs, d.obs, n.report, n.region, n.year, n.period, n.fund, n.value_text, n.quote,
       n.start, n."end", d.value_text, d.quote, d.start, d."end"
FROM amounts n JOIN amounts d ON d.graph = n.graph AND d.indicator = $due AND d.region = n.region
     AND d.period = n.period AND d.fund = n.fund AND d.report = n.report
  JOIN single sn ON sn.graph = n.graph AND sn.region = n.region AND sn.period = n.period AND sn.fund = n.fund
     AND sn.report = n.report AND sn.indicator = $received
  JOIN single sd ON sd.graph = n.graph AND sd.region = n.region AND sd.period = n.period AND sd.fund = n.fund
     AND sd.report = n.report AND sd.indicator = $due
WHERE n.indicator = $received AND d.value > 0 AND {_YEAR.format(t="n")} AND {in_scope("n.region")}
  AND {scope_filter("n.fund", "funds")}
  AND NOT EXISTS (SELECT 1 FROM stated s WHERE s.graph = n.graph AND s.region = n.region AND s.period = n.period
      AND s.fund = n.fund AND s.report = n.report)"""

_AMOUNT_KEYS = ("obs", "Value", "Quote", "Start", "End")


def _derived_rate(num: Decimal, den: Decimal) -> Decimal:
    """ROUND(num / den * 10000) / 100; raises Inexact where Oxigraph's decimals would overflow."""
    with localcontext() as ctx:
        ctx.prec = 80
        if abs(num / den * 10000) >= _LIMIT:
            raise Inexact("derived rate beyond Oxigraph's decimals")
    return _rate(num, den)


def subsidy_arrival(con: duckdb.DuckDBPyConnection, bound: BoundQuery, names: list[str],
                    params: dict[str, Any]) -> Rows | None:
    below = _decimal(bound, "below")
    funds = Scopes(con, items(bound, "fundScope"))
    args = _base_args(bound) | {k: _C[k] for k in ("rate", "level", "budget", "adjusted", "target")} \
        | {"below": below} | scope_args("funds", funds.values)
    rows: Rows = []
    stated = con.execute(_STATED, args).fetchall()
    amounts: dict[tuple, dict[str, list[tuple]]] = {}
    if stated:
        for found in con.execute(_AMOUNTS, args | {"due": _C["due"], "received": _C["received"]}).fetchall():
            amounts.setdefault(found[:6], {}).setdefault(found[6], []).append(found[7:])
    for found in stated:
        row = _fact(found[1:]) | {"derived": False}
        key = (found[0], row["basis"], row["region"], row["period"], row["fund"], row["report"])
        times = funds.times(row["fund"])
        if not times:
            continue
        sides = []
        for indicator, prefix in ((_C["due"], "den"), (_C["received"], "num")):
            side = [dict(zip([prefix + k for k in _AMOUNT_KEYS], a)) | {prefix + "Indicator": indicator}
                    for a in amounts.get(key, {}).get(indicator, [])]
            for s in side:
                s[prefix + "Value"] = Decimal(s[prefix + "Value"])
            sides.append(side or [{}])
        for den in sides[0]:
            for num in sides[1]:
                rows += [row | den | num] * times
    if scalar(bound, "derive") in ("true", "1"):
        derived_args = _base_args(bound) | {k: _C[k] for k in ("rate", "level", "due", "received", "actual")} \
            | scope_args("funds", funds.values)
        limit = Decimal(below)
        for found in con.execute(_DERIVED, derived_args).fetchall():
            times = funds.times(found[6])
            if not times:
                continue
            num, den = Decimal(found[7]), Decimal(found[11])
            value = _derived_rate(num, den)
            if not value < limit:
                continue
            row = {"report": found[2], "region": found[3], "year": found[4], "period": found[5], "fund": found[6],
                   "numValue": num, "numQuote": found[8], "numStart": found[9], "numEnd": found[10],
                   "denValue": den, "denQuote": found[12], "denStart": found[13], "denEnd": found[14],
                   "indicator": _C["rate"], "numIndicator": _C["received"], "denIndicator": _C["due"],
                   "basis": _C["derived"], "statistic": _C["level"], "unit": _C["percent"], "value": value,
                   "derived": True}
            rows += [row] * times
    rows.sort(key=lambda r: order_key(r["year"], r["region"], r["fund"], r["derived"], r["value"], r.get("start"),
                                      r.get("numStart"), r["report"], r["period"], r.get("obs"), r.get("denStart")))
    return project(rows, names, params)


# --- provenance ------------------------------------------------------------------------------------------------

_META = "m.title, m.source_file, m.sha256, m.publisher, m.issued, m.year, m.multi"
_KEYS = (*_FACT_KEYS, "title", "sourceFile", "sha256", "publisher", "issued", "reportYear", "graph")
_VALUE = _FACT_KEYS.index("value")


def provenance(con: duckdb.DuckDBPyConnection, bound: BoundQuery, names: list[str],
               params: dict[str, Any]) -> Rows | None:
    where = ["f.region IS NOT NULL", "f.indicator = $indicator", "f.statistic = $statistic",
             "($any_year OR f.year = $year)", in_scope("f.region"), scope_filter("f.fund", "funds")]
    funds = Scopes(con, items(bound, "fundScope"))
    args = _base_args(bound) | {"indicator": scalar(bound, "indicator"), "statistic": scalar(bound, "statistic")} \
        | scope_args("funds", funds.values)
    if scalar(bound, "region") is not None:
        where.append("f.region = $exact_region")
        args["exact_region"] = scalar(bound, "region")
    bases = items(bound, "basis")
    if bases:
        where.append("list_contains($bases, f.basis)")
        args["bases"] = bases
    match = scalar(bound, "matchValue") in ("true", "1")
    target, tolerance = (Decimal(_decimal(bound, "target")), Decimal(_decimal(bound, "tolerance"))) if match \
        else (Decimal(0), Decimal(0))
    chosen = f"FROM facts f WHERE {' AND '.join(where)}"
    fetched = con.execute(f"SELECT DISTINCT {_FACT}, f.graph {chosen} "  # the .rq's ORDER BY: all bound
                          'ORDER BY f.report, f.start, f."end", f.region, f.fund, f.obs', args).fetchall()
    # each report's metadata once (not per row: fetching the strings is most of the time)
    meta = {(graph, report): rest for graph, report, *rest in con.execute(
        f"SELECT m.graph, m.report, {_META} FROM report_meta m WHERE (m.graph, m.report) IN "
        f"(SELECT DISTINCT f.graph, f.report {chosen})", args).fetchall()}
    if any(found[-1] for found in meta.values()):
        return None  # a report with two titles (…): the OPTIONALs multiply rows, SPARQL answers
    if match:
        with localcontext() as ctx:
            ctx.prec = 80
            fetched = [row for row in fetched if abs(Decimal(row[_VALUE]) - target) <= tolerance]
    if funds.values:
        fund = _FACT_KEYS.index("fund")
        fetched = [row for row in fetched for _ in range(funds.times(row[fund]))]
    report, none = _FACT_KEYS.index("report"), (None,) * 6
    rows = [row[:-1] + tuple(meta.get((row[-1], row[report]), none)[:6]) + (row[-1],) for row in fetched]
    return zipped(rows, _KEYS, names, params)


TWINS = {"subsidy_arrival": subsidy_arrival, "provenance": provenance}
