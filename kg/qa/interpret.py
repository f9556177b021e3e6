"""Questions in Chinese or English → one of the canned queries → a sourced answer.

    answer = ask(store, "哪些地区基金可支付月数低于6个月？")
    answer.template, answer.parameters, answer.sparql, answer.rows

Steps: recognise what the question names (`yibao.qa.lexicon`: regions, funds, indicators, bases,
policies, numbers with units, years, comparison words); resolve ambiguous names from context
(another region named next to it, then the regions the graph holds data for) or ask; pick the
template from the words and entities present; turn values into the indicator's base unit
(二十亿元 → 2000000000 yuan) and refuse a unit that contradicts the indicator; run the canned
query with its parameters bound; merge the figures a report states several times into one row
(one row per fact, the first quote kept), rank or sort them deterministically and label them in
the question's language.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from yibao.qa.answer import (
    EXTRA_KEYS,
    ROW_KEYS,
    Answer,
    QAError,
    _jsonable,
    _t,
    cell,
    concept_label,
    examples,
)
from yibao.qa.context import Context
from yibao.qa.execute import execute
from yibao.qa.plans import choose_plan
from yibao.qa.question import parse
from yibao.qa.slots import Slots

if TYPE_CHECKING:
    from pathlib import Path

    import pyoxigraph as ox

__all__ = ["Answer", "Context", "QAError", "ask", "cell", "examples"]


def ask(store: ox.Store, question: str, lang: str = "auto", ctx: Context | None = None,
        path: Path | None = None) -> Answer:
    """Answer `question`; raises QAError when it cannot (the message is in the question's language).

    ``path``: the local store's folder, whose fact index (when current) answers the canned queries."""
    ctx = ctx or Context(store, path=path)
    if not question.strip():
        raise QAError("no_template", _t("zh" if lang == "zh" else "en", "问题是空的", "the question is empty"),
                      "zh" if lang == "zh" else "en", examples=True)
    parsed = parse(question, ctx.lexicon, lang if lang in ("zh", "en") else None)
    plan = choose_plan(Slots(ctx, parsed))
    rows, bounds = execute(ctx, plan, parsed.lang)
    if not rows:
        rows, bounds = _bare_balance(ctx, plan, parsed, rows, bounds)
    if not rows:
        rows, bounds = _fund_of_indicator(ctx, plan, parsed.lang, rows, bounds)
    if not rows:
        rows, bounds = _other_change_statistic(ctx, plan, parsed.lang, rows, bounds)
    from yibao.qa.queries import get_query

    parameters = bounds[0].values if len(bounds) == 1 else {"runs": [b.values for b in bounds]}
    sparql = "\n\n".join(dict.fromkeys(b.explain() for b in bounds))
    keys = ROW_KEYS + EXTRA_KEYS.get(plan.template, ()) + ("other_quotes",)
    rows = [{k: _jsonable(row.get(k)) for k in keys} for row in rows]
    notes = list(plan.notes)
    if not rows:
        from yibao.qa.why import reasons

        notes += reasons(ctx, plan, parsed.lang)
    if any(r["derived"] for r in rows):
        notes.append(_t(parsed.lang, "口径为“推算值”的行不是报告原文给出的数字，而是由所引两个数字相除推算",
                        "rows with basis 'derived' are not stated in a report: they are computed from the two "
                        "quoted figures (a ratio)"))
    return Answer(question, parsed.lang, plan.template, _jsonable(parameters), sparql, rows, notes,
                  get_query(bounds[0].query.id).describe(parsed.lang), ctx.vocab)



# "结余" alone is the reports' word for the year's balance and, in tables (期末累计结余 under 结余), for the
# balance carried forward: a question saying only 结余 / balance, where no current balance is stated, asks for
# the cumulative one
_BARE_BALANCE_WORDS = ("结余", "结存", "基金结余", "balance", "fund balance")


def _bare_balance(ctx: Context, plan, parsed, rows: list, bounds: list) -> tuple[list, list]:
    if plan.template not in ("value", "series", "ranking", "threshold") or not plan.runs or \
            any(run.get("indicator") != "current_balance" for run in plan.runs) or \
            not any(e.surface in _BARE_BALANCE_WORDS and "current_balance" in e.ids("indicator") for e in parsed.entities):
        return rows, bounds
    retry = replace(plan, runs=[dict(run, indicator="cumulative_balance") for run in plan.runs], notes=list(plan.notes))
    found, found_bounds = execute(ctx, retry, parsed.lang)
    if not found:
        return rows, bounds
    plan.runs = retry.runs
    plan.notes += retry.notes[len(plan.notes):]
    plan.notes.append(_t(parsed.lang, "报告没有给出当期结余，列出累计结余",
                         "the reports state no current-year balance here: showing the cumulative balance"))
    return found, found_bounds


def _fund_reading(ctx: Context, indicator: str | None) -> tuple[str, str] | None:
    """An indicator named after a fund ("大病保险支出", serious_illness_expenditure: what a fund pays to
    the critical-illness scheme) read as that fund's own figure (the serious_illness fund's expenditure):
    (fund, indicator), when the ids say so."""
    if not indicator:
        return None
    for fund in ctx.vocab["fund"]:
        rest = indicator[len(fund) + 1:] if indicator.startswith(fund + "_") else None
        if rest and rest in ctx.vocab.indicators:
            return fund, rest
    return None


def _fund_of_indicator(ctx: Context, plan, lang: str, rows: list, bounds: list) -> tuple[list, list]:
    """No figures for an indicator named after a fund: that fund's own figures, said in a note."""
    if plan.template not in ("value", "series", "ranking", "threshold") or not plan.runs:
        return rows, bounds
    readings = {run.get("indicator"): _fund_reading(ctx, run.get("indicator")) for run in plan.runs}
    if not all(readings.values()):
        return rows, bounds
    retry_runs = []
    for run in plan.runs:
        fund, indicator = readings[run.get("indicator")]
        if run.get("fundScope") and fund not in run["fundScope"]:
            return rows, bounds
        retry_runs.append(dict(run, indicator=indicator, fundScope=[fund]))
    retry = replace(plan, runs=retry_runs, notes=list(plan.notes))
    found, found_bounds = execute(ctx, retry, lang)
    if not found:  # "大病保险支出下降了多少" where the report gives the rate of decline
        found, found_bounds = _other_change_statistic(ctx, retry, lang, found, found_bounds)
    if not found:
        return rows, bounds
    plan.runs = retry.runs
    plan.notes += retry.notes[len(plan.notes):]
    fund, indicator = next(iter(readings.values()))
    plan.notes.append(_t(lang, f"报告没有单列该支出项，列出{concept_label(ctx.vocab, 'fund', fund, lang)}本身的"
                               f"{concept_label(ctx.vocab, 'indicator', indicator, lang)}",
                         f"no report states that item: showing the {concept_label(ctx.vocab, 'fund', fund, lang)}'s "
                         f"own {concept_label(ctx.vocab, 'indicator', indicator, lang)}"))
    return found, found_bounds


_CHANGE_STATISTICS = {"change": "growth_rate", "growth_rate": "change"}


def _other_change_statistic(ctx: Context, plan, lang: str, rows: list, bounds: list) -> tuple[list, list]:
    """"减少了多少" where the report gives only the growth rate (or "增长率" where it gives only the
    amount): the other way of stating the change, said in a note; the empty answer otherwise."""
    if plan.template not in ("value", "series", "ranking") or not plan.runs:
        return rows, bounds
    asked = {run.get("statistic") for run in plan.runs}
    if len(asked) != 1 or next(iter(asked)) not in _CHANGE_STATISTICS:
        return rows, bounds
    other = _CHANGE_STATISTICS[next(iter(asked))]
    retry = replace(plan, runs=[dict(run, statistic=other) for run in plan.runs], notes=list(plan.notes))
    found, found_bounds = execute(ctx, retry, lang)
    if not found:
        return rows, bounds
    plan.notes += retry.notes[len(plan.notes):]
    plan.notes.append(_t(lang, "报告没有给出增减额，列出增长率" if other == "growth_rate" else "报告没有给出增长率，列出增减额",
                         "the reports state no absolute change: showing the growth rate" if other == "growth_rate"
                         else "the reports state no growth rate: showing the absolute change"))
    return found, found_bounds
