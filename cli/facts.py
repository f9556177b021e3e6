"""`yibao facts` (the tidy fact table) and `yibao export` (the whole graph as RDF)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from yibao.cli.app import STORE_HELP, app, call, check_choice, fail, open_graph, print_table
from yibao.cli.remote import EndpointOption

FACT_FORMATS = ("table", "csv", "json")
EXPORT_FORMATS = ("turtle", "trig", "nquads", "jsonld")  # = yibao.graph.store.EXPORT_FORMATS, kept here to stay lean

TABLE_COLUMNS = ("report", "region", "year", "fund", "indicator", "basis", "statistic", "value", "quote")


APPROXIMATION_MARK = {"approximate": "≈", "at_least": "≥", "at_most": "≤"}
UNMAPPED_TABLE = ("report", "surface", "reason", "labels", "quote")


def _print_unmapped(rows: list[dict]) -> None:
    if not rows:
        typer.secho("no unmapped figures", fg="yellow", err=True)
        return
    print_table(([" ".join(str(row[c]).split()) for c in UNMAPPED_TABLE] for row in rows), UNMAPPED_TABLE,
                f"{len(rows)} unmapped figure(s)", max_widths={"quote": 50, "report": 22}, wrap=False)


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
        value = APPROXIMATION_MARK.get(row.get("approximation", ""), "") + display(row["value"], row["unit"])
        cells = dict(row, value=value, quote=" ".join(row["quote"].split()), region=row["region"] or "(not named)")
        table.add_row(*(str(cells[c]) for c in TABLE_COLUMNS))
    console.print(table)
    typer.secho(f"{len(rows)} fact(s)", err=True)


def _write_csv(rows: list[dict], columns: tuple[str, ...]) -> None:
    from yibao.cli.app import write_csv_dicts

    write_csv_dicts(rows, columns)


def _first_then_rest(rows: Iterator[dict]) -> Iterator[dict]:
    """``rows`` with its first row read now, so an unknown name fails before any output is written."""
    import itertools

    first = next(rows, None)
    return iter(()) if first is None else itertools.chain([first], rows)


@app.command()
def facts(
    store: Annotated[Path | None, typer.Option("--store", help=STORE_HELP)] = None,
    endpoint: EndpointOption = None,
    region: Annotated[str | None, typer.Option("--region", help="Region code or name, e.g. 430200 or 株洲市.")] = None,
    year: Annotated[int | None, typer.Option("--year", help="Reference year, e.g. 2022.")] = None,
    fund: Annotated[str | None, typer.Option("--fund", help="Fund code or name, e.g. employee or 职工医保.")] = None,
    indicator: Annotated[str | None, typer.Option("--indicator", help="Indicator code or name, e.g. income.")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, csv or json.")] = "table",
    unmapped: Annotated[bool, typer.Option("--unmapped", help="List the figures that became no fact, and why.")] = False,
) -> None:
    """The tidy fact table: one row per observation, with its source quote and offsets.

    With --unmapped: every number of the reports that is neither a fact nor a date, clause number or
    document number, with its quote, the label words next to it and why it was not mapped."""
    check_choice(fmt, FACT_FORMATS, "format")
    graph = open_graph(store, read_only=True, endpoint=endpoint)
    if unmapped:
        from yibao.graph.facts import UNMAPPED_COLUMNS

        rows = graph.unmapped_rows()
        columns = UNMAPPED_COLUMNS
    else:
        from yibao.model import FACT_COLUMNS

        if fmt == "csv":  # streamed: one report's rows in memory at a time
            rows = call(lambda: _first_then_rest(graph.iter_fact_rows(region=region, year=year, fund=fund,
                                                                        indicator=indicator)))
        else:
            rows = call(graph.fact_rows, region=region, year=year, fund=fund, indicator=indicator)
        columns = FACT_COLUMNS
    if fmt == "table":
        _print_unmapped(rows) if unmapped else _print_table(rows)
    elif fmt == "csv":
        _write_csv(rows, columns)
    else:
        import json

        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))


# --- export ---------------------------------------------------------------------------------------

@app.command()
def export(
    store: Annotated[Path | None, typer.Option("--store", help=STORE_HELP)] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="turtle (union of all graphs), trig, nquads or jsonld.")] = "turtle",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")] = None,
) -> None:
    """Serialise the whole store (ontology and reports)."""
    check_choice(fmt, EXPORT_FORMATS, "format")
    if output is not None and output.is_dir():
        fail(f"{output} is a directory", 2)
    graph = open_graph(store, read_only=True, endpoint=None)
    from yibao.graph.store import StoreError

    try:
        graph.export(fmt, output)
    except StoreError as e:
        fail(str(e))
