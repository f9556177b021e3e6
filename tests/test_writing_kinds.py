"""Kinds of writing real fund documents use, each on a short synthetic text (written for the test,
not copied from a report): the rule must read the kind, whatever the region or the figure."""

from __future__ import annotations

import re
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
    # the aside is the total's amount per person (yb:perPersonOf), never the total itself
    assert facts[(2023, "resident", "per_capita_contribution", "actual", "level")][0] == Decimal("85")
    assert [k for k, (v, _) in facts.items() if v == Decimal("85")] == \
        [(2023, "resident", "per_capita_contribution", "actual", "level")]


@pytest.mark.parametrize(("body", "key", "value"), [
    ("城乡居民医保基金收入5265万元,其中财政补助收入3798万元(人均补助450元)。",
     (2023, "resident", "per_capita_fiscal_subsidy", "actual", "level"), "450"),
    ("全年城乡居民医保共筹集基金11265万元(人均筹资400元)。",
     (2023, "resident", "per_capita_funding", "actual", "level"), "400"),
    ("城乡居民医保个人缴费收入2397万元（每人缴纳85元）。",
     (2023, "resident", "per_capita_contribution", "actual", "level"), "85"),
])
def test_a_per_person_aside_after_a_total_is_its_per_person_amount(tmp_path, body, key, value):
    assert _facts(tmp_path, HEAD + body)[key][0] == Decimal(value)


def test_a_per_person_aside_after_an_unread_figure_is_left_out(tmp_path):
    facts = _facts(tmp_path, HEAD + "城乡居民医保基金收入5265万元,其中区级财政补助3798万元(人均补助135元)。")
    assert all(v != Decimal("135") for v, _ in facts.values())


@pytest.mark.parametrize(("body", "key", "value"), [
    # 补偿 is the 新农合 word for 报销: a figure in 人次 is visits, in 元 spending, in % the reimbursement rate
    ("全县参保人享受住院补偿12345人次,实际补偿比例为55.2%。", (2023, "resident", "inpatient_visits", "actual", "level"), "12345"),
    ("全县参保人享受住院补偿12345人次,实际补偿比例为55.2%。",
     (2023, "resident", "inpatient_reimbursement_actual", "actual", "level"), "55.2"),
    ("新农合住院补偿支出3500万元。", (2023, "resident", "inpatient_expenditure", "actual", "level"), "35000000"),
    ("新农合门诊补偿45210人次。", (2023, "resident", "outpatient_visits", "actual", "level"), "45210"),
    # 参合 is enrolling in 新农合
    ("全市新农合参合人数45.2万人,参合率99.5%。", (2023, "resident", "enrollment", "actual", "level"), "452000"),
    ("全市新农合参合人数45.2万人,参合率99.5%。", (2023, "resident", "coverage_rate_registered", "actual", "level"), "99.5"),
    ("全县新农合筹资总额1.6亿元。", (2023, "resident", "income", "actual", "level"), "160000000"),
])
def test_compensation_wordings_of_the_rural_cooperative_scheme(tmp_path, body, key, value):
    assert _facts(tmp_path, HEAD.replace("医疗保障基金", "新农合基金") + body)[key][0] == Decimal(value)


def test_the_rate_after_a_figure_about_something_unnamed_is_its_rate(tmp_path):
    body = "新农合住院补偿12345人次,实际补偿比例为55.2%。全县享受重大疾病医疗救治594人次,实际补偿比例达70%。"
    facts = _facts(tmp_path, HEAD + body)
    assert facts[(2023, "resident", "inpatient_reimbursement_actual", "actual", "level")][0] == Decimal("55.2")
    assert all(v != Decimal("70") for v, _ in facts.values())


def test_tiers_listed_before_respectively_give_each_figure_its_tier(tmp_path):
    path = tmp_path / "x-2023.txt"
    path.write_text(HEAD + "第一档、第二档参保居民财政补助标准分别提高至700元和610元，"
                    "总筹资标准分别达到每人每年1100元和980元。", encoding="utf-8")
    found = {(o.indicator, o.qualifier): o.value for o in process_file(path).observations}
    assert found[("per_capita_fiscal_subsidy", "contribution_tier_1")] == Decimal("700")
    assert found[("per_capita_fiscal_subsidy", "contribution_tier_2")] == Decimal("610")
    assert found[("per_capita_funding", "contribution_tier_2")] == Decimal("980")


# --- kinds met in the real-document corpus, each in a few wordings of its own ---------------------------------------

NATIONAL = "国家医疗保障局2022年医疗保障事业发展统计快报\n"


@pytest.mark.parametrize("dateline", [
    "本报北京3月9日电 (记者 李红梅)",
    "新华社北京7月12日电",
    "中新网上海2月8日电",
])
def test_a_news_datelines_place_is_not_the_figures_region(tmp_path, dateline):
    path = tmp_path / "x-2022.txt"
    path.write_text(NATIONAL + dateline + "国家医保局近日发布快报,截至2022年底,全口径基本医疗保险参保人数达13.6亿人。",
                    encoding="utf-8")
    found = [(o.region, o.indicator) for o in process_file(path).observations if o.indicator == "enrollment"]
    assert found == [("100000", "enrollment")]


@pytest.mark.parametrize(("body", "expected"), [
    ("全年基本医疗保险基金总收入、总支出分别为2.46万亿元、2.09万亿元。",
     {"income": Decimal("2460000000000"), "expenditure": Decimal("2090000000000")}),
    ("职工医保基金收入和支出分别为13.5亿元和12.1亿元。",
     {"income": Decimal("1350000000"), "expenditure": Decimal("1210000000")}),
    ("城乡居民医保基金收入、支出、累计结余分别是5.2亿元、4.8亿元、3.1亿元。",
     {"income": Decimal("520000000"), "expenditure": Decimal("480000000"),
      "cumulative_balance": Decimal("310000000")}),
])
def test_items_listed_before_respectively_take_the_figures_in_order(tmp_path, body, expected):
    facts = _facts(tmp_path, HEAD + body)
    got = {k[2]: v for k, (v, _) in facts.items() if k[4] == "level"}
    assert got == expected


@pytest.mark.parametrize(("body", "key", "value"), [
    # a semicolon separates the items of one statement: the fund named before it goes on
    ("全国基本医疗保险(含生育保险)基金总收入30922.17亿元,比上年增长7.6%;总支出24597.24亿元;当期结存6324.93亿元。",
     (2023, "all_basic", "current_balance", "actual", "level"), "632493000000"),
    ("职工医保统筹基金收入2.1亿元;支出1.9亿元。",
     (2023, "employee_pooled", "expenditure", "actual", "level"), "190000000"),
    # an aside between a label and its figure glosses the label
    ("职工医保基金收入5634.77万元,其中其他收入(医疗机构退回违规基金、公务员医疗补助个人账户基金收入转入)914.89万元。",
     (2023, "employee", "other_income", "actual", "level"), "9148900"),
    ("城乡居民医保基金支出3000万元,其中其他支出(含大病保险保费划拨)为120万元。",
     (2023, "resident", "other_expenditure", "actual", "level"), "1200000"),
    # the count's label after it
    ("全县新农合共有281473人参保,参保率稳定在99%。", (2023, "resident", "enrollment", "actual", "level"), "281473"),
    ("全县城乡居民医保共有35210人参加。", (2023, "resident", "enrollment", "actual", "level"), "35210"),
    # the insured's share of a population is that population's coverage rate (of the enrollment's year)
    ("2023年,全县基本医疗保险参保人数80.87万人,占2022年全县常住人口75.98万人的106.44%。",
     (2023, "all_basic", "coverage_rate_resident", "actual", "level"), "106.44"),
    ("全县基本医疗保险参保人数52.3万人,占户籍人口的97.5%。",
     (2023, "all_basic", "coverage_rate_registered", "actual", "level"), "97.5"),
    # a department's budget named with its basis is the department's spending; a stray space before 年
    ("2023 年部门年初预算 1022.89 万元,年中调整预算为 1781.86 万元,全年执行数 1767.21 万元。",
     (2023, "department_budget", "expenditure", "budget", "level"), "10228900"),
    ("2023 年部门年初预算 1022.89 万元,年中调整预算为 1781.86 万元,全年执行数 1767.21 万元。",
     (2023, "department_budget", "expenditure", "actual", "level"), "17672100"),
])
def test_corpus_kinds_of_writing(tmp_path, body, key, value):
    facts = _facts(tmp_path, HEAD + body)
    assert facts[key][0] == Decimal(value)


def test_a_line_wrapped_inside_a_sentence_goes_on(tmp_path):
    body = ("自评发现的主要问题及原因:一是2023 年部门年初预算 1022.89 万元,年中调整预算为 1781.86 万\n"
            "元,比年初预算增加 758.97 万元,全年执行数 1767.21 万元,预算\n调整率较大。\n")
    facts = _facts(tmp_path, HEAD + body)
    assert facts[(2023, "department_budget", "expenditure", "actual", "level")][0] == Decimal("17672100")
    assert facts[(2023, "department_budget", "expenditure", "adjusted_budget", "level")][0] == Decimal("17818600")


def test_a_list_number_glued_to_a_year_is_no_figure(tmp_path):
    body = ("城乡居民医保基金收入1200.50万元,支出1100.25万元。\n原因:1.2023 年中央补助资金286万元年中下达;"
            "2.2023 年市财政拨款。\n")
    values = {v for v, _ in _facts(tmp_path, HEAD + body).values()}
    assert not any(v in (Decimal("12023"), Decimal("22023")) for v in values)


@pytest.mark.parametrize("predecessor", ["新型农村合作医疗", "新农合", "新型农村合作医疗保险"])
def test_a_predecessor_schemes_figures_beside_the_funds_own_are_not_the_funds(tmp_path, predecessor):
    body = (f"全年城乡居民基本医疗保险基金收入6973.94亿元,支出6284.51亿元。年末累计结存4332.94亿元。\n"
            f"全年{predecessor}基金收入856.89亿元,支出818.22亿元。年末累计结存295.42亿元。\n")
    facts = _facts(tmp_path, HEAD + body)
    assert facts[(2023, "resident", "income", "actual", "level")][0] == Decimal("697394000000")
    assert facts[(2023, "resident", "expenditure", "actual", "level")][0] == Decimal("628451000000")
    assert facts[(2023, "resident", "cumulative_balance", "actual", "level")][0] == Decimal("433294000000")


def test_a_predecessor_named_alone_is_the_fund(tmp_path):
    facts = _facts(tmp_path, HEAD + "全年新型农村合作医疗基金收入856.89万元,支出818.22万元。")
    assert facts[(2023, "resident", "expenditure", "actual", "level")][0] == Decimal("8182200")


@pytest.mark.parametrize(("fund_row", "fund"), [("医疗救助", "medical_assistance"), ("城乡居民医疗", "resident")])
def test_a_fund_named_part_of_a_spending_total_is_its_benefit_spending(tmp_path, fund_row, fund):
    own = "医疗救助" if fund == "medical_assistance" else "城乡居民基本医疗保险"
    text = (f"某县医疗保障局医保基金2023年财务公开\n单位:万元\n{fund_row} | |\n指标名称 | 金额 |\n"
            f"一、上年结余 | 56.13 |\n二、收入合计 | 375.28 |\n1、利息收入 | 1.17 |\n三、支出合计 | 429 |\n"
            f"1、{own}支出 | 339 |\n2、其他支出 | 0 |\n3、上解上级支出 | 90 |\n四、滚存结余 | 2.41 |\n")
    facts = _facts(tmp_path, text)
    assert facts[(2023, fund, "benefit_expenditure", "actual", "level")][0] == Decimal("3390000")
    assert facts[(2023, fund, "expenditure", "actual", "level")][0] == Decimal("4290000")


@pytest.mark.parametrize("body", [
    "职工医保参保人数15.77万人,占全县参保人数的19.5%。",  # a share of the insured, not of a population
    "全县60岁以上老年人口12.1万人,占常住人口的21.3%。",  # no enrollment: a demographic share
    "城乡居民医保基金支出4.8亿元,占常住人口人均可支配收入的3.1%。",
])
def test_a_share_that_is_no_coverage_rate_is_not_read_as_one(tmp_path, body):
    facts = _facts(tmp_path, HEAD + body)
    assert not [k for k in facts if k[2].startswith("coverage_rate")]


def test_a_gap_to_the_plan_is_no_change_from_the_previous_period(tmp_path):
    body = "2023 年部门年初预算 1022.89 万元,年中调整预算为 1781.86 万元,比年初预算增加 758.97 万元。"
    facts = _facts(tmp_path, HEAD + body)
    assert not [k for k in facts if k[4] in ("change", "growth_rate")]


SUBSIDY_PROJECT = ("2023年城乡居民基本医疗保险财政补助资金项目公示\n"
                   "一、城乡居民基本医疗保险财政补助资金项目\n全县城乡居民基本医疗保险参保43230人。\n"
                   "城乡居民医保个人缴费标准每人每年350元。\n")


@pytest.mark.parametrize(("extra", "fund"), [
    ("绩效目标:基本医疗保险参保人数不少于43000人,基本医疗保险参保率97.5%。", "resident"),
    # a report naming both schemes, or both together in words, keeps 基本医疗保险 as both
    ("职工医保参保人数12000人。基本医疗保险参保率97.5%。", "all_basic"),
    ("职工和居民医保两项基金运行平稳,基本医疗保险参保率97.5%。", "all_basic"),
])
def test_a_bare_basic_insurance_in_a_one_scheme_report_is_that_scheme(tmp_path, extra, fund):
    facts = _facts(tmp_path, SUBSIDY_PROJECT + extra)
    rates = [k for k in facts if k[2] == "coverage_rate_registered"]
    assert rates and all(k[1] == fund for k in rates)


def test_a_national_bulletin_naming_one_schemes_part_keeps_both_schemes(tmp_path):
    body = ("2023年,全国基本医保基金(含生育保险)总收入24421亿元,总支出20854亿元。全国基本医保基金累计结存27697亿元,"
            "其中职工基本医疗保险个人账户累计结存8426亿元。全国基本医保参保率稳定在95%以上。")
    facts = _facts(tmp_path, NATIONAL + body)
    assert facts[(2023, "all_basic", "income", "actual", "level")][0] == Decimal("2442100000000")


@pytest.mark.parametrize(("body", "key", "value"), [
    # 结存 is a balance like 结余 (累计结存 the stock)
    ("职工医保基金收入5.2亿元,支出4.8亿元,结存0.4亿元。", (2023, "employee", "current_balance", "actual", "level"), "40000000"),
    # a subsidy transfer allocated (下达) by an agency: the subsidy due, as budgeted
    ("近日,省财政厅下达2023年城乡居民基本医保补助资金205.05亿元,其中中央财政资金161.58亿元。",
     (2023, "resident_subsidy", "fiscal_subsidy_due", "budget", "level"), "20505000000"),
    ("市财政局预拨城乡居民医保补助资金3000万元。",
     (2023, "resident_subsidy", "fiscal_subsidy_due", "budget", "level"), "30000000"),
])
def test_balances_and_allocations(tmp_path, body, key, value):
    assert _facts(tmp_path, HEAD + body)[key][0] == Decimal(value)


def test_an_agency_as_subject_does_not_name_the_figure(tmp_path):
    facts = _facts(tmp_path, HEAD + "近日,省财政厅安排专项资金1.2亿元,用于基层医疗机构建设。")
    assert not facts


@pytest.mark.parametrize(("body", "key", "value"), [
    # a rate written as the least it must reach is a target, at least that figure
    ("参保人政策范围内住院报销比例大于68%。", (2023, "resident", "inpatient_reimbursement_policy", "target", "level"), "68"),
    ("城乡居民医保户籍人口参保率不低于95%。", (2023, "resident", "coverage_rate_registered", "target", "level"), "95"),
    ("城乡居民医保政策范围内住院费用支付比例≥70%。",
     (2023, "resident", "inpatient_reimbursement_policy", "target", "level"), "70"),
])
def test_a_rate_written_as_its_floor_is_a_target(tmp_path, body, key, value):
    text = HEAD.replace("衡阳县", "衡阳县城乡居民医保") + body
    value_found, approximation = _facts(tmp_path, text)[key]
    assert value_found == Decimal(value) and approximation == "at_least"


@pytest.mark.parametrize("body", [
    "城乡居民医保基金可支付月数低于3个月。",
    "城乡居民医保住院费用实际报销比例低于60%。",
    "城乡居民医保政策范围内住院费用支付比例不高于90%。",
])
def test_a_ceiling_or_a_warning_threshold_is_no_figure(tmp_path, body):
    facts = _facts(tmp_path, HEAD + body)
    assert not [k for k in facts if k[4] == "level" and k[2] != "enrollment"]


def test_a_satisfaction_rate_with_no_fund_is_the_departments(tmp_path):
    text = "某市医疗保障事业中心2023年度部门决算绩效自评\n7.满意度指标:参保人员对医保服务满意度达到99.99%。\n"
    facts = _facts(tmp_path, text)
    assert facts[(2023, "department_budget", "satisfaction_rate", "actual", "level")][0] == Decimal("99.99")


@pytest.mark.parametrize("wording", ["及时到位率", "资金到位率", "资金及时到位"])
def test_wordings_of_the_subsidy_arrival_rate(tmp_path, wording):
    facts = _facts(tmp_path, HEAD + f"城乡居民医保补助资金{wording}100%。")
    assert facts[(2023, "resident_subsidy", "fiscal_subsidy_arrival_rate", "actual", "level")][0] == Decimal("100")


@pytest.mark.parametrize(("body", "indicator", "values"), [
    ("全县职工医保和居民医保参保人数分别为3.2万人、28.5万人。", "enrollment", ("32000", "285000")),
    ("职工和居民医保基金收入分别为3.1亿元和5.2亿元。", "income", ("310000000", "520000000")),
])
def test_a_name_joining_two_funds_before_respectively_lists_them(tmp_path, body, indicator, values):
    facts = _facts(tmp_path, HEAD + body)
    assert facts[(2023, "employee", indicator, "actual", "level")][0] == Decimal(values[0])
    assert facts[(2023, "resident", indicator, "actual", "level")][0] == Decimal(values[1])


def test_a_name_joining_two_funds_without_respectively_is_both(tmp_path):
    facts = _facts(tmp_path, HEAD + "职工医保和居民医保基金累计结余8.3亿元。")
    assert facts[(2023, "all_basic", "cumulative_balance", "actual", "level")][0] == Decimal("830000000")


@pytest.mark.parametrize(("heading", "fund"), [
    ("一、职工基本医疗保险(含生育保险)", "employee"),
    ("二、城乡居民基本医疗保险(包括大病保险)", "resident"),
])
def test_a_part_a_section_heading_says_its_fund_includes_is_not_the_sections_fund(tmp_path, heading, fund):
    facts = _facts(tmp_path, HEAD + heading + "\n基金收入5634.77万元,基金支出3166.21万元。\n")
    assert facts[(2023, fund, "income", "actual", "level")][0] == Decimal("56347700")


@pytest.mark.parametrize(("row", "indicator"), [
    ("年度资金总额:", "budget_execution_rate"),  # allocated money: the budget's execution as such
    ("基金支出", "expenditure_execution_rate"),  # a fund's spending: its spending budget's execution
])
def test_the_execution_rate_column_of_allocated_money_is_the_budgets(tmp_path, row, indicator):
    text = ("医疗救助补助资金转移支付项目绩效目标自评表 | |||||||\n(2023年度) | |||||||\n"
            "资金投入情况(万元) | 全年预算数(A) | 全年执行数(B) | 预算执行率(B/A×100%) | ||||\n"
            f"{row} | 3359.62万 | 3359.62万 | 100% | ||||\n")
    facts = _facts(tmp_path, text)
    assert facts[(2023, "medical_assistance", indicator, "actual", "level")][0] == Decimal("100")


def test_more_items_than_figures_before_respectively_are_left_out(tmp_path):
    facts = _facts(tmp_path, HEAD + "城乡居民医保基金收入、支出、累计结余分别为5.2亿元、4.8亿元。")
    assert not [k for k in facts if k[4] == "level"]


@pytest.mark.parametrize("body", [
    "城乡居民医保人均筹资标准1020元,其中个人缴费380元,财政补助640元。",
    "2023年城乡居民医保筹资标准为每人每年1020元,其中个人缴费380元,财政补助640元。",
])
def test_the_parts_of_a_per_person_standard_are_per_person(tmp_path, body):
    facts = _facts(tmp_path, HEAD + body)
    assert facts[(2023, "resident", "per_capita_funding", "actual", "level")][0] == Decimal("1020")
    assert facts[(2023, "resident", "per_capita_contribution", "policy", "level")][0] == Decimal("380")
    assert facts[(2023, "resident", "per_capita_fiscal_subsidy", "policy", "level")][0] == Decimal("640")
    assert not [k for k in facts if k[2] == "fiscal_subsidy_income"]


def test_the_parts_of_a_total_stay_totals(tmp_path):
    facts = _facts(tmp_path, HEAD + "城乡居民医保基金收入5265万元,其中财政补助收入3798万元,个人缴费收入1200万元。")
    assert facts[(2023, "resident", "fiscal_subsidy_income", "actual", "level")][0] == Decimal("37980000")
    assert facts[(2023, "resident", "premium_income", "actual", "level")][0] == Decimal("12000000")


# --- four kinds of writing of held-out documents, each in several wordings, with a look-alike that is no figure ------

def _observations(tmp_path, text: str, name: str = "x-2023.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return process_file(path).observations


def _found(tmp_path, text: str, key: tuple, value: str, name: str = "x-2023.txt") -> None:
    """The fact ``key`` (year, fund, indicator, basis) has ``value`` and its quote holds the figure."""
    found = [o for o in _observations(tmp_path, text, name) if (o.year, o.fund, o.indicator, o.basis) == key
             and o.statistic == "level"]
    assert found, key
    assert found[0].value == Decimal(value)
    assert found[0].surface in found[0].quote
    number = re.search(r"\d[\d,]*(?:\.\d+)?", found[0].surface).group()
    assert number in found[0].quote


@pytest.mark.parametrize(("body", "key", "value"), [
    # a unit before its number, glued to the label (a flattened cell read as text)
    ("城乡居民医保基金当期结余亿元-4.16。", (2023, "resident", "current_balance", "actual"), "-416000000"),
    ("职工医保基金累计结余万元3560.8。", (2023, "employee", "cumulative_balance", "actual"), "35608000"),
    ("职工医保参保人数万人15.77。", (2023, "employee", "enrollment", "actual"), "157700"),
    # in brackets, with or without a colon or a space
    ("职工医保基金收入(万元):1234.5,支出(万元):1100.2。", (2023, "employee", "expenditure", "actual"), "11002000"),
    ("城乡居民医保参保人数(人) 12345。", (2023, "resident", "enrollment", "actual"), "12345"),
    ("城乡居民医保住院人次(万人次):12.6。", (2023, "resident", "inpatient_visits", "actual"), "126000"),
    ("城乡居民医保政策范围内住院报销比例(%):68.5。", (2023, "resident", "inpatient_reimbursement_policy", "actual"), "68.5"),
    # in a table cell of its own, or glued to the cell's label
    ("项目 | 本期 | 上年同期\n居民医保参保人数 | 万人48.62 | 万人47.10\n居民医保基金收入 | 万元12345.6 | 万元11111.1\n",
     (2022, "resident", "income", "actual"), "111111000"),
    ("指标 | 本期\n职工医保基金当期结余亿元-4.16 |\n", (2023, "employee", "current_balance", "actual"), "-416000000"),
])
def test_a_unit_written_before_its_number(tmp_path, body, key, value):
    _found(tmp_path, HEAD + body, key, value)


@pytest.mark.parametrize(("body", "value"), [
    ("职工医保参保人12345。", "12345"),  # 参保人 is a noun, not a unit
    ("城乡居民医保基金收入(万元)2023年度决算情况如下。", "20230000"),  # a year after the unit
    ("职工医保基金收入万元1、利息收入。", "10000"),  # a list number after the unit
    ("联系电话(万元)0731-8888888。", "7310000"),  # a phone number
    ("职工医保基金收入(万元) 2022 2023\n", "20220000"),  # years heading columns
])
def test_a_number_after_a_unit_that_is_no_figure(tmp_path, body, value):
    values = {o.value for o in _observations(tmp_path, HEAD + body)}
    assert Decimal(value) not in values and Decimal(value.rstrip("0") or "0") not in values


@pytest.mark.parametrize(("body", "key", "value"), [
    # 各级 (all levels) before a head label: the whole, per person under a per-person standard
    ("城乡居民医保人均筹资标准1020元,其中个人缴费380元,各级财政补助640元。",
     (2023, "resident", "per_capita_fiscal_subsidy", "policy"), "640"),
    # words of when and how between the label and its figure
    ("职工医保基金累计结余截至年底达到3.1亿元。", (2023, "employee", "cumulative_balance", "actual"), "310000000"),
    ("职工医保基金支出当年实际发生4.8亿元。", (2023, "employee", "expenditure", "actual"), "480000000"),
    ("城乡居民医保基金收入年内累计实现5.2亿元。", (2023, "resident", "income", "actual"), "520000000"),
    ("职工医保参保人数期末达12.3万人。", (2023, "employee", "enrollment", "actual"), "123000"),
    ("城乡居民医保基金支出本期4.8亿元。", (2023, "resident", "expenditure", "actual"), "480000000"),
    # a year or a date between the label and its figure
    ("城乡居民医保个人缴费标准2023年度为每人380元。", (2023, "resident", "per_capita_contribution", "policy"), "380"),
    ("城乡居民医保基金累计结余截至2023年12月31日为3.1亿元。", (2023, "resident", "cumulative_balance", "actual"),
     "310000000"),
    ("职工医保基金累计结余截至2023年12月底达2.9亿元。", (2023, "employee", "cumulative_balance", "actual"), "290000000"),
    # per-person words between a standard's label and its figure
    ("2023年城乡居民医保财政人均补助标准为每人每年640元。", (2023, "resident", "per_capita_fiscal_subsidy", "policy"), "640"),
    ("城乡居民医保个人缴费标准提高到每人每年380元。", (2023, "resident", "per_capita_contribution", "policy"), "380"),
])
def test_a_qualifier_between_a_label_and_its_figure(tmp_path, body, key, value):
    _found(tmp_path, HEAD + body, key, value)


@pytest.mark.parametrize(("body", "value"), [
    ("城乡居民医保基金收入5265万元,其中区级财政补助3798万元。", "37980000"),  # one level's share: no id
    ("城乡居民医保人均筹资标准1020元,其中个人缴费380元,中央财政补助400元。", "400"),  # one level's, per person
    ("城乡居民医保基金支出当年实现困难群众100%资助到位。", "100"),  # 实现 with an unnamed subject
    ("城乡居民医保参保人数完成全年目标任务的98.5%。", "98.5"),  # a share of a target
    ("城乡居民医保住院人次截至12月底日均120人次。", "120"),  # a daily average is another measure
    ("职工医保基金收入5.2亿元和截至年底4.8亿元。", "480000000"),  # another figure after the label
])
def test_a_qualifier_that_names_something_else_keeps_the_figure_out(tmp_path, body, value):
    assert Decimal(value) not in {o.value for o in _observations(tmp_path, HEAD + body)}


PROJECT = "衡阳县医疗保障局2021年项目支出绩效评价报告\n"


@pytest.mark.parametrize(("body", "key", "value"), [
    # a grant to a fund, named by the levels that give it: the fund's money to spend, as budgeted
    ("项目:中央直达资金2021年医疗救助中央省补助资金1079.67万。", (2021, "medical_assistance", "expenditure", "budget"),
     "10796700"),
    ("2021年医疗救助中央和省级补助资金共计856.3万元,已全部拨付。",
     (2021, "medical_assistance", "expenditure", "budget"), "8563000"),
    ("近日,省财政厅下达2021年医疗救助补助资金3000万元。", (2021, "medical_assistance", "expenditure", "budget"),
     "30000000"),
    ("医疗救助专项资金1200万元。", (2021, "medical_assistance", "expenditure", "budget"), "12000000"),
    # the resident fund's money is its subsidy transfers: the subsidy due
    ("市财政局下达2021年城乡居民医保补助资金5200万元。", (2021, "resident_subsidy", "fiscal_subsidy_due", "budget"),
     "52000000"),
])
def test_money_allocated_to_a_fund(tmp_path, body, key, value):
    _found(tmp_path, PROJECT + body, key, value)


@pytest.mark.parametrize("body", [
    "2021年医疗救助补助资金1200万元,其中中央补助资金800万元。",  # one level's share after 其中
    "我县收到医疗救助中央补助资金320万元。",  # one level, received
    "我县收到上级医疗救助补助资金320万元。",  # money received, not allocated
    "医疗救助补助资金比上年增加320万元。",  # a change
    "职工医保各级补助资金320万元。",  # no money of the employee fund in the code list: some subsidy
    "城乡居民医保资金320万元。",  # 资金 of what kind: the fund's money or a grant, unsaid
])
def test_money_that_is_a_share_received_or_a_change_is_no_allocation(tmp_path, body):
    values = {o.value for o in _observations(tmp_path, PROJECT + body)}
    assert Decimal("3200000") not in values and Decimal("8000000") not in values


@pytest.mark.parametrize(("table", "key", "value"), [
    # a target table flattened one cell per line: header, column names, then label and one figure per column
    ("指标名称\n目标值\n实际完成值\n城乡居民医保参保率\n≥95%\n96.2%\n住院费用政策范围内报销比例\n≥70%\n71.5%\n",
     (2023, "resident", "coverage_rate_registered", "target"), "95"),
    ("指标名称\n目标值\n实际完成值\n城乡居民医保参保率\n≥95%\n96.2%\n住院费用政策范围内报销比例\n≥70%\n71.5%\n",
     (2023, "resident", "inpatient_reimbursement_policy", "actual"), "71.5"),
    # other columns (budget, execution), units in the cells, blank lines between the cells
    ("项目\n\n预算数\n\n执行数\n\n职工医保基金收入\n\n5200万元\n\n5312.4万元\n\n职工医保基金支出\n\n4800万元\n\n4650.2万元\n",
     (2023, "employee", "expenditure", "actual"), "46502000"),
    ("项目名称\n年初预算数\n全年执行数\n城乡居民医保参保人数\n45000人\n45210人\n城乡居民医保基金收入\n1.2亿元\n1.25亿元\n",
     (2023, "resident", "enrollment", "budget"), "45000"),
    # a unit column, year columns
    ("指标\n单位\n目标值\n完成值\n城乡居民医保参保率\n%\n95\n96.2\n城乡居民医保基金收入\n万元\n5200\n5312.4\n",
     (2023, "resident", "income", "actual"), "53124000"),
    ("指标名称\n2022年\n2023年\n职工医保参保人数\n12.1万人\n12.6万人\n职工医保基金收入\n3.1亿元\n3.4亿元\n",
     (2022, "employee", "enrollment", "actual"), "121000"),
])
def test_a_table_flattened_one_cell_per_line(tmp_path, table, key, value):
    _found(tmp_path, "某县医疗保障局2023年城乡居民医保主要指标完成情况\n" + table, key, value)


EVALUATION_CELLS = ("一级指标\n二级指标\n三级指标\n年度指标值\n实际完成值\n分值\n得分\n产出指标\n数量指标\n"
                    "城乡居民医保参保人数\n≥43000人\n43230人\n10\n10\n城乡居民医保参保率\n≥95%\n96.2%\n10\n9\n"
                    "效益指标\n社会效益指标\n政策范围内住院费用报销比例\n≥70%\n71.5%\n10\n10\n")


@pytest.mark.parametrize(("key", "value"), [
    # several label columns, whose cells a row repeats only when they change; score columns left out
    ((2023, "resident", "enrollment", "actual"), "43230"),
    ((2023, "resident", "coverage_rate_registered", "target"), "95"),
    # a subsidy transfer's evaluation states its scheme's figures too
    ((2023, "resident", "inpatient_reimbursement_policy", "actual"), "71.5"),
])
def test_an_evaluation_table_flattened_one_cell_per_line(tmp_path, key, value):
    _found(tmp_path, "某县医疗保障局2023年城乡居民医保补助资金绩效自评表\n" + EVALUATION_CELLS, key, value)


def test_the_score_columns_of_a_flattened_evaluation_give_no_figure(tmp_path):
    found = _observations(tmp_path, "某县医疗保障局2023年城乡居民医保补助资金绩效自评表\n" + EVALUATION_CELLS)
    assert found and all(o.value not in (Decimal("10"), Decimal("9")) for o in found)


@pytest.mark.parametrize(("caption", "expected"), [
    ("单位:万元\n", Decimal("46502000")),  # the unit in the caption
    ("", None),  # money without a unit anywhere: no figure
])
def test_a_table_one_cell_per_line_takes_its_captions_unit(tmp_path, caption, expected):
    text = ("某县医疗保障局2023年职工医保基金预算执行情况\n" + caption + "项目\n预算数\n执行数\n职工医保基金收入\n5200\n"
            "5312.4\n职工医保基金支出\n4800\n4650.2\n")
    found = {(o.indicator, o.basis): o.value for o in _observations(tmp_path, text)}
    assert found.get(("expenditure", "actual")) == expected


def test_lines_that_only_look_like_one_cell_per_line_are_no_table(tmp_path):
    # a heading naming 项目, then short lines and dates: no header of columns, no rows of figures
    text = ("某县医疗保障局2023年城乡居民医保主要指标完成情况\n项目名称\n医保信息化建设\n实施时间\n2023年\n"
            "联系电话\n0731-8888888\n")
    assert not _observations(tmp_path, text)


@pytest.mark.parametrize(("cells", "key", "value"), [
    # a project table (one cell per line between |): the money rows are the project's, as budgeted
    ("项目名称 |\n城乡居民基本医疗保险财政补助资金 |\n|\n项目资金 (万元) |\n年度资金总额:203 |\n|\n",
     (2019, "resident_subsidy", "expenditure", "budget"), "2030000"),
    ("项目名称 |\n医疗救助补助资金 |\n|\n项目资金(万元) |\n年度资金总额:1079.67 |\n|\n",
     (2019, "medical_assistance", "expenditure", "budget"), "10796700"),
    # a label with its figure glued in a cell
    ("项目名称 |\n城乡居民基本医疗保险财政补助资金 |\n|\n质量指标 |\n补助资金按时到期 |\n补助资金及时到位100% |\n|\n",
     (2019, "resident_subsidy", "fiscal_subsidy_arrival_rate", "actual"), "100"),
    ("一级指标 |\n三级指标 |\n指标值 |\n|\n数量指标 |\n城乡居民医保参保率 |\n参保率≥95% |\n|\n",
     (2019, "resident", "coverage_rate_registered", "target"), "95"),
])
def test_a_project_tables_cells(tmp_path, cells, key, value):
    row = "数量指标 |\n基本医疗保险参保人数 |\n43230人 |\n|\n"  # a row of label and figure cells
    _found(tmp_path, "部门预算项目支出绩效目标表 |\n(2019年度) |\n|\n" + cells + row, key, value, name="x-2019.txt")

