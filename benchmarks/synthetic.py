"""Scale the sample graph up: clone every report graph onto synthetic regions and years.

    python benchmarks/synthetic.py STORE --factor 100 [--source SOURCE_STORE]

Copy k (1 … factor-1) of a report gets its own report, graph, observation and policy IRIs
(``…-s007``), its regions replaced by synthetic regions (``430200_s007``, added to the ontology
graph with a label and skos:broader to the synthetic copy of the parent, so scope queries work)
and its years shifted back by ``k % 10``. Values and quotes are kept, so every copy answers the
same questions as the original for its own regions and years; the graph is `factor` times the
sample's report data (the ontology is loaded once).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # runnable without `pip install -e .`
    sys.path.insert(0, str(ROOT))


def build_sample(path: Path):
    """A store with the ontology and the sample reports, built as `yibao build` does (no SHACL)."""
    from yibao.graph.store import load_ontology, open_store, replace_report
    from yibao.ingest import pipeline
    from yibao.resources import sample_reports_dir

    db = open_store(path, create=True)
    load_ontology(db)
    for file in sorted(sample_reports_dir().glob("*.txt")):
        replace_report(db, pipeline.process_file(file))
    db.flush()
    return db


def scale(db, factor: int) -> int:
    """Add factor-1 synthetic copies of every report graph of `db`; returns the quads added."""
    import pyoxigraph as ox
    from yibao.graph import namespaces as ns
    from yibao.graph.vocab import load_vocabulary

    vocab = load_vocabulary()
    report_graphs = [g for g in db.named_graphs()
                     if isinstance(g, ox.NamedNode) and g.value.startswith(ns.report_graph(""))]
    originals = {g: list(db.quads_for_pattern(None, None, None, g)) for g in report_graphs}
    region_prefix = ns.code("region", "")
    year_iri = ns.INTERVAL + "year/"
    year_predicates = {ns.YB + "refYear", ns.YB + "year", ns.YB + "startYear"}
    used = {q.object.value[len(region_prefix):] for quads in originals.values() for q in quads
            if isinstance(q.object, ox.NamedNode) and q.object.value.startswith(region_prefix)}
    tree = set()
    for code in used:
        tree |= {code, *(c for c in vocab.ancestors(code) if c != "100000")}
    integer = ox.NamedNode(ns.XSD + "integer")
    skos, onto = ns.SKOS, ox.NamedNode(ns.ONTOLOGY_GRAPH)
    added = 0
    for k in range(1, factor):
        suffix, shift = f"-s{k:03d}", k % 10

        def region(code: str, suffix: str = suffix) -> str:
            return f"{region_prefix}{code}_{suffix[1:]}"

        batch: list[ox.Quad] = []
        for code in sorted(tree):  # the synthetic regions, with labels and their parents
            concept = vocab.regions.get(code)
            node = ox.NamedNode(region(code))
            parent = concept.broader if concept else None
            batch += [
                ox.Quad(node, ox.NamedNode(ns.RDF + "type"), ox.NamedNode(skos + "Concept"), onto),
                ox.Quad(node, ox.NamedNode(ns.RDF + "type"), ox.NamedNode(ns.YB + "Region"), onto),
                ox.Quad(node, ox.NamedNode(skos + "inScheme"), ox.NamedNode(ns.CODE + "region"), onto),
                ox.Quad(node, ox.NamedNode(skos + "prefLabel"),
                        ox.Literal(f"{concept.label_zh if concept else code}（合成{k:03d}）", language="zh"), onto),
                ox.Quad(node, ox.NamedNode(skos + "broader"),
                        ox.NamedNode(region(parent) if parent and parent in tree else region_prefix + "100000"), onto),
            ]

        def term(t, suffix: str = suffix, shift: int = shift):
            if isinstance(t, ox.NamedNode):
                v = t.value
                if v.startswith(ns.REPORT):
                    rest = v[len(ns.REPORT):]
                    head, sep, tail = rest.partition("/")
                    return ox.NamedNode(ns.REPORT + head + suffix + sep + tail)
                if v.startswith(region_prefix) and v[len(region_prefix):] in tree:
                    return ox.NamedNode(region(v[len(region_prefix):]))
                if v.startswith(year_iri):
                    year, sep, rest = v[len(year_iri):].partition("-")
                    return ox.NamedNode(f"{year_iri}{int(year) - shift}{sep}{rest}") if year.isdigit() else t
            return t

        for graph, quads in originals.items():
            new_graph = ox.NamedNode(graph.value + suffix)
            for q in quads:
                obj = q.object
                if q.predicate.value in year_predicates and isinstance(obj, ox.Literal):
                    obj = ox.Literal(str(int(obj.value) - shift), datatype=integer)
                else:
                    obj = term(obj)
                batch.append(ox.Quad(term(q.subject), q.predicate, obj, new_graph))
        db.extend(batch)
        added += len(batch)
    db.flush()
    return added


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", type=Path, help="store to create (must not exist)")
    parser.add_argument("--factor", type=int, default=100)
    args = parser.parse_args(argv)
    began = time.perf_counter()
    db = build_sample(args.store)
    base = len(db)
    added = scale(db, args.factor)
    print(f"{args.store}: {base:,} quads (sample) + {added:,} synthetic = {len(db):,} quads "
          f"in {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
