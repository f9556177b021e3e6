"""What a question says: entities (regions, funds, indicators, bases, statistics, policies,
qualifiers), numbers with units, years, comparison words and the words that pick a template,
in Chinese and English.

Entities come from the ontology's SKOS labels (every zh prefLabel and altLabel, the en prefLabel,
and English short forms of region names derived from them) plus the English and colloquial
synonyms below, which exist only for questions (the reports never use them, so they are not
altLabels). All of them go into one Aho-Corasick automaton; overlapping matches are resolved by
maximal coverage, i.e. longest match first ("青岛市北区" → 青岛 + 市北区, "不低于" before "低于").
English matches must sit on word boundaries.

Synonyms added here (not in ontology/codes.ttl), by concept:
see ``EN_SYNONYMS`` (English) and ``ZH_SYNONYMS`` (Chinese colloquial forms such as 职工, 居民,
起付线, 封顶线, 节约资金).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from yibao.cache import cache_dir, cached
from yibao.graph.vocab import Vocabulary, load_vocabulary

ENTITY_SCHEMES = ("region", "fund", "indicator", "basis", "statistic", "policy", "qualifier")

# --- synonyms that exist only for questions -------------------------------------------------------

EN_SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "region": {
        # a city's own pool (市本级 / 城区): "Zhuzhou's municipal pool", "the city proper"
        "430200_municipal": ("municipal pool", "municipal-level pool", "city-level pool", "municipal pooling area"),
        "100000": ("national", "nationwide", "nationally", "the whole country", "whole country", "country-wide",
                   "countrywide", "all of china", "china as a whole", "the country as a whole", "prc"),
    },
    "fund": {
        "employee": ("employee", "employees", "employee fund", "employee funds", "employee insurance",
                     "employee medical insurance", "employee basic medical insurance", "employee scheme",
                     "uebmi", "workers", "worker", "urban employee", "urban employees", "employee's"),
        "employee_pooled": ("pooled fund", "pooled funds", "pooling fund", "pooled account", "social pooling",
                            "employee pooled fund", "pooled", "pooling account"),
        "employee_personal_account": ("personal account", "personal accounts", "individual account",
                                      "individual accounts", "medical savings account", "medical savings accounts"),
        "resident": ("resident", "residents", "resident fund", "resident funds", "resident insurance",
                     "resident scheme", "urban-rural resident", "urban and rural resident", "urban-rural residents",
                     "urban and rural residents", "urrbmi", "resident's", "residents'"),
        "resident_subsidy": ("resident subsidy funds", "subsidy transfers", "subsidy funds"),
        "all_basic": ("both funds", "two funds", "combined funds", "both schemes", "the two funds combined",
                      "combined", "combined fund", "funds combined", "the two schemes", "both insurance funds",
                      "employee and resident funds", "employee and resident funds combined"),
        "maternity": ("maternity", "maternity insurance"),
        "serious_illness": ("critical illness", "serious illness", "catastrophic illness",
                            "critical illness insurance", "serious illness insurance"),
        "large_medical": ("large medical", "large medical expense", "large medical expenses", "large-amount medical"),
        "civil_servant": ("civil servant", "civil servants", "civil servant subsidy", "civil servant medical subsidy"),
        "retired_cadre": ("retired cadres", "retired cadre", "veterans"),
        "medical_assistance": ("medical assistance", "medical aid"),
        "department_budget": ("department budget", "departmental budget", "bureau budget", "the bureau's budget",
                              "healthcare security bureau", "medical security bureau", "medical insurance bureau",
                              "healthcare security administration", "bureau", "医保局", "医疗保障局"),
    },
    "indicator": {
        "income": ("income", "revenue", "revenues", "total income", "fund income", "receipts"),
        "premium_income": ("premium income", "contributions", "contribution income", "premiums", "premiums collected"),
        "fiscal_subsidy_income": ("fiscal subsidy income", "subsidy income", "government subsidy income",
                                  "fiscal subsidy", "fiscal subsidies", "government subsidy", "government subsidies",
                                  "subsidy revenue", "subsidies from government", "subsidies from the government"),
        "interest_income": ("interest income", "interest"),
        "expenditure": ("expenditure", "expenditures", "spending", "expenses", "outlays", "total expenditure",
                        "fund expenditure", "spent", "pay out", "paid out", "payout", "payouts",
                        "outgoings", "disbursements", "disbursed"),
        "benefit_expenditure": ("benefit expenditure", "benefits paid", "benefit spending", "benefit payments",
                                "benefits", "insurance benefits", "benefit"),
        "inpatient_expenditure": ("inpatient expenditure", "inpatient spending", "hospitalisation spending",
                                  "hospitalization spending", "inpatient care", "inpatient treatment",
                                  "hospital care", "hospital stays", "inpatient costs", "inpatient benefits",
                                  "hospitalisation costs", "hospitalization costs"),
        "outpatient_expenditure": ("outpatient expenditure", "outpatient spending", "outpatient care",
                                   "outpatient treatment", "outpatient costs", "outpatient benefits", "clinic visits spending"),
        "maternity_allowance_expenditure": ("maternity allowance", "maternity allowances", "maternity pay",
                                            "maternity leave pay", "maternity leave allowance", "maternity benefits paid"),
        "maternity_medical_expenditure": ("maternity medical costs", "maternity medical expenses",
                                          "maternity medical expenditure", "childbirth medical costs",
                                          "childbirth costs", "maternity care costs"),
        "current_balance": ("current balance", "current-year balance", "current year balance", "annual balance",
                            "surplus", "current surplus", "annual surplus", "balance of the year", "yearly balance"),
        "cumulative_balance": ("cumulative balance", "accumulated balance", "cumulative surplus", "accumulated surplus",
                               "reserves", "fund reserves", "reserve", "fund balance", "balance carried forward",
                               "accumulated reserves", "cumulative reserves", "accumulated", "accumulation",
                               "amassed", "built up", "stockpile", "balance left", "left in the fund",
                               "money left", "remaining balance", "year-end balance", "closing balance",
                               "is left", "are left", "left in", "left over", "remaining", "remains", "what remains"),
        "actual_balance": ("adjusted balance", "actual balance", "net balance"),
        "months_of_cover": ("months of cover", "months of coverage", "month of cover", "months covered",
                            "payable months", "months the fund can pay", "months of payment", "fund cover",
                            "months of reserves", "coverage in months", "months of expenditure", "months of spending",
                            "cover in months", "months of payment capacity", "how long can", "how long will",
                            "how long would", "last for", "how many months"),
        "enrollment": ("enrollment", "enrolment", "enrollees", "enrolees", "insured persons", "insured people",
                       "number insured", "number of insured", "number of insured persons", "insured", "participants",
                       "members insured", "insured population", "how many people", "how many persons",
                       "number of people", "people covered", "persons covered", "people insured", "people enrolled",
                       "persons enrolled", "enrolled", "headcount", "membership"),
        "enrollment_employed": ("active employees insured", "employed enrollees", "working enrollees",
                                "enrolled active employees", "active enrollees", "active employees",
                                "active workers", "in-service employees", "employed members"),
        "enrollment_retired": ("retired enrollees", "enrolled retirees", "insured retirees", "retirees insured",
                               "retired employees", "retired workers", "retired members", "number of retirees"),
        "retiree_share": ("retiree share", "share of retirees", "retiree ratio", "proportion of retirees",
                          "retirement ratio"),
        "coverage_rate_registered": ("coverage rate of the registered population", "registered coverage rate",
                                     "coverage rate", "coverage rates", "enrollment rate", "enrolment rate",
                                     "participation rate", "insurance coverage rate",
                                     *(f"coverage rate {how} {pop}" for how in ("of the", "of", "based on the", "based on",
                                                                                 "by the", "by", "for the", "for")
                                       for pop in ("registered population", "household registered population",
                                                   "hukou population", "household registration"))),
        "coverage_rate_resident": ("coverage rate of the resident population", "resident coverage rate",
                                   "permanent resident coverage rate", "permanent population coverage rate",
                                   *(f"coverage rate {how} {pop}" for how in ("of the", "of", "based on the", "based on",
                                                                               "by the", "by", "for the", "for")
                                     for pop in ("resident population", "permanent resident population",
                                                 "permanent population", "permanent residents",
                                                 "usual resident population", "usual residents"))),
        "per_capita_contribution": ("per capita contribution", "individual contribution", "contribution per person",
                                    "contribution standard", "personal contribution", "individual contribution standard",
                                    "pay per person", "premium per person", "premium per head", "individual premium",
                                    "personal premium", "per person premium", "per capita premium",
                                    "contribution per head", "contribution per capita", "each person pay",
                                    "each resident pay", "residents pay each"),
        "per_capita_fiscal_subsidy": ("per capita subsidy", "subsidy per person", "subsidy standard",
                                      "per capita fiscal subsidy", "fiscal subsidy per capita", "per-person subsidy",
                                      "per person subsidy", "per-person government subsidy",
                                      "per person government subsidy", "government subsidy per person",
                                      "per-capita subsidy", "subsidy per head", "per head subsidy",
                                      *(f"{per} {kind}subsidy" for per in ("per capita", "per person", "per head")
                                        for kind in ("government ", "fiscal ", "state ", "public ", "financial ")),
                                      *(f"{kind}subsidy {per}" for per in ("per capita", "per person", "per head",
                                                                           "per insured person", "per resident")
                                        for kind in ("", "government ", "fiscal ", "state ")),
                                      "subsidy standards", "fiscal subsidy standard", "government subsidy standard"),
        "contribution_base": ("contribution base", "contribution bases"),
        "income_execution_rate": ("income execution rate", "income budget execution", "revenue execution rate"),
        "expenditure_execution_rate": ("expenditure execution rate", "expenditure budget execution",
                                       "spending execution rate"),
        "premium_income_execution_rate": ("premium income execution rate", "premium execution rate"),
        "benefit_expenditure_execution_rate": ("benefit expenditure execution rate", "benefit execution rate"),
        "budget_execution_rate": ("budget execution rate", "budget execution rates", "execution rate",
                                  "execution rates", "budget execution", "budget implementation rate",
                                  "budget implementation", "budget performance", "execution of the budget",
                                  "budget completion rate", "budget completion", "completion rate",
                                  "budget outturn rate", "budget utilisation rate", "budget utilization rate",
                                  "budget utilisation", "budget utilization", "share of the budget spent",
                                  "share of its budget spent", "of the budget executed", "budget executed"),
        "inpatient_reimbursement_policy": ("in-policy reimbursement rate", "policy reimbursement rate",
                                           "reimbursement rate within policy scope", "in-policy inpatient reimbursement",
                                           "in-policy reimbursement ratio", "policy-scope reimbursement rate",
                                           "reimbursement ratio within policy scope",
                                           "in-policy inpatient reimbursement rate", "in-policy inpatient reimbursement ratio",
                                           "inpatient reimbursement within the policy scope",
                                           "reimbursement rate within the policy scope",
                                           "reimbursement ratio within the policy scope"),
        "inpatient_reimbursement_actual": tuple(f"{kind} {what}{noun}" for kind in ("actual", "effective", "real")
                                                for what in ("", "inpatient ", "hospitalisation ", "hospitalization ")
                                                for noun in ("reimbursement rate", "reimbursement ratio",
                                                             "reimbursement rates", "reimbursement ratios",
                                                             "reimbursement", "compensation rate",
                                                             "compensation ratio")),
        "satisfaction_rate": ("satisfaction", "satisfaction rate", "satisfaction rates"),
        "fiscal_subsidy_due": ("subsidy due", "subsidies due", "amount due", "due subsidy", "was due", "were due",
                               "is due", "are due", "due to receive", "owed", "should have received",
                               "should have got", "entitled to", "payable subsidy"),
        "fiscal_subsidy_received": ("subsidy received", "subsidies received", "amount received", "received subsidy",
                                    "receive", "received", "actually received", "actually receive", "actually got",
                                    "actually arrived", "subsidy that arrived", "subsidies that arrived",
                                    "amount arrived", "amount that arrived"),
        "fiscal_subsidy_arrival_rate": ("arrival rate", "subsidy arrival rate", "fiscal subsidy arrival rate",
                                        "arrival rates", "subsidy arrival rates", "funds arrival rate",
                                        "of the fiscal subsidy they were due", "of the subsidy they were due",
                                        "of the fiscal subsidies they were due", "of the subsidies they were due",
                                        "of the subsidy due", "of the fiscal subsidy due", "of what they were due",
                                        "of what was due", "of their due subsidy", "share of the subsidy received",
                                        "percentage of the subsidy received", "of the subsidy that was due"),
        "amount_recovered": ("amount recovered", "recovered", "recover", "recovery", "recoveries", "clawed back",
                             "clawback", "clawbacks", "money recovered", "funds recovered"),
        "institutions_covered": ("institutions covered", "hospitals covered", "hospitals included",
                                 "institutions included", "facilities covered"),
        "institutions_inspected": ("institutions inspected", "inspected", "inspections", "inspect",
                                   "facilities inspected", "providers inspected"),
        "inpatient_visits": ("inpatient visits", "hospital admissions", "admissions", "hospitalisations",
                             "hospitalizations"),
        "outpatient_visits": ("outpatient visits",),
        "procurement_savings": ("savings", "saving", "save", "saved", "money saved", "procurement savings",
                                "amount saved"),
        "products_count": ("how many drugs", "number of drugs", "drugs selected", "selected drugs", "winning drugs",
                           "products selected", "number of products", "how many products", "drugs won",
                           "how many varieties", "varieties selected"),
        "per_capita_funding": ("funding per person", "total funding per person", "funding per capita",
                               "per capita funding", "funding per head", "funding standard", "total funding standard",
                               "financing per person", "financing standard", "total financing per person"),
        "price_reduction_avg": ("average price cut", "average price reduction", "price cut", "price cuts",
                                "price reduction", "price reductions"),
        "deductible": ("deductible", "deductibles", "threshold payment"),
        "payment_rate": ("payment rate", "payment rates", "reimbursement ratio", "reimbursement rate",
                         "reimbursement rates", "reimbursement ratios"),
        "annual_cap": ("annual cap", "annual caps", "cap", "caps", "ceiling", "ceilings", "annual ceiling",
                       "payment cap", "payment ceiling", "maximum payment"),
    },
    "basis": {
        "actual": ("actual", "actually", "outturn", "realised", "realized"),
        "budget": ("budget", "budgeted", "planned", "projected", "forecast", "estimated"),
        "adjusted_budget": ("adjusted budget", "revised budget"),
        "target": ("target", "targets", "goal", "goals"),
        "policy": ("policy standard",),
    },
    "statistic": {
        "growth_rate": ("growth rate", "growth", "growth rates", "year-on-year", "year on year", "yoy",
                        "rate of increase", "increase rate", "how fast", "how quickly", "percentage increase",
                        "percent increase", "per cent increase", "percentage change", "percent change",
                        "per cent change", "pace of growth", "growth pace", "rate of growth", "growth percentage",
                        "percentage decrease", "percent decrease", "rate of decline", "rate of decrease"),
        "change": ("absolute change", "change from the previous year", "change on the previous year",
                   "by how much", "by how many", "by how many people", "by how many persons", "how many more",
                   "increase", "increases", "decrease", "decreases", "how many fewer", "how many less", "how much more", "how much less", "increase by", "rise by", "fall by",
                   "how much did it increase", "how much did it rise", "how much did it fall", "increase over",
                   "year-on-year change", "change over the previous year", "change from last year"),
        "share": ("share", "proportion", "percentage", "what percentage", "what per cent", "what percent"),
    },
    "policy": {
        "drg": ("drg", "drgs", "diagnosis related groups", "diagnosis-related groups", "drg payment"),
        "dip": ("dip", "diagnosis-intervention packet", "diagnosis intervention packet", "big data dip"),
        "disease_based_payment": ("payment by disease", "disease-based payment", "payment per disease"),
        "volume_based_procurement": ("volume-based procurement", "volume based procurement", "centralized procurement",
                                     "centralised procurement", "collective procurement", "bulk procurement", "vbp",
                                     "procurement", "group purchasing", "centralized purchasing", "centralised purchasing"),
        "outpatient_mutual_aid": ("outpatient mutual aid", "outpatient mutual-aid", "outpatient pooling",
                                  "mutual aid", "outpatient mutual assistance", "outpatient mutual help"),
        "long_term_care_insurance": ("long-term care insurance", "long term care insurance", "ltci", "ltc insurance",
                                     "long-term care"),
        "cross_region_settlement": ("cross-region settlement", "cross-provincial settlement", "direct settlement",
                                    "cross-region direct settlement", "out-of-area settlement"),
        "chronic_special_disease": ("chronic disease coverage", "chronic and special diseases", "chronic diseases"),
        "payment_method_reform": ("payment method reform", "payment reform", "payment reforms",
                                  "provider payment reform", "payment methods reform"),
        "capitation": ("capitation",),
        "per_diem": ("per diem", "per-diem payment", "per-diem"),
        "global_budget": ("global budget", "global budgets", "total budget control"),
        "premium_relief": ("premium relief", "premium reduction", "contribution relief"),
        "smart_supervision": ("smart supervision", "intelligent monitoring"),
        "fund_supervision": ("fund supervision", "fraud", "insurance fraud", "anti-fraud"),
        "family_account_sharing": ("family sharing", "family account sharing"),
        "municipal_pooling": ("municipal pooling", "city-level pooling"),
    },
    "qualifier": {
        "hospital_level_1": ("tier-1 hospital", "tier-1 hospitals", "tier 1 hospital", "tier 1 hospitals", "first-tier hospital", "first-tier hospitals", "first tier hospitals", "grade-1 hospitals", "grade 1 hospitals", "class 1 hospitals", "level-1 hospital", "level 1 hospitals", "tier-1 institutions", "level-1 institutions",
                             "level-1", "level 1", "level one", "primary", "primary care", "first-level",
                             "level-1 hospitals", "primary institutions", "grade 1"),
        "hospital_level_2": ("tier-2 hospital", "tier-2 hospitals", "tier 2 hospital", "tier 2 hospitals", "second-tier hospital", "second-tier hospitals", "second tier hospitals", "grade-2 hospitals", "grade 2 hospitals", "class 2 hospitals", "level-2 hospital", "level 2 hospitals", "tier-2 institutions", "level-2 institutions",
                             "level-2", "level 2", "level two", "secondary", "second-level", "level-2 hospitals",
                             "grade 2"),
        "hospital_level_3": ("tier-3 hospital", "tier-3 hospitals", "tier 3 hospital", "tier 3 hospitals", "third-tier hospital", "third-tier hospitals", "third tier hospitals", "grade-3 hospitals", "grade 3 hospitals", "class 3 hospitals", "level-3 hospital", "level 3 hospitals", "tier-3 institutions", "level-3 institutions",
                             "level-3", "level 3", "level three", "tertiary", "third-level", "level-3 hospitals",
                             "grade 3"),
        "active_employee": ("active employees", "active employee", "working employees", "in-service employees"),
        "retiree": ("retirees", "retiree", "retired employees", "retired"),
        "aged_60_plus": ("aged 60 or over", "aged 60 and over", "aged 60 or older", "aged 60 and above", "over 60",
                         "60 or over", "60 and over", "60 or older", "over-60s", "over 60s", "elderly", "the elderly",
                         "older people", "seniors", "senior citizens"),
        "female": ("women", "woman", "female", "females"),
        "male": ("men", "man", "male", "males"),
        "adults": ("adults", "adult"),
        "school_children": ("children", "pupils", "school children", "schoolchildren", "school pupils", "minors"),
        "university_students": ("university students", "college students", "students"),
        "contribution_tier_1": ("first tier", "tier 1", "tier one", "first-tier"),
        "contribution_tier_2": ("second tier", "tier 2", "tier two", "second-tier"),
        "contribution_tier_3": ("third tier", "tier 3", "tier three", "third-tier"),
    },
}

ZH_SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "region": {"100000": ("全国范围", "全国总计", "全国合计", "全国层面", "国家层面", "我国")},
    "fund": {
        "employee": ("职工", "职工基金", "职工保险"),
        "resident": ("居民", "居民基金", "居民保险"),
        "serious_illness": ("大病",),
        "maternity": ("生育",),
    },
    "indicator": {
        "months_of_cover": ("支付能力", "可支付时间", "可支付月份", "保障月数", "支付月份", "能撑", "还能撑", "撑几个月",
                            "能支付几个月", "可以支付几个月", "能用几个月", "还能用", "够用几个月", "够付几个月",
                            "支付多久", "能支付多久", "还能支付多久", "可以支付多久", "撑多久", "能撑多久", "用多久",
                            "够用多久", "够付多久", "支撑多久", "能维持多久", "维持多久", "支付多长时间",
                            "撑多长时间", "用多长时间", "可支付多长时间"),
        "cumulative_balance": ("累计结存", "结存", "储备", "还结余", "还剩", "剩下", "家底", "余钱", "存量", "账上还有",
                               "账上", "账面上", "账面结余", "还有多少钱", "剩多少钱", "剩余资金", "结余资金", "基金余额",
                               "账户余额", "沉淀资金", "老本", "攒了", "存了", "积累了"),
        "per_capita_contribution": ("每人交", "每人缴", "每人每年交", "每人每年缴", "每人要交", "每个人交", "个人交",
                                    "个人缴", "交多少", "缴多少", "交费标准", "交费", "交医保", "个人缴费额"),
        "enrollment": ("参保人员", "参保人口"),
        "amount_recovered": ("追回", "追回资金", "追回基金", "追回医保基金", "追回金额", "挽回", "挽回损失", "挽回基金损失",
                             "拒付", "追缴", "收回"),
        "institutions_covered": ("覆盖了多少家", "覆盖多少家", "覆盖的医疗机构", "覆盖医疗机构", "纳入的医疗机构",
                                 "纳入多少家", "纳入了多少家", "覆盖机构", "覆盖医院"),
        "institutions_inspected": ("检查了多少家", "检查定点", "检查机构", "检查医药机构", "检查定点医药机构",
                                   "检查了多少", "检查多少家", "稽核机构", "核查机构"),
        "procurement_savings": ("节约资金", "节省资金", "节约金额", "节省金额", "节约", "节省", "节约费用"),
        "price_reduction_avg": ("降价幅度", "价格降幅"),
        "products_count": ("多少个药品", "多少种药品", "多少个品种", "中选药品", "中选品种", "中选多少", "药品数量", "品种数"),
        "per_capita_funding": ("人均筹资", "筹资标准", "总筹资标准", "每人筹资", "人均筹资标准"),
        "deductible": ("起付线", "起付标准", "起付金额"),
        "payment_rate": ("报销比例", "支付比例", "报销比率", "统筹支付比例"),
        "annual_cap": ("封顶线", "最高支付限额", "年度限额", "支付限额", "封顶", "最高限额"),
        "fiscal_subsidy_arrival_rate": ("到账率",),
        "satisfaction_rate": ("满意程度", "满意比例", "满意度调查"),
        "budget_execution_rate": ("预算完成率", "预算完成情况", "预算执行情况", "预算执行得", "预算执行进度",
                                  "完成率", "执行进度", "执行比例", "执行比率", "预算完成比例", "完成预算的比例",
                                  "预算执行比例"),
        "coverage_rate_resident": ("常住人口计算的参保率", "按常住人口的参保率", "常住人口口径参保率", "常住参保率"),
        "coverage_rate_registered": ("户籍人口计算的参保率", "按户籍人口的参保率", "户籍人口口径参保率", "户籍参保率",
                                     "参保覆盖率", "覆盖率"),
        "fiscal_subsidy_income": ("财政补贴", "政府补贴", "财政补助"),
        "expenditure": ("花了", "花费", "花钱", "开支", "用了", "支付了"),
        "income": ("进账", "收了", "筹了", "筹集"),
        "benefit_expenditure": ("待遇支出", "报销支出", "看病花了"),
    },
    "statistic": {
        "growth_rate": ("增速", "增长速度", "同比增速", "增长率", "增幅", "涨幅", "同比增长率", "增长了百分之几"),
        "change": ("比上年增加", "比上年多", "比上年少", "比去年多", "比去年少", "多花了", "少花了", "增加了多少",
                   "减少了多少", "增加多少", "减少多少", "多了多少", "少了多少", "变化了多少", "增减",
                   "增长了多少", "增长多少", "下降了多少", "下降多少", "降低了多少", "上升了多少", "涨了多少",
                   "降了多少", "增减变化", "增减额", "增加额", "增长额", "减少额", "变动额",
                   *(f"{ref}{verb}" for ref in ("比上年", "比去年", "较上年", "较去年", "比上一年", "同比")
                     for verb in ("增加", "减少", "增长了", "下降了", "上升了", "降低了")),
                   # "提高了多少", "上调了几", "涨了多少": a verb of change asking for the amount
                   *(f"{verb}{le}{amount}" for verb in ("提高", "上调", "调高", "下调", "调低", "降低", "下降", "上升",
                                                        "增加", "减少", "增长", "涨", "降", "多", "少", "提升", "回落")
                     for le in ("", "了") for amount in ("多少", "几"))),
        "share": ("占比", "比重", "所占比例", "占多大比例", "占多少比例", "占的比例", "百分之几", "比例", "占多少",
                  "占了多少", "占几成", "占百分之多少", "占总数", "占全部", "所占份额", "份额"),
    },
    "policy": {
        "volume_based_procurement": ("药品集采", "耗材集采", "集中带量", "带量"),
        "outpatient_mutual_aid": ("门诊共济保障机制", "普通门诊统筹"),
    },
}

# Words naming several indicators at once ("收支情况": income and expenditure); a question naming one asks
# for each of them, as if they were listed ("收入和支出").
COMPOUND_INDICATORS: dict[str, tuple[str, ...]] = {
    "收支": ("income", "expenditure"), "收支情况": ("income", "expenditure"), "收支状况": ("income", "expenditure"),
    "收支余": ("income", "expenditure", "current_balance"),
    "收支余情况": ("income", "expenditure", "current_balance"),
    "收支结余情况": ("income", "expenditure", "current_balance"),
    "基金收支": ("income", "expenditure"), "基金运行情况": ("income", "expenditure", "current_balance"),
    "finances": ("income", "expenditure"), "income and spending": ("income", "expenditure"),
    "revenue and expenditure": ("income", "expenditure"), "revenue and spending": ("income", "expenditure"),
    "income and outgo": ("income", "expenditure"),
}

# --- words that pick a template (matched as substrings of the folded question) --------------------

KEYWORDS: dict[str, tuple[str, ...]] = {
    "provenance": ("出处", "来源", "来自", "出自", "哪份报告", "哪个报告", "哪篇报告", "原文", "引文", "依据", "从哪",
                   "哪里来", "哪来的", "出于", "source", "sources", "provenance", "which report", "what report",
                   "come from", "comes from", "cite", "citation", "quoted",
                   "according to which", "evidence for"),
    "alliance": ("联盟", "成员", "牵头", "加入", "alliance", "alliances", "member", "members", "led by", "lead region",
                 "leads", "partners"),
    "savings": ("节约", "节省", "节约资金", "savings", "saved", "saving"),
    "params": ("参数", "报销比例", "支付比例", "起付", "封顶", "限额", "待遇", "标准", "政策规定", "parameters",
               "parameter", "rates", "deductible", "deductibles", "cap", "caps", "ceiling", "reimburse",
               "reimbursement", "how much", "details"),
    "adopt": ("实施", "开展", "推行", "推进", "试点", "落地", "实行", "执行", "采用", "启动", "建立", "运行", "全面",
              "出台", "印发", "制定", "引入", "上线", "开通",
              "adopt", "adopted", "adopters", "introduced", "run", "runs", "use", "uses", "implement",
              "implemented", "pilot", "piloted", "rolled out", "launched", "started"),
    "deficit": ("赤字", "收不抵支", "入不敷出", "亏损", "穿底", "负结余", "结余为负", "结余是负", "结余小于零",
                "结余小于0", "结余低于零", "结余低于0", "结余为负数", "当期缺口", "超支", "deficit", "deficits",
                "negative balance", "negative current balance", "in the red", "spent more than they",
                "spent more than it", "running a deficit", "ran a deficit", "negative surplus", "negative", "below zero",
                "less than zero", "为负", "负数", "小于零", "低于零"),
    "short": ("未到位", "未足额", "没有到位", "不到位", "未全部到位", "未及时到位", "没到位", "未拨付", "欠拨", "到位不足",
              "未到账", "没有全部到位", "没有足额", "不足额", "缺口", "拖欠", "未按时到位", "没有到账",
              "not fully", "not arrived", "not received", "not been received", "not paid", "unpaid", "arrears",
              "outstanding", "shortfall", "shortfalls", "fell short", "short of", "missing", "not in full",
              "not been paid", "not yet arrived", "hasn't arrived", "haven't arrived", "did not arrive",
              "didn't arrive", "incomplete", "partly", "did not receive", "didn't receive", "not receive",
              "not the full", "less than due", "less than what was due"),
    # subsidies that arrived in full ("没有足额到位" is "short": checked first)
    "full_arrival": ("足额到位", "全额到位", "全部到位", "足额拨付", "全额拨付", "按时足额", "到位率100%", "到位率达100%",
                     "full subsidy", "full subsidies", "in full", "fully arrived", "arrived in full", "received in full",
                     "fully received", "fully paid", "paid in full", "the full amount"),
    "subsidy": ("财政补助", "财政补贴", "补助资金", "配套资金", "补贴资金", "财政资金", "补助", "补贴", "到位率",
                "fiscal subsid", "subsid", "government funding", "arrival rate"),
    "band": ("偏离", "超出", "范围", "区间", "控制标准", "不在", "之外", "以外", "正常", "合理", "outside", "out of",
             "beyond", "deviat", "band", "range", "off target", "out-of-band", "control standard", "not within",
             "not between"),
    "series": ("历年", "历史", "趋势", "走势", "逐年", "各年", "每年", "历年来", "近年", "多年", "年度变化",
               "变化趋势", "变化情况", "时间序列", "变动", "变化", "发展", "over time", "over the years",
               "trend", "trends", "time series", "history", "historical", "year by year", "by year", "each year",
               "every year", "evolution", "series", "across years", "through the years", "changed", "evolved",
               "develop", "近几年", "这几年", "近年来", "最近几年", "过去几年", "以来", "逐年变化", "年度走势",
               *(f"{w}{n}年" for w in ("近", "过去", "最近") for n in ("2", "3", "4", "5", "6", "7", "8", "9", "10",
                                                                   "两", "三", "四", "五", "六", "七", "八", "九", "十")),
               "in recent years", "recent years", "past few years", "last few years", "past decade", "since"),
    "rank": ("排名", "排序", "排行", "排列", "比较", "对比", "高低", "各地区", "各地", "各区县", "各县市区", "各县",
             "各区", "各市", "哪个地区", "哪个城市", "哪个区", "哪个县", "哪一个", "哪里最", "rank", "ranking",
             "ranked", "rankings", "compare", "comparison", "compared", "order by", "sorted", "sort", "league table",
             "across regions", "by region", "each region", "every region", "which region has", "which city has",
             "which region had", "which city had"),
    "desc": ("最高", "最大", "最多", "最好", "最充足", "最长", "top", "highest", "largest", "biggest", "most",
             "greatest", "best", "longest", "descending"),
    "asc": ("最低", "最小", "最少", "最差", "最短", "倒数", "bottom", "lowest", "smallest", "least", "fewest",
            "worst", "shortest", "ascending", "weakest"),
    "which": ("哪些", "哪个", "哪几个", "哪里", "哪儿", "哪", "which", "what regions", "where", "list"),
    "sub": ("各区县", "各县市区", "下辖", "所辖", "辖区", "各区", "各县", "区县", "县市区", "县区", "各地", "下属",
            "区市", "各区市", "区(市)", "区（市）",
            "sub-regions", "subregions", "districts", "counties", "sub-region", "within", "below it",
            "its districts", "its counties"),
    # county-level regions only (区县: counties, districts, county-level cities and a city's own pool, not the city)
    "county": ("区县", "县区", "县市区", "县市", "区市", "各区市", "区(市)", "区（市）", "市区县", "各区", "各县", "哪些区", "哪些县", "哪个区", "哪个县", "区/县",
               "counties", "county", "districts", "district", "county-level"),
    "latest": ("最新", "最近", "目前", "现在", "当前", "latest", "most recent", "current", "currently", "now"),
    # findings the reports state (yb:Problem, yb:Recommendation, yb:Measure)
    "Problem": ("存在的问题", "存在问题", "哪些问题", "什么问题", "问题", "不足之处", "短板", "困难", "薄弱环节",
                "哪些不足", "什么不足", "有何不足", "存在不足", "存在的不足", "还有不足", "不足和", "和不足",
                "毛病", "隐患", "差距", "什么风险", "哪些风险", "存在风险", "风险隐患", "有何风险", "风险点", "有待改进", "有待提高", "有待加强", "需要改进", "需改进", "亟待解决",
                "problems", "problem", "issues", "issue", "weaknesses", "shortcomings", "concerns", "findings",
                "deficiencies", "weak points", "weak spots", "what went wrong", "gaps", "risks", "challenges",
                "difficulties", "room for improvement"),
    "Recommendation": ("建议", "意见建议", "改进措施", "对策", "下一步", "recommendations", "recommendation",
                       "recommend", "recommended", "suggestions", "suggested", "advice"),
    "Measure": ("监管措施", "采取了哪些措施", "措施", "举措", "measures", "actions taken"),
    # a policy's status (yb:status): the span's value is the status
    "FullRollout": ("全面推开", "全面实施", "全面推行", "全面铺开", "全面开展", "全面执行", "全面落地", "全覆盖",
                    "全面覆盖", "全部纳入", "全面启动", "fully rolled out", "full roll-out", "full rollout",
                    "rolled out in full", "fully implemented", "full implementation", "in full", "fully"),
    "SimulatedPayment": ("模拟付费", "模拟运行", "simulated payment", "simulation", "simulated"),
    "Planned": ("计划实施", "准备实施", "拟实施", "将要实施", "planned", "plans to", "planning to"),
}
STATUSES = ("FullRollout", "SimulatedPayment", "Planned")
FINDING_KINDS = ("Problem", "Recommendation", "Measure")

COMPARATORS: tuple[tuple[str, str], ...] = (
    # (phrase, op); op "post<=" / "post>=" / "post<" / "post>" follow the number
    ("不低于", ">="), ("不少于", ">="), ("不小于", ">="), ("不短于", ">="), ("至少", ">="), ("起码", ">="),
    ("不超过", "<="), ("不高于", "<="), ("不多于", "<="), ("不大于", "<="), ("不长于", "<="), ("至多", "<="),
    ("最多", "<="), ("最少", ">="), ("不足", "<"), ("不到", "<"), ("未达到", "<"), ("未达", "<"), ("不满", "<"),
    ("低于", "<"), ("小于", "<"), ("少于", "<"), ("短于", "<"), ("高于", ">"), ("大于", ">"), ("多于", ">"),
    ("超过", ">"), ("超出", ">"), ("长于", ">"), ("逾", ">"), ("达到", ">="),
    ("及以上", "post>="), ("或以上", "post>="), ("以上", "post>="), ("及以下", "post<="), ("或以下", "post<="),
    ("以下", "post<="), ("以内", "post<="), ("之内", "post<="),
    ("≤", "<="), ("≥", ">="), ("<=", "<="), (">=", ">="), ("<", "<"), (">", ">"),
    ("no more than", "<="), ("not more than", "<="), ("at most", "<="), ("up to", "<="), ("not above", "<="),
    ("not exceeding", "<="), ("no higher than", "<="), ("not over", "<="), ("a maximum of", "<="),
    ("no less than", ">="), ("not less than", ">="), ("at least", ">="), ("not below", ">="),
    ("no fewer than", ">="), ("no lower than", ">="), ("a minimum of", ">="),
    ("less than", "<"), ("fewer than", "<"), ("lower than", "<"), ("smaller than", "<"), ("below", "<"),
    ("under", "<"), ("short of", "<"), ("beneath", "<"),
    ("more than", ">"), ("greater than", ">"), ("higher than", ">"), ("larger than", ">"), ("bigger than", ">"),
    ("above", ">"), ("over", ">"), ("exceeds", ">"), ("exceeding", ">"), ("exceed", ">"), ("exceeded", ">"),
    ("in excess of", ">"), ("longer than", ">"), ("shorter than", "<"),
    ("or more", "post>="), ("or above", "post>="), ("and above", "post>="), ("or higher", "post>="),
    ("or less", "post<="), ("or fewer", "post<="), ("or below", "post<="), ("and below", "post<="),
    ("or lower", "post<="),
)

# Relative years: offset from the reference year.
RELATIVE_YEARS: tuple[tuple[str, int], ...] = (
    ("上一年度", -1), ("上一年", -1), ("上年度", -1), ("上年", -1), ("去年", -1), ("前一年", -1), ("前年", -2),
    ("今年", 0), ("本年度", 0), ("本年", 0), ("当年", 0), ("this year", 0), ("last year", -1),
    ("previous year", -1), ("prior year", -1), ("the year before", -1), ("a year earlier", -1),
    ("year before last", -2),
)


def _words(text: str) -> list[str]:
    return text.split()


# Common words that may not be read as (English) region names.
_EN_NOT_REGIONS = frozenset(_words("""
a an and are as at be by can do for from has have he her his how i if in is it its me my no not of on or
our she so than that the their them then there these they this to up us was we were what when where which
who why will with you your long yes ok all any each more most less least top list show give tell fund funds
region regions city cities year years month months rate rates ping ning an'an he'nan yi li wei qi she xi yu
"""))

# Short zh forms for funds in tables (the prefLabels are long official names).
FUND_SHORT_ZH = {
    "employee": "职工医保", "employee_pooled": "职工统筹基金", "employee_personal_account": "个人账户",
    "resident": "居民医保", "resident_subsidy": "居民医保补助资金", "all_basic": "两项基金合计",
    "maternity": "生育保险", "serious_illness": "大病保险", "large_medical": "大额医疗补助",
    "civil_servant": "公务员医疗补助", "retired_cadre": "离休干部医疗保障", "medical_assistance": "医疗救助",
    "long_term_care": "长期护理保险", "department_budget": "部门预算",
}
FUND_SHORT_EN = {
    "employee": "Employee fund", "employee_pooled": "Employee pooled fund",
    "employee_personal_account": "Personal accounts", "resident": "Resident fund",
    "resident_subsidy": "Resident subsidy funds", "all_basic": "Both funds combined", "maternity": "Maternity",
    "serious_illness": "Critical illness", "large_medical": "Large medical expenses",
    "civil_servant": "Civil servant subsidy", "retired_cadre": "Retired cadres", "medical_assistance": "Medical assistance",
    "long_term_care": "Long-term care", "department_budget": "Departmental budget",
}
# Labels for things that are not concepts of a code list.
STATUS_LABELS = {"FullRollout": ("全面实施", "full roll-out"), "Pilot": ("试点", "pilot"),
                 "SimulatedPayment": ("模拟付费", "simulated payment"), "Planned": ("计划", "planned")}
ROLE_LABELS = {"lead": ("牵头", "lead"), "member": ("成员", "member"), "adopter": ("实施", "adopter"),
               "figure": ("联盟数据", "alliance figure")}
UNIT_SUFFIX_ZH = {"item": "个", "institution": "家"}

# --- folding ----------------------------------------------------------------------------------------

_CJK_RE = re.compile(r"[\u3400-\u9fff]")


def has_cjk(text: str) -> bool:
    return bool(_CJK_RE.search(text))


def fold(text: str) -> str:
    """Traditional → simplified, full width → half width, lower case, Latin letters without their
    accents (pinyin tone marks: Zhūzhōu → zhuzhou); the length is kept."""
    from yibao.ingest.reading import normalise

    text = normalise(text)
    return "".join(_plain_letter(c.lower() if len(c.lower()) == 1 else c) for c in text)


def _plain_letter(c: str) -> str:
    """An accented Latin letter's base letter (ū → u, ǖ → u); any other character as it is."""
    if c.isascii() or not c.isalpha() or c >= "\u3400":
        return c
    import unicodedata

    base = unicodedata.normalize("NFD", c)[0]
    return base if base.isascii() else c


# --- numbers ------------------------------------------------------------------------------------------

_CN_DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}
_CN_SMALL = {"十": 10, "百": 100, "千": 1000}
_CN_BIG = {"万": 10**4, "亿": 10**8}
_EN_NUMBERS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
               "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
               "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
               "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
               "a hundred": 100, "one hundred": 100}


def parse_chinese_number(text: str) -> Decimal | None:
    """二十 → 20, 一百二十五 → 125, 三点五 → 3.5, 两千万 → 20000000, 一〇五 → 105, 十二亿 → 1200000000."""
    if not text:
        return None
    if "点" in text:
        whole, _, frac = text.partition("点")
        head = parse_chinese_number(whole) if whole else Decimal(0)
        if head is None or not frac or any(c not in _CN_DIGITS for c in frac):
            return None
        return head + Decimal("0." + "".join(str(_CN_DIGITS[c]) for c in frac))
    if all(c in _CN_DIGITS for c in text):  # digit by digit: 一〇五, 二〇二二
        return Decimal("".join(str(_CN_DIGITS[c]) for c in text))
    total, section, digit = 0, 0, None
    for c in text:
        if c in _CN_DIGITS:
            digit = _CN_DIGITS[c]
        elif c in _CN_SMALL:
            section += (1 if digit is None else digit) * _CN_SMALL[c]
            digit = None
        elif c in _CN_BIG:
            section += digit or 0
            total = (total + section) * _CN_BIG[c] if c == "亿" else total + section * _CN_BIG[c]
            section, digit = 0, None
        else:
            return None
    return Decimal(total + section + (digit or 0))


@dataclass(frozen=True)
class Number:
    """A number in the question, converted to a base unit where its unit says so."""

    start: int
    end: int
    raw: str
    value: Decimal  # as written times the unit's factor
    unit: str | None  # yuan, person, person_time, month, percent, yuan_per_person, …; "scale" = 万/亿/million alone
    unit_text: str = ""
    year: int | None = None  # a year (2022年, in 2022)


# unit text → (base unit, factor); matched longest first after a number.
UNITS: dict[str, tuple[str | None, Decimal]] = {
    "亿元": ("yuan", Decimal(10**8)), "万元": ("yuan", Decimal(10**4)), "千元": ("yuan", Decimal(1000)),
    "元/人/年": ("yuan_per_person", Decimal(1)), "元/人·年": ("yuan_per_person", Decimal(1)),
    "元/人.月": ("yuan_per_person_month", Decimal(1)), "元/人/月": ("yuan_per_person_month", Decimal(1)),
    "元/人·月": ("yuan_per_person_month", Decimal(1)), "元/人": ("yuan_per_person", Decimal(1)),
    "元每人": ("yuan_per_person", Decimal(1)),
    "元": ("yuan", Decimal(1)), "块": ("yuan", Decimal(1)), "亿": ("scale", Decimal(10**8)),
    "万人次": ("person_time", Decimal(10**4)), "人次": ("person_time", Decimal(1)),
    "万人": ("person", Decimal(10**4)), "万名": ("person", Decimal(10**4)), "人": ("person", Decimal(1)),
    "名": ("person", Decimal(1)), "万": ("scale", Decimal(10**4)), "千": ("scale", Decimal(1000)),
    "个百分点": ("percent", Decimal(1)), "百分点": ("percent", Decimal(1)), "%": ("percent", Decimal(1)),
    "个月": ("month", Decimal(1)), "月": ("month", Decimal(1)), "家": ("institution", Decimal(1)),
    "个": ("item", Decimal(1)),
    "hundred million yuan": ("yuan", Decimal(10**8)), "hundred million": ("scale", Decimal(10**8)),
    "billion yuan": ("yuan", Decimal(10**9)), "billion rmb": ("yuan", Decimal(10**9)), "bn yuan": ("yuan", Decimal(10**9)),
    "bn rmb": ("yuan", Decimal(10**9)), "billion": ("scale", Decimal(10**9)), "bn": ("scale", Decimal(10**9)),
    "million yuan": ("yuan", Decimal(10**6)), "million rmb": ("yuan", Decimal(10**6)), "m yuan": ("yuan", Decimal(10**6)),
    "million": ("scale", Decimal(10**6)), "mn": ("scale", Decimal(10**6)),
    "ten thousand yuan": ("yuan", Decimal(10**4)), "ten thousand": ("scale", Decimal(10**4)),
    "thousand yuan": ("yuan", Decimal(1000)), "thousand": ("scale", Decimal(1000)), "k": ("scale", Decimal(1000)),
    "yuan per person": ("yuan_per_person", Decimal(1)), "yuan/person": ("yuan_per_person", Decimal(1)),
    "yuan": ("yuan", Decimal(1)), "rmb": ("yuan", Decimal(1)), "cny": ("yuan", Decimal(1)),
    "months": ("month", Decimal(1)), "month": ("month", Decimal(1)), "mo": ("month", Decimal(1)),
    "percentage points": ("percent", Decimal(1)), "percent": ("percent", Decimal(1)),
    "per cent": ("percent", Decimal(1)), "pct": ("percent", Decimal(1)),
    "persons": ("person", Decimal(1)), "people": ("person", Decimal(1)), "person": ("person", Decimal(1)),
    "visits": ("person_time", Decimal(1)), "institutions": ("institution", Decimal(1)),
}
_UNIT_RE = re.compile(r"\s*(" + "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True)) + r")")
_ARABIC_RE = re.compile(r"(?<![0-9a-z_.])-?\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![0-9])|(?<![0-9a-z_.])-?\d+(?:\.\d+)?")
_CN_NUMBER_RE = re.compile(r"[零〇○一二两三四五六七八九十][零〇○一二两三四五六七八九十百千万亿点]*")
_EN_NUMBER_RE = re.compile(r"(?<![a-z0-9_])(" + "|".join(sorted((re.escape(w) for w in _EN_NUMBERS), key=len, reverse=True))
                           + r")(?:[- ](one|two|three|four|five|six|seven|eight|nine))?(?![a-z0-9_])")
_PERCENT_PREFIX_RE = re.compile(r"百分之([零〇一二两三四五六七八九十百点\d.]+)")
_YEAR_AFTER_RE = re.compile(r"\s*(年度|年)")
# words before "N年" that make it a number of years ("近20年", "过去10年"), not a year written short ("22年")
_SPAN_BEFORE_YEAR_RE = re.compile(r"(?:近|前|后|过去|这|那|最近|未来|每|多|几|第|满|连续|长达|超过|不到|约|大约)\s*$|\d$")
_FISCAL_YEAR_RE = re.compile(r"(?<![a-z0-9])fy\s?(\d{4})(?![0-9])")
_HALF_YEAR_RE = re.compile(r"(?<![上下前去今本当])半年|half a year|half-year|six months' worth")


def find_numbers(text: str, covered: list[tuple[int, int]]) -> list[Number]:
    """Numbers (Arabic, Chinese, English words) with units and years, outside the `covered` spans."""
    taken = [False] * len(text)
    for a, b in covered:
        for i in range(a, b):
            taken[i] = True
    found: list[Number] = []

    def free(a: int, b: int) -> bool:
        return not any(taken[a:b])

    def add(a: int, b: int, raw: str, number: Decimal) -> None:
        year = None
        unit: str | None = None
        unit_text = ""
        end = b
        after_year = _YEAR_AFTER_RE.match(text, b)
        if after_year and number == number.to_integral() and number >= 1000:  # 2022年; 99999年 is asked too
            year, end = int(number), after_year.end()
        elif after_year and re.fullmatch(r"\d\d", raw) and not _SPAN_BEFORE_YEAR_RE.search(text[:a]):
            year, end = 2000 + int(number), after_year.end()  # "22年": 2022 (not "近20年", a span of years)
        else:
            m = _UNIT_RE.match(text, b)
            following = text[m.end():m.end() + 1] if m else ""
            if m and not (m.group(1)[-1].isascii() and m.group(1)[-1].isalpha() and following.isascii()
                          and following.isalpha()):
                unit_text = m.group(1)
                unit, factor = UNITS[unit_text]
                number = number * factor
                end = m.end()
                if unit == "scale":  # 20亿元 already handled; 20亿 + 元 later, 50万 + 人 …
                    m2 = _UNIT_RE.match(text, end)
                    if m2 and UNITS[m2.group(1)][0] not in ("scale", None):
                        unit_text += m2.group(1)
                        unit, factor2 = UNITS[m2.group(1)]
                        number, end = number * factor2, m2.end()
            elif number == number.to_integral() and 1990 <= number <= 2100 and "." not in raw:
                year = int(number)  # "in 2022", "2022 report"
        found.append(Number(a, end, text[a:end], number, unit, unit_text, year))
        for i in range(a, end):
            taken[i] = True

    for m in _FISCAL_YEAR_RE.finditer(text):  # "FY2022": the year 2022
        if free(m.start(), m.end()):
            found.append(Number(m.start(), m.end(), m.group(0), Decimal(m.group(1)), None, "", int(m.group(1))))
            for i in range(m.start(), m.end()):
                taken[i] = True
    for m in _HALF_YEAR_RE.finditer(text):  # 半年 / half a year: six months
        if free(m.start(), m.end()):
            found.append(Number(m.start(), m.end(), m.group(0), Decimal(6), "month", m.group(0)))
            for i in range(m.start(), m.end()):
                taken[i] = True
    for m in _PERCENT_PREFIX_RE.finditer(text):
        if free(m.start(), m.end()):
            inner = m.group(1)
            value = parse_chinese_number(inner) if not re.fullmatch(r"[\d.]+", inner) else Decimal(inner)
            if value is not None:
                found.append(Number(m.start(), m.end(), m.group(0), value, "percent", "百分之"))
                for i in range(m.start(), m.end()):
                    taken[i] = True
    for m in _ARABIC_RE.finditer(text):
        start, raw = m.start(), m.group(0)
        if raw.startswith("-") and start > 0 and (text[start - 1].isalnum() or text[start - 1] in "%)）"):
            start, raw = start + 1, raw[1:]  # "95%-105%", "2020-2022": a range, not a negative number
        if free(start, m.end()):
            try:
                value = Decimal(raw.replace(",", ""))
            except InvalidOperation:
                continue
            add(start, m.end(), raw, value)
    for m in _CN_NUMBER_RE.finditer(text):
        raw = m.group(0)
        if not free(m.start(), m.end()) or raw in ("一", "两") and not _UNIT_RE.match(text, m.end()):
            continue
        # a year written digit by digit: 二〇二二年
        if len(raw) == 4 and all(c in _CN_DIGITS for c in raw) and _YEAR_AFTER_RE.match(text, m.end()):
            value = parse_chinese_number(raw)
        else:
            value = parse_chinese_number(raw)
        if value is not None:
            add(m.start(), m.end(), raw, value)
    for m in _EN_NUMBER_RE.finditer(text):
        if free(m.start(), m.end()):
            value = Decimal(_EN_NUMBERS[m.group(1)] + (_EN_NUMBERS[m.group(2)] if m.group(2) else 0))
            add(m.start(), m.end(), m.group(0), value)
    return sorted(found, key=lambda n: n.start)


# --- the automaton ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Entity:
    """A label found in the question: one or more concepts, possibly of several schemes."""

    start: int
    end: int
    surface: str
    candidates: tuple[tuple[str, str], ...]  # (scheme, id) pairs, every concept with this label
    preferred: bool  # a prefLabel (not an alias) of at least one candidate

    def ids(self, scheme: str) -> list[str]:
        return [ident for s, ident in self.candidates if s == scheme]

    @property
    def schemes(self) -> list[str]:
        return list(dict.fromkeys(s for s, _ in self.candidates))


_EN_SUFFIX_RE = re.compile(
    r"^(?P<short>.+?)\s+(?:(?:[A-Z][a-z]+\s+)?(?:and\s+[A-Z][a-z]+\s+)?Autonomous\s+\w+.*|District|County|City|"
    r"Prefecture|League|Banner|Province|Municipality|New Area|Forest Area|Special Administrative Region)$")


def region_english_names(label_en: str, level: str | None) -> list[str]:
    """The en prefLabel and short forms: "Changji Hui Autonomous Prefecture" → "Changji";
    "Lukou (formerly Zhuzhou County)" → "Lukou", "Zhuzhou County"; "Zhuzhou" → "Zhuzhou City"."""
    names = [label_en]
    base = label_en
    paren = re.match(r"^(.*?)\s*\((?:formerly\s+)?(.*?)\)\s*$", label_en)
    if paren:
        base = paren.group(1).strip()
        names += [base, paren.group(2).strip()]
    m = _EN_SUFFIX_RE.match(base)
    if m and len(m.group("short")) >= 3:
        names.append(m.group("short"))
    if level in ("prefecture", "county") and not m and " " not in base:
        names.append(f"{base} City")
    return list(dict.fromkeys(n for n in names if n))


def without_admin_suffix(name: str) -> str:
    """株洲市 → 株洲 (three characters or more: 株州 keeps its 州)."""
    return re.sub(r"(?:市|县|区|省|盟|旗)$", "", name) if len(name) >= 3 else name


class QALexicon:
    """One automaton over every label and synonym; `entities(text)` gives the best cover."""

    def __init__(self, vocab: Vocabulary) -> None:
        import ahocorasick

        self.vocab = vocab
        entries: dict[str, dict[tuple[str, str], bool]] = {}

        def add(label: str, scheme: str, ident: str, preferred: bool) -> None:
            key = dehyphen(fold(label).strip())
            if not key or (len(key) < 2 and scheme != "region"):
                return
            if key.isascii() and (len(key) < 2 or key in _EN_NOT_REGIONS and scheme == "region"):
                return
            slot = entries.setdefault(key, {})
            slot[(scheme, ident)] = slot.get((scheme, ident), False) or preferred

        for scheme in ENTITY_SCHEMES:
            for concept in vocab[scheme].values():
                for label in concept.labels_zh:
                    add(label, scheme, concept.id, label == concept.label_zh)
                if concept.label_en:
                    if scheme == "region":
                        for name in region_english_names(concept.label_en, concept.level):
                            add(name, scheme, concept.id, name == concept.label_en)
                    else:
                        add(concept.label_en, scheme, concept.id, True)
                        add(concept.id.replace("_", " "), scheme, concept.id, False)
        for word, ids in COMPOUND_INDICATORS.items():
            for ident in ids:
                if ident in vocab["indicator"]:
                    add(word, "indicator", ident, False)
        for synonyms in (EN_SYNONYMS, ZH_SYNONYMS):
            for scheme, by_id in synonyms.items():
                for ident, words in by_id.items():
                    if ident not in vocab[scheme]:
                        continue
                    for word in words:
                        add(word, scheme, ident, False)
        self.keys = entries
        # English labels by their word stems, so that "spend", "spends" and "spending" find "spent"
        self._stemmed: dict[str, list[tuple[tuple[str, ...], str, tuple, bool]]] = {}
        for key, slot in entries.items():
            # (not regions, and not a one-word statistic: "changed over the years" asks for a series)
            if key.isascii() and any(c.isalpha() for c in key) and not all(s == "region" for s, _ in slot) \
                    and not (" " not in key and any(s == "statistic" for s, _ in slot)):
                words = _EN_WORD_RE.findall(key)
                stems = tuple(stem(w) for w in words)
                if stems and " ".join(words) == key:  # words only: "over 60" is not "over"
                    self._stemmed.setdefault(stems[0], []).append(
                        (stems, key, tuple(sorted(c for c in slot if c[0] != "region")), any(slot.values())))
        self._automaton = ahocorasick.Automaton()
        for key, slot in entries.items():
            self._automaton.add_word(key, (key, tuple(sorted(slot)), any(slot.values())))
        self._automaton.make_automaton()
        # closest-name search indexes: built when first needed (a typo, a refusal), cached on disk beside
        # the lexicon but in their own file, so an answer does not pay for loading them
        self._name_indexes: dict | None = None
        self._index_path = None

    @property
    def name_indexes(self) -> dict:
        """Closest-name search indexes by scheme, and "sounds": the toneless pinyin of every
        character and of every Chinese region name (pypinyin's dictionaries take 0.2 s to import)."""
        if self._name_indexes is None:
            self._name_indexes = cached(self._index_path, self._build_name_indexes)
        return self._name_indexes

    def _build_name_indexes(self) -> dict:
        from pypinyin import lazy_pinyin
        from pypinyin.pinyin_dict import pinyin_dict

        indexes: dict = {scheme: build_label_index(self.vocab, scheme)
                         for scheme in ("region", "indicator", "fund", "policy")}
        sounds = {chr(code): "".join(lazy_pinyin(chr(code))) for code in sorted(pinyin_dict)}
        for concept in self.vocab["region"].values():
            for label in concept.labels_zh:
                for name in {label, without_admin_suffix(label)}:
                    sounds[name] = "".join(lazy_pinyin(name))  # by phrase: 重庆 is chongqing
        indexes["sounds"] = sounds
        return indexes

    def pinyin(self, text: str) -> str:
        """Toneless pinyin of `text` (株洲 → zhuzhou): a region name by phrase, else by character."""
        sounds = self.name_indexes["sounds"]
        return sounds.get(text) or "".join(sounds.get(char, char) for char in text)

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_name_indexes": None, "_index_path": None}

    def matches(self, text: str) -> list[Entity]:
        """Every label occurrence in the folded `text` (overlapping), English ones on word boundaries;
        a hyphen between English words is a space ("per-capita subsidy" is "per capita subsidy")."""
        text = dehyphen(text)
        out = []
        for end, (key, candidates, preferred) in self._automaton.iter(text):
            start = end - len(key) + 1
            if key[0].isascii() and key[0].isalnum() and start > 0 and _word_char(text[start - 1]):
                continue
            if key[-1].isascii() and key[-1].isalnum() and end + 1 < len(text) and _word_char(text[end + 1]):
                continue
            out.append(Entity(start, end + 1, key, candidates, preferred))
        exact = list(out)
        words = [(m.start(), m.end(), stem(m.group())) for m in _EN_WORD_RE.finditer(text)]
        for i, (start, _, first) in enumerate(words):
            for stems, _key, candidates, preferred in self._stemmed.get(first, ()):
                tail = words[i:i + len(stems)]
                if len(tail) == len(stems) and tuple(w[2] for w in tail) == stems and candidates:
                    if len(tail) > 1 and all(any(e.start <= a and b <= e.end for e in exact) for a, b, _ in tail):
                        continue  # each word is a label as written ("resident" + "insured"): no inflection to undo
                    end = tail[-1][1]
                    if any(" " in e.surface and e.start < end and start < e.end and
                           (not (start <= e.start and e.end <= end) or (e.start, e.end) == (start, end))
                           for e in exact):
                        continue  # "municipal pooled fund", "municipal pool": a phrase as written beats an inflection
                    out.append(Entity(start, tail[-1][1], text[start:tail[-1][1]], candidates, preferred))
        return out

    def entities(self, text: str, blocked: list[tuple[int, int]] = ()) -> list[Entity]:
        """The non-overlapping set of matches that covers the most characters (ties: fewer, longer
        matches, then the leftmost), skipping matches that overlap `blocked` spans."""
        found = [m for m in self.matches(text)
                 if not any(m.start < b and a < m.end for a, b in blocked)]
        return best_cover(found)


_EN_WORD_RE = re.compile(r"[a-z]+(?:['-][a-z]+)*")
_INNER_HYPHEN_RE = re.compile(r"(?<=[a-z0-9])[-‐‑–](?=[a-z])|(?<=[a-z])[-‐‑–](?=[0-9])")


def dehyphen(text: str) -> str:
    """A hyphen joining English words (or a word and a digit: tier-1) as a space; the length is kept,
    so offsets stay those of the question. Number ranges (2019-2022) and signs (-5) keep theirs."""
    return _INNER_HYPHEN_RE.sub(" ", text)
# Irregular forms a stemmer leaves alone (it cuts suffixes; it does not know that "spent" is "spend").
_IRREGULAR = {"spent": "spend", "grew": "grow", "grown": "grow", "rose": "rise", "risen": "rise", "fell": "fall",
              "fallen": "fall", "paid": "pay", "ran": "run", "saw": "see", "seen": "see", "got": "get",
              "gotten": "get", "gave": "give", "given": "give", "took": "take", "taken": "take", "led": "lead",
              "sold": "sell", "bought": "buy", "held": "hold", "kept": "keep", "lost": "lose", "made": "make",
              "went": "go", "gone": "go", "children": "child", "people": "person"}


# Words whose Snowball stem would merge them with a different word of the domain: "insurance" (the
# scheme, in nearly every English question) is not "insured" (the persons enrolled).
_OWN_STEMS = {"insurance": "insurance", "insurances": "insurance"}


@lru_cache(maxsize=4096)
def stem(word: str) -> str:
    """The English word's stem (Snowball), after mapping irregular forms to their base."""
    import snowballstemmer

    if word in _OWN_STEMS:
        return _OWN_STEMS[word]
    word = _IRREGULAR.get(word, word)
    return _stemmer(snowballstemmer).stemWord(word)


@lru_cache(maxsize=1)
def _stemmer(module):
    return module.stemmer("english")


def _word_char(c: str) -> bool:
    return c.isascii() and (c.isalnum() or c == "_")


def best_cover(found: list[Entity]) -> list[Entity]:
    """Weighted interval scheduling: maximise covered length, then minimise the number of pieces."""
    if not found:
        return []
    items = sorted(found, key=lambda e: (e.end, e.start))
    import bisect

    ends = [e.end for e in items]
    best: list[tuple[int, int, tuple[int, ...]]] = [(0, 0, ())]  # (covered, -count, chosen indexes) up to i
    for i, e in enumerate(items):
        j = bisect.bisect_right(ends, e.start, 0, i)  # items[:j] end at or before e.start
        covered, neg_count, chosen = best[j]
        take = (covered + (e.end - e.start), neg_count - 1, (*chosen, i))
        skip = best[i]
        best.append(max(take, skip, key=lambda t: (t[0], t[1])))
    return [items[k] for k in best[-1][2]]


@lru_cache(maxsize=2)
def default_qa_lexicon() -> QALexicon:
    return QALexicon(load_vocabulary())


# --- keyword, comparator and year spans ------------------------------------------------------------

@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str  # a KEYWORDS key, "cmp", "relyear"
    value: str  # the keyword / the comparison op / the year offset
    surface: str


_OPEN_ENDED = ("subsid", "deviat", "develop")  # stems: subsidy/subsidies, deviation, development


class PhraseMatcher:
    """Literal phrases found as ``re.finditer`` over their alternation (longest first) would find them:
    leftmost, then longest, never overlapping; an ASCII word must not continue a word on either side.

    An Aho-Corasick automaton, built in well under a millisecond where compiling the same
    alternations as regular expressions took tens (every ``yibao ask`` pays it).
    """

    def __init__(self, phrases: list[str]) -> None:
        import ahocorasick

        self._automaton = ahocorasick.Automaton()
        for phrase in sorted(set(phrases)):
            self._automaton.add_word(phrase, phrase)
        self._empty = not phrases
        if not self._empty:
            self._automaton.make_automaton()

    def finditer(self, text: str) -> list[tuple[int, int, str]]:
        if self._empty:
            return []
        longest: dict[int, str] = {}
        for last, phrase in self._automaton.iter(text):
            start = last + 1 - len(phrase)
            if _ascii_word(phrase[0]) and start > 0 and _word_char(text[start - 1]):
                continue
            if (_ascii_word(phrase[-1]) and phrase not in _OPEN_ENDED and last + 1 < len(text)
                    and _word_char(text[last + 1])):
                continue
            if len(phrase) > len(longest.get(start, "")):
                longest[start] = phrase
        found, position = [], 0
        for start in sorted(longest):
            if start >= position:
                found.append((start, start + len(longest[start]), longest[start]))
                position = start + len(longest[start])
        return found


def _ascii_word(char: str) -> bool:
    return char.isascii() and char.isalnum()


_CMP = dict(COMPARATORS)
_CMP_MATCHER = PhraseMatcher(list(_CMP))
_RELYEAR = dict(RELATIVE_YEARS)
_RELYEAR_MATCHER = PhraseMatcher(list(_RELYEAR))
_KEYWORD_MATCHERS = {kind: PhraseMatcher(list(words)) for kind, words in KEYWORDS.items()}


def find_spans(text: str) -> list[Span]:
    """Comparison words, relative years and template keywords (each kind may overlap others)."""
    spans = [Span(s, e, "cmp", _CMP[p], p) for s, e, p in _CMP_MATCHER.finditer(text)]
    spans += [Span(s, e, "relyear", str(_RELYEAR[p]), p) for s, e, p in _RELYEAR_MATCHER.finditer(text)]
    for kind, matcher in _KEYWORD_MATCHERS.items():
        spans += [Span(s, e, kind, p, p) for s, e, p in matcher.finditer(text)]
    return spans


# --- leftovers: words the question uses that nothing recognised ------------------------------------

_ZH_FILLER = ("请问", "请", "帮我", "帮忙", "查询", "查一下", "查看", "显示", "列出", "告诉我", "告诉", "给出", "一下",
              "多少", "是多少", "有多少", "几个", "什么", "怎么样", "怎样", "如何", "情况", "数据", "数值", "信息",
              "地区", "城市", "区县", "区市", "地方", "统筹区", "基金", "医保", "医疗保险", "保险", "的", "了", "吗", "呢", "吧",
              "是", "有", "在", "和", "与", "及", "或", "以及", "还是", "中", "里", "为", "由", "对", "从", "到", "至",
              "按", "各", "每", "个", "年", "年度", "月", "份", "报告", "哪", "些", "分别", "其", "它", "他们", "我",
              "所有", "全部", "都", "也", "还", "并", "且", "把", "被", "给", "将", "会", "要", "能", "可以", "哪一",
              "名", "位", "第", "共", "总", "总共", "合计", "一共", "前", "后", "最", "更", "比", "较", "值", "水平",
              "指标", "方面", "时候", "时", "期间", "以来", "以", "上", "下", "内", "外", "之", "其中", "元", "亿",
              "万", "人", "全市", "全省", "全国", "我市", "本市", "哪家", "政策",
              "改革", "工作", "实施情况", "开展情况", "情形", "之间", "范围内", "区间", "介于", "多", "少", "高", "低", "大", "小", "个月", "现", "已",
              "已经", "曾", "过", "着", "这", "那", "该", "此", "些", "啥", "谁", "怎", "么", "问", "查", "看",
              "说", "讲", "列", "示")
_PLACE_RE = re.compile(r"[\u3400-\u9fff]{1,6}?(?:自治州|自治县|市|县|区|州|盟|旗)")
_ZH_FILLER_RE = re.compile("|".join(re.escape(w) for w in sorted(_ZH_FILLER, key=len, reverse=True)))
# words before a place name ("请问印都区"); one-character fillers stay (及墨区 is 即墨区 misheard)
_LEADING_FILLER_RE = re.compile("^(?:" + "|".join(re.escape(w) for w in sorted(_ZH_FILLER, key=len, reverse=True)
                                                if len(w) >= 2) + ")+")
_EN_FILLER = frozenset(_words("""
a an the of in on at for to from by with and or vs versus what which who whose whom where when how many much is
are was were be been being do does did has have had show list give tell me please find get display all each
every any some region regions city cities area areas place places prefecture prefectures county counties district
districts fund funds insurance medical health basic scheme schemes value values figure figures number numbers
amount amounts year years yearly annual annually report reports data than its their it this that these those
there here per across between among over under below above about around into within without ranked rank
highest lowest top bottom more less most least as well also only just so such than then they them we our i my
you your can could would should will shall may might must not no yes did does done latest recent current
rate rates level levels had has having getting got being been month months percent yuan billion million
thousand hundred ten bn mn k rmb cny persons people person visits status policy policies reform reforms what's
which's where's how's s t let's lets see know want need like kind type types many much has have hasn't haven't
"""))


def leftovers(text: str, spans: list[tuple[int, int]]) -> list[str]:
    """Words outside `spans` that are neither filler nor punctuation: zh runs of ≥2 characters
    and English words of ≥3 letters."""
    chars = list(text)
    for a, b in spans:
        for i in range(a, b):
            chars[i] = " "
    rest = "".join(chars)
    words: list[str] = []
    for run in re.findall(r"[\u3400-\u9fff]+", rest):
        for place in _PLACE_RE.finditer(run):  # "印都区": a place name may hold a filler character (都)
            name = _LEADING_FILLER_RE.sub("", place.group(0))
            core = name[:-3] if name.endswith(("自治州", "自治县")) else name[:-1]
            if len(name) >= 2 and _ZH_FILLER_RE.sub("", core) and _ZH_FILLER_RE.sub("", name):  # not "的地区", "哪些区"
                words.append(name)
                run = run.replace(place.group(0), " ", 1)
        run = _ZH_FILLER_RE.sub(" ", run)
        words += [w for w in run.split() if len(w) >= 2]
    for word in re.findall(r"[a-z][a-z'\-]*", rest):
        word = re.sub(r"['’]s$", "", word).strip("'-")
        if len(word) >= 3 and word not in _EN_FILLER:
            words.append(word)
    return words


# --- suggestions ------------------------------------------------------------------------------------

@dataclass
class _Index:
    labels: dict[str, set[str]] = field(default_factory=dict)  # folded label → ids
    shown: dict[str, str] = field(default_factory=dict)
    grams: dict[str, set[str]] = field(default_factory=dict)  # character n-gram → folded labels holding it


def _grams(text: str) -> set[str]:
    """Character bigrams (and single characters of Chinese text): what a misspelling leaves intact."""
    out = {text[i:i + 2] for i in range(len(text) - 1)}
    if has_cjk(text):
        out |= set(text)
    return out


@lru_cache(maxsize=8)
def _label_index(scheme: str) -> _Index:
    return build_label_index(load_vocabulary(), scheme)


def build_label_index(vocab: Vocabulary, scheme: str) -> _Index:
    """Every label of `scheme` with the concepts it names and an n-gram index for closest-name search."""
    index = _Index()
    for concept in vocab[scheme].values():
        labels = list(concept.labels_zh)
        if concept.label_en:
            labels += region_english_names(concept.label_en, concept.level) if scheme == "region" else [concept.label_en]
        for label in labels:
            key = fold(label)
            index.labels.setdefault(key, set()).add(concept.id)
            index.shown.setdefault(key, label)
            for gram in _grams(key):
                index.grams.setdefault(gram, set()).add(key)
    for synonyms in (EN_SYNONYMS, ZH_SYNONYMS):
        for ident, words in synonyms.get(scheme, {}).items():
            for word in words:
                key = fold(word)
                index.labels.setdefault(key, set()).add(ident)
                index.shown.setdefault(key, word)
                for gram in _grams(key):
                    index.grams.setdefault(gram, set()).add(key)
    return index


def closest(scheme: str, text: str, limit: int = 5, index: _Index | None = None) -> list[tuple[float, str, str]]:
    """Up to `limit` (ratio, label, id) of `scheme` closest to `text`, best first, one per concept
    (`index`: a prebuilt one, e.g. QALexicon.name_indexes[scheme], cached on disk with the lexicon)."""
    query = fold(text)
    index = index or _label_index(scheme)
    matcher = difflib.SequenceMatcher(b=query)
    best: dict[str, tuple[float, int, str]] = {}
    shared: dict[str, int] = {}  # only labels sharing n-grams with the text are worth comparing
    for gram in _grams(query):
        for key in index.grams.get(gram, ()):
            shared[key] = shared.get(key, 0) + 1
    shortlist = sorted(shared, key=lambda k: (-shared[k], k))[:300]
    for key in shortlist:
        ids = index.labels[key]
        matcher.set_seq1(key)
        if matcher.real_quick_ratio() < 0.4 or matcher.quick_ratio() < 0.4:
            continue
        ratio = matcher.ratio()
        if ratio < 0.4:
            continue
        prefix = 0
        for a, b in zip(key, query):
            if a != b:
                break
            prefix += 1
        for ident in ids:
            score = (ratio, prefix, index.shown[key])
            if ident not in best or score[:2] > best[ident][:2]:
                best[ident] = score
    ranked = sorted(best.items(), key=lambda item: (-item[1][0], -item[1][1], item[0]))[:limit]
    return [(score[0], score[2], ident) for ident, score in ranked]


# --- a per-user cache of the built lexicon (the automaton takes ~0.3 s to build) -------------------
# (yibao.cache: the folder, and pickling a value once)

def _cache_key(ontology_dir) -> str:
    import hashlib
    from pathlib import Path

    import ahocorasick
    from yibao.graph import vocab as vocab_module
    from yibao.graph.vocab import CODE_FILES

    digest = hashlib.sha256()
    for name in CODE_FILES:
        path = Path(ontology_dir) / name
        if path.exists():
            stat = path.stat()
            digest.update(f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    for module_file in (__file__, vocab_module.__file__):
        digest.update(Path(module_file).read_bytes())
    digest.update(str(getattr(ahocorasick, "__version__", "")).encode())
    return digest.hexdigest()[:20]


def load_qa_lexicon(ontology_dir=None) -> QALexicon:
    """The lexicon for the ontology in `ontology_dir`, from the cache when the ontology files and
    this code are unchanged (set $YIBAO_CACHE to move the cache, or to "off" to disable it)."""
    import os

    from yibao import resources

    ontology_dir = ontology_dir or resources.ontology_dir()
    if os.environ.get("YIBAO_CACHE", "").lower() == "off":
        return QALexicon(load_vocabulary(ontology_dir))
    try:
        key = _cache_key(ontology_dir)
        path = cache_dir() / f"qa-lexicon-{key}.pickle"
    except Exception:  # noqa: BLE001 — no cache, only the rebuild
        return QALexicon(load_vocabulary(ontology_dir))
    lexicon = cached(path, lambda: QALexicon(load_vocabulary(ontology_dir)))
    if not isinstance(lexicon, QALexicon):
        lexicon = QALexicon(load_vocabulary(ontology_dir))
    lexicon._index_path = path.with_name(f"qa-names-{key}.pickle")
    return lexicon
