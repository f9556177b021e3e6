"""A shared SPARQL server (issue 13): `--endpoint`, `yibao push`, `yibao serve`, against real servers.

Oxigraph server (PyPI ``oxigraph``) and Virtuoso open source (Debian ``virtuoso-opensource``) are
started on 127.0.0.1 with throwaway data directories and stopped by their process id. The sample
graph (reports and the policy fixture) is pushed to each; every canned query and a question of every
template then give the same rows as the embedded store; a second push changes nothing; a push
interrupted by stopping the server says which reports are missing and a re-run completes it.
Without a server binary its tests are skipped with the command that installs it (`.ci/run`
installs both, so they always run there).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from yibao.qa.queries import bind, load_queries, run
from yibao.remote import RemoteError
from yibao.remote.endpoint import Endpoint, RemoteStore, connect
from yibao.remote.push import graph_name, local_graphs, push, server_triples
from yibao.remote.servers import OxigraphServer, VirtuosoServer, free_port
from yibao.remote.sparql import inline_substitutions, virtuoso_dialect

from tests.questions import QUESTIONS, build_store

YIBAO = str(Path(sys.executable).parent / "yibao")
SERVERS = {"oxigraph": OxigraphServer, "virtuoso": VirtuosoServer}
REQUIRED = {"threshold": {"indicator": "months_of_cover", "threshold": 6},
            "value": {"indicator": "income"}, "ranking": {"indicator": "income"},
            "series": {"indicator": "income", "region": "430200"}, "provenance": {"indicator": "income"}}
# one question of every template, in both languages where the suite has them
ASKED = list({(q.template, q.lang): q.text for q in QUESTIONS}.values())


def _server_or_skip(kind: str, directory: Path):
    cls = SERVERS[kind]
    reason = cls.missing()
    if reason:
        pytest.skip(f"{kind} integration tests skipped: {reason}")
    return cls(directory)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    path = tmp_path_factory.mktemp("remote") / "store"
    db = build_store(path, reports=True, policies=True)
    return path, db


@pytest.fixture(scope="module", params=sorted(SERVERS))
def server(request, sample, tmp_path_factory):
    """A running server holding the pushed sample graph (pushed twice; the counts are checked)."""
    srv = _server_or_skip(request.param, tmp_path_factory.mktemp(request.param))
    srv.start()
    try:
        remote = connect(srv.query_url, update_url=srv.update_url)
        first = push(sample[1], remote)
        second = push(sample[1], remote)
        forced = push(sample[1], remote, force=True)
        srv.pushes = (first, second, forced)
        yield srv
    finally:
        srv.stop()


def _run_cli(*args: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([YIBAO, *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


# --- the query text sent to a server (no server needed) --------------------------------------------

def test_substitutions_become_terms_never_pasted_text():
    text = ('SELECT ?a ?label WHERE { ?s ?p ?label FILTER(!BOUND(?a) || ?label = "x") '
            '{ SELECT ?label WHERE { ?x ?y ?label } } } ORDER BY ?label')
    out = inline_substitutions(text, {ox.Variable("label"): ox.Literal('a" } DROP ALL #\n')})
    assert '(\"a\\" } DROP ALL #\\n\" AS ?label)' in out  # projected, escaped
    assert "ORDER BY (STR(\"a\\\" } DROP ALL #\\n\"))" in out
    assert "!BOUND(?a)" in out  # ?a is not bound
    assert inline_substitutions(text, {ox.Variable("a"): ox.NamedNode("http://x/a")}).count("!true") == 1
    with pytest.raises(TypeError):
        inline_substitutions(text, {ox.Variable("a"): ox.BlankNode()})


def test_virtuoso_scope_tests_are_rewritten():
    text = ("SELECT ?x WHERE { VALUES ?fundScope { UNDEF } ?x ?p ?fund . "
            "FILTER EXISTS { GRAPH <https://w3id.org/yibao/graph/ontology> { ?fund skos:broader* ?fundScope } } "
            "FILTER EXISTS { GRAPH <https://w3id.org/yibao/graph/ontology> { ?x skos:broader* <http://r/1> } } }")
    out = virtuoso_dialect(text)
    assert "UNDEF" not in out and "FILTER(true)" in out
    assert "FILTER(?x = <http://r/1> || EXISTS { ?x skos:broader <http://r/1> } || " \
           "EXISTS { ?x skos:broader/skos:broader <http://r/1> } ||" in out
    assert "skos:broader+" not in out and "skos:broader*" not in out


def test_bad_endpoint_settings_are_one_line():
    for url, message in [("ftp://x", "bad endpoint URL"), ("http://u:p@h/q", "not inside the URL"),
                         ("http://h:99999/q", "port")]:
        with pytest.raises(RemoteError, match=message):
            Endpoint.from_options(url)
    with pytest.raises(RemoteError, match="digest"):
        Endpoint.from_options("http://h/q", auth="kerberos")


# --- push ---------------------------------------------------------------------------------------------

def test_push_copies_every_graph_and_a_second_push_changes_nothing(server, sample):
    first, second, forced = server.pushes
    names = local_graphs(sample[1])
    assert first.ok and second.ok and forced.ok, (first.failed, second.failed, forced.failed)
    assert first.pushed == names == second.unchanged == forced.pushed
    assert second.pushed == [] and first.unrecorded is None
    local = len(sample[1])
    assert first.server_triples == second.server_triples == forced.server_triples == first.local_triples == local
    expected_method = "graph-store" if isinstance(server, OxigraphServer) else "update"
    assert first.method == expected_method


def test_a_push_sends_only_the_graphs_that_changed(server, sample):
    import pyoxigraph as ox

    remote = connect(server.query_url, update_url=server.update_url)
    names = local_graphs(sample[1])
    changed = ox.Store()
    changed.extend(sample[1])
    graph = ox.NamedNode(graph_name(names[-1]))
    changed.remove(next(iter(changed.quads_for_pattern(None, None, None, graph))))
    try:
        outcome = push(changed, remote)
        assert outcome.pushed == [names[-1]] and outcome.unchanged == names[:-1]
        assert server_triples(remote) == len(sample[1]) - 1
    finally:
        back = push(sample[1], remote)
    assert back.pushed == [names[-1]] and server_triples(remote) == len(sample[1])


# --- the same rows as the embedded store ----------------------------------------------------------

@pytest.mark.parametrize("query_id", sorted(load_queries()))
def test_every_canned_query_gives_the_embedded_rows(server, sample, query_id):
    bound = bind(load_queries()[query_id], REQUIRED.get(query_id, {}))
    local = run(sample[1], bound)
    remote = run(connect(server.query_url, timeout=300), bound)
    assert local, query_id
    assert_same_rows(remote, local, bound.sparql)


def _key(row: dict) -> tuple:
    return tuple(sorted((k, str(v)) for k, v in row.items()))


def assert_same_rows(remote: list[dict], local: list[dict], sparql: str) -> None:
    """The same rows in the same order, up to rows the query's ORDER BY leaves tied (their order
    is the engine's choice: SPARQL leaves it undefined)."""
    assert sorted(map(_key, remote)) == sorted(map(_key, local))
    order = re.search(r"ORDER\s+BY\s+(.*)\Z", sparql, re.S | re.I)
    keys = re.findall(r"\?(\w+)", order.group(1)) if order else []
    assert [[r[k] for k in keys] for r in remote] == [[r[k] for k in keys] for r in local]
    if remote != local:  # only ties may differ
        assert keys, "rows in a different order and the query has no ORDER BY"


def test_questions_give_the_embedded_answers(server, sample):
    import yibao

    embedded = yibao.open(sample[0], read_only=True)
    shared = yibao.open(endpoint=server.query_url, timeout=300)
    differ = []
    for question in ASKED:
        here = embedded.answer(question)
        try:
            there = shared.answer(question)
        except RemoteError:
            differ.append(question)
            continue
        assert (there.template, there.parameters) == (here.template, here.parameters), question
        if there.rows != here.rows:
            differ.append(question)
    assert shared.fact_rows(region="株洲") == embedded.fact_rows(region="株洲")
    assert shared.policy_rows(type="drg") == embedded.policy_rows(type="drg")
    assert not differ, f"answers differ from the embedded store on {server.name}: {differ}"


def test_cli_reads_the_server(server, sample):
    question = "哪些地区基金可支付月数低于6个月？"
    here = _run_cli("ask", question, "--store", str(sample[0]), "--format", "json")
    there = _run_cli("--endpoint", server.query_url, "ask", question, "--format", "json")
    assert there.returncode == 0, there.stderr
    assert there.stdout == here.stdout
    env = _run_cli("facts", "--region", "株洲", "--format", "csv", env={"YIBAO_ENDPOINT": server.query_url})
    assert env.stdout == _run_cli("facts", "--region", "株洲", "--format", "csv", "--store", str(sample[0])).stdout
    sparql = _run_cli("sparql", "--endpoint", server.query_url, "--file", "threshold", "--param",
                      "indicator=months_of_cover", "--param", "threshold=6", "--format", "csv")
    assert sparql.returncode == 0 and sparql.stdout == _run_cli(
        "sparql", "--store", str(sample[0]), "--file", "threshold", "--param", "indicator=months_of_cover",
        "--param", "threshold=6", "--format", "csv").stdout


# --- interrupted push ---------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", sorted(SERVERS))
def test_an_interrupted_push_says_what_is_missing_and_a_rerun_completes_it(kind, sample, tmp_path):
    srv = _server_or_skip(kind, tmp_path / kind)
    srv.start()
    try:
        remote = connect(srv.query_url, update_url=srv.update_url, timeout=20)
        names = local_graphs(sample[1])

        def stop_after_second(name: str, triples: int, error: str | None) -> None:
            if name == names[1]:
                srv.stop()

        outcome = push(sample[1], remote, on_graph=stop_after_second)
        assert outcome.pushed == names[:2]
        assert outcome.missing_reports == names[2:]
        assert all("cannot reach" in reason for reason in outcome.failed.values())
        assert outcome.server_triples is None
        srv.start()
        again = push(sample[1], remote)
        assert again.ok and again.pushed == names[2:] and again.unchanged == names[:2]
        assert server_triples(remote) == len(sample[1])
    finally:
        srv.stop()


def test_push_through_the_cli_names_the_missing_reports(sample):
    port = free_port()  # nothing listens there
    done = _run_cli("push", "--endpoint", f"http://127.0.0.1:{port}/query", "--store", str(sample[0]))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "cannot reach the SPARQL server" in done.stderr


# --- errors a user can cause: one red line, non-zero exit, no traceback --------------------------------

def _one_red_line(done: subprocess.CompletedProcess, *words: str) -> None:
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    for word in words:
        assert word in lines[0], lines[0]


def test_server_down_bad_url_and_timeout_are_one_line(tmp_path):
    port = free_port()
    for command in (["ask", "哪些地区基金可支付月数低于6个月？"], ["facts"], ["policies"], ["viz", "--out", str(tmp_path / "g.html")],
                    ["sparql", "ASK {}"]):
        _one_red_line(_run_cli(*command, "--endpoint", f"http://127.0.0.1:{port}/query"), "connection refused")
    _one_red_line(_run_cli("--endpoint", "not-a-url", "facts"), "bad endpoint URL")
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/query"
        began = time.monotonic()
        _one_red_line(_run_cli("--timeout", "1", "--endpoint", url, "sparql", "ASK {}"), "did not answer within 1 s")
        assert time.monotonic() - began < 30


def test_refused_credentials_and_server_errors_are_one_line(tmp_path):
    srv = _server_or_skip("virtuoso", tmp_path / "virtuoso")
    with srv:
        auth_url = f"http://127.0.0.1:{srv.port}/sparql-auth"
        _one_red_line(_run_cli("--endpoint", auth_url, "--user", "dba", "--password", "wrong", "--auth", "digest",
                               "sparql", "ASK {}"), "401")
        ok = _run_cli("--endpoint", auth_url, "sparql", "ASK {}", env={
            "YIBAO_ENDPOINT_USER": "dba", "YIBAO_ENDPOINT_PASSWORD": "dba", "YIBAO_ENDPOINT_AUTH": "digest"})
        assert ok.returncode == 0 and ok.stdout.strip() == "true", ok.stderr
        _one_red_line(_run_cli("--endpoint", srv.query_url, "sparql", "SELECT ?x WHERE { ?x <urn:p> ?y } ORDER BY bif:nope(?x)"),
                      "Virtuoso")
        _one_red_line(_run_cli("--endpoint", f"http://127.0.0.1:{srv.port}/nothing-here", "sparql", "ASK {}"), "404")


# --- yibao serve ----------------------------------------------------------------------------------------

def test_serve_answers_like_the_store(sample):
    reason = OxigraphServer.missing()
    if reason:
        pytest.skip(f"yibao serve skipped: {reason}")
    port = free_port()
    process = subprocess.Popen([YIBAO, "serve", "--store", str(sample[0]), "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        remote = RemoteStore(Endpoint(f"http://127.0.0.1:{port}/query", timeout=10))
        for _ in range(100):
            try:
                remote.ask_alive()
                break
            except RemoteError:
                time.sleep(0.1)
        bound = bind(load_queries()["threshold"], REQUIRED["threshold"])
        assert run(remote, bound) == run(sample[1], bound)
        if shutil.which("ss"):
            listening = subprocess.run(["ss", "-ltn"], capture_output=True, text=True).stdout
            assert f"127.0.0.1:{port}" in listening and f"0.0.0.0:{port}" not in listening
        with pytest.raises(RemoteError):  # read-only
            remote.update("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    finally:
        process.terminate()
        process.wait(timeout=20)
    child = subprocess.run(["pgrep", "-f", f"serve-read-only --location {sample[0]} --bind 127.0.0.1:{port}"],
                           capture_output=True, text=True).stdout.split()
    assert not child, "yibao serve left its Oxigraph server running"
