"""Tables that web pages flattened: each layout on a small synthetic text (not copied from any
report), with the values, units, indicators, funds, basis and verbatim quotes expected; texts
that only look like tables; and the Word tables of the sample reports, which stay as they were."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from yibao.ingest.extractors.flat_tables import FlatTableFacts
from yibao.ingest.pipeline import process_file
from yibao.ingest.reading import normalise
from yibao.ingest.segment import segment

ROOT = Path(__file__).resolve().parent.parent


def _build(tmp_path: Path, name: str, text: str):
    path = tmp_path / f"{name}.txt"
    path.write_text(text, encoding="utf-8")
    report = process_file(path)
    for o in report.observations:  # every quote is the original text at its offsets and holds the figure
        assert text[o.start:o.end] == o.quote and o.surface in o.quote
    return report


def test_the_extractor_is_registered():
    from yibao.ingest.extractors import EXTRACTORS

    assert any(isinstance(e, FlatTableFacts) for e in EXTRACTORS)


def _facts(report) -> dict[tuple, Decimal]:
    return {(o.year, o.fund, o.indicator, o.basis): o.value for o in report.observations if o.statistic == "level"}


def _quotes(report) -> dict[tuple, str]:
    return {(o.year, o.fund, o.indicator, o.basis): o.quote for o in report.observations}


PIPE_FUND_ROWS = """宁陵县医疗保障局2022年基金收支公开
单位:万元
城乡居民医保 | |
项目 | 金额 |
一、年初累计结余 | 2500.50 |
二、收入合计 | 9100.20 |
1、利息收入 | 12.30 |
2、财政补贴收入 | 4000 |
三、支出合计 | 8800.10 |
四、年末累计结余 | 2800.60 |
职工医保 | |
项目 | 金额 |
一、年初累计结余 | 1500.25 |
二、收入合计 | 7300.40 |
1、利息收入 | 8.80 |
三、支出合计 | 7000.00 |
四、年末累计结余 | 1800.65 |
"""


def test_pipe_rows_with_the_fund_in_a_row_of_its_own_and_the_unit_in_the_caption(tmp_path):
    report = _build(tmp_path, "pipe-funds", PIPE_FUND_ROWS)
    facts = _facts(report)
    assert facts[(2022, "resident", "income", "actual")] == Decimal("91002000")
    assert facts[(2022, "resident", "interest_income", "actual")] == Decimal("123000")
    assert facts[(2022, "resident", "fiscal_subsidy_income", "actual")] == Decimal("40000000")
    assert facts[(2022, "resident", "cumulative_balance", "actual")] == Decimal("28006000")
    assert facts[(2021, "resident", "cumulative_balance", "actual")] == Decimal("25005000")  # opening balance
    assert facts[(2022, "employee", "income", "actual")] == Decimal("73004000")
    assert facts[(2022, "employee", "interest_income", "actual")] == Decimal("88000")
    assert facts[(2022, "employee", "expenditure", "actual")] == Decimal("70000000")
    assert facts[(2021, "employee", "cumulative_balance", "actual")] == Decimal("15002500")
    assert _quotes(report)[(2022, "employee", "interest_income", "actual")] == "1、利息收入 | 8.80"
    # the rows are a table: the text extractor does not read them a second time
    assert all(o.quote.count("|") >= 1 for o in report.observations)


PIPE_COLUMNS = """某县医疗救助资金2023年度项目绩效自评表 ｜ ｜ ｜
资金情况(万元) ｜ 年初预算数 ｜ 全年执行数 ｜ 预算执行率 ｜
医疗救助支出 ｜ 820.5 ｜ 801.2 ｜ 97.65% ｜
其中:省级资金 ｜ 300 ｜ 300 ｜ 100% ｜
"""


def test_full_width_pipes_with_basis_and_unit_in_the_column_headers(tmp_path):
    report = _build(tmp_path, "pipe-columns", PIPE_COLUMNS)
    facts = _facts(report)
    assert facts[(2023, "medical_assistance", "expenditure", "budget")] == Decimal("8205000")
    assert facts[(2023, "medical_assistance", "expenditure", "actual")] == Decimal("8012000")
    assert facts[(2023, "medical_assistance", "expenditure_execution_rate", "actual")] == Decimal("97.65") or \
        facts[(2023, "medical_assistance", "budget_execution_rate", "actual")] == Decimal("97.65")
    # a row naming something the vocabulary does not know (省级资金) is left out
    assert Decimal("3000000") not in facts.values()


PIPE_YEARS = """某市2021年医疗保险基金收支情况
职工基本医疗保险基金 | 本年 | 上年 |
基金收入(亿元) | 12.5 | 11.8 |
基金支出(亿元) | 10.2 | 9.9 |
增长率 | 5.9% | 3.1% |
"""


def test_pipe_rows_with_years_in_the_header_and_units_in_the_row_labels(tmp_path):
    facts = _facts(_build(tmp_path, "pipe-years", PIPE_YEARS))
    assert facts[(2021, "employee", "income", "actual")] == Decimal("1250000000")
    assert facts[(2020, "employee", "income", "actual")] == Decimal("1180000000")
    assert facts[(2021, "employee", "expenditure", "actual")] == Decimal("1020000000")
    assert facts[(2020, "employee", "expenditure", "actual")] == Decimal("990000000")


GLUED = """2024年上半年医疗保障主要指标
来源: 兴义市医疗保障局
指标名称单位本期
一、参保人数
  基本医疗保险万人120.30
  职工基本医疗保险万人20.10
  城乡居民基本医疗保险万人100.20
二、享受待遇
  基本医疗保险万人30.50
  职工基本医疗保险万人10.50
  城乡居民基本医疗保险万人20.00
三、当期结余
  基本医疗保险(含生育保险)亿元-1.25
  职工基本医疗保险(含生育保险)亿元0.75
  城乡居民基本医疗保险亿元-2.00
"""


def test_label_unit_and_value_glued_with_the_unit_before_the_number(tmp_path):
    report = _build(tmp_path, "glued", GLUED)
    facts = _facts(report)
    assert facts[(2024, "all_basic", "enrollment", "actual")] == Decimal("1203000")
    assert facts[(2024, "employee", "enrollment", "actual")] == Decimal("201000")
    assert facts[(2024, "resident", "enrollment", "actual")] == Decimal("1002000")
    # the same row labels under another group heading are another indicator, not enrollment again
    assert facts[(2024, "all_basic", "beneficiaries", "actual")] == Decimal("305000")
    # a minus sign before the number is a negative value; (含生育保险) does not make it maternity
    assert facts[(2024, "all_basic", "current_balance", "actual")] == Decimal("-125000000")
    assert facts[(2024, "employee", "current_balance", "actual")] == Decimal("75000000")
    assert facts[(2024, "resident", "current_balance", "actual")] == Decimal("-200000000")
    assert not [o for o in report.observations if o.fund == "maternity"]
    quotes = _quotes(report)
    assert quotes[(2024, "resident", "current_balance", "actual")] == "城乡居民基本医疗保险亿元-2.00"
    surfaces = {o.surface for o in report.observations}
    assert "亿元-2.00" in surfaces


STACKED_PIPES = """| 2023年1-6月清河县基本医疗保险主要指标 |
|
| 指标名称 |
单位 |
指标数据 |
| 一、参保人数 |
人 |
350000 |
| 1.职工基本医疗保险(含生育保险) |
人 |
50000 |
| 2.城乡居民基本医疗保险 |
人 |
300000 |
| 二、统筹基金支出 |
万元 |
9000.50 |
| 1.职工基本医疗保险(含生育保险) |
万元 |
3000.25 |
| 2.城乡居民基本医疗保险 |
万元 |
6000.25 |
"""


def test_one_cell_per_line_with_the_unit_in_a_cell_and_groups_summing_their_rows(tmp_path):
    report = _build(tmp_path, "stacked-pipes", STACKED_PIPES)
    facts = _facts(report)
    assert facts[(2023, "all_basic", "enrollment", "actual")] == Decimal("350000")
    assert facts[(2023, "employee", "enrollment", "actual")] == Decimal("50000")
    assert facts[(2023, "resident", "enrollment", "actual")] == Decimal("300000")
    assert facts[(2023, "all_basic", "expenditure", "actual")] == Decimal("90005000")
    # the employee row under a 统筹基金 heading is the employee pooled fund
    assert facts[(2023, "employee_pooled", "expenditure", "actual")] == Decimal("30002500")
    assert facts[(2023, "resident", "expenditure", "actual")] == Decimal("60002500")
    quote = _quotes(report)[(2023, "employee_pooled", "expenditure", "actual")]
    assert quote.startswith("1.职工基本医疗保险") and quote.endswith("3000.25")


STACKED_LINES = """2022年某县医疗保险基金情况
城乡居民基本医疗保险
基金收入
万元
5600.40
基金支出
万元
5100.10
参保人数
人
210000
"""


def test_label_unit_and_value_on_three_lines(tmp_path):
    facts = _facts(_build(tmp_path, "stacked-lines", STACKED_LINES))
    assert facts[(2022, "resident", "income", "actual")] == Decimal("56004000")
    assert facts[(2022, "resident", "expenditure", "actual")] == Decimal("51001000")
    assert facts[(2022, "resident", "enrollment", "actual")] == Decimal("210000")


SPACED = """某市2020年职工基本医疗保险基金决算
单位：元
项目          预算数          执行数
基金收入      1250000.00      1300500.50
基金支出      1100000.00      1050200.25
"""


def test_cells_separated_by_runs_of_spaces_with_basis_columns(tmp_path):
    facts = _facts(_build(tmp_path, "spaced", SPACED))
    assert facts[(2020, "employee", "income", "budget")] == Decimal("1250000.00")
    assert facts[(2020, "employee", "income", "actual")] == Decimal("1300500.50")
    assert facts[(2020, "employee", "expenditure", "budget")] == Decimal("1100000.00")
    assert facts[(2020, "employee", "expenditure", "actual")] == Decimal("1050200.25")


TARGETS = """某县2021年城乡居民医保补助项目绩效目标表
项目资金(万元) | 年度资金总额:150 |
三级指标 | 指标值 | 实际完成值 |
城乡居民参保人数 | ≥30000人 | 31250人 |
"""


def test_target_tables_read_target_and_actual_columns(tmp_path):
    report = _build(tmp_path, "targets", TARGETS)
    by_key = {(o.fund, o.indicator, o.basis): o for o in report.observations}
    target = by_key[("resident", "enrollment", "target")]
    assert target.value == Decimal("30000") and target.approximation == "at_least"
    assert by_key[("resident", "enrollment", "actual")].value == Decimal("31250")


@pytest.mark.parametrize("text", [
    # a navigation bar and a title ending in "|": no table
    "首页 | 网站地图 | 联系我们\n某县2022年医保基金收支情况 |\n全县职工医保基金收入5000万元。\n",
    # a metadata header row with dates and document numbers
    "索引号: | 1234567/2022-00012 | 发布日期: | 2022-05-30 |\n某县2022年医保基金收入5000万元。\n",
])
def test_lines_that_only_look_like_tables(text):
    assert segment(normalise(text)).flat_tables == []


def test_rows_without_a_known_unit_or_indicator_are_left_out(tmp_path):
    text = ("某县2022年医疗保险基金情况\n职工基本医疗保险 | |\n项目 | 数值 |\n基金收入 | 5600 |\n"
            "宣传活动 | 12 |\n参保人数 | 21000 |\n")
    facts = _facts(_build(tmp_path, "no-unit", text))
    assert (2022, "employee", "income", "actual") not in facts  # 5600 what? no unit anywhere
    assert facts[(2022, "employee", "enrollment", "actual")] == Decimal("21000")  # persons need none
    assert Decimal("12") not in facts.values()


def test_tab_tables_of_the_sample_reports_are_untouched():
    for path in sorted((ROOT / "data" / "reports").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        assert segment(normalise(text)).flat_tables == [], path.name
        report = process_file(path)
        assert report.observations
        assert not [t for t in segment(normalise(text)).tables if not t.rows], path.name
