"""Questions as users ask them (tests/fixtures/questions-dev.json, a copy of shared/questions), scored
with the rules written in that file — the same as shared/tools/score_questions.py — plus the wrong-row
cases that must never come back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner
from yibao.cli.main import app

QUESTIONS = json.loads((Path(__file__).parent / "fixtures" / "questions-dev.json").read_text(encoding="utf-8"))
PASS_RATE = 0.90
runner = CliRunner()


def build_sample_store(tmp_path_factory, name: str) -> Path:
    """A store of the sample reports, built by the CLI."""
    path = tmp_path_factory.mktemp(name) / "store"
    result = runner.invoke(app, ["build", str(Path(__file__).parent.parent / "data" / "reports"), "--store", str(path)])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return build_sample_store(tmp_path_factory, "questions")


def _ask(store: Path, question: str) -> tuple[int, list[dict]]:
    result = runner.invoke(app, ["ask", question, "--format", "json", "--store", str(store)])
    rows = json.loads(result.stdout)["rows"] if result.stdout.strip().startswith("{") else []
    return result.exit_code, rows


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= max(1e-6, 0.005 * abs(b))


def failures(question: dict, code: int, rows: list[dict]) -> list[str]:
    """Why an answer fails the question's checks (empty: it passes), as score_questions.py decides."""
    if question.get("expect_no_answer"):
        return [] if not rows and code != 0 else [f"expected no answer, got {len(rows)} row(s), exit {code}"]
    regions = {str(r.get("region_code", "")) for r in rows}
    values = [float(r["value"]) for r in rows if isinstance(r.get("value"), (int, float))]
    why = [f"missing region {c}" for c in question.get("include", []) if c not in regions]
    why += [f"unexpected region {c}" for c in question.get("exclude", []) if c in regions]
    if question.get("values") and not any(_close(v, g) for v in values for g in question["values"]):
        why.append(f"none of values {question['values']}")
    if question.get("quote_contains") and not any(question["quote_contains"] in str(r.get("quote", "")) for r in rows):
        why.append("no source quote")
    if not rows:
        why.append(f"no rows (exit {code})")
    return why


def pass_rate(store, questions: list[dict], name: str) -> tuple[float, dict[str, list[str]]]:
    """The share of ``questions`` whose answers pass their checks (as the shared scorer judges), and why
    each of the others failed; printed under ``name``."""
    failed = {}
    for question in questions:
        why = failures(question, *_ask(store, question["q"]))
        if why:
            failed[question["id"]] = why
    rate = 1 - len(failed) / len(questions)
    print(f"{name}: {rate:.3f} ({len(questions) - len(failed)}/{len(questions)}); failed: {failed}")
    return rate, failed


def test_user_questions_pass_rate(store):
    rate, failed = pass_rate(store, QUESTIONS, "user questions")
    assert rate >= PASS_RATE, failed


def test_subsidy_arrival_pairs_only_figures_that_belong_together(store):
    """A report listing central, provincial and municipal allocations and two received amounts has no
    one rate to derive: no invented 16 %, 31.83 %, 48.87 % or 617.6 %."""
    code, rows = _ask(store, "哪些地区财政补助资金未足额到位")
    assert code == 0
    assert not [r for r in rows if r["region_code"] == "340600" and r["derived"]]
    assert {"370203", "370213"} <= {r["region_code"] for r in rows}


def test_an_execution_rate_lookup_returns_the_rate(store):
    code, rows = _ask(store, "淮北2023年居民医保基金支出预算执行率是多少")
    assert code == 0 and any(_close(float(r["value"]), 98.51) for r in rows)


def test_full_rollout_is_not_a_pilot_or_simulated_payment(store):
    code, rows = _ask(store, "哪些城市全面实施了DRG付费？")
    assert code == 0 and {r["region_code"] for r in rows} == {"340600"}


@pytest.mark.parametrize(("question", "qualifier", "value"), [
    ("株洲2022年60岁以上参保居民占比多少", "aged_60_plus", 20.28),
    ("What share of Zhuzhou's resident insured were women in 2022?", "female", 49.73),
    ("株洲2022年居民医保参保人员中大学生所占比例", "university_students", 4.06),
    ("青岛一档参保居民财政补贴标准是多少", "contribution_tier_1", 730),
    ("Qingdao second tier fiscal subsidy per person", "contribution_tier_2", 650),
])
def test_a_group_named_in_the_question_gives_that_groups_figure_only(store, question, qualifier, value):
    code, rows = _ask(store, question)
    assert code == 0 and rows, question
    assert {r["qualifier"] for r in rows} == {qualifier}
    assert any(_close(float(r["value"]), value) for r in rows)


def test_a_figure_for_everyone_is_not_answered_with_a_groups_share(store):
    code, rows = _ask(store, "株洲2022年居民医保参保人数")
    assert code == 0 and rows and all(not r["qualifier"] for r in rows)


@pytest.mark.parametrize("question", ["哪些区县居民医保参保人数超过30万", "Which counties have more than 300,000 resident enrollees?"])
def test_counties_asked_for_are_not_answered_with_cities(store, question):
    """"区县" / "counties": county-level regions (and a city's own pool), never the prefecture-level city."""
    code, rows = _ask(store, question)
    regions = {r["region_code"] for r in rows}
    assert code == 0 and {"430223", "430224", "430281"} <= regions  # 攸县, 茶陵县, 醴陵市
    assert not regions & {"430200", "370200", "340600"}


def test_a_bare_head_count_is_read_as_persons(store):
    code, rows = _ask(store, "Which counties have fewer than 50,000 employee enrollees?")
    assert code == 0 and {r["region_code"] for r in rows} == {"430212", "430224", "430225"}


@pytest.mark.parametrize("question", ["株洲市职工医保基金结余能支付多少个月", "How many months can Zhuzhou's resident fund balance pay for?"])
def test_asking_how_many_months_gives_the_months_of_cover(store, question):
    code, rows = _ask(store, question)
    assert code == 0 and rows and {r["indicator"] for r in rows} == {"months_of_cover"}


def test_problems_listed_inside_a_paragraph_are_found_once(store):
    """"但还存在以下四个方面的问题，一是…二是…" (repeated for each fund in the report): four problems."""
    code, rows = _ask(store, "昌吉州存在哪些问题")
    assert code == 0 and len(rows) == 4
    assert rows[1]["label"].startswith("医保政策和惠民效果宣传力度还不够")


def test_a_report_saying_there_is_no_problem_has_none(store):
    """"不存在重复参保问题" is not a problem: no rows, and the answer says the report lists none."""
    result = runner.invoke(app, ["ask", "淮北的医保报告发现了什么问题", "--store", str(store)])
    assert result.exit_code != 0 and "淮北市的报告没有列出存在的问题" in result.output


def test_compared_with_last_year_asks_about_the_year_named(store):
    """"2022年…比去年增加了多少": the change in 2022, not the figure of 2021."""
    code, rows = _ask(store, "株洲2022年职工医保参保人数比去年增加了多少")
    assert code == 0 and rows and all(r["year"] == 2022 and r["statistic"] == "change" for r in rows)


def test_a_change_not_stated_is_answered_with_the_growth_rate(store):
    code, rows = _ask(store, "株洲2022年城乡居民参保人数比上年减少了多少")
    assert code == 0 and [(r["statistic"], float(r["value"])) for r in rows] == [("growth_rate", -3.37)]


@pytest.mark.parametrize(("question", "indicator", "value"), [
    ("What is the deductible for tier-3 hospitals in Zhuzhou?", "deductible", 300),
    ("株洲2020年追回医保基金多少", "amount_recovered", 1450300),
    ("How many institutions were inspected in Zhuzhou in 2020?", "institutions_inspected", 1477),
])
def test_everyday_names_of_indicators_and_hospital_levels(store, question, indicator, value):
    code, rows = _ask(store, question)
    assert code == 0 and rows and {r["indicator"] for r in rows} == {indicator}
    assert any(_close(float(r["value"]), value) for r in rows)


def test_a_year_without_the_figure_is_named_in_the_explanation(store):
    """Zhuzhou has 2020 figures, but its 2020 report gives income only for the employee funds: say so."""
    result = runner.invoke(app, ["ask", "株洲市2020年城乡居民医保基金收入", "--store", str(store)])
    assert result.exit_code != 0 and "株洲市2020年的报告只给出了" in result.output and "职工医保" in result.output


def test_a_misspelt_place_holding_a_common_character_is_corrected(store):
    """"及墨区" (即墨区 misheard; 及 is also a word of no meaning to the question): corrected, not cut to 墨区."""
    code, rows = _ask(store, "请问及墨区财政补助到位率是多少")
    assert code == 0 and {r["region_code"] for r in rows} == {"370215"}


def test_the_largest_deficit_is_the_most_negative_balance(store):
    code, rows = _ask(store, "哪个地区居民医保当期赤字最大")
    assert code == 0 and len(rows) == 1 and rows[0]["region_code"] == "340600" and float(rows[0]["value"]) < 0


@pytest.mark.parametrize("question", ["哪些地区的财政补助足额到位", "Which Qingdao districts got their full subsidy?"])
def test_subsidies_that_arrived_in_full(store, question):
    code, rows = _ask(store, question)
    regions = {r["region_code"] for r in rows}
    assert code == 0 and {"370202", "370215"} <= regions and not regions & {"370203", "370213"}
    assert all(float(r["value"]) >= 100 for r in rows)


@pytest.mark.parametrize("question", ["Zhūzhōu resident fund income 2022", "Zhuzhoushi resident fund income 2022"])
def test_pinyin_place_names_with_tones_or_a_suffix(store, question):
    code, rows = _ask(store, question)
    assert code == 0 and rows and {r["region_code"] for r in rows} == {"430200"}
