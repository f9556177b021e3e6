"""The fact index (yibao.index): its SQL twins give the rows SPARQL gives, it is used only when current,
and a build, a removal and `yibao index --rebuild` keep it in step with the store."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from yibao.index import TWIN_QUERIES, arrival, index_path, policies, schema
from yibao.index.fresh import open_current
from yibao.index.sync import rebuild
from yibao.index.twins import TWINS
from yibao.qa.queries import bind, get_query, run

from tests.questions import QUESTIONS, build_store

ROOT = Path(__file__).resolve().parent.parent
ENV = {k: v for k, v in os.environ.items() if k != "YIBAO_STORE"}
sys.path.insert(0, str(ROOT / "benchmarks"))


def yibao(*args: object) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "yibao.cli.main", *map(str, args)], env=ENV,
                          capture_output=True, text=True, timeout=600)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def typed(rows: list[dict]) -> list[dict]:
    """Rows with each value's type, so that 6 == Decimal(6) and "6" vs "6.0" differences show."""
    return [{k: (type(v).__name__, str(v)) for k, v in row.items()} for row in rows]


def table(path: Path, name: str) -> list[tuple]:
    import duckdb

    con = duckdb.connect(str(index_path(path)), read_only=True)
    try:
        return con.execute(f"SELECT * FROM {name} ORDER BY ALL").fetchall()
    finally:
        con.close()


# --- stores ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The five sample reports and the policy fixture (no registry), indexed by `yibao index --rebuild`."""
    path = tmp_path_factory.mktemp("index-sample") / "store"
    db = build_store(path, reports=True, policies=True)
    del db
    done = yibao("index", "--rebuild", "--store", path)
    assert done.returncode == 0, done.stderr
    return path


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """Twenty synthetic reports (benchmarks/scale_corpus.py) built with `yibao build`."""
    from scale_corpus import generate

    base = tmp_path_factory.mktemp("index-synthetic")
    generate(base / "reports", 20)
    done = yibao("build", base / "reports", "--store", base / "store", "--jobs", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    return base / "store"


def _regions(path: Path) -> tuple[str, str, str]:
    """A region with figures, one with sub-regions holding figures, and an ancestor of one (by the index)."""
    import duckdb

    con = duckdb.connect(str(index_path(path)), read_only=True)
    try:
        top = con.execute("SELECT region, count(*) FROM facts WHERE region IS NOT NULL "
                          "GROUP BY ALL ORDER BY 2 DESC, 1 LIMIT 1").fetchone()[0]
        parent = con.execute("SELECT a.ancestor FROM facts f JOIN ancestors a ON a.concept = f.region "
                             "WHERE a.ancestor <> f.region GROUP BY ALL ORDER BY count(DISTINCT f.region) DESC, 1 "
                             "LIMIT 1").fetchone()[0]
    finally:
        con.close()
    return top.rsplit("/", 1)[-1], parent.rsplit("/", 1)[-1], "430000"


def cases(region: str, parent: str, province: str) -> list[tuple[str, dict]]:
    """A spread of parameters per twin (scopes, years, latestOnly false, op variants, empty results)."""
    out: list[tuple[str, dict]] = []
    for op in ("<", "<=", ">", ">="):
        out.append(("threshold", {"indicator": "months_of_cover", "op": op, "threshold": 6}))
    out += [
        ("threshold", {"indicator": "cumulative_balance", "op": ">", "threshold": "2000000000"}),
        ("threshold", {"indicator": "cumulative_balance", "op": ">=", "threshold": "0.5", "fundScope": ["resident"]}),
        ("threshold", {"indicator": "expenditure", "op": ">", "threshold": 0, "basis": [], "year": 2022}),
        ("threshold", {"indicator": "expenditure", "op": ">", "threshold": 0, "regionScope": parent}),
        ("threshold", {"indicator": "income", "op": "<", "threshold": 0, "statistic": "growth_rate"}),
        ("threshold", {"indicator": "months_of_cover", "op": "<", "threshold": "-1e30"}),  # beyond the index: SPARQL
        ("threshold", {"indicator": "enrollment", "op": ">", "threshold": 1, "regionScope": "110000"}),  # empty
        ("value", {"indicator": "cumulative_balance"}),
        ("value", {"indicator": "cumulative_balance", "latestOnly": False}),
        ("value", {"indicator": "cumulative_balance", "region": region}),
        ("value", {"indicator": "expenditure", "region": region, "year": 2022, "latestOnly": False}),
        ("value", {"indicator": "expenditure", "region": region, "year": 2022}),
        ("value", {"indicator": "expenditure", "regionScope": parent, "fundScope": ["employee", "resident"]}),
        ("value", {"indicator": "enrollment", "regionScope": province, "basis": ["actual", "budget"]}),
        ("value", {"indicator": "expenditure", "statistic": "growth_rate", "latestOnly": False}),
        ("value", {"indicator": "enrollment", "region": "110000"}),
        ("ranking", {"indicator": "cumulative_balance"}),
        ("ranking", {"indicator": "cumulative_balance", "order": "asc", "fundScope": ["resident"]}),
        ("ranking", {"indicator": "cumulative_balance", "latestOnly": False, "year": 2022}),
        ("ranking", {"indicator": "expenditure", "regionScope": parent}),
        ("ranking", {"indicator": "expenditure", "regionScope": parent, "includeScope": True, "order": "asc"}),
        ("ranking", {"indicator": "months_of_cover", "regionScope": province, "latestOnly": False, "basis": []}),
        ("series", {"indicator": "enrollment", "region": region}),
        ("series", {"indicator": "enrollment", "region": region, "fundScope": ["employee"]}),
        ("series", {"indicator": "expenditure", "region": region, "basis": [], "statistic": "level"}),
        ("series", {"indicator": "expenditure", "region": parent}),
        ("deficits", {}),
        ("deficits", {"year": 2022}),
        ("deficits", {"regionScope": parent, "fundScope": ["resident"], "basis": []}),
        ("deficits", {"regionScope": "110000"}),
        ("budget_execution", {}),
        ("budget_execution", {"op": "any"}),
        ("budget_execution", {"op": "any", "derive": False}),
        ("budget_execution", {"op": "<", "low": 90}),
        ("budget_execution", {"op": ">=", "high": "100.5", "year": 2022}),
        ("budget_execution", {"op": "outside", "low": 99, "high": 101, "regionScope": parent}),
        ("budget_execution", {"op": "any", "indicator": ["expenditure_execution_rate"], "fundScope": ["resident"]}),
        ("budget_execution", {"op": "any", "indicator": []}),
        ("budget_execution", {"op": ">", "high": 100000}),  # empty
    ]
    return out


def _check_twins(path: Path) -> int:
    """Every case: the index's rows are SPARQL's (same keys, order, values and types); the number answered."""
    import pyoxigraph as ox

    index = open_current(path)
    assert index is not None
    db = ox.Store.read_only(str(path))
    answered = 0
    for query_id, values in cases(*_regions(path)):
        bound = bind(get_query(query_id), values)
        expected = run(db, bound)
        got = index.answer(bound)
        if values.get("threshold") == "-1e30":
            assert got is None  # cannot be compared exactly in DECIMAL(38, 18): SPARQL answers
            continue
        assert got is not None, (query_id, values)
        assert typed(got) == typed(expected), (query_id, values)
        assert run(db, bound, index) == expected
        answered += bool(expected)
    index.close()
    return answered


def test_twins_match_sparql_on_the_samples(sample):
    assert set(TWINS) >= {"threshold", "value", "ranking", "series", "deficits"}
    assert set(TWINS) | set(policies.TWINS) | set(arrival.TWINS) | {"budget_execution"} == set(TWIN_QUERIES)
    assert _check_twins(sample) >= 15


def test_twins_match_sparql_on_synthetic_reports(synthetic):
    assert _check_twins(synthetic) >= 15


# --- twins of the policy, finding, subsidy and provenance queries ---------------------------------------------

def node_cases(region: str, parent: str, province: str) -> list[tuple[str, dict]]:
    """A spread of parameters for the twins of policies.py and arrival.py: scopes (overlapping ones repeat
    rows), years, statuses, kinds, derive on and off, thresholds, empty results."""
    below = [("subsidy_arrival", values) for values in (
        {}, {"derive": False}, {"below": 200}, {"below": "99.99", "year": 2022}, {"below": 1000, "regionScope": parent},
        {"below": 1000, "regionScope": province, "derive": False}, {"below": 1000, "fundScope": ["resident"]},
        {"below": 1000, "fundScope": ["resident", "resident_subsidy"]}, {"below": 1000, "fundScope": ["employee"]},
        {"below": 0}, {"below": "-1e30"})]
    adopters = [("policy_adopters", values) for values in (
        {}, {"policyScope": ["drg"]}, {"policyScope": ["payment_method_reform", "drg"]},
        {"statusName": ["Pilot", "FullRollout"]}, {"statusName": ["Planned"], "year": 2022}, {"regionScope": parent},
        {"regionScope": province, "policyScope": ["volume_based_procurement"]}, {"year": 2021},
        {"regionScope": "110000"})]
    aid = [("mutual_aid", values) for values in (
        {}, {"regionScope": parent}, {"year": 2022}, {"indicator": ["deductible", "annual_cap"]},
        {"qualifier": ["hospital_level_1", "retiree"]}, {"qualifier": ["hospital_level_1", "hospital_level_1"]},
        {"indicator": ["payment_rate"], "qualifier": ["hospital_level_2"], "regionScope": province},
        {"regionScope": "110000"})]
    alliances = [("alliance", values) for values in (
        {}, {"lead": ["430200"]}, {"lead": ["430200", "110000"]}, {"label": ["五市联盟"]}, {"reportYear": 2022},
        {"indicator": ["procurement_savings"]}, {"indicator": ["procurement_savings", "price_reduction_avg"],
                                                  "regionScope": parent}, {"regionScope": province, "label": ["八市联盟", "五市联盟"]},
        {"reportYear": 1999})]
    found = [("findings", values) for values in (
        {}, {"kindName": []}, {"kindName": ["Recommendation", "Measure"]}, {"category": ["supervision_gaps"], "kindName": []},
        {"category": ["supervision_gaps", "supervision_gaps"], "kindName": ["Measure"]},
        {"regionScope": parent, "kindName": []}, {"year": 2023, "kindName": []}, {"regionScope": "110000"})]
    sourced = [("provenance", values) for values in (
        {"indicator": "cumulative_balance"}, {"indicator": "expenditure", "basis": []},
        {"indicator": "expenditure", "region": region}, {"indicator": "enrollment", "year": 2022, "regionScope": parent},
        {"indicator": "cumulative_balance", "matchValue": True, "target": 1000000000, "tolerance": 600000000},
        {"indicator": "expenditure", "fundScope": ["employee", "employee_pooled"], "regionScope": province},
        {"indicator": "income", "statistic": "growth_rate"}, {"indicator": "expenditure", "basis": ["budget"]},
        {"indicator": "cumulative_balance", "matchValue": True, "target": "1e30", "tolerance": 1})]
    return below + adopters + aid + alliances + found + sourced


def _check_node_twins(path: Path) -> dict[str, int]:
    """Every node case: the index's rows are SPARQL's; per query, how many cases had rows."""
    import pyoxigraph as ox

    index = open_current(path)
    assert index is not None
    db = ox.Store.read_only(str(path))
    answered: dict[str, int] = {}
    for query_id, values in node_cases(*_regions(path)):
        bound = bind(get_query(query_id), values)
        expected = run(db, bound)
        got = index.answer(bound)
        if "-1e30" in values.values() or "1e30" in values.values():
            assert got is None  # beyond DECIMAL(38, 18): SPARQL answers
            continue
        assert got is not None, (query_id, values)
        assert typed(got) == typed(expected), (query_id, values)
        assert run(db, bound, index) == expected
        answered[query_id] = answered.get(query_id, 0) + bool(expected)
    index.close()
    return answered


def test_node_twins_match_sparql_on_the_samples(sample):
    answered = _check_node_twins(sample)
    assert answered["subsidy_arrival"] >= 6 and answered["policy_adopters"] >= 6 and answered["mutual_aid"] >= 5
    assert answered["alliance"] >= 6 and answered["findings"] >= 5 and answered["provenance"] >= 6


def test_node_twins_match_sparql_on_synthetic_reports(synthetic):
    answered = _check_node_twins(synthetic)
    assert sum(answered.values()) >= 20


def test_overlapping_scopes_repeat_rows_as_sparql_does(sample):
    """VALUES of a scope and its component: SPARQL gives a row once per scope value it falls under."""
    import pyoxigraph as ox

    db = ox.Store.read_only(str(sample))
    index = open_current(sample)
    one = index.answer(bind(get_query("policy_adopters"), {"policyScope": ["drg"]}))
    both = index.answer(bind(get_query("policy_adopters"), {"policyScope": ["payment_method_reform", "drg"]}))
    drg = [row for row in both if row["policyType"].endswith("/drg")]
    assert one and len(drg) == 2 * len(one)
    assert both == run(db, bind(get_query("policy_adopters"), {"policyScope": ["payment_method_reform", "drg"]}))
    index.close()


def test_a_node_with_several_values_is_left_to_sparql(sample, tmp_path):
    """A policy, finding or report with a property of several values: the twins reading it answer None."""
    import duckdb
    import pyoxigraph as ox

    copy = tmp_path / "store"
    shutil.copytree(sample, copy)
    con = duckdb.connect(str(index_path(copy)))
    con.execute("UPDATE policies SET multi = true WHERE policy = (SELECT min(policy) FROM policies)")
    con.execute("UPDATE findings SET multi = true WHERE finding = (SELECT min(finding) FROM findings)")
    con.execute("UPDATE report_meta SET multi = true")
    con.close()
    db = ox.Store.read_only(str(copy))
    index = open_current(copy)
    assert index is not None
    for query_id, values in (("policy_adopters", {}), ("mutual_aid", {}), ("alliance", {}), ("findings", {}),
                             ("provenance", {"indicator": "cumulative_balance"})):
        bound = bind(get_query(query_id), values)
        assert index.answer(bound) is None, query_id
        assert run(db, bound, index) == run(db, bound)
    assert index.answer(bind(get_query("subsidy_arrival"), {})) is not None
    index.close()


def test_an_index_of_the_old_schema_is_not_used(sample, tmp_path):
    """An index made before the node tables (schema 2): not used (SPARQL answers) until rebuilt."""
    import duckdb
    import pyoxigraph as ox

    copy = tmp_path / "store"
    shutil.copytree(sample, copy)
    con = duckdb.connect(str(index_path(copy)))
    for name in schema.NODE_TABLES:
        con.execute(f"DROP TABLE {name}")
    schema.set_meta(con, schema="2")
    con.close()
    assert open_current(copy) is None
    db = ox.Store.read_only(str(copy))
    bound = bind(get_query("policy_adopters"), {})
    assert run(db, bound, open_current(copy)) == run(db, bound)
    assert yibao("index", "--store", copy).returncode == 1
    del db
    assert yibao("index", "--rebuild", "--store", copy).returncode == 0
    index = open_current(copy)
    assert index is not None and index.answer(bound) is not None
    index.close()


def test_question_suite_answers_equal_with_the_index(sample):
    """Every suite question over the samples and policies: the same answer with the index as without."""
    import pyoxigraph as ox
    from yibao.qa.interpret import Context, QAError, ask

    db = ox.Store.read_only(str(sample))
    plain, indexed = Context(db), Context(db, path=sample)
    assert indexed.fact_index is not None
    for question in QUESTIONS:
        try:
            want = ask(db, question.text, ctx=plain)
        except QAError as e:
            with pytest.raises(QAError) as got:
                ask(db, question.text, ctx=indexed)
            assert str(got.value) == str(e)
            continue
        got = ask(db, question.text, ctx=indexed)
        assert (got.template, got.parameters, got.rows, got.notes) == \
            (want.template, want.parameters, want.rows, want.notes), question.text


# --- kept in step --------------------------------------------------------------------------------------

def _same_as_rebuilt(store: Path, tmp: Path) -> None:
    """The index a build kept equals one made from the store by SPARQL, and it is current."""
    import pyoxigraph as ox

    assert open_current(store) is not None
    copy = tmp / "rebuilt"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(store, copy)
    db = ox.Store.read_only(str(copy))
    rebuild(copy, db)
    del db
    for name in ("facts", "ancestors", "reports", *schema.NODE_TABLES):
        assert table(store, name) == table(copy, name), name


def test_build_keeps_the_index_in_step(tmp_path):
    from scale_corpus import generate

    reports, store = tmp_path / "reports", tmp_path / "store"
    generate(reports, 8)
    files = sorted(reports.glob("*.txt"))
    first = tmp_path / "first"
    first.mkdir()
    for f in files[:5]:
        shutil.copy(f, first / f.name)
    assert yibao("build", first, "--store", store, "--no-validate").returncode == 0  # new store
    _same_as_rebuilt(store, tmp_path)
    for f in files[5:]:
        shutil.copy(f, first / f.name)
    assert yibao("build", first, "--store", store, "--no-validate").returncode == 0  # added
    _same_as_rebuilt(store, tmp_path)
    changed = first / files[0].name
    changed.write_text(changed.read_text(encoding="utf-8").replace("2", "3", 5), encoding="utf-8")
    assert yibao("build", first, "--store", store, "--no-validate").returncode == 0  # replaced
    _same_as_rebuilt(store, tmp_path)
    assert yibao("build", first, "--store", store, "--force", "--jobs", "2").returncode == 0  # --force
    _same_as_rebuilt(store, tmp_path)
    assert yibao("remove", files[1].stem, "--store", store).returncode == 0  # removed
    _same_as_rebuilt(store, tmp_path)
    assert not any(r[0] == files[1].stem for r in table(store, "reports"))
    assert yibao("compact", "--store", store).returncode == 0  # the index comes along
    assert index_path(store).is_file()
    _same_as_rebuilt(store, tmp_path)


def test_parallel_build_gives_the_same_index(tmp_path, synthetic):
    from scale_corpus import generate

    generate(tmp_path / "reports", 20)
    done = yibao("build", tmp_path / "reports", "--store", tmp_path / "store", "--jobs", "1")
    assert done.returncode == 0, done.stderr
    for name in ("facts", "ancestors"):
        assert table(tmp_path / "store", name) == table(synthetic, name), name
    assert [r[:2] for r in table(tmp_path / "store", "reports")] == [r[:2] for r in table(synthetic, "reports")]
    _same_as_rebuilt(synthetic, tmp_path)


def test_a_stale_index_is_not_used(tmp_path):
    """An index from an older build copied back: queries fall back to SPARQL and give the store's rows."""
    import pyoxigraph as ox
    from scale_corpus import generate
    from yibao.qa.interpret import Context, ask

    reports, store = tmp_path / "reports", tmp_path / "store"
    generate(reports, 6)
    assert yibao("build", reports, "--store", store, "--no-validate").returncode == 0
    old = tmp_path / "old.duckdb"
    shutil.copy(index_path(store), old)
    target = sorted(reports.glob("*.txt"))[0]
    target.write_text(target.read_text(encoding="utf-8").replace("月", "个月", 3).replace("1", "7", 20),
                      encoding="utf-8")
    assert yibao("build", reports, "--store", store, "--no-validate").returncode == 0
    assert open_current(store) is not None
    shutil.copy(old, index_path(store))
    assert open_current(store) is None  # its reports are not the registry's
    db = ox.Store.read_only(str(store))
    question = "哪些地区当期结余为负？"
    assert ask(db, question, ctx=Context(db, path=store)).rows == ask(db, question, ctx=Context(db)).rows
    for query_id, values in cases("430200", "430000", "430000")[:12]:
        bound = bind(get_query(query_id), values)
        assert run(db, bound, open_current(store)) == run(db, bound)
    del db
    assert yibao("index", "--store", store).returncode == 1
    assert yibao("index", "--rebuild", "--store", store).returncode == 0
    assert yibao("index", "--store", store).returncode == 0
    _same_as_rebuilt(store, tmp_path)


def test_an_index_missing_recorded_reports_is_never_marked_current(tmp_path):
    """The registry records reports the index does not hold as they are (a record the index never
    saw): the next batch drops their rows, so the index must not be marked current afterwards."""
    from scale_corpus import generate

    reports, store = tmp_path / "reports", tmp_path / "store"
    generate(reports, 4)
    held = tmp_path / "held"
    held.mkdir()
    last = sorted(reports.glob("*.txt"))[-1]
    shutil.move(last, held / last.name)
    assert yibao("build", reports, "--store", store, "--no-validate").returncode == 0
    registry = store / "yibao-reports.json"
    data = json.loads(registry.read_text(encoding="utf-8"))
    first = sorted(data["reports"])[0]
    data["reports"][first]["sha256"] = "0" * 64  # as if the file had been re-read without the index
    registry.write_text(json.dumps(data), encoding="utf-8")
    shutil.move(held / last.name, last)
    env = {**ENV, "YIBAO_REFRESH": "0"}
    done = subprocess.run([sys.executable, "-m", "yibao.cli.main", "build", str(last), "--store", str(store),
                           "--no-validate"], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert open_current(store) is None  # SPARQL answers until `yibao index --rebuild`
    assert yibao("index", "--rebuild", "--store", store).returncode == 0
    assert open_current(store) is not None


def test_missing_locked_or_interrupted_index_falls_back(tmp_path):
    import duckdb
    from yibao.index import sync

    store = tmp_path / "store"
    db = build_store(store, reports=True)
    assert open_current(store) is None  # no index
    rebuild(store, db)
    assert open_current(store) is not None
    writer = duckdb.connect(str(index_path(store)))  # a build writing it
    try:
        assert open_current(store) is None
    finally:
        writer.close()
    sync.begin(store, db)  # a write to the store under way (or a build stopped in it)
    assert open_current(store) is None
    sync.begin(store, db)  # the next write finds the mark: broken until rebuilt
    sync.commit(store, {}, {})
    assert open_current(store) is None
    rebuild(store, db)
    assert open_current(store) is not None
    reader = duckdb.connect(str(index_path(store)), read_only=True)
    try:
        sync.begin(store, db)  # it cannot be marked: it is removed rather than left looking current
    finally:
        reader.close()
    assert not index_path(store).exists() and open_current(store) is None
    rebuild(store, db)
    index_path(store).write_bytes(b"not a database")
    assert open_current(store) is None


def test_remote_endpoint_never_uses_the_index(sample, monkeypatch):
    """With --endpoint no store path reaches the question's context, so SPARQL answers."""
    from yibao.api import KnowledgeGraph
    from yibao.qa import interpret

    seen = {}
    monkeypatch.setattr(interpret, "ask", lambda store, question, lang="auto", ctx=None, path=None:
                        seen.setdefault("path", path))
    graph = KnowledgeGraph(sample, endpoint="http://127.0.0.1:9/sparql")
    graph._store = object()  # the remote store is not contacted here
    graph.answer("哪些地区当期结余为负？")
    assert seen == {"path": None}
    local = KnowledgeGraph(sample, read_only=True)
    local.answer("哪些地区当期结余为负？")
    assert seen == {"path": None}
    seen.clear()
    local.answer("哪些地区当期结余为负？")
    assert seen == {"path": sample}


def test_cli_ask_uses_a_current_index(synthetic):
    done = yibao("ask", "哪些地区当期结余为负？", "--store", synthetic, "-f", "json")
    assert done.returncode == 0, done.stderr
    with_index = json.loads(done.stdout)["rows"]
    moved = index_path(synthetic).with_suffix(".off")
    index_path(synthetic).rename(moved)
    try:
        done = yibao("ask", "哪些地区当期结余为负？", "--store", synthetic, "-f", "json")
    finally:
        moved.rename(index_path(synthetic))
    assert json.loads(done.stdout)["rows"] == with_index


def test_coverage_and_latest_year_from_the_index(sample, synthetic):
    """The look-ups a question's plan and its empty-answer notes make (the regions with data, alliance names,
    coverage and latest year): the same from the index as by SPARQL."""
    import pyoxigraph as ox
    from yibao.qa.context import Context

    for path in (sample, synthetic):
        db = ox.Store.read_only(str(path))
        plain, indexed = Context(db), Context(db, path=path)
        assert indexed.fact_index is not None
        assert indexed.data_regions() == plain.data_regions() and indexed.fact_index.data_regions()
        assert indexed.alliance_names() == plain.alliance_names() and indexed.fact_index.alliance_labels()
        region, parent, province = _regions(path)
        for scope in (None, region, parent, province, "110000"):
            assert indexed.coverage(scope) == plain.coverage(scope), scope
            assert indexed.latest_year(scope) == plain.latest_year(scope), scope


_YB = "https://w3id.org/yibao/ontology#"
_ARRIVAL = "https://w3id.org/yibao/code/indicator/fiscal_subsidy_arrival_rate"
_DUE = "https://w3id.org/yibao/code/indicator/fiscal_subsidy_due"


def _derived_cases(parent: str, province: str) -> list[dict]:
    return [{}, {"below": 1000}, {"below": "80.45"}, {"below": "80.46"}, {"below": 1000, "derive": False},
            {"below": 1000, "regionScope": parent}, {"below": 1000, "regionScope": province, "year": 2023},
            {"below": 1000, "fundScope": ["resident"]}, {"below": 1000, "fundScope": ["resident", "resident_subsidy"]},
            {"below": 1000, "fundScope": ["employee"]}]


def _check_arrival(store: Path, parent: str, province: str) -> int:
    """subsidy_arrival from the rebuilt index equals SPARQL on every case; the number of derived rows."""
    import pyoxigraph as ox

    db = ox.Store(str(store))
    rebuild(store, db)
    index = open_current(store)
    assert index is not None
    derived = 0
    for values in _derived_cases(parent, province):
        bound = bind(get_query("subsidy_arrival"), values)
        expected = run(db, bound)
        got = index.answer(bound)
        assert got is not None and typed(got) == typed(expected), values
        derived += sum(row["derived"] for row in expected)
    index.close()
    del db
    return derived


def test_derived_arrival_rates_match_sparql(sample, tmp_path):
    """The derived branch (received ÷ due where no rate is stated, only for an unambiguous pair): the sample
    reports with their stated arrival rates taken out, then with a second due figure added to one pair."""
    import pyoxigraph as ox

    store = tmp_path / "store"
    shutil.copytree(sample, store)
    db = ox.Store(str(store))
    db.update(f"DELETE {{ GRAPH ?g {{ ?o ?p ?v }} }} WHERE {{ GRAPH ?g {{ ?o <{_YB}indicator> <{_ARRIVAL}> ; ?p ?v }} }}")
    db.flush()
    del db
    _, parent, province = _regions(sample)
    before = _check_arrival(store, parent, province)
    assert before >= 10
    db = ox.Store(str(store))  # one derived pair made ambiguous: a second due figure of another value
    pair = next(r for r in run(db, bind(get_query("subsidy_arrival"), {"below": 1000})) if r["derived"])
    db.update(f"""INSERT {{ GRAPH ?g {{ ?new ?p ?v . ?new <{_YB}value> ?other }} }} WHERE {{
        GRAPH ?g {{ ?o <{_YB}indicator> <{_DUE}> ; <{_YB}region> <{pair["region"]}> ; <{_YB}refPeriod> <{pair["period"]}> ;
                    <{_YB}fund> <{pair["fund"]}> ; <http://www.w3.org/ns/prov#wasDerivedFrom> <{pair["report"]}> ;
                    <{_YB}value> ?x ; ?p ?v FILTER(?p != <{_YB}value>) }}
        BIND(IRI(CONCAT(STR(?o), "-second")) AS ?new) BIND(?x + 1 AS ?other) }}""")
    db.flush()
    del db
    after = _check_arrival(store, parent, province)
    assert after < before
