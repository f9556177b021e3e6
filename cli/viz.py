"""`yibao viz`: the knowledge graph as one self-contained HTML page (pyvis), for a browser, offline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from yibao.cli.app import STORE_HELP, app, call, fail, open_graph
from yibao.cli.remote import EndpointOption


@app.command()
def viz(
    store: Annotated[Path | None, typer.Option("--store", help=STORE_HELP)] = None,
    endpoint: EndpointOption = None,
    region: Annotated[list[str] | None, typer.Option("--region", help="Region code or name (repeatable), e.g. 株洲.")] = None,
    year: Annotated[int | None, typer.Option("--year", help="Only reports with figures of this year.")] = None,
    fund: Annotated[str | None, typer.Option("--fund", help="Only this fund, e.g. resident or 职工医保.")] = None,
    policy: Annotated[str | None, typer.Option("--policy", help="Policy type (drg, 带量采购) or a policy / alliance name (五市联盟).")] = None,
    question: Annotated[str | None, typer.Option("--question", "-q", help="Draw the subgraph answering this `yibao ask` question.")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="HTML file to write.")] = Path("graph.html"),
    open_browser: Annotated[bool, typer.Option("--open", help="Open the page in the default browser.")] = False,
    max_nodes: Annotated[int | None, typer.Option("--max-nodes", min=1, help="Refuse to draw more nodes than this (default 400).")] = None,
) -> None:
    """Draw the graph (regions, funds, policies, alliances, reports) as one HTML page that works offline."""
    if out.suffix.lower() not in (".html", ".htm"):
        fail(f"--out must name an .html file, not {str(out)!r}", 2)
    if not out.parent.is_dir():
        fail(f"cannot write {out}: folder {out.parent} does not exist")
    graph = open_graph(store, read_only=True, endpoint=endpoint)
    from yibao.qa.interpret import QAError
    from yibao.viz import VizError

    try:
        outcome = call(graph.viz, out, region=region or None, year=year, fund=fund, policy=policy,
                       question=question, max_nodes=max_nodes)
    except VizError as e:
        fail(str(e))
    except QAError as e:
        fail(e.message, e.exit_code)
    except OSError as e:
        fail(f"cannot write {out}: {e.strerror or e}")
    kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(outcome.counts.items()))
    typer.echo(f"wrote {outcome.path} ({outcome.nodes} nodes: {kinds}; {outcome.edges} edges)")
    if open_browser:
        import webbrowser

        webbrowser.open(outcome.path.resolve().as_uri())
