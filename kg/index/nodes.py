"""Rows of a report graph's policies, their participants, findings and report metadata.

Made from the triples of the graph's report, policy and finding nodes (`nodes_rows`), the same from the
`Report` model in a build (`report_node_rows`, the triples `yibao.graph.rdf` writes) and from the store
in a rebuild (`store_node_rows`). A property with several values is not multiplied out: the node's row
keeps its least value and is marked ``multi``, and the twins reading that table then let SPARQL answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from yibao.graph import namespaces as ns
from yibao.graph.terms import term_value
from yibao.index.rows import Inexact

if TYPE_CHECKING:
    import pyoxigraph as ox
    from yibao.model import Report

_RDF_TYPE, _LABEL = ns.RDF + "type", ns.RDFS + "label"
_DERIVED = ns.PROV + "wasDerivedFrom"
_YB = ns.YB
_DCT = ns.DCTERMS
ALLIANCE, MUTUAL_AID, POLICY = _YB + "ProcurementAlliance", _YB + "OutpatientMutualAid", _YB + "Policy"
ROLES = (("lead", _YB + "leadRegion"), ("member", _YB + "member"), ("adopter", _YB + "adopter"))

POLICY_COLUMNS = ("graph", "policy", "alliance", "mutual_aid_kind", "policy_type", "label", "status", "status_name",
                  "start_year", "start_date", "scope", "renamed_to", "report", "report_year", "quote", "start", "end",
                  "multi")
ROLE_COLUMNS = ("graph", "policy", "role", "region")
FINDING_COLUMNS = ("graph", "finding", "kind_name", "label", "region", "report", "report_year", "quote", "start",
                   "end", "category", "multi")
REPORT_COLUMNS = ("graph", "report", "title", "source_file", "sha256", "publisher", "issued", "year", "multi")
REGION_COLUMNS = ("graph", "region")
_REGION_PREDICATES = (_YB + "region", *(p for _, p in ROLES))

# the properties read of each kind of node (each has one value in a well-formed graph), and their types
_POLICY_PROPS = {"policy_type": (_YB + "policyType", str), "label": (_LABEL, str), "status": (_YB + "status", str),
                 "start_year": (_YB + "startYear", int), "start_date": (_YB + "startDate", str),
                 "scope": (_YB + "scope", str), "renamed_to": (_YB + "renamedTo", str),
                 "report": (_DERIVED, str), "quote": (_YB + "quote", str), "start": (_YB + "quoteStart", int),
                 "end": (_YB + "quoteEnd", int)}
_FINDING_PROPS = {"kind": (_RDF_TYPE, str), "label": (_LABEL, str), "region": (_YB + "region", str),
                  "report": (_DERIVED, str), "quote": (_YB + "quote", str), "start": (_YB + "quoteStart", int),
                  "end": (_YB + "quoteEnd", int), "category": (_YB + "category", str)}
_REPORT_PROPS = {"title": (_DCT + "title", str), "source_file": (_YB + "sourceFile", str),
                 "sha256": (_YB + "sha256", str), "publisher": (_DCT + "publisher", str),
                 "issued": (_DCT + "issued", str), "year": (_YB + "year", int)}
# predicates that select a node: a policy, a finding (label and region), a report (its metadata)
# (an observation's yb:region is in the facts table; a node of another kind naming a region is not read)
SELECTING = (_YB + "policyType", _LABEL, *(p for p, _ in _REPORT_PROPS.values()))

Node = dict[str, list[Any]]  # predicate IRI → values (term_value), sorted


def _single(node: Node, props: dict[str, tuple[str, type]]) -> tuple[dict[str, Any], bool]:
    """Each property's value (its least when several: ``multi``); raises Inexact for a value of another type."""
    out, multi = {}, False
    for name, (predicate, kind) in props.items():
        values = node.get(predicate, [])
        for v in values:
            if not isinstance(v, kind) or isinstance(v, bool):
                raise Inexact(f"{predicate} value {v!r} is not {kind.__name__}")
        multi = multi or len(values) > 1
        out[name] = values[0] if values else None
    return out, multi


def _after_hash(iri: str | None) -> str | None:
    """STRAFTER(STR(?x), "#")."""
    if iri is None:
        return None
    return iri.split("#", 1)[1] if "#" in iri else ""


NodeRows = tuple[list[tuple], list[tuple], list[tuple], list[tuple], list[tuple]]


def nodes_rows(graph: str, nodes: dict[str, Node]) -> NodeRows:
    """(policies, policy_roles, findings, report_meta, node_regions) rows of one graph's nodes, each list sorted
    (node_regions: the regions these nodes name by yb:region, yb:leadRegion, yb:member or yb:adopter)."""
    policies, roles, findings, reports = [], [], [], []
    regions = sorted({(graph, r) for node in nodes.values() for p in _REGION_PREDICATES for r in node.get(p, [])
                      if isinstance(r, str)})

    def report_year(report: Any) -> tuple[Any, bool]:
        years = nodes.get(report, {}).get(_YB + "year", []) if isinstance(report, str) else []
        if any(not isinstance(y, int) or isinstance(y, bool) for y in years):
            raise Inexact(f"report year of {report} is not an integer")
        return (years[0] if years else None), len(years) > 1

    for iri, node in sorted(nodes.items()):
        types = node.get(_RDF_TYPE, [])
        if _YB + "policyType" in node or ALLIANCE in types or POLICY in types:
            p, multi = _single(node, _POLICY_PROPS)
            year, many_years = report_year(p["report"])
            policies.append((graph, iri, ALLIANCE in types, MUTUAL_AID in types, p["policy_type"], p["label"],
                             p["status"], _after_hash(p["status"]), p["start_year"], p["start_date"], p["scope"],
                             p["renamed_to"], p["report"], year, p["quote"], p["start"], p["end"],
                             multi or many_years))
            for role, predicate in ROLES:
                for region in node.get(predicate, []):
                    if not isinstance(region, str):
                        raise Inexact(f"{predicate} of {iri} is not an IRI")
                    roles.append((graph, iri, role, region))
        if _LABEL in node and _YB + "region" in node:
            f, multi = _single(node, _FINDING_PROPS)
            year, many_years = report_year(f["report"])
            findings.append((graph, iri, _after_hash(f["kind"]), f["label"], f["region"], f["report"], year,
                             f["quote"], f["start"], f["end"], f["category"], multi or many_years))
        if any(predicate in node for predicate, _ in _REPORT_PROPS.values()):
            r, multi = _single(node, _REPORT_PROPS)
            reports.append((graph, iri, r["title"], r["source_file"], r["sha256"], r["publisher"], r["issued"],
                            r["year"], multi))
    return policies, sorted(roles), findings, reports, regions


def _group(triples: Iterable[tuple[Any, Any, Any]]) -> dict[str, Node]:
    """Triples by subject IRI and predicate, each property's values sorted."""
    import pyoxigraph as ox

    nodes: dict[str, dict[str, set]] = {}
    for s, p, o in triples:
        if not isinstance(s, ox.NamedNode):
            continue  # a blank node: no twin reads one
        nodes.setdefault(s.value, {}).setdefault(p.value, set()).add(o)
    return {s: {p: sorted((term_value(o) for o in values), key=lambda v: (type(v).__name__, v))
                for p, values in props.items()} for s, props in nodes.items()}


def report_node_rows(report: Report) -> NodeRows:
    """The rows of a report about to be written: from the triples `yibao.graph.rdf` makes of its report,
    policy and finding nodes (the nodes `store_node_rows` selects)."""
    from yibao.graph.rdf import _finding_triples, _policy_triples, _report_triples

    triples = list(_report_triples(report))
    for policy in report.policies:
        triples += _policy_triples(report.id, policy)
    for finding in report.findings:
        triples += _finding_triples(report.id, finding)
    return nodes_rows(ns.report_graph(report.id), _group(triples))


def store_node_rows(store: ox.Store, graph: str) -> NodeRows:
    """The rows of one named graph of the store: every node with a selecting predicate, with all its triples
    (none for the ontology graph, which a build never writes: no policy nor finding is there)."""
    import pyoxigraph as ox

    if graph == ns.ONTOLOGY_GRAPH:
        return [], [], [], [], []

    g = ox.NamedNode(graph)
    subjects = set()
    for predicate in SELECTING:
        subjects |= {q.subject for q in store.quads_for_pattern(None, ox.NamedNode(predicate), None, g)}
    subjects |= {q.subject for q in store.quads_for_pattern(None, ox.NamedNode(_RDF_TYPE), ox.NamedNode(ALLIANCE), g)}
    triples = [(q.subject, q.predicate, q.object) for s in subjects for q in store.quads_for_pattern(s, None, None, g)]
    return nodes_rows(graph, _group(triples))
