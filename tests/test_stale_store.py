"""A store whose reports were read by another extractor version: the query commands read them again
from their files first; those they cannot read again are flagged in every answer."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner
from yibao.cli.main import app
from yibao.graph.registry import read_extractor_versions, registry_path
from yibao.ingest.incremental import cached_extractor_version, extractor_version

runner = CliRunner()
SAMPLE = Path(__file__).resolve().parent.parent / "data" / "reports" / "huaibei-2023-resident-subsidy-self-evaluation.txt"
QUESTION = "淮北2023年居民医保参保人数"
NOTE = "旧版本的抽取程序"


@pytest.fixture()
def store(tmp_path):
    reports = tmp_path / "reports"
    reports.mkdir()
    shutil.copy(SAMPLE, reports / SAMPLE.name)
    path = tmp_path / "store"
    assert runner.invoke(app, ["build", str(reports), "--store", str(path)]).exit_code == 0
    return path


def test_the_cached_version_is_the_version(tmp_path, monkeypatch):
    monkeypatch.setenv("YIBAO_CACHE", str(tmp_path / "cache"))
    assert cached_extractor_version() == extractor_version() == cached_extractor_version()
    assert list((tmp_path / "cache").glob("extractor-version-*.pickle"))


def test_a_fresh_store_has_no_note(store):
    assert read_extractor_versions(store) == {extractor_version()}
    result = runner.invoke(app, ["ask", QUESTION, "--store", str(store)])
    assert result.exit_code == 0 and NOTE not in result.output


def _age(store: Path) -> None:
    """Make the store look built by an older extractor, as after an upgrade."""
    path = registry_path(store)
    data = json.loads(path.read_text(encoding="utf-8"))
    for record in data["reports"].values():
        record["extractor"] = "an-older-version"
    data.pop("extractors", None)  # as a registry written before the summary line existed
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def _drop_quotes_as_an_older_rdf_form(store: Path) -> None:
    """Remove what the queries need from the report graphs (an older RDF form had no yb:quote), and the
    fact index, so that only a re-reading can answer."""
    import pyoxigraph as ox

    db = ox.Store(str(store))
    db.update("DELETE WHERE { GRAPH ?g { ?s <https://w3id.org/yibao/ontology#quote> ?q } }")
    db.flush()
    del db
    (store / "yibao-facts.duckdb").unlink(missing_ok=True)


def test_reports_read_by_an_older_extractor_are_flagged_until_rebuilt(store, monkeypatch):
    monkeypatch.setenv("YIBAO_REFRESH", "0")
    _age(store)
    result = runner.invoke(app, ["ask", QUESTION, "--store", str(store)])
    assert result.exit_code == 0 and NOTE in result.output and "re-reading" not in result.output
    assert runner.invoke(app, ["build", str(store.parent / "reports"),
                               "--store", str(store)]).exit_code == 0
    assert read_extractor_versions(store) == {extractor_version()}
    assert NOTE not in runner.invoke(app, ["ask", QUESTION, "--store", str(store)]).output


def test_a_query_reads_outdated_reports_again_from_their_files(store, monkeypatch):
    monkeypatch.delenv("YIBAO_REFRESH", raising=False)
    _age(store)
    _drop_quotes_as_an_older_rdf_form(store)
    with monkeypatch.context() as m:
        m.setenv("YIBAO_REFRESH", "0")
        assert runner.invoke(app, ["ask", QUESTION, "--store", str(store)]).exit_code == 1  # nothing found
    result = runner.invoke(app, ["ask", QUESTION, "--store", str(store)])
    assert result.exit_code == 0, result.output
    assert "re-reading 1 report(s)" in result.output and NOTE not in result.output
    assert "淮北" in result.output
    assert read_extractor_versions(store) == {extractor_version()}
    again = runner.invoke(app, ["ask", QUESTION, "--store", str(store)])
    assert again.exit_code == 0 and "re-reading" not in again.output


def test_reports_whose_file_moved_stay_and_are_flagged(store, monkeypatch):
    monkeypatch.delenv("YIBAO_REFRESH", raising=False)
    _age(store)
    shutil.rmtree(store.parent / "reports")
    result = runner.invoke(app, ["ask", QUESTION, "--store", str(store)])
    assert result.exit_code == 0 and NOTE in result.output and "re-reading" not in result.output
    as_json = runner.invoke(app, ["ask", QUESTION, "--store", str(store), "-f", "json"])
    assert any(NOTE in note for note in json.loads(as_json.stdout)["notes"])
    assert read_extractor_versions(store) == {"an-older-version"}


def test_the_api_refresh_reports_what_it_did(store):
    import yibao

    _age(store)
    with yibao.open(store) as kg:
        outcome = kg.refresh()
    assert outcome.refreshed == ["huaibei-2023-resident-subsidy-self-evaluation"]
    assert outcome.left_stale == [] and outcome.reason == ""
    with yibao.open(store) as kg:
        assert kg.refresh().refreshed == []


def test_more_outdated_reports_than_the_limit_are_left_to_a_build(store):
    import yibao

    _age(store)
    with yibao.open(store) as kg:
        outcome = kg.refresh(limit=0)
    assert outcome.refreshed == [] and "yibao build" in outcome.reason
    assert outcome.left_stale == ["huaibei-2023-resident-subsidy-self-evaluation"]
    assert read_extractor_versions(store) == {"an-older-version"}
