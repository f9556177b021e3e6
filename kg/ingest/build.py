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
    from yibao.ingest.metadata import Overrides


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


MANIFEST_COLUMNS = ("file", "region", "year", "period")


@dataclass
class ManifestRow:
    """One row of a build manifest: what the user states about one report file."""

    file: str
    region: str | None
    year: int | None
    period: str | None
    line: int


def read_manifest(path: Path) -> list[ManifestRow]:
    """A CSV with columns file,region,year,period (any but file may be empty). Raises BuildError."""
    import csv

    from yibao.ingest.metadata import parse_period

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise BuildError(f"manifest {path}: cannot read it ({e})") from e
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in reader.fieldnames or []]
    if "file" not in header or not set(header) & {"region", "year", "period"}:
        raise BuildError(f"manifest {path}: needs a header with file and any of region, year, period "
                         f"(found {', '.join(header) or 'nothing'})")
    rows = []
    for i, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        if not row.get("file"):
            if any(row.values()):
                raise BuildError(f"manifest {path}, line {i}: no file named")
            continue
        year_text = row.get("year", "")
        if year_text and not year_text.isdigit():
            raise BuildError(f"manifest {path}, line {i}: year {year_text!r} is not a number")
        try:
            year, period = parse_period(row.get("period") or None, int(year_text) if year_text else None)
        except ValueError as e:
            raise BuildError(f"manifest {path}, line {i}: {e}") from e
        rows.append(ManifestRow(row["file"], row.get("region") or None, year,
                                period or (row.get("period") or None), i))
    return rows


def manifest_entry(path: Path, rows: list[ManifestRow]) -> ManifestRow | None:
    """The manifest row for ``path``: its path as given or resolved, else its file name (or stem)."""
    path = Path(path)
    for row in rows:
        named = Path(row.file)
        if named == path or (named.is_absolute() or len(named.parts) > 1) and \
                named.expanduser().resolve() == path.resolve():
            return row
    for row in rows:
        if row.file in (path.name, path.stem):
            return row
    return None


def resolve_overrides(store: pyoxigraph.Store, overrides: Overrides | None,
                      manifest: list[ManifestRow] | None, files: list[Path]) -> dict[Path, Overrides]:
    """Per file: the manifest row over the command line's values, region names resolved to codes.

    Raises ``UnknownCode`` for a region name that names no region (or several).
    """
    from yibao.graph.facts import resolve_code
    from yibao.ingest.metadata import Overrides

    cache: dict[str, str] = {}

    def region(name: str | None) -> str | None:
        if name is None:
            return None
        if name not in cache:
            cache[name] = resolve_code(store, "region", name)
        return cache[name]

    base = Overrides(region(overrides.region), overrides.year, overrides.period) if overrides else None
    out: dict[Path, Overrides] = {}
    for path in files:
        row = manifest_entry(path, manifest) if manifest else None
        own = Overrides(region(row.region), row.year, row.period) if row else None
        chosen = own.over(base) if own else base
        if chosen:
            out[path] = chosen
    return out


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
               on_file: Callable[[Path, str | None], None] | None = None,
               overrides: dict[Path, Overrides] | None = None) -> None:
    """Extract each file and replace its report graph; a failing file is recorded and skipped.

    ``on_file(path, reason)`` is called after each file (``reason`` is None when it loaded);
    ``overrides`` gives the region, year and period stated for a file.
    """
    from yibao.graph.store import replace_report
    from yibao.ingest import pipeline

    seen: dict[str, str] = {}
    for path in files:
        reason = None
        try:
            stated = (overrides or {}).get(path)
            report = pipeline.process_file(path, overrides=stated) if stated else pipeline.process_file(path)
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
          on_file: Callable[[Path, str | None], None] | None = None, overrides: Overrides | None = None,
          manifest: Path | list[ManifestRow] | None = None) -> BuildOutcome:
    """Load the ontology, extract and load every report file under ``paths``, then validate.

    ``overrides`` (region code or name, year, period) apply to every file; a ``manifest`` (a CSV
    file or its rows: file,region,year,period) states them per file, over ``overrides``. What is
    stated replaces what the text says (a warning says when they disagree). Raises ``BuildError``
    for a bad manifest and ``UnknownCode`` for a region name that names no single region.
    """
    from yibao.graph.store import load_ontology

    files = expand_paths(paths)
    rows = read_manifest(manifest) if isinstance(manifest, (str, Path)) else manifest
    outcome = BuildOutcome(files=len(files))
    outcome.ontology_triples = load_ontology(store)
    if not outcome.ontology_triples:
        outcome.notes.append("no ontology loaded (ontology/*.ttl not found): region names are unavailable")
    stated = resolve_overrides(store, overrides, rows, files) if overrides or rows else {}
    if rows:
        unused = [row.file for row in rows if not any(manifest_entry(f, [row]) for f in files)]
        if unused:
            outcome.notes.append(f"manifest rows naming no file of this build: {', '.join(unused)}")
    load_files(store, files, outcome, on_file, stated)
    store.flush()  # move the write-ahead log into tables now, so the next open need not replay it
    if shacl and outcome.loaded:
        validate_loaded(store, outcome)
    return outcome
