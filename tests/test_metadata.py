"""Where a report says its region, year and period; reading repairs (pinyin debris, damaged
figures); stating them with `yibao build --region/--year/--period/--manifest`.

The texts are small synthetic ones written for these tests, not copied from a report.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner
from yibao.cli.main import app
from yibao.ingest.lexicon import default_lexicon
from yibao.ingest.metadata import read_metadata
from yibao.ingest.pipeline import extract_report, process_file
from yibao.ingest.reading import damaged_figures, normalise, read_text
from yibao.ingest.segment import segment
from yibao.model import DecodedText

CORPUS = Path(__file__).resolve().parent / "fixtures" / "corpus" / "reports"


def meta_of(text: str):
    norm = normalise(text)
    return read_metadata(default_lexicon(), segment(norm), norm, text)


def report_of(text: str, report_id: str = "t"):
    decoded = DecodedText(text, normalise(text), "utf-8")
    return extract_report(report_id, Path(f"{report_id}.txt"), decoded, "0", default_lexicon())


# --- region ------------------------------------------------------------------------------------

def test_dateline_is_not_the_region_and_national_figures_are_the_country():
    text = ("本报上海5月20日电 (记者 王某)国家医保局日前发布的统计快报显示,截至2021年底,"
            "全国基本医疗保险参保人数136000万人。全国基本医疗保险基金总收入28000亿元。")
    meta = meta_of(text)
    assert meta.region == "100000"
    assert meta.year == 2021


def test_news_agency_dateline_with_a_local_subject():
    text = "新华社北京6月1日电 南平市医疗保障局日前通报,2022年南平市职工医保基金收入30亿元。"
    assert meta_of(text).region == "350700"


def test_region_from_the_signature():
    text = ("关于医疗保险基金收支情况的公告\n\n根据有关规定,现将我县2023年基金收支情况公告如下:\n"
            "职工基本医疗保险基金收入5000万元。\n\n磐安县医疗保障局\n2024年1月10日\n")
    meta = meta_of(text)
    assert meta.region == "330727"
    assert meta.year == 2023


def test_region_from_a_source_line():
    text = ("医疗保障基金运行情况\n来源:永康市医疗保障局  发布日期:2022-04-02\n"
            "一、基金收入\n全市职工基本医疗保险基金收入12亿元。\n")
    assert meta_of(text).region == "330784"


def test_region_from_a_table_title():
    text = ("一、说明\n以下为本年度数据。\n\n兰溪市2021年医疗保险基金收支情况表\n"
            "项目 | 金额(万元)\n基金收入 | 3000\n基金支出 | 2800\n")
    assert meta_of(text).region == "330781"


def test_a_text_naming_no_place_has_no_region():
    text = "2022年度基金运行情况\n全市职工基本医疗保险基金收入12亿元,支出10亿元。\n"
    assert meta_of(text).region is None


# --- year and period ----------------------------------------------------------------------------

@pytest.mark.parametrize(("title", "body", "year", "period"), [
    ("武义县2023年一季度医保基金收支情况", "基金收入100万元。", 2023, "2023-Q1"),
    ("武义县2023年第一季度医保基金收支情况", "基金收入100万元。", 2023, "2023-Q1"),
    ("武义县2022年上半年医保基金收支情况", "基金收入100万元。", 2022, "2022-H1"),
    ("武义县2022年1-6月医保基金收支情况", "基金收入100万元。", 2022, "2022-H1"),
    ("武义县2021年1-9月医保基金运行情况", "基金收入100万元。", 2021, "2021-09"),
    ("武义县2025年1-4月医保主要指标", "参保人数1000人。", 2025, "2025-04"),
    ("武义县2023年第四季度医保基金收支情况", "截至2023年12月31日,基金收入100万元。", 2023, None),
    ("武义县2023年第二季度医保基金收支情况", "2023年1-6月,基金收入100万元。", 2023, "2023-H1"),
    ("武义县2023年第二季度医保基金收支情况", "本季度基金收入100万元。", 2023, "2023-Q2"),
    ("武义县2024年度医保基金收支情况", "基金收入100万元。", 2024, None),
])
def test_periods_from_the_title(title, body, year, period):
    meta = meta_of(f"{title}\n发布日期:{year + 1}年2月1日\n{body}\n")
    assert (meta.year, meta.period) == (year, period)


def test_year_to_date_in_the_opening_and_data_year_over_publication_year():
    text = "发布时间:2025年4月15日\n截至2025年3月31日,职工基本医疗保险参保人数10万人。\n"
    meta = meta_of(text)
    assert (meta.year, meta.period) == (2025, "2025-03")


def test_period_lands_on_the_facts():
    text = "仙居县2022年上半年医疗保险基金收支情况\n2022年上半年,职工基本医疗保险基金收入5000万元。\n"
    report = report_of(text)
    assert report.observations
    assert {o.period for o in report.observations} == {"2022-H1"}


# --- reading ------------------------------------------------------------------------------------

def test_pinyin_debris_is_removed_and_digits_keep_their_offsets():
    text = "全國基本醫(yī)療保險參保人數(shù)13.6億人,累計結(jié)存-3.14萬億元。"
    norm = normalise(text)
    assert len(norm) == len(text)
    assert "全国基本医疗保险参保人数" in norm and "累计结存" in norm
    for m in re.finditer(r"\d", text):
        assert norm[m.start()] == m.group()
    assert norm[text.index("-3.14")] == "-"


def test_text_in_brackets_without_a_tone_mark_is_kept():
    assert normalise("基金(GDP)收入(a)100万元") == "基金(GDP)收入(a)100万元"


def test_traditional_corpus_quotes_are_verbatim():
    for name in ("maoming_2024_mi_fund_disclosure", "national_2020_statistical_flash_report_trad_units",
                 "national_2022_statistical_bulletin_news_trad_garbled"):
        report = process_file(CORPUS / f"{name}.txt")
        assert report.observations, name
        for obs in report.observations:
            assert report.text[obs.start:obs.end] == obs.quote
            assert obs.surface in obs.quote


def test_damaged_figure_is_not_extracted():
    text = "2022年,居民醫保基金收入12000.00億元;居民醫(yī)?;鹗杖?0128.90億元,比上年增長4.2%。"
    spans = damaged_figures(text)
    assert [text[s:e] for s, e in spans] == ["0128.90億元"]
    report = report_of("全國2022年醫療保障統計公報\n" + text)
    values = {o.value for o in report.observations}
    assert all("0128" not in str(v) and "128.9" not in str(v) for v in values)


def test_indentation_question_marks_are_not_damage():
    assert damaged_figures("??1.收入情況:總收入100萬元") == []


def test_read_text_lists_damaged_spans(tmp_path):
    path = tmp_path / "r.txt"
    path.write_text("基金收?5.3億元\n", encoding="utf-8")
    decoded = read_text(path)
    assert decoded.damaged == [(4, 9)]
    assert decoded.normalised[4:7] == "#.#"


# --- stating region, year, period ----------------------------------------------------------------

@pytest.fixture
def regionless(tmp_path: Path) -> Path:
    """A copy of a corpus disclosure with every line naming its county removed."""
    source = (CORPUS / "sheyang_2023_mi_fund_disclosure.txt").read_text(encoding="utf-8")
    lines = [line for line in source.splitlines() if "射阳" not in line]
    path = tmp_path / "disclosure.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _facts(store: Path) -> list[dict]:
    result = CliRunner().invoke(app, ["facts", "--store", str(store), "--format", "csv"])
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_regionless_copy_loads_with_a_warning_and_region_option_supplies_it(regionless, tmp_path):
    runner = CliRunner()
    store = tmp_path / "store"
    result = runner.invoke(app, ["build", str(regionless), "--store", str(store)])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert "no region named" in result.output
    rows = _facts(store)
    assert rows and {r["region_code"] for r in rows} == {""}

    result = runner.invoke(app, ["build", str(regionless), "--store", str(store), "--region", "射阳县"])
    assert result.exit_code == 0, result.output
    rows = _facts(store)
    assert rows and {r["region_code"] for r in rows} == {"320924"}


def test_manifest_supplies_region_year_and_period(regionless, tmp_path):
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(f"file,region,year,period\n{regionless.name},320924,2023,\n", encoding="utf-8")
    store = tmp_path / "store"
    result = CliRunner().invoke(app, ["build", str(regionless), "--store", str(store), "--manifest", str(manifest)])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    rows = _facts(store)
    assert rows and {(r["region_code"], r["year"]) for r in rows} == {("320924", "2023")}


def test_stated_metadata_replaces_the_text_with_a_warning(tmp_path):
    path = tmp_path / "r.txt"
    path.write_text("缙云县2022年医保基金收支情况\n2022年,职工基本医疗保险基金收入5000万元。\n", encoding="utf-8")
    store = tmp_path / "store"
    result = CliRunner().invoke(app, ["build", str(path), "--store", str(store), "--region", "331122",
                                      "--period", "2022-H1"])
    assert result.exit_code == 0, result.output
    assert "the text says period 2022" in result.output
    rows = _facts(store)
    assert rows and {(r["region_code"], r["period"]) for r in rows} == {("331122", "2022-H1")}


@pytest.mark.parametrize("args", [
    ["--region", "不存在的地方"],
    ["--period", "2022-Q7"],
    ["--manifest", "missing.csv"],
])
def test_bad_stated_metadata_is_one_red_line(tmp_path, args):
    import subprocess
    import sys

    path = tmp_path / "r.txt"
    path.write_text("缙云县2022年医保基金收支情况\n职工基本医疗保险基金收入5000万元。\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "yibao.cli.main", "build", str(path), "--store",
                           str(tmp_path / "store"), *args], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert [line for line in proc.stderr.splitlines() if line.strip()][-1].startswith("error:")


def test_blanking_datelines_and_cited_titles_keeps_every_other_character_in_place():
    from yibao.ingest.metadata import blank_non_subject

    text = "本报北京3月5日电 记者张三报道 据《关于做好2023年城乡居民基本医疗保障工作的通知》，株洲市医保局"
    blanked = blank_non_subject(text)
    assert len(blanked) == len(text)
    assert "北京" not in blanked and "关于做好" not in blanked and blanked.endswith("株洲市医保局")
    assert [i for i, (a, b) in enumerate(zip(text, blanked)) if a != b and b != " "] == []
    plain = "株洲市医疗保障局2022年基金运行分析"
    assert blank_non_subject(plain) is plain  # nothing to blank: the text itself
