"""The `yibao` Typer app and what every command shares: one-line errors, opening the store.

User mistakes end with one red line on stderr and a non-zero exit code (2 for usage errors
and unknown names, 1 otherwise), never a traceback. Heavy modules (pyoxigraph, rdflib,
pyshacl, rich) are imported inside the commands so that start-up stays fast.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import typer
from typer.core import TyperGroup

if TYPE_CHECKING:
    import pyoxigraph
    from yibao.api import KnowledgeGraph

T = TypeVar("T")

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
            _flush_stdout()
        except NoArgsIsHelpError as e:
            typer.echo(e.format_message(), err=True)
            sys.exit(e.exit_code)
        except ClickException as e:
            red_line(e.format_message())
            sys.exit(e.exit_code)
        except typer.Abort:
            red_line("interrupted")
            sys.exit(130)
        except Exception as e:  # a SPARQL server problem (yibao.remote) is one line, not a traceback
            if type(e).__name__ != "RemoteError":
                raise
            red_line(str(e))
            sys.exit(1)
        sys.exit(rv if isinstance(rv, int) else 0)

    def invoke(self, ctx: Any) -> Any:
        try:
            from typer._click.exceptions import ClickException
        except ImportError:
            from click.exceptions import ClickException
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, ClickException, SystemExit):
            raise
        except BaseException as e:  # noqa: BLE001 — the last line of defence: one line, never a traceback
            raise typer.Exit(_last_resort(e)) from None


def _flush_stdout() -> None:
    """Flush stdout now, so that a closed pipe or a full device is seen here (and not at exit)."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_stdout()
        sys.exit(0)
    except OSError as e:
        _quiet_stdout()
        red_line(f"cannot write the output: {e.strerror or e}")
        sys.exit(1)


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's final flush does not complain again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _last_resort(error: BaseException) -> int:
    """What an error no command handled becomes: one line and an exit code."""
    import errno
    import os

    if isinstance(error, BrokenPipeError):  # `yibao facts | head -1`: stop quietly, like other Unix tools
        _quiet_stdout()
        return 0
    if isinstance(error, KeyboardInterrupt):
        red_line("interrupted")
        return 130
    if isinstance(error, MemoryError):
        red_line("out of memory")
        return 1
    from yibao.graph.store import StoreError

    if isinstance(error, StoreError):
        red_line(str(error))
        return 1
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        _quiet_stdout()
        red_line(f"cannot write: {error.strerror} (the output device or disk is full)")
        return 1
    if os.environ.get("YIBAO_DEBUG"):
        import traceback

        traceback.print_exception(type(error), error, error.__traceback__)
    if isinstance(error, (OSError, RuntimeError)):  # the storage engine's errors (pyoxigraph)
        red_line(f"store or system error: {type(error).__name__}: {error}; if the store is damaged, run "
                 "`yibao doctor --repair`")
        return 1
    red_line(f"internal error: {type(error).__name__}: {error} (set YIBAO_DEBUG=1 for details)")
    return 1


app = typer.Typer(
    cls=_OneLineErrors,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Knowledge graph of Chinese medical-insurance (医保) fund reports.",
)

STORE_HELP = "Store directory (default: $YIBAO_STORE, else .yibao/store)."


MAX_MESSAGE = 300  # characters of one error line; the user's long input is cut in the middle


def shorten(text: str, limit: int = 120) -> str:
    """Long user input for a message: its start and end with "…" between."""
    text = str(text)
    if len(text) <= limit:
        return text
    keep = max(limit - 1, 2) // 2
    return f"{text[:keep]}…{text[-keep:]}"


def red_line(message: str) -> None:
    first = message.strip().splitlines()[0] if message.strip() else "error"
    typer.secho(f"error: {shorten(first, MAX_MESSAGE)}", fg="red", err=True)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# A signed plain number, optionally followed by a unit of letters, CJK characters or % ("-4244.9万元",
# "+3.05%", "-1.2e3"): data a spreadsheet reads as a number or as text, never as a formula.
_SIGNED_NUMBER = re.compile(r"[+-][0-9][0-9,]*(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?(?:[A-Za-z%\u3400-\u9fff\uf900-\ufaff]+)?")


def safe_cell(value: object) -> object:
    """A CSV cell a spreadsheet will not run: text starting with = + - @ tab or CR gets a leading '
    (OWASP's CSV injection advice), except a signed plain number with at most a unit after it
    ("-4244.9", "-4244.9万元", "-3.05%"), which stays usable as a figure.
    """
    if not isinstance(value, str) or not value.startswith(FORMULA_START):
        return value
    if _SIGNED_NUMBER.fullmatch(value):
        return value
    return "'" + value


def csv_writer(stream: Any = None) -> Any:
    """A csv.writer on stdout (or ``stream``) whose cells are passed through ``safe_cell``."""
    import csv

    writer = csv.writer(stream or sys.stdout, lineterminator="\n")

    class _Safe:
        def writerow(self, row: Any) -> Any:
            return writer.writerow([safe_cell(v) for v in row])

        def writerows(self, rows: Any) -> None:
            for row in rows:
                self.writerow(row)

    return _Safe()


def write_csv_dicts(rows: Any, columns: Any, flat: Callable[[Any], Any] | None = None) -> None:
    """Rows (dicts) as CSV on stdout with a header, cells neutralised (``safe_cell``)."""
    writer = csv_writer()
    writer.writerow(list(columns))
    for row in rows:
        writer.writerow([flat(row.get(c)) if flat else row.get(c, "") for c in columns])


def print_table(rows: Any, columns: Any, count: str, *, max_widths: dict[str, int] | None = None,
                wrap: bool = True, width: int = 160) -> None:
    """Rows (sequences of cell texts) as a Rich table on stdout, then ``count`` on stderr; long cells
    fold (``wrap``) or end in an ellipsis."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    table = Table(header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False)
    for column in columns:
        table.add_column(column, overflow="fold" if wrap else "ellipsis", no_wrap=not wrap,
                         max_width=(max_widths or {}).get(column))
    for row in rows:
        table.add_row(*row)
    Console(width=max(Console().width, width)).print(table)
    typer.secho(count, err=True)


def fail(message: str, code: int = 1) -> NoReturn:
    red_line(message)
    raise typer.Exit(code)


def check_choice(value: str, choices: tuple[str, ...], what: str) -> str:
    if value not in choices:
        fail(f"unknown {what} {value!r}; choose one of {', '.join(choices)}", 2)
    return value


def open_read_only(store_option: Path | None) -> pyoxigraph.Store:
    from yibao.graph.store import StoreError, open_store_read_only, resolve_store_path

    try:
        return open_store_read_only(resolve_store_path(store_option))
    except StoreError as e:
        fail(str(e))


def open_graph(store_option: Path | None, read_only: bool = False, endpoint: str | None = None) -> KnowledgeGraph:
    """The API object for the --store option (or a SPARQL endpoint: --endpoint, global or per command,
    or $YIBAO_ENDPOINT); a store that cannot be opened is one red line."""
    from yibao.api import KnowledgeGraph
    from yibao.cli.remote import endpoint_for
    from yibao.graph.store import StoreError

    remote = endpoint_for(endpoint, store_option) if read_only else None
    if remote is not None:
        return KnowledgeGraph(store_option, read_only=True, endpoint=remote)
    graph = KnowledgeGraph(store_option, read_only=read_only)
    if read_only:
        refresh_outdated_reports(graph)
    try:
        graph.store  # noqa: B018 — open now, so that a missing store is reported here
    except StoreError as e:
        fail(str(e))
    return graph


def refresh_outdated_reports(graph: KnowledgeGraph) -> None:
    """Before a query: read again the reports an older extractor made (``KnowledgeGraph.refresh``),
    saying so on stderr; a store in use or files that moved leave them as they are (answers note it)."""
    from yibao.graph.store import is_store
    from yibao.ingest.refresh import refresh_limit

    limit = refresh_limit()
    if not limit or not is_store(graph.path):
        return

    def started(to_read: int, stale: int) -> None:
        typer.secho(f"正在用当前版本重新读取 {to_read} 份由旧版本读取的报告… / re-reading {to_read} report(s) "
                    f"read by an older version of the extractor (YIBAO_REFRESH=0 skips this)",
                    err=True, fg=typer.colors.YELLOW)

    outcome = graph.refresh(on_start=started, limit=limit)
    if outcome.refreshed:
        typer.secho(f"已重新读取 {len(outcome.refreshed)} 份报告 / {len(outcome.refreshed)} report(s) read again",
                    err=True, fg=typer.colors.YELLOW)
    if outcome.reason and outcome.reason != "files moved":
        typer.secho(f"未能重新读取 / not read again: {outcome.reason}", err=True, fg=typer.colors.YELLOW)


def call(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call an API method; an unknown or ambiguous name ends in one red line (exit 2)."""
    from yibao.graph.facts import UnknownCode

    try:
        return function(*args, **kwargs)
    except UnknownCode as e:
        fail(str(e), 2)
