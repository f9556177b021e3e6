"""Files in, report graphs out: extract each file and replace its graph in the store, then validate.

A file that cannot be read or extracted is recorded as skipped and the batch goes on; each
report's graph is replaced in one transaction, so an interrupted build leaves every report
loaded before it intact.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyoxigraph


class BuildError(Exception):
    """A build could not start (no such path, no report files)."""


@dataclass
class BuildOutcome:
    """What a build did, for the summary and the exit code."""

    files: int = 0
    loaded: list[tuple[str, int, int]] = field(default_factory=list)  # (report id, observations, triples)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file name, reason)
    warnings: list[str] = field(default_factory=list)
    ontology_triples: int = 0
    validated: bool = False
    conforms: bool = True
    violations: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    figures_mapped: int = 0  # numbers of the loaded reports that became observations
    figures_unmapped: int = 0  # … that were recorded as unmapped figures
    non_facts: int = 0  # … that are dates, clause numbers, document numbers and the like

    @property
    def coverage(self) -> float | None:
        """Mapped figures ÷ all figures (non-facts aside); None when there were none."""
        total = self.figures_mapped + self.figures_unmapped
        return self.figures_mapped / total if total else None

    @property
    def ok(self) -> bool:
        return bool(self.loaded) and self.conforms and not self.duplicates

    @property
    def observations(self) -> int:
        return sum(n for _, n, _ in self.loaded)


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files to build: folders become their *.txt files (sorted); order kept, duplicates dropped."""
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found = sorted(p for p in path.glob("*.txt") if p.is_file())
            if not found:
                raise BuildError(f"no .txt files in {path}")
            files += found
        elif path.is_file():
            files.append(path)
        else:
            raise BuildError(f"no such file or directory: {path}")
    unique: dict[Path, Path] = {}
    for f in files:
        unique.setdefault(f.resolve(), f)
    return list(unique.values())


def failure_reason(error: Exception, path: Path) -> str:
    """One line: a ReadError's own reason, else "<ExceptionType>: <message>"."""
    from yibao.ingest.reading import ReadError

    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    prefix = f"{path.name}: "
    if text.startswith(prefix):  # a ReadError already names the file
        text = text[len(prefix):]
    if isinstance(error, ReadError):
        return text
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _with_id(report_id: str, warning: str) -> str:
    return warning if warning.startswith(f"{report_id}:") else f"{report_id}: {warning}"


def load_files(store: pyoxigraph.Store, files: list[Path], outcome: BuildOutcome,
               on_file: Callable[[Path, str | None], None] | None = None) -> None:
    """Extract each file and replace its report graph; a failing file is recorded and skipped.

    ``on_file(path, reason)`` is called after each file (``reason`` is None when it loaded).
    """
    from yibao.graph.store import replace_report
    from yibao.ingest import pipeline

    seen: dict[str, str] = {}
    for path in files:
        reason = None
        try:
            report = pipeline.process_file(path)
            if report.id in seen:
                raise ValueError(f"report id {report.id!r} already built from {seen[report.id]}")
            triples = replace_report(store, report)
        except Exception as e:  # noqa: BLE001 — one broken file must not stop the build
            reason = failure_reason(e, path)
            outcome.skipped.append((path.name, reason))
        else:
            seen[report.id] = path.name
            outcome.loaded.append((report.id, len(report.observations), triples))
            outcome.figures_mapped += len({(o.start, o.end) for o in report.observations})
            outcome.figures_unmapped += len(report.unmapped)
            outcome.non_facts += report.non_facts
            outcome.warnings += [_with_id(report.id, w) for w in report.warnings]
        if on_file is not None:
            on_file(path, reason)


def validate_loaded(store: pyoxigraph.Store, outcome: BuildOutcome) -> None:
    """SHACL-validate the reports just built (merged with the ontology); look for duplicates.

    Duplicates are searched report by report: they are defined within one report, and the
    check's SPARQL join grows much faster than linearly with the size of the graph.
    """
    import rdflib
    from yibao.graph import namespaces as ns
    from yibao.graph.store import graph_to_rdflib
    from yibao.graph.validate import duplicate_observations, load_ontology_graph, validate

    union = rdflib.Graph()
    for report_id, _, _ in outcome.loaded:
        graph = graph_to_rdflib(store, ns.report_graph(report_id))
        outcome.duplicates += duplicate_observations(graph)
        union += graph
    result = validate(union, load_ontology_graph())
    outcome.validated = True
    outcome.conforms = bool(result.conforms)
    outcome.violations = list(result.violations)


def build(store: pyoxigraph.Store, paths: list[Path], *, shacl: bool = True,
          on_file: Callable[[Path, str | None], None] | None = None) -> BuildOutcome:
    """Load the ontology, extract and load every report file under ``paths``, then validate."""
    from yibao.graph.store import load_ontology

    files = expand_paths(paths)
    outcome = BuildOutcome(files=len(files))
    outcome.ontology_triples = load_ontology(store)
    if not outcome.ontology_triples:
        outcome.notes.append("no ontology loaded (ontology/*.ttl not found): region names are unavailable")
    load_files(store, files, outcome, on_file)
    store.flush()  # move the write-ahead log into tables now, so the next open need not replay it
    if shacl and outcome.loaded:
        validate_loaded(store, outcome)
    return outcome
