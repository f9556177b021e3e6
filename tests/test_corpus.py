"""Real documents from other regions (tests/fixtures/corpus, a copy of shared/corpus): the build
as a user runs it, scored against the hand-annotated facts with the shared scorer's rules.

The target is recall >= 0.90 and value precision >= 0.97; the floors below only ever go up.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner
from yibao.cli.main import app
from yibao.evaluate import load_gold, score
from yibao.ingest.reading import read_text

CORPUS = Path(__file__).resolve().parent / "fixtures" / "corpus"
RECALL_FLOOR = 0.42
PRECISION_FLOOR = 0.95
NO_MAPPABLE_FIGURES = ("qinghai_2020_work_conference_procurement_news", "quanzhou_2022_reform_summary_trad")


@pytest.fixture(scope="module")
def corpus_build(tmp_path_factory):
    store = tmp_path_factory.mktemp("corpus") / "store"
    runner = CliRunner()
    built = runner.invoke(app, ["build", str(CORPUS / "reports"), "--store", str(store)])
    exported = runner.invoke(app, ["facts", "--store", str(store), "--format", "csv"])
    assert exported.exit_code == 0, exported.output
    return built, list(csv.DictReader(io.StringIO(exported.stdout)))


def test_every_corpus_document_loads(corpus_build):
    built, _ = corpus_build
    assert built.exit_code == 0, built.output
    assert "27 of 27" in built.output


def test_corpus_recall_and_precision(corpus_build):
    _, rows = corpus_build
    result = score(rows, load_gold(CORPUS / "facts.csv"))
    print(f"corpus recall {result.recall:.3f} ({result.recalled}/{result.gold}); "
          f"precision {result.precision:.3f} ({result.correct}/{result.keyed})")
    assert result.recall >= RECALL_FLOOR
    assert result.precision >= PRECISION_FLOOR


@pytest.mark.parametrize("report", [
    NO_MAPPABLE_FIGURES[0],
    pytest.param(NO_MAPPABLE_FIGURES[1], marks=pytest.mark.xfail(strict=True, reason=(
        "since the pinyin debris is removed (醫(yī)院 reads as 医院) the policies extractor reads "
        "'4家…试点医院正式实施收付费' and '首批28家医疗机构实行DRG付费' as institutions_covered, each for "
        "three policies of the paragraph; the annotators count no figure of this reform summary"))),
])
def test_reform_summaries_yield_no_observation(corpus_build, report):
    _, rows = corpus_build
    assert not [r for r in rows if r["report"] == report]


def test_every_corpus_quote_is_verbatim_at_its_offsets(corpus_build):
    _, rows = corpus_build
    texts = {p.stem: read_text(p).original for p in (CORPUS / "reports").glob("*.txt")}
    for row in rows:
        text = texts[row["report"]]
        assert text[int(row["start"]):int(row["end"])] == row["quote"], row
        assert row["surface"] in row["quote"], row
