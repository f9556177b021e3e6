"""`yibao policies`: the reforms and programmes each region runs, with their sources."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from yibao.cli.app import STORE_HELP, app, call, check_choice, open_graph, print_table
from yibao.cli.remote import EndpointOption

POLICY_FORMATS = ("table", "csv", "json")
_TABLE = ("report", "policy", "type", "regions", "status", "start", "parameters", "quote")


@app.command()
def policies(
    store: Annotated[Path | None, typer.Option("--store", help=STORE_HELP)] = None,
    endpoint: EndpointOption = None,
    region: Annotated[str | None, typer.Option("--region", help="Region code or name, e.g. 株洲 or 370200.")] = None,
    policy_type: Annotated[str | None, typer.Option("--type", help="Policy type, e.g. drg, 带量采购, 门诊共济.")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, csv or json.")] = "table",
) -> None:
    """Policies with their regions, status, start, key parameters and source quote."""
    check_choice(fmt, POLICY_FORMATS, "format")
    graph = open_graph(store, read_only=True, endpoint=endpoint)
    from yibao.graph.policy_table import POLICY_COLUMNS

    rows = call(graph.policy_rows, region=region, type=policy_type)
    if fmt == "csv":
        from yibao.cli.app import write_csv_dicts

        write_csv_dicts(rows, POLICY_COLUMNS)
    elif fmt == "json":
        import json

        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        _print(rows)


def _print(rows: list[dict]) -> None:
    if not rows:
        typer.secho("no policies match", fg="yellow", err=True)
        return
    print_table(([" ".join(str(row[c]).split()) for c in _TABLE] for row in rows), _TABLE,
                f"{len(rows)} polic{'y' if len(rows) == 1 else 'ies'}",
                max_widths={"quote": 40, "parameters": 48, "report": 18}, width=180)
