"""RDF conversion, the Oxigraph store, the fact table and exports, on hand-made reports."""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
from yibao import resources
from yibao.graph import namespaces as ns
from yibao.graph.facts import UnknownCode, fact_rows, resolve_code
from yibao.graph.rdf import decimal_lexical, observation_hash, report_quads
from yibao.graph.store import (
    EXPORT_FORMATS,
    StoreError,
    count_observations,
    count_triples,
    load_ontology,
    open_store,
    replace_report,
    report_graph_quads,
    report_ids,
    resolve_store_path,
    serialize_store,
)
from yibao.model import FACT_COLUMNS, Observation, Report

# A stand-in for ontology/*.ttl: the few concepts the hand-made reports use.
STAND_IN_ONTOLOGY = """\
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix yb: <https://w3id.org/yibao/ontology#> .
@prefix region: <https://w3id.org/yibao/code/region/> .
@prefix fund: <https://w3id.org/yibao/code/fund/> .
@prefix indicator: <https://w3id.org/yibao/code/indicator/> .
region:430200 a skos:Concept, yb:Region ; skos:notation "430200" ;
    skos:prefLabel "株洲市"@zh, "Zhuzhou"@en ; skos:altLabel "株洲"@zh .
region:430200_municipal a skos:Concept, yb:Region ; skos:notation "430200_municipal" ;
    skos:prefLabel "株洲市本级"@zh ; skos:altLabel "市本级"@zh .
region:652300 a skos:Concept, yb:Region ; skos:prefLabel "昌吉回族自治州"@zh ; skos:altLabel "昌吉"@zh .
region:652301 a skos:Concept, yb:Region ; skos:prefLabel "昌吉市"@zh ; skos:altLabel "昌吉"@zh .
fund:employee a skos:Concept, yb:Fund ; skos:prefLabel "职工基本医疗保险基金"@zh ; skos:altLabel "职工医保"@zh .
fund:resident a skos:Concept, yb:Fund ; skos:prefLabel "城乡居民基本医疗保险基金"@zh ; skos:altLabel "居民医保"@zh .
indicator:income a skos:Concept, yb:Indicator ; skos:prefLabel "基金收入"@zh ; skos:altLabel "收入"@zh .
indicator:expenditure a skos:Concept, yb:Indicator ; skos:prefLabel "基金支出"@zh .
[] skos:prefLabel "an anonymous node, to exercise blank nodes" .
"""

_LINE = re.compile(r"第(\d+)项(职工|居民)医保基金(收入|支出)(\d+\.\d+)亿元")


def report_text(n: int, start: int = 1) -> str:
    """n lines, each stating one amount: 第i项职工医保基金收入i.25亿元 (every third one a resident expense)."""
    lines = []
    for i in range(start, start + n):
        fund, what = ("居民", "支出") if i % 3 == 0 else ("职工", "收入")
        lines.append(f"第{i}项{fund}医保基金{what}{i}.25亿元。")
    return "\n".join(lines) + "\n"


def report_from_text(report_id: str, path: Path, text: str, basis: str = "actual", year: int = 2022) -> Report:
    """The Report an extractor would produce for `report_text` output (one observation a line)."""
    observations = []
    for m in _LINE.finditer(text):
        surface = f"{m.group(4)}亿元"
        observations.append(Observation(
            report=report_id, region="430200", year=year, period=str(year),
            fund="employee" if m.group(2) == "职工" else "resident",
            indicator="income" if m.group(3) == "收入" else "expenditure",
            basis=basis, statistic="level", value=Decimal(m.group(4)) * 100_000_000, unit="yuan",
            surface=surface, quote=m.group(0), start=m.start(), end=m.end(),
        ))
    return Report(
        id=report_id, path=path, sha256=hashlib.sha256(text.encode()).hexdigest(), encoding="utf-8",
        text=text, title=f"株洲市{year}年医疗保险基金运行分析报告", region="430200", year=year,
        report_type="operation_analysis", issuer="株洲市医疗保障事务中心", date="2023-02-20",
        observations=observations,
    )


def make_report(report_id: str, n: int = 3, basis: str = "actual", start: int = 1) -> Report:
    return report_from_text(report_id, Path(f"{report_id}.txt"), report_text(n, start), basis)


@pytest.fixture
def ontology_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "ontology"
    directory.mkdir()
    (directory / "codes.ttl").write_text(STAND_IN_ONTOLOGY, encoding="utf-8")
    (directory / "shapes.ttl").write_text("this is not turtle and must not be loaded", encoding="utf-8")
    return directory


@pytest.fixture
def store(tmp_path: Path) -> ox.Store:
    return open_store(tmp_path / "store", create=True)


def quad_set(quads) -> set[str]:
    return {str(q) for q in quads}


# --- yibao.graph.rdf -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    (Decimal("2.389E+9"), "2389000000"), (Decimal("34.40"), "34.4"), (Decimal("1.0"), "1"),
    (Decimal("-0.00"), "0"), (Decimal("0.05"), "0.05"), (12, "12"), (Decimal("1E-7"), "0.0000001"),
])
def test_decimal_lexical(value, expected):
    assert decimal_lexical(value) == expected


def test_decimal_lexical_rejects_nan():
    with pytest.raises(ValueError):
        decimal_lexical(Decimal("NaN"))


def test_report_quads_follow_the_contract():
    report = make_report("zz-2022", n=2)
    quads = report_quads(report)
    graph = ox.NamedNode(ns.report_graph("zz-2022"))
    assert all(q.graph_name == graph for q in quads)
    assert len(quads) == len(set(quads)) == 13 + 16 * 2  # 13 about the report node + 16 per observation (12 + source and quote)

    def objects(predicate: str, subject: str | None = None) -> list:
        return [q.object for q in quads if q.predicate.value == predicate
                and (subject is None or q.subject.value == subject)]

    r = ns.report_iri("zz-2022")
    assert objects(ns.DCTERMS + "issued", r) == [ox.Literal("2023-02-20", datatype=ox.NamedNode(ns.XSD + "date"))]
    assert objects(ns.YB + "year", r) == [ox.Literal("2022", datatype=ox.NamedNode(ns.XSD + "integer"))]
    assert objects(ns.YB + "reportType", r) == [ox.NamedNode(ns.code("report-type", "operation_analysis"))]
    assert objects(ns.YB + "sourceFile", r) == [ox.Literal("zz-2022.txt")]
    observations = sorted(q.subject.value for q in quads if q.object == ox.NamedNode(ns.QB + "Observation"))
    for iri in observations:
        assert re.fullmatch(re.escape(r) + "/obs/[0-9a-f]{16}", iri)
    obs = report.observations[0]
    iri = f"{r}/obs/{observation_hash(obs)}"
    assert objects(ns.YB + "value", iri) == [ox.Literal("125000000", datatype=ox.NamedNode(ns.XSD + "decimal"))]
    assert objects(ns.YB + "refPeriod", iri) == [ox.NamedNode("http://reference.data.gov.uk/id/year/2022")]
    assert objects(ns.YB + "quote", iri) == [ox.Literal(obs.quote)]
    integer = ox.NamedNode(ns.XSD + "integer")
    assert objects(ns.YB + "quoteStart", iri) == [ox.Literal(str(obs.start), datatype=integer)]
    assert objects(ns.YB + "quoteEnd", iri) == [ox.Literal(str(obs.end), datatype=integer)]
    assert objects(ns.PROV + "wasDerivedFrom", iri) == [ox.NamedNode(r)]


def test_report_quads_are_deterministic_and_deduplicated():
    report = make_report("zz", n=5)
    shuffled = make_report("zz", n=5)
    shuffled.observations = list(reversed(shuffled.observations)) + [shuffled.observations[0]]
    assert report_quads(report) == report_quads(shuffled)
    assert observation_hash(report.observations[0]) == hashlib.sha1(
        "\x1f".join(map(str, report.observations[0].key)).encode()).hexdigest()[:16]


def test_optional_metadata_is_omitted():
    report = make_report("zz", n=0)
    report.date, report.issuer, report.title = "2023-02-30", None, ""
    predicates = {q.predicate.value for q in report_quads(report)}
    assert ns.DCTERMS + "issued" not in predicates  # not a real date
    assert ns.DCTERMS + "publisher" not in predicates
    assert ns.DCTERMS + "title" not in predicates


def test_report_quads_conform_to_the_shapes():
    pytest.importorskip("pyshacl")
    validate = pytest.importorskip("yibao.graph.validate")
    if not (resources.ontology_dir() / "shapes.ttl").exists() or not (resources.ontology_dir() / "regions.ttl").exists():
        pytest.skip("ontology files not written yet")
    import rdflib

    data = rdflib.Graph().parse(data=ox.serialize(
        [ox.Triple(q.subject, q.predicate, q.object) for q in report_quads(make_report("zz", n=4))],
        format=ox.RdfFormat.N_TRIPLES).decode(), format="nt")
    result = validate.validate(data, validate.load_ontology_graph())
    assert result.conforms, result.violations[:5]
    assert validate.duplicate_observations(data) == []


# --- yibao.graph.store -----------------------------------------------------------------------------------

def test_resolve_store_path(monkeypatch, tmp_path):
    monkeypatch.delenv("YIBAO_STORE", raising=False)
    monkeypatch.chdir(tmp_path)
    assert resolve_store_path(None) == Path(".yibao/store")
    monkeypatch.setenv("YIBAO_STORE", str(tmp_path / "env"))
    assert resolve_store_path(None) == tmp_path / "env"
    assert resolve_store_path(tmp_path / "opt") == tmp_path / "opt"


def test_the_default_store_is_found_from_a_subfolder(monkeypatch, tmp_path):
    monkeypatch.delenv("YIBAO_STORE", raising=False)
    (tmp_path / ".yibao" / "store").mkdir(parents=True)
    (tmp_path / "notes" / "2024").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "notes" / "2024")
    assert resolve_store_path(None) == tmp_path / ".yibao" / "store"
    monkeypatch.chdir(tmp_path)
    assert resolve_store_path(None) == Path(".yibao/store")


def test_open_store_errors_are_one_line(tmp_path):
    with pytest.raises(StoreError, match="no store at") as missing:
        open_store(tmp_path / "missing", create=False)
    assert "\n" not in str(missing.value)
    assert not (tmp_path / "missing").exists()
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "notes.txt").write_text("x")
    with pytest.raises(StoreError, match="not a store"):
        open_store(tmp_path / "plain", create=True)
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreError, match="not a directory"):
        open_store(tmp_path / "file", create=True)


def test_open_store_in_use(tmp_path):
    first = open_store(tmp_path / "s", create=True)
    with pytest.raises(StoreError, match="in use") as busy:
        open_store(tmp_path / "s", create=False)
    assert "\n" not in str(busy.value)
    del first


def test_quads_round_trip(store):
    report = make_report("zz", n=4)
    written = replace_report(store, report)
    assert written == len(report_quads(report)) == count_triples(store)
    assert quad_set(report_graph_quads(store, "zz")) == quad_set(report_quads(report))
    assert report_ids(store) == ["zz"]
    assert count_observations(store) == 4


def test_replace_report_twice_gives_the_same_count(store):
    report = make_report("zz", n=6)
    replace_report(store, report)
    first = count_triples(store)
    replace_report(store, report)
    assert count_triples(store) == first
    smaller = make_report("zz", n=2, basis="budget")
    replace_report(store, smaller)  # stale observations must disappear
    assert quad_set(report_graph_quads(store, "zz")) == quad_set(report_quads(smaller))
    assert count_observations(store) == 2


def test_replacing_one_report_leaves_the_others_intact(store):
    a, b, c = make_report("a", n=3), make_report("b", n=4), make_report("c", n=5)
    for report in (a, b, c):
        replace_report(store, report)
    before = {rid: quad_set(report_graph_quads(store, rid)) for rid in ("a", "c")}
    replace_report(store, make_report("b", n=1, basis="budget"))
    assert {rid: quad_set(report_graph_quads(store, rid)) for rid in ("a", "c")} == before
    assert report_ids(store) == ["a", "b", "c"]
    assert count_observations(store) == 3 + 1 + 5


def test_load_ontology_replaces_the_graph(store, ontology_dir):
    n = load_ontology(store, ontology_dir)
    assert n > 0 and count_triples(store) == n
    assert load_ontology(store, ontology_dir) == n and count_triples(store) == n  # replaced, not added
    (ontology_dir / "broken.ttl").write_text("@prefix : <x> . this is broken", encoding="utf-8")
    with pytest.raises(StoreError, match="broken.ttl"):
        load_ontology(store, ontology_dir)
    assert count_triples(store) == n  # the previous ontology is untouched
    assert report_ids(store) == []


def test_load_ontology_without_files(store, tmp_path):
    assert load_ontology(store, tmp_path / "nothing-here") == 0


# --- yibao.graph.facts -----------------------------------------------------------------------------------

@pytest.fixture
def filled(store, ontology_dir) -> ox.Store:
    load_ontology(store, ontology_dir)
    later = make_report("b-2023", n=3)
    for obs in later.observations[:1]:
        later.observations.append(Observation(**{**obs.__dict__, "region": "430200_municipal",
                                                 "value": Decimal("34.40"), "unit": "percent",
                                                 "statistic": "share", "year": 2023, "period": "2023-Q3"}))
    replace_report(store, later)
    replace_report(store, make_report("a-2022", n=4))
    return store


def test_fact_rows_columns_and_order(filled):
    rows = fact_rows(filled)
    assert len(rows) == 4 + 3 + 1
    assert all(tuple(row) == FACT_COLUMNS for row in rows)
    keys = [(r["report"], r["region_code"], r["year"], r["fund"], r["indicator"], r["basis"], r["statistic"],
             r["start"]) for r in rows]
    assert keys == sorted(keys)
    first = rows[0]
    assert first["report"] == "a-2022" and first["region"] == "株洲市" and first["region_code"] == "430200"
    assert isinstance(first["year"], int) and isinstance(first["start"], int) and isinstance(first["end"], int)
    assert first["value"] == "125000000" and first["unit"] == "yuan" and first["surface"] == "1.25亿元"
    municipal = [r for r in rows if r["region_code"] == "430200_municipal"]
    assert [(r["region"], r["value"], r["period"], r["year"]) for r in municipal] == [("株洲市本级", "34.4", "2023-Q3", 2023)]
    assert fact_rows(filled) == rows  # stable


def test_fact_rows_filters(filled):
    assert {r["report"] for r in fact_rows(filled, year=2022)} == {"a-2022", "b-2023"}
    assert [r["region_code"] for r in fact_rows(filled, region="430200_municipal")] == ["430200_municipal"]
    assert len(fact_rows(filled, year=2023)) == 1
    resident = fact_rows(filled, fund="resident", indicator="expenditure")
    assert {(r["report"], r["fund"], r["indicator"]) for r in resident} == {("a-2022", "resident", "expenditure"),
                                                                           ("b-2023", "resident", "expenditure")}
    assert fact_rows(filled, fund="employee", year=1999) == []
    assert fact_rows(filled, region='430200> } } SELECT * WHERE { ?s ?p "') == []  # bound, never pasted


def test_region_label_falls_back_to_the_code(store):
    replace_report(store, make_report("zz", n=1))
    assert fact_rows(store)[0]["region"] == "430200"


def test_resolve_code(filled):
    assert resolve_code(filled, "region", "430200") == "430200"
    assert resolve_code(filled, "region", "株洲市") == "430200"
    assert resolve_code(filled, "region", "株洲") == "430200"
    assert resolve_code(filled, "region", " zhuzhou ") == "430200"
    assert resolve_code(filled, "region", "市本级") == "430200_municipal"
    assert resolve_code(filled, "fund", "职工医保") == "employee"
    assert resolve_code(filled, "indicator", "收入") == "income"
    with pytest.raises(UnknownCode, match="ambiguous") as ambiguous:
        resolve_code(filled, "region", "昌吉")
    assert ambiguous.value.suggestions == ["652300", "652301"]
    with pytest.raises(UnknownCode) as unknown:
        resolve_code(filled, "region", "株州市")
    assert "株洲市 (430200)" in unknown.value.suggestions and len(unknown.value.suggestions) <= 5
    assert "\n" not in str(unknown.value)


# --- export -------------------------------------------------------------------------------------

@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # rdflib's own parsers use deprecated APIs
@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_export_parses_back_with_the_same_count(filled, fmt):
    import rdflib

    data = serialize_store(filled, fmt).decode("utf-8")
    assert serialize_store(filled, fmt).decode("utf-8") == data  # deterministic
    if fmt == "turtle":
        graph = rdflib.Graph().parse(data=data, format="turtle")
        distinct = {(q.subject, q.predicate, q.object) for q in filled}
        assert len(graph) == len(distinct)
    else:
        dataset = rdflib.Dataset().parse(data=data, format={"trig": "trig", "nquads": "nquads",
                                                            "jsonld": "json-ld"}[fmt])
        quads = list(dataset.quads((None, None, None, None)))
        assert len(quads) == count_triples(filled)
        graphs = {str(g) for *_, g in quads}
        assert {ns.ONTOLOGY_GRAPH, ns.report_graph("a-2022"), ns.report_graph("b-2023")} <= graphs


def test_export_rejects_unknown_format(filled):
    with pytest.raises(StoreError, match="unknown export format"):
        serialize_store(filled, "rdfxml")
