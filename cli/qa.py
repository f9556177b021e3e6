"""`yibao ask`, `yibao sparql` and `yibao queries`: questions, free-form read-only SPARQL and the
canned query library.

The store is opened read-only (several questions may run at once; nothing can be written).
Heavy modules (pyoxigraph, rich, yibao.qa.interpret) are imported inside the commands, so that importing the
CLI stays fast.
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from yibao.cli.app import STORE_HELP, app, check_choice, fail, open_graph, print_table, red_line
from yibao.cli.remote import EndpointOption

if TYPE_CHECKING:
    from yibao.qa.interpret import Answer

ASK_FORMATS = ("table", "csv", "json")
LANGS = ("auto", "zh", "en")


# --- ask --------------------------------------------------------------------------------------------

def _print_examples(lang: str) -> None:
    from yibao.qa.interpret import examples

    typer.echo("可以这样问：" if lang == "zh" else "Questions I can answer, for example:", err=True)
    for example in examples(lang):
        typer.echo(f"  {example}", err=True)


def _print_answer_table(answer: Answer) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from yibao.qa.interpret import cell

    console = Console(width=max(Console().width, 200))
    table = Table(header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False)
    widths = {"quote": 48, "title": 30, "region": 18, "policy_label": 18, "alliance": 14}
    for column in answer.columns:
        table.add_column(answer.heading(column), justify="right" if column in ("display", "due", "received", "rank")
                         else "left", overflow="fold", max_width=widths.get(column), no_wrap=column == "report")
    for row in answer.rows:
        table.add_row(*(cell(answer, row, column) for column in answer.columns), end_section=False)
    console.print(table)


def _print_explain(answer: Answer, err: bool) -> None:
    lines = [f"template: {answer.template} — {answer.description}",
             "parameters: " + json.dumps(answer.parameters, ensure_ascii=False),
             "sparql:", answer.sparql]
    typer.echo("\n".join(lines) + "\n", err=err)


def _flat(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else value


def _write_answer_csv(answer: Answer) -> None:
    from yibao.cli.app import write_csv_dicts

    write_csv_dicts(answer.rows, answer.keys, _flat)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="A question in Chinese or English, e.g. 哪些地区基金可支付月数低于6个月？")],
    store: Annotated[Path | None, typer.Option("--store", help=STORE_HELP)] = None,
    endpoint: EndpointOption = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, csv or json.")] = "table",
    explain: Annotated[bool, typer.Option("--explain", help="Also print the template, its parameters and the SPARQL.")] = False,
    lang: Annotated[str, typer.Option("--lang", help="Answer language: auto (the question's), zh or en.")] = "auto",
) -> None:
    """Answer a question about the graph with one of the canned queries; every row cites its source."""
    check_choice(fmt, ASK_FORMATS, "format")
    check_choice(lang, LANGS, "language")
    graph = open_graph(store, read_only=True, endpoint=endpoint)
    from yibao.qa.interpret import QAError

    try:
        answer = graph.answer(question, lang=lang)
    except QAError as e:
        red_line(e.message)
        if e.examples:
            _print_examples(e.lang)
        raise typer.Exit(e.exit_code) from None
    if explain:
        _print_explain(answer, err=fmt != "table")
    if fmt == "json":
        typer.echo(json.dumps(answer.to_json(), ensure_ascii=False, indent=2))
    elif fmt == "csv":
        _write_answer_csv(answer)
    elif answer.rows:
        _print_answer_table(answer)
        count = f"{len(answer.rows)} 条事实" if answer.lang == "zh" else f"{len(answer.rows)} fact(s)"
        typer.secho(count, err=True)
        for note in answer.notes:
            typer.echo(note)
    if not answer.rows:
        red_line("没有符合条件的事实" if answer.lang == "zh" else "no facts match this question")
        for note in answer.notes:
            typer.echo(note, err=True)
        raise typer.Exit(1)


# --- sparql -----------------------------------------------------------------------------------------

def _term_text(term: Any) -> str:
    return "" if term is None else str(term.value)


def _load_query_text(query: str | None, file: Path | None) -> tuple[str, Any]:
    """The query text and, for a canned query (a queries/*.rq file or its id), its CannedQuery."""
    from yibao.qa.queries import QueryError, load_queries, parse_query_file

    if (query is None) == (file is None):
        fail("give either a QUERY argument or --file (not both)", 2)
    if query is not None:
        return query, None
    assert file is not None
    if not file.is_file():
        canned = load_queries()
        if str(file) in canned:
            return canned[str(file)].text, canned[str(file)]
        fail(f"no such file: {file} (nor a canned query id; see `yibao queries`)", 2)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        fail(f"cannot read {file}: {e}", 2)
    if text.lstrip().startswith("#") and "# id:" in text.split("\n\n", 1)[0]:
        try:
            return text, parse_query_file(file)
        except QueryError as e:
            fail(str(e), 2)
    return text, None


def _parse_params(params: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for item in params:
        name, sep, value = item.partition("=")
        if not sep or not name:
            fail(f"--param takes NAME=VALUE, not {item!r}", 2)
        if "," in value:
            values[name.strip()] = [v.strip() for v in value.split(",") if v.strip()]
        else:
            values[name.strip()] = value.strip()
    return values


@app.command()
def sparql(
    query: Annotated[str | None, typer.Argument(help="A SPARQL query (SELECT, ASK, CONSTRUCT or DESCRIBE).")] = None,
    file: Annotated[Path | None, typer.Option("--file", help="Read the query from a file, or run a canned query by id.")] = None,
    param: Annotated[list[str] | None, typer.Option("--param", help="NAME=VALUE for a canned query (repeatable).")] = None,
    store: Annotated[Path | None, typer.Option("--store", help=STORE_HELP)] = None,
    endpoint: EndpointOption = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, csv or json.")] = "table",
    timeout: Annotated[float, typer.Option("--timeout", help="Give up after this many seconds (0: never).",
                                           min=0)] = 30.0,
    limit: Annotated[int, typer.Option("--limit", help="Print at most this many rows or triples (0: all; rows are "
                                                       "streamed, not held).", min=0)] = 10_000,
    allow_service: Annotated[bool, typer.Option("--allow-service", help="Let SERVICE clauses query other servers "
                                                                        "(refused otherwise: no outbound request).")
                             ] = False,
) -> None:
    """Run a read-only SPARQL query against the store; updates and SERVICE are refused."""
    check_choice(fmt, ASK_FORMATS, "format")
    text, canned = _load_query_text(query, file)
    from yibao.graph.guard import QueryRefused, check_query
    from yibao.qa.queries import QueryError, bind, update_keyword

    try:
        check_query(text, allow_service=allow_service)
    except QueryRefused as e:
        fail(str(e), 2)
    keyword = update_keyword(text)
    if keyword:
        fail(f"refused: {keyword} is a SPARQL update; `yibao sparql` only runs read-only queries "
              "(SELECT, ASK, CONSTRUCT, DESCRIBE)", 2)
    substitutions: dict[str, Any] = {}
    if canned is not None:
        try:
            bound = bind(canned, _parse_params(param or []))
        except QueryError as e:
            fail(str(e), 2)
        text, substitutions = bound.sparql, bound.substitutions
    elif param:
        fail("--param only applies to canned queries (a queries/*.rq file or id)", 2)
    graph = open_graph(store, read_only=True, endpoint=endpoint)
    db = graph.store
    import pyoxigraph as ox

    watchdog = _watchdog(timeout)
    try:
        result = db.query(text, substitutions={ox.Variable(k): v for k, v in substitutions.items()})
        _print_result(result, fmt, limit)
    except SyntaxError as e:
        fail(f"SPARQL syntax error: {str(e).strip().splitlines()[0] if str(e).strip() else e}", 2)
    except (OSError, RuntimeError, ValueError) as e:
        if isinstance(e, BrokenPipeError):
            raise
        fail(f"query failed: {str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__}")
    finally:
        if watchdog is not None:  # the query is over: the watchdog must not end a process that goes on
            watchdog.cancel()
            watchdog.join()


def _watchdog(seconds: float) -> threading.Timer | None:
    """End the process with one line and exit 2 if the query is still running after ``seconds``.

    The query runs in Oxigraph without the GIL, so a Python thread can still act; nothing can be left
    half-written (the store is read-only here).
    """
    if not seconds:
        return None
    import os

    def fire() -> None:  # no flush of stdout: the main thread may hold its lock
        message = f"error: query timed out after {seconds:g} s (--timeout); stopped\n"
        os.write(2, message.encode("utf-8"))
        os._exit(2)

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    return timer


def _more(shown: int, limit: int, what: str) -> None:
    typer.secho(f"{shown} {what} shown; more not printed (--limit {limit}; --limit 0 prints all)", err=True)


def _print_result(result: Any, fmt: str, limit: int = 0) -> None:
    import itertools

    import pyoxigraph as ox

    if isinstance(result, (bool, ox.QueryBoolean)):
        value = bool(result)
        typer.echo(json.dumps({"head": {}, "boolean": value}) if fmt == "json" else str(value).lower())
        return
    cap = limit or None
    if hasattr(result, "variables"):  # pyoxigraph QuerySolutions, or a remote endpoint's solutions
        names = [v.value for v in result.variables]
        rows = ([solution[name] for name in names] for solution in result)
        shown = 0
        if fmt == "json":  # streamed: one binding per line
            out = sys.stdout
            out.write(json.dumps({"head": {"vars": names}})[:-1] + ', "results": {"bindings": [')
            for row in itertools.islice(rows, cap):
                binding = {n: _binding(t) for n, t in zip(names, row) if t is not None}
                out.write(("," if shown else "") + "\n  " + json.dumps(binding, ensure_ascii=False))
                shown += 1
            out.write("\n]}}\n")
        elif fmt == "csv":
            from yibao.cli.app import csv_writer

            writer = csv_writer()
            writer.writerow(names)
            for row in itertools.islice(rows, cap):
                writer.writerow([_term_text(t) for t in row])
                shown += 1
        else:
            table_rows = list(itertools.islice(rows, cap))
            shown = len(table_rows)
            _print_solutions_table(names, table_rows)
        if cap and shown == cap and next(rows, None) is not None:
            _more(shown, limit, "row(s)")
        return
    triples = iter(result)
    chosen = list(itertools.islice(triples, cap)) if fmt == "json" else None
    if fmt == "json":
        sys.stdout.write(ox.serialize(chosen, format=ox.RdfFormat.JSON_LD).decode("utf-8") + "\n")
        shown = len(chosen)
    else:
        shown = 0
        for triple in itertools.islice(triples, cap):
            sys.stdout.write(ox.serialize([triple], format=ox.RdfFormat.N_TRIPLES).decode("utf-8"))
            shown += 1
    if cap and shown == cap and next(triples, None) is not None:
        _more(shown, limit, "triple(s)")
    typer.secho(f"{shown} triple(s)", err=True)


def _binding(term: Any) -> dict[str, str]:
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype is not None and term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = term.datatype.value
        return out
    return {"type": "triple", "value": str(term)}


def _print_solutions_table(names: list[str], rows: list[list[Any]]) -> None:
    from yibao.graph import namespaces as ns

    def short(term: Any) -> str:
        text = _term_text(term)
        for prefix, iri in ns.PREFIXES.items():
            if text.startswith(iri) and len(text) > len(iri):
                return f"{prefix}:{text[len(iri):]}"
        return " ".join(text.split())

    print_table(([short(t) for t in row] for row in rows), names, f"{len(rows)} row(s)",
                max_widths=dict.fromkeys(names, 60))


# --- queries ----------------------------------------------------------------------------------------

@app.command()
def queries(endpoint: EndpointOption = None) -> None:
    """List the canned queries (queries/*.rq) with their descriptions and parameters (the same
    library runs on the embedded store and on a SPARQL endpoint)."""
    from yibao.qa.queries import QueryError, load_queries

    try:
        library = load_queries()
    except QueryError as e:
        fail(str(e))
    for query in library.values():
        typer.secho(f"{query.id}", bold=True)
        typer.echo(f"  zh: {query.description_zh}")
        typer.echo(f"  en: {query.description_en}")
        for param in query.params.values():
            presence = "required" if param.required else f"default {param.default_label}"
            typer.echo(f"  - {param.name} ({param.type_label}, {presence}): {param.description}")
        if query.derived:
            typer.echo(f"  derived: {query.derived}")
        typer.echo(f"  file: queries/{query.path.name}")
