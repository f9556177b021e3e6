"""The `yibao` CLI: build, facts, export, user errors, and crash safety of the build.

The build tests use a fake pipeline (one observation per line of a small synthetic text, see
test_store.report_text) and a stand-in ontology, so they do not depend on the extractors.
Subprocess tests run ``tests/test_cli.py`` itself as a driver script (see ``_driver_main``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest
import yibao.ingest
from typer.testing import CliRunner
from yibao import resources
from yibao.cli.main import app
from yibao.model import FACT_COLUMNS, Report

from tests.test_store import STAND_IN_ONTOLOGY, report_from_text, report_text

ROOT = Path(__file__).resolve().parent.parent
BROKEN_MARK = "BROKEN"  # a fake report file starting with this is rejected like an undecodable file
CRASH_MARK = "CRASH"  # … and one starting with this makes the fake extractor fail with a bug
VARIANT_ENV = "YIBAO_FAKE_BASIS"  # the basis the fake pipeline assigns (lets a rebuild change every report)
ANNOUNCE_ENV = "YIBAO_FAKE_ANNOUNCE"  # file name: print "PROCESSED <name>" on stderr after extracting it
ONTOLOGY_ENV = "YIBAO_FAKE_ONTOLOGY_DIR"

runner = CliRunner()


# --- fakes ----------------------------------------------------------------------------------------

def fake_process_file(path: Path) -> Report:
    """Stand-in for yibao.ingest.pipeline.process_file."""
    from yibao.ingest.reading import ReadError

    path = Path(path)
    text = path.read_text(encoding="utf-8")
    if text.startswith(BROKEN_MARK):
        raise ReadError(path, "binary file (NUL bytes)")
    if text.startswith(CRASH_MARK):
        raise KeyError("no such [unit]")
    report = report_from_text(path.stem, path, text, basis=os.environ.get(VARIANT_ENV, "actual"))
    if len(report.observations) % 2:
        report.warnings.append(f"[odd] number of observations ({len(report.observations)})")
    if os.environ.get(ANNOUNCE_ENV) == path.name:
        print(f"PROCESSED {path.name}", file=sys.stderr, flush=True)
    return report


def install_fakes(monkeypatch: pytest.MonkeyPatch | None, ontology_dir: Path) -> None:
    """Route yibao.ingest.pipeline to the fake and the package ontology to a stand-in."""
    module = types.ModuleType("yibao.ingest.pipeline")
    module.process_file = fake_process_file
    module.EXTRACTOR_VERSION = f"fake-{os.environ.get(VARIANT_ENV, 'actual')}"  # a variant is another extractor
    if monkeypatch is None:  # subprocess driver
        sys.modules["yibao.ingest.pipeline"] = module
        yibao.ingest.pipeline = module
        resources.ontology_dir = lambda: ontology_dir
        return
    monkeypatch.setitem(sys.modules, "yibao.ingest.pipeline", module)
    monkeypatch.setattr(yibao.ingest, "pipeline", module, raising=False)
    monkeypatch.setattr(resources, "ontology_dir", lambda: ontology_dir)


def fake_validate_module(conforms: bool = True, violations: list[str] | None = None,
                         duplicates: list[str] | None = None) -> types.ModuleType:
    import rdflib

    module = types.ModuleType("yibao.graph.validate")
    module.load_ontology_graph = rdflib.Graph
    module.validate = lambda data, ontology: types.SimpleNamespace(conforms=conforms,
                                                                  violations=list(violations or []))
    module.duplicate_observations = lambda graph: list(duplicates or [])
    return module


def fake_shacl_sparql_module(conforms: bool = True, violations: list[str] | None = None,
                             duplicates: list[str] | None = None) -> types.ModuleType:
    """Stands in for the build's compiled-SHACL check: every graph gets the given outcome."""
    module = types.ModuleType("yibao.graph.shacl_sparql")

    def check_graphs(store, graphs, **_):  # noqa: ANN001, ANN202
        result = types.SimpleNamespace(conforms=conforms, violations=list(violations or []))
        return {g: types.SimpleNamespace(result=result, duplicates=list(duplicates or [])) for g in sorted(graphs)}

    def check_quads(data):  # noqa: ANN001, ANN202
        import pyoxigraph as ox

        quads = ox.parse(data, format=ox.RdfFormat.N_QUADS) if isinstance(data, bytes) else data
        return check_graphs(None, {q.graph_name.value for q in quads})

    module.check_graphs = check_graphs
    module.check_quads = check_quads
    return module


def set_fake_validation(monkeypatch: pytest.MonkeyPatch, **outcome) -> None:  # noqa: ANN003
    monkeypatch.setitem(sys.modules, "yibao.graph.validate", fake_validate_module(**outcome))
    monkeypatch.setitem(sys.modules, "yibao.graph.shacl_sparql", fake_shacl_sparql_module(**outcome))


def write_reports(directory: Path, count: int, lines: int = 4) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = directory / f"report-{i:02d}.txt"
        path.write_text(report_text(lines + i % 3, start=1 + i), encoding="utf-8")
        paths.append(path)
    return paths


def expected_quads(path: Path, basis: str = "actual") -> set[str]:
    from yibao.graph.rdf import report_quads

    text = path.read_text(encoding="utf-8")
    return {str(q) for q in report_quads(report_from_text(path.stem, path, text, basis))}


def stored_quads(store_path: Path) -> dict[str, set[str]]:
    from yibao.graph.store import open_store, report_graph_quads, report_ids

    db = open_store(store_path, create=False)
    try:
        return {rid: {str(q) for q in report_graph_quads(db, rid)} for rid in report_ids(db)}
    finally:
        del db


@pytest.fixture
def ontology_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "ontology"
    directory.mkdir()
    (directory / "codes.ttl").write_text(STAND_IN_ONTOLOGY, encoding="utf-8")
    return directory


@pytest.fixture
def fakes(monkeypatch, ontology_dir) -> pytest.MonkeyPatch:
    install_fakes(monkeypatch, ontology_dir)
    set_fake_validation(monkeypatch)
    monkeypatch.delenv("YIBAO_STORE", raising=False)
    return monkeypatch


@pytest.fixture
def built(tmp_path, fakes) -> Path:
    store = tmp_path / "store"
    result = runner.invoke(app, ["build", str(write_reports(tmp_path / "reports", 3)[0].parent),
                                 "--store", str(store)])
    assert result.exit_code == 0, result.output
    return store


def assert_one_error_line(result, code: int | None = None) -> str:
    assert result.exit_code != 0
    if code is not None:
        assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


# --- build ----------------------------------------------------------------------------------------

def test_build_loads_and_summarises(tmp_path, fakes):
    paths = write_reports(tmp_path / "reports", 3)
    store = tmp_path / "store"
    result = runner.invoke(app, ["build", str(tmp_path / "reports"), "--store", str(store)])
    assert result.exit_code == 0, result.output
    assert "3 of 3 file(s)" in result.stdout
    assert "conforms" in result.stdout
    assert "report-01: [odd] number of observations (5)" in result.stdout  # shown verbatim, not as markup
    assert set(stored_quads(store)) == {p.stem for p in paths}


def test_building_twice_gives_the_same_triple_count(built, tmp_path):
    from yibao.graph.store import count_triples, open_store

    db = open_store(built, create=False)
    first = count_triples(db)
    del db
    result = runner.invoke(app, ["build", str(tmp_path / "reports"), "--store", str(built)])
    assert result.exit_code == 0, result.output
    db = open_store(built, create=False)
    assert count_triples(db) == first
    del db


def test_broken_file_is_skipped_and_named(tmp_path, fakes):
    reports = tmp_path / "reports"
    write_reports(reports, 2)
    (reports / "garbage.txt").write_text(BROKEN_MARK + "\x00\x00", encoding="utf-8")
    (reports / "crash.txt").write_text(CRASH_MARK, encoding="utf-8")
    store = tmp_path / "store"
    result = runner.invoke(app, ["build", str(reports), "--store", str(store)])
    assert result.exit_code == 0, result.output
    assert "garbage.txt: binary file (NUL bytes)" in result.output
    assert "crash.txt: KeyError: 'no such [unit]'" in result.output
    assert "Traceback" not in result.output
    assert "2 of 4 file(s)" in result.stdout
    assert set(stored_quads(store)) == {"report-00", "report-01"}
    strict = runner.invoke(app, ["build", str(reports), "--store", str(store), "--strict"])
    assert strict.exit_code == 1


def test_build_fails_when_nothing_loads(tmp_path, fakes):
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "a.txt").write_text(BROKEN_MARK, encoding="utf-8")
    result = runner.invoke(app, ["build", str(reports), "--store", str(tmp_path / "store")])
    assert result.exit_code == 1
    assert "no report was loaded" in result.stderr


def test_build_fails_when_shacl_fails(tmp_path, fakes):
    violations = [f"[Warning] report:x yb:value: violation {i}" for i in range(25)]
    set_fake_validation(fakes, conforms=False, violations=violations)
    write_reports(tmp_path / "reports", 1)
    result = runner.invoke(app, ["build", str(tmp_path / "reports"), "--store", str(tmp_path / "store")])
    assert result.exit_code == 1
    assert "[Warning] report:x yb:value: violation 19" in result.stdout  # verbatim
    assert "violation 20" not in result.stdout  # first 20 only
    assert "and 5 more" in result.stdout
    assert "does not conform" in result.stderr


def test_build_fails_on_duplicate_observations(tmp_path, fakes):
    set_fake_validation(fakes, duplicates=["report:x: same dimensions"])
    write_reports(tmp_path / "reports", 1)
    result = runner.invoke(app, ["build", str(tmp_path / "reports"), "--store", str(tmp_path / "store")])
    assert result.exit_code == 1
    assert "duplicate observations" in result.stderr


def test_build_user_errors(tmp_path, fakes):
    line = assert_one_error_line(runner.invoke(app, ["build", str(tmp_path / "nope")]), 2)
    assert "nope" in line
    (tmp_path / "empty").mkdir()
    assert "no .txt files" in assert_one_error_line(runner.invoke(app, ["build", str(tmp_path / "empty")]), 2)
    (tmp_path / "not-a-store").mkdir()
    (tmp_path / "not-a-store" / "x").write_text("x")
    write_reports(tmp_path / "reports", 1)
    result = runner.invoke(app, ["build", str(tmp_path / "reports"), "--store", str(tmp_path / "not-a-store")])
    assert "not a store" in assert_one_error_line(result, 1)


# --- facts ----------------------------------------------------------------------------------------

def test_facts_csv_and_json(built):
    csv_result = runner.invoke(app, ["facts", "--store", str(built), "--format", "csv"])
    assert csv_result.exit_code == 0, csv_result.output
    lines = csv_result.stdout.splitlines()
    assert lines[0] == ",".join(FACT_COLUMNS)
    json_result = runner.invoke(app, ["facts", "--store", str(built), "-f", "json"])
    rows = json.loads(json_result.stdout)
    assert len(rows) == len(lines) - 1 == 4 + 5 + 6
    assert all(list(row) == list(FACT_COLUMNS) for row in rows)
    assert rows[0]["report"] == "report-00" and rows[0]["region"] == "株洲市"


def test_facts_filters_accept_names(built):
    def count(*args: str) -> int:
        result = runner.invoke(app, ["facts", "--store", str(built), "-f", "json", *args])
        assert result.exit_code == 0, result.output
        return len(json.loads(result.stdout))

    everything = count()
    assert count("--region", "株洲") == count("--region", "430200") == everything
    employee = count("--fund", "职工医保")
    assert 0 < employee < everything
    assert employee + count("--fund", "resident") == everything
    assert count("--indicator", "收入", "--year", "2022") == employee
    assert count("--year", "1999") == 0


def test_facts_table(built):
    result = runner.invoke(app, ["facts", "--store", str(built)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "report-00" in result.stdout and "株洲市" in result.stdout


def test_facts_unknown_region(built):
    line = assert_one_error_line(runner.invoke(app, ["facts", "--store", str(built), "--region", "株州市"]), 2)
    assert "unknown region '株州市'" in line and "株洲市 (430200)" in line


@pytest.mark.parametrize("args", [["--fund", "nonsense"], ["--indicator", "收人"]])
def test_facts_unknown_fund_or_indicator(built, args):
    assert "unknown" in assert_one_error_line(runner.invoke(app, ["facts", "--store", str(built), *args]), 2)


def test_facts_missing_store(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("YIBAO_STORE", raising=False)
    line = assert_one_error_line(runner.invoke(app, ["facts"]), 1)
    assert "no store at .yibao/store" in line
    monkeypatch.setenv("YIBAO_STORE", str(tmp_path / "elsewhere"))
    assert "elsewhere" in assert_one_error_line(runner.invoke(app, ["export"]), 1)
    assert not (tmp_path / "elsewhere").exists()


@pytest.mark.parametrize("args", [["facts", "--format", "xml"], ["facts", "--year", "abc"],
                                  ["export", "--format", "rdfxml"], ["facts", "--bogus"], ["fact"]])
def test_usage_errors_are_one_line(built, args):
    assert_one_error_line(runner.invoke(app, [*args, "--store", str(built)]), 2)


# --- export ---------------------------------------------------------------------------------------

@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # rdflib's own parsers use deprecated APIs
@pytest.mark.parametrize(("fmt", "rdflib_format"), [("turtle", "turtle"), ("trig", "trig"),
                                                    ("nquads", "nquads"), ("jsonld", "json-ld")])
def test_export_formats_parse_back(built, tmp_path, fmt, rdflib_format):
    import rdflib
    from yibao.graph.store import count_triples, open_store

    out = tmp_path / f"export.{fmt}"
    result = runner.invoke(app, ["export", "--store", str(built), "--format", fmt, "--output", str(out)])
    assert result.exit_code == 0, result.output
    db = open_store(built, create=False)
    total, distinct = count_triples(db), len({(q.subject, q.predicate, q.object) for q in db})
    del db
    if fmt == "turtle":
        assert len(rdflib.Graph().parse(out, format=rdflib_format)) == distinct
    else:
        dataset = rdflib.Dataset().parse(out, format=rdflib_format)
        assert len(list(dataset.quads((None, None, None, None)))) == total


def test_export_to_stdout(built):
    result = runner.invoke(app, ["export", "--store", str(built), "-f", "nquads"])
    assert result.exit_code == 0
    assert result.stdout.count("\n") > 100


def test_export_to_a_missing_folder(built, tmp_path):
    line = assert_one_error_line(runner.invoke(
        app, ["export", "--store", str(built), "--output", str(tmp_path / "no" / "such" / "x.ttl")]), 1)
    assert "cannot write" in line


# --- start-up cost --------------------------------------------------------------------------------

def test_cli_import_stays_lean():
    heavy = ["pyoxigraph", "rdflib", "pyshacl", "pandas", "rich", "pyvis", "networkx", "jinja2", "yibao.graph.store",
             "yibao.ingest.pipeline", "yibao.viz"]
    code = f"import sys, yibao.cli.main; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- crash safety (subprocess builds killed with SIGKILL) -----------------------------------------

KILL_AFTER_ENV = "YIBAO_TEST_KILL_AFTER"  # read by this driver only: shipped code has no test switch


def _driver_main() -> None:
    """`python tests/test_cli.py ARGS…`: the CLI with the fake pipeline and $YIBAO_FAKE_ONTOLOGY_DIR.

    With $YIBAO_TEST_KILL_AFTER=N the process sends itself SIGKILL right after the N-th report has
    been committed to the store (written one report per batch, so that a new report's bulk
    ingestion is a commit of its own).
    """
    install_fakes(None, Path(os.environ[ONTOLOGY_ENV]))
    target = os.environ.get(KILL_AFTER_ENV)
    if target:
        import yibao.graph.store as store_module
        import yibao.ingest.build as build_module

        build_module.BATCH_REPORTS = 1
        replace, add, committed = store_module.replace_report, store_module.add_new_graphs, []

        def count(what: str) -> None:
            committed.append(what)
            if len(committed) == int(target):
                os.kill(os.getpid(), signal.SIGKILL)

        def replace_then_die(store, report):  # noqa: ANN001, ANN202
            written = replace(store, report)
            count(report.id)
            return written

        def add_then_die(store, nquads):  # noqa: ANN001, ANN202
            add(store, nquads)
            count("new")

        store_module.replace_report = replace_then_die
        store_module.add_new_graphs = add_then_die
    app(args=sys.argv[1:], prog_name="yibao")


def _driver(args: list[str], ontology_dir: Path, **env: str) -> subprocess.Popen:
    environment = {**os.environ, ONTOLOGY_ENV: str(ontology_dir), "PYTHONPATH": str(ROOT), **env}
    environment.pop("YIBAO_STORE", None)
    return subprocess.Popen([sys.executable, __file__, *args], cwd=ROOT, env=environment,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _run(args: list[str], ontology_dir: Path, **env: str) -> subprocess.CompletedProcess:
    proc = _driver(args, ontology_dir, **env)
    out, err = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def test_killed_build_keeps_every_committed_report(tmp_path, ontology_dir):
    paths = write_reports(tmp_path / "reports", 12, lines=30)
    store = tmp_path / "store"
    args = ["build", str(tmp_path / "reports"), "--store", str(store), "--no-validate"]

    killed = _run(args, ontology_dir, YIBAO_TEST_KILL_AFTER="5")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert stored_quads(store) == {p.stem: expected_quads(p) for p in paths[:5]}

    full = _run(args, ontology_dir)
    assert full.returncode == 0, full.stderr
    assert stored_quads(store) == {p.stem: expected_quads(p) for p in paths}

    # A rebuild that changes every report, killed after 3: 3 new versions, 9 old ones, all whole.
    killed = _run(args, ontology_dir, YIBAO_TEST_KILL_AFTER="3", **{VARIANT_ENV: "budget"})
    assert killed.returncode == -signal.SIGKILL
    assert stored_quads(store) == {p.stem: expected_quads(p, "budget" if i < 3 else "actual")
                                   for i, p in enumerate(paths)}


def test_kill_during_a_replacement_leaves_old_or_new_graph(tmp_path, ontology_dir):
    """SIGKILL from outside at several moments of a large graph replacement: never a mix.

    The delays are fractions of the measured in-process write time, so some kills land inside
    the SPARQL update (whatever the machine speed) and the last one after its commit.
    """
    from yibao.graph.store import open_store, replace_report

    paths = write_reports(tmp_path / "reports", 2, lines=500)
    store = tmp_path / "store"
    args = ["build", str(tmp_path / "reports"), "--store", str(store), "--no-validate"]
    assert _run(args, ontology_dir).returncode == 0
    versions = {basis: {p.stem: expected_quads(p, basis) for p in paths} for basis in ("actual", "budget")}
    state = dict(versions["actual"])

    scratch = open_store(tmp_path / "scratch", create=True)
    report = fake_process_file(paths[0])
    began = time.perf_counter()
    replace_report(scratch, report)
    write_time = time.perf_counter() - began
    del scratch

    outcomes = []
    for i, fraction in enumerate((0.0, 0.5, 2.0)):
        basis = ("budget", "actual")[i % 2]
        proc = _driver(args, ontology_dir, **{VARIANT_ENV: basis, ANNOUNCE_ENV: paths[0].name})
        for line in proc.stderr:  # the first report is extracted; its replacement starts now
            if line.startswith("PROCESSED"):
                break
        time.sleep(fraction * write_time)
        proc.kill()
        proc.communicate(timeout=60)
        graphs = stored_quads(store)
        assert set(graphs) == set(state)
        for rid, quads in graphs.items():
            assert quads in (state[rid], versions[basis][rid]), f"{rid} mixes two versions"
        outcomes.append(graphs[paths[0].stem] == versions[basis][paths[0].stem] != state[paths[0].stem])
        state = graphs
    assert outcomes[0] is False, outcomes  # killed before its commit: the old version is still there


# --- the real pipeline and ontology, when they are there -----------------------------------------

def test_real_build_of_the_sample_reports(tmp_path):
    pytest.importorskip("yibao.ingest.pipeline")
    samples = resources.sample_reports_dir()
    store = tmp_path / "store"
    result = runner.invoke(app, ["build", str(samples), "--store", str(store)])
    assert result.exit_code == 0, result.output
    rows = json.loads(runner.invoke(app, ["facts", "--store", str(store), "-f", "json"]).stdout)
    assert {row["report"] for row in rows} == {p.stem for p in samples.glob("*.txt")}


if __name__ == "__main__":
    _driver_main()
