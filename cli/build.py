"""`yibao build`: extract report files into the store, validate, and summarise what happened.

Test hook: if $YIBAO_TEST_KILL_AFTER is N, `yibao build` sends itself SIGKILL right after the
N-th report has been committed to the store (used by the crash-safety tests).
Debugging: with $YIBAO_DEBUG set, the reason of each skipped file is printed as it happens.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from yibao.cli.app import STORE_HELP, app, call, fail, open_graph

if TYPE_CHECKING:
    import pyoxigraph
    from rich.console import Console
    from yibao.ingest.build import BuildOutcome

KILL_AFTER_ENV = "YIBAO_TEST_KILL_AFTER"
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
    loaded = 0
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("building", total=None)

        def on_file(path: Path, reason: str | None) -> None:
            nonlocal loaded
            if reason is not None:
                console.print(f"[yellow]skipped {escape(path.name)}: {escape(reason)}[/]", highlight=False)
            else:
                loaded += 1
                _kill_hook(loaded)
            progress.update(task, description=escape(path.name))
            progress.advance(task)

        yield on_file


def _kill_hook(committed: int) -> None:
    """Crash-safety test hook: SIGKILL this process after the N-th committed report."""
    target = os.environ.get(KILL_AFTER_ENV)
    if target and target.isdigit() and committed == int(target):
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


def _print_summary(store: pyoxigraph.Store, outcome: BuildOutcome, console: Console) -> None:
    from rich.table import Table
    from yibao.graph.store import count_observations, count_triples

    observations = outcome.observations
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    table.add_row("Reports loaded", f"{len(outcome.loaded)} of {outcome.files} file(s)")
    table.add_row("Observations", f"{observations:,} (store total {count_observations(store):,})")
    table.add_row("Triples", f"{count_triples(store):,} in the store ({outcome.ontology_triples:,} ontology)")
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
    _print_list(console, "SHACL violations", outcome.violations, MAX_VIOLATIONS_SHOWN, "red")
    _print_list(console, "Duplicate observations", outcome.duplicates, MAX_VIOLATIONS_SHOWN, "red")
    for note in outcome.notes:
        console.print(note, style="yellow", markup=False, highlight=False)


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
    shacl: Annotated[bool, typer.Option("--validate/--no-validate", help="Run SHACL validation after loading.")] = True,
    strict: Annotated[bool, typer.Option("--strict", help="Also fail on warnings (no region, no title …) "
                                                           "and on skipped files.")] = False,
    region: Annotated[str | None, typer.Option(
        "--region", help="Region code or name of reports that do not say (replaces what the text says).")] = None,
    year: Annotated[int | None, typer.Option("--year", help="Reference year of reports that do not say.")] = None,
    period: Annotated[str | None, typer.Option(
        "--period", help="Period: YYYY, YYYY-Q1…Q4, YYYY-H1/H2 or YYYY-MM (year to date).")] = None,
    manifest: Annotated[Path | None, typer.Option(
        "--manifest", help="CSV with columns file,region,year,period (any empty): what to state per file.")] = None,
) -> None:
    """Extract every report and (re)load it into the store, then validate and summarise."""
    from rich.console import Console
    from yibao.graph.store import StoreError
    from yibao.ingest.build import BuildError

    graph = open_graph(store)
    try:
        with _progress(Console(stderr=True)) as on_file:
            outcome = call(graph.build, list(paths) if paths else [default_report_dir()], validate=shacl,
                           on_file=on_file, region=region, year=year, period=period, manifest=manifest)
    except BuildError as e:
        fail(str(e), 2)
    except StoreError as e:
        fail(f"ontology: {e}")
    _print_summary(graph.store, outcome, Console())
    if not outcome.loaded:
        fail("no report was loaded")
    if not outcome.ok:
        fail("the graph does not conform to the SHACL shapes" if not outcome.conforms
              else "duplicate observations found")
    if strict and (outcome.skipped or outcome.warnings):
        fail(f"{len(outcome.skipped)} file(s) skipped, {len(outcome.warnings)} warning(s) (--strict)")
