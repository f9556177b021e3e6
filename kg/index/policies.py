"""SQL twins of `policy_adopters`, `mutual_aid`, `alliance` and `findings`: the rows `run` gives over
SPARQL, read from the index's policies, policy_roles, findings and facts tables.

A ``VALUES`` list joined into a query repeats a row once per matching value (`common.count_equal`,
`common.Scopes`), as SPARQL does. When some node has a property with several values (``multi``) the
twin answers None and SPARQL answers.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from yibao.graph import namespaces as ns
from yibao.index.common import (
    Scopes,
    any_multi,
    count_equal,
    in_scope,
    items,
    order_key,
    project,
    region_args,
    scope_args,
    scope_filter,
    year,
)

if TYPE_CHECKING:
    import duckdb
    from yibao.qa.queries import BoundQuery

Rows = list[dict[str, Any]]

_POLICY = ('p.policy, p.label, p.policy_type, p.status, p.start_year, p.start_date, p.scope, p.renamed_to, '
           'p.report, p.report_year, p.quote, p.start, p."end"')
_POLICY_KEYS = ("policy", "policyLabel", "policyType", "status", "startYear", "startDate", "scope", "renamedTo",
                "report", "reportYear", "policyQuote", "policyStart", "policyEnd")
_SOURCED = 'p.report IS NOT NULL AND p.quote IS NOT NULL AND p.start IS NOT NULL AND p."end" IS NOT NULL'
_YEAR = "($any_year OR {column} = $year)"
# an observation's columns as a pattern reads them (no report, policy nor approximation: DISTINCT)
_OBS = ('f.obs, f.region, f.year, f.period, f.fund, f.indicator, f.basis, f.statistic, f.value_text, f.unit, '
        'f.surface, f.quote, f.start, f."end", f.qualifier')
_OBS_KEYS = ("obs", "region", "year", "period", "fund", "indicator", "basis", "statistic", "value", "unit",
             "surface", "quote", "start", "end", "qualifier")


def _year_args(bound: BoundQuery, name: str = "year") -> dict[str, Any]:
    found = year(bound, name)
    return {"any_year": found is None, "year": found or 0}


def _obs(row: tuple) -> dict[str, Any]:
    out = dict(zip(_OBS_KEYS, row))
    out["value"] = Decimal(out["value"])
    return out


def policy_adopters(con: duckdb.DuckDBPyConnection, bound: BoundQuery, names: list[str],
                    params: dict[str, Any]) -> Rows | None:
    if any_multi(con, "policies"):
        return None
    statuses = items(bound, "statusName")
    sql = (f"SELECT {_POLICY}, r.region, r.role FROM policies p JOIN policy_roles r "
           f"ON r.graph = p.graph AND r.policy = p.policy WHERE p.policy_type IS NOT NULL AND {_SOURCED} "
           f"AND p.report_year IS NOT NULL AND {_YEAR.format(column='p.report_year')} AND {in_scope('r.region')} "
           f"AND ($any_status OR list_contains($statuses, p.status_name)) AND {scope_filter('p.policy_type', 'types')}")
    scopes = Scopes(con, items(bound, "policyScope"))
    args = _year_args(bound) | region_args(bound) | {"any_status": not statuses, "statuses": statuses or [""]} \
        | scope_args("types", scopes.values)
    rows = []
    for found in con.execute(sql, args).fetchall():
        row = dict(zip(_POLICY_KEYS, found[:13])) | {"region": found[13], "role": found[14]}
        row |= {"year": row["reportYear"], "quote": row["policyQuote"], "start": row["policyStart"],
                "end": row["policyEnd"]}
        rows += [row] * scopes.times(row["policyType"])
    rows.sort(key=lambda r: order_key(r["policyType"], r["region"], r["year"], r["report"], r["policy"], r["role"]))
    return project(rows, names, params)


_MUTUAL_AID = ns.code("policy", "outpatient_mutual_aid")


def mutual_aid(con: duckdb.DuckDBPyConnection, bound: BoundQuery, names: list[str],
               params: dict[str, Any]) -> Rows | None:
    if any_multi(con, "policies"):
        return None
    args = _year_args(bound) | region_args(bound) | {"kind": _MUTUAL_AID}
    chosen = "p.policy_type IS NOT NULL AND p.report IS NOT NULL AND (p.policy_type = $kind OR p.mutual_aid_kind)"
    indicators, qualifiers = items(bound, "indicator"), items(bound, "qualifier")
    rows: Rows = []
    # figures of the scheme
    sql = (f"SELECT DISTINCT {_POLICY}, {_OBS} FROM policies p JOIN facts f ON f.graph = p.graph "
           f"AND f.policy = p.policy WHERE {chosen} AND f.region IS NOT NULL "
           f"AND {_YEAR.format(column='f.year')} AND {in_scope('f.region')}")
    for found in con.execute(sql, args).fetchall():
        row = dict(zip(_POLICY_KEYS, found[:13])) | _obs(found[13:])
        row["obsQualifier"] = row.pop("qualifier")
        rows += [row] * (count_equal(indicators, row["indicator"]) * count_equal(qualifiers, row["obsQualifier"]))
    # a scheme without figures: one row per adopter (no observation, no qualifier)
    sql = (f"SELECT {_POLICY}, r.region, p.graph FROM policies p JOIN policy_roles r ON r.graph = p.graph "
           f"AND r.policy = p.policy AND r.role = 'adopter' WHERE {chosen} AND {_SOURCED} "
           f"AND p.report_year IS NOT NULL AND {_YEAR.format(column='p.report_year')} AND {in_scope('r.region')} "
           "AND NOT EXISTS (SELECT 1 FROM facts a WHERE a.graph = p.graph AND a.policy = p.policy)")
    for found in con.execute(sql, args).fetchall():
        row = dict(zip(_POLICY_KEYS, found[:13])) | {"region": found[13]}
        row |= {"year": row["reportYear"], "quote": row["policyQuote"], "start": row["policyStart"],
                "end": row["policyEnd"], "obs": None, "obsQualifier": None}
        rows += [row] * count_equal(qualifiers, None)
    rows.sort(key=lambda r: order_key(r["region"], r["year"], r["report"], r.get("indicator"), r["obsQualifier"],
                                      r["start"], r["policy"], r.get("obs")))
    return project(rows, names, params)


def alliance(con: duckdb.DuckDBPyConnection, bound: BoundQuery, names: list[str],
             params: dict[str, Any]) -> Rows | None:
    if any_multi(con, "policies"):
        return None
    leads, labels, indicators = items(bound, "lead"), items(bound, "label"), items(bound, "indicator")
    args = _year_args(bound, "reportYear")
    sql = (f"SELECT {_POLICY}, p.graph FROM policies p WHERE p.alliance AND {_SOURCED} "
           f"AND p.report_year IS NOT NULL AND {_YEAR.format(column='p.report_year')}")
    policies = {(found[-1], found[0]): dict(zip(_POLICY_KEYS, found[:13])) for found in con.execute(sql, args).fetchall()}
    if not policies:
        return []
    keys = sorted(policies)
    graphs, iris = [k[0] for k in keys], [k[1] for k in keys]
    roles: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for graph, policy, role, region in con.execute(
            "SELECT r.graph, r.policy, r.role, r.region FROM policy_roles r JOIN (SELECT unnest(?) AS graph, "
            "unnest(?) AS policy) k ON k.graph = r.graph AND k.policy = r.policy", [graphs, iris]).fetchall():
        roles.setdefault((graph, policy), []).append((role, region))
    figures: dict[tuple[str, str], dict[str, list[dict[str, Any]]]] = {}  # (graph, policy) → region → figures
    for found in con.execute(f"SELECT DISTINCT f.graph, f.policy, {_OBS} FROM facts f JOIN (SELECT unnest(?) AS graph, "
                             "unnest(?) AS policy) k ON k.graph = f.graph AND k.policy = f.policy "
                             "WHERE f.region IS NOT NULL", [graphs, iris]).fetchall():
        figures.setdefault((found[0], found[1]), {}).setdefault(found[3], []).append(_obs(found[2:]))
    scope = region_args(bound)
    inside = _regions_in_scope(con, scope)
    rows: Rows = []
    for key in keys:
        policy = policies[key]
        participants = roles.get(key, [])
        lead_regions = sorted({region for role, region in participants if role == "lead"})
        if len(lead_regions) > 1:
            return None  # ?leadRegion would multiply the rows: SPARQL answers
        times = (count_equal(leads, None) if not leads else sum(1 for v in leads if v in lead_regions)) \
            * count_equal(labels, policy["policyLabel"])
        if not times:
            continue
        base = policy | {"leadRegion": lead_regions[0] if lead_regions else None}
        taking = {region for _, region in participants}
        found_rows = [(role, region, 1) for role, region in participants]
        by_region = figures.get(key, {})
        found_rows += [("figure", region, len({o["obs"] for o in observed}))  # one row per ?figure
                       for region, observed in sorted(by_region.items()) if region not in taking]
        for role, region, n in found_rows:
            if not inside(region):
                continue
            observed = [o for o in by_region.get(region, []) for _ in range(count_equal(indicators, o["indicator"]))]
            if not observed and role == "figure":
                continue
            for o in observed or [dict.fromkeys(_OBS_KEYS)]:
                rows += [base | o | {"role": role, "region": region}] * (n * times)
    rows.sort(key=lambda r: order_key(r["report"], r["policy"], r["role"], r["region"], r["indicator"],
                                      r["qualifier"], r["start"], r["obs"]))
    return project(rows, names, params)


def _regions_in_scope(con: duckdb.DuckDBPyConnection, scope: dict[str, Any]) -> Any:
    """A test: is a region $region or below it (always true when no region scope is given)?"""
    if scope["any_region"]:
        return lambda region: True
    below = {c for (c,) in con.execute("SELECT concept FROM ancestors WHERE ancestor = ?", [scope["region"]]).fetchall()}
    below.add(scope["region"])
    return lambda region: region in below


def findings(con: duckdb.DuckDBPyConnection, bound: BoundQuery, names: list[str],
             params: dict[str, Any]) -> Rows | None:
    if any_multi(con, "findings"):
        return None
    kinds, categories = items(bound, "kindName"), items(bound, "category")
    sql = ('SELECT f.finding, f.kind_name, f.category, f.region, f.report_year, f.label, f.report, f.quote, '
           'f.start, f."end" FROM findings f WHERE f.kind_name IS NOT NULL AND f.label IS NOT NULL '
           'AND f.region IS NOT NULL AND f.report IS NOT NULL AND f.quote IS NOT NULL AND f.start IS NOT NULL '
           'AND f."end" IS NOT NULL AND f.report_year IS NOT NULL AND ($any_kind OR list_contains($kinds, f.kind_name)) '
           f"AND {_YEAR.format(column='f.report_year')} AND {in_scope('f.region')}")
    args = _year_args(bound) | region_args(bound) | {"any_kind": not kinds, "kinds": kinds or [""]}
    keys = ("finding", "kindName", "findingCategory", "region", "year", "label", "report", "quote", "start", "end")
    rows: Rows = []
    for found in con.execute(sql, args).fetchall():
        row = dict(zip(keys, found))
        rows += [row] * count_equal(categories, row["findingCategory"])
    rows.sort(key=lambda r: order_key(r["region"], r["year"], r["report"], r["start"], r["finding"]))
    return project(rows, names, params)


TWINS = {"policy_adopters": policy_adopters, "mutual_aid": mutual_aid, "alliance": alliance, "findings": findings}
