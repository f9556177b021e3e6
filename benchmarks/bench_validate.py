"""Benchmark the build-time validation of a store's report graphs: the shapes compiled to SPARQL
(yibao.graph.shacl_sparql, what `yibao build` runs) and, optionally, pySHACL (the reference check).

    python benchmarks/bench_validate.py STORE [--limit N] [--pyshacl] [--batch 64]

STORE is a built store, e.g. one made by benchmarks/synthetic.py. The first N report graphs
(sorted) are checked; prints wall time, CPU time, observations and µs per observation as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # runnable without `pip install -e .`
    sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    from yibao.graph import namespaces as ns
    from yibao.graph.shacl_sparql import check_graphs
    from yibao.graph.store import count_observations, graph_to_rdflib, open_store_read_only, report_ids

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", type=Path)
    parser.add_argument("--limit", type=int, default=0, help="check only the first N reports (0: all)")
    parser.add_argument("--batch", type=int, default=64, help="graphs per scratch batch (default 64)")
    parser.add_argument("--pyshacl", action="store_true", help="also time pySHACL on the union of the graphs")
    args = parser.parse_args(argv)

    db = open_store_read_only(args.store)
    ids = report_ids(db)[: args.limit or None]
    graphs = [ns.report_graph(r) for r in ids]
    observations = count_observations(db) * len(ids) // max(1, len(report_ids(db)))
    wall, cpu = time.perf_counter(), time.process_time()
    found = check_graphs(db, graphs, batch=args.batch)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    result = {"reports": len(ids), "observations_approx": observations, "sparql_wall_s": round(wall, 3),
              "sparql_cpu_s": round(cpu, 3), "sparql_us_per_observation": round(1e6 * wall / max(1, observations)),
              "violations": sum(len(f.result.violations) for f in found.values()),
              "duplicates": sum(len(f.duplicates) for f in found.values())}
    if args.pyshacl:
        import rdflib
        from yibao.graph.validate import load_ontology_graph, validate

        wall = time.perf_counter()
        union = rdflib.Graph()
        for graph in graphs:
            union += graph_to_rdflib(db, graph)
        reference = validate(union, load_ontology_graph())
        result["pyshacl_wall_s"] = round(time.perf_counter() - wall, 3)
        result["pyshacl_conforms"] = reference.conforms
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
