"""Validation in the build's workers: a report is checked where it is extracted, before it is written.

A report is made to break the shapes by a stand-in for `report_quads` that gives one of its values an
ill-typed ``xsd:decimal`` (the file holds a marker). Such a report is named in the build's output and
never written, with one worker or two; a report renamed at write time is checked again under its new
id; `--jobs 1` and `--jobs 2` print and store the same; the scratch store does not grow.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner
from yibao import resources
from yibao.cli.main import app
from yibao.graph import namespaces as ns

SAMPLES = resources.sample_reports_dir()
CHANGJI = SAMPLES / "changji-2021-fund-expenditure-evaluation.txt"
HUAIBEI = SAMPLES / "huaibei-2023-resident-subsidy-self-evaluation.txt"
MARK = "附BREAKSHAPE。"
VALUE = ox.NamedNode(ns.YB + "value")
runner = CliRunner()


def breaking(real):  # noqa: ANN001, ANN201
    """``report_quads`` that gives the first value of a marked report an ill-typed decimal."""

    def report_quads(report):  # noqa: ANN001, ANN202
        quads = real(report)
        if MARK not in report.text:
            return quads
        at = next(i for i, q in enumerate(quads) if q.predicate == VALUE)
        q = quads[at]
        bad = ox.Literal("not-a-number", datatype=ox.NamedNode(ns.XSD + "decimal"))
        return [*quads[:at], ox.Quad(q.subject, q.predicate, bad, q.graph_name), *quads[at + 1:]]

    return report_quads


@pytest.fixture
def shape_breaker(monkeypatch) -> list[str]:
    """Marked reports break the shapes; returns the ids of the reports the writer writes."""
    import yibao.graph.rdf as rdf
    import yibao.graph.store as store

    patched = breaking(rdf.report_quads)
    monkeypatch.setattr(rdf, "report_quads", patched)
    monkeypatch.setattr(store, "report_quads", patched)
    written: list[str] = []
    add, replace = store.add_new_graphs, store.replace_report

    def add_new_graphs(db, nquads):  # noqa: ANN001, ANN202
        graphs = {q.graph_name.value for q in ox.parse(nquads, format=ox.RdfFormat.N_QUADS)}
        written.extend(sorted(g.removeprefix(ns.report_graph("")) for g in graphs))
        return add(db, nquads)

    def replace_report(db, report):  # noqa: ANN001, ANN202
        written.append(report.id)
        return replace(db, report)

    monkeypatch.setattr(store, "add_new_graphs", add_new_graphs)
    monkeypatch.setattr(store, "replace_report", replace_report)
    return written


def folder(root: Path) -> Path:
    """Two sample reports and a marked copy of one of them (bad.txt)."""
    root.mkdir(parents=True)
    shutil.copy(CHANGJI, root / CHANGJI.name)
    shutil.copy(HUAIBEI, root / HUAIBEI.name)
    (root / "bad.txt").write_text(HUAIBEI.read_text(encoding="utf-8") + f"\n{MARK}\n", encoding="utf-8")
    return root


def build(*args: object) -> tuple[int, str]:
    result = runner.invoke(app, ["build", *map(str, args)])
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


def stored(store: Path, *command: str) -> str:
    result = runner.invoke(app, [*command, "--store", str(store)])
    assert result.exit_code == 0, result.output
    return result.stdout


def report_ids(store: Path) -> set[str]:
    from yibao.graph.store import open_store_read_only
    from yibao.graph.store import report_ids as ids

    db = open_store_read_only(store)
    try:
        return set(ids(db))
    finally:
        del db


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_report_breaking_the_shapes_is_named_and_never_written(tmp_path, shape_breaker, jobs):
    reports = folder(tmp_path / "reports")
    code, output = build(reports, "--store", tmp_path / "store", "--jobs", jobs)
    assert code == 1
    assert "report:bad/" in output and "yb:value" in output and "xsd:decimal" in output
    assert re.search(r"bad: breaks the SHACL shapes \(1 violation\(s\)\)", output)
    assert "does not conform: 1 violation(s)" in output
    assert "bad" not in shape_breaker and sorted(shape_breaker) == sorted([CHANGJI.stem, HUAIBEI.stem])
    assert report_ids(tmp_path / "store") == {CHANGJI.stem, HUAIBEI.stem}


def test_without_validation_no_scratch_store_is_made_and_the_report_is_written(tmp_path, shape_breaker,
                                                                                monkeypatch):
    import yibao.graph.shacl_sparql as shacl_sparql

    def refuse(*_, **__):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("a scratch store was made with --no-validate")

    monkeypatch.setattr(shacl_sparql.ScratchStore, "__init__", refuse)
    reports = folder(tmp_path / "reports")
    for jobs in ("1", "2"):
        store = tmp_path / f"store-{jobs}"
        code, output = build(reports, "--store", store, "--no-validate", "--jobs", jobs, "--force")
        assert code == 0, output
        assert "bad" in report_ids(store)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_report_renamed_at_write_is_checked_under_its_stored_id(tmp_path, shape_breaker, jobs):
    (tmp_path / "A").mkdir()
    (tmp_path / "B").mkdir()
    shutil.copy(HUAIBEI, tmp_path / "A" / "same.txt")
    (tmp_path / "B" / "same.txt").write_text(CHANGJI.read_text(encoding="utf-8") + f"\n{MARK}\n",
                                             encoding="utf-8")
    store = tmp_path / "store"
    code, output = build(tmp_path / "A", "--store", store, "--jobs", jobs)
    assert code == 0, output
    before = stored(store, "facts", "-f", "csv")
    shape_breaker.clear()
    code, output = build(tmp_path / "B", "--store", store, "--jobs", jobs)
    assert code == 1
    renamed = re.search(r"is loaded as (same-[0-9a-f]{8})", output)
    assert renamed, output
    rid = renamed.group(1)
    assert f"report:{rid}/" in output and "report:same/" not in output  # the messages name the stored id
    assert f"{rid}: breaks the SHACL shapes" in output
    assert shape_breaker == [] and report_ids(store) == {"same"}
    assert stored(store, "facts", "-f", "csv") == before


def test_a_renamed_report_that_conforms_is_written_under_its_new_id(tmp_path, shape_breaker):
    (tmp_path / "A").mkdir()
    (tmp_path / "B").mkdir()
    shutil.copy(HUAIBEI, tmp_path / "A" / "same.txt")
    shutil.copy(CHANGJI, tmp_path / "B" / "same.txt")
    store = tmp_path / "store"
    assert build(tmp_path / "A", "--store", store, "--jobs", "2")[0] == 0
    code, output = build(tmp_path / "B", "--store", store, "--jobs", "2")
    assert code == 0, output
    assert "conforms" in output
    assert len(report_ids(store)) == 2


def test_a_changed_report_that_breaks_the_shapes_removes_its_earlier_version(tmp_path, shape_breaker):
    reports = tmp_path / "reports"
    reports.mkdir()
    path = reports / "changing.txt"
    shutil.copy(HUAIBEI, path)
    store = tmp_path / "store"
    assert build(reports, "--store", store, "--jobs", "2")[0] == 0
    assert report_ids(store) == {"changing"}
    path.write_text(HUAIBEI.read_text(encoding="utf-8") + f"\n{MARK}\n", encoding="utf-8")
    code, output = build(reports, "--store", store, "--jobs", "2")
    assert code == 1 and "changing: breaks the SHACL shapes" in output
    assert report_ids(store) == set()
    assert "changing" not in stored(store, "reports", "-f", "csv")


def test_serial_and_parallel_builds_print_and_store_the_same(tmp_path, shape_breaker):
    reports = folder(tmp_path / "reports")
    for extra in range(2):  # more files than workers, a renamed one among them
        (reports / f"copy-{extra}.txt").write_text(CHANGJI.read_text(encoding="utf-8") + f"\n附{extra}。",
                                                   encoding="utf-8")
    outputs = {}
    for jobs in ("1", "2"):
        store = tmp_path / f"store-{jobs}"
        code, output = build(reports, "--store", store, "--jobs", jobs)
        assert code == 1
        outputs[jobs] = (output.replace(str(store), "STORE"), stored(store, "facts", "-f", "csv"),
                         stored(store, "export", "-f", "nquads"))
    assert outputs["1"] == outputs["2"]
    assert "bad: breaks the SHACL shapes" in outputs["1"][0]


def test_the_scratch_store_checks_quads_and_does_not_grow(tmp_path):
    from yibao.graph.rdf import report_quads
    from yibao.graph.shacl_sparql import ScratchStore, check_graphs
    from yibao.graph.store import load_ontology, open_store
    from yibao.ingest.worker import ExtractJob, extract_file

    results = [extract_file(ExtractJob(p)) for p in (CHANGJI, HUAIBEI)]
    scratch = ScratchStore()  # the ontology graph from the ontology files
    scratch.renew_every = 3  # made anew from the ontology during the loop below
    db = open_store(tmp_path / "store", create=True)
    try:
        load_ontology(db)
        ontology = list(db.quads_for_pattern(None, None, None, ox.NamedNode(ns.ONTOLOGY_GRAPH)))
        size = len(scratch.memory)
        assert size == len(ontology)
        as_nquads, as_quads = {}, {}
        for result in results:
            assert result.report is not None and result.nquads is not None
            as_nquads.update(scratch.check_quads(result.nquads))
            as_quads.update(scratch.check_quads(report_quads(result.report)))
            assert scratch.check_quads(result.nquads) == scratch.check_quads(result.nquads)
            assert len(scratch.memory) == size  # each report's graph is dropped after its check
            db.bulk_load(result.nquads, format=ox.RdfFormat.N_QUADS)
        from_store = check_graphs(db, [ns.report_graph(r.report.id) for r in results if r.report])
    finally:
        del db
    assert as_nquads == as_quads == from_store
    assert all(f.result.conforms and not f.duplicates for f in as_nquads.values())


def test_with_two_jobs_the_workers_check_and_the_writer_does_not(tmp_path, shape_breaker, monkeypatch):
    import os

    import yibao.graph.shacl_sparql as shacl_sparql
    import yibao.ingest.worker as worker

    parent, real = os.getpid(), worker.check_report

    def in_workers_only(report_id, quads):  # noqa: ANN001, ANN202
        assert os.getpid() != parent, "the writer checked a report its worker had checked"
        return real(report_id, quads)

    monkeypatch.setattr(worker, "check_report", in_workers_only)
    monkeypatch.setattr(shacl_sparql, "_PROCESS_SCRATCH", {})
    code, output = build(folder(tmp_path / "reports"), "--store", tmp_path / "store", "--jobs", "2")
    assert code == 1 and "bad: breaks the SHACL shapes" in output
    assert shacl_sparql._PROCESS_SCRATCH == {}  # no scratch store in the writer


def test_an_extraction_job_carries_its_check(shape_breaker, tmp_path):
    from yibao.ingest.pool import extract_in_order
    from yibao.ingest.worker import ExtractJob

    paths = sorted(folder(tmp_path / "reports").glob("*.txt"))
    results = list(extract_in_order((ExtractJob(p, validate=True) for p in paths), 2, None))
    checks = {r.path.name: r.check for r in results}
    assert all(c is not None for c in checks.values())
    assert [name for name, c in checks.items() if not c.result.conforms] == ["bad.txt"]
    plain = list(extract_in_order((ExtractJob(p) for p in paths), 2, None))
    assert all(r.check is None and r.nquads for r in plain)
