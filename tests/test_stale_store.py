"""A store whose reports were read by another extractor version says so in every answer."""

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


def test_reports_read_by_an_older_extractor_are_flagged_until_rebuilt(store):
    path = registry_path(store)
    data = json.loads(path.read_text(encoding="utf-8"))
    for record in data["reports"].values():
        record["extractor"] = "an-older-version"
    data.pop("extractors", None)  # as a registry written before the summary line existed
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    result = runner.invoke(app, ["ask", QUESTION, "--store", str(store)])
    assert result.exit_code == 0 and NOTE in result.output
    assert runner.invoke(app, ["build", str(store.parent / "reports"),
                               "--store", str(store)]).exit_code == 0
    assert read_extractor_versions(store) == {extractor_version()}
    assert NOTE not in runner.invoke(app, ["ask", QUESTION, "--store", str(store)]).output
