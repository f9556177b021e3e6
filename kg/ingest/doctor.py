"""`yibao doctor`: check a store and repair it.

The check opens the store read-only, reads every quad (a damaged table shows up here), counts the
graphs and runs the SHACL and duplicate checks on every report. Repair removes the reports that break
a hard constraint; a store that cannot be read is rebuilt from the source files recorded in its
``yibao-reports.json`` into a new folder, which then takes the store's place (the damaged folder is
kept beside it, renamed).
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Diagnosis:
    path: Path
    readable: bool = True
    problem: str | None = None  # why the store cannot be read
    quads: int = 0
    graphs: int = 0
    reports: list[str] = field(default_factory=list)
    bad: dict[str, str] = field(default_factory=dict)  # report id → the hard constraint it breaks
    violations: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)  # what repair did
    lost: list[str] = field(default_factory=list)  # reports repair could not restore

    @property
    def healthy(self) -> bool:
        return self.readable and not self.bad


def diagnose(path: Path, shacl: bool = True) -> Diagnosis:
    """Check the store at ``path`` (read-only; never raises for a damaged store)."""
    from yibao.graph import namespaces as ns
    from yibao.graph.store import StoreError, graph_to_rdflib, open_store_read_only, report_ids

    found = Diagnosis(Path(path))
    try:
        store = open_store_read_only(path)
        found.quads = sum(1 for _ in store)  # reads every table
        found.graphs = sum(1 for _ in store.named_graphs())
        found.reports = report_ids(store)
    except StoreError as e:
        found.readable, found.problem = False, str(e)
        return found
    except (OSError, RuntimeError, ValueError) as e:
        found.readable, found.problem = False, f"{type(e).__name__}: {str(e).strip()[:300]}"
        return found
    if not shacl or not found.reports:
        return found
    import rdflib
    from yibao.graph.validate import duplicate_observations, load_ontology_graph, validate

    ontology = load_ontology_graph()
    union = rdflib.Graph()
    graphs = {}
    try:
        for rid in found.reports:
            graph = graph_to_rdflib(store, ns.report_graph(rid))
            if duplicate_observations(graph):
                found.bad[rid] = "duplicate observations"
            graphs[rid] = graph
            union += graph
    except (OSError, RuntimeError, ValueError) as e:
        found.readable, found.problem = False, f"{type(e).__name__}: {str(e).strip()[:300]}"
        return found
    result = validate(union, ontology)
    found.violations = list(result.violations)
    if not result.conforms:
        for rid, graph in graphs.items():
            if rid not in found.bad and not validate(graph, ontology).conforms:
                found.bad[rid] = "breaks the SHACL shapes"
    return found


def repair(found: Diagnosis) -> Diagnosis:
    """Remove the reports that break a hard constraint, or rebuild an unreadable store."""
    if found.readable:
        if found.bad:
            from yibao.graph.store import open_store
            from yibao.ingest.build import remove_reports

            store = open_store(found.path, create=False)
            remove_reports(store, list(found.bad), found.path)
            store.flush()
            del store
            found.actions += [f"removed {rid}: {why}" for rid, why in sorted(found.bad.items())]
        return found
    return rebuild(found)


def rebuild(found: Diagnosis) -> Diagnosis:
    """Rebuild the store from its recorded sources into a new folder and swap it in."""
    from yibao.graph.registry import read_registry
    from yibao.graph.store import StoreError
    from yibao.ingest.build import ManifestRow, StoreSession, build

    path = found.path
    records = read_registry(path)
    if not records:
        raise StoreError(f"cannot repair the store at {path}: it has no record of its source files; "
                         f"move it aside and run `yibao build FOLDERS --store {path}`")
    ordered = sorted(records.values(), key=lambda r: (r.loaded_at, r.id))
    present = [r for r in ordered if Path(r.source).is_file()]
    found.lost += [f"{r.id}: its source {r.source} is gone" for r in ordered if r not in present]
    fresh = path.parent / f".{path.name}.rebuild-{os.getpid()}"
    shutil.rmtree(fresh, ignore_errors=True)
    rows = [ManifestRow(r.source, r.region, r.year, r.period, i) for i, r in enumerate(present, start=2)]
    try:
        outcome = build(StoreSession(path=fresh), [Path(r.source) for r in present],
                        manifest=[row for row in rows if row.region or row.year or row.period] or None)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    restored = {rid for rid, _, _ in outcome.loaded}
    found.lost += [f"{r.id}: {why}" for r in present if r.id not in restored
                   for why in [next((w for n, w in outcome.skipped if n == Path(r.source).name),
                                    "not restored under the same id")]]
    backup = path.parent / f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}"
    os.rename(path, backup)  # each rename is atomic; the store folder is never half-written
    os.rename(fresh, path)
    found.actions.append(f"rebuilt {len(restored)} report(s) from their source files; the damaged store "
                         f"is kept as {backup}")
    return found
