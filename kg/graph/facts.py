"""The tidy fact table (one row per observation) and code-list lookups, straight from the store."""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox
from yibao.graph import namespaces as ns
from yibao.graph.rdf import decimal_lexical
from yibao.model import FACT_COLUMNS

_REPORT_GRAPH_PREFIX = ns.report_graph("")

# Every observation with its evidence; ?region/?refYear/?fund/?indicator may be pre-bound
# through `substitutions` (never by pasting user text into the query).
_FACTS_QUERY = f"""
PREFIX yb: <{ns.YB}>
PREFIX qb: <{ns.QB}>
PREFIX prov: <{ns.PROV}>
SELECT ?g ?report ?region ?refYear ?period ?fund ?indicator ?basis ?statistic ?value ?unit
       ?surface ?quote ?start ?end ?policyLabel ?qualifier ?approximation
WHERE {{
  GRAPH ?g {{
    ?obs a qb:Observation ;
         yb:refPeriod ?period ; yb:refYear ?refYear ;
         yb:fund ?fund ; yb:indicator ?indicator ; yb:basis ?basis ; yb:statistic ?statistic ;
         yb:value ?value ; yb:unit ?unit ; yb:surface ?surface ;
         prov:wasDerivedFrom ?report ; yb:quote ?quote ; yb:quoteStart ?start ; yb:quoteEnd ?end .
    OPTIONAL {{ ?obs yb:policy ?policy . ?policy <http://www.w3.org/2000/01/rdf-schema#label> ?policyLabel }}
    OPTIONAL {{ ?obs yb:qualifier ?qualifier }}
    OPTIONAL {{ ?obs yb:region ?region }}
    OPTIONAL {{ ?obs yb:approximation ?approximation }}
  }}
  FILTER(STRSTARTS(STR(?g), "{_REPORT_GRAPH_PREFIX}"))
}}
"""
_REGION_SLOT = "    OPTIONAL { ?obs yb:region ?region }"  # one line of _FACTS_QUERY


def _facts_query(regions: set[str] | None) -> str:
    """The fact query; with ``regions``, only observations of those region codes (pushed into SPARQL)."""
    if regions is None:
        return _FACTS_QUERY
    values = " ".join(f"<{ns.code('region', r)}>" for r in sorted(regions) if _code_term("region", r))
    return _FACTS_QUERY.replace(_REGION_SLOT, f"    VALUES ?region {{ {values} }} ?obs yb:region ?region .")


_LABELS_QUERY = f"""
PREFIX skos: <{ns.SKOS}>
SELECT ?prefix ?concept ?property ?label WHERE {{
  GRAPH <{ns.ONTOLOGY_GRAPH}> {{
    VALUES ?property {{ skos:prefLabel skos:altLabel skos:notation }}
    ?concept ?property ?label .
    FILTER(STRSTARTS(STR(?concept), ?prefix))
  }}
}}
"""

_USED_CODES_QUERY = f"""
SELECT DISTINCT ?dimension ?concept WHERE {{
  GRAPH ?g {{ ?obs ?dimension ?concept }}
  FILTER(STRSTARTS(STR(?g), "{_REPORT_GRAPH_PREFIX}"))
}}
"""

# The Data Cube dimension property carrying each filterable scheme.
_DIMENSION = {"region": "region", "fund": "fund", "indicator": "indicator", "basis": "basis",
              "statistic": "statistic", "unit": "unit"}


def local_name(iri: str) -> str:
    """The last path segment of an IRI ("…/code/region/430200" → "430200")."""
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def normalise_decimal(text: str) -> str:
    """A literal's lexical form as a plain decimal string; left as is if it is not a number."""
    try:
        return decimal_lexical(Decimal(text))
    except (InvalidOperation, ValueError):
        return text


def _code_term(scheme: str, ident: str) -> ox.NamedNode | None:
    try:
        return ox.NamedNode(ns.code(scheme, ident))
    except ValueError:  # not a valid IRI, so certainly not a known code
        return None


def region_labels(store: ox.Store) -> dict[str, str]:
    """Region code id → Chinese skos:prefLabel (else an untagged one) from the ontology graph."""
    best: dict[str, tuple[int, str]] = {}
    for concept, prop, label in _label_rows(store, "region"):
        if prop != "prefLabel" or not isinstance(label, ox.Literal):
            continue
        lang = (label.language or "").lower()
        rank = 0 if lang == "zh" or lang.startswith("zh-") else 1 if not lang else 2
        candidate = (rank, label.value)
        if rank < 2 and (concept not in best or candidate < best[concept]):
            best[concept] = candidate
    return {code: label for code, (_, label) in best.items()}


_DESCENDANTS_QUERY = f"""
PREFIX skos: <{ns.SKOS}>
SELECT ?r ?top WHERE {{ GRAPH <{ns.ONTOLOGY_GRAPH}> {{ ?r skos:broader* ?top }} }}
"""


def _descendants(store: ox.Store, region: str) -> set[str]:
    """The region's code and the codes of every region below it."""
    term = _code_term("region", region)
    if term is None:
        return set()
    solutions = store.query(_DESCENDANTS_QUERY, substitutions={ox.Variable("top"): term})
    found = {local_name(s["r"].value) for s in solutions}
    return found | {region}


def fact_rows(
    store: ox.Store,
    region: str | None = None,
    year: int | None = None,
    fund: str | None = None,
    indicator: str | None = None,
) -> list[dict]:
    """One dict per observation with exactly the keys of FACT_COLUMNS, in a stable order.

    Filters take code ids (e.g. region="430200", fund="employee") and are bound as RDF terms;
    a region filter also matches the regions below it (青岛市 includes 市北区).
    Order: report, region_code, year, fund, indicator, basis, statistic, start (then end, quote).
    """
    return list(iter_fact_rows(store, region=region, year=year, fund=fund, indicator=indicator))


def iter_fact_rows(
    store: ox.Store,
    region: str | None = None,
    year: int | None = None,
    fund: str | None = None,
    indicator: str | None = None,
) -> Iterator[dict]:
    """The rows of `fact_rows`, in the same order, as they are read.

    Without filters the store is read one report graph at a time (reports in id order, each report's
    rows sorted), so memory holds one report's rows whatever the size of the store; with a filter
    one query selects the few matching rows across all graphs.
    """
    substitutions: dict[ox.Variable, ox.NamedNode | ox.Literal] = {}
    within = _descendants(store, region) if region is not None else None
    for var, scheme, value in (("fund", "fund", fund), ("indicator", "indicator", indicator)):
        if value is None:
            continue
        term = _code_term(scheme, value)
        if term is None:
            return
        substitutions[ox.Variable(var)] = term
    if year is not None:
        substitutions[ox.Variable("refYear")] = ox.Literal(str(int(year)), datatype=ox.NamedNode(ns.XSD + "integer"))
    labels = region_labels(store)
    if within is not None or substitutions or not isinstance(store, ox.Store):  # a remote endpoint: one query
        yield from sorted(_fact_solutions(store, _facts_query(within), substitutions, labels, within),
                          key=_row_order)
        return
    graphs = sorted((ns.decode_id(g.value[len(_REPORT_GRAPH_PREFIX):]), g)
                    for g in store.named_graphs()
                    if isinstance(g, ox.NamedNode) and g.value.startswith(_REPORT_GRAPH_PREFIX))
    for _, graph in graphs:
        one = {ox.Variable("g"): graph}
        yield from sorted(_fact_solutions(store, _FACTS_QUERY, one, labels, None), key=_row_order)


def _fact_solutions(store: ox.Store, query: str, substitutions: dict, labels: dict[str, str],
                    within: set[str] | None) -> Iterator[dict]:
    """The fact query's solutions as rows of FACT_COLUMNS (those outside ``within`` left out)."""
    for s in store.query(query, substitutions=substitutions):
        region_code = local_name(s["region"].value) if s["region"] is not None else ""
        if within is not None and region_code not in within:
            continue
        report_iri = s["report"].value
        values = {
            "report": ns.report_id_of(report_iri) if report_iri.startswith(ns.REPORT) else local_name(report_iri),
            "region_code": region_code,
            "region": labels.get(region_code, region_code),
            "approximation": local_name(s["approximation"].value) if s["approximation"] is not None else "exact",
            "year": int(s["refYear"].value),
            "period": local_name(s["period"].value),
            "fund": local_name(s["fund"].value),
            "indicator": local_name(s["indicator"].value),
            "basis": local_name(s["basis"].value),
            "statistic": local_name(s["statistic"].value),
            "value": normalise_decimal(s["value"].value),
            "unit": local_name(s["unit"].value),
            "surface": s["surface"].value,
            "quote": s["quote"].value,
            "start": int(s["start"].value),
            "end": int(s["end"].value),
            "policy": s["policyLabel"].value if s["policyLabel"] is not None else "",
            "qualifier": local_name(s["qualifier"].value) if s["qualifier"] is not None else "",
        }
        yield {column: values[column] for column in FACT_COLUMNS}


UNMAPPED_COLUMNS: tuple[str, ...] = ("report", "surface", "labels", "reason", "quote", "start", "end")

_UNMAPPED_QUERY = f"""
PREFIX yb: <{ns.YB}>
PREFIX prov: <{ns.PROV}>
SELECT ?report ?surface ?labels ?reason ?quote ?start ?end WHERE {{
  GRAPH ?g {{
    ?figure a yb:UnmappedFigure ; yb:surface ?surface ; yb:labelWords ?labels ; yb:unmappedReason ?reason ;
            prov:wasDerivedFrom ?report ; yb:quote ?quote ; yb:quoteStart ?start ; yb:quoteEnd ?end .
  }}
}}
"""


def unmapped_rows(store: ox.Store, reason: str | None = None) -> list[dict]:
    """Every figure no observation was made of, with its quote and why (sorted by report and offset)."""
    substitutions = {ox.Variable("reason"): ox.Literal(reason)} if reason else {}
    rows = []
    for s in store.query(_UNMAPPED_QUERY, substitutions=substitutions):
        report_iri = s["report"].value
        rows.append({
            "report": ns.report_id_of(report_iri) if report_iri.startswith(ns.REPORT) else local_name(report_iri),
            "surface": s["surface"].value, "labels": s["labels"].value, "reason": s["reason"].value,
            "quote": s["quote"].value, "start": int(s["start"].value), "end": int(s["end"].value),
        })
    rows.sort(key=lambda r: (r["report"], r["start"], r["end"]))
    return rows


def _row_order(row: dict) -> tuple:
    return (row["report"], row["region_code"], row["year"], row["fund"], row["indicator"], row["basis"],
            row["statistic"], row["start"], row["end"], row["period"], row["quote"], row["value"])


# --- code lookup (used by the CLI to turn names such as 株洲 into code ids) ---------------------

@dataclass
class CodeIndex:
    """The known ids of one scheme and every label (prefLabel/altLabel/notation) pointing to them."""

    scheme: str
    ids: set[str] = field(default_factory=set)
    labels: dict[str, set[tuple[int, str]]] = field(default_factory=dict)  # folded label → {(tier, id)}
    display: dict[str, str] = field(default_factory=dict)  # folded label → label as written

    def add(self, ident: str, label: str, tier: int) -> None:
        key = _fold(label)
        if key:
            self.labels.setdefault(key, set()).add((tier, ident))
            self.display.setdefault(key, label)


class UnknownCode(LookupError):
    """No (or more than one) code matches; `suggestions` are close known labels."""

    def __init__(self, scheme: str, text: str, suggestions: list[str], ambiguous: bool = False):
        self.scheme, self.text, self.suggestions, self.ambiguous = scheme, text, suggestions, ambiguous
        if ambiguous:
            message = f"ambiguous {scheme} {text!r}: it matches {', '.join(suggestions)}"
        elif suggestions:
            message = f"unknown {scheme} {text!r}; closest known: {', '.join(suggestions)}"
        else:
            message = f"unknown {scheme} {text!r}"
        super().__init__(message)


_TIER_ID, _TIER_PREF, _TIER_ALT = 0, 1, 2


def _fold(text: str) -> str:
    return "".join(text.split()).casefold()


def _label_rows(store: ox.Store, scheme: str) -> list[tuple[str, str, ox.Literal]]:
    prefix = ox.Literal(ns.code(scheme, ""))
    rows = []
    for s in store.query(_LABELS_QUERY, substitutions={ox.Variable("prefix"): prefix}):
        concept = s["concept"].value[len(prefix.value):]
        if concept and "/" not in concept:
            rows.append((concept, local_name(s["property"].value), s["label"]))
    return rows


def code_index(store: ox.Store, scheme: str) -> CodeIndex:
    """Every concept of `scheme` in the ontology graph, plus the codes the reports actually use."""
    index = CodeIndex(scheme)
    for concept, prop, label in _label_rows(store, scheme):
        index.ids.add(concept)
        value = label.value if isinstance(label, ox.Literal) else str(label)
        index.add(concept, value, _TIER_ID if prop == "notation" else _TIER_PREF if prop == "prefLabel" else _TIER_ALT)
    dimension = _DIMENSION.get(scheme)
    if dimension:
        prefix = ns.code(scheme, "")
        used = store.query(_USED_CODES_QUERY,
                           substitutions={ox.Variable("dimension"): ox.NamedNode(ns.YB + dimension)})
        for s in used:
            iri = s["concept"].value
            if isinstance(s["concept"], ox.NamedNode) and iri.startswith(prefix):
                index.ids.add(iri[len(prefix):])
    for ident in index.ids:
        index.add(ident, ident, _TIER_ID)
    return index


def resolve_code(store: ox.Store, scheme: str, text: str) -> str:
    """The code id of `scheme` that `text` names: an id, a notation, or a prefLabel/altLabel.

    Matching ignores case and whitespace; ids and notations beat prefLabels, which beat altLabels.
    Raises UnknownCode (with up to 5 close labels) if nothing or several codes match.
    """
    index = code_index(store, scheme)
    matches = index.labels.get(_fold(text), set())
    if matches:
        best = min(tier for tier, _ in matches)
        ids = sorted({ident for tier, ident in matches if tier == best})
        if len(ids) == 1:
            return ids[0]
        raise UnknownCode(scheme, text, ids, ambiguous=True)
    raise UnknownCode(scheme, text, suggest(index, text))


def suggest(index: CodeIndex, text: str, limit: int = 5) -> list[str]:
    """Up to `limit` codes whose labels are closest to `text`, as "label (id)", best first.

    Similarity is difflib's ratio; ties go to the longer common prefix, then to ids,
    notations and prefLabels over altLabels. One entry per code, with its closest label.
    """
    query = _fold(text)
    matcher = difflib.SequenceMatcher(b=query)
    scored: dict[str, tuple[tuple, str]] = {}
    for key, entries in index.labels.items():
        matcher.set_seq1(key)
        if matcher.real_quick_ratio() < _MIN_RATIO or matcher.quick_ratio() < _MIN_RATIO:
            continue
        ratio = matcher.ratio()
        if ratio < _MIN_RATIO:
            continue
        prefix = len(os.path.commonprefix([key, query]))
        for tier, ident in entries:
            score = (ratio, prefix, -tier)
            if ident not in scored or score > scored[ident][0]:
                scored[ident] = (score, index.display[key])
    best = sorted(scored.items(), key=lambda item: (tuple(-x for x in item[1][0]), item[0]))[:limit]
    return [label if label == ident else f"{label} ({ident})" for ident, (_, label) in best]


_MIN_RATIO = 0.3
