"""End to end as a user runs it: `yibao build data/reports`, then `yibao facts --format csv`."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner
from yibao.cli.main import app
from yibao.evaluate import load_gold, score
from yibao.ingest.reading import read_text

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "data" / "reports"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    store = tmp_path_factory.mktemp("e2e") / "store"
    runner = CliRunner()
    result = runner.invoke(app, ["build", str(REPORTS), "--store", str(store)])
    assert result.exit_code == 0, result.output
    return store, result.output


@pytest.fixture(scope="module")
def fact_csv(built):
    store, _ = built
    result = CliRunner().invoke(app, ["facts", "--store", str(store), "--format", "csv"])
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_build_summary_reports_a_conforming_graph(built):
    _, output = built
    assert "5 of 5" in output
    assert "conforms" in output


def test_exported_facts_recover_the_gold(fact_csv):
    gold = load_gold(ROOT / "tests" / "fixtures" / "facts-dev.csv")
    result = score(fact_csv, gold)
    print(f"recall {result.recall:.3f} ({result.recalled}/{result.gold}); "
          f"precision {result.precision:.3f} ({result.correct}/{result.keyed})")
    assert result.recall >= 0.95
    assert result.precision >= 0.98


def test_every_exported_quote_is_at_its_offsets(fact_csv):
    texts = {p.stem: read_text(p).original for p in REPORTS.glob("*.txt")}
    assert fact_csv
    for row in fact_csv:
        text = texts[row["report"]]
        assert text[int(row["start"]):int(row["end"])] == row["quote"]
        assert row["surface"] in row["quote"]


def test_rows_come_in_a_stable_order(built, fact_csv):
    store, _ = built
    again = CliRunner().invoke(app, ["facts", "--store", str(store), "--format", "csv"])
    assert list(csv.DictReader(io.StringIO(again.stdout))) == fact_csv


def test_rebuilding_keeps_the_triple_count(built):
    store, output = built

    def triples(text: str) -> list[str]:
        return [" ".join(line.split()) for line in text.splitlines() if line.startswith("Triples")]

    for extra in ([], ["--force"]):  # every file skipped as unchanged; every graph replaced
        again = CliRunner().invoke(app, ["build", str(REPORTS), "--store", str(store), *extra])
        assert again.exit_code == 0
        assert triples(output) and triples(output) == triples(again.output)


def test_a_bad_file_is_reported_and_skipped(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "broken.txt").write_bytes(b"\x00\x01\x02binary\xff\xfe\x00")
    (folder / "empty.txt").write_bytes(b"")
    good = REPORTS / "qingdao-2019-bureau-expenditure-evaluation.txt"
    (folder / good.name).write_bytes(good.read_bytes())
    result = CliRunner().invoke(app, ["build", str(folder), "--store", str(tmp_path / "store")])
    assert "broken.txt" in result.output and "empty.txt" in result.output
    assert "1 of 3" in result.output
