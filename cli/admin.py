"""`yibao reports`, `yibao remove`, `yibao doctor`, `yibao compact` and `yibao index`: what is in the store, taking
reports out, checking (and repairing) a store, and rewriting it smaller."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from yibao.cli.app import (
    STORE_HELP,
    app,
    check_choice,
    fail,
    open_read_only,
    print_table,
    shorten,
    write_csv_dicts,
)

REPORT_COLUMNS = ("report", "file", "source", "sha256", "loaded_at", "observations", "warnings")


def _report_rows(store_option: Path | None) -> list[dict]:
    from yibao.graph import namespaces as ns
    from yibao.graph.registry import read_registry
    from yibao.graph.store import resolve_store_path

    db = open_read_only(store_option)
    records = read_registry(resolve_store_path(store_option))
    query = f"""SELECT ?g ?file ?sha (COUNT(DISTINCT ?o) AS ?n) WHERE {{ GRAPH ?g {{
        ?r a <{ns.YB}Report> . OPTIONAL {{ ?r <{ns.YB}sourceFile> ?file }} OPTIONAL {{ ?r <{ns.YB}sha256> ?sha }}
        OPTIONAL {{ ?o a <{ns.QB}Observation> }} }} FILTER(STRSTARTS(STR(?g), "{ns.report_graph("")}")) }}
        GROUP BY ?g ?file ?sha"""
    rows = []
    for s in db.query(query):
        rid = ns.decode_id(s["g"].value[len(ns.report_graph("")):])
        record = records.get(rid)
        sha = s["sha"].value if s["sha"] else ""
        rows.append({"report": rid, "file": s["file"].value if s["file"] else "",
                     "source": record.source if record and record.sha256 == sha else "",
                     "sha256": sha, "loaded_at": record.loaded_at if record else "",
                     "observations": int(s["n"].value), "warnings": len(record.warnings) if record else ""})
    return sorted(rows, key=lambda r: r["report"])


@app.command()
def reports(
    store: Annotated[Path | None, typer.Option("--store", help=STORE_HELP)] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, csv or json.")] = "table",
) -> None:
    """List the reports in the store: file, source path, sha256, load time, observations, warnings."""
    check_choice(fmt, ("table", "csv", "json"), "format")
    rows = _report_rows(store)
    if fmt == "csv":
        write_csv_dicts(rows, REPORT_COLUMNS)
    elif fmt == "json":
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif not rows:
        typer.secho("no reports in the store", fg="yellow", err=True)
    else:
        print_table(([str(row[c])[:12] if c == "sha256" else str(row[c]) for c in REPORT_COLUMNS] for row in rows),
                    REPORT_COLUMNS, f"{len(rows)} report(s)", max_widths={"source": 50})


@app.command()
def remove(
    report: Annotated[list[str], typer.Argument(help="Report ids (see `yibao reports`).")],
    store: Annotated[Path | None, typer.Option("--store", help=STORE_HELP)] = None,
) -> None:
    """Delete reports from the store (their named graphs and records)."""
    from yibao.graph.store import StoreError, open_store, report_ids, resolve_store_path
    from yibao.ingest.build import remove_reports

    path = resolve_store_path(store)
    try:
        db = open_store(path, create=False)
    except StoreError as e:
        fail(str(e))
    known = set(report_ids(db))
    unknown = [r for r in report if r not in known]
    if unknown:
        fail(f"no report {', '.join(repr(shorten(u, 80)) for u in unknown[:5])} in the store at {path}; "
             "see `yibao reports`", 2)
    remove_reports(db, list(report), path)
    db.flush()
    typer.echo(f"removed {len(report)} report(s): {', '.join(report)}")


@app.command()
def doctor(
    store: Annotated[Path | None, typer.Option("--store", help=STORE_HELP)] = None,
    repair: Annotated[bool, typer.Option("--repair", help="Remove reports that break the shapes; rebuild an "
                                                           "unreadable store from its recorded source files.")
                      ] = False,
) -> None:
    """Check a store: open it, read every quad, count graphs, run the SHACL and duplicate checks."""
    from yibao.graph.store import StoreError, resolve_store_path
    from yibao.ingest import doctor as doc

    path = resolve_store_path(store)
    if not path.exists():
        fail(f"no store at {path}", 2)
    found = doc.diagnose(path)
    if found.readable:
        typer.echo(f"store {path}: readable, {found.quads:,} quads in {found.graphs} graph(s), "
                   f"{len(found.reports)} report(s)")
        for rid, why in sorted(found.bad.items()):
            typer.secho(f"  {rid}: {why}", fg="red")
    else:
        typer.secho(f"store {path}: cannot be read: {found.problem}", fg="red")
    if found.healthy:
        typer.secho("SHACL conforms, no duplicate observations: nothing to repair", fg="green")
        return
    if not repair:
        fail("the store has problems; run `yibao doctor --repair` to fix them")
    try:
        doc.repair(found)
    except StoreError as e:
        fail(str(e))
    for action in found.actions:
        typer.echo(action)
    for lost in found.lost:
        typer.secho(f"  not restored: {lost}", fg="yellow")
    after = doc.diagnose(path, shacl=False)
    if not after.readable:
        fail(f"the store is still unreadable after the repair: {after.problem}")
    typer.secho(f"repaired: {len(after.reports)} report(s) in the store", fg="green")
    if found.lost:
        raise typer.Exit(1)


@app.command()
def compact(
    store: Annotated[Path | None, typer.Option("--store", help=STORE_HELP)] = None,
) -> None:
    """Rewrite the store into fresh compressed tables (a store grown in batches of up to a few thousand
    reports: about half the disk); a copy that saves less than a tenth is dropped."""
    from yibao.graph.compact import compact as compact_store
    from yibao.graph.store import StoreError, resolve_store_path

    path = resolve_store_path(store)
    try:
        done = compact_store(path)
    except StoreError as e:
        fail(str(e))
    if not done.replaced:
        typer.echo(f"{path} is already compact ({done.quads:,} quads, {done.bytes_before / 1e6:,.1f} MB; a fresh "
                   f"copy saves less than a tenth); left as it was ({done.seconds:.1f} s)")
        return
    typer.echo(f"compacted {path}: {done.quads:,} quads, {done.bytes_before / 1e6:,.1f} MB -> "
               f"{done.bytes_after / 1e6:,.1f} MB in {done.seconds:.1f} s")


@app.command()
def index(
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Make the fact index anew from the store (by SPARQL).")
                       ] = False,
    store: Annotated[Path | None, typer.Option("--store", help=STORE_HELP)] = None,
) -> None:
    """The fact index (yibao-facts.duckdb): whether the canned queries can use it; --rebuild makes it
    anew from the store (a store built before the index existed, after `doctor --repair`, …)."""
    from yibao.graph.store import StoreError, open_store_read_only, resolve_store_path
    from yibao.index import index_path
    from yibao.index.fresh import open_current

    path = resolve_store_path(store)
    if rebuild:
        from yibao.index.rows import Inexact
        from yibao.index.sync import rebuild as rebuild_index

        try:
            db = open_store_read_only(path)
            rows = rebuild_index(path, db)
        except StoreError as e:
            fail(str(e))
        except Inexact as e:
            fail(f"the index cannot hold the store's figures exactly ({e}); queries use SPARQL")
        except Exception as e:  # noqa: BLE001 — duckdb: locked by a build, no space, …
            fail(f"cannot write {index_path(path)}: {str(e).strip().splitlines()[0] if str(e).strip() else e}")
        typer.echo(f"rebuilt {index_path(path)}: {rows:,} fact rows")
        return
    found = open_current(path)
    if found is None:
        state = "missing" if not index_path(path).is_file() else "not current (or in use by a build)"
        typer.echo(f"{index_path(path)}: {state}; the canned queries use SPARQL "
                   f"(`yibao index --rebuild --store {path}` makes it anew)")
        raise typer.Exit(1)
    rows = found.con.execute("SELECT count(*) FROM facts").fetchone()[0]
    found.close()
    typer.echo(f"{index_path(path)}: current, {rows:,} fact rows")
