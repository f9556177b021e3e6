"""The package as a user gets it: one import namespace, a Python API that matches the CLI, an
extractor list that takes a new extractor without touching the pipeline, and a wheel that works
outside the source tree."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import site
import subprocess
import sys
import sysconfig
from decimal import Decimal
from pathlib import Path

import pytest
import yibao
from typer.testing import CliRunner
from yibao import resources
from yibao.cli.main import app
from yibao.ingest import pipeline
from yibao.ingest.context import ReportContext
from yibao.model import FACT_COLUMNS, Observation

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


@pytest.fixture(scope="module")
def graph(tmp_path_factory):
    kg = yibao.open(tmp_path_factory.mktemp("api") / "store")
    outcome = kg.build(resources.sample_reports_dir())
    assert outcome.ok and len(outcome.loaded) == 5, outcome
    kg.close()
    return yibao.open(kg.path, read_only=True)


def _cli(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


# --- the Python API gives the CLI's rows ------------------------------------------------------------

def test_api_facts_equal_the_cli_csv(graph):
    frame = graph.facts(region="株洲", indicator="months_of_cover")
    cli_rows = list(csv.DictReader(io.StringIO(_cli("facts", "--store", str(graph.path), "--region", "株洲",
                                                     "--indicator", "months_of_cover", "--format", "csv"))))
    assert list(frame.columns) == list(FACT_COLUMNS)
    assert len(frame) == len(cli_rows) > 0
    as_text = [{k: "" if v is None else str(v) for k, v in row.items()} for row in frame.to_dict("records")]
    assert as_text == cli_rows


def test_api_ask_equals_the_cli_json(graph):
    question = "哪些地区基金可支付月数低于6个月？"
    frame = graph.ask(question)
    cli = json.loads(_cli("ask", question, "--store", str(graph.path), "--format", "json"))
    assert frame.attrs["template"] == cli["template"] == "threshold"
    assert frame.attrs["sparql"] == cli["sparql"]
    assert json.loads(frame.to_json(orient="records", force_ascii=False)) == cli["rows"]
    assert all(Decimal(str(v)) < 6 for v in frame["value"])


def test_api_policies_equal_the_cli_json(graph):
    frame = graph.policies(type="drg")
    cli = json.loads(_cli("policies", "--store", str(graph.path), "--type", "drg", "--format", "json"))
    assert frame.to_dict("records") == cli and len(cli) >= 3


def test_api_sparql_returns_values(graph):
    frame = graph.sparql("PREFIX yb: <https://w3id.org/yibao/ontology#> "
                         "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?o a <http://purl.org/linked-data/cube#Observation> } }")
    assert frame.loc[0, "n"] == len(graph.facts())
    assert graph.sparql("ASK { GRAPH ?g { ?s ?p ?o } }") is True


def test_api_refuses_updates_and_unknown_names(graph):
    from yibao.graph.facts import UnknownCode
    from yibao.qa.queries import QueryError

    with pytest.raises(QueryError):
        graph.sparql("DELETE WHERE { ?s ?p ?o }")
    with pytest.raises(UnknownCode):
        graph.facts(region="株州")


# --- one extractor interface ------------------------------------------------------------------------

class CountsReports:
    """A new extractor: one observation for the number of times the text says 报告."""

    name = "report-count"

    def extract(self, ctx: ReportContext):
        at = ctx.norm.find("报告")
        if at >= 0 and ctx.meta.region and ctx.meta.year:
            yield ctx.observation(region=ctx.meta.region, year=ctx.meta.year, fund="all_basic", indicator="income",
                                  basis="target", statistic="level", value=Decimal(ctx.norm.count("报告")),
                                  unit="yuan", start=at, end=at + 2, quote_start=at, quote_end=at + 2)


def test_a_registered_extractor_runs_without_touching_the_pipeline(monkeypatch):
    from yibao.ingest import extractors

    sample = resources.sample_reports_dir() / "zhuzhou-2022-fund-operation-analysis.txt"
    before = pipeline.process_file(sample).observations
    monkeypatch.setattr(extractors, "EXTRACTORS", [*extractors.EXTRACTORS, CountsReports()])
    after = pipeline.process_file(sample).observations
    added = [o for o in after if o.quote == "报告" and o.basis == "target"]
    assert len(added) == 1 and isinstance(added[0], Observation)
    assert added[0].value == sample.read_text(encoding="utf-8").count("报告")
    assert len(after) == len(before) + 1


# --- the wheel, installed outside the source tree ---------------------------------------------------

@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A wheel built from the source tree, installed into a fresh venv whose only other packages are
    this environment's dependencies (a path entry, so the editable install of yibao is not seen)."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"  # a clean copy: no build/ left over from an earlier build can leak in
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".yibao", "out", ".pytest_cache", ".ruff_cache"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                    str(work / "dist"), str(source)], check=True, capture_output=True)
    wheel = next((work / "dist").glob("yibao_kg-*.whl"))
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q",
                    str(wheel)], check=True, capture_output=True)
    dependencies = [p for p in {*site.getsitepackages(), sysconfig.get_paths()["purelib"]} if Path(p).is_dir()]
    Path(purelib, "zz_dependencies.pth").write_text("\n".join(sorted(dependencies)) + "\n")
    return work, venv


def _run(venv: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "YIBAO_STORE")}
    return subprocess.run(args, cwd=cwd, env={**env, "PATH": f"{venv / 'bin'}:{env.get('PATH', '')}"},
                          capture_output=True, text=True, timeout=300)


def test_the_wheel_builds_and_answers_outside_the_source_tree(installed):
    work, venv = installed
    outside = work / "elsewhere"
    outside.mkdir()
    build = _run(venv, outside, str(venv / "bin" / "yibao"), "build", "--store", "store")
    assert build.returncode == 0, build.stderr + build.stdout
    assert "5 of 5" in build.stdout and "conforms" in build.stdout
    answer = _run(venv, outside, str(venv / "bin" / "yibao"), "ask", "Which regions have less than 6 months of cover?",
                  "--store", "store", "--format", "json")
    assert answer.returncode == 0, answer.stderr
    assert json.loads(answer.stdout)["rows"]
    drawn = _run(venv, outside, str(venv / "bin" / "yibao"), "viz", "--store", "store", "--out", "graph.html")
    assert drawn.returncode == 0, drawn.stderr  # the page template ships in the wheel
    assert "五市联盟" in (outside / "graph.html").read_text(encoding="utf-8")
    located = _run(venv, outside, str(venv / "bin" / "python"), "-c",
                   "import yibao, yibao.resources as r; print(yibao.__file__); print(r.queries_dir())")
    assert str(ROOT) not in located.stdout and "site-packages" in located.stdout, located.stdout


@pytest.mark.parametrize("name", ["kg", "cli", "ontology", "queries"])
def test_the_wheel_installs_no_generic_top_level_names(installed, name):
    work, venv = installed
    result = _run(venv, work, str(venv / "bin" / "python"), "-c", f"import {name}")
    assert result.returncode != 0 and "ModuleNotFoundError" in result.stderr
