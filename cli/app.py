"""The `yibao` Typer app and what every command shares: one-line errors, opening the store.

User mistakes end with one red line on stderr and a non-zero exit code (2 for usage errors
and unknown names, 1 otherwise), never a traceback. Heavy modules (pyoxigraph, rdflib,
pyshacl, rich) are imported inside the commands so that start-up stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from typer.core import TyperGroup

if TYPE_CHECKING:
    import pyoxigraph

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


def open_store(store_option: Path | None, create: bool) -> pyoxigraph.Store:
    from yibao.graph.store import StoreError, resolve_store_path
    from yibao.graph.store import open_store as open_path

    try:
        return open_path(resolve_store_path(store_option), create=create)
    except StoreError as e:
        fail(str(e))


def open_read_only(store_option: Path | None) -> pyoxigraph.Store:
    from yibao.graph.store import resolve_store_path

    path = resolve_store_path(store_option)
    if not (path / "CURRENT").is_file():
        fail(f"no store at {path}: run `yibao build` first, or pass --store / set YIBAO_STORE")
    import pyoxigraph as ox

    try:
        return ox.Store.read_only(str(path))
    except OSError as e:
        reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        fail(f"cannot open the store at {path}: {reason}")


def resolve(db: pyoxigraph.Store, scheme: str, text: str | None) -> str | None:
    if text is None:
        return None
    from yibao.graph.facts import UnknownCode, resolve_code

    try:
        return resolve_code(db, scheme, text)
    except UnknownCode as e:
        fail(str(e), 2)
