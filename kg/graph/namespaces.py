"""IRIs used across the graph. Plain strings so that importing this stays cheap."""

from __future__ import annotations

import functools

BASE = "https://w3id.org/yibao/"
YB = BASE + "ontology#"  # classes and properties
CODE = BASE + "code/"  # SKOS concept schemes: CODE + "<scheme>/<id>"
REPORT = BASE + "report/"  # reports and their observations
GRAPH = BASE + "graph/"  # named graphs
DATASET = BASE + "dataset/facts"  # the one qb:DataSet all observations belong to
DSD = BASE + "dataset/facts-structure"

ONTOLOGY_GRAPH = GRAPH + "ontology"

QB = "http://purl.org/linked-data/cube#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PROV = "http://www.w3.org/ns/prov#"
OA = "http://www.w3.org/ns/oa#"
DCTERMS = "http://purl.org/dc/terms/"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SH = "http://www.w3.org/ns/shacl#"
INTERVAL = "http://reference.data.gov.uk/id/"  # year/2022, quarter/2022-Q3, month/2022-10

# Code-list schemes, by the name used in CODE + "<scheme>/<id>".
SCHEMES = ("region", "fund", "indicator", "unit", "basis", "statistic", "report-type")

PREFIXES = {
    "yb": YB,
    "qb": QB,
    "skos": SKOS,
    "prov": PROV,
    "oa": OA,
    "dcterms": DCTERMS,
    "xsd": XSD,
    "rdf": RDF,
    "rdfs": RDFS,
    "sh": SH,
    "region": CODE + "region/",
    "fund": CODE + "fund/",
    "indicator": CODE + "indicator/",
    "unit": CODE + "unit/",
    "basis": CODE + "basis/",
    "statistic": CODE + "statistic/",
    "rtype": CODE + "report-type/",
    "policy": CODE + "policy/",
    "qualifier": CODE + "qualifier/",
    "fcat": CODE + "finding-category/",
    "report": REPORT,
}


def code(scheme: str, ident: str) -> str:
    """IRI of a code-list concept, e.g. code("fund", "employee")."""
    return f"{CODE}{scheme}/{ident}"


# Characters an IRI path segment may hold as they are (RFC 3987 ipchar, '%' aside): the ASCII
# unreserved and sub-delims, ':' and '@', and the non-ASCII "ucschar" ranges. Anything else in a
# report id (a space, '"', '{', '>', '/', '#', '%', control characters …) is percent-encoded, so
# any file name makes a valid IRI and today's ids keep their IRIs.
_IRI_SAFE_ASCII = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@")


def _ucschar(cp: int) -> bool:
    if cp < 0xA0 or 0xD800 <= cp <= 0xF8FF or 0xFDD0 <= cp <= 0xFDEF:
        return False
    return (cp & 0xFFFF) < 0xFFFE and cp < 0xE0000 and not 0xFFF0 <= cp <= 0xFFFF


@functools.lru_cache(maxsize=4096)
def encode_id(report_id: str) -> str:
    """A report id as an IRI path segment: characters an IRI cannot hold are percent-encoded.

    Cached: a build asks it for the same few ids once per node of their graphs.
    """
    out = []
    for ch in report_id:
        cp = ord(ch)
        if ch in _IRI_SAFE_ASCII or _ucschar(cp):
            out.append(ch)
        else:
            out.append("".join(f"%{b:02X}" for b in ch.encode("utf-8", "surrogateescape")))
    return "".join(out)


def decode_id(segment: str) -> str:
    """The report id of an IRI path segment made by ``encode_id``."""
    if "%" not in segment:
        return segment
    from urllib.parse import unquote

    return unquote(segment, errors="surrogateescape")


def report_iri(report_id: str) -> str:
    return REPORT + encode_id(report_id)


def report_id_of(iri: str) -> str:
    """The report id of a report IRI (or of an IRI below it: its first path segment)."""
    if not iri.startswith(REPORT):
        return iri
    return decode_id(iri[len(REPORT):])


def report_graph(report_id: str) -> str:
    """Named graph holding one report's triples."""
    return f"{GRAPH}report/{encode_id(report_id)}"


def period_iri(period: str) -> str:
    """reference.data.gov.uk interval IRI for "2022", "2022-Q3", "2022-H1" or "2022-10"."""
    if "-Q" in period:
        return f"{INTERVAL}quarter/{period}"
    if "-H" in period:
        return f"{INTERVAL}half/{period}"
    if "-" in period:
        return f"{INTERVAL}month/{period}"
    return f"{INTERVAL}year/{period}"


def sparql_prefixes() -> str:
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
