"""The store as a networkx graph: regions in their hierarchy, funds, policies, alliances, reports
and measures, with their figures summarised into node attributes (never drawn as nodes).

Node ids are ``"<kind>:<key>"`` (``region:370200``, ``fund:resident``, ``policy:PaymentMethodReform:DRG付费``,
``alliance:五市联盟``, ``report:<report id>``, ``measure:<report id>/measure-1``). A policy or alliance named
the same way in several reports is one node (its reports are its sources). Every node has ``kind``,
``label`` (Chinese), ``label_en`` and ``reports`` (the reports it comes from); every edge has ``relation``
(one of RELATIONS) and ``reports``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
from yibao.graph import namespaces as ns
from yibao.graph.facts import fact_rows, local_name

if TYPE_CHECKING:
    import networkx as nx
    from yibao.graph.vocab import Vocabulary

# relation id → (Chinese label, English label)
RELATIONS: dict[str, tuple[str, str]] = {
    "part_of": ("隶属", "part of"),
    "member_of": ("成员", "member of"),
    "led_by": ("牵头", "led by"),
    "adopts": ("实施", "adopts"),
    "reported_by": ("来源", "reported by"),
    "takes_measure": ("措施", "takes measure"),
    "renamed_to": ("更名为", "renamed to"),
}

# Node classes in legend order: id → (Chinese, English)
KINDS: dict[str, tuple[str, str]] = {
    "region": ("地区", "region"),
    "fund": ("基金", "fund"),
    "policy": ("政策", "policy"),
    "alliance": ("采购联盟", "procurement alliance"),
    "report": ("报告", "report"),
    "measure": ("监管措施", "measure"),
}

# The figures a region's tooltip summarises first (then any others, up to a limit).
KEY_INDICATORS = ("months_of_cover", "cumulative_balance", "current_balance", "income", "expenditure",
                  "fiscal_subsidy_arrival_rate", "enrollment", "budget_execution_rate")

_REPORTS = f"""
PREFIX yb: <{ns.YB}>
PREFIX dcterms: <{ns.DCTERMS}>
SELECT ?r ?region ?year ?type ?title ?publisher ?issued ?file WHERE {{
  GRAPH ?g {{
    ?r a yb:Report .
    OPTIONAL {{ ?r yb:region ?region }} OPTIONAL {{ ?r yb:year ?year }} OPTIONAL {{ ?r yb:reportType ?type }}
    OPTIONAL {{ ?r dcterms:title ?title }} OPTIONAL {{ ?r dcterms:publisher ?publisher }}
    OPTIONAL {{ ?r dcterms:issued ?issued }} OPTIONAL {{ ?r yb:sourceFile ?file }}
  }}
  FILTER(STRSTARTS(STR(?g), "{ns.report_graph("")}"))
}}
"""

_POLICIES = f"""
PREFIX yb: <{ns.YB}>
PREFIX rdfs: <{ns.RDFS}>
PREFIX prov: <{ns.PROV}>
SELECT ?p ?kind ?label ?type ?report ?status ?start ?scope WHERE {{
  GRAPH ?g {{
    ?p a yb:Policy ; a ?kind ; rdfs:label ?label ; prov:wasDerivedFrom ?report .
    FILTER(?kind != yb:Policy)
    OPTIONAL {{ ?p yb:policyType ?type }} OPTIONAL {{ ?p yb:status ?status }}
    OPTIONAL {{ ?p yb:startYear ?start }} OPTIONAL {{ ?p yb:scope ?scope }}
  }}
}}
"""

_POLICY_LINKS = f"""
PREFIX yb: <{ns.YB}>
SELECT ?p ?role ?o WHERE {{
  GRAPH ?g {{ ?p a yb:Policy ; ?role ?o . VALUES ?role {{ yb:adopter yb:member yb:leadRegion yb:renamedTo }} }}
}}
"""

_MEASURES = f"""
PREFIX yb: <{ns.YB}>
PREFIX rdfs: <{ns.RDFS}>
PREFIX prov: <{ns.PROV}>
SELECT ?m ?label ?category ?region ?year ?report WHERE {{
  GRAPH ?g {{
    ?m a yb:Measure ; rdfs:label ?label ; prov:wasDerivedFrom ?report .
    OPTIONAL {{ ?m yb:category ?category }} OPTIONAL {{ ?m yb:region ?region }} OPTIONAL {{ ?m yb:year ?year }}
  }}
}}
"""

_LINKED_FIGURES = f"""
PREFIX yb: <{ns.YB}>
SELECT ?o ?target WHERE {{ GRAPH ?g {{ ?o a <{ns.QB}Observation> . {{ ?o yb:policy ?target }} UNION {{ ?o yb:measure ?target }} }} }}
"""


@dataclass
class Figure:
    """One observation, as a tooltip shows it."""

    region: str
    year: int
    fund: str
    indicator: str
    basis: str
    statistic: str
    value: str
    unit: str
    report: str
    quote: str
    policy: str = ""
    qualifier: str = ""
    fund_top: str = ""


def _report_id(iri: str) -> str:
    return ns.report_id_of(iri) if iri.startswith(ns.REPORT) else local_name(iri)


def _value(term: Any) -> str | None:
    return None if term is None else term.value


def policy_node_id(kind: str, label: str) -> str:
    return f"alliance:{label}" if kind == "ProcurementAlliance" else f"policy:{kind}:{label}"


def read_graph(store: ox.Store, vocab: Vocabulary) -> nx.MultiDiGraph:
    """Everything the browser graph can show, from the store, as a networkx MultiDiGraph.

    Regions get every ancestor from the gazetteer (a county with no parent in the data still hangs
    under its prefecture and province). Figures are attached to their region node as ``figures``
    (a list of Figure), and to policy / measure nodes when the observation links to them.
    """
    import networkx as nx

    g = nx.MultiDiGraph()

    def add_node(node: str, kind: str, label: str, label_en: str = "", report: str | None = None,
                 **attrs: Any) -> None:
        if node not in g:
            g.add_node(node, kind=kind, label=label, label_en=label_en, reports=set(), figures=[], **attrs)
        if report:
            g.nodes[node]["reports"].add(report)

    def add_edge(a: str, b: str, relation: str, report: str | None = None) -> None:
        data = g.get_edge_data(a, b, key=relation)
        if data is None:
            g.add_edge(a, b, key=relation, relation=relation, reports=set())
            data = g.edges[a, b, relation]
        if report:
            data["reports"].add(report)

    def add_region(code: str, report: str | None = None) -> str:
        node = f"region:{code}"
        concept = vocab.regions.get(code)
        add_node(node, "region", concept.label_zh if concept else code, concept.label_en if concept else "",
                 report, code=code, level=(concept.level if concept else "") or "")
        child = code
        for parent in vocab.ancestors(code):  # the gazetteer's hierarchy, up to the province
            pconcept = vocab.regions.get(parent)
            if pconcept is None or pconcept.level == "country":
                break
            pnode = f"region:{parent}"
            add_node(pnode, "region", pconcept.label_zh, pconcept.label_en, code=parent,
                     level=pconcept.level or "")
            add_edge(f"region:{child}", pnode, "part_of")
            child = parent
        return node

    # reports
    for s in store.query(_REPORTS):
        rid = _report_id(s["r"].value)
        region = local_name(s["region"].value) if s["region"] is not None else ""
        year = int(s["year"].value) if s["year"] is not None else None
        rtype = local_name(s["type"].value) if s["type"] is not None else "other"
        type_concept = vocab["report-type"].get(rtype)
        region_name = vocab.region_name(region) if region else "未知地区"
        node = f"report:{rid}"
        add_node(node, "report", f"{region_name}{year or ''} {(type_concept.label_zh if type_concept else rtype)}",
                 f"{rid} ({type_concept.label_en if type_concept else rtype})", rid,
                 report_id=rid, year=year, report_type=rtype, region_code=region,
                 title=" ".join((_value(s["title"]) or "").split()), publisher=_value(s["publisher"]) or "",
                 issued=_value(s["issued"]) or "", file=_value(s["file"]) or "")
        if region:
            add_edge(add_region(region, rid), node, "reported_by", rid)

    # figures: on their region (summarised in its tooltip), funds linked to the reports that state them
    linked: dict[str, list[str]] = defaultdict(list)
    for s in store.query(_LINKED_FIGURES):
        linked[s["target"].value].append(s["o"].value)
    for row in fact_rows(store):
        figure = Figure(row["region_code"], row["year"], row["fund"], row["indicator"], row["basis"],
                        row["statistic"], row["value"], row["unit"], row["report"], row["quote"],
                        row["policy"], row["qualifier"], vocab.top_fund(row["fund"]))
        report_node = f"report:{row['report']}"
        if report_node in g:
            g.nodes[report_node]["figures"].append(figure)
        fund = vocab.top_fund(row["fund"])
        fconcept = vocab.funds.get(fund)
        fund_node = f"fund:{fund}"
        add_node(fund_node, "fund", _fund_short(fund, "zh") or (fconcept.label_zh if fconcept else fund),
                 fconcept.label_en if fconcept else fund, row["report"], fund=fund)
        g.nodes[fund_node]["figures"].append(figure)
        add_edge(fund_node, report_node, "reported_by", row["report"])
        if row["region_code"]:
            region_node = add_region(row["region_code"], row["report"])
            g.nodes[region_node]["figures"].append(figure)
            if row["region_code"] != g.nodes[report_node].get("region_code"):
                add_edge(region_node, report_node, "reported_by", row["report"])

    # policies and alliances: one node per (class, label), its reports as sources
    iri_node: dict[str, str] = {}
    for s in store.query(_POLICIES):
        kind = local_name(s["kind"].value)
        label = s["label"].value
        rid = _report_id(s["report"].value)
        ptype = local_name(s["type"].value) if s["type"] is not None else ""
        tconcept = vocab["policy"].get(ptype)
        node = policy_node_id(kind, label)
        add_node(node, "alliance" if kind == "ProcurementAlliance" else "policy", label,
                 tconcept.label_en if tconcept else "", rid, policy_class=kind, policy_type=ptype,
                 status=set(), start=set(), scope=set())
        attrs = g.nodes[node]
        where = vocab.region_name(g.nodes[f"report:{rid}"]["region_code"]) if f"report:{rid}" in g else ""
        for key, term in (("status", s["status"]), ("start", s["start"]), ("scope", s["scope"])):
            if term is not None:
                value = local_name(term.value) if key == "status" else term.value
                attrs[key].add(f"{value} ({where})" if where and key != "scope" else value)
        iri_node[s["p"].value] = node
        add_edge(node, f"report:{rid}", "reported_by", rid)
    for s in store.query(_POLICY_LINKS):
        node = iri_node.get(s["p"].value)
        if node is None:
            continue
        role = local_name(s["role"].value)
        rid = next(iter(sorted(g.nodes[node]["reports"])), None)
        rid = _report_id(s["p"].value.split("/policy/")[0]) if "/policy/" in s["p"].value else rid
        if role == "renamedTo":
            target = iri_node.get(s["o"].value)
            if target:
                add_edge(node, target, "renamed_to", rid)
            continue
        region_node = add_region(local_name(s["o"].value), rid)
        if role == "leadRegion":
            add_edge(node, region_node, "led_by", rid)
        elif role == "member":
            add_edge(region_node, node, "member_of", rid)
        elif g.nodes[node]["kind"] == "policy" or not g.has_edge(region_node, node, "member_of"):
            add_edge(region_node, node, "adopts", rid)
    # an alliance member also listed as adopter: keep "member of" only
    for a, b, key in list(g.edges(keys=True)):
        if key == "adopts" and g.has_edge(a, b, "member_of"):
            g.remove_edge(a, b, key)

    # measures
    for s in store.query(_MEASURES):
        rid = _report_id(s["report"].value)
        mid = _report_id(s["m"].value)
        category = local_name(s["category"].value) if s["category"] is not None else ""
        cconcept = vocab["finding-category"].get(category)
        label = s["label"].value
        node = f"measure:{mid}"
        add_node(node, "measure", label if len(label) <= 14 else label[:13] + "…",
                 cconcept.label_en if cconcept else "measure", rid, text=label,
                 category=cconcept.label_zh if cconcept else category,
                 year=int(s["year"].value) if s["year"] is not None else None)
        iri_node[s["m"].value] = node
        add_edge(node, f"report:{rid}", "reported_by", rid)
        if s["region"] is not None:
            add_edge(add_region(local_name(s["region"].value), rid), node, "takes_measure", rid)

    # figures about a policy or a measure also go on that node
    figures_by_iri = _figures_by_observation(store, linked, vocab)
    for target, observations in linked.items():
        node = iri_node.get(target)
        if node is None:
            continue
        for obs in observations:
            if obs in figures_by_iri:
                g.nodes[node]["figures"].append(figures_by_iri[obs])
    g.graph["nodes_by_iri"] = iri_node
    return g


_OBS_FIGURES = f"""
PREFIX yb: <{ns.YB}>
PREFIX prov: <{ns.PROV}>
SELECT ?o ?region ?year ?fund ?indicator ?basis ?statistic ?value ?unit ?report ?quote ?qualifier WHERE {{
  GRAPH ?g {{
    ?o yb:refYear ?year ; yb:fund ?fund ; yb:indicator ?indicator ; yb:basis ?basis ;
       yb:statistic ?statistic ; yb:value ?value ; yb:unit ?unit ; prov:wasDerivedFrom ?report ;
       yb:quote ?quote .
    OPTIONAL {{ ?o yb:region ?region }} OPTIONAL {{ ?o yb:qualifier ?qualifier }}
    {{ ?o yb:policy ?t }} UNION {{ ?o yb:measure ?t }}
  }}
}}
"""


def _figures_by_observation(store: ox.Store, linked: dict[str, list[str]], vocab: Vocabulary) -> dict[str, Figure]:
    from yibao.graph.facts import normalise_decimal

    if not linked:
        return {}
    out: dict[str, Figure] = {}
    for s in store.query(_OBS_FIGURES):
        out[s["o"].value] = Figure(
            local_name(s["region"].value) if s["region"] is not None else "", int(s["year"].value),
            local_name(s["fund"].value), local_name(s["indicator"].value), local_name(s["basis"].value),
            local_name(s["statistic"].value), normalise_decimal(s["value"].value), local_name(s["unit"].value),
            _report_id(s["report"].value), s["quote"].value, "",
            local_name(s["qualifier"].value) if s["qualifier"] is not None else "",
            vocab.top_fund(local_name(s["fund"].value)))
    return out


def _fund_short(fund: str, lang: str) -> str:
    from yibao.qa.lexicon import FUND_SHORT_EN, FUND_SHORT_ZH

    return (FUND_SHORT_ZH if lang == "zh" else FUND_SHORT_EN).get(fund, "")
