"""`yibao build`: extract report files into the store, validate, and summarise what happened.

Debugging: with $YIBAO_DEBUG set, the reason of each skipped file is printed as it happens.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from yibao.cli.app import STORE_HELP, app, call, fail, shorten

if TYPE_CHECKING:
    from rich.console import Console
    from yibao.api import KnowledgeGraph
    from yibao.ingest.build import BuildOutcome

MAX_VIOLATIONS_SHOWN = 20
MAX_WARNINGS_SHOWN = 5


def default_report_dir() -> Path:
    """data/reports of the current directory if it exists, else the sample reports the package ships."""
    local = Path("data") / "reports"
    if local.is_dir():
        return local
    from yibao import resources

    return resources.sample_reports_dir()


@contextmanager
def _progress(console: Console) -> Iterator[Callable[[Path, str | None], None]]:
    """A progress bar over the files; yields the per-file callback that advances it."""
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    # No refresh thread (auto_refresh=False): extraction runs in forked children, and a fork must not
    # copy a thread holding the console's lock.
    with Progress(*columns, console=console, transient=True, auto_refresh=False) as progress:
        task = progress.add_task("building", total=None)

        shown = [0.0]  # when the bar was last drawn: at most ten times a second (10,000 files skipped
        # as unchanged took 1.3 s to draw one by one)

        def on_file(path: Path, reason: str | None) -> None:
            if reason is not None:
                console.print(f"[yellow]skipped {escape(shorten(path.name))}: {escape(reason)}[/]", highlight=False)
            progress.advance(task)
            now = time.monotonic()
            if reason is not None or now - shown[0] >= 0.1:
                shown[0] = now
                progress.update(task, description=escape(shorten(path.name, 60)))
                progress.refresh()

        yield on_file


def _print_summary(graph: KnowledgeGraph, outcome: BuildOutcome, console: Console) -> None:
    from rich.table import Table
    from yibao.graph.store import StoreError, count_observations, count_triples, open_store_read_only

    try:
        store = open_store_read_only(graph.path)  # the build has released the lock: counting needs none
        recorded = recorded_totals(graph.path, store)
        if recorded is None:  # counting reads the whole store: only when the records cannot say
            recorded = count_observations(store), count_triples(store)
        total_observations, total_triples = f"{recorded[0]:,}", f"{recorded[1]:,}"
        del store
    except (StoreError, OSError, RuntimeError):
        total_observations = total_triples = "?"

    observations = outcome.observations
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    table.add_row("Reports loaded", f"{len(outcome.loaded)} of {outcome.files} file(s)")
    if outcome.unchanged:
        table.add_row("Unchanged", f"{outcome.unchanged} unchanged, skipped (--force extracts them again)")
    table.add_row("Observations", f"{observations:,} (store total {total_observations})")
    table.add_row("Triples", f"{total_triples} in the store ({outcome.ontology_triples:,} ontology)")
    table.add_row("Warnings", str(len(outcome.warnings)))
    coverage = f" — coverage {outcome.coverage:.1%}" if outcome.coverage is not None else ""
    table.add_row("Figures", f"{outcome.figures_mapped:,} mapped, {outcome.figures_unmapped:,} unmapped, "
                             f"{outcome.non_facts:,} non-facts (dates, numbering…){coverage}")
    table.add_row("Skipped files", str(len(outcome.skipped)))
    if not outcome.validated:
        shacl = "[yellow]not run[/]"
    elif outcome.conforms:
        shacl = "[green]conforms[/]"
    else:
        shacl = f"[red]does not conform: {len(outcome.violations)} violation(s)[/]"
    table.add_row("SHACL", shacl)
    if outcome.validated:
        dup = "[green]none[/]" if not outcome.duplicates else f"[red]{len(outcome.duplicates)}[/]"
        table.add_row("Duplicate observations", dup)
    console.print(table)
    _print_list(console, "Warnings", outcome.warnings, MAX_WARNINGS_SHOWN, "yellow")
    _print_list(console, "Skipped", [f"{name}: {why}" for name, why in outcome.skipped], None, "yellow")
    _print_list(console, "Same content as a loaded report (not loaded twice)", outcome.same_content, None, "yellow")
    _print_list(console, "Name conflicts (loaded under another id, nothing replaced)", outcome.conflicts, None,
                "yellow")
    _print_list(console, "SHACL violations", outcome.violations, MAX_VIOLATIONS_SHOWN, "red")
    _print_list(console, "Duplicate observations", outcome.duplicates, MAX_VIOLATIONS_SHOWN, "red")
    _print_list(console, "Not kept (removed: they break a hard constraint)",
                [f"{rid}: {why}" for rid, why in outcome.rejected], None, "red")
    for note in outcome.notes:
        console.print(note, style="yellow", markup=False, highlight=False)


def recorded_totals(path: Path, store: object) -> tuple[int, int] | None:
    """(observations, triples) of the store from its records, when they cover exactly its graphs."""
    import pyoxigraph as ox
    from yibao.graph import namespaces as ns
    from yibao.graph.registry import read_registry, read_state
    from yibao.graph.store import report_ids

    records, state = read_registry(path), read_state(path)
    graphs = {g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)}  # type: ignore[attr-defined]
    ids = report_ids(store)  # type: ignore[arg-type]
    if not state.ontology_triples or set(records) != set(ids) or any(r.triples <= 0 for r in records.values()) \
            or graphs != {ns.ONTOLOGY_GRAPH, *(ns.report_graph(i) for i in ids)} \
            or next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None:  # type: ignore[attr-defined]
        return None
    return (sum(r.observations for r in records.values()),
            sum(r.triples for r in records.values()) + state.ontology_triples)


def _print_list(console: Console, title: str, items: list[str], limit: int | None, style: str) -> None:
    from rich.markup import escape

    if not items:
        return
    shown = items if limit is None else items[:limit]
    console.print(f"[bold]{title}:[/]")
    for item in shown:
        console.print(f"  [{style}]{escape(item)}[/]", highlight=False, soft_wrap=True)
    if len(shown) < len(items):
        console.print(f"  … and {len(items) - len(shown)} more")


@app.command()
def build(
    paths: Annotated[list[Path] | None, typer.Argument(help="Report files or folders (default: data/reports).")] = None,
    store: Annotated[Path | None, typer.Option("--store", help=STORE_HELP)] = None,
    shacl: Annotated[bool, typer.Option("--validate/--no-validate", help="Validate each report with SHACL before it is written.")] = True,
    strict: Annotated[bool, typer.Option("--strict", help="Also fail on warnings (no region, no title …) "
                                                           "and on skipped files.")] = False,
    region: Annotated[str | None, typer.Option(
        "--region", help="Region code or name of reports that do not say (replaces what the text says).")] = None,
    year: Annotated[int | None, typer.Option("--year", help="Reference year of reports that do not say.")] = None,
    period: Annotated[str | None, typer.Option(
        "--period", help="Period: YYYY, YYYY-Q1…Q4, YYYY-H1/H2 or YYYY-MM (year to date).")] = None,
    manifest: Annotated[Path | None, typer.Option(
        "--manifest", help="CSV with columns file,region,year,period (any empty): what to state per file.")] = None,
    max_file_size: Annotated[float, typer.Option(
        "--max-file-size", help="Skip files larger than this many MB (0: no limit).", min=0)] = 20.0,
    file_timeout: Annotated[float, typer.Option(
        "--file-timeout", help="Skip a file whose extraction takes longer than this many seconds (0: no limit).",
        min=0)] = 60.0,
    lenient: Annotated[bool, typer.Option(
        "--lenient", help="Replace a few undecodable bytes (U+FFFD, with a warning) instead of skipping the file.")
    ] = False,
    jobs: Annotated[int, typer.Option(
        "--jobs", "-j", help="Processes extracting reports (0: one per core).", min=0)] = 0,
    force: Annotated[bool, typer.Option(
        "--force", help="Extract every file again, even those unchanged since they were loaded.")] = False,
) -> None:
    """Extract and validate every report, (re)load it into the store, and summarise."""
    from rich.console import Console
    from yibao.api import KnowledgeGraph
    from yibao.graph.store import StoreError
    from yibao.ingest.build import BuildError, BuildOutcome

    graph = KnowledgeGraph(store)
    outcome = BuildOutcome()
    try:
        with _progress(Console(stderr=True)) as on_file:
            call(graph.build, list(paths) if paths else [default_report_dir()], validate=shacl,
                 on_file=on_file, region=region, year=year, period=period, manifest=manifest,
                 max_file_mb=max_file_size or None, file_timeout=file_timeout or None, lenient=lenient,
                 outcome=outcome, jobs=jobs, force=force)
    except BuildError as e:
        fail(str(e), 2)
    except StoreError as e:
        fail(str(e))
    except KeyboardInterrupt:
        fail(f"interrupted; {len(outcome.loaded)} report(s) loaded, the rest untouched", 130)
    _print_summary(graph, outcome, Console())
    if outcome.disk_full:
        fail("no space left on the device; reports loaded before are intact (see the summary)")
    if outcome.rejected:
        fail(f"{len(outcome.rejected)} report(s) not kept: "
             + ("the graph does not conform to the SHACL shapes" if not outcome.conforms
                else "duplicate observations found"))
    if not outcome.loaded and not outcome.same_content and not outcome.unchanged:
        fail("no report was loaded")
    if not outcome.ok and outcome.loaded:
        fail("the graph does not conform to the SHACL shapes" if not outcome.conforms
              else "duplicate observations found")
    if strict and (outcome.skipped or outcome.warnings):
        fail(f"{len(outcome.skipped)} file(s) skipped, {len(outcome.warnings)} warning(s) (--strict)")
