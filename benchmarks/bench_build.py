"""Benchmark a full build: decode+extract, RDF, store write per report, then SHACL validation.

    python benchmarks/bench_build.py [PATHS…] [--runs 3] [--output benchmarks/results/build.json]

Each run builds a fresh store in a temporary directory (ontology included), exactly as
`yibao build` does, but times every stage separately. Per-report figures are medians over
the runs; totals are reported per run. Results go to a table on stdout and to a JSON file.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # runnable without `pip install -e .`
    sys.path.insert(0, str(ROOT))


@dataclass
class ReportTiming:
    report: str
    observations: int
    triples: int
    extract_s: float  # decode + segment + extract (yibao.ingest.pipeline.process_file)
    rdf_s: float  # yibao.graph.rdf.report_quads
    write_s: float  # yibao.graph.store.replace_graph (one SPARQL update transaction)
    mapped: int = 0  # numbers of the report that became observations
    unmapped: int = 0  # … recorded as unmapped figures


@dataclass
class RunTiming:
    ontology_s: float
    reports: list[ReportTiming] = field(default_factory=list)
    flush_s: float = 0.0
    to_rdflib_s: float = 0.0
    shacl_s: float = 0.0
    duplicates_s: float = 0.0
    facts_query_s: float = 0.0
    conforms: bool | None = None

    @property
    def build_s(self) -> float:
        return sum(r.extract_s + r.rdf_s + r.write_s for r in self.reports)


def report_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        files += sorted(path.glob("*.txt")) if path.is_dir() else [path]
    return files


def run_once(files: list[Path], validate: bool) -> RunTiming:
    """Build a fresh store from `files` and time every stage."""
    from yibao.graph import namespaces as ns
    from yibao.graph.facts import fact_rows
    from yibao.graph.rdf import report_quads
    from yibao.graph.store import graph_to_rdflib, load_ontology, open_store, replace_graph
    from yibao.ingest.pipeline import process_file

    with tempfile.TemporaryDirectory(prefix="yibao-bench-") as tmp:
        store = open_store(Path(tmp) / "store", create=True)
        began = time.perf_counter()
        run = RunTiming(ontology_s=0.0)
        load_ontology(store)
        run.ontology_s = time.perf_counter() - began
        for path in files:
            t0 = time.perf_counter()
            report = process_file(path)
            t1 = time.perf_counter()
            quads = report_quads(report)
            t2 = time.perf_counter()
            replace_graph(store, ns.report_graph(report.id), quads)
            t3 = time.perf_counter()
            run.reports.append(ReportTiming(report.id, len(report.observations), len(quads),
                                            t1 - t0, t2 - t1, t3 - t2,
                                            len({(o.start, o.end) for o in report.observations}),
                                            len(report.unmapped)))
        t0 = time.perf_counter()
        store.flush()
        run.flush_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        fact_rows(store)
        run.facts_query_s = time.perf_counter() - t0
        if validate:
            _time_validation(store, run, graph_to_rdflib)
        del store
    return run


def _time_validation(store, run: RunTiming, graph_to_rdflib) -> None:
    import rdflib
    from yibao.graph import namespaces as ns
    from yibao.graph.validate import duplicate_observations, load_ontology_graph, validate

    t0 = time.perf_counter()
    graphs = [graph_to_rdflib(store, ns.report_graph(r.report)) for r in run.reports]
    union = rdflib.Graph()
    for graph in graphs:
        union += graph
    run.to_rdflib_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for graph in graphs:
        duplicate_observations(graph)
    run.duplicates_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    run.conforms = validate(union, load_ontology_graph()).conforms
    run.shacl_s = time.perf_counter() - t0


def summarise(runs: list[RunTiming]) -> dict:
    """Medians per report and per stage, plus per-run totals."""
    def med(values: list[float]) -> float:
        return round(statistics.median(values), 6)

    per_report = []
    for i, first in enumerate(runs[0].reports):
        rows = [run.reports[i] for run in runs]
        per_report.append({
            "report": first.report, "observations": first.observations, "triples": first.triples,
            "extract_s": med([r.extract_s for r in rows]), "rdf_s": med([r.rdf_s for r in rows]),
            "write_s": med([r.write_s for r in rows]),
        })
    observations = sum(r.observations for r in runs[0].reports)
    mapped = sum(r.mapped for r in runs[0].reports)
    unmapped = sum(r.unmapped for r in runs[0].reports)
    build = [run.build_s for run in runs]
    return {
        "runs": len(runs),
        "reports": len(per_report),
        "observations": observations,
        "triples": sum(r.triples for r in runs[0].reports),
        "per_report": per_report,
        "median": {
            "ontology_s": med([r.ontology_s for r in runs]),
            "build_s": med(build),
            "flush_s": med([r.flush_s for r in runs]),
            "facts_query_s": med([r.facts_query_s for r in runs]),
            "to_rdflib_s": med([r.to_rdflib_s for r in runs]),
            "duplicates_s": med([r.duplicates_s for r in runs]),
            "shacl_s": med([r.shacl_s for r in runs]),
            "observations_per_s": round(observations / statistics.median(build), 1) if observations else 0.0,
            "reports_per_s": round(len(per_report) / statistics.median(build), 1),
        },
        "figures": {"mapped": mapped, "unmapped": unmapped,
                    "coverage": round(mapped / (mapped + unmapped), 4) if mapped + unmapped else None},
        "per_run": [{**{k: v for k, v in asdict(run).items() if k != "reports"}, "build_s": run.build_s}
                    for run in runs],
        "environment": _environment(),
    }


def _environment() -> dict:
    import pyoxigraph
    import rdflib

    versions = {"python": platform.python_version(), "rdflib": rdflib.__version__,
                "pyoxigraph": getattr(pyoxigraph, "__version__", "?"), "machine": platform.machine(),
                "system": platform.system()}
    try:
        import pyshacl

        versions["pyshacl"] = pyshacl.__version__
    except ImportError:
        pass
    return versions


def print_table(summary: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Build benchmark (median of {summary['runs']} run(s))", title_justify="left")
    for column in ("report", "obs", "triples", "extract ms", "rdf ms", "write ms"):
        table.add_column(column, justify="left" if column == "report" else "right")
    for r in summary["per_report"]:
        table.add_row(r["report"], str(r["observations"]), str(r["triples"]), f"{r['extract_s'] * 1000:.1f}",
                      f"{r['rdf_s'] * 1000:.1f}", f"{r['write_s'] * 1000:.1f}")
    console = Console()
    console.print(table)
    m = summary["median"]
    console.print(
        f"reports {summary['reports']}, observations {summary['observations']}, triples {summary['triples']}\n"
        f"ontology load {m['ontology_s']:.2f}s, build {m['build_s']:.2f}s "
        f"({m['reports_per_s']:.1f} reports/s, {m['observations_per_s']:.0f} observations/s), flush {m['flush_s']:.2f}s, "
        f"figures {summary['figures']['mapped']} mapped, {summary['figures']['unmapped']} unmapped, "
        f"coverage {summary['figures']['coverage']:.1%}\n"
        f"fact table query {m['facts_query_s'] * 1000:.0f}ms\n"
        f"validation: to rdflib {m['to_rdflib_s']:.2f}s, duplicates {m['duplicates_s']:.2f}s, "
        f"SHACL {m['shacl_s']:.2f}s"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="report files or folders (default: data/reports)")
    parser.add_argument("--runs", type=int, default=3, help="number of fresh builds (default 3)")
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "results" / "build.json")
    parser.add_argument("--no-validate", dest="validate", action="store_false", help="skip SHACL timing")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    from yibao.resources import sample_reports_dir

    files = report_files(args.paths or [sample_reports_dir()])
    if not files:
        parser.error("no report files found")
    runs = []
    for i in range(args.runs):
        runs.append(run_once(files, args.validate))
        print(f"run {i + 1}/{args.runs}: build {runs[-1].build_s:.2f}s", file=sys.stderr)
    summary = summarise(runs)
    print_table(summary)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
