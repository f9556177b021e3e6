"""Keeping the index in step with the store: a build's batches, removals, the ontology, a full rebuild.

A write to the store is bracketed: `begin` marks the index as being written (before the store is), and
`commit` applies the batch's reports and marks it usable again, in one DuckDB transaction. A process
stopped in between leaves the mark, so the index is not used; the next `begin` then marks it broken,
until `yibao index --rebuild`. Failing to write the index never fails a build: the index is then
left marked (or missing) and queries use SPARQL.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from yibao.index import index_path, schema
from yibao.index.nodes import FINDING_COLUMNS, POLICY_COLUMNS, REGION_COLUMNS, REPORT_COLUMNS, ROLE_COLUMNS
from yibao.index.rows import Inexact, exact_decimal, report_rows

if TYPE_CHECKING:
    import duckdb
    import pyoxigraph as ox
    from yibao.graph.registry import ReportRecord
    from yibao.model import Report


def registry_stamp(store_path: Path) -> str:
    """Size and modification time of the store's registry file: equal stamps, the same registry."""
    from yibao.graph.registry import registry_path

    try:
        st = registry_path(store_path).stat()
    except OSError:
        return "missing"
    return f"{st.st_size}:{st.st_mtime_ns}"


_ATTEMPTS = 30  # × 0.1 s


@contextlib.contextmanager
def _connect(store_path: Path, create: bool) -> Iterator[duckdb.DuckDBPyConnection | None]:
    """The index opened for writing (None when it does not exist and ``create`` is false)."""
    import duckdb

    path = index_path(store_path)
    if not create and not path.is_file():
        yield None
        return
    for attempt in range(_ATTEMPTS):
        try:
            con = duckdb.connect(str(path))
            break
        except duckdb.IOException:  # a reader holds it (a question takes well under a second): wait for it
            if attempt == _ATTEMPTS - 1:
                raise
            time.sleep(0.1)
    try:
        schema.create(con)
        yield con
    finally:
        con.close()


def _store_is_empty(store: ox.Store) -> bool:
    """No graph but the ontology's: an index made now starts in step with it."""
    from yibao.graph import namespaces as ns

    return all(getattr(g, "value", None) == ns.ONTOLOGY_GRAPH for g in store.named_graphs())


def begin(store_path: Path | None, store: ox.Store) -> None:
    """Mark the index as being written, before the store is (an empty store gets a new index)."""
    if store_path is None:
        return
    existed = index_path(store_path).is_file()
    try:
        with _connect(store_path, existed or _store_is_empty(store)) as con:
            if con is None:
                return
            meta = schema.get_meta(con) if existed else {"state": schema.OK, "schema": schema.VERSION}
            usable = meta.get("state") == schema.OK and meta.get("schema") == schema.VERSION
            schema.set_meta(con, state=schema.WRITING if usable else schema.BROKEN, schema=meta.get("schema", ""))
            if not existed:  # just made: fill the ontology closure from the store
                _fill_ancestors(con, store)
    except Exception:  # noqa: BLE001 — it cannot be marked: remove it, so that it is not used (SPARQL answers)
        with contextlib.suppress(OSError):
            index_path(store_path).unlink()


def written(pending: Iterable[Any], loaded: Iterable[tuple[Any, ...]]) -> dict[str, Report]:
    """The reports of a build batch written under the ids of ``loaded`` ((id, …) entries), from the
    batch's pending items (``.report``). An id two items share is left out: its report is not known for
    sure, so the index stays without it (and is not used) rather than guess."""
    by_id: dict[str, list[Report]] = {}
    for item in pending:
        by_id.setdefault(item.report.id, []).append(item.report)
    ids = {entry[0] for entry in loaded}
    return {rid: found[0] for rid, found in sorted(by_id.items()) if rid in ids and len(found) == 1}


def commit(store_path: Path | None, written: Mapping[str, Report], records: Mapping[str, ReportRecord],
           removed: Iterable[str] = ()) -> None:
    """After the store and registry are written: put ``written`` reports' rows in, drop ``removed``
    reports and those no longer recorded (or whose record changed but were not written here), and mark
    the index usable."""
    if store_path is None:
        return
    with contextlib.suppress(Exception), _connect(store_path, False) as con:
        if con is None or schema.get_meta(con).get("state") != schema.WRITING:
            return
        con.execute("BEGIN TRANSACTION")
        try:
            _apply(con, written, records, removed)
            covered = set(con.execute("SELECT report_id, sha256, version FROM reports").fetchall())
            if covered != {(rid, r.sha256, r.extractor) for rid, r in records.items()}:
                raise Inexact("the index would not cover the registry's reports")  # e.g. stale rows dropped
            schema.set_meta(con, state=schema.OK, registry=registry_stamp(store_path))
        except Inexact:
            con.execute("ROLLBACK")
            schema.set_meta(con, state=schema.BROKEN)
            return
        except Exception:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")


def _apply(con: duckdb.DuckDBPyConnection, written: Mapping[str, Report],
           records: Mapping[str, ReportRecord], removed: Iterable[str]) -> None:
    from yibao.graph import namespaces as ns

    indexed = dict((rid, (sha, version)) for rid, sha, version in
                   con.execute("SELECT report_id, sha256, version FROM reports").fetchall())
    stale = [rid for rid, known in indexed.items()
             if rid not in written and (rid not in records or known != (records[rid].sha256, records[rid].extractor))]
    gone = sorted(set(stale) | set(written) | set(removed))
    if gone:
        graphs = [ns.report_graph(rid) for rid in gone]
        con.execute("DELETE FROM facts WHERE graph IN (SELECT unnest(?))", [graphs])
        for name in schema.NODE_TABLES:
            con.execute(f"DELETE FROM {name} WHERE graph IN (SELECT unnest(?))", [graphs])
        con.execute("DELETE FROM reports WHERE report_id IN (SELECT unnest(?))", [gone])
    rows = [row for rid in sorted(written) for row in report_rows(written[rid])]
    _insert_facts(con, rows)
    from yibao.index.nodes import report_node_rows

    _insert_nodes(con, [report_node_rows(written[rid]) for rid in sorted(written)])
    kept = [(rid, records[rid].sha256, records[rid].extractor) for rid in sorted(written) if rid in records]
    if kept:
        con.executemany("INSERT INTO reports VALUES (?, ?, ?)", kept)


_VALUES_ROWS = 2_000  # up to this many rows are inserted as SQL VALUES (no pandas import: adding one report)
_VALUES_CHUNK = 200  # rows per INSERT … VALUES statement
_FACT_PLACEHOLDERS = "(" + ", ".join("CAST(? AS DECIMAL(38, 18))" if c == "value" else "?"
                                     for c in schema.FACT_COLUMNS) + ")"


def _insert_facts(con: duckdb.DuckDBPyConnection, rows: list[tuple[Any, ...]]) -> None:
    """Insert fact rows: a few (a build batch of new reports) as VALUES, many (a rebuild) through pandas."""
    if not rows:
        return
    if len(rows) <= _VALUES_ROWS:
        value_at = schema.FACT_COLUMNS.index("value")
        for k in range(0, len(rows), _VALUES_CHUNK):
            chunk = rows[k:k + _VALUES_CHUNK]
            con.execute("INSERT INTO facts VALUES " + ", ".join([_FACT_PLACEHOLDERS] * len(chunk)),
                        [str(v) if i == value_at else v for row in chunk for i, v in enumerate(row)])
        return
    import pandas as pd

    frame = pd.DataFrame(rows, columns=list(schema.FACT_COLUMNS))
    frame["value"] = frame["value"].astype(str)
    con.register("_new_facts", frame)
    try:
        con.execute("INSERT INTO facts SELECT graph, obs, report, region, year, period, fund, indicator, basis, "
                    'statistic, value_text, CAST(value AS DECIMAL(38, 18)), unit, surface, quote, start, "end", '
                    "policy, qualifier, approximation FROM _new_facts")
    finally:
        con.unregister("_new_facts")


_NODE_TABLES = (("policies", POLICY_COLUMNS), ("policy_roles", ROLE_COLUMNS), ("findings", FINDING_COLUMNS),
                ("report_meta", REPORT_COLUMNS), ("node_regions", REGION_COLUMNS))


def _insert_nodes(con: duckdb.DuckDBPyConnection, parts: list[tuple[list[tuple], ...]]) -> None:
    """Insert node rows: ``parts`` holds, per graph, its rows of each table of ``_NODE_TABLES`` (a few as
    SQL VALUES, many through pandas)."""
    for i, (table, columns) in enumerate(_NODE_TABLES):
        rows = [row for part in parts for row in part[i]]
        if not rows:
            continue
        names = ", ".join(f'"{c}"' for c in columns)
        if len(rows) <= _VALUES_ROWS:  # a build batch: no pandas import (adding one report)
            placeholders = "(" + ", ".join("?" * len(columns)) + ")"
            for k in range(0, len(rows), _VALUES_CHUNK):
                chunk = rows[k:k + _VALUES_CHUNK]
                con.execute(f"INSERT INTO {table} ({names}) VALUES " + ", ".join([placeholders] * len(chunk)),
                            [v for row in chunk for v in row])
            continue
        import pandas as pd

        frame = pd.DataFrame(rows, columns=list(columns), dtype=object)
        con.register("_new_nodes", frame)
        try:
            con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM _new_nodes")
        finally:
            con.unregister("_new_nodes")


_ANCESTORS_QUERY = """SELECT DISTINCT ?c ?a WHERE { GRAPH <%s> {
  { ?c <http://www.w3.org/2004/02/skos/core#broader>+ ?a }
  UNION { ?c <http://www.w3.org/2004/02/skos/core#broader> ?x BIND(?c AS ?a) }
  UNION { ?x <http://www.w3.org/2004/02/skos/core#broader> ?c BIND(?c AS ?a) } } }"""


_EXECUTION_QUERY = """SELECT DISTINCT ?i ?x WHERE { GRAPH <%s> {
  ?i <https://w3id.org/yibao/ontology#executionRateOf> ?x FILTER(isIRI(?i) && isIRI(?x)) } }"""


def _fill_ancestors(con: duckdb.DuckDBPyConnection, store: ox.Store) -> None:
    """What the twins read from the ontology graph: the ``skos:broader*`` closure (each concept with
    itself) and ``yb:executionRateOf``."""
    from yibao.graph import namespaces as ns

    pairs = sorted({(s["c"].value, s["a"].value) for s in store.query(_ANCESTORS_QUERY % ns.ONTOLOGY_GRAPH)})
    con.execute("DELETE FROM ancestors")
    if pairs:
        con.executemany("INSERT INTO ancestors VALUES (?, ?)", pairs)
    rates = sorted({(s["i"].value, s["x"].value) for s in store.query(_EXECUTION_QUERY % ns.ONTOLOGY_GRAPH)})
    con.execute("DELETE FROM execution_rates")
    if rates:
        con.executemany("INSERT INTO execution_rates VALUES (?, ?)", rates)


def ontology_loaded(store_path: Path | None, store: ox.Store) -> None:
    """The ontology graph was (re)loaded: refresh the closure, and the registry stamp if the index was current."""
    if store_path is None:
        return
    with contextlib.suppress(Exception), _connect(store_path, False) as con:
        if con is None:
            return
        con.execute("BEGIN TRANSACTION")
        _fill_ancestors(con, store)
        con.execute("COMMIT")
        meta = schema.get_meta(con)
        if meta.get("state") == schema.OK and _matches(con, store_path):
            schema.set_meta(con, registry=registry_stamp(store_path))


def _matches(con: duckdb.DuckDBPyConnection, store_path: Path) -> bool:
    """The index's reports are the registry's (id, sha256, extractor version)."""
    from yibao.graph.registry import read_registry

    recorded = {(rid, r.sha256, r.extractor) for rid, r in read_registry(store_path).items()}
    return recorded == set(con.execute("SELECT report_id, sha256, version FROM reports").fetchall())


_FACTS_QUERY = """PREFIX yb: <https://w3id.org/yibao/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?g ?obs ?report ?region ?year ?period ?fund ?indicator ?basis ?statistic ?value ?unit ?surface
       ?quote ?start ?end ?policy ?qualifier ?approximation
WHERE { GRAPH ?g {
    ?obs yb:indicator ?indicator ; yb:statistic ?statistic ; yb:basis ?basis ;
         yb:refPeriod ?period ; yb:refYear ?year ; yb:fund ?fund ;
         yb:value ?value ; yb:unit ?unit ; yb:surface ?surface ;
         prov:wasDerivedFrom ?report ; yb:quote ?quote ; yb:quoteStart ?start ; yb:quoteEnd ?end .
    OPTIONAL { ?obs yb:region ?region }
    OPTIONAL { ?obs yb:policy ?policy }
    OPTIONAL { ?obs yb:qualifier ?qualifier }
    OPTIONAL { ?obs yb:approximation ?approximation }
} }"""

_XSD = "http://www.w3.org/2001/XMLSchema#"


def _fact_row(s: Any) -> tuple[Any, ...]:
    """One SPARQL solution as a fact row; raises Inexact for a term the index does not hold as SPARQL gives it."""
    import pyoxigraph as ox

    def iri(name: str) -> str | None:
        term = s[name]
        if term is None:
            return None
        if not isinstance(term, ox.NamedNode):
            raise Inexact(f"?{name} is not an IRI: {term}")
        return term.value

    def literal(name: str, datatype: str) -> str:
        term = s[name]
        if not isinstance(term, ox.Literal) or term.datatype.value != _XSD + datatype:
            raise Inexact(f"?{name} is not an xsd:{datatype}: {term}")
        return term.value

    value = literal("value", "decimal")
    return (s["g"].value, iri("obs"), iri("report"), iri("region"), int(literal("year", "integer")), iri("period"),
            iri("fund"), iri("indicator"), iri("basis"), iri("statistic"), value, exact_decimal(value), iri("unit"),
            literal("surface", "string"), literal("quote", "string"), int(literal("start", "integer")),
            int(literal("end", "integer")), iri("policy"), iri("qualifier"), iri("approximation"))


def _row_key(row: tuple[Any, ...]) -> tuple[str, ...]:
    return tuple("" if v is None else str(v) for v in row)


def rebuild(store_path: Path, store: ox.Store) -> int:
    """Make the index anew from the store by SPARQL (its reports: the registry's); the number of fact rows.

    Raises Inexact when the store holds a figure the index cannot give back as SPARQL does (the index is
    then left marked broken, so it is not used)."""
    from yibao.graph.registry import read_registry

    stamp = registry_stamp(store_path)
    records = read_registry(store_path)
    path = index_path(store_path)
    tmp = path.with_name(f".{path.name}.new")
    tmp.unlink(missing_ok=True)
    import duckdb

    con = duckdb.connect(str(tmp))
    count = 0
    try:
        schema.create(con)
        chunk: list[tuple[Any, ...]] = []
        nodes: list[tuple[list[tuple], ...]] = []
        for rows, node_rows in _rows_by_graph(store):  # one graph's rows at a time: memory stays bounded
            chunk += rows
            nodes.append(node_rows)
            if len(chunk) >= _CHUNK_ROWS:
                _insert_facts(con, chunk)
                _insert_nodes(con, nodes)
                count, chunk, nodes = count + len(chunk), [], []
        _insert_facts(con, chunk)
        _insert_nodes(con, nodes)
        count += len(chunk)
        _fill_ancestors(con, store)
        if records:
            con.executemany("INSERT INTO reports VALUES (?, ?, ?)",
                            [(rid, r.sha256, r.extractor) for rid, r in sorted(records.items())])
        schema.set_meta(con, state=schema.OK, registry=stamp, schema=schema.VERSION)
    except Inexact:
        con.close()
        tmp.unlink(missing_ok=True)
        with contextlib.suppress(Exception), _connect(store_path, False) as old:
            if old is not None:
                schema.set_meta(old, state=schema.BROKEN)
        raise
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        raise
    con.close()
    tmp.replace(path)
    return count


_CHUNK_ROWS = 100_000  # fact rows inserted at a time by a rebuild


def _rows_by_graph(store: ox.Store) -> Iterator[tuple[list[tuple[Any, ...]], tuple[list[tuple], ...]]]:
    """Every named graph's fact rows and node rows (nodes.py), graphs in IRI order and each graph's fact
    rows sorted: the order of one query over the store sorted by row, read one graph at a time."""
    import pyoxigraph as ox
    from yibao.index.nodes import store_node_rows

    graphs = sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))
    for graph in graphs:
        solutions = store.query(_FACTS_QUERY, substitutions={ox.Variable("g"): ox.NamedNode(graph)})
        yield sorted((_fact_row(s) for s in solutions), key=_row_key), store_node_rows(store, graph)
