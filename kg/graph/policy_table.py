"""The policy table: each policy with its regions, status, start, key parameters and source."""

from __future__ import annotations

from collections import defaultdict

import pyoxigraph as ox
from yibao.graph import namespaces as ns
from yibao.graph.facts import _descendants, local_name, normalise_decimal, region_labels

POLICY_COLUMNS = ("report", "policy", "type", "kind", "regions", "lead", "members", "status", "start",
                  "scope", "renamed_to", "parameters", "quote", "start_offset", "end_offset")

_POLICIES = f"""
PREFIX yb: <{ns.YB}>
PREFIX prov: <{ns.PROV}>
PREFIX rdfs: <{ns.RDFS}>
PREFIX skos: <{ns.SKOS}>
SELECT ?p ?report ?label ?type ?kind ?status ?startYear ?startDate ?scope ?renamed ?quote ?s ?e WHERE {{
  GRAPH ?g {{
    ?p a yb:Policy ; a ?kind ; rdfs:label ?label ; yb:policyType ?type ; prov:wasDerivedFrom ?report ;
       yb:quote ?quote ; yb:quoteStart ?s ; yb:quoteEnd ?e .
    FILTER(?kind != yb:Policy)
    OPTIONAL {{ ?p yb:status ?status }}
    OPTIONAL {{ ?p yb:startYear ?startYear }}
    OPTIONAL {{ ?p yb:startDate ?startDate }}
    OPTIONAL {{ ?p yb:scope ?scope }}
    OPTIONAL {{ ?p yb:renamedTo ?r . ?r rdfs:label ?renamed }}
  }}
}}
"""
_ROLES = f"""
PREFIX yb: <{ns.YB}>
SELECT ?p ?role ?region WHERE {{
  GRAPH ?g {{ ?p a yb:Policy ; ?role ?region . VALUES ?role {{ yb:adopter yb:member yb:leadRegion }} }}
}}
"""
_PARAMETERS = f"""
PREFIX yb: <{ns.YB}>
SELECT ?p ?indicator ?value ?unit ?region ?qualifier WHERE {{
  GRAPH ?g {{
    ?o yb:policy ?p ; yb:indicator ?indicator ; yb:value ?value ; yb:unit ?unit ; yb:region ?region .
    OPTIONAL {{ ?o yb:qualifier ?qualifier }}
  }}
}}
"""
_BROADER = f"""
PREFIX skos: <{ns.SKOS}>
SELECT ?c ?top WHERE {{ GRAPH <{ns.ONTOLOGY_GRAPH}> {{ ?c skos:broader* ?top }} }}
"""


def _types_under(store: ox.Store, policy_type: str) -> set[str]:
    top = ox.NamedNode(ns.code("policy", policy_type))
    found = {local_name(s["c"].value) for s in store.query(_BROADER, substitutions={ox.Variable("top"): top})}
    return found | {policy_type}


def policy_rows(store: ox.Store, region: str | None = None, policy_type: str | None = None) -> list[dict]:
    """One dict per policy (keys POLICY_COLUMNS), sorted by report, type, label.

    ``region`` matches policies whose adopters or members are that region or below it;
    ``policy_type`` matches that type and its narrower types (payment_method_reform → drg, dip …).
    """
    from yibao.display import display

    labels = region_labels(store)
    roles: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for s in store.query(_ROLES):
        roles[s["p"].value][local_name(s["role"].value)].append(local_name(s["region"].value))
    params: dict[str, list[str]] = defaultdict(list)
    for s in store.query(_PARAMETERS):
        text = f"{local_name(s['indicator'].value)}={display(normalise_decimal(s['value'].value), local_name(s['unit'].value))}"
        qualifier = local_name(s["qualifier"].value) if s["qualifier"] is not None else None
        who = labels.get(local_name(s["region"].value), local_name(s["region"].value))
        params[s["p"].value].append(f"{text} ({qualifier or who})")
    within = _descendants(store, region) if region else None
    types = _types_under(store, policy_type) if policy_type else None
    rows = []
    for s in store.query(_POLICIES):
        iri = s["p"].value
        adopters = sorted(set(roles[iri]["adopter"]) | set(roles[iri]["member"]))
        if within is not None and not set(adopters) & within:
            continue
        ptype = local_name(s["type"].value)
        if types is not None and ptype not in types:
            continue
        report = s["report"].value
        start = s["startDate"].value if s["startDate"] is not None else (
            s["startYear"].value if s["startYear"] is not None else "")
        rows.append({
            "report": ns.report_id_of(report) if report.startswith(ns.REPORT) else local_name(report),
            "policy": s["label"].value,
            "type": ptype,
            "kind": local_name(s["kind"].value),
            "regions": "、".join(labels.get(r, r) for r in adopters),
            "lead": labels.get(roles[iri]["leadRegion"][0], "") if roles[iri]["leadRegion"] else "",
            "members": "、".join(labels.get(r, r) for r in sorted(set(roles[iri]["member"]))),
            "status": local_name(s["status"].value) if s["status"] is not None else "",
            "start": start,
            "scope": s["scope"].value if s["scope"] is not None else "",
            "renamed_to": s["renamed"].value if s["renamed"] is not None else "",
            "parameters": "; ".join(sorted(params[iri])),
            "quote": s["quote"].value,
            "start_offset": int(s["s"].value),
            "end_offset": int(s["e"].value),
        })
    rows.sort(key=lambda r: (r["report"], r["type"], r["policy"], r["start_offset"]))
    return rows
