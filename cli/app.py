"""The `yibao` Typer app and what every command shares: one-line errors, opening the store.

User mistakes end with one red line on stderr and a non-zero exit code (2 for usage errors
and unknown names, 1 otherwise), never a traceback. Heavy modules (pyoxigraph, rdflib,
pyshacl, rich) are imported inside the commands so that start-up stays fast.
"""

from __future__ import annotations

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
        except NoArgsIsHelpError as e:
            typer.echo(e.format_message(), err=True)
            sys.exit(e.exit_code)
        except ClickException as e:
            red_line(e.format_message())
            sys.exit(e.exit_code)
        except typer.Abort:
            red_line("aborted")
            sys.exit(1)
        except Exception as e:  # a SPARQL server problem (yibao.remote) is one line, not a traceback
            if type(e).__name__ != "RemoteError":
                raise
            red_line(str(e))
            sys.exit(1)
        sys.exit(rv if isinstance(rv, int) else 0)


app = typer.Typer(
    cls=_OneLineErrors,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Knowledge graph of Chinese medical-insurance (医保) fund reports.",
)

STORE_HELP = "Store directory (default: $YIBAO_STORE, else .yibao/store)."


def red_line(message: str) -> None:
    first = message.strip().splitlines()[0] if message.strip() else "error"
    typer.secho(f"error: {first}", fg="red", err=True)


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
    try:
        graph.store  # noqa: B018 — open now, so that a missing store is reported here
    except StoreError as e:
        fail(str(e))
    return graph


def call(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call an API method; an unknown or ambiguous name ends in one red line (exit 2)."""
    from yibao.graph.facts import UnknownCode

    try:
        return function(*args, **kwargs)
    except UnknownCode as e:
        fail(str(e), 2)
