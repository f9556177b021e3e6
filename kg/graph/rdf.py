"""Turn one `Report` into the quads of its named graph (see docs/rdf-model.md)."""

from __future__ import annotations

import functools
import hashlib
from datetime import date
from decimal import Decimal

from pyoxigraph import Literal, NamedNode, Quad
from yibao.graph import namespaces as ns
from yibao.model import Finding, Observation, Policy, Report, UnmappedFigure

_XSD_DECIMAL = NamedNode(ns.XSD + "decimal")
_XSD_INTEGER = NamedNode(ns.XSD + "integer")
_XSD_DATE = NamedNode(ns.XSD + "date")

_KEY_SEPARATOR = "\x1f"  # ASCII unit separator: cannot occur in a code id, rarely in a quote


def _n(iri: str) -> NamedNode:
    return NamedNode(iri)


@functools.lru_cache(maxsize=65536)
def _code(scheme: str, code_id: str) -> NamedNode:
    """The node of a code (cached: a report names the same few codes again and again)."""
    return NamedNode(ns.code(scheme, code_id))


@functools.lru_cache(maxsize=4096)
def _period(period: str) -> NamedNode:
    return NamedNode(ns.period_iri(period))


@functools.lru_cache(maxsize=1024)
def _report_node(report_id: str) -> NamedNode:
    return NamedNode(ns.report_iri(report_id))


_A = _n(ns.RDF + "type")
_YB = {name: _n(ns.YB + name) for name in (
    "Report", "region", "year", "reportType", "sourceFile", "sha256", "encoding", "textLength",
    "refPeriod", "fund", "indicator", "basis", "statistic", "value", "unit", "refYear", "surface",
    "policy", "qualifier", "Policy", "policyType", "adopter", "leadRegion", "member", "status",
    "startYear", "startDate", "scope", "renamedTo", "measure", "category", "approximation",
    "UnmappedFigure", "unmappedReason", "labelWords", "nonFactCount", "quote", "quoteStart", "quoteEnd",
)}
_RDFS_LABEL = _n(ns.RDFS + "label")
_XSD_GYEARMONTH = NamedNode(ns.XSD + "gYearMonth")
_DCT_TITLE, _DCT_PUBLISHER, _DCT_ISSUED = (_n(ns.DCTERMS + p) for p in ("title", "publisher", "issued"))
_PROV_ENTITY, _PROV_DERIVED = _n(ns.PROV + "Entity"), _n(ns.PROV + "wasDerivedFrom")
_QB_OBSERVATION, _QB_DATASET = _n(ns.QB + "Observation"), _n(ns.QB + "dataSet")
_DATASET = _n(ns.DATASET)


def decimal_lexical(value: Decimal | int | str) -> str:
    """Canonical plain-decimal string: no exponent, no trailing zeros ("2.389E+9" → "2389000000")."""
    d = Decimal(value)
    if not d.is_finite():
        raise ValueError(f"not a finite decimal: {value!r}")
    text = format(d, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def observation_hash(obs: Observation) -> str:
    """First 16 hex digits of sha1 over the observation key (dimensions + quote + start).

    The key fields are joined with U+001F and encoded as UTF-8, so the IRI is stable across builds.
    """
    raw = _KEY_SEPARATOR.join(str(part) for part in obs.key)
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()[:16]


def observation_iri(report_id: str, obs: Observation) -> str:
    return f"{ns.report_iri(report_id)}/obs/{observation_hash(obs)}"


def _integer(value: int) -> Literal:
    return Literal(str(int(value)), datatype=_XSD_INTEGER)


def _iso_date(value: str | None) -> str | None:
    """The value if it is a valid ISO calendar date (YYYY-MM-DD), else None."""
    if not value or len(value) != 10:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        return None


def _report_triples(report: Report) -> list[tuple[NamedNode, NamedNode, NamedNode | Literal]]:
    r = _n(ns.report_iri(report.id))
    triples: list[tuple[NamedNode, NamedNode, NamedNode | Literal]] = [
        (r, _A, _YB["Report"]),
        (r, _A, _PROV_ENTITY),
    ]
    if report.title:
        triples.append((r, _DCT_TITLE, Literal(report.title)))
    if report.region:
        triples.append((r, _YB["region"], _n(ns.code("region", report.region))))
    if report.year is not None:
        triples.append((r, _YB["year"], _integer(report.year)))
    triples.append((r, _YB["reportType"], _n(ns.code("report-type", report.report_type or "other"))))
    if report.issuer:
        triples.append((r, _DCT_PUBLISHER, Literal(report.issuer)))
    issued = _iso_date(report.date)
    if issued:
        triples.append((r, _DCT_ISSUED, Literal(issued, datatype=_XSD_DATE)))
    triples += [
        (r, _YB["sourceFile"], Literal(report.path.name)),
        (r, _YB["sha256"], Literal(report.sha256)),
        (r, _YB["encoding"], Literal(report.encoding)),
        (r, _YB["textLength"], _integer(len(report.text))),
        (r, _YB["nonFactCount"], _integer(report.non_facts)),
    ]
    return triples


def _observation_triples(report_id: str, obs: Observation,
                         o: NamedNode | None = None) -> list[tuple[NamedNode, NamedNode, NamedNode | Literal]]:
    """The observation's triples (``o``: its node, if already made)."""
    o = o if o is not None else _n(observation_iri(report_id, obs))
    return [
        (o, _A, _QB_OBSERVATION),
        (o, _QB_DATASET, _DATASET),
        (o, _YB["refPeriod"], _period(obs.period)),
        (o, _YB["fund"], _code("fund", obs.fund)),
        (o, _YB["indicator"], _code("indicator", obs.indicator)),
        (o, _YB["basis"], _code("basis", obs.basis)),
        (o, _YB["statistic"], _code("statistic", obs.statistic)),
        (o, _YB["value"], Literal(decimal_lexical(obs.value), datatype=_XSD_DECIMAL)),
        (o, _YB["unit"], _code("unit", obs.unit)),
        (o, _YB["refYear"], _integer(obs.year)),
        (o, _YB["surface"], Literal(obs.surface)),
        *_source_nodes(o, _report_node(report_id), obs.quote, obs.start, obs.end),
    ]


def policy_iri(report_id: str, policy_id: str) -> str:
    return f"{ns.report_iri(report_id)}/policy/{policy_id}"


def _source_triples(subject: str, report_id: str, quote_text: str, start: int,
                      end: int) -> list[tuple[NamedNode, NamedNode, NamedNode | Literal]]:
    """The source of a fact, policy, finding or figure: its report, and the quote with its offsets.

    The quote and its offsets are properties of the subject itself (no evidence and selector nodes:
    a third of a report's triples went to them); `docs/rdf-model.md` gives the CONSTRUCT that turns
    them into a W3C Web Annotation (oa:SpecificResource with text quote and position selectors).
    """
    return _source_nodes(_n(subject), _report_node(report_id), quote_text, start, end)


def _source_nodes(node: NamedNode, report: NamedNode, quote_text: str, start: int,
                  end: int) -> list[tuple[NamedNode, NamedNode, NamedNode | Literal]]:
    """`_source_triples` of nodes already made."""
    return [
        (node, _PROV_DERIVED, report),
        (node, _YB["quote"], Literal(quote_text)),
        (node, _YB["quoteStart"], _integer(start)),
        (node, _YB["quoteEnd"], _integer(end)),
    ]


def _policy_triples(report_id: str, policy: Policy) -> list[tuple[NamedNode, NamedNode, NamedNode | Literal]]:
    iri = policy_iri(report_id, policy.id)
    p = _n(iri)
    triples: list[tuple[NamedNode, NamedNode, NamedNode | Literal]] = [
        (p, _A, _YB["Policy"]),
        (p, _A, _n(ns.YB + policy.kind)),
        (p, _RDFS_LABEL, Literal(policy.label, language="zh")),
        (p, _YB["policyType"], _n(ns.code("policy", policy.type))),
    ]
    triples += [(p, _YB["adopter"], _n(ns.code("region", r))) for r in policy.adopters if r]
    triples += [(p, _YB["member"], _n(ns.code("region", r))) for r in policy.members if r]
    if policy.lead:
        triples.append((p, _YB["leadRegion"], _n(ns.code("region", policy.lead))))
    if policy.status:
        triples.append((p, _YB["status"], _n(ns.YB + policy.status)))
    if policy.start_year:
        triples.append((p, _YB["startYear"], _integer(policy.start_year)))
    if policy.start_month:
        triples.append((p, _YB["startDate"], Literal(policy.start_month, datatype=_XSD_GYEARMONTH)))
    if policy.scope:
        triples.append((p, _YB["scope"], Literal(policy.scope, language="zh")))
    if policy.renamed_to:
        triples.append((p, _YB["renamedTo"], _n(policy_iri(report_id, policy.renamed_to))))
    return triples + _source_triples(iri, report_id, policy.quote, policy.start, policy.end)


def finding_iri(report_id: str, finding_id: str) -> str:
    return f"{ns.report_iri(report_id)}/{finding_id}"


def _finding_triples(report_id: str, finding: Finding) -> list[tuple[NamedNode, NamedNode, NamedNode | Literal]]:
    iri = finding_iri(report_id, finding.id)
    f = _n(iri)
    triples: list[tuple[NamedNode, NamedNode, NamedNode | Literal]] = [
        (f, _A, _n(ns.YB + finding.kind)),
        (f, _RDFS_LABEL, Literal(finding.label, language="zh")),
        (f, _YB["year"], _integer(finding.year)),
    ]
    if finding.region:
        triples.append((f, _YB["region"], _n(ns.code("region", finding.region))))
    if finding.category:
        triples.append((f, _YB["category"], _n(ns.code("finding-category", finding.category))))
    return triples + _source_triples(iri, report_id, finding.quote, finding.start, finding.end)


def _unmapped_triples(report_id: str, figure: UnmappedFigure) -> list[tuple[NamedNode, NamedNode, NamedNode | Literal]]:
    """A figure no observation was made of: its surface, label words, reason and source quote."""
    subject = f"{ns.report_iri(report_id)}/unmapped/{figure.start}-{figure.end}"
    node = _n(subject)
    return [
        (node, _A, _YB["UnmappedFigure"]),
        (node, _YB["surface"], Literal(figure.surface)),
        (node, _YB["labelWords"], Literal(figure.labels)),
        (node, _YB["unmappedReason"], Literal(figure.reason)),
        *_source_triples(subject, report_id, figure.quote, figure.quote_start, figure.quote_end),
    ]


def _observation_order(obs: Observation) -> tuple:
    return (obs.start, obs.end, tuple(str(part) for part in obs.key), decimal_lexical(obs.value))


def report_quads(report: Report) -> list[Quad]:
    """All quads of one report in its named graph, in a deterministic order without duplicates.

    Order: the report node, policies, findings, unmapped figures, then observations sorted by
    (start, end, key), each with its source quote. Raises ValueError for an id or code that cannot form a valid IRI.
    """
    graph = _n(ns.report_graph(report.id))
    triples = _report_triples(report)
    for policy in report.policies:
        triples += _policy_triples(report.id, policy)
    for finding in report.findings:
        triples += _finding_triples(report.id, finding)
    for figure in sorted(report.unmapped):
        triples += _unmapped_triples(report.id, figure)
    for obs in sorted(report.observations, key=_observation_order):
        subject = _n(observation_iri(report.id, obs))
        triples += _observation_triples(report.id, obs, subject)
        if obs.region:
            triples.append((subject, _YB["region"], _code("region", obs.region)))
        if obs.approximation != "exact":
            triples.append((subject, _YB["approximation"], _code("approximation", obs.approximation)))
        if obs.policy and obs.policy.startswith("measure-"):
            triples.append((subject, _YB["measure"], _n(finding_iri(report.id, obs.policy))))
        elif obs.policy:
            triples.append((subject, _YB["policy"], _n(policy_iri(report.id, obs.policy))))
        if obs.qualifier:
            triples.append((subject, _YB["qualifier"], _code("qualifier", obs.qualifier)))
    return [Quad(s, p, o, graph) for s, p, o in dict.fromkeys(triples)]  # the first of equal triples
