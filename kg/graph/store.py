"""The on-disk Oxigraph store: open it, load the ontology, replace reports, count, export.

Atomicity: `replace_graph` sends ONE SPARQL update request
``DROP SILENT GRAPH <g> ; INSERT DATA { GRAPH <g> { … } }`` through `Store.update`.
Oxigraph evaluates a whole update request inside a single storage transaction
(`Store::update_opt` → `storage.transaction(|t| evaluate_update(t, …))`; pyoxigraph documents
`update` as "either the full operation succeeds, or nothing is written"), and RocksDB commits a
transaction through its write-ahead log, so a process killed at any point leaves either the old
graph or the new one, never a mix. Each replaced report is its own transaction; reports new to the
store are added a batch at a time by `add_new_graphs` (a bulk ingestion).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import pyoxigraph as ox
from yibao.graph import namespaces as ns
from yibao.graph.rdf import report_quads
from yibao.model import Report

if TYPE_CHECKING:
    import rdflib

STORE_ENV = "YIBAO_STORE"
DEFAULT_STORE = Path(".yibao") / "store"
EXPORT_FORMATS = ("turtle", "trig", "nquads", "jsonld")
_REPORT_GRAPH_PREFIX = ns.report_graph("")
_ROCKSDB_MARKER = "CURRENT"  # every RocksDB directory has it


class StoreError(Exception):
    """A store problem worth one line to the user (missing, locked, unreadable)."""


def resolve_store_path(option: Path | None) -> Path:
    """The --store option, else $YIBAO_STORE, else the default store (``default_store_path``)."""
    if option is not None:
        return Path(option)
    env = os.environ.get(STORE_ENV)
    return Path(env) if env else default_store_path()


def default_store_path() -> Path:
    """``.yibao/store`` in the current folder, else in the nearest folder above that has one (as git
    finds ``.git``: a command run from a project's subfolder uses the project's store), else
    ``.yibao/store`` here (where a first build creates it)."""
    here = Path.cwd()
    for folder in (here, *here.parents):
        if (folder / DEFAULT_STORE).is_dir():
            return DEFAULT_STORE if folder == here else folder / DEFAULT_STORE
    return DEFAULT_STORE


def _first_line(error: BaseException, limit: int = 300) -> str:
    text = str(error).strip()
    line = text.splitlines()[0] if text else type(error).__name__
    return line if len(line) <= limit else line[:limit] + "…"


def is_no_space(error: BaseException) -> bool:
    import errno

    return getattr(error, "errno", None) == errno.ENOSPC or "no space left" in str(error).lower()


def store_error(path: Path, error: BaseException, doing: str = "open") -> StoreError:
    """Any error of the storage engine as one line naming the store and what to do."""
    import errno

    reason = _first_line(error)
    low = reason.lower()
    code = getattr(error, "errno", None)
    if "lock" in low:
        return StoreError(f"cannot {doing} the store at {path}: it is in use by another process "
                          "(a build?); try again when it has finished")
    if is_no_space(error):
        return StoreError(f"cannot {doing} the store at {path}: no space left on the device; "
                          "free some space and run the command again (reports loaded before are intact)")
    if code in (errno.EACCES, errno.EPERM, errno.EROFS) or "permission denied" in low \
            or "read-only file system" in low:
        return StoreError(f"cannot {doing} the store at {path}: {reason} (no write access; read-only "
                          "commands such as `yibao facts` still work)")
    return StoreError(f"the store at {path} is damaged or unreadable ({reason}); "
                      f"run `yibao doctor --repair --store {path}`")


def _recover(path: Path) -> None:
    """Put back a store whose compaction was interrupted between its two renames (see graph/compact.py)."""
    if not path.exists():
        from yibao.graph.compact import recover_interrupted

        with contextlib.suppress(OSError):
            recover_interrupted(path)


def is_store(path: Path) -> bool:
    """Whether ``path`` holds a store (a RocksDB folder)."""
    return (Path(path) / _ROCKSDB_MARKER).is_file()


def open_store(path: Path, create: bool) -> ox.Store:
    """Open the RocksDB store at `path`; create it only if `create` is true."""
    path = Path(path)
    _recover(path)
    exists = is_store(path)
    if path.exists() and not path.is_dir():
        raise StoreError(f"{path} is not a directory, so it cannot be a store")
    if not exists:
        if not create:
            hint = "run `yibao build` first, or pass --store / set YIBAO_STORE"
            raise StoreError(f"no store at {path}: {hint}")
        if path.exists() and any(path.iterdir()):
            raise StoreError(f"{path} exists and is not a store; refusing to create one inside it")
    try:
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        return ox.Store(str(path))
    except (OSError, RuntimeError, ValueError) as e:
        raise store_error(path, e) from e


def open_store_read_only(path: Path) -> ox.Store:
    """Open the store at `path` for reading only: no lock is taken, so readers never block each other."""
    path = Path(path)
    _recover(path)
    if not is_store(path):
        raise StoreError(f"no store at {path}: run `yibao build` first, or pass --store / set YIBAO_STORE")
    import time

    for attempt in range(6):
        try:
            return ox.Store.read_only(str(path))
        except (OSError, RuntimeError, ValueError) as e:
            # a build rotating RocksDB's MANIFEST or compacting while we open: the files named a moment
            # ago are gone; opening again sees the new ones
            transient = "No such file" in str(e) or "MANIFEST" in str(e)
            if not transient or attempt == 5:
                raise store_error(path, e, "read") from e
            time.sleep(0.05 * 2 ** attempt)
    raise AssertionError("unreachable")


def _sparql_term(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> str:
    # N-Triples syntax of pyoxigraph terms is valid SPARQL term syntax.
    return str(term)


def replace_graph(
    store: ox.Store, graph_iri: str, triples: Iterable[tuple[object, object, object] | ox.Quad]
) -> int:
    """Atomically replace named graph `graph_iri` by `triples` (one update = one transaction).

    Accepts quads (their graph name is ignored) or (s, p, o) tuples; returns the triple count.
    """
    lines = []
    for t in triples:
        s, p, o = (t.subject, t.predicate, t.object) if isinstance(t, ox.Quad) else t
        lines.append(f"{_sparql_term(s)} {_sparql_term(p)} {_sparql_term(o)} .")
    g = _sparql_term(ox.NamedNode(graph_iri))
    update = f"DROP SILENT GRAPH {g} ;\nINSERT DATA {{ GRAPH {g} {{\n" + "\n".join(lines) + "\n} }"
    store.update(update)
    return len(lines)


def replace_report(store: ox.Store, report: Report) -> int:
    """Replace the report's named graph by its current quads; returns the number written."""
    return replace_graph(store, ns.report_graph(report.id), report_quads(report))


def add_new_graphs(store: ox.Store, nquads: bytes) -> None:
    """Add report graphs that are not in the store yet, given as N-Quads, in one bulk ingestion.

    Oxigraph's bulk loader writes sorted table files and ingests them together (no write-ahead log,
    no per-quad transaction): about three times faster than ``Store.extend`` here. A batch stays
    under its chunk of a million quads, so it is ingested at once; a build records each report in the
    registry only after its batch is written, and a report without a record is re-extracted and
    replaced atomically by the next build. Raises SyntaxError/ValueError for a bad term, OSError.
    """
    store.bulk_load(nquads, format=ox.RdfFormat.N_QUADS)


def remove_report(store: ox.Store, report_id: str) -> None:
    """Drop one report's named graph (one transaction)."""
    g = _sparql_term(ox.NamedNode(ns.report_graph(report_id)))
    store.update(f"DROP SILENT GRAPH {g}")


def ontology_files(directory: Path) -> list[Path]:
    """The Turtle files loaded into the ontology graph: ontology/*.ttl except shapes.ttl, sorted."""
    return sorted(p for p in Path(directory).glob("*.ttl") if p.name != "shapes.ttl")


def load_ontology(store: ox.Store, directory: Path | None = None) -> int:
    """Parse ontology/*.ttl (not shapes.ttl) and atomically replace the ontology graph with it.

    Returns the number of triples loaded (0 if there are no files). A syntax error raises
    StoreError naming the file; the previous ontology graph is then left untouched.
    """
    if directory is None:
        from yibao import resources

        directory = resources.ontology_dir()
    triples: list[tuple[object, object, object]] = []
    seen: set[tuple[object, object, object]] = set()
    for path in ontology_files(directory):
        try:
            parsed = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
        except (SyntaxError, OSError, ValueError) as e:
            raise StoreError(f"{path.name}: {_first_line(e)}") from e
        fresh: dict[ox.BlankNode, ox.BlankNode] = {}  # blank nodes are local to their file

        def local(term: object, fresh: dict = fresh) -> object:
            return fresh.setdefault(term, ox.BlankNode()) if isinstance(term, ox.BlankNode) else term

        for t in parsed:
            key = (local(t.subject), t.predicate, local(t.object))
            if key not in seen:
                seen.add(key)
                triples.append(key)
    if not triples:
        return 0
    return replace_graph(store, ns.ONTOLOGY_GRAPH, triples)


def report_ids(store: ox.Store) -> list[str]:
    """Ids of the reports in the store (one per report graph), sorted."""
    ids = (
        ns.decode_id(g.value[len(_REPORT_GRAPH_PREFIX):])
        for g in store.named_graphs()
        if isinstance(g, ox.NamedNode) and g.value.startswith(_REPORT_GRAPH_PREFIX)
    )
    return sorted(ids)


def report_graph_quads(store: ox.Store, report_id: str) -> list[ox.Quad]:
    """All quads of one report graph."""
    g = ox.NamedNode(ns.report_graph(report_id))
    return list(store.quads_for_pattern(None, None, None, g))


def graph_to_rdflib(store: ox.Store, graph_iri: str) -> rdflib.Graph:
    """One named graph of the store as an rdflib Graph (via N-Triples), e.g. for pySHACL."""
    import rdflib

    data = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(graph_iri))
    return rdflib.Graph().parse(data=data.decode("utf-8"), format="nt")


def count_triples(store: ox.Store) -> int:
    """Number of quads in the store, all graphs included."""
    return len(store)


def count_observations(store: ox.Store) -> int:
    """Number of qb:Observation nodes across the report graphs."""
    query = f"""SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {{
      GRAPH ?g {{ ?o a <{ns.QB}Observation> }}
      FILTER(STRSTARTS(STR(?g), "{_REPORT_GRAPH_PREFIX}"))
    }}"""
    for solution in store.query(query):
        return int(solution["n"].value)
    return 0


def _export_prefixes() -> dict[str, str]:
    return {p: iri for p, iri in ns.PREFIXES.items()}


def _union_triples(store: ox.Store) -> list[ox.Triple]:
    """Distinct triples of all graphs (default + named), sorted for a stable output."""
    unique = {ox.Triple(q.subject, q.predicate, q.object) for q in store}
    return sorted(unique, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def _sorted_quads(store: ox.Store) -> list[ox.Quad]:
    return sorted(store, key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)))


def serialize_store(store: ox.Store, fmt: str) -> bytes:
    """The store serialised as turtle (union of all graphs), trig, nquads or jsonld (named graphs kept)."""
    if fmt not in EXPORT_FORMATS:
        raise StoreError(f"unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}")
    if fmt == "turtle":
        return ox.serialize(_union_triples(store), format=ox.RdfFormat.TURTLE, prefixes=_export_prefixes())
    quads = _sorted_quads(store)
    if fmt == "trig":
        return ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=_export_prefixes())
    if fmt == "nquads":
        return ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
    return ox.serialize(quads, format=ox.RdfFormat.JSON_LD)


def export(store: ox.Store, fmt: str, output: Path | BinaryIO | None = None) -> int:
    """Write the store as `fmt` to a file path, a binary stream, or stdout (None); returns bytes written."""
    data = serialize_store(store, fmt)
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    elif isinstance(output, (str, Path)):
        path = Path(output)
        try:
            path.write_bytes(data)
        except OSError as e:
            raise StoreError(f"cannot write {path}: {e.strerror or _first_line(e)}") from e
    else:
        output.write(data)
    return len(data)
