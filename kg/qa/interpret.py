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

from typing import TYPE_CHECKING

from yibao.qa.answer import EXTRA_KEYS, ROW_KEYS, Answer, QAError, _jsonable, _t, cell, examples
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

