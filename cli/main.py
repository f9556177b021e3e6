"""`yibao`: build the knowledge graph from report files, list the facts, export the graph.

Store location: --store, else $YIBAO_STORE, else .yibao/store in the current directory.
User mistakes end with one red line on stderr and a non-zero exit code (2 for usage errors
and unknown names, 1 otherwise), never a traceback. Heavy modules (pyoxigraph, rdflib,
pyshacl, rich) are imported inside the commands so that start-up stays fast.

Test hook: if $YIBAO_TEST_KILL_AFTER is N, `yibao build` sends itself SIGKILL right after the
N-th report has been committed to the store (used by the crash-safety tests).
Debugging: with $YIBAO_DEBUG set, `yibao build` prints the traceback of each file it skips.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

if TYPE_CHECKING:
    import pyoxigraph
    from rich.console import Console
    from yibao.model import Report

KILL_AFTER_ENV = "YIBAO_TEST_KILL_AFTER"
DEBUG_ENV = "YIBAO_DEBUG"  # set: print the traceback of every file that fails to build
FACT_FORMATS = ("table", "csv", "json")
EXPORT_FORMATS = ("turtle", "trig", "nquads", "jsonld")  # = yibao.graph.store.EXPORT_FORMATS, kept here to stay lean
MAX_VIOLATIONS_SHOWN = 20
MAX_WARNINGS_SHOWN = 5


class _OneLineErrors(TyperGroup):
    """Click group whose usage errors are one red line instead of a usage block or panel."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            from typer._click.exceptions import ClickException, NoArgsIsHelpError
        except ImportError:  # typer releases that depend on click instead of vendoring it
            from click.exceptions import ClickException, NoArgsIsHelpError

        try:
            rv = super().main(*args, standalone_mode=False, **kwargs)
        except NoArgsIsHelpError as e:
            typer.echo(e.format_message(), err=True)
            sys.exit(e.exit_code)
        except ClickException as e:
            _red_line(e.format_message())
            sys.exit(e.exit_code)
        except typer.Abort:
            _red_line("aborted")
            sys.exit(1)
        sys.exit(rv if isinstance(rv, int) else 0)


app = typer.Typer(
    cls=_OneLineErrors,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Knowledge graph of Chinese medical-insurance (医保) fund reports.",
)

_STORE_HELP = "Store directory (default: $YIBAO_STORE, else .yibao/store)."


def _red_line(message: str) -> None:
    first = message.strip().splitlines()[0] if message.strip() else "error"
    typer.secho(f"error: {first}", fg="red", err=True)


def _fail(message: str, code: int = 1) -> NoReturn:
    _red_line(message)
    raise typer.Exit(code)


def _check_choice(value: str, choices: tuple[str, ...], what: str) -> str:
    if value not in choices:
        _fail(f"unknown {what} {value!r}; choose one of {', '.join(choices)}", 2)
    return value


def _open(store_option: Path | None, create: bool) -> pyoxigraph.Store:
    from yibao.graph.store import StoreError, open_store, resolve_store_path

    try:
        return open_store(resolve_store_path(store_option), create=create)
    except StoreError as e:
        _fail(str(e))


# --- build ----------------------------------------------------------------------------------------

def default_report_dir() -> Path:
    """data/reports of the current directory if it exists, else the package's own."""
    local = Path("data") / "reports"
    if local.is_dir():
        return local
    from yibao import resources

    return resources.sample_reports_dir()


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files to build: folders become their *.txt files (sorted); order kept, duplicates dropped."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.glob("*.txt") if p.is_file())
            if not found:
                _fail(f"no .txt files in {path}", 2)
            files += found
        elif path.is_file():
            files.append(path)
        else:
            _fail(f"no such file or directory: {path}", 2)
    unique: dict[Path, Path] = {}
    for f in files:
        unique.setdefault(f.resolve(), f)
    return list(unique.values())


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

    @property
    def ok(self) -> bool:
        return bool(self.loaded) and self.conforms and not self.duplicates


def _kill_hook(committed: int) -> None:
    """Crash-safety test hook: SIGKILL this process after the N-th committed report."""
    target = os.environ.get(KILL_AFTER_ENV)
    if target and target.isdigit() and committed == int(target):
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


def _failure_reason(error: Exception, path: Path) -> str:
    """One line: a ReadError's own reason, else "<ExceptionType>: <message>"."""
    try:
        from yibao.ingest.reading import ReadError
    except ImportError:
        ReadError = ()  # noqa: N806
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    prefix = f"{path.name}: "
    if text.startswith(prefix):  # a ReadError already names the file
        text = text[len(prefix):]
    if isinstance(error, ReadError):
        return text
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _with_id(report_id: str, warning: str) -> str:
    return warning if warning.startswith(f"{report_id}:") else f"{report_id}: {warning}"


def _load_files(store: pyoxigraph.Store, files: list[Path], outcome: BuildOutcome, console: Console) -> None:
    """Process each file and replace its report graph; a failing file is reported and skipped."""
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from yibao.graph.store import replace_report
    from yibao.ingest import pipeline

    seen: dict[str, str] = {}
    columns = (TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("building", total=len(files))
        for path in files:
            progress.update(task, description=escape(path.name))
            try:
                report: Report = pipeline.process_file(path)
                if report.id in seen:
                    raise ValueError(f"report id {report.id!r} already built from {seen[report.id]}")
                triples = replace_report(store, report)
            except Exception as e:  # noqa: BLE001 — one broken file must not stop the build
                reason = _failure_reason(e, path)
                outcome.skipped.append((path.name, reason))
                console.print(f"[yellow]skipped {escape(path.name)}: {escape(reason)}[/]", highlight=False)
                if os.environ.get(DEBUG_ENV):
                    console.print_exception()
            else:
                seen[report.id] = path.name
                outcome.loaded.append((report.id, len(report.observations), triples))
                outcome.warnings += [_with_id(report.id, w) for w in report.warnings]
                _kill_hook(len(outcome.loaded))
            progress.advance(task)


def _validate(store: pyoxigraph.Store, outcome: BuildOutcome) -> None:
    """SHACL-validate the reports just built (merged with the ontology); look for duplicates.

    Duplicates are searched report by report: they are defined within one report, and the
    check's SPARQL join grows much faster than linearly with the size of the graph.
    """
    import rdflib
    from yibao.graph import namespaces as ns
    from yibao.graph.store import graph_to_rdflib

    try:
        from yibao.graph.validate import duplicate_observations, load_ontology_graph, validate
    except ImportError as e:
        outcome.notes.append(f"SHACL validation skipped: yibao.graph.validate is not available ({e})")
        return
    union = rdflib.Graph()
    for report_id, _, _ in outcome.loaded:
        graph = graph_to_rdflib(store, ns.report_graph(report_id))
        outcome.duplicates += duplicate_observations(graph)
        union += graph
    result = validate(union, load_ontology_graph())
    outcome.validated = True
    outcome.conforms = bool(result.conforms)
    outcome.violations = list(result.violations)


def _print_summary(store: pyoxigraph.Store, outcome: BuildOutcome, console: Console) -> None:
    from rich.table import Table
    from yibao.graph.store import count_observations, count_triples

    observations = sum(n for _, n, _ in outcome.loaded)
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    table.add_row("Reports loaded", f"{len(outcome.loaded)} of {outcome.files} file(s)")
    table.add_row("Observations", f"{observations:,} (store total {count_observations(store):,})")
    table.add_row("Triples", f"{count_triples(store):,} in the store ({outcome.ontology_triples:,} ontology)")
    table.add_row("Warnings", str(len(outcome.warnings)))
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
    store: Annotated[Path | None, typer.Option("--store", help=_STORE_HELP)] = None,
    shacl: Annotated[bool, typer.Option("--validate/--no-validate", help="Run SHACL validation after loading.")] = True,
    strict: Annotated[bool, typer.Option("--strict", help="Also fail if any file had to be skipped.")] = False,
) -> None:
    """Extract every report and (re)load it into the store, then validate and summarise."""
    from rich.console import Console
    from yibao.graph.store import StoreError, load_ontology

    files = expand_paths(list(paths) if paths else [default_report_dir()])
    try:
        import yibao.ingest.pipeline  # noqa: F401
    except ImportError as e:
        _fail(f"the extraction pipeline yibao.ingest.pipeline is not available: {e}")
    db = _open(store, create=True)
    err, out = Console(stderr=True), Console()
    outcome = BuildOutcome(files=len(files))
    try:
        outcome.ontology_triples = load_ontology(db)
    except StoreError as e:
        _fail(f"ontology: {e}")
    if not outcome.ontology_triples:
        outcome.notes.append("no ontology loaded (ontology/*.ttl not found): region names are unavailable")
    _load_files(db, files, outcome, err)
    db.flush()  # move the write-ahead log into tables now, so the next open need not replay it
    if shacl and outcome.loaded:
        _validate(db, outcome)
    _print_summary(db, outcome, out)
    if not outcome.loaded:
        _fail("no report was loaded")
    if not outcome.ok:
        _fail("the graph does not conform to the SHACL shapes" if not outcome.conforms
              else "duplicate observations found")
    if strict and outcome.skipped:
        _fail(f"{len(outcome.skipped)} file(s) skipped (--strict)")


# --- facts ----------------------------------------------------------------------------------------

def _resolve(db: pyoxigraph.Store, scheme: str, text: str | None) -> str | None:
    if text is None:
        return None
    from yibao.graph.facts import UnknownCode, resolve_code

    try:
        return resolve_code(db, scheme, text)
    except UnknownCode as e:
        _fail(str(e), 2)


TABLE_COLUMNS = ("report", "region", "year", "fund", "indicator", "basis", "statistic", "value", "quote")


def _print_table(rows: list[dict]) -> None:
    """A compact reading view (csv/json carry every column)."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from yibao.display import display

    if not rows:
        typer.secho("no facts match", fg="yellow", err=True)
        return
    console = Console(width=max(Console().width, 160))
    table = Table(header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False)
    for column in TABLE_COLUMNS:
        table.add_column(column, justify="right" if column == "value" else "left", no_wrap=True,
                         overflow="ellipsis", max_width={"quote": 40, "report": 22}.get(column),
                         min_width=len(column))
    for row in rows:
        cells = dict(row, value=display(row["value"], row["unit"]), quote=" ".join(row["quote"].split()))
        table.add_row(*(str(cells[c]) for c in TABLE_COLUMNS))
    console.print(table)
    typer.secho(f"{len(rows)} fact(s)", err=True)


def _write_csv(rows: list[dict]) -> None:
    import csv

    from yibao.model import FACT_COLUMNS

    writer = csv.DictWriter(sys.stdout, fieldnames=list(FACT_COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


@app.command()
def facts(
    store: Annotated[Path | None, typer.Option("--store", help=_STORE_HELP)] = None,
    region: Annotated[str | None, typer.Option("--region", help="Region code or name, e.g. 430200 or 株洲市.")] = None,
    year: Annotated[int | None, typer.Option("--year", help="Reference year, e.g. 2022.")] = None,
    fund: Annotated[str | None, typer.Option("--fund", help="Fund code or name, e.g. employee or 职工医保.")] = None,
    indicator: Annotated[str | None, typer.Option("--indicator", help="Indicator code or name, e.g. income.")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, csv or json.")] = "table",
) -> None:
    """The tidy fact table: one row per observation, with its source quote and offsets."""
    _check_choice(fmt, FACT_FORMATS, "format")
    db = _open(store, create=False)
    from yibao.graph.facts import fact_rows

    rows = fact_rows(
        db,
        region=_resolve(db, "region", region),
        year=year,
        fund=_resolve(db, "fund", fund),
        indicator=_resolve(db, "indicator", indicator),
    )
    if fmt == "table":
        _print_table(rows)
    elif fmt == "csv":
        _write_csv(rows)
    else:
        import json

        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))


# --- export ---------------------------------------------------------------------------------------

@app.command()
def export(
    store: Annotated[Path | None, typer.Option("--store", help=_STORE_HELP)] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="turtle (union of all graphs), trig, nquads or jsonld.")] = "turtle",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")] = None,
) -> None:
    """Serialise the whole store (ontology and reports)."""
    _check_choice(fmt, EXPORT_FORMATS, "format")
    if output is not None and output.is_dir():
        _fail(f"{output} is a directory", 2)
    db = _open(store, create=False)
    from yibao.graph.store import StoreError
    from yibao.graph.store import export as export_store

    try:
        export_store(db, fmt, output)
    except StoreError as e:
        _fail(str(e))


from yibao.cli import policies as _policies  # noqa: E402,F401  registers `yibao policies`
from yibao.cli import qa as _qa  # noqa: E402,F401  registers ask/sparql/queries

if __name__ == "__main__":
    app()
