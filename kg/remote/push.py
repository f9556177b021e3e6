"""`yibao push`: copy the embedded store's graphs to a SPARQL server, one named graph per report.

Each graph (the ontology graph first, then every report graph) *replaces* the server's graph of
the same name, so a report re-ingested locally replaces its old version there and pushing twice
leaves the same triples:

- with a Graph Store Protocol URL (``--graph-store``; found by itself next to an Oxigraph
  ``…/query`` endpoint), one ``PUT ?graph=<g>`` of the graph as N-Triples: the server swaps it whole;
- otherwise SPARQL Update on the update endpoint: ``CLEAR SILENT GRAPH <g>`` and ``INSERT DATA`` in
  batches (the first batch in the same request as the CLEAR).

Each graph's triple count on the server is checked after it is sent. A graph that fails (server
down, refused, error, fewer triples arrived than sent) is recorded and the push goes on with the next;
the outcome lists the reports that did not arrive, and a re-run replaces them whole.

Pushes are incremental: after a graph arrives, its digest (SHA-256 of its sorted N-Triples) and triple
count are recorded on the server in a manifest graph outside the yibao graphs; a graph whose digest
is recorded and whose triple count on the server still matches is not sent again (``force`` sends all).
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from yibao.graph import namespaces as ns
from yibao.remote.errors import RemoteError

if TYPE_CHECKING:
    import pyoxigraph as ox
    from yibao.remote.endpoint import RemoteStore

DEFAULT_BATCH = 1000  # triples per INSERT DATA request (Virtuoso silently kept only part of 5000-triple batches)
ONTOLOGY = "ontology"

MANIFEST_GRAPH = ns.BASE + "push/manifest"  # digests of the pushed graphs (not itself a yibao graph)
_DIGEST = ns.YB + "pushDigest"
_TRIPLES = ns.YB + "pushTriples"

_COUNT_QUERY = f"""SELECT (COUNT(*) AS ?n) WHERE {{
  GRAPH ?g {{ ?s ?p ?o }}
  FILTER(STRSTARTS(STR(?g), "{ns.ONTOLOGY_GRAPH.rsplit('/', 1)[0]}/"))
}}"""


@dataclass
class PushOutcome:
    method: str  # "graph-store" or "update"
    pushed: list[str] = field(default_factory=list)  # "ontology" and report ids that arrived
    unchanged: list[str] = field(default_factory=list)  # … already on the server as they are here
    failed: dict[str, str] = field(default_factory=dict)  # id → the one-line reason
    unrecorded: str | None = None  # why digests could not be recorded (the next push sends all again)
    triples: int = 0  # triples sent in graphs that arrived
    local_triples: int = 0  # triples of every graph pushed or attempted
    server_triples: int | None = None  # triples of the yibao graphs on the server afterwards

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def missing_reports(self) -> list[str]:
        return [name for name in self.failed if name != ONTOLOGY]


def graph_name(name: str) -> str:
    return ns.ONTOLOGY_GRAPH if name == ONTOLOGY else ns.report_graph(name)


def local_graphs(store: ox.Store) -> list[str]:
    """"ontology" (if loaded) and the report ids of the embedded store, in push order."""
    import pyoxigraph as ox
    from yibao.graph.store import report_ids

    names = [ONTOLOGY] if any(isinstance(g, ox.NamedNode) and g.value == ns.ONTOLOGY_GRAPH
                              for g in store.named_graphs()) else []
    return names + report_ids(store)


def _triples(store: ox.Store, name: str) -> list[ox.Triple]:
    import pyoxigraph as ox

    quads = store.quads_for_pattern(None, None, None, ox.NamedNode(graph_name(name)))
    return [ox.Triple(q.subject, q.predicate, q.object) for q in quads]


def server_triples(remote: RemoteStore) -> int:
    """Triples in the server's yibao graphs (ontology and reports), whatever else it holds."""
    for row in remote.query(_COUNT_QUERY):
        value = row["n"]
        return int(value.value) if value is not None else 0
    return 0


def discover_graph_store(remote: RemoteStore) -> str | None:
    """The Graph Store Protocol URL next to an Oxigraph-style ``…/query`` endpoint, if it answers."""
    from yibao.remote.endpoint import RemoteStore

    candidate = _beside(remote, "store")
    if candidate is None:
        return None
    probe = RemoteStore(replace(remote.endpoint, graph_store_url=candidate,
                                timeout=min(remote.endpoint.timeout, 10.0)))
    try:
        probe.graph_store("HEAD", None)  # the default graph: always there on a Graph Store
    except RemoteError:
        return None
    return candidate


def _beside(remote: RemoteStore, service: str) -> str | None:
    """The ``…/service`` URL beside an Oxigraph-style ``…/query`` endpoint (None for other servers)."""
    parts = urllib.parse.urlsplit(remote.endpoint.query_url)
    if not parts.path.endswith("/query"):
        return None
    return urllib.parse.urlunsplit(parts._replace(path=parts.path[:-len("query")] + service, query=""))


_GRAPH_COUNT_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def _check_arrived(remote: RemoteStore, graph: str, expected: int) -> None:
    """Raise RemoteError unless the server's graph holds `expected` triples (a server may accept an
    INSERT DATA and keep only part of it: Virtuoso under memory pressure does)."""
    import pyoxigraph as ox

    rows = list(remote.query(_GRAPH_COUNT_QUERY, substitutions={ox.Variable("g"): ox.NamedNode(graph)}))
    found = int(rows[0]["n"].value) if rows and rows[0]["n"] is not None else 0
    if found != expected:
        raise RemoteError(f"only {found:,} of {expected:,} triples arrived")


def digest(triples: list[ox.Triple]) -> str:
    """SHA-256 of a graph's sorted N-Triples lines (the same graph, the same digest)."""
    import hashlib

    h = hashlib.sha256()
    for line in sorted(f"{t.subject} {t.predicate} {t.object} ." for t in triples):
        h.update(line.encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


def _on_server(remote: RemoteStore) -> dict[str, tuple[str, int]]:
    """Graph IRI → (recorded digest, triples now on the server), for the graphs of the manifest."""
    query = f"""SELECT ?g ?digest ?recorded (COUNT(?s) AS ?n) WHERE {{
      GRAPH <{MANIFEST_GRAPH}> {{ ?g <{_DIGEST}> ?digest ; <{_TRIPLES}> ?recorded }}
      OPTIONAL {{ GRAPH ?g {{ ?s ?p ?o }} }}
    }} GROUP BY ?g ?digest ?recorded"""
    found: dict[str, tuple[str, int]] = {}
    for row in remote.query(query):
        if row["g"] is None or row["digest"] is None:
            continue
        n = int(row["n"].value) if row["n"] is not None else 0
        recorded = int(row["recorded"].value) if row["recorded"] is not None else -1
        found[row["g"].value] = (row["digest"].value, n if n == recorded else -1)
    return found


def _record(remote: RemoteStore, graph: str, graph_digest: str, triples: int) -> None:
    xsd = "http://www.w3.org/2001/XMLSchema#integer"
    remote.update(f"""DELETE WHERE {{ GRAPH <{MANIFEST_GRAPH}> {{ <{graph}> ?p ?o }} }} ;
INSERT DATA {{ GRAPH <{MANIFEST_GRAPH}> {{ <{graph}> <{_DIGEST}> "{graph_digest}" ;
  <{_TRIPLES}> "{triples}"^^<{xsd}> }} }}""")


def _batches(triples: list[ox.Triple], size: int) -> list[list[ox.Triple]]:
    """Batches of `size` triples; every triple with a blank node in the first batch (a blank node
    is local to one INSERT DATA request, so its triples must travel together)."""
    import pyoxigraph as ox

    blank = [t for t in triples if isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)]
    plain = [t for t in triples if not (isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode))]
    first = blank + plain[:max(0, size - len(blank))]
    rest = plain[len(first) - len(blank):]
    return [first] + [rest[i:i + size] for i in range(0, len(rest), size)]


def _push_update(remote: RemoteStore, graph: str, triples: list[ox.Triple], batch: int) -> None:
    g = f"<{graph}>"
    for i, chunk in enumerate(_batches(triples, batch)):
        body = "\n".join(f"{t.subject} {t.predicate} {t.object} ." for t in chunk)
        insert = f"INSERT DATA {{ GRAPH {g} {{\n{body}\n}} }}" if chunk else ""
        if i == 0:
            remote.update(f"CLEAR SILENT GRAPH {g}" + (f" ;\n{insert}" if insert else ""))
        elif insert:
            remote.update(insert)


def _push_graph_store(remote: RemoteStore, graph: str, triples: list[ox.Triple]) -> None:
    import pyoxigraph as ox

    if not triples:
        remote.graph_store("DELETE", graph)
        return
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    remote.graph_store("PUT", graph, data, content_type="text/turtle")  # N-Triples is Turtle


def push(store: ox.Store, remote: RemoteStore, *, only: list[str] | None = None, batch: int = DEFAULT_BATCH,
         use_graph_store: bool | None = None, force: bool = False,
         on_graph: Callable[[str, int, str | None], None] | None = None) -> PushOutcome:
    """Replace the server's ontology and report graphs by the store's, skipping those it holds already.

    ``only``: report ids (and/or "ontology") to push, default all. ``use_graph_store``: None = the
    Graph Store Protocol when a URL is given or found, else SPARQL Update. ``force``: send every graph
    even if the server's copy is the same. ``on_graph(name, triples, error)`` is called after each graph
    sent. Raises RemoteError only if the server cannot be reached at the start; later failures are in
    the outcome.
    """
    remote.ask_alive()
    gsp = remote.endpoint.graph_store_url
    if use_graph_store is None and not gsp:
        gsp = discover_graph_store(remote)
        if gsp:
            remote = remote.__class__(replace(remote.endpoint, graph_store_url=gsp,
                                              update_url=remote.endpoint.update_url or _beside(remote, "update")))
    method = "graph-store" if (gsp and use_graph_store is not False) else "update"
    names = local_graphs(store)
    if only is not None:
        unknown = sorted(set(only) - set(names))
        if unknown:
            raise RemoteError(f"not in the store: {', '.join(unknown)}")
        names = [n for n in names if n in set(only)]
    outcome = PushOutcome(method)
    try:
        there = {} if force else _on_server(remote)
    except RemoteError:
        there = {}  # no manifest readable: send everything
    for name in names:
        triples = _triples(store, name)
        outcome.local_triples += len(triples)
        graph_digest = digest(triples)
        if there.get(graph_name(name)) == (graph_digest, len(triples)):
            outcome.unchanged.append(name)
            continue
        error = None
        try:
            if method == "graph-store":
                _push_graph_store(remote, graph_name(name), triples)
            else:
                _push_update(remote, graph_name(name), triples, batch)
            _check_arrived(remote, graph_name(name), len(triples))
        except RemoteError as e:
            error = str(e)
            outcome.failed[name] = error
        else:
            outcome.pushed.append(name)
            outcome.triples += len(triples)
            try:
                _record(remote, graph_name(name), graph_digest, len(triples))
            except RemoteError as e:
                outcome.unrecorded = outcome.unrecorded or str(e)
        if on_graph is not None:
            on_graph(name, len(triples), error)
    try:
        outcome.server_triples = server_triples(remote)
    except RemoteError:
        outcome.server_triples = None
    return outcome
