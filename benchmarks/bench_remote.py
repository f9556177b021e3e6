"""Canned-query latency on the embedded store, on Oxigraph server and on Virtuoso (issue 13).

    python benchmarks/bench_remote.py [--factor 100] [--runs 3] [--timeout 120]

Builds the sample graph scaled by `--factor` (benchmarks/synthetic.py), pushes it to a throwaway
Oxigraph server and a throwaway Virtuoso on 127.0.0.1 (both stopped by pid afterwards), and reports
the median latency of every canned query (with the parameters of tests/test_queries.py) on each,
checking that each server gives the embedded rows. A query slower than `--timeout` is reported as such.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

REQUIRED = {"threshold": {"indicator": "months_of_cover", "threshold": 6},
            "value": {"indicator": "income"}, "ranking": {"indicator": "income"},
            "series": {"indicator": "income", "region": "430200"}, "provenance": {"indicator": "income"}}


def _time(fn, runs: int, slow: float = 5.0) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        began = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - began)
        if times[-1] > slow:  # one run is enough for a slow query
            break
    return statistics.median(times), result


def main(argv: list[str] | None = None) -> None:
    from yibao.qa.queries import bind, load_queries, run
    from yibao.remote import RemoteError
    from yibao.remote.endpoint import connect
    from yibao.remote.push import push
    from yibao.remote.servers import OxigraphServer, VirtuosoServer

    from benchmarks.synthetic import build_sample, scale

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factor", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--store", type=Path, help="reuse a store built by an earlier run (its path)")
    parser.add_argument("--servers", default="oxigraph,virtuoso")
    parser.add_argument("--batch", type=int, default=1000, help="triples per INSERT DATA (Virtuoso)")
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "results" / "remote.json")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="yibao-bench-remote-"))
    if args.store:
        import pyoxigraph as ox

        db = ox.Store.read_only(str(args.store))
    else:
        db = build_sample(work / "store")
        if args.factor > 1:
            scale(db, args.factor)
    print(f"graph: {len(db):,} quads (factor {args.factor})", flush=True)
    queries = {qid: bind(q, REQUIRED.get(qid, {})) for qid, q in load_queries().items()}
    table: dict[str, dict[str, object]] = {qid: {} for qid in queries}
    expected = {}
    for qid, bound in queries.items():
        seconds, rows = _time(lambda b=bound: run(db, b), args.runs)
        expected[qid] = rows
        table[qid]["embedded"] = seconds
    pushes = {}
    for name, cls in (("oxigraph", OxigraphServer), ("virtuoso", VirtuosoServer)):
        reason = cls.missing()
        if name not in args.servers.split(","):
            continue
        if reason:
            print(f"{name}: skipped ({reason})")
            continue
        with cls(work / name) as server:
            remote = connect(server.query_url, update_url=server.update_url, timeout=max(args.timeout, 600))
            began = time.perf_counter()
            outcome = push(db, remote, batch=args.batch)
            pushes[name] = {"seconds": round(time.perf_counter() - began, 1), "method": outcome.method,
                            "triples": outcome.server_triples, "ok": outcome.ok}
            print(f"{name}: pushed {outcome.server_triples:,} triples by {outcome.method} "
                  f"in {pushes[name]['seconds']} s; failed: {dict(list(outcome.failed.items())[:3])}", flush=True)
            remote = connect(server.query_url, timeout=args.timeout)
            for qid, bound in queries.items():
                try:
                    seconds, rows = _time(lambda b=bound, r=remote: run(r, b), args.runs)
                except RemoteError as e:
                    table[qid][name] = "timeout" if "did not answer" in str(e) else f"error: {e}"
                    continue
                same = sorted(map(repr, rows)) == sorted(map(repr, expected[qid]))
                table[qid][name] = seconds if same else f"{seconds:.3f} (rows differ)"
                print(f"  {qid}: {table[qid][name]}", flush=True)
    print()
    columns = ["embedded", "oxigraph", "virtuoso"]
    print("| query | rows | " + " | ".join(columns) + " |")
    print("|---|---:|" + "---:|" * len(columns))
    for qid in queries:
        cells = []
        for c in columns:
            v = table[qid].get(c, "-")
            cells.append(f"{v * 1000:.0f} ms" if isinstance(v, float) else f"> {args.timeout:g} s"
                         if v == "timeout" else str(v))
        print(f"| {qid} | {len(expected[qid])} | " + " | ".join(cells) + " |")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({"factor": args.factor, "quads": len(db), "push": pushes,
                                       "latency_s": table}, indent=2, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
