"""Policies, alliances, measures and findings: checked through SPARQL on the built sample graph,
and the same rules on a report text written here with other regions, numbers and wording."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner
from yibao.cli.main import app
from yibao.graph import namespaces as ns
from yibao.ingest.pipeline import process_file

ROOT = Path(__file__).resolve().parent.parent
PREFIXES = ns.sparql_prefixes()


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("policies") / "store"
    result = CliRunner().invoke(app, ["build", str(ROOT / "data" / "reports"), "--store", str(path)])
    assert result.exit_code == 0, result.output
    db = ox.Store(str(path))
    yield db
    del db


def select(db: ox.Store, query: str) -> list[tuple]:
    result = db.query(PREFIXES + query)
    names = [v.value for v in result.variables]
    return [tuple(s[n].value if s[n] is not None else None for n in names) for s in result]


def local(iri: str) -> str:
    return iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def test_five_city_alliance_led_by_zhuzhou_with_each_members_savings(store):
    alliances = select(store, """
        SELECT ?p WHERE { GRAPH ?g { ?p a yb:ProcurementAlliance ; yb:leadRegion region:430200 ;
                                       prov:wasDerivedFrom report:zhuzhou-2020-municipal-employee-fund-self-evaluation } }""")
    assert len(alliances) == 1
    alliance = alliances[0][0]
    members = {local(m) for (m,) in select(store, f"SELECT ?m WHERE {{ GRAPH ?g {{ <{alliance}> yb:member ?m }} }}")}
    assert members == {"430200", "430300", "430500", "430600", "430700"}
    savings = select(store, f"""
        SELECT ?region ?value ?surface ?quote WHERE {{ GRAPH ?g {{
          ?o yb:policy <{alliance}> ; yb:indicator indicator:procurement_savings ; yb:region ?region ;
             yb:value ?value ; yb:surface ?surface ; yb:quote ?quote .
          FILTER NOT EXISTS {{ ?o yb:qualifier qualifier:alliance_total }} }} }}""")
    by_member = {local(r): Decimal(v) for r, v, _, _ in savings}
    assert set(by_member) == members
    for _, value, surface, quote in savings:
        assert surface in quote and "节省" in quote
        assert Decimal(value) == Decimal(surface.removesuffix("万元")) * 10000
    total = select(store, f"""SELECT ?v WHERE {{ GRAPH ?g {{ ?o yb:policy <{alliance}> ;
        yb:qualifier qualifier:alliance_total ; yb:indicator indicator:procurement_savings ; yb:value ?v }} }}""")
    assert [Decimal(v) for (v,) in total] == [Decimal("205000000")]


def test_consumables_alliance_and_its_renaming(store):
    renamed = select(store, """
        SELECT ?old ?new ?scope WHERE { GRAPH ?g { ?p a yb:ProcurementAlliance ; rdfs:label ?old ; yb:renamedTo ?n ;
               yb:scope ?scope . ?n rdfs:label ?new } }""")
    assert ("八市联盟", "株洲市际联盟", "医用耗材") in renamed


def test_national_procurement_implemented_in_zhuzhou(store):
    found = select(store, """
        SELECT ?report ?status WHERE { GRAPH ?g { ?p a yb:ProcurementAlliance ; rdfs:label "国家组织集中带量采购"@zh ;
               yb:adopter region:430200 ; yb:status ?status ; prov:wasDerivedFrom ?report } }""")
    assert {local(r) for r, _ in found} == {"zhuzhou-2020-municipal-employee-fund-self-evaluation",
                                           "zhuzhou-2022-fund-operation-analysis"}
    assert {local(s) for _, s in found} == {"FullRollout"}


@pytest.mark.parametrize(("region", "status", "institutions", "start"), [
    ("340600", "FullRollout", "109", None),
    ("430200", "SimulatedPayment", "38", "2023-01"),
    ("370200", "Pilot", None, None),
])
def test_drg_reforms(store, region, status, institutions, start):
    found = select(store, f"""
        SELECT ?p ?status ?start ?year WHERE {{ GRAPH ?g {{ ?p yb:policyType policy:drg ; yb:adopter region:{region} ;
               yb:status ?status ; prov:wasDerivedFrom ?r . ?r yb:year ?year .
               OPTIONAL {{ ?p yb:startDate ?start }} }} }}""")
    assert len(found) == 1
    policy, got_status, got_start, _ = found[0]
    assert local(got_status) == status and got_start == start
    counts = select(store, f"""SELECT ?v WHERE {{ GRAPH ?g {{ ?o yb:policy <{policy}> ;
        yb:indicator indicator:institutions_covered ; yb:value ?v }} }}""")
    assert [v for (v,) in counts] == ([institutions] if institutions else [])


def test_disease_based_payment_in_changji(store):
    found = select(store, """
        SELECT DISTINCT ?v WHERE { GRAPH ?g { ?p yb:policyType policy:disease_based_payment ; yb:adopter region:652300 .
               ?o yb:policy ?p ; yb:indicator indicator:diseases_covered ; yb:value ?v } }""")
    assert found == [("40",)]


def test_outpatient_mutual_aid_rates_and_caps_in_zhuzhou(store):
    found = select(store, """
        SELECT ?indicator ?qualifier ?value ?start WHERE { GRAPH ?g {
          ?p a yb:OutpatientMutualAid ; yb:adopter region:430200 ; yb:startDate ?start .
          ?o yb:policy ?p ; yb:indicator ?indicator ; yb:qualifier ?qualifier ; yb:value ?value } }""")
    params = {(local(i), local(q)): Decimal(v) for i, q, v, _ in found}
    assert params[("payment_rate", "hospital_level_1")] == 70
    assert params[("payment_rate", "hospital_level_2")] == 60
    assert params[("payment_rate", "hospital_level_3")] == 60
    assert params[("deductible", "hospital_level_1")] == 0
    assert params[("deductible", "hospital_level_2")] == 200
    assert params[("deductible", "hospital_level_3")] == 300
    assert params[("annual_cap", "active_employee")] == 1500
    assert params[("annual_cap", "retiree")] == 2000
    assert {s for *_, s in found} == {"2022-10"}


def test_long_term_care_insurance_regions(store):
    found = select(store, """SELECT DISTINCT ?r WHERE { GRAPH ?g {
        ?p yb:policyType policy:long_term_care_insurance ; yb:adopter ?r } }""")
    assert {"370200", "652300", "430200"} <= {local(r) for (r,) in found}


def test_every_policy_has_a_type_region_and_a_verbatim_source(store):
    texts = {p.stem: p.read_text(encoding="utf-8") for p in (ROOT / "data" / "reports").glob("*.txt")}
    found = select(store, """SELECT ?p ?report ?quote ?s ?e WHERE { GRAPH ?g {
        ?p a yb:Policy ; yb:policyType ?t ; yb:adopter ?r ; prov:wasDerivedFrom ?report ;
           yb:quote ?quote ; yb:quoteStart ?s ; yb:quoteEnd ?e } }""")
    assert len(found) >= 20
    for _, report, quote, s, e in found:
        assert texts[local(report)][int(s):int(e)] == quote


def test_problems_share_categories_across_regions(store):
    found = select(store, """SELECT ?cat (GROUP_CONCAT(DISTINCT STR(?r); separator=" ") AS ?regions) WHERE {
        GRAPH ?g { ?x a yb:Problem ; yb:category ?cat ; yb:region ?r } } GROUP BY ?cat""")
    by_category = {local(c): {local(r) for r in regions.split()} for c, regions in found}
    assert "370200" in by_category["subsidy_not_arrived"]
    assert {"370200", "430200"} <= by_category["fund_sustainability_risk"] | by_category.get("financial_management", set())
    assert {"430200"} <= by_category["collection_reconciliation"]


def test_measures_carry_their_outcomes(store):
    found = select(store, """SELECT ?indicator ?v WHERE { GRAPH ?g { ?m a yb:Measure ; yb:region region:340600 .
        ?o yb:measure ?m ; yb:indicator ?indicator ; yb:value ?v } }""")
    values = {(local(i), Decimal(v)) for i, v in found}
    assert ("institutions_inspected", Decimal(1005)) in values
    assert ("amount_recovered", Decimal("17096200")) in values


def test_facts_and_policies_commands_show_policies(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "store"
    runner = CliRunner()
    assert runner.invoke(app, ["build", str(ROOT / "data" / "reports"), "--store", str(path)]).exit_code == 0
    facts = runner.invoke(app, ["facts", "--store", str(path), "--indicator", "procurement_savings", "--format", "csv"])
    assert facts.exit_code == 0
    header = facts.stdout.splitlines()[0].split(",")
    assert header[:15] == ["report", "region_code", "region", "year", "period", "fund", "indicator", "basis",
                           "statistic", "value", "unit", "surface", "quote", "start", "end"]
    assert "policy" in header and "五市联盟" in facts.stdout
    listed = runner.invoke(app, ["policies", "--store", str(path), "--type", "支付方式改革", "--format", "json"])
    assert listed.exit_code == 0
    assert {"drg", "disease_based_payment"} <= {row["type"] for row in __import__("json").loads(listed.stdout)}
    unknown = runner.invoke(app, ["policies", "--store", str(path), "--type", "火星计划"])
    assert unknown.exit_code == 2


UNSEEN = """2021年度芜湖市医疗保障局工作情况报告

一、主要工作
（一）药品集中带量采购
由芜湖市牵头，联合马鞍山市、铜陵市、宣城市组建四市联盟开展药品带量采购，中选药品42个，平均降幅53.2%，最高降幅91.5%。预计一年为四市节约采购费用1.6亿元，其中芜湖市节约6200万元，马鞍山市节约3900万元，铜陵市节约2800万元，宣城市节约3100万元。
（二）支付方式改革
全市72家二级及以上定点医疗机构全部纳入DRG实际付费，自2021年7月起正式实施。
（三）门诊共济保障
自2021年11月起实施职工医保门诊共济保障，一级医疗机构起付标准100元，按75%比例支付；二级医疗机构起付标准250元，按65%比例支付；三级医疗机构起付标准400元，按55%比例支付；门诊统筹基金年度最高支付限额为在职职工1800元、退休人员2500元。
"""


def test_same_rules_on_another_region(tmp_path):
    path = tmp_path / "wuhu-2021.txt"
    path.write_text(UNSEEN, encoding="utf-8")
    report = process_file(path)
    assert report.region == "340200"
    alliance = next(p for p in report.policies if p.kind == "ProcurementAlliance" and p.lead)
    assert alliance.lead == "340200" and set(alliance.members) == {"340200", "340500", "340700", "341800"}
    assert alliance.label == "四市联盟" and alliance.scope == "药品"
    figures = {(o.policy, o.indicator, o.region, o.qualifier): o.value for o in report.observations if o.policy}
    assert figures[(alliance.id, "procurement_savings", "340500", None)] == Decimal("39000000")
    assert figures[(alliance.id, "procurement_savings", "341800", None)] == Decimal("31000000")
    assert figures[(alliance.id, "procurement_savings", "340200", "alliance_total")] == Decimal("160000000")
    assert figures[(alliance.id, "price_reduction_max", "340200", None)] == Decimal("91.5")
    drg = next(p for p in report.policies if p.type == "drg")
    assert drg.status == "FullRollout" and drg.start_month == "2021-07"
    assert figures[("drg", "institutions_covered", "340200", None)] == 72
    outpatient = next(p for p in report.policies if p.type == "outpatient_mutual_aid")
    assert outpatient.start_month == "2021-11"
    assert figures[("outpatient_mutual_aid", "payment_rate", "340200", "hospital_level_3")] == 55
    assert figures[("outpatient_mutual_aid", "deductible", "340200", "hospital_level_2")] == 250
    assert figures[("outpatient_mutual_aid", "annual_cap", "340200", "retiree")] == 2500


def test_shapes_reject_a_policy_without_source_and_warn_without_region():
    import rdflib
    from yibao.graph.validate import load_ontology_graph, validate

    data = rdflib.Graph()
    data.parse(data=f"""
        @prefix yb: <{ns.YB}> . @prefix policy: <{ns.CODE}policy/> . @prefix rdfs: <{ns.RDFS}> .
        <https://w3id.org/yibao/report/x/policy/drg> a yb:Policy, yb:PaymentMethodReform ;
            rdfs:label "DRG付费"@zh ; yb:policyType policy:drg .
    """, format="turtle")
    result = validate(data, load_ontology_graph())
    assert not result.conforms
    assert any("source report" in v for v in result.violations)
    assert not any("adopter" in v for v in result.violations)
    assert any("adopter" in w for w in result.warnings)
