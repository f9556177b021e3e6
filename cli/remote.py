"""A shared SPARQL server: the global ``--endpoint`` option, `yibao push` and `yibao serve`.

``yibao --endpoint URL ask …`` (or ``yibao ask --endpoint URL …``, or ``YIBAO_ENDPOINT=URL``) runs
the read commands (ask, sparql, queries, facts, policies, viz) on a SPARQL 1.1 endpoint instead of
the embedded store. Credentials: ``--user``/``--password``/``--auth basic|digest`` or
``YIBAO_ENDPOINT_USER``/``YIBAO_ENDPOINT_PASSWORD``/``YIBAO_ENDPOINT_AUTH``; ``--timeout`` or
``YIBAO_ENDPOINT_TIMEOUT`` (seconds). Every server problem is one red line (exit 1).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from yibao.cli.app import STORE_HELP, app, fail

ENDPOINT_HELP = "SPARQL endpoint to query instead of the store (default: $YIBAO_ENDPOINT), e.g. http://127.0.0.1:7878/query."
EndpointOption = Annotated[str | None, typer.Option("--endpoint", help=ENDPOINT_HELP, show_default=False)]

# the global options of this invocation (set by the app callback)
_GLOBAL: dict[str, Any] = {}


@app.callback()
def main(
    endpoint: Annotated[str | None, typer.Option("--endpoint", help=ENDPOINT_HELP, show_default=False)] = None,
    user: Annotated[str | None, typer.Option("--user", help="User for the endpoint (default: $YIBAO_ENDPOINT_USER).")] = None,
    password: Annotated[str | None, typer.Option("--password", help="Password (default: $YIBAO_ENDPOINT_PASSWORD).")] = None,
    auth: Annotated[str | None, typer.Option("--auth", help="HTTP authentication: basic or digest (default: $YIBAO_ENDPOINT_AUTH, else basic).")] = None,
    timeout: Annotated[float | None, typer.Option("--timeout", help="Seconds to wait for the server (default: $YIBAO_ENDPOINT_TIMEOUT, else 60).")] = None,
) -> None:
    """Knowledge graph of Chinese medical-insurance (医保) fund reports."""
    _GLOBAL.clear()
    _GLOBAL.update(endpoint=endpoint, user=user, password=password, auth=auth, timeout=timeout)


def endpoint_for(option: str | None, store_option: Path | None) -> Any:
    """The endpoint a read command uses: its --endpoint, the global one, $YIBAO_ENDPOINT unless
    --store was given; None for the embedded store. Bad settings end in one red line."""
    from yibao.remote.errors import ENDPOINT_ENV, RemoteError

    url = option or _GLOBAL.get("endpoint")
    if url is None and (store_option is not None or not os.environ.get(ENDPOINT_ENV)):
        return None  # the embedded store: the HTTP client is not even imported
    from yibao.remote.endpoint import Endpoint

    try:
        return Endpoint.from_options(url, user=_GLOBAL.get("user"), password=_GLOBAL.get("password"),
                                     auth=_GLOBAL.get("auth"), timeout=_GLOBAL.get("timeout"))
    except RemoteError as e:
        fail(str(e), 2)


# --- push -------------------------------------------------------------------------------------------

@app.command()
def push(
    endpoint: Annotated[str | None, typer.Option("--endpoint", help="SPARQL query endpoint of the server (default: $YIBAO_ENDPOINT).")] = None,
    update_endpoint: Annotated[str | None, typer.Option("--update-endpoint", help="SPARQL Update endpoint (default: $YIBAO_UPDATE_ENDPOINT, else --endpoint).")] = None,
    graph_store: Annotated[str | None, typer.Option("--graph-store", help="Graph Store Protocol URL (default: $YIBAO_GRAPH_STORE; found by itself next to Oxigraph's /query).")] = None,
    store: Annotated[Path | None, typer.Option("--store", help=STORE_HELP)] = None,
    method: Annotated[str, typer.Option("--method", help="auto (Graph Store Protocol when there is one), graph-store or update.")] = "auto",
    report: Annotated[list[str] | None, typer.Option("--report", help="Push only this report id (repeatable); 'ontology' for the ontology graph.")] = None,
    batch: Annotated[int, typer.Option("--batch", min=1, help="Triples per INSERT DATA request (SPARQL Update).")] = 1000,
    force: Annotated[bool, typer.Option("--force", help="Send every graph, even those the server already holds unchanged.")] = False,
    user: Annotated[str | None, typer.Option("--user", help="User (default: $YIBAO_ENDPOINT_USER).")] = None,
    password: Annotated[str | None, typer.Option("--password", help="Password (default: $YIBAO_ENDPOINT_PASSWORD).")] = None,
    auth: Annotated[str | None, typer.Option("--auth", help="basic or digest (default: $YIBAO_ENDPOINT_AUTH, else basic).")] = None,
    timeout: Annotated[float | None, typer.Option("--timeout", help="Seconds per request (default: $YIBAO_ENDPOINT_TIMEOUT, else 60).")] = None,
) -> None:
    """Copy the ontology graph and every report graph to a SPARQL server, replacing them there."""
    from yibao.cli.app import check_choice, open_read_only
    from yibao.remote import RemoteError
    from yibao.remote.endpoint import Endpoint, RemoteStore
    from yibao.remote.push import push as push_graphs

    check_choice(method, ("auto", "graph-store", "update"), "method")
    g = _GLOBAL
    try:
        target = Endpoint.from_options(endpoint or g.get("endpoint"), update_url=update_endpoint,
                                       graph_store_url=graph_store, user=user or g.get("user"),
                                       password=password if password is not None else g.get("password"),
                                       auth=auth or g.get("auth"),
                                       timeout=timeout if timeout is not None else g.get("timeout"))
    except RemoteError as e:
        fail(str(e), 2)
    if method == "graph-store" and not target.graph_store_url and not target.query_url.endswith("/query"):
        fail("--method graph-store needs --graph-store URL", 2)
    db = open_read_only(store)

    def progress(name: str, triples: int, error: str | None) -> None:
        if error:
            typer.secho(f"  ✗ {name}: {error}", fg="red", err=True)
        else:
            typer.echo(f"  ✓ {name} ({triples:,} triples)", err=True)

    outcome = push_graphs(db, RemoteStore(target), only=report or None, batch=batch, force=force,
                          use_graph_store={"auto": None, "graph-store": True, "update": False}[method],
                          on_graph=progress)
    how = "Graph Store Protocol" if outcome.method == "graph-store" else "SPARQL Update"
    typer.echo(f"pushed {len(outcome.pushed)} of {len(outcome.pushed) + len(outcome.failed)} graph(s), "
               f"{outcome.triples:,} triples, to {target.query_url} by {how}"
               + (f"; {len(outcome.unchanged)} unchanged on the server, not sent (--force sends them)"
                  if outcome.unchanged else ""))
    if outcome.unrecorded:
        typer.secho(f"warning: could not record what was pushed ({outcome.unrecorded}); the next push sends "
                    "every graph again (give --update-endpoint)", fg="yellow", err=True)
    if outcome.server_triples is not None:
        typer.echo(f"the server's yibao graphs hold {outcome.server_triples:,} triples")
    if outcome.failed:
        missing = outcome.missing_reports
        names = ", ".join(missing) + (" and the ontology" if "ontology" in outcome.failed else "") if missing \
            else "the ontology"
        fail(f"{len(outcome.failed)} graph(s) did not arrive: {names} — re-run `yibao push` to complete")


# --- serve ------------------------------------------------------------------------------------------

@app.command()
def serve(
    store: Annotated[Path | None, typer.Option("--store", help=STORE_HELP)] = None,
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port.")] = 7878,
    bind: Annotated[str, typer.Option("--bind", help="Address to listen on (127.0.0.1: this machine only).")] = "127.0.0.1",
) -> None:
    """Serve the store read-only over HTTP as a SPARQL endpoint (Oxigraph server) until Ctrl-C."""
    from yibao.graph.store import resolve_store_path
    from yibao.remote import RemoteError
    from yibao.remote.serve import serve as run_server

    path = resolve_store_path(store)
    try:
        run_server(path, port=port, bind=bind, announce=lambda line: typer.echo(line, err=True))
    except RemoteError as e:
        fail(str(e))
    sys.exit(0)
