"""Questions phrased the way analysts, auditors and researchers ask them, written apart from the dev set
(tests/heldout_style_questions.json: every kind, Chinese, English and mixed, colloquial and formal,
traditional characters, misspelt places, questions with no answer). They are scored with the rules of
shared/tools/score_questions.py, through the helpers tests/test_user_questions.py scores the dev set with;
then one focused test per kind of wording the question answering learnt from them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_user_questions import _ask, _close, build_sample_store, pass_rate

QUESTIONS = json.loads((Path(__file__).parent / "heldout_style_questions.json").read_text(encoding="utf-8"))
# What the question answering reaches (345 of 348). The three that fail are not wordings: the 2020 report's
# "统筹基金余额…占总余额的51.5％" is extracted as a share of the whole employee fund, and Qingdao's target of
# 6-9 months of cover is not extracted (both extraction issues); "医疗救助制度" is not a policy type of the
# code lists (no adopters to list).
PASS_RATE = 0.99


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return build_sample_store(tmp_path_factory, "heldout")


def test_the_question_file_is_well_formed():
    ids = [q["id"] for q in QUESTIONS]
    assert len(ids) == len(set(ids)) >= 60
    kinds = {q["kind"] for q in QUESTIONS}
    assert {"lookup", "yearless", "threshold", "ranking", "series", "growth", "share", "budget", "subsidy", "policy",
            "problems", "compare", "typo", "mixed", "unanswerable"} <= kinds
    for q in QUESTIONS:
        assert q.get("expect_no_answer") or q["include"] or q["values"], q["id"]


def test_heldout_style_pass_rate(store):
    rate, failed = pass_rate(store, QUESTIONS, "held-out-style questions")
    assert rate >= PASS_RATE, failed


def _one(store, question: str) -> list[dict]:
    code, rows = _ask(store, question)
    assert code == 0 and rows, question
    return rows


def _has(rows: list[dict], region: str, value: float) -> bool:
    return any(r["region_code"] == region and _close(float(r["value"]), value) for r in rows)


# --- English wording ------------------------------------------------------------------------------------

def test_insurance_is_not_the_number_insured(store):
    """"insurance" once stemmed to "insured" (enrollment): "…coverage rate", "…fund accumulated" got head counts."""
    rows = _one(store, "How much has Zhuzhou's resident medical insurance fund accumulated?")
    assert {r["indicator"] for r in rows} == {"cumulative_balance"} and _has(rows, "430200", 2480000000)


@pytest.mark.parametrize(("question", "region", "value"), [
    ("How did Zhuzhou's per-capita fiscal subsidy for residents change from 2021 to 2022?", "430200", 580),
    ("Qingdao per-capita government subsidy for tier-1 resident insured", "370200", 730),
])
def test_a_hyphen_between_words_is_a_space(store, question, region, value):
    rows = _one(store, question)
    assert {r["indicator"] for r in rows} == {"per_capita_fiscal_subsidy"} and _has(rows, region, value)


def test_a_change_between_two_years_lists_both_ends(store):
    rows = _one(store, "How did Zhuzhou's per-capita fiscal subsidy for residents change from 2021 to 2022?")
    assert _has(rows, "430200", 580) and _has(rows, "430200", 610) and _has(rows, "430200", 30)


@pytest.mark.parametrize(("question", "indicator", "value"), [
    ("Huaibei insurance coverage rate based on permanent resident population", "coverage_rate_resident", 100.3),
    ("What was the actual inpatient reimbursement ratio for Huaibei residents in 2023?",
     "inpatient_reimbursement_actual", 68.83),
    ("How much did Qingdao's critical illness insurance pay out in 2019?", "expenditure", 328000000),
    ("How many people does Changji's employee medical insurance cover?", "enrollment", 360100),
    ("How fast did Zhuzhou's combined fund income grow in 2022?", "income", 11.42),
    ("How much subsidy did Pingdu actually receive?", "fiscal_subsidy_received", 476000000),
])
def test_everyday_english_names_of_indicators(store, question, indicator, value):
    rows = _one(store, question)
    assert {r["indicator"] for r in rows} == {indicator} and any(_close(float(r["value"]), value) for r in rows)


def test_which_district_was_due_the_most_is_one_district(store):
    rows = _one(store, "Which Qingdao district was due the largest fiscal subsidy for residents?")
    assert [r["region_code"] for r in rows] == ["370283"] and rows[0]["indicator"] == "fiscal_subsidy_due"


def test_which_zhuzhou_county_is_a_county_of_zhuzhou(store):
    """"Zhuzhou County" is also the former name of 渌口区: after "which", it asks for one of Zhuzhou's counties."""
    rows = _one(store, "Which Zhuzhou county has the smallest resident fund cumulative balance?")
    assert [r["region_code"] for r in rows] == ["430212"]
    rows = _one(store, "Zhuzhou County resident fund months of cover")  # the former name itself still works
    assert {r["region_code"] for r in rows} == {"430212"}


def test_a_place_written_as_two_words(store):
    rows = _one(store, "Chang ji employee fund income")
    assert _has(rows, "652300", 2447000000)


def test_a_municipal_pool_question_is_not_about_municipal_pooling_policy(store):
    rows = _one(store, "Zhuzhou municipal pooled fund income budget execution 2020")
    assert _has(rows, "430200_municipal", 76.3)


def test_active_employees_among_the_insured(store):
    rows = _one(store, "Share of active employees among Zhuzhou's employee insured in 2022")
    assert {r["indicator"] for r in rows} == {"enrollment_employed"} and _has(rows, "430200", 63.79)


# --- Chinese wording ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("question", "region", "indicator", "value"), [
    ("株洲退休职工参保人数", "430200", "enrollment_retired", 266300),
    ("市北区应到位的财政补助资金是多少", "370203", "fiscal_subsidy_due", 73341800),
    ("株洲居民医保保险费收入预算完成率", "430200", "premium_income_execution_rate", 110.53),
    ("株洲2022职工医保待遇支出预算执行得怎么样", "430200", "benefit_expenditure_execution_rate", 97.99),
    ("茶陵县城乡居民医保基金账上还有多少钱", "430224", "cumulative_balance", 324389900),
    ("2022年株洲居民每人交多少医保费", "430200", "per_capita_contribution", 350),
])
def test_everyday_chinese_names_of_indicators(store, question, region, indicator, value):
    rows = _one(store, question)
    assert {r["indicator"] for r in rows} == {indicator} and _has(rows, region, value)


def test_a_verb_of_change_asks_for_the_change(store):
    rows = _one(store, "株洲职工医保缴费基数提高了多少")
    assert {r["statistic"] for r in rows} == {"change"} and any(_close(float(r["value"]), 923) for r in rows)


def test_an_item_named_after_a_fund_reads_as_that_funds_figure(store):
    """青岛 reports the 大病保险 fund's own spending (and its fall), not a 大病保险支出 item of another fund."""
    rows = _one(store, "青岛大病保险支出同比下降了多少")
    assert [(r["fund"], r["indicator"], float(r["value"])) for r in rows] == [("serious_illness", "expenditure", -10.89)]
    rows = _one(store, "昌吉州居民大病保险支出多少")  # stated as an item of the resident fund: that item
    assert {r["indicator"] for r in rows} == {"serious_illness_expenditure"}


@pytest.mark.parametrize("question", ["昌吉医保工作还有哪些不足", "What deficiencies did the Changji report find?"])
def test_shortcomings_are_problems(store, question):
    rows = _one(store, question)
    assert {r["region_code"] for r in rows} == {"652300"} and len(rows) == 4


@pytest.mark.parametrize(("question", "region", "value"), [
    ("炎陵县居民医保基金还能支付多久", "430225", 10),
    ("渌口区职工统筹基金能撑多久", "430212", 11),
    ("How long can Liling's resident fund last?", "430281", 5),
])
def test_how_long_asks_for_the_months_of_cover(store, question, region, value):
    rows = _one(store, question)
    assert {r["indicator"] for r in rows} == {"months_of_cover"} and _has(rows, region, value)


@pytest.mark.parametrize("question", ["职工统筹基金可支付月数在3到9个月之间的县",
                                      "Which counties have between 3 and 9 months of employee pooled fund cover?"])
def test_a_range_of_values_keeps_both_bounds(store, question):
    rows = _one(store, question)
    assert {r["region_code"] for r in rows} == {"430223", "430224", "430281"}  # 4, 3, 5 months; not 11, 23, 29


def test_a_budget_without_an_indicator_is_the_spending_budget(store):
    rows = _one(store, "青岛医保局2019年调整后预算是多少")
    assert [(r["basis"], float(r["value"])) for r in rows] == [("adjusted_budget", 1375683900)]
    rows = _one(store, "What was the Qingdao bureau's budget in 2019?")
    assert {r["basis"] for r in rows} <= {"budget", "adjusted_budget"} and _has(rows, "370200", 1378451000)


def test_two_funds_of_one_region_compared(store):
    """"职工医保和居民医保" is also a label of the two funds combined; compared, each fund has its own row."""
    rows = _one(store, "昌吉职工医保和居民医保收入对比")
    assert {(r["fund"], float(r["value"])) for r in rows} == {("employee", 2447000000), ("resident", 785000000)}
    rows = _one(store, "株洲职工医保和居民医保收入")  # not compared: the combined figure
    assert {r["fund"] for r in rows} == {"all_basic"}


@pytest.mark.parametrize(("question", "region", "value"), [
    ("Qing dao resident fund cumulative balance", "370200", 2155000000),
    ("Zhu zhou employee enrollment 2022", "430200", 735294),
])
def test_a_pinyin_name_written_in_syllables(store, question, region, value):
    rows = _one(store, question)
    assert {r["region_code"] for r in rows} == {region} and _has(rows, region, value)


def test_a_figure_of_a_policy(store):
    rows = _one(store, "淮北 DRG 覆盖了多少家医疗机构")
    assert [(r["indicator"], float(r["value"])) for r in rows] == [("institutions_covered", 109)]


def test_an_alliance_led_by_a_city_in_english(store):
    rows = _one(store, "Which cities have joined the Zhuzhou-led procurement alliance?")
    assert {"430300", "430500", "430600", "430700"} <= {r["region_code"] for r in rows}


@pytest.mark.parametrize(("question", "statistic", "value"), [
    ("By how many people did Zhuzhou's employee enrollment rise in 2022?", "change", 7900),
    ("株洲60岁以上参保居民占多少", "share", 20.28),
])
def test_more_ways_to_ask_for_a_change_or_a_share(store, question, statistic, value):
    rows = _one(store, question)
    assert {r["statistic"] for r in rows} == {statistic} and any(_close(float(r["value"]), value) for r in rows)


def test_a_pinyin_name_is_the_region_with_figures_it_sounds_like(store):
    """"Youxian" is 攸县 (pinyin; English "You County"), not 游仙区 (Youxian District), which has no figures."""
    rows = _one(store, "Youxian pooled fund: how many months can it pay?")
    assert {r["region_code"] for r in rows} == {"430223"} and _has(rows, "430223", 4)


def test_what_is_left_is_the_cumulative_balance(store):
    rows = _one(store, "How much is left in Zhuzhou's personal accounts?")
    assert {(r["fund"], r["indicator"]) for r in rows} == {("employee_personal_account", "cumulative_balance")}


def test_a_superlative_without_a_plural_gives_the_first(store):
    """"可支付月数最短的地区" (no 哪些, no ranking word): the first of the order (ties kept), not the whole order."""
    rows = _one(store, "居民医保基金可支付月数最短的地区")
    assert {r["region_code"] for r in rows} == {"430223", "430212"}
    rows = _one(store, "哪些地区居民医保基金可支付月数最短")  # several asked for: the whole order
    assert len(rows) > 2


def test_a_year_compared_with_is_the_base_year(store):
    rows = _one(store, "Changji resident fund expenditure increase over 2020")
    assert {r["year"] for r in rows} == {2021} and any(_close(float(r["value"]), 91000000) for r in rows)


def test_fiscal_subsidy_in_english_is_the_subsidy_income_or_the_measure_named(store):
    rows = _one(store, "What share of Huaibei's resident fund income was fiscal subsidy?")
    assert [(r["indicator"], float(r["value"])) for r in rows] == [("fiscal_subsidy_income", 65.05)]
    rows = _one(store, "Which Qingdao district was due the largest fiscal subsidy for residents?")
    assert {r["indicator"] for r in rows} == {"fiscal_subsidy_due"}


def test_pooling_areas_are_places_not_the_pooled_fund(store):
    rows = _one(store, "Which pooling areas have fewer than 5 months of resident cover?")
    assert {r["fund"] for r in rows} == {"resident"} and {r["region_code"] for r in rows} == {"430223", "430212"}


@pytest.mark.parametrize(("question", "indicators"), [
    ("淮北2023年居民医保收支情况", {"income", "expenditure"}),
    ("昌吉职工医保收支余情况", {"income", "expenditure", "current_balance"}),
])
def test_a_word_for_several_indicators_asks_for_each(store, question, indicators):
    rows = _one(store, question)
    assert {r["indicator"] for r in rows} == indicators


def test_a_bare_balance_is_the_cumulative_one_where_only_that_is_stated(store):
    rows = _one(store, "炎陵 居民 结余")
    assert [(r["indicator"], float(r["value"])) for r in rows] == [("cumulative_balance", 134555600)]
    rows = _one(store, "昌吉职工医保当年结余多少钱")  # the current balance where it is stated
    assert {r["indicator"] for r in rows} == {"current_balance"}


def test_a_policy_figure_belongs_to_the_policy_named(store):
    code, rows = _ask(store, "淮北2023年DIP覆盖了多少家医疗机构")  # Huaibei's 109 institutions are DRG's
    assert code != 0 and not rows
    assert [float(r["value"]) for r in _one(store, "淮北2023年DRG覆盖了多少家医疗机构")] == [109]


@pytest.mark.parametrize(("question", "indicator", "value"), [
    ("How many drugs were selected in the five-city procurement?", "products_count", 33),
    ("Qingdao tier 2 total funding per person", "per_capita_funding", 1005),
    ("淮北市区县配套补助资金实际到位多少", "fiscal_subsidy_received", 93227000),
])
def test_more_names_of_policy_and_subsidy_figures(store, question, indicator, value):
    rows = _one(store, question)
    assert indicator in {r["indicator"] for r in rows} and any(_close(float(r["value"]), value) for r in rows)


def test_risks_are_problems(store):
    rows = _one(store, "株洲医保基金存在什么风险")
    assert {r["region_code"] for r in rows} == {"430200"}


@pytest.mark.parametrize(("question", "indicator", "value"), [
    ("How much did Zhuzhou's municipal employee fund spend on inpatient care in 2020?", "inpatient_expenditure", 827000000),
    ("Zhuzhou 2020 maternity allowance", "maternity_allowance_expenditure", 109000000),
])
def test_kinds_of_spending_in_english(store, question, indicator, value):
    rows = _one(store, question)
    assert {r["indicator"] for r in rows} == {indicator} and _has(rows, "430200_municipal", value)


def test_the_insured_of_a_group_with_its_own_head_count(store):
    """"retirees … insured": the retirees' head count (enrollment_retired), not every insured person filtered
    by a group no head count carries; "Zhuzhou's municipal pool" is 市本级, not the municipal-pooling reform."""
    rows = _one(store, "How many retirees were insured in Zhuzhou's municipal pool in 2020?")
    assert [(r["region_code"], r["indicator"], float(r["value"])) for r in rows] == \
        [("430200_municipal", "enrollment_retired", 164000)]
    rows = _one(store, "What's the annual outpatient pooling cap for retirees in Zhuzhou?")  # a group's own figure
    assert {r["qualifier"] for r in rows} == {"retiree"} and any(_close(float(r["value"]), 2000) for r in rows)


@pytest.mark.parametrize(("question", "year"), [
    ("20年株洲市本级职工医保基金收入", 2020),
    ("FY2022 Zhuzhou resident fund income", 2022),
])
def test_a_year_written_short(store, question, year):
    rows = _one(store, question)
    assert {r["year"] for r in rows} == {year}


@pytest.mark.parametrize("question", ["株洲近10年职工医保参保人数", "Zhuzhou employee enrollment in recent years"])
def test_recent_years_ask_for_a_series(store, question):
    rows = _one(store, question)
    assert {2013, 2022} <= {r["year"] for r in rows}  # not "近10年" read as the year 2010


def test_qingdaos_districts_and_county_level_cities(store):
    """"区市" (Qingdao's word for its districts and county-level cities) is a level, not an unknown place."""
    rows = _one(store, "应到位财政补助超过3亿元的区市")
    assert {r["region_code"] for r in rows} == {"370283", "370215", "370211"}


@pytest.mark.parametrize("question", ["Where did the resident fund balance drop below 200 million yuan?",
                                      "Which counties' resident fund cover fell below 6 months?"])
def test_a_verb_before_a_comparison_is_not_a_change(store, question):
    rows = _one(store, question)
    assert {r["statistic"] for r in rows} == {"level"} and "430223" in {r["region_code"] for r in rows}
