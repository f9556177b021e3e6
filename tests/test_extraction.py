"""Fact extraction: gold recall/precision, sourced quotes, robustness to encodings and
writing variants, and the same rules on a report text from a region never seen."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from yibao.evaluate import load_gold, score
from yibao.ingest.pipeline import process_file
from yibao.ingest.quantities import find_quantities, plain

from tests import variants

ROOT = Path(__file__).resolve().parent.parent
REPORTS = sorted((ROOT / "data" / "reports").glob("*.txt"))
GOLD = ROOT / "tests" / "fixtures" / "facts-dev.csv"


@pytest.fixture(scope="module")
def reports():
    return {p.stem: process_file(p) for p in REPORTS}


def _rows(report) -> list[dict]:
    return [dict(report=o.report, region_code=o.region, year=o.year, fund=o.fund, indicator=o.indicator,
                 basis=o.basis, statistic=o.statistic, value=plain(o.value)) for o in report.observations]


def _fact_set(report) -> set[tuple]:
    return {(o.region, o.year, o.fund, o.indicator, o.basis, o.statistic, o.value.normalize())
            for o in report.observations}


def test_gold_recall_and_precision(reports):
    gold = load_gold(GOLD)
    names = {g["report"] for g in gold}
    rows = [r for name in names for r in _rows(reports[name])]
    result = score(rows, gold)
    print(f"gold recall {result.recall:.3f}, precision {result.precision:.3f}")
    assert result.recall >= 0.95, result.missed[:10]
    assert result.precision >= 0.98, result.wrong[:10]


def test_every_report_has_metadata_and_facts(reports):
    for name, report in reports.items():
        assert report.region and report.year and report.title, name
        assert len(report.observations) >= 20, name
    assert reports["zhuzhou-2020-municipal-employee-fund-self-evaluation"].region == "430200_municipal"
    assert reports["changji-2021-fund-expenditure-evaluation"].region == "652300"
    assert reports["zhuzhou-2022-fund-operation-analysis"].date == "2023-02-20"


def test_quotes_are_verbatim_and_contain_the_number(reports):
    for report in reports.values():
        for o in report.observations:
            assert report.text[o.start:o.end] == o.quote
            assert o.surface in o.quote, (o.surface, o.quote)


def test_observations_are_unique_per_key(reports):
    for report in reports.values():
        keys = [o.key for o in report.observations]
        assert len(keys) == len(set(keys))


@pytest.mark.parametrize("make", ["gbk", "utf16", "traditional", "halfwidth_thousands"])
def test_variants_yield_the_same_facts(tmp_path, reports, make):
    for path in REPORTS:
        text = path.read_text(encoding="utf-8")
        target = tmp_path / path.name
        variants.write_variant(text, target, make)
        variant = process_file(target)
        assert _fact_set(variant) == _fact_set(reports[path.stem]), (make, path.name)
        for o in variant.observations:
            assert variant.text[o.start:o.end] == o.quote


def test_bad_files_raise_clear_errors(tmp_path):
    from yibao.ingest.reading import ReadError

    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(ReadError, match="empty.txt"):
        process_file(empty)


UNSEEN = """苏州市2023年度城乡居民基本医疗保险基金运行分析报告

一、基金收支情况
（一）城乡居民基本医疗保险
2023年全市城乡居民医保基金总收入45.6亿元，比上年增加2.1亿元，同比增长4.83%。基金总支出41.2亿元，当期结余4.4亿元，累计结余38.75亿元，可支付月数约11.3个月。
全市城乡居民参保人数为312.5万人，去年同期为309.8万人。分地区看，昆山市68.2万人，常熟市55.1万人。
（二）职工基本医疗保险
职工医保基金收入预算120.5亿元，实际收入126.3亿元，收入预算执行率104.81%。其中统筹基金收入80.2亿元、个人账户基金收入46.1亿元。
2023年职工医保、居民医保当期结余分别为15.2亿元、4.4亿元。
其中：成年人2100000人。
"""


def test_same_rules_on_a_region_never_seen(tmp_path):
    path = tmp_path / "suzhou-2023-analysis.txt"
    path.write_text(UNSEEN, encoding="utf-8")
    report = process_file(path)
    assert report.region == "320500" and report.year == 2023 and report.report_type == "operation_analysis"
    facts = {(o.region, o.year, o.fund, o.indicator, o.basis, o.statistic): o.value for o in report.observations}

    def get(*key):
        return facts.get(key)

    assert get("320500", 2023, "resident", "income", "actual", "level") == Decimal("4560000000")
    assert get("320500", 2023, "resident", "income", "actual", "change") == Decimal("210000000")
    assert get("320500", 2023, "resident", "income", "actual", "growth_rate") == Decimal("4.83")
    assert get("320500", 2023, "resident", "months_of_cover", "actual", "level") == Decimal("11.3")
    assert get("320500", 2022, "resident", "enrollment", "actual", "level") == Decimal("3098000")
    assert get("320583", 2023, "resident", "enrollment", "actual", "level") == Decimal("682000")
    assert get("320581", 2023, "resident", "enrollment", "actual", "level") == Decimal("551000")
    assert get("320500", 2023, "employee", "income", "budget", "level") == Decimal("12050000000")
    assert get("320500", 2023, "employee", "income", "actual", "level") == Decimal("12630000000")
    assert get("320500", 2023, "employee", "income_execution_rate", "actual", "level") == Decimal("104.81")
    assert get("320500", 2023, "employee_pooled", "income", "actual", "level") == Decimal("8020000000")
    assert get("320500", 2023, "employee", "current_balance", "actual", "level") == Decimal("1520000000")
    assert get("320500", 2023, "resident", "current_balance", "actual", "level") == Decimal("440000000")
    # a sub-population named by words the vocabulary does not know is not mistaken for the total
    assert all(o.value != Decimal("2100000") for o in report.observations)


@pytest.mark.parametrize(("text", "value", "unit"), [
    ("结余-4244.9万元", Decimal("-42449000"), "yuan"),
    ("151,548.11万元", Decimal("1515481100"), "yuan"),
    ("5977元/人.月", Decimal("5977"), "yuan_per_person_month"),
    ("可支撑约19个月", Decimal("19"), "month"),
    ("=21.55/4.11=5.24月", Decimal("5.24"), "month"),
    ("参保148.19万人", Decimal("1481900"), "person"),
])
def test_quantities(text, value, unit):
    last = find_quantities(text)[-1]
    assert (last.value, last.unit) == (value, unit)


def test_ranges_and_dates_are_not_values():
    assert all(q.in_range for q in find_quantities("3-9个月"))
    assert all(q.unit is None for q in find_quantities("2022年10月"))
