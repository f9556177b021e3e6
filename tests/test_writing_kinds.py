"""Kinds of writing real fund documents use, each on a short synthetic text (written for the test,
not copied from a report): the rule must read the kind, whatever the region or the figure."""

from __future__ import annotations

from decimal import Decimal

import pytest
from yibao.ingest.pipeline import process_file


def _facts(tmp_path, text: str, name: str = "x-2023.txt") -> dict[tuple, tuple[Decimal, str]]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    report = process_file(path)
    return {(o.year, o.fund, o.indicator, o.basis, o.statistic): (o.value, o.approximation)
            for o in report.observations}


HEAD = "衡阳县医疗保障局2023年医疗保障基金收支情况公示\n"


@pytest.mark.parametrize(("body", "key", "value"), [
    # a deficit written in words is a negative current balance
    ("城乡居民医保基金当期赤字3754万元。", (2023, "resident", "current_balance", "actual", "level"), "-37540000"),
    # 结存 is a balance; 累计结存 the stock
    ("职工医保基金累计结存2.5亿元。", (2023, "employee", "cumulative_balance", "actual", "level"), "250000000"),
    # an opening balance is the previous year's closing stock
    ("职工医保基金期初结余52.16万元。", (2022, "employee", "cumulative_balance", "actual", "level"), "521600"),
    # (含生育保险) names a part the employee fund includes: the figure is the employee fund's
    ("职工基本医疗保险(含生育保险)基金收入1.2亿元。", (2023, "employee", "income", "actual", "level"), "120000000"),
    # 基本医疗保险 with no scheme word is both schemes together
    ("全县基本医疗保险参保人数194571人。", (2023, "all_basic", "enrollment", "actual", "level"), "194571"),
    # 新农合 is the resident fund's predecessor
    ("新农合基金支出1234.5万元。", (2023, "resident", "expenditure", "actual", "level"), "12345000"),
    # a decrease is a negative growth rate
    ("职工医保基金收入3.5亿元，同比减少3.37%。", (2023, "employee", "income", "actual", "growth_rate"), "-3.37"),
    ("职工医保基金支出2.1亿元，同比降低10.89%。", (2023, "employee", "expenditure", "actual", "growth_rate"), "-10.89"),
    # a figure without its unit among figures in 元
    ("城乡居民医保基金收入1200.50元，其中利息收入300.25元。职工医保基金收入4500.75。",
     (2023, "employee", "income", "actual", "level"), "4500.75"),
    # the fund of the sentence before carries on
    ("城乡居民医保基金收入5.2亿元。支出4.8亿元。", (2023, "resident", "expenditure", "actual", "level"), "480000000"),
    # the parts of a cumulative balance keep its indicator
    ("职工医保基金累计结余1027.90万元(其中:统筹基金结余612.16万元,个人账户基金结余415.74万元)。",
     (2023, "employee_personal_account", "cumulative_balance", "actual", "level"), "4157400"),
    # a numbered item that states a figure is read, not taken for a heading
    ("一、职工基本医疗保险基金收支情况\n1、基本医疗保险费收入15192.82万元;\n2、利息收入18.32万元。",
     (2023, "employee", "interest_income", "actual", "level"), "183200"),
    # words of steadiness between a label and its figure
    ("城乡居民医保参保率持续稳定在98.5%。", (2023, "resident", "coverage_rate_registered", "actual", "level"), "98.5"),
    ("城乡居民医保共筹集基金5265万元。", (2023, "resident", "income", "actual", "level"), "52650000"),
    # a line after 其中 that names no fund is a part of the whole, not of the part listed before it
    ("职工医保基金收入4860万元,其中统筹基金收入2741万元,公务员医疗补助收入175万元,利息收入3万元。",
     (2023, "employee", "interest_income", "actual", "level"), "30000"),
    # a kind of cost followed by 支出 is that kind's expenditure
    ("居民医保基金支出223万元。其中住院费用支出102万元,门诊费支出42万元。",
     (2023, "resident", "inpatient_expenditure", "actual", "level"), "1020000"),
])
def test_kinds_of_writing(tmp_path, body, key, value):
    facts = _facts(tmp_path, HEAD + body)
    assert key in facts, sorted(facts)
    assert facts[key][0] == Decimal(value)


@pytest.mark.parametrize(("body", "approximation"), [
    ("城乡居民医保基金收入约5.2亿元。", "approximate"),
    ("城乡居民医保基金收入5.2亿元左右。", "approximate"),
    ("城乡居民医保基金收入超5.2亿元。", "at_least"),
    ("城乡居民医保基金收入5200多万元。", "approximate"),
    ("城乡居民医保基金收入5.2亿元。", "exact"),
])
def test_approximations_keep_the_number_and_say_so(tmp_path, body, approximation):
    facts = _facts(tmp_path, HEAD + body)
    value, approx = facts[(2023, "resident", "income", "actual", "level")]
    assert approx == approximation
    assert value in (Decimal("520000000"), Decimal("52000000"))


def test_a_sub_population_is_not_enrollment(tmp_path):
    facts = _facts(tmp_path, HEAD + "全县参加城乡居民基本医疗保险281473人，其中60岁以上(老年人)参加城乡居民基本医疗保险59173人。")
    values = {v for v, _ in facts.values()}
    assert Decimal("281473") in values and Decimal("59173") not in values


def test_a_figure_claimed_by_several_policies_is_left_out(tmp_path):
    text = HEAD + "我县推进按病种付费和DIP付费改革,4家医院正式实施。"
    assert not [k for k in _facts(tmp_path, text) if k[2] == "institutions_covered"]


def test_a_per_person_amount_is_not_the_total_its_label_names(tmp_path):
    facts = _facts(tmp_path, HEAD + "城乡居民医保基金收入5265万元，其中个人缴纳2397万元(人均85元)。")
    assert facts[(2023, "resident", "premium_income", "actual", "level")][0] == Decimal("23970000")
    assert all(value != Decimal("85") for value, _ in facts.values())


def test_tiers_listed_before_respectively_give_each_figure_its_tier(tmp_path):
    path = tmp_path / "x-2023.txt"
    path.write_text(HEAD + "第一档、第二档参保居民财政补助标准分别提高至700元和610元，"
                    "总筹资标准分别达到每人每年1100元和980元。", encoding="utf-8")
    found = {(o.indicator, o.qualifier): o.value for o in process_file(path).observations}
    assert found[("per_capita_fiscal_subsidy", "contribution_tier_1")] == Decimal("700")
    assert found[("per_capita_fiscal_subsidy", "contribution_tier_2")] == Decimal("610")
    assert found[("per_capita_funding", "contribution_tier_2")] == Decimal("980")
