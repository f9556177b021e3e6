"""Hostile but fair input and broken machines (issue 10), each case through the real CLI entry point.

Every command runs as ``python -m yibao.cli.main …`` in a subprocess, and ``run`` asserts that its stderr
holds no traceback. Cases: same file name with other content, same content under two names, file names
with spaces, quotes and formula characters, a file over the size limit and one over the time budget,
SERVICE and run-away queries, a corrupted store and its repair, a full file system, readers during a build,
a report that breaks the shapes, closed and full output, Ctrl-C, long input, symlink loops, a stray byte.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from yibao import resources

SAMPLES = resources.sample_reports_dir()
ZHUZHOU = SAMPLES / "zhuzhou-2022-fund-operation-analysis.txt"
CHANGJI = SAMPLES / "changji-2021-fund-expenditure-evaluation.txt"
HUAIBEI = SAMPLES / "huaibei-2023-resident-subsidy-self-evaluation.txt"
ENV = {k: v for k, v in os.environ.items() if k != "YIBAO_STORE"}


def start(*args: str, **kwargs: object) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "yibao.cli.main", *map(str, args)], env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def run(*args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    """Run the CLI; it must end in time and never print a traceback."""
    proc = start(*args)
    out, err = proc.communicate(timeout=timeout)
    assert "Traceback" not in err, err
    assert proc.returncode != 139 and proc.returncode >= 0, (proc.returncode, err)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def one_line(result: subprocess.CompletedProcess, code: int) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == code, (result.returncode, result.stderr)
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def facts_by_report(store: Path) -> dict[str, int]:
    result = run("facts", "--store", store, "-f", "csv")
    assert result.returncode == 0, result.stderr
    counts: dict[str, int] = {}
    for row in csv.DictReader(io.StringIO(result.stdout)):
        counts[row["report"]] = counts.get(row["report"], 0) + 1
    return counts


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A store with three sample reports (module-wide; tests must not change it)."""
    root = tmp_path_factory.mktemp("built")
    for path in (ZHUZHOU, CHANGJI, HUAIBEI):
        shutil.copy(path, root / path.name)
    store = root / "store"
    result = run("build", root, "--store", store, "--no-validate")
    assert result.returncode == 0, result.stderr
    return store


# --- 1. report identity ----------------------------------------------------------------------------

def test_same_name_other_content_is_a_conflict_and_replaces_nothing(tmp_path):
    name = "2022年基金运行分析.txt"
    (tmp_path / "A").mkdir()
    (tmp_path / "B").mkdir()
    shutil.copy(ZHUZHOU, tmp_path / "A" / name)
    shutil.copy(CHANGJI, tmp_path / "B" / name)
    store = tmp_path / "store"
    assert run("build", tmp_path / "A", "--store", store, "--no-validate").returncode == 0
    before = facts_by_report(store)
    assert before == {"2022年基金运行分析": before["2022年基金运行分析"]}
    second = run("build", tmp_path / "B", "--store", store, "--no-validate")
    assert second.returncode == 0, second.stderr
    assert "a different report is already loaded as 2022年基金运行分析" in second.stdout
    after = facts_by_report(store)
    assert after["2022年基金运行分析"] == before["2022年基金运行分析"]  # nothing replaced
    other = [rid for rid in after if rid != "2022年基金运行分析"]
    assert len(other) == 1 and other[0].startswith("2022年基金运行分析-")
    # re-ingesting the same path replaces it, as before (no third report)
    again = run("build", tmp_path / "B" / name, "--store", store, "--no-validate")
    assert again.returncode == 0, again.stderr
    assert set(facts_by_report(store)) == set(after)
    listed = run("reports", "--store", store, "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(listed.stdout)))
    assert {row["source"] for row in rows} == {str((tmp_path / d / name).resolve()) for d in "AB"}
    assert all(len(row["sha256"]) == 64 and row["loaded_at"] for row in rows)


def test_same_content_under_two_names_is_one_report(tmp_path):
    shutil.copy(CHANGJI, tmp_path / "first.txt")
    shutil.copy(CHANGJI, tmp_path / "second copy.txt")
    store = tmp_path / "store"
    result = run("build", tmp_path, "--store", store, "--no-validate")
    assert result.returncode == 0, result.stderr
    assert "same content as report first" in result.stdout
    assert list(facts_by_report(store)) == ["first"]


def test_file_names_with_spaces_quotes_and_brackets_load(tmp_path):
    name = 'a b "c" {d} >e<|^`\\%20.txt'
    shutil.copy(CHANGJI, tmp_path / name)
    store = tmp_path / "store"
    result = run("build", tmp_path, "--store", store, "--no-validate")
    assert result.returncode == 0, result.stderr
    assert list(facts_by_report(store)) == [name[:-4]]
    removed = run("remove", name[:-4], "--store", store)
    assert removed.returncode == 0, removed.stderr
    assert run("reports", "--store", store, "-f", "json").stdout.strip() == "[]"
    assert "no report" in one_line(run("remove", "nothing-like-it", "--store", store), 2)


def test_formula_cells_are_neutralised_in_every_csv(tmp_path):
    shutil.copy(CHANGJI, tmp_path / "=HYPERLINK(1)-2023.txt")
    store = tmp_path / "store"
    assert run("build", tmp_path, "--store", store, "--no-validate").returncode == 0
    outputs = [run("facts", "--store", store, "-f", "csv").stdout,
               run("policies", "--store", store, "-f", "csv").stdout,
               run("reports", "--store", store, "-f", "csv").stdout,
               run("sparql", "SELECT ?r WHERE { GRAPH ?g { ?o <https://w3id.org/yibao/ontology#value> ?v } "
                   'BIND("=HYPERLINK(1)-2023" AS ?r) } LIMIT 3', "--store", store, "-f", "csv").stdout]
    cells = [cell for text in outputs for row in csv.reader(io.StringIO(text)) for cell in row]
    assert any(cell == "'=HYPERLINK(1)-2023" for cell in cells)
    assert not [cell for cell in cells if cell[:1] in ("=", "@", "\t", "\r")]
    risky = [cell for cell in cells if cell[:1] in "+-" and any(c in cell[1:] for c in "=+-*/^&|!();:@")]
    assert not risky



@pytest.mark.parametrize(("cell", "written"), [
    ("=HYPERLINK(1)-2023", "'=HYPERLINK(1)-2023"),
    ("-1+cmd|' /C calc'!A0", "'-1+cmd|' /C calc'!A0"),
    ("+A1", "'+A1"), ("-A1", "'-A1"), ("-", "'-"), ("-2+3", "'-2+3"), ("-1.2.3", "'-1.2.3"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("-１２", "'-１２"),
    ("-4244.9", "-4244.9"), ("-4244.9万元", "-4244.9万元"), ("+3.05%", "+3.05%"), ("-1,234.5", "-1,234.5"),
    ("-1.2e3", "-1.2e3"), ("收入-3亿元", "收入-3亿元"), (-4244.9, -4244.9), (None, None),
])
def test_safe_cell_neutralises_formulas_and_keeps_signed_figures(cell, written):
    from yibao.cli.app import safe_cell

    assert safe_cell(cell) == written


def test_negative_figures_stay_numbers_in_the_facts_csv(tmp_path):
    (tmp_path / "neg.txt").write_text("2022年株洲市医疗保险基金运行分析\n"
                                      "2022年株洲市职工医保基金当期结余-4244.9万元。\n", encoding="utf-8")
    store = tmp_path / "store"
    assert run("build", tmp_path, "--store", store, "--no-validate").returncode == 0
    rows = list(csv.DictReader(io.StringIO(run("facts", "--store", store, "-f", "csv").stdout)))
    assert rows and all(float(row["value"]) < 0 for row in rows if row["surface"].startswith("-"))
    assert not [row for row in rows if row["surface"].startswith("'") or row["value"].startswith("'")]

# --- 2. bounded cost -------------------------------------------------------------------------------

def test_a_file_over_the_size_limit_is_skipped_and_the_batch_goes_on(tmp_path):
    big = tmp_path / "big.txt"
    big.write_text(CHANGJI.read_text(encoding="utf-8") * 40, encoding="utf-8")  # ≈ 0.5 MB
    shutil.copy(HUAIBEI, tmp_path / "small.txt")
    store = tmp_path / "store"
    result = run("build", tmp_path, "--store", store, "--no-validate", "--max-file-size", "0.2")
    assert result.returncode == 0, result.stderr
    assert "big.txt" in result.stdout and "--max-file-size" in result.stdout
    assert list(facts_by_report(store)) == ["small"]


def test_a_single_line_report_over_the_time_budget_is_skipped(tmp_path):
    line = "2022年株洲市职工医保基金收入28.03亿元，支出25.1亿元，累计结余30.2亿元；"
    (tmp_path / "one-line.txt").write_text(line * (5_000_000 // len(line.encode())), encoding="utf-8")  # 5 MB
    shutil.copy(HUAIBEI, tmp_path / "small.txt")
    store = tmp_path / "store"
    began = time.monotonic()
    result = run("build", tmp_path, "--store", store, "--no-validate", "--file-timeout", "3")
    assert time.monotonic() - began < 60
    assert result.returncode == 0, result.stderr
    reports = facts_by_report(store)
    assert "small" in reports
    if "one-line" not in reports:  # finished within the budget, or skipped with a message
        assert "one-line.txt" in result.stdout and "--file-timeout" in result.stdout


# --- 3 and 5. queries that cannot run away ---------------------------------------------------------

@pytest.fixture
def listener():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.2)
    seen: list[object] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            seen.append(conn)
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], seen
    stop.set()
    thread.join(2)
    server.close()


@pytest.mark.parametrize("form", [
    "SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}",
    "select * where {{ service silent <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?a ?b ?c .SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ \\u0053ERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}",
    "PREFIX s: <http://127.0.0.1:{port}/>\nSELECT * WHERE {{ # comment\n SERVICE s: {{ ?s ?p ?o }} }}",
])
def test_service_is_refused_and_nothing_is_sent(built, listener, form):
    port, seen = listener
    line = one_line(run("sparql", form.format(port=port), "--store", built), 2)
    assert "SERVICE" in line and "--allow-service" in line
    time.sleep(0.3)
    assert seen == []


def test_a_runaway_query_times_out_with_exit_2(built):
    query = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?x { ?a ?b ?c } GRAPH ?y { ?d ?e ?f } GRAPH ?z { ?g ?h ?i } }"
    began = time.monotonic()
    line = one_line(run("sparql", query, "--store", built, "--timeout", "1.5"), 2)
    assert "timed out" in line and time.monotonic() - began < 30


def test_deep_nesting_and_huge_queries_are_refused_before_parsing(built):
    deep = "SELECT * WHERE " + "{" * 5000 + " ?s ?p ?o " + "}" * 5000
    assert "nested" in one_line(run("sparql", deep, "--store", built), 2)
    parens = "SELECT * WHERE { FILTER(" + "(" * 3000 + "1" + ")" * 3000 + ") }"
    assert "nested" in one_line(run("sparql", parens, "--store", built), 2)
    (built.parent / "huge.rq").write_text("SELECT * WHERE { ?s ?p ?o } #" + "x" * 200_000)
    assert "characters" in one_line(run("sparql", "--file", built.parent / "huge.rq", "--store", built), 2)


def test_rows_are_capped_and_streamed(built):
    result = run("sparql", "SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } }", "--store", built, "-f", "csv",
                 "--limit", "5")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 6
    assert "--limit" in result.stderr


# --- 4. damaged store and full disk ----------------------------------------------------------------

def test_a_truncated_store_file_is_one_line_and_doctor_repairs_it(built, tmp_path):
    store = tmp_path / "store"
    shutil.copytree(built, store)
    before = facts_by_report(store)
    biggest = max(store.glob("*.sst"), key=lambda p: p.stat().st_size)
    with open(biggest, "r+b") as f:
        f.truncate(biggest.stat().st_size // 3)
    for command in (["facts", "-f", "csv"], ["policies"], ["export"], ["reports"],
                    ["sparql", "SELECT * WHERE { ?s ?p ?o } LIMIT 1"], ["ask", "株洲2022年职工医保基金收入是多少？"]):
        line = one_line(run(*command, "--store", store), 1)
        assert str(store) in line and "doctor --repair" in line
    checked = run("doctor", "--store", store)
    assert checked.returncode == 1 and "cannot be read" in checked.stdout
    repaired = run("doctor", "--store", store, "--repair")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert facts_by_report(store) == before
    assert list(tmp_path.glob("store.damaged-*"))
    assert run("doctor", "--store", store).returncode == 0


@pytest.mark.parametrize("damage", ["empty MANIFEST", "missing sst"])
def test_other_damage_is_one_line(built, tmp_path, damage):
    store = tmp_path / "store"
    shutil.copytree(built, store)
    if damage == "empty MANIFEST":
        for manifest in store.glob("MANIFEST-*"):
            manifest.write_bytes(b"")
    else:
        max(store.glob("*.sst"), key=lambda p: p.stat().st_size).unlink()
    assert "doctor --repair" in one_line(run("facts", "--store", store), 1)
    assert "doctor --repair" in one_line(run("build", CHANGJI, "--store", store, "--no-validate"), 1)
    assert run("doctor", "--store", store, "--repair").returncode == 0
    assert set(facts_by_report(store)) == {p.stem for p in (ZHUZHOU, CHANGJI, HUAIBEI)}


def _small_mount(path: Path, megabytes: int) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(path)],
                          capture_output=True)
    return done.returncode == 0


def test_a_full_disk_during_a_build_leaves_earlier_reports_intact(tmp_path):
    mount = tmp_path / "small"
    if not _small_mount(mount, 48):
        pytest.skip("cannot mount a small tmpfs here (needs root and mount permission)")
    try:
        store = mount / "store"
        first = run("build", CHANGJI, "--store", store, "--no-validate")
        assert first.returncode == 0, first.stderr
        before = facts_by_report(store)
        filler = mount / "filler"
        with open(filler, "wb") as f:  # leave about 1 MB free
            free = shutil.disk_usage(mount).free
            f.write(b"\0" * max(free - 1_000_000, 0))
        big = tmp_path / "reports"
        big.mkdir()
        for i in range(6):
            (big / f"big-{i}.txt").write_text(ZHUZHOU.read_text(encoding="utf-8") + f"\n附{i}。",
                                              encoding="utf-8")
        full = run("build", big, "--store", store, "--no-validate")
        assert full.returncode == 1
        assert "no space left" in full.stderr.lower() + full.stdout.lower()
        filler.unlink()
        after = facts_by_report(store)
        assert after[CHANGJI.stem] == before[CHANGJI.stem]
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


# --- 6. a failed build leaves nothing behind -------------------------------------------------------

def test_a_report_that_breaks_the_shapes_is_not_kept(tmp_path, monkeypatch):
    """Through the same Typer app the entry point runs, with SHACL made to reject one report."""
    import yibao.graph.shacl_sparql as shacl_sparql
    from typer.testing import CliRunner
    from yibao.cli.main import app

    real = shacl_sparql.ScratchStore.check

    def strict(self, graph_iris):  # noqa: ANN001, ANN202
        found = real(self, graph_iris)
        bad = "https://w3id.org/yibao/graph/report/bad"
        if bad in found:
            found[bad].result.conforms = False
            found[bad].result.violations = [*found[bad].result.violations, "report:bad: made to fail"]
        return found

    monkeypatch.setattr(shacl_sparql.ScratchStore, "check", strict)
    # every report through the SPARQL checks (the prescreen would pass these two without them)
    monkeypatch.setattr(shacl_sparql, "_prescreen", lambda *args: None)
    monkeypatch.setattr(shacl_sparql, "_PROCESS_SCRATCH", {})
    shutil.copy(CHANGJI, tmp_path / "bad.txt")
    shutil.copy(HUAIBEI, tmp_path / "good.txt")
    store = tmp_path / "store"
    result = CliRunner().invoke(app, ["build", str(tmp_path), "--store", str(store)])
    assert result.exit_code == 1
    assert "Not kept" in result.stdout and "bad" in result.stdout
    assert list(facts_by_report(store)) == ["good"]
    assert run("doctor", "--store", store).returncode == 0  # what is left conforms


# --- 7. readers never take the write lock ----------------------------------------------------------

def test_twenty_parallel_facts_during_a_build_all_succeed(built, tmp_path):
    store = tmp_path / "store"
    shutil.copytree(built, store)
    folder = tmp_path / "more"
    folder.mkdir()
    for path in SAMPLES.glob("*.txt"):
        shutil.copy(path, folder / path.name)
    builder = start("build", folder, "--store", store)
    time.sleep(1.0)
    readers = [start("facts", "--store", store, "-f", "csv") for _ in range(20)]
    results = [(p.communicate(timeout=180), p.returncode) for p in readers]
    out, err = builder.communicate(timeout=300)
    assert builder.returncode == 0, err
    for (stdout, stderr), code in results:
        assert code == 0 and "Traceback" not in stderr, stderr
        assert stdout.startswith("report,")


@pytest.fixture
def read_only_store(built, tmp_path):
    """A copy of the built store behind a read-only bind mount (root), else with write permission removed."""
    source, mount = tmp_path / "store", tmp_path / "ro"
    shutil.copytree(built, source)
    mount.mkdir()
    if os.geteuid() == 0:
        mounted = subprocess.run(["mount", "--bind", str(source), str(mount)], capture_output=True).returncode == 0
        if not mounted:
            pytest.skip("cannot bind-mount here (no mount privilege): the read-only media case is not run")
        try:
            if subprocess.run(["mount", "-o", "remount,bind,ro", str(mount)], capture_output=True).returncode:
                pytest.skip("cannot remount read-only here: the read-only media case is not run")
            yield mount
        finally:
            subprocess.run(["umount", "-l", str(mount)], capture_output=True)
    else:
        for path in [source, *source.rglob("*")]:
            path.chmod(path.stat().st_mode & ~0o222)
        try:
            yield source
        finally:
            for path in [source, *source.rglob("*")]:
                path.chmod(path.stat().st_mode | 0o200)


def test_every_read_command_works_on_read_only_media(read_only_store, built):
    expected = run("facts", "--store", built, "-f", "csv").stdout
    assert run("facts", "--store", read_only_store, "-f", "csv").stdout == expected
    for args in (("ask", "哪些地区基金可支付月数低于6个月？"), ("policies",), ("reports",),
                 ("sparql", "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"), ("export", "-f", "nquads")):
        result = run(*args, "--store", read_only_store)
        assert result.returncode == 0 and result.stdout.strip(), (args, result.stderr)
    refused = run("build", SAMPLES / ZHUZHOU.name, "--store", read_only_store)
    assert refused.returncode != 0 and ("read-only" in refused.stderr or "permission" in refused.stderr), refused.stderr


# --- 10. output, interrupts, input -----------------------------------------------------------------

def test_a_closed_pipe_ends_quietly_and_a_full_device_is_one_line(built):
    proc = start("facts", "--store", built, "-f", "csv")
    assert proc.stdout.readline().startswith("report,")
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 0 and "Traceback" not in err and not err.strip(), err
    if Path("/dev/full").exists():
        with open("/dev/full", "w") as full:
            done = subprocess.run([sys.executable, "-m", "yibao.cli.main", "facts", "--store", str(built),
                                   "-f", "csv"], stdout=full, stderr=subprocess.PIPE, text=True, env=ENV)
        assert done.returncode == 1 and "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1 and "full" in done.stderr


def test_ctrl_c_during_a_build_says_what_was_loaded(tmp_path):
    for copy in range(8):  # enough different files that the build is still running when interrupted
        for path in SAMPLES.glob("*.txt"):
            text = path.read_text(encoding="utf-8") + f"\n附：副本{copy}\n"
            (tmp_path / f"{path.stem}-{copy}.txt").write_text(text, encoding="utf-8")
    proc = start("build", tmp_path, "--store", tmp_path / "store", "--jobs", "1")
    time.sleep(2.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert "Traceback" not in err
    if proc.returncode == 0:
        pytest.skip("the build finished before the interrupt")
    assert proc.returncode == 130
    assert "interrupted;" in err and "the rest untouched" in err


def test_long_input_is_shortened_in_messages(built):
    line = one_line(run("facts", "--store", built, "--region", "zhuzhou" * 15_000), 2)  # 105,000 characters
    assert len(line) < 500


def test_symlink_loops_are_counted_and_a_stray_byte_has_a_lenient_mode(tmp_path):
    shutil.copy(HUAIBEI, tmp_path / "good.txt")
    (tmp_path / "loop.txt").symlink_to(tmp_path / "loop.txt")
    data = CHANGJI.read_bytes()
    (tmp_path / "stray.txt").write_bytes(data[:3000] + b"\xff" + data[3000:])
    store = tmp_path / "store"
    strict = run("build", tmp_path, "--store", store, "--no-validate")
    assert strict.returncode == 0, strict.stderr
    assert "lead nowhere" in strict.stdout and "loop.txt" in strict.stdout
    assert "stray.txt" in strict.stdout and "--lenient" in strict.stdout
    lenient = run("build", tmp_path, "--store", store, "--no-validate", "--lenient")
    assert lenient.returncode == 0, lenient.stderr
    assert set(facts_by_report(store)) == {"good", "stray"}


def test_no_test_switch_in_shipped_code():
    root = Path(__file__).resolve().parent.parent
    for folder in ("kg", "cli"):
        for path in (root / folder).rglob("*.py"):
            assert "YIBAO_TEST" not in path.read_text(encoding="utf-8"), path
