"""The question suite of `yibao ask`: questions in Chinese and English, several phrasings per
template, each with the rule its answer must follow. Expected answers are computed from the gold
facts (tests/fixtures/facts-dev.csv) or, for policies, from tests/fixtures/policies-sample.trig —
never typed in from the output.

A question's rule is a predicate over fact rows (`where`) plus, for some templates, a post-step
(`post`: keep each region's latest year, rank and cut, add the figures a query derives). The test
(tests/test_ask.py) checks, for every question:

- recall: every expected fact is an answer row (same report, region, year, fund, indicator and
  basis, value within yibao.evaluate's tolerance), with a quote;
- precision: an answer row whose key is annotated in the gold is one of the expected facts;
- consistency: every stated answer row satisfies the predicate itself (rows of reports or keys the
  gold does not annotate are judged by the rule, not by the gold); derived rows equal the ratio of
  the two figures they quote;
- order, where the template ranks or sorts (ranking, series).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from yibao.graph.vocab import load_vocabulary

ROOT = Path(__file__).resolve().parent.parent
GOLD_PATH = ROOT / "tests" / "fixtures" / "facts-dev.csv"
POLICY_FIXTURE = ROOT / "tests" / "fixtures" / "policies-sample.trig"
STATED = ("actual", "policy", "derived")  # the bases questions read by default (no budgets, no targets)

Row = dict
Pred = Callable[[Row], bool]


# --- stores -----------------------------------------------------------------------------------------

def build_store(path: Path, reports: bool = True, policies: bool = False):
    """A store at `path` with the ontology, the sample reports (extracted as `yibao build` does,
    without SHACL) and/or the policy fixture. Returns the open pyoxigraph Store."""
    import pyoxigraph as ox
    from yibao.graph.store import load_ontology, open_store, replace_report

    db = open_store(path, create=True)
    load_ontology(db)
    if reports:
        from yibao.ingest import pipeline

        for file in sorted((ROOT / "data" / "reports").glob("*.txt")):
            replace_report(db, pipeline.process_file(file))
    if policies:
        db.load(path=str(POLICY_FIXTURE), format=ox.RdfFormat.TRIG)
    db.flush()
    return db


# --- gold -------------------------------------------------------------------------------------------

def load_gold(path: Path = GOLD_PATH) -> list[Row]:
    with open(path, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return [{"report": r["report"], "region_code": r["region"], "year": int(r["year"]), "fund": r["fund"],
             "indicator": r["indicator"], "basis": r["basis"], "statistic": "level", "value": Decimal(r["value"]),
             "unit": r["unit"], "quote": r["quote"], "derived": False} for r in rows]


def below(region: str, strict: bool = False) -> Callable[[str], bool]:
    """Region codes in (or strictly below) `region`, by the ontology's skos:broader."""
    vocab = load_vocabulary()

    def inside(code: str) -> bool:
        chain = [code, *vocab.ancestors(code)]
        return region in chain[1:] if strict else region in chain
    return inside


def fund_in(*funds: str) -> Callable[[str], bool]:
    """The funds and their components (skos:broader), as 职工医保 means employee + pooled + accounts."""
    vocab = load_vocabulary()

    def inside(fund: str) -> bool:
        chain = [fund]
        while vocab.funds.get(chain[-1]) is not None and vocab.funds[chain[-1]].broader:
            chain.append(vocab.funds[chain[-1]].broader)
        return any(f in chain for f in funds)
    return inside


def fact(indicator: str | tuple[str, ...], *, op: str | None = None, value: str | None = None,
         funds: tuple[str, ...] = (), years: tuple[int, ...] = (), region: str | None = None,
         scope: str | None = None, strict: bool = False, bases: tuple[str, ...] = STATED) -> Pred:
    """A predicate over fact rows: indicator, comparison, funds (with components), years, region
    (exactly) or scope (region and below; `strict`: below only), bases."""
    indicators = (indicator,) if isinstance(indicator, str) else indicator
    in_funds = fund_in(*funds) if funds else None
    in_scope = below(scope, strict) if scope else None
    limit = Decimal(value) if value is not None else None

    def pred(row: Row) -> bool:
        if row["indicator"] not in indicators or row["basis"] not in bases or row.get("statistic", "level") != "level":
            return False
        if in_funds and not in_funds(row["fund"]):
            return False
        if years and row["year"] not in years:
            return False
        if region and row["region_code"] != region:
            return False
        if in_scope and not in_scope(row["region_code"]):
            return False
        if op is not None and limit is not None:
            v = Decimal(str(row["value"]))
            return {"<": v < limit, "<=": v <= limit, ">": v > limit, ">=": v >= limit}[op]
        return True
    return pred


# --- post-steps -------------------------------------------------------------------------------------

def latest(rows: list[Row]) -> list[Row]:
    """Each region's and fund's latest year (per indicator, basis)."""
    top: dict[tuple, int] = {}
    for r in rows:
        key = (r["region_code"], r["fund"], r["indicator"], r["basis"])
        top[key] = max(top.get(key, r["year"]), r["year"])
    return [r for r in rows if r["year"] == top[(r["region_code"], r["fund"], r["indicator"], r["basis"])]]


def ranked(order: str = "desc", limit: int | None = None, newest: bool = True) -> Callable[[list[Row]], list[Row]]:
    """Latest year per region, then competition ranks within each fund, `limit` ranks per fund."""
    def step(rows: list[Row]) -> list[Row]:
        rows = latest(rows) if newest else rows
        out = []
        for fund in sorted({r["fund"] for r in rows}):
            for r in rows:
                if r["fund"] == fund:
                    rank = 1 + sum(1 for x in rows if x["fund"] == fund and
                                   (x["value"] > r["value"] if order == "desc" else x["value"] < r["value"]))
                    if limit is None or rank <= limit:
                        out.append(dict(r, rank=rank))
        return out
    return step


def _ratio(num: Decimal, den: Decimal) -> Decimal:
    return (num / den * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def with_derived_execution(low: Decimal = Decimal(95), high: Decimal = Decimal(105), op: str = "outside",
                           indicators: tuple[str, ...] | None = None, scope: str | None = None,
                           years: tuple[int, ...] = ()) -> Callable[[list[Row]], list[Row]]:
    """Add the execution rates a report does not state: actual ÷ (adjusted) budget × 100, kept when
    outside the band; computed from the gold figures."""
    vocab = load_vocabulary()
    rate_of = {c.id: c.rate_of for c in vocab.indicators.values() if c.rate_of}
    in_scope = below(scope) if scope else None

    def keep(v: Decimal) -> bool:
        return {"outside": v < low or v > high, "<": v < low, "<=": v <= low, ">": v > high, ">=": v >= high}[op]

    def step(rows: list[Row]) -> list[Row]:
        gold = load_gold()
        stated = {(g["report"], g["region_code"], g["year"], g["fund"], g["indicator"]) for g in gold}
        out = list(rows)
        for rate, executed in rate_of.items():
            if indicators and rate not in indicators:
                continue
            for a in gold:
                if a["indicator"] != executed or a["basis"] != "actual":
                    continue
                key = (a["report"], a["region_code"], a["year"], a["fund"])
                if (*key, rate) in stated or (*key, "budget_execution_rate") in stated:
                    continue
                budgets = [g for g in gold if (g["report"], g["region_code"], g["year"], g["fund"]) == key
                           and g["indicator"] == executed and g["basis"] in ("budget", "adjusted_budget")]
                if any(b["basis"] == "adjusted_budget" for b in budgets):
                    budgets = [b for b in budgets if b["basis"] == "adjusted_budget"]
                for b in budgets:
                    if b["value"] == 0 or (in_scope and not in_scope(a["region_code"])) or \
                            (years and a["year"] not in years):
                        continue
                    value = _ratio(a["value"], b["value"])
                    if keep(value):
                        out.append({**a, "indicator": rate, "basis": "derived", "value": value, "unit": "percent",
                                    "derived": True})
        return out
    return step


def with_derived_arrival(below_rate: Decimal = Decimal(100), scope: str | None = None) -> Callable[[list[Row]], list[Row]]:
    """Add arrival rates a report does not state: received ÷ due × 100 below `below_rate`."""
    in_scope = below(scope) if scope else None

    def step(rows: list[Row]) -> list[Row]:
        gold = load_gold()
        stated = {(g["report"], g["region_code"], g["year"], g["fund"]) for g in gold
                  if g["indicator"] == "fiscal_subsidy_arrival_rate"}
        out = list(rows)
        for r in gold:
            if r["indicator"] != "fiscal_subsidy_received" or r["basis"] != "actual":
                continue
            key = (r["report"], r["region_code"], r["year"], r["fund"])
            if key in stated or (in_scope and not in_scope(r["region_code"])):
                continue
            for d in gold:
                if (d["report"], d["region_code"], d["year"], d["fund"]) == key and \
                        d["indicator"] == "fiscal_subsidy_due" and d["basis"] == "actual" and d["value"] > 0:
                    value = _ratio(r["value"], d["value"])
                    if value < below_rate:
                        out.append({**r, "indicator": "fiscal_subsidy_arrival_rate", "basis": "derived",
                                    "value": value, "unit": "percent", "derived": True})
        return out
    return step


def execution_rates(low: int = 95, high: int = 105, op: str = "outside",
                    indicators: tuple[str, ...] | None = None, scope: str | None = None,
                    years: tuple[int, ...] = ()) -> Pred:
    """Stated execution rates outside the band (or one-sided)."""
    vocab = load_vocabulary()
    rates = {c.id for c in vocab.indicators.values() if c.rate_of} | {"budget_execution_rate"}
    if indicators:
        rates &= set(indicators)
    lo, hi = Decimal(low), Decimal(high)
    in_scope = below(scope) if scope else None

    def pred(row: Row) -> bool:
        if row["indicator"] not in rates or row["basis"] in ("budget", "adjusted_budget", "target"):
            return False
        if (in_scope and not in_scope(row["region_code"])) or (years and row["year"] not in years):
            return False
        v = Decimal(str(row["value"]))
        return {"outside": v < lo or v > hi, "<": v < lo, "<=": v <= lo, ">": v > hi, ">=": v >= hi}[op]
    return pred


# --- the questions ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Question:
    text: str
    template: str
    where: Pred | None = None  # facts: the predicate answer rows satisfy
    post: Callable[[list[Row]], list[Row]] | None = None  # facts: latest/rank/derived
    ordered: bool = False  # the answer's order must follow the expected ranks / years
    store: str = "sample"  # "sample" (the reports) or "policy" (the policy fixture)
    policy: Callable[[dict], set] | None = None  # policy questions: fixture → expected row keys
    tags: tuple[str, ...] = field(default_factory=tuple)

    @property
    def lang(self) -> str:
        return "zh" if any("\u4e00" <= c <= "\u9fff" for c in self.text) else "en"

    def expected(self, gold: list[Row]) -> list[Row]:
        rows = [g for g in gold if self.where is None or self.where(g)]
        return self.post(rows) if self.post else rows


Q = Question
MONTHS_UNDER_6 = fact("months_of_cover", op="<", value="6")

QUESTIONS: list[Question] = [
    # --- threshold ------------------------------------------------------------------------------------
    Q("哪些地区基金可支付月数低于6个月？", "threshold", MONTHS_UNDER_6),
    Q("Which regions have months of cover below 6?", "threshold", MONTHS_UNDER_6),
    Q("Which regions have less than six months of cover?", "threshold", MONTHS_UNDER_6),
    Q("可支付月数不足六个月的地区", "threshold", MONTHS_UNDER_6),
    Q("基金支撑能力少于6个月的有哪些", "threshold", MONTHS_UNDER_6),
    Q("Where is the fund cover under 6 months?", "threshold", MONTHS_UNDER_6),
    Q("可支撑月数在6个月以下的统筹区", "threshold", fact("months_of_cover", op="<=", value="6")),
    Q("居民医保可支付月数低于6个月的地区", "threshold", fact("months_of_cover", op="<", value="6", funds=("resident",))),
    Q("Which pooled funds have fewer than 5 months of cover?", "threshold",
      fact("months_of_cover", op="<", value="5", funds=("employee_pooled",))),
    Q("2022年可支付月数低于6个月的地区", "threshold", fact("months_of_cover", op="<", value="6", years=(2022,))),
    Q("Regions with at most 5 months of cover in 2022", "threshold",
      fact("months_of_cover", op="<=", value="5", years=(2022,))),
    Q("株洲哪些区县职工医保可支付月数低于6个月", "threshold",
      fact("months_of_cover", op="<", value="6", funds=("employee",), scope="430200")),
    Q("累计结余超过20亿元的地区有哪些？", "threshold", fact("cumulative_balance", op=">", value="2000000000")),
    Q("哪些地区累计结余高于二十亿元", "threshold", fact("cumulative_balance", op=">", value="2000000000")),
    Q("Which regions have a cumulative balance above 2 billion yuan?", "threshold",
      fact("cumulative_balance", op=">", value="2000000000")),
    Q("Cumulative balance exceeds 20 hundred million yuan", "threshold",
      fact("cumulative_balance", op=">", value="2000000000")),
    Q("职工医保累计结余不低于30亿元的统筹区", "threshold",
      fact("cumulative_balance", op=">=", value="3000000000", funds=("employee",))),
    Q("参保人数超过50万人的地区", "threshold", fact("enrollment", op=">", value="500000")),
    Q("Which regions insured more than 2 million residents?", "threshold",
      fact("enrollment", op=">", value="2000000", funds=("resident",))),
    Q("人均财政补助标准高于600元的地区", "threshold", fact("per_capita_fiscal_subsidy", op=">", value="600")),
    Q("基金支撑能力低于半年的地区", "threshold", MONTHS_UNDER_6),
    Q("Show regions whose pooled fund covers fewer than 6 months", "threshold",
      fact("months_of_cover", op="<", value="6", funds=("employee_pooled",))),
    Q("参保人数多于三百万人的地区", "threshold", fact("enrollment", op=">", value="3000000")),

    # --- value ----------------------------------------------------------------------------------------
    Q("株洲2022年职工医保统筹基金累计结余是多少？", "value",
      fact("cumulative_balance", funds=("employee_pooled",), years=(2022,), region="430200")),
    Q("What was Zhuzhou's employee pooled fund cumulative balance in 2022?", "value",
      fact("cumulative_balance", funds=("employee_pooled",), years=(2022,), region="430200")),
    Q("青岛居民医保累计结余", "value", fact("cumulative_balance", funds=("resident",), region="370200"), latest),
    Q("Qingdao resident fund income in 2019", "value",
      fact("income", funds=("resident",), years=(2019,), region="370200")),
    Q("青岛2019年城乡居民医保基金收入是多少", "value",
      fact("income", funds=("resident",), years=(2019,), region="370200")),
    Q("株洲县居民医保可支付月数", "value", fact("months_of_cover", funds=("resident",), region="430212"), latest),
    Q("株洲市本级2020年职工医保基金支出", "value",
      fact("expenditure", funds=("employee",), years=(2020,), region="430200_municipal")),
    Q("株洲2022年居民医保个人缴费标准", "value",
      fact("per_capita_contribution", funds=("resident",), years=(2022,), region="430200")),
    Q("How many people were insured in Zhuzhou in 2022?", "value",
      fact("enrollment", years=(2022,), region="430200")),
    Q("株洲上年的参保人数", "value", fact("enrollment", years=(2021,), region="430200")),
    Q("茶陵县2022年职工统筹基金可支付月数", "value",
      fact("months_of_cover", funds=("employee_pooled",), years=(2022,), region="430224")),
    Q("青岛市北区财政补助到位率", "value", fact("fiscal_subsidy_arrival_rate", region="370203"), latest),
    Q("Liling resident fund months of cover", "value",
      fact("months_of_cover", funds=("resident",), region="430281"), latest),
    Q("青岛2019年居民医保基金累计结余和可支付月数", "value",
      fact(("cumulative_balance", "months_of_cover"), funds=("resident",), years=(2019,), region="370200")),

    # --- ranking --------------------------------------------------------------------------------------
    Q("株洲各区县居民医保累计结余排名", "ranking",
      fact("cumulative_balance", funds=("resident",), scope="430200", strict=True), ranked("desc"), ordered=True),
    Q("Rank Zhuzhou's counties by resident fund cumulative balance", "ranking",
      fact("cumulative_balance", funds=("resident",), scope="430200", strict=True), ranked("desc"), ordered=True),
    Q("株洲哪个区县居民医保可支付月数最低", "ranking",
      fact("months_of_cover", funds=("resident",), scope="430200", strict=True), ranked("asc", 1), ordered=True),
    Q("可支付月数最低的三个地区", "ranking", fact("months_of_cover"), ranked("asc", 3), ordered=True),
    Q("Which region has the highest cumulative balance?", "ranking", fact("cumulative_balance"),
      ranked("desc", 1), ordered=True),
    Q("比较株洲和青岛的居民医保累计结余", "ranking",
      lambda r: fact("cumulative_balance", funds=("resident",))(r) and r["region_code"] in ("430200", "370200"),
      ranked("desc"), ordered=True),
    Q("各地区居民医保参保人数排名", "ranking", fact("enrollment", funds=("resident",)), ranked("desc"), ordered=True),
    Q("Top 2 counties of Zhuzhou by employee pooled fund months of cover", "ranking",
      fact("months_of_cover", funds=("employee_pooled",), scope="430200", strict=True), ranked("desc", 2),
      ordered=True),

    # --- series ---------------------------------------------------------------------------------------
    Q("株洲历年职工医保参保人数", "series", fact("enrollment", funds=("employee",), region="430200"), ordered=True),
    Q("Zhuzhou employee enrollment over the years", "series",
      fact("enrollment", funds=("employee",), region="430200"), ordered=True),
    Q("株洲居民医保参保人数变化趋势", "series", fact("enrollment", funds=("resident",), region="430200"),
      ordered=True),
    Q("How has Zhuzhou's individual contribution standard changed over the years?", "series",
      fact("per_capita_contribution", region="430200"), ordered=True),
    Q("株洲市本级历年职工统筹基金可支付月数", "series",
      fact("months_of_cover", funds=("employee_pooled",), region="430200_municipal"), ordered=True),
    Q("株洲缴费基数历年变化", "series", fact("contribution_base", region="430200"), ordered=True),

    # --- deficits -------------------------------------------------------------------------------------
    Q("哪些地区当期结余为负？", "deficits", fact("current_balance", op="<", value="0")),
    Q("Which funds ran a deficit?", "deficits", fact("current_balance", op="<", value="0")),
    Q("哪些基金收不抵支", "deficits", fact("current_balance", op="<", value="0")),
    Q("2022年有哪些地区出现当期赤字", "deficits", fact("current_balance", op="<", value="0", years=(2022,))),
    Q("Where was the current balance negative?", "deficits", fact("current_balance", op="<", value="0")),
    Q("当期结余低于0的基金", "deficits", fact("current_balance", op="<", value="0")),

    # --- budget execution -----------------------------------------------------------------------------
    Q("哪些基金预算执行率不在95%到105%之间？", "budget_execution", execution_rates(), with_derived_execution()),
    Q("Which budget execution rates are outside 95%-105%?", "budget_execution", execution_rates(),
      with_derived_execution()),
    Q("预算执行偏离控制标准的基金有哪些", "budget_execution", execution_rates(), with_derived_execution()),
    Q("预算执行率低于95%的基金", "budget_execution", execution_rates(op="<"), with_derived_execution(op="<")),
    Q("Which funds had an execution rate above 105%?", "budget_execution", execution_rates(op=">"),
      with_derived_execution(op=">")),
    Q("收入预算执行率超过110%的", "budget_execution",
      execution_rates(high=110, op=">", indicators=("income_execution_rate",)),
      with_derived_execution(high=Decimal(110), op=">", indicators=("income_execution_rate",))),
    Q("株洲2022年预算执行率超出95%-105%的基金", "budget_execution",
      execution_rates(scope="430200", years=(2022,)), with_derived_execution(scope="430200", years=(2022,))),
    Q("budget execution outside the 90% to 110% band", "budget_execution", execution_rates(90, 110),
      with_derived_execution(Decimal(90), Decimal(110))),
    Q("哪些基金支出预算执行率超过105%", "budget_execution",
      execution_rates(op=">", indicators=("expenditure_execution_rate",)),
      with_derived_execution(op=">", indicators=("expenditure_execution_rate",))),
    Q("Which funds' income execution rates were below 95%?", "budget_execution",
      execution_rates(op="<", indicators=("income_execution_rate",)),
      with_derived_execution(op="<", indicators=("income_execution_rate",))),

    # --- fiscal subsidies not fully arrived -----------------------------------------------------------
    Q("青岛哪些区财政补助资金未足额到位？", "subsidy_arrival",
      fact("fiscal_subsidy_arrival_rate", op="<", value="100", scope="370200"), with_derived_arrival(scope="370200")),
    Q("Where have fiscal subsidies not fully arrived?", "subsidy_arrival",
      fact("fiscal_subsidy_arrival_rate", op="<", value="100"), with_derived_arrival()),
    Q("哪些地区财政补助资金没有全部到位", "subsidy_arrival",
      fact("fiscal_subsidy_arrival_rate", op="<", value="100"), with_derived_arrival()),
    Q("Which districts have fiscal subsidies outstanding?", "subsidy_arrival",
      fact("fiscal_subsidy_arrival_rate", op="<", value="100"), with_derived_arrival()),
    Q("资金到位率低于90%的地区", "subsidy_arrival", fact("fiscal_subsidy_arrival_rate", op="<", value="90"),
      with_derived_arrival(Decimal(90))),
    Q("Subsidy arrival rate below 100% in Qingdao's districts", "subsidy_arrival",
      fact("fiscal_subsidy_arrival_rate", op="<", value="100", scope="370200"), with_derived_arrival(scope="370200")),
    Q("Which districts of Qingdao did not receive the full fiscal subsidy?", "subsidy_arrival",
      fact("fiscal_subsidy_arrival_rate", op="<", value="100", scope="370200"), with_derived_arrival(scope="370200")),

    # --- provenance -----------------------------------------------------------------------------------
    Q("株洲统筹基金累计结余28.03亿元出自哪份报告？", "provenance",
      lambda r: fact("cumulative_balance", funds=("employee_pooled",), region="430200",
                     bases=("actual", "budget", "adjusted_budget", "target", "policy"))(r)
      and abs(Decimal(str(r["value"])) - Decimal("2803000000")) <= Decimal("14015000")),
    Q("Where does the Zhuzhou pooled fund cumulative balance of 2.803 billion come from?", "provenance",
      lambda r: fact("cumulative_balance", funds=("employee_pooled",), region="430200",
                     bases=("actual", "budget", "adjusted_budget", "target", "policy"))(r)
      and abs(Decimal(str(r["value"])) - Decimal("2803000000")) <= Decimal("14015000")),
    Q("青岛居民医保可支付月数5.24个月的来源", "provenance",
      lambda r: fact("months_of_cover", funds=("resident",), region="370200")(r)
      and abs(Decimal(str(r["value"])) - Decimal("5.24")) <= Decimal("0.03")),
    Q("What is the source of Qingdao's 2019 resident fund income?", "provenance",
      fact("income", funds=("resident",), years=(2019,), region="370200",
           bases=("actual", "budget", "adjusted_budget", "target", "policy"))),
    Q("市北区财政补助到位率80.45%出自哪里", "provenance",
      lambda r: fact("fiscal_subsidy_arrival_rate", region="370203")(r)
      and abs(Decimal(str(r["value"])) - Decimal("80.45")) <= Decimal("0.41")),
    Q("株洲公务员医疗补助当期结余的出处", "provenance",
      fact("current_balance", funds=("civil_servant",), region="430200",
           bases=("actual", "budget", "adjusted_budget", "target", "policy"))),
]


# --- value lookups as people say them: each case asked four ways (two Chinese, two English) ----------
# The phrasings are how analysts write (colloquial forms, inflections, word order), not the labels of
# the code lists; the expected rows come from the gold facts.

_REGION_NAMES = {"430200": ("株洲", "Zhuzhou"), "370200": ("青岛", "Qingdao")}
_FUND_NAMES = {"employee": ("职工医保", "employee fund"), "resident": ("居民医保", "resident insurance"),
               "employee_pooled": ("职工统筹基金", "employee pooled fund"),
               "employee_personal_account": ("个人账户", "personal accounts"),
               "all_basic": ("两项基金合计", "both funds combined")}
_INDICATOR_NAMES = {
    "income": (("基金收入", "收了多少钱"), ("income", "revenue")),
    "expenditure": (("基金支出", "花了多少钱"), ("spending", "spend")),
    "cumulative_balance": (("累计结余", "还结余多少钱"), ("cumulative balance", "reserves")),
    "current_balance": (("当期结余", "当年结余"), ("current balance", "annual surplus")),
    "enrollment": (("参保人数", "参保人员有多少"), ("enrollment", "insured persons")),
    "benefit_expenditure": (("待遇支出", "报销支出"), ("benefit expenditure", "benefits paid")),
    "premium_income": (("征缴收入", "保险费收入"), ("premium income", "contributions")),
    "months_of_cover": (("可支付月数", "还能撑几个月"), ("months of cover", "payable months")),
}
_VALUE_CASES = (
    ("370200", "resident", "cumulative_balance", 2019), ("370200", "resident", "current_balance", 2019),
    ("370200", "resident", "enrollment", 2019), ("370200", "resident", "expenditure", 2019),
    ("370200", "resident", "income", 2019), ("430200", "employee", "benefit_expenditure", 2022),
    ("430200", "employee", "cumulative_balance", 2022), ("430200", "employee", "current_balance", 2022),
    ("430200", "employee", "expenditure", 2022), ("430200", "employee", "income", 2022),
    ("430200", "employee", "premium_income", 2022), ("430200", "resident", "benefit_expenditure", 2022),
    ("430200", "resident", "cumulative_balance", 2022), ("430200", "resident", "current_balance", 2022),
    ("430200", "resident", "expenditure", 2022), ("430200", "employee_pooled", "cumulative_balance", 2022),
    ("430200", "employee_pooled", "months_of_cover", 2022), ("430200", "employee_personal_account",
                                                              "cumulative_balance", 2022),
    ("430200", "employee_personal_account", "expenditure", 2022), ("430200", "all_basic", "income", 2022),
    ("430200", "all_basic", "expenditure", 2022), ("430200", "all_basic", "cumulative_balance", 2022),
    ("430200", "all_basic", "premium_income", 2022), ("430200", "employee_pooled", "current_balance", 2022),
    ("430200", "resident", "enrollment", 2022),
)


def _value_questions() -> list[Question]:
    out = []
    for region, fund, indicator, year in _VALUE_CASES:
        (rz, re_), (fz, fe) = _REGION_NAMES[region], _FUND_NAMES[fund]
        (iz1, iz2), (ie1, ie2) = _INDICATOR_NAMES[indicator]
        expected = fact(indicator, funds=(fund,), years=(year,), region=region)
        for text in (f"{rz}{year}年{fz}{iz1}是多少", f"{year}年{rz}{fz}{iz2}",
                     f"What was {re_}'s {fe} {ie1} in {year}?", f"{re_} {fe} {ie2} {year}"):
            out.append(Q(text, "value", expected, tags=("phrasing",)))
    return out


QUESTIONS += [q for q in _value_questions() if q.text not in {x.text for x in QUESTIONS}]


# --- policy questions: expectations from the fixture --------------------------------------------------

@dataclass
class PolicyGold:
    policies: dict[str, dict]  # policy IRI → {type, label, lead, members, adopters, classes}
    observations: list[dict]  # {policy, region, indicator, value, qualifier}


def load_policy_gold(path: Path = POLICY_FIXTURE) -> PolicyGold:
    import pyoxigraph as ox

    yb = "https://w3id.org/yibao/ontology#"
    policies: dict[str, dict] = {}
    obs: dict[str, dict] = {}

    def local(term: ox.NamedNode | ox.Literal) -> str:
        return term.value.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]

    quads = list(ox.parse(path=str(path), format=ox.RdfFormat.TRIG))
    for q in quads:
        s, p, o = q.subject.value, q.predicate.value, q.object
        if p == yb + "policyType":
            policies.setdefault(s, {"members": set(), "adopters": set(), "lead": set(), "classes": set()})["type"] = local(o)
    for q in quads:
        s, p, o = q.subject.value, q.predicate.value, q.object
        if s in policies:
            entry = policies[s]
            if p == yb + "member":
                entry["members"].add(local(o))
            elif p == yb + "adopter":
                entry["adopters"].add(local(o))
            elif p == yb + "leadRegion":
                entry["lead"].add(local(o))
            elif p.endswith("#label"):
                entry["label"] = o.value
            elif p.endswith("#type"):
                entry["classes"].add(local(o))
        if p in (yb + "policy", yb + "region", yb + "indicator", yb + "value", yb + "qualifier", yb + "refYear"):
            entry = obs.setdefault(s, {"qualifier": None})
            key = p.rsplit("#", 1)[-1]
            entry[key] = o.value if key in ("policy",) else (Decimal(o.value) if key == "value" else local(o))
    return PolicyGold(policies, [o for o in obs.values() if "policy" in o])


def adopters_of(*types: str) -> Callable[[PolicyGold], set]:
    """(policy type, region) of every participant (lead, member or adopter) of the given types."""
    def expected(gold: PolicyGold) -> set:
        return {(p["type"], r) for p in gold.policies.values() if p["type"] in types
                for r in p["adopters"] | p["members"] | p["lead"]}
    return expected


def alliance_rows(lead: str | None = None, scope: str | None = None, indicators: tuple[str, ...] = (),
                  label: str | None = None) -> Callable[[PolicyGold], set]:
    """(alliance label, region, indicator or None, value or None) of participants and their figures."""
    in_scope = below(scope) if scope else None

    def expected(gold: PolicyGold) -> set:
        out = set()
        for iri, p in gold.policies.items():
            if "ProcurementAlliance" not in p["classes"] or (lead and lead not in p["lead"]) or \
                    (label and p["label"] != label):
                continue
            participants = p["adopters"] | p["members"] | p["lead"]
            figures = [o for o in gold.observations if o["policy"] == iri and
                       (not indicators or o["indicator"] in indicators)]
            for region in participants:
                if in_scope and not in_scope(region):
                    continue
                own = [o for o in figures if o["region"] == region]
                out |= {(p["label"], region, o["indicator"], o["value"]) for o in own} or {(p["label"], region, None, None)}
            out |= {(p["label"], o["region"], o["indicator"], o["value"]) for o in figures
                    if o["region"] not in participants and (not in_scope or in_scope(o["region"]))}
        return out
    return expected


def mutual_aid_rows(scope: str | None = None, indicators: tuple[str, ...] = (),
                    qualifiers: tuple[str, ...] = ()) -> Callable[[PolicyGold], set]:
    """(region, indicator, qualifier, value) of the outpatient mutual-aid figures."""
    in_scope = below(scope) if scope else None

    def expected(gold: PolicyGold) -> set:
        aid = {iri for iri, p in gold.policies.items() if p["type"] == "outpatient_mutual_aid"}
        return {(o["region"], o["indicator"], o["qualifier"], o["value"]) for o in gold.observations
                if o["policy"] in aid and (not in_scope or in_scope(o["region"]))
                and (not indicators or o["indicator"] in indicators)
                and (not qualifiers or o["qualifier"] in qualifiers)}
    return expected


def P(text: str, template: str, policy: Callable[[PolicyGold], set]) -> Question:
    return Question(text, template, store="policy", policy=policy)


QUESTIONS += [
    # --- policy adopters ------------------------------------------------------------------------------
    P("哪些地区实施了DRG付费？", "policy_adopters", adopters_of("drg")),
    P("Which regions have adopted DRG payment?", "policy_adopters", adopters_of("drg")),
    P("哪些地区开展了DIP", "policy_adopters", adopters_of("dip")),
    P("Which regions are piloting DIP?", "policy_adopters", adopters_of("dip")),
    P("哪些地区在推进支付方式改革？", "policy_adopters", adopters_of("drg", "dip", "disease_based_payment",
                                                             "capitation", "per_diem", "global_budget",
                                                             "payment_method_reform")),
    P("哪些地区建立了长期护理保险", "policy_adopters", adopters_of("long_term_care_insurance")),
    P("Which regions have long-term care insurance?", "policy_adopters", adopters_of("long_term_care_insurance")),
    P("哪些地区开展了门诊共济", "policy_adopters", adopters_of("outpatient_mutual_aid")),
    P("哪些地区参与了带量采购", "policy_adopters", adopters_of("volume_based_procurement")),
    # --- alliances ------------------------------------------------------------------------------------
    P("株洲牵头的集采联盟有哪些成员？", "alliance", alliance_rows(lead="430200")),
    P("Who are the members of the procurement alliance led by Zhuzhou?", "alliance", alliance_rows(lead="430200")),
    P("集采联盟各成员节约了多少资金", "alliance", alliance_rows(indicators=("procurement_savings",))),
    P("How much did the procurement alliance members save?", "alliance",
      alliance_rows(indicators=("procurement_savings",))),
    P("江西有哪些地区加入了集采联盟", "alliance", alliance_rows(scope="360000")),
    P("八市联盟有哪些成员", "alliance", alliance_rows(label="八市联盟")),
    P("株洲市际联盟各成员节约了多少", "alliance", alliance_rows(label="株洲市际联盟", indicators=("procurement_savings",))),
    # --- outpatient mutual aid ------------------------------------------------------------------------
    P("各地门诊共济的起付线和报销比例", "mutual_aid", mutual_aid_rows(indicators=("deductible", "payment_rate"))),
    P("What are the outpatient mutual aid deductibles and payment rates?", "mutual_aid",
      mutual_aid_rows(indicators=("deductible", "payment_rate"))),
    P("株洲门诊共济退休人员封顶线", "mutual_aid",
      mutual_aid_rows(scope="430200", indicators=("annual_cap",), qualifiers=("retiree",))),
    P("门诊共济三级医疗机构支付比例", "mutual_aid",
      mutual_aid_rows(indicators=("payment_rate",), qualifiers=("hospital_level_3",))),
    P("Outpatient mutual aid annual caps for active employees", "mutual_aid",
      mutual_aid_rows(indicators=("annual_cap",), qualifiers=("active_employee",))),
    P("淮北门诊共济参数", "mutual_aid", mutual_aid_rows(scope="340600")),
]

TEMPLATES = ("threshold", "value", "ranking", "series", "deficits", "budget_execution", "subsidy_arrival",
             "provenance", "policy_adopters", "alliance", "mutual_aid")
