"""试算: a decision tried on inputs says the rows each table matched and those its hit policy
applied, with the decisions it requires; what fails is said with the cell, rule or input it failed
in; the XML on the designer's screen is tried without anything being stored."""
from xml.sax.saxutils import escape

import pytest
from sqlalchemy import select

from engine.config import ROOT
from engine.dmn import DmnEvaluationError, NoMatchingRule, RuleOverlap, load_dmn, trial
from engine.errors import Forbidden, Invalid, NotFound
from engine.services import deploy, trials
from engine.store.db import read_session
from engine.store.models import Base

NS = "https://www.omg.org/spec/DMN/20191111/MODEL/"
TAXES = (ROOT / "rules" / "transfer_taxes.dmn").read_text(encoding="utf-8")
COMPANY_SALE = {"sellerKind": "company", "propertyType": "housing", "holdingYears": 3, "sellerOnlyHome": False,
                "buyerKind": "person", "buyerHomeCount": 0, "areaM2": 120}


def fee_table(policy: str, rules: list[tuple[str, str]], aggregation: str = "") -> str:
    """Decision fee (面积收费) over input data area, one rule per (input entry, output entry), rows from 1."""
    rows = "".join(f'<rule id="r{n}"><inputEntry id="r{n}_in"><text>{escape(test)}</text></inputEntry>'
                   f'<outputEntry id="r{n}_out"><text>{escape(out)}</text></outputEntry></rule>'
                   for n, (test, out) in enumerate(rules, 1))
    agg = f' aggregation="{aggregation}"' if aggregation else ""
    return f"""<definitions xmlns="{NS}" id="defs" name="fees" namespace="urn:shenpi:test">
      <inputData id="input_area" name="area"><variable name="area" typeRef="number"/></inputData>
      <decision id="fee" name="面积收费">
        <informationRequirement><requiredInput href="#input_area"/></informationRequirement>
        <decisionTable id="fee_table" hitPolicy="{policy}"{agg}>
          <input id="column_area" label="面积"><inputExpression typeRef="number"><text>area</text></inputExpression></input>
          <output id="column_fee" name="fee" label="费用"/>{rows}
        </decisionTable>
      </decision>
    </definitions>"""


RULES = [("< 100", "80"), (">= 50", "550"), (">= 500", "1000")]


@pytest.mark.parametrize("policy, aggregation, area, matched, applied, result", [
    ("UNIQUE", "", 600, [2, 3], None, None),  # an overlap: refused, below
    ("UNIQUE", "", 20, [1], [1], 80),
    ("FIRST", "", 60, [1, 2], [1], 80),
    ("FIRST", "", 600, [2, 3], [2], 550),
    ("RULE ORDER", "", 60, [1, 2], [1, 2], [80, 550]),
    ("COLLECT", "", 600, [2, 3], [2, 3], [550, 1000]),
    ("COLLECT", "SUM", 600, [2, 3], [2, 3], 1550),
    ("COLLECT", "COUNT", 60, [1, 2], [1, 2], 2),
])
def test_each_hit_policy_says_which_matched_rows_make_the_result(policy, aggregation, area, matched, applied, result):
    model = load_dmn(fee_table(policy, RULES, aggregation))
    if applied is None:
        with pytest.raises(RuleOverlap) as overlap:
            trial.explain(model, "fee", {"area": area})
        assert "rows 2, 3 (rules r2, r3)" in str(overlap.value) and overlap.value.element_id == "fee"
        return
    answer = trial.explain(model, "fee", {"area": area})
    assert answer["result"] == result
    [step] = answer["decisions"]
    assert (step["id"], step["kind"], step["hit_policy"], step["aggregation"]) == \
        ("fee", "table", policy, aggregation or None)
    assert step["matched"] == matched
    assert [hit["row"] for hit in step["applied"]] == applied
    assert step["outputs"] == [{"name": "fee", "label": "费用"}]
    assert step["result"] == result


def test_a_single_hit_table_that_matches_nothing_is_an_error_as_it_is_for_a_case():
    with pytest.raises(NoMatchingRule, match="no rule of the UNIQUE table matches"):
        trial.explain(load_dmn(fee_table("UNIQUE", [("> 1000", "1")])), "fee", {"area": 5})


def test_a_decision_requiring_others_says_each_ones_rows_and_result():
    """transfer_taxes joins the seller's table (卖方税费) and the buyer's (买方税费) in a literal."""
    answer = trial.explain(load_dmn(TAXES), "transfer_taxes", COMPANY_SALE)
    seller, buyer, joined = answer["decisions"]
    assert (seller["id"], buyer["id"], joined["id"]) == ("transfer_taxes_seller", "transfer_taxes_buyer", "transfer_taxes")
    assert seller["matched"] == [3, 8, 9] and [h["row"] for h in seller["applied"]] == [3, 8, 9]
    assert seller["applied"][1]["outputs"] == ["land_vat", "土地增值税", 0.03, "price_without_vat", False, "seller"]
    assert [o["label"] for o in seller["outputs"]][:3] == ["税种", "名称", "税率"]
    assert buyer["matched"] == [1] and buyer["result"] == [
        {"tax": "deed_tax", "name": "契税", "rate": 0.01, "base": "price_without_vat", "taxpayer": "buyer"}]
    assert (joined["kind"], joined["hit_policy"], joined["matched"]) == ("literal", None, [])
    assert [line["tax"] for line in answer["result"]] == ["vat", "land_vat", "stamp_duty", "deed_tax"]
    assert joined["result"] == answer["result"] == seller["result"] + buyer["result"]


def test_the_form_asks_for_each_input_the_decision_reads_as_its_tables_head_it():
    fields = {f["name"]: f for f in trial.fields(load_dmn(TAXES), "transfer_taxes_buyer")}
    assert list(fields) == ["propertyType", "buyerHomeCount", "areaM2", "buyerKind"]  # not the seller's
    assert fields["buyerKind"] == {"id": "transfer_taxes_input_buyerKind", "name": "buyerKind", "label": "买方类型",
                                   "type": "string", "values": ["person", "company"]}  # its input values
    assert (fields["areaM2"]["type"], fields["areaM2"]["values"]) == ("number", None)
    assert [f["type"] for f in trial.fields(load_dmn(TAXES), "transfer_taxes_seller")].count("boolean") == 1


def test_an_item_definitions_allowed_values_are_offered_and_a_range_is_not():
    model = load_dmn(f"""<definitions xmlns="{NS}" id="defs" name="m" namespace="urn:m">
      <itemDefinition name="tKind"><typeRef>string</typeRef><allowedValues><text>"person","company"</text></allowedValues></itemDefinition>
      <itemDefinition name="tAge"><typeRef>number</typeRef><allowedValues><text>[0..150]</text></allowedValues></itemDefinition>
      <inputData id="i_kind" name="kind"><variable name="kind" typeRef="tKind"/></inputData>
      <inputData id="i_age" name="age"><variable name="age" typeRef="tAge"/></inputData>
      <decision id="d" name="d">
        <informationRequirement><requiredInput href="#i_kind"/></informationRequirement>
        <informationRequirement><requiredInput href="#i_age"/></informationRequirement>
        <literalExpression><text>kind + string(age)</text></literalExpression>
      </decision></definitions>""")
    assert [(f["type"], f["values"], f["label"]) for f in trial.fields(model, "d")] == \
        [("string", ["person", "company"], None), ("number", None, None)]


def test_a_cell_that_fails_is_said_with_its_row_its_column_and_its_element():
    model = load_dmn(fee_table("FIRST", [("> 1000", "1"), ("> limit", "2"), ("-", "3")]))
    with pytest.raises(DmnEvaluationError) as failed:
        trial.explain(model, "fee", {"area": 5})
    assert failed.value.element_id == "r2_in"
    assert str(failed.value.message) == "row 2, 面积: > limit cannot be evaluated: unknown name 'limit'"
    # The same in a case's decision: the incident points at the cell to mend.
    with pytest.raises(DmnEvaluationError) as failed:
        model.evaluate("fee", {"area": 5}, strict=True)
    assert failed.value.element_id == "r2_in"

    model = load_dmn(fee_table("FIRST", [("-", "rate * area")]))
    with pytest.raises(DmnEvaluationError) as failed:
        model.evaluate("fee", {"area": 5})
    assert (failed.value.element_id, failed.value.message.values["column"]) == ("r1_out", "费用")


def test_an_input_expression_that_fails_is_said_with_its_column():
    model = load_dmn(fee_table("FIRST", [("-", "1")]).replace("<text>area</text>", "<text>areas</text>"))
    with pytest.raises(DmnEvaluationError) as failed:
        trial.explain(model, "fee", {"area": 5})
    assert failed.value.element_id == "column_area"
    assert str(failed.value.message) == "input 面积: areas cannot be evaluated: unknown name 'areas'"


@pytest.fixture
def taxes_deployed(org):
    deploy.deploy([("transfer_taxes.dmn", TAXES.encode())], org["designer"])


def test_the_xml_on_screen_is_tried_as_it_is_and_nothing_is_stored(org, taxes_deployed):
    """The buyer's first home ≤ 140 m² changed from 1% to 1.5%, not saved: the trial reads the
    change, the deployed table still says 1%, and no row of any table is added or changed."""
    changed = TAXES.replace('<outputEntry id="transfer_taxes_buyer_r1_o2"><text>0.01</text>',
                            '<outputEntry id="transfer_taxes_buyer_r1_o2"><text>0.015</text>')
    before = _every_row()
    tried = trials.evaluate("transfer_taxes_buyer", COMPANY_SALE_BUYER, org["designer"], xml=changed)
    assert (tried["key"], tried["version"]) == ("transfer_taxes_buyer", None)
    assert tried["result"][0]["rate"] == 0.015
    deployed = trials.evaluate("transfer_taxes_buyer", COMPANY_SALE_BUYER, org["designer"])
    assert (deployed["version"], deployed["result"][0]["rate"]) == (1, 0.01)
    assert _every_row() == before


COMPANY_SALE_BUYER = {k: COMPANY_SALE[k] for k in ("propertyType", "buyerHomeCount", "areaM2", "buyerKind")}


def _every_row() -> dict:
    with read_session() as session:
        return {table.name: session.execute(select(table)).all() for table in Base.metadata.sorted_tables}


def test_every_missing_input_and_every_one_not_read_is_said_at_once_with_its_element(org):
    with pytest.raises(Invalid) as refused:
        trials.evaluate("transfer_taxes_buyer", {"propertyType": "housing", "buyerHomeCount": 0, "sellerKind": "x"},
                        org["designer"], xml=TAXES)
    assert [(d["element_id"], d["message"]) for d in refused.value.details] == [
        ("transfer_taxes_input_areaM2", "input areaM2 is missing"),
        ("transfer_taxes_input_buyerKind", "input buyerKind is missing"),
        (None, "transfer_taxes_buyer reads no input 'sellerKind'")]


def test_an_input_of_the_wrong_type_is_said_with_its_input_data(org):
    with pytest.raises(Invalid) as refused:
        trials.evaluate("transfer_taxes_buyer", dict(COMPANY_SALE_BUYER, areaM2="大"), org["designer"], xml=TAXES)
    [detail] = refused.value.details
    assert detail["element_id"] == "transfer_taxes_input_areaM2" and "does not fit type number" in detail["message"]


def test_feel_that_does_not_parse_is_refused_as_a_deployment_refuses_it(org):
    broken = TAXES.replace("<text>&lt;= 140</text>", "<text>&lt;= </text>", 1)
    with pytest.raises(Invalid) as refused:
        trials.evaluate("transfer_taxes_buyer", COMPANY_SALE_BUYER, org["designer"], xml=broken)
    [detail] = refused.value.details
    assert detail["element_id"] == "transfer_taxes_buyer_r1_i3"
    assert detail["message"].startswith("row 1, 面积(平方米): invalid FEEL")


def test_only_designers_and_administrators_try_and_the_xml_is_bounded_as_a_deployment(org, taxes_deployed):
    assert trials.evaluate("transfer_taxes_buyer", COMPANY_SALE_BUYER, org["admin"])["version"] == 1
    for login in ("reviewer", "clerk", "supervisor"):
        with pytest.raises(Forbidden):
            trials.evaluate("transfer_taxes_buyer", COMPANY_SALE_BUYER, org[login])
        with pytest.raises(Forbidden):
            trials.decisions(TAXES, org[login])
    padded = TAXES.replace("</definitions>", "<!--" + "x" * deploy.MAX_FILE_BYTES + "--></definitions>")
    with pytest.raises(Invalid, match="larger than"):
        trials.evaluate("transfer_taxes_buyer", COMPANY_SALE_BUYER, org["designer"], xml=padded)
    with pytest.raises(NotFound):
        trials.evaluate("no_such_table", {}, org["designer"])
    with pytest.raises(NotFound):
        trials.evaluate("no_such_table", {}, org["designer"], xml=TAXES)


def test_the_file_lists_its_decisions_with_their_inputs(org):
    listed = trials.decisions(TAXES, org["designer"])
    assert [(d["id"], d["name"], len(d["inputs"])) for d in listed] == [
        ("transfer_taxes", "二手房交易税费", 7), ("transfer_taxes_seller", "卖方税费", 4),
        ("transfer_taxes_buyer", "买方税费", 4)]



def diamond(layers: int) -> bytes:
    """Decisions in layers of two, each requiring both of the layer below; the last two read x."""
    def decision(name, required):
        needs = "".join(f'<informationRequirement id="r_{name}_{r}"><{kind} href="#{r}"/></informationRequirement>'
                        for kind, r in required)
        return (f'<decision id="{name}" name="{name}">{needs}'
                f'<literalExpression id="e_{name}"><text>1</text></literalExpression></decision>')
    parts = ['<inputData id="x" name="x"/>']
    for layer in range(layers):
        below = [("requiredInput", "x")] if layer == layers - 1 else \
            [("requiredDecision", f"d{layer + 1}a"), ("requiredDecision", f"d{layer + 1}b")]
        parts += [decision(f"d{layer}{side}", below) for side in "ab"]
    return (f'<definitions xmlns="{NS}" id="diamond" name="diamond" namespace="test">' + "".join(parts)
            + "</definitions>").encode()


def test_a_decision_two_others_require_is_walked_once(monkeypatch):
    """A graph where decisions share what they require is walked once per element, not once per
    path (thirty layers of two would take 2^30 steps)."""
    model = load_dmn(diamond(12))
    walked, element = [], type(model).element
    monkeypatch.setattr(type(model), "element", lambda self, element_id: walked.append(element_id) or element(self, element_id))
    assert [i.id for i in model.inputs_of("d0a")] == ["x"]
    assert len(walked) == len(set(walked)) == 2 * 12 - 1 + 1  # d0a, both of each layer below, and x
