"""Check graphs against the RDF contract: SHACL shapes (ontology/shapes.ttl) and duplicate facts.

``validate`` runs pySHACL on the data merged with the ontology and code lists, so that the
``sh:class`` constraints see the concepts' types (``fund:employee a yb:Fund``).
``duplicate_observations`` is the Data Cube IC-12 check in this project's sense: within one
report, no two observations may share all six dimensions and the same quote and start offset.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from yibao import resources
from yibao.graph.namespaces import INTERVAL, PREFIXES, sparql_prefixes

if TYPE_CHECKING:
    from rdflib import Graph
    from rdflib.term import Node

ONTOLOGY_FILES = ("yibao.ttl", "codes.ttl", "regions.ttl")  # codes.ttl is optional
SH = "http://www.w3.org/ns/shacl#"
_SHORT = {**PREFIXES, "interval": INTERVAL}  # prefixes for messages


@dataclass
class ValidationResult:
    """Outcome of a SHACL validation; ``violations`` are sorted one-line descriptions."""

    conforms: bool
    violations: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # sh:Warning / sh:Info results: reported, not failing


def load_ontology_graph(ontology_dir: Path | None = None) -> Graph:
    """The ontology, the code lists (if ``codes.ttl`` exists yet) and the gazetteer, in one graph."""
    from rdflib import Graph

    ontology_dir = Path(ontology_dir or resources.ontology_dir())

    graph = Graph()
    for name in ONTOLOGY_FILES:
        path = ontology_dir / name
        if path.exists():
            graph.parse(path, format="turtle")
        elif name != "codes.ttl":
            raise FileNotFoundError(path)
    return graph


@lru_cache(maxsize=1)
def _shapes_graph() -> Graph:
    from rdflib import Graph

    return Graph().parse(resources.ontology_dir() / "shapes.ttl", format="turtle")


def short(node: Node | None) -> str:
    """A compact, readable form of a term for messages: "report:x/obs/1", "<iri>", "_:b0", "'text'"."""
    from rdflib import BNode, Literal, URIRef

    if node is None:
        return "-"
    if isinstance(node, URIRef):
        iri = str(node)
        best = max(((p, ns) for p, ns in _SHORT.items() if iri.startswith(ns)),
                   key=lambda item: len(item[1]), default=None)
        if best and not any(c in iri[len(best[1]):] for c in "#<> "):
            return f"{best[0]}:{iri[len(best[1]):]}"
        return f"<{iri}>"
    if isinstance(node, BNode):
        return f"_:{node}"
    if isinstance(node, Literal):
        return repr(str(node))
    return str(node)


def validate(data: Graph, ontology: Graph | None = None) -> ValidationResult:
    """Validate ``data`` (report and observation triples) with the SHACL shapes.

    ``ontology`` defaults to :func:`load_ontology_graph`; it is merged into a copy of the data,
    ``data`` itself is never modified.
    """
    import pyshacl
    from rdflib import Graph, URIRef

    if ontology is None:
        ontology = load_ontology_graph()
    merged = Graph()
    merged += data
    merged += ontology
    conforms, report, _ = pyshacl.validate(
        merged, shacl_graph=_shapes_graph(), inference="none", inplace=True, advanced=False, allow_warnings=True
    )
    lines = {_describe(report, result) for result in report.subjects(URIRef(SH + "resultSeverity"), None)}
    return ValidationResult(conforms=bool(conforms), violations=sorted(x for x in lines if not x.startswith("[")),
                            warnings=sorted(x for x in lines if x.startswith("[")))


def _describe(report: Graph, result: Node) -> str:
    """"focus path: message (value v)" for one sh:ValidationResult; non-violations are tagged."""
    from rdflib import URIRef

    def one(prop: str) -> Node | None:
        values = sorted(report.objects(result, URIRef(SH + prop)), key=str)
        return values[0] if values else None

    message = str(one("resultMessage") or short(one("sourceConstraintComponent")))
    line = f"{short(one('focusNode'))} {short(one('resultPath'))}: {message}"
    if one("value") is not None:
        line += f" (value {short(one('value'))})"
    severity = str(one("resultSeverity")).removeprefix(SH)
    return line if severity == "Violation" else f"[{severity}] {line}"


DUPLICATES_QUERY = """
SELECT ?report ?region ?period ?fund ?indicator ?basis ?statistic ?exact ?start ?policy ?qualifier
       (GROUP_CONCAT(DISTINCT STR(?obs); separator=" ") AS ?members)
WHERE {
  ?obs a qb:Observation ;
       prov:wasDerivedFrom ?report ;
       yb:refPeriod ?period ; yb:fund ?fund ;
       yb:indicator ?indicator ; yb:basis ?basis ; yb:statistic ?statistic ;
       yb:quote ?exact ; yb:quoteStart ?start .
  OPTIONAL { ?obs yb:region ?region }
  OPTIONAL { ?obs yb:policy ?policy }  # one figure of several policies is several facts (Observation.key)
  OPTIONAL { ?obs yb:qualifier ?qualifier }
}
GROUP BY ?report ?region ?period ?fund ?indicator ?basis ?statistic ?exact ?start ?policy ?qualifier
HAVING (COUNT(DISTINCT ?obs) > 1)
"""


def duplicate_observations(graph: Graph) -> list[str]:
    """One line per group of observations of a report that share dimensions, quote and start."""
    from rdflib import URIRef

    lines = []
    for row in graph.query(sparql_prefixes() + DUPLICATES_QUERY):
        members = ", ".join(short(URIRef(iri)) for iri in sorted(str(row.members).split()))
        dims = " ".join(short(row[name]) for name in
                        ("region", "period", "fund", "indicator", "basis", "statistic"))
        lines.append(f"{short(row.report)}: same dimensions ({dims}) and quote {short(row.exact)} "
                     f"at {row.start} in {members}")
    return sorted(lines)
