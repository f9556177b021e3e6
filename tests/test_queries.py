"""The canned SPARQL library (queries/*.rq, kg/queries.py) and `yibao sparql` / `yibao queries`:
headers, safe parameter binding, every query run on the sample graph and the policy fixture with
answers checked against the gold facts, derived rows, and the read-only guard."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner
from yibao import resources
from yibao.cli.main import app
from yibao.evaluate import close
from yibao.qa.queries import (
    CODE_TYPES,
    QueryError,
    bind,
    get_query,
    load_queries,
    parse_query_file,
    run,
    run_query,
    update_keyword,
)

from tests.questions import build_store, load_gold, load_policy_gold

runner = CliRunner()
TEMPLATES = {"threshold", "value", "ranking", "series", "deficits", "budget_execution", "subsidy_arrival",
             "provenance", "policy_adopters", "alliance", "mutual_aid", "findings"}
FACT_VARIABLES = {"region", "year", "fund", "indicator", "basis", "value", "unit", "report", "quote", "start", "end"}


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    path = tmp_path_factory.mktemp("queries") / "store"
    db = build_store(path, reports=True)
    yield path, db


@pytest.fixture(scope="module")
def policies(tmp_path_factory):
    path = tmp_path_factory.mktemp("queries-policies") / "store"
    db = build_store(path, reports=False, policies=True)
    yield path, db


@pytest.fixture(scope="module")
def gold():
    return load_gold()


def local(iri: str | None) -> str | None:
    return None if iri is None else iri.rstrip("/").rsplit("/", 1)[-1]


# --- the library --------------------------------------------------------------------------------------

def test_every_template_has_a_file_with_a_complete_header():
    library = load_queries()
    assert set(library) == TEMPLATES
    for query_id, query in library.items():
        assert query.path.stem == query_id
        assert query.description_zh and query.description_en and query.derived
        assert any("\u4e00" <= c <= "\u9fff" for c in query.description_zh)
        for param in query.params.values():
            assert param.description, (query_id, param.name)
            assert param.required or param.default_label
            if param.type in CODE_TYPES or param.type in ("decimal", "integer", "boolean", "string", "enum"):
                continue
            pytest.fail(f"{query_id}: bad type {param.type}")


def test_a_scalar_parameter_must_be_projected(tmp_path):
    bad = tmp_path / "bad.rq"
    bad.write_text("# id: bad\n# zh: 坏\n# en: bad\n# param: year  integer  default (any)  the year\n"
                   "SELECT ?s WHERE { ?s <http://x/y> ?year }\n", encoding="utf-8")
    with pytest.raises(QueryError, match="SELECT projection"):
        parse_query_file(bad)
    missing = tmp_path / "missing.rq"
    missing.write_text("# id: missing\n# en: x\nSELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    with pytest.raises(QueryError, match="# zh:"):
        parse_query_file(missing)


# --- binding never pastes user text ------------------------------------------------------------------

@pytest.mark.parametrize(("values", "message"), [
    ({"indicator": "months_of_cover> } ; DROP ALL #", "threshold": 6}, "not a indicator code id"),
    ({"indicator": "months_of_cover", "threshold": "6 || true"}, "not a number"),
    ({"indicator": "months_of_cover", "threshold": 6, "op": "!="}, "not one of"),
    ({"indicator": "months_of_cover", "threshold": 6, "fundScope": ["employee>"]}, "not a fund code id"),
    ({"indicator": "months_of_cover", "threshold": 6, "year": "2022; DROP"}, "not an integer"),
    ({"threshold": 6}, "needs the parameter indicator"),
    ({"indicator": "months_of_cover", "threshold": 6, "colour": "red"}, "has no parameter colour"),
])
def test_bad_parameters_are_refused(values, message):
    with pytest.raises(QueryError, match=message):
        bind(get_query("threshold"), values)


def test_scalars_are_substituted_and_lists_fill_values_blocks():
    bound = bind(get_query("threshold"), {"indicator": "months_of_cover", "threshold": Decimal("6"),
                                          "fundScope": ["employee", "resident"], "year": 2022})
    assert set(bound.substitutions) == {"indicator", "threshold", "op", "statistic", "year"}
    assert str(bound.substitutions["threshold"]) == '"6"^^<http://www.w3.org/2001/XMLSchema#decimal>'
    assert "VALUES ?fundScope { <https://w3id.org/yibao/code/fund/employee> " \
           "<https://w3id.org/yibao/code/fund/resident> }" in bound.sparql
    assert "months_of_cover" not in bound.sparql  # bound as a term, not pasted
    assert "?threshold = " in bound.explain()


# --- every query on the sample graph -----------------------------------------------------------------

def test_threshold_matches_the_gold(sample, gold):
    _, db = sample
    rows = run_query(db, "threshold", {"indicator": "months_of_cover", "op": "<", "threshold": 6})
    got = {(local(r["report"]), local(r["region"]), r["year"], local(r["fund"]), r["value"]) for r in rows}
    expected = {(g["report"], g["region_code"], g["year"], g["fund"], g["value"]) for g in gold
                if g["indicator"] == "months_of_cover" and g["value"] < 6}
    assert {(a, b, c, d) for a, b, c, d, _ in got} == {(a, b, c, d) for a, b, c, d, _ in expected}
    assert all(set(r) >= FACT_VARIABLES and r["quote"] for r in rows)


def test_fund_scope_follows_skos_broader(sample):
    _, db = sample
    rows = run_query(db, "value", {"indicator": "cumulative_balance", "region": "430200", "fundScope": ["employee"],
                                   "year": 2022, "latestOnly": False})
    assert {local(r["fund"]) for r in rows} == {"employee", "employee_pooled", "employee_personal_account"}


def test_value_takes_the_latest_year(sample):
    _, db = sample
    rows = run_query(db, "value", {"indicator": "enrollment", "region": "430200", "fundScope": ["employee"]})
    assert {r["year"] for r in rows} == {2022}
    older = run_query(db, "value", {"indicator": "enrollment", "region": "430200", "fundScope": ["employee"],
                                    "year": 2019, "latestOnly": False})
    assert {r["year"] for r in older} == {2019}


def test_ranking_orders_sub_regions(sample, gold):
    _, db = sample
    rows = run_query(db, "ranking", {"indicator": "cumulative_balance", "fundScope": ["resident"],
                                     "regionScope": "430200"})
    regions = [local(r["region"]) for r in rows]
    assert "430200" not in regions  # the regions below, not the city itself
    expected = [g["region_code"] for g in sorted(
        (g for g in gold if g["indicator"] == "cumulative_balance" and g["fund"] == "resident"
         and g["region_code"] not in ("430200", "370200")), key=lambda g: -g["value"])]
    assert regions == expected


def test_series_is_in_year_order(sample):
    _, db = sample
    rows = run_query(db, "series", {"indicator": "enrollment", "region": "430200", "fundScope": ["employee"]})
    years = [r["year"] for r in rows]
    assert years == sorted(years) and {2013, 2022} <= set(years)


def test_deficits(sample, gold):
    _, db = sample
    rows = run_query(db, "deficits", {})
    expected = {(g["region_code"], g["fund"], g["year"]) for g in gold
                if g["indicator"] == "current_balance" and g["value"] < 0 and g["basis"] == "actual"}
    assert expected and expected <= {(local(r["region"]), local(r["fund"]), r["year"]) for r in rows}
    assert all(r["value"] < 0 for r in rows)


def test_budget_execution_states_and_derives(sample):
    _, db = sample
    rows = run_query(db, "budget_execution", {})
    assert all(r["value"] < 95 or r["value"] > 105 for r in rows)
    derived = [r for r in rows if r["derived"]]
    assert derived and all(local(r["basis"]) == "derived" for r in derived)
    for r in derived:  # actual ÷ budget, both quoted
        assert r["numQuote"] and r["denQuote"] and local(r["denBasis"]) in ("budget", "adjusted_budget")
        assert abs(r["value"] - (r["numValue"] / r["denValue"] * 100)) < Decimal("0.01")
    zhuzhou_2020 = [r for r in derived if local(r["region"]) == "430200_municipal"]
    assert [(local(r["fund"]), local(r["indicator"]), r["value"]) for r in zhuzhou_2020] == \
        [("employee", "income_execution_rate", Decimal("87.9"))]  # 21亿 ÷ 23.89亿, no rate stated
    stated = run_query(db, "budget_execution", {"derive": False})
    assert stated and not any(r["derived"] for r in stated)


def test_subsidy_arrival_by_sub_region(sample, gold):
    _, db = sample
    rows = run_query(db, "subsidy_arrival", {"regionScope": "370200"})
    got = {(local(r["region"]), r["value"]) for r in rows}
    expected = {(g["region_code"], g["value"]) for g in gold
                if g["indicator"] == "fiscal_subsidy_arrival_rate" and g["value"] < 100}
    assert {code for code, _ in got} == {code for code, _ in expected} == {"370203", "370213"}
    assert all(r["denValue"] is not None for r in rows)  # the amount due comes along


def test_provenance_gives_report_quote_and_offsets(sample):
    _, db = sample
    rows = run_query(db, "provenance", {"indicator": "cumulative_balance", "region": "430200",
                                        "fundScope": ["employee_pooled"], "matchValue": True,
                                        "target": Decimal("2803000000"), "tolerance": Decimal("14015000")})
    assert rows
    text = (resources.sample_reports_dir() / rows[0]["sourceFile"]).read_text(encoding="utf-8")
    for r in rows:
        assert text[r["start"]:r["end"]] == r["quote"]
        assert r["title"] and close(r["value"], Decimal("2803000000"))


# --- the policy queries on the fixture ---------------------------------------------------------------

def test_policy_adopters_with_narrower_types(policies):
    _, db = policies
    gold = load_policy_gold()
    rows = run_query(db, "policy_adopters", {"policyScope": ["payment_method_reform"]})
    got = {(local(r["policyType"]), local(r["region"])) for r in rows}
    expected = {(p["type"], r) for p in gold.policies.values() if p["type"] in ("drg", "dip")
                for r in p["adopters"]}
    assert got == expected
    assert all(r["quote"] and r["start"] is not None for r in rows)


def test_alliance_members_and_savings(policies):
    _, db = policies
    rows = run_query(db, "alliance", {"lead": ["430200"], "indicator": ["procurement_savings"]})
    savings = {local(r["region"]): r["value"] for r in rows if r["value"] is not None}
    assert savings == {"430200": Decimal("47667000"), "430300": Decimal("31205000")}
    members = {(r["policyLabel"], local(r["region"])) for r in rows}
    assert ("株洲市际联盟", "360300") in members and ("八市联盟", "431200") in members
    renamed = {r["policyLabel"]: local(r["renamedTo"]) for r in rows if r["renamedTo"]}
    assert renamed == {"八市联盟": "alliance-2"}


def test_mutual_aid_parameters(policies):
    _, db = policies
    rows = run_query(db, "mutual_aid", {"regionScope": "430200", "indicator": ["payment_rate"]})
    assert {(local(r["obsQualifier"]), r["value"]) for r in rows} == {
        ("hospital_level_1", Decimal(80)), ("hospital_level_2", Decimal(70)), ("hospital_level_3", Decimal(60))}


def test_every_query_runs_with_its_defaults(sample, policies):
    required = {"threshold": {"indicator": "months_of_cover", "threshold": 6},
                "value": {"indicator": "income"}, "ranking": {"indicator": "income"},
                "series": {"indicator": "income", "region": "430200"}, "provenance": {"indicator": "income"}}
    for query_id, query in load_queries().items():
        db = policies[1] if query_id in ("policy_adopters", "alliance", "mutual_aid") else sample[1]
        rows = run(db, bind(query, required.get(query_id, {})))
        assert rows, query_id


# --- yibao sparql and yibao queries --------------------------------------------------------------------

SELECT = ("PREFIX yb: <https://w3id.org/yibao/ontology#> "
          "SELECT ?report (COUNT(?o) AS ?n) WHERE { GRAPH ?g { ?o yb:indicator ?i ; yb:region ?r ; "
          "<http://www.w3.org/ns/prov#wasDerivedFrom> ?report } } GROUP BY ?report ORDER BY ?report")


def test_sparql_select_in_three_formats(sample):
    path, _ = sample
    table = runner.invoke(app, ["sparql", SELECT, "--store", str(path)])
    assert table.exit_code == 0, table.output
    assert "report:zhuzhou-2022-fund-operation-analysis" in table.stdout
    as_json = json.loads(runner.invoke(app, ["sparql", SELECT, "--store", str(path), "-f", "json"]).stdout)
    assert as_json["head"]["vars"] == ["report", "n"] and len(as_json["results"]["bindings"]) == 5
    as_csv = runner.invoke(app, ["sparql", SELECT, "--store", str(path), "-f", "csv"]).stdout.splitlines()
    assert as_csv[0] == "report,n" and len(as_csv) == 6


def test_sparql_ask_and_construct(sample):
    path, _ = sample
    ask = runner.invoke(app, ["sparql", "ASK { GRAPH ?g { ?s ?p ?o } }", "--store", str(path)])
    assert ask.exit_code == 0 and ask.stdout.strip() == "true"
    construct = runner.invoke(app, ["sparql", "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 3",
                                    "--store", str(path)])
    assert construct.exit_code == 0 and construct.stdout.count(" .\n") == 3


@pytest.mark.parametrize("update", [
    "INSERT DATA { <http://a> <http://b> <http://c> }",
    "delete where { ?s ?p ?o }",
    "DROP ALL",
    "CLEAR DEFAULT",
    "LOAD <http://example.org/x.ttl>",
    "CREATE GRAPH <http://example.org/g>",
    "WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "SELECT * WHERE { ?s ?p ?o } ; DROP ALL",
])
def test_sparql_refuses_updates(sample, update):
    path, db = sample
    before = len(db)
    result = runner.invoke(app, ["sparql", update, "--store", str(path)])
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: refused:") and "Traceback" not in result.output
    assert len(db) == before


def test_update_words_inside_strings_iris_and_comments_are_fine():
    assert update_keyword('SELECT ?drop WHERE { ?s <http://x/insert> "DELETE" } # CLEAR') is None
    assert update_keyword("PREFIX load: <http://x/> SELECT * { ?s load:copy ?o }") is None
    assert update_keyword("select * { ?s ?p ?o } ; insert data { <a> <b> <c> }") == "INSERT"


def test_sparql_errors(sample, tmp_path):
    path, _ = sample
    syntax = runner.invoke(app, ["sparql", "SELEC * WHERE { ?s ?p ?o }", "--store", str(path)])
    assert syntax.exit_code == 2 and syntax.stderr.startswith("error: SPARQL syntax error")
    neither = runner.invoke(app, ["sparql", "--store", str(path)])
    assert neither.exit_code == 2
    missing = runner.invoke(app, ["sparql", SELECT, "--store", str(tmp_path / "none")])
    assert missing.exit_code == 1 and "no store at" in missing.stderr


def test_sparql_runs_canned_queries_with_parameters(sample):
    path, _ = sample
    by_id = runner.invoke(app, ["sparql", "--file", "threshold", "--param", "indicator=months_of_cover",
                                "--param", "threshold=6", "--store", str(path), "-f", "json"])
    assert by_id.exit_code == 0, by_id.output
    assert len(json.loads(by_id.stdout)["results"]["bindings"]) >= 8
    by_path = runner.invoke(app, ["sparql", "--file", str(resources.queries_dir() / "deficits.rq"), "--store", str(path),
                                  "-f", "csv"])
    assert by_path.exit_code == 0 and "civil_servant" in by_path.stdout
    unbound = runner.invoke(app, ["sparql", "--file", "threshold", "--store", str(path)])
    assert unbound.exit_code == 2 and "needs the parameter indicator" in unbound.stderr
    injected = runner.invoke(app, ["sparql", "--file", "threshold", "--param", "indicator=x> } DROP ALL",
                                   "--param", "threshold=6", "--store", str(path)])
    assert injected.exit_code == 2 and "not a indicator code id" in injected.stderr


def test_queries_lists_the_library():
    result = runner.invoke(app, ["queries"])
    assert result.exit_code == 0, result.output
    for query_id in TEMPLATES:
        assert query_id in result.stdout
    assert "可支付月数" in result.stdout and "Threshold across regions" in result.stdout
    assert "derived:" in result.stdout and Path("queries/budget_execution.rq").as_posix() in result.stdout


def test_sparql_leaves_no_watchdog_behind_in_the_calling_process(tmp_path):
    """The query timeout must end with the query: a caller that goes on (a notebook, a test run)
    is never stopped by it later."""
    import threading

    from yibao.graph.store import load_ontology, open_store

    path = tmp_path / "store"
    db = open_store(path, create=True)
    load_ontology(db)
    db.flush()
    del db
    before = {t.ident for t in threading.enumerate()}
    result = runner.invoke(app, ["sparql", "ASK { ?s ?p ?o }", "--store", str(path), "--timeout", "30"])
    assert result.exit_code == 0, result.output
    left = [t for t in threading.enumerate() if t.ident not in before and isinstance(t, threading.Timer)]
    assert not [t for t in left if t.is_alive()]
