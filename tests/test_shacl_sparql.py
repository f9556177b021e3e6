"""The SHACL shapes compiled to SPARQL agree with pySHACL: on sample graphs and on graphs that break
each kind of constraint the shapes use, once."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pyoxigraph as ox
import pytest
from yibao.graph import namespaces as ns
from yibao.graph.rdf import report_quads
from yibao.graph.shacl_sparql import UnsupportedShape, check_graphs, compile_shapes, shapes_graph
from yibao.graph.store import graph_to_rdflib, load_ontology, open_store, replace_graph
from yibao.graph.validate import load_ontology_graph, validate
from yibao.ingest import pipeline
from yibao.resources import sample_reports_dir

YB, XSD, QB = ns.YB, ns.XSD, ns.QB
RDF_TYPE = ns.RDF + "type"


def _small_report(name: str):
    """A sample report cut down to a few facts of each kind, so pySHACL stays quick."""
    report = pipeline.process_file(sample_reports_dir() / name)
    return dataclasses.replace(report, observations=report.observations[:4], policies=report.policies[:2],
                               findings=report.findings[:2], unmapped=sorted(report.unmapped)[:1])


@pytest.fixture(scope="module")
def base() -> list[ox.Quad]:
    return report_quads(_small_report("zhuzhou-2022-fund-operation-analysis.txt"))


def _first(quads: list[ox.Quad], predicate: str, subject_part: str = "/obs/") -> ox.Quad:
    return next(q for q in quads if q.predicate.value == predicate and subject_part in q.subject.value)


def _swap(quads: list[ox.Quad], old: ox.Quad, new: ox.Quad | None) -> list[ox.Quad]:
    return [new if q == old else q for q in quads if new is not None or q != old]


def _with(quads, old: ox.Quad, obj) -> list[ox.Quad]:
    return _swap(quads, old, ox.Quad(old.subject, old.predicate, obj, old.graph_name))


def _int(n: int | str, datatype: str = "integer") -> ox.Literal:
    return ox.Literal(str(n), datatype=ox.NamedNode(XSD + datatype))


def _broken(base: list[ox.Quad]) -> dict[str, list[ox.Quad]]:
    """One graph per kind of constraint, each breaking it once."""
    fund, unit = _first(base, YB + "fund"), _first(base, YB + "unit")
    value, period = _first(base, YB + "value"), _first(base, YB + "refPeriod")
    surface, dataset = _first(base, YB + "surface"), _first(base, QB + "dataSet")
    start, end = _first(base, YB + "quoteStart", "/obs/"), _first(base, YB + "quoteEnd", "/obs/")
    year = next(q for q in base if q.predicate.value == YB + "year" and "/obs/" not in q.subject.value
                and "/policy/" not in q.subject.value and q.subject.value.count("/") <= 5)
    title = next(q for q in base if q.predicate.value == ns.DCTERMS + "title")
    quote = _first(base, YB + "quote", "/unmapped/")
    extra = lambda s, p, o: [*base, ox.Quad(s, ox.NamedNode(p), o, fund.graph_name)]  # noqa: E731
    return {
        "minCount": _swap(base, fund, None),
        "maxCount": extra(unit.subject, YB + "unit", ox.NamedNode(ns.code("unit", "percent"))),
        "class": _with(base, fund, ox.NamedNode(ns.code("indicator", "income"))),
        "datatype": _with(base, value, ox.Literal(value.object.value)),
        "nodeKind": _with(base, period, ox.Literal("2022")),
        "pattern": _with(base, period, ox.NamedNode("http://reference.data.gov.uk/id/year/22")),
        "minLength": _with(base, surface, ox.Literal("")),
        "minInclusive": _with(base, start, _int(-1)),
        "maxInclusive": _with(base, year, _int(2200)),
        "lessThan": _with(base, end, _int(start.object.value)),
        "hasValue": _with(base, dataset, ox.NamedNode("https://w3id.org/yibao/dataset/other")),
        "targetSubjectsOf": _swap(base, _first(base, YB + "quoteEnd", "/unmapped/"), None),
        "maxCount-quote": extra(quote.subject, YB + "quote", ox.Literal(quote.object.value + "。")),
        "warning": _swap(base, title, None),
    }


def _renamed(quads: list[ox.Quad], suffix: str) -> list[ox.Quad]:
    """The quads with the report's IRIs given their own id (graphs checked together must not share nodes)."""
    prefix = ns.report_iri("")

    def term(t):
        if isinstance(t, ox.NamedNode) and t.value.startswith(prefix):
            head, _, rest = t.value[len(prefix):].partition("/")
            return ox.NamedNode(prefix + head + suffix + ("/" + rest if rest or t.value.endswith("/") else ""))
        return t

    return [ox.Quad(term(q.subject), q.predicate, term(q.object), q.graph_name) for q in quads]


@pytest.fixture(scope="module")
def variants(base, tmp_path_factory) -> tuple[ox.Store, dict[str, str]]:
    db = open_store(tmp_path_factory.mktemp("shacl") / "store", create=True)
    load_ontology(db)
    graphs = {"sample": ns.report_graph("sample-a")}
    replace_graph(db, graphs["sample"], _renamed(base, "-sample"))
    other = report_quads(_small_report("changji-2021-fund-expenditure-evaluation.txt"))
    graphs["sample-2"] = ns.report_graph("sample-b")
    replace_graph(db, graphs["sample-2"], other)
    for kind, quads in _broken(base).items():
        graphs[kind] = ns.report_graph(f"broken-{kind}")
        replace_graph(db, graphs[kind], _renamed(quads, f"-{kind}"))
    return db, graphs


def test_every_constraint_of_the_shapes_compiles():
    kinds = {check.component for check in compile_shapes(shapes_graph())}
    assert {"MinCountConstraintComponent", "ClassConstraintComponent", "PatternConstraintComponent",
            "LessThanConstraintComponent", "MinInclusiveConstraintComponent"} <= kinds


def test_unknown_constraints_are_refused():
    from rdflib import Graph

    shapes = Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:s> a sh:NodeShape ; sh:targetClass <urn:C> ;
            sh:property [ sh:path <urn:p> ; sh:equals <urn:q> ] .""", format="turtle")
    with pytest.raises(UnsupportedShape, match="equals"):
        compile_shapes(shapes)


def test_fast_check_agrees_with_pyshacl(variants):
    db, graphs = variants
    fast = check_graphs(db, graphs.values(), batch=4)  # several batches, graphs checked together
    ontology = load_ontology_graph()
    for kind, graph in graphs.items():
        reference = validate(graph_to_rdflib(db, graph), ontology)
        got = fast[graph].result
        assert got.conforms == reference.conforms, (kind, got.violations, reference.violations)
        assert got.violations == reference.violations, kind
        assert got.warnings == reference.warnings, kind
        assert (kind in ("sample", "sample-2", "warning")) == got.conforms, (kind, got.violations)
    assert fast[graphs["warning"]].result.warnings
    assert all(not fast[g].duplicates for g in graphs.values())


def test_messages_name_focus_path_and_problem(variants):
    db, graphs = variants
    lines = check_graphs(db, [graphs["datatype"]])[graphs["datatype"]].result.violations
    assert len(lines) == 1
    assert "/obs/" in lines[0] and "yb:value" in lines[0] and "xsd:decimal" in lines[0] and "(value" in lines[0]


def test_build_rejects_a_report_that_breaks_the_shapes(tmp_path: Path, base):
    from yibao.ingest.build import BuildOutcome, validate_loaded

    db = open_store(tmp_path / "store", create=True)
    load_ontology(db)
    replace_graph(db, ns.report_graph("good"), _renamed(base, "-good"))
    replace_graph(db, ns.report_graph("bad"), _renamed(_broken(base)["class"], "-bad"))
    outcome = BuildOutcome(loaded=[("bad", 4, 1), ("good", 4, 1)])
    validate_loaded(db, outcome)
    assert [r for r, _ in outcome.rejected] == ["bad"] and [r for r, _, _ in outcome.loaded] == ["good"]
    assert not outcome.conforms and outcome.violations
    assert not list(db.quads_for_pattern(None, None, None, ox.NamedNode(ns.report_graph("bad"))))


def _duplicated(base: list[ox.Quad]) -> list[ox.Quad]:
    """The graph with one observation stated twice under another IRI (same dimensions and quote)."""
    first = _first(base, YB + "fund").subject
    twin = ox.NamedNode(first.value + "twin")
    return [*base, *(ox.Quad(twin, q.predicate, q.object, q.graph_name) for q in base if q.subject == first)]


@pytest.fixture(scope="module")
def scratch():
    from yibao.graph.shacl_sparql import ScratchStore

    store = ScratchStore()
    assert store.prescreen is not None  # the shapes use only what the prescreen evaluates
    return store


def test_the_prescreen_passes_a_conforming_report_and_flags_every_broken_one(base, scratch):
    from yibao.graph.shacl_sparql import check_quads

    assert scratch.prescreen.clean(base)
    fund = _first(base, YB + "fund")
    typed_by_a_literal = [*_with(base, fund, ox.NamedNode("urn:x:fund")),  # a class named by a string is no class
                          ox.Quad(ox.NamedNode("urn:x:fund"), ox.NamedNode(RDF_TYPE), ox.Literal(YB + "Fund"),
                                  fund.graph_name)]
    broken = {**_broken(base), "duplicate": _duplicated(base), "class-literal": typed_by_a_literal}
    for kind, quads in broken.items():
        assert not scratch.prescreen.clean(quads), kind
        found = check_quads(quads)[ns.report_graph(_small_report("zhuzhou-2022-fund-operation-analysis.txt").id)]
        assert found.duplicates or found.result.violations or found.result.warnings, kind  # SPARQL's lines
        if kind == "warning":  # a missing title: the prescreen gives SPARQL's warning line itself
            assert scratch.prescreen.screen(quads) == set(found.result.warnings) and found.result.conforms
        else:
            assert scratch.prescreen.screen(quads) is None, kind
    flagged = check_quads(broken["duplicate"])
    assert [len(f.duplicates) for f in flagged.values()] == [1]


def test_the_prescreen_never_hides_what_the_sparql_checks_find(scratch, monkeypatch):
    """On every sample and fixture report: a report the prescreen calls clean is one the SPARQL checks
    find nothing in, and the verdicts with and without the prescreen are the same."""
    from yibao.graph.shacl_sparql import ScratchStore

    monkeypatch.setenv("YIBAO_SHACL_PRESCREEN", "0")
    plain = ScratchStore()
    assert plain.prescreen is None
    files = sorted(sample_reports_dir().glob("*.txt")) + sorted(Path("tests/fixtures/corpus/reports").glob("*.txt"))
    assert len(files) > 20
    clean = warned = 0
    for path in files:
        quads = report_quads(pipeline.process_file(path))
        reference = plain.check_quads(quads)
        if scratch.prescreen.clean(quads):
            clean += 1
            assert all(f.result.conforms and not f.result.warnings and not f.duplicates
                       for f in reference.values()), path.name
        lines = scratch.prescreen.screen(quads)
        if lines:
            warned += 1
            assert [sorted(lines)] == [f.result.warnings for f in reference.values()], path.name
        assert scratch.check_quads(quads) == reference, path.name
    assert clean >= len(files) // 2 and warned >= 3  # the fixtures hold reports without a title or region


def test_the_prescreen_stands_aside_for_what_it_does_not_evaluate(scratch):
    from rdflib import Graph
    from yibao.graph.shacl_prescreen import Prescreen

    shapes = Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:s> a sh:NodeShape ; sh:targetClass <urn:C> ;
            sh:property [ sh:path <urn:p> ; sh:in ( <urn:a> <urn:b> ) ] .""", format="turtle")
    assert Prescreen.build(compile_shapes(shapes), scratch.memory, ns.ONTOLOGY_GRAPH) is None
    ontology_class = next(q.object.value for q in scratch.memory.quads_for_pattern(
        None, ox.NamedNode(RDF_TYPE), None, ox.NamedNode(ns.ONTOLOGY_GRAPH)))
    on_ontology = Graph().parse(data=f"""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:s> a sh:NodeShape ; sh:targetClass <{ontology_class}> ;
            sh:property [ sh:path <urn:p> ; sh:minCount 1 ] .""", format="turtle")
    assert Prescreen.build(compile_shapes(on_ontology), scratch.memory, ns.ONTOLOGY_GRAPH) is None


def test_the_scratch_ontology_from_the_cache_is_the_ontology_files(tmp_path, monkeypatch):
    """Workers load the ontology graph from cached N-Quads: the same triples as parsing the Turtle."""
    from yibao.graph.shacl_sparql import ScratchStore

    monkeypatch.setenv("YIBAO_CACHE", str(tmp_path / "cache"))
    parsed = ox.Store()
    load_ontology(parsed)

    def ground(store: ox.Store) -> set[str]:
        return {str(q) for q in store.quads_for_pattern(None, None, None, None)
                if not isinstance(q.subject, ox.BlankNode) and not isinstance(q.object, ox.BlankNode)}

    first = ScratchStore()
    assert list((tmp_path / "cache").glob("ontology-nquads-*.pickle"))
    second = ScratchStore()  # from the cache file
    for scratch in (first, second):
        assert len(scratch.memory) == len(parsed)
        assert ground(scratch.memory) == ground(parsed)
    assert [c.line for c in first.checks] and len(first.checks) == len(second.checks)
