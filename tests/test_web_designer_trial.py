"""试算 on the rule modeler's page and over the API: the decisions of the XML on screen with their
inputs, a trial, test cases saved and deleted; the modeler's validation and deployment with the
saved cases; who may do it. Every API answer is held to the OpenAPI document (tests/api_contract.py)."""
import json

import pytest

from engine.config import ROOT
from engine.services import decision_tests, deploy
from engine.services.tokens import issue_token
from tests.web import csrf_token, signed_in

TAXES = (ROOT / "rules" / "transfer_taxes.dmn").read_text(encoding="utf-8")
RAISED = TAXES.replace('<outputEntry id="transfer_taxes_buyer_r1_o2"><text>0.01</text>',
                       '<outputEntry id="transfer_taxes_buyer_r1_o2"><text>0.015</text>')
BUYER = {"propertyType": "housing", "buyerHomeCount": 0, "areaM2": 89, "buyerKind": "person"}
DEED_TAX = [{"tax": "deed_tax", "name": "契税", "rate": 0.01, "base": "price_without_vat", "taxpayer": "buyer"}]


@pytest.fixture
def app(org):
    from web import create_app
    deploy.deploy([("transfer_taxes.dmn", TAXES.encode())], org["designer"])
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})


def test_the_rule_modeler_page_carries_the_trial_panel(app):
    html = signed_in(app, "designer").get("/designer/dmn/transfer_taxes").text
    assert 'id="trial"' in html and "/static/trial.js" in html and 'id="deploy-intended"' in html
    config = json.loads(html.split('<script type="application/json" id="trial-config">')[1].split("</script>")[0])
    assert config["key"] == "transfer_taxes" and config["urls"]["evaluate"] == "/designer/dmn/evaluate"
    process_page = signed_in(app, "designer").get("/designer/bpmn/new").text
    assert 'id="trial"' not in process_page and "trial.js" not in process_page


def test_the_page_lists_the_decisions_of_the_xml_on_screen_with_their_cases(app, org):
    decision_tests.save("transfer_taxes_buyer", "首套", BUYER, DEED_TAX, org["designer"])
    answer = signed_in(app, "designer").post("/designer/dmn/decisions", data={"xml": TAXES}).json
    assert answer["ok"] and [d["id"] for d in answer["decisions"]] == [
        "transfer_taxes", "transfer_taxes_seller", "transfer_taxes_buyer"]
    assert [(c["key"], c["name"]) for c in answer["cases"]] == [("transfer_taxes_buyer", "首套")]


def test_a_trial_of_the_unsaved_xml_answers_the_rows_and_their_outputs(app):
    client = signed_in(app, "designer")
    answer = client.post("/designer/dmn/evaluate", data={"xml": RAISED, "key": "transfer_taxes_buyer",
                                                         "inputs": json.dumps(BUYER)})
    assert answer.status_code == 200 and answer.json["ok"]
    [step] = answer.json["decisions"]
    assert step["matched"] == [1] and step["applied"][0]["outputs"][2] == 0.015


def test_a_missing_input_is_said_in_chinese_with_its_element(app):
    answer = signed_in(app, "designer").post("/designer/dmn/evaluate", data={
        "xml": TAXES, "key": "transfer_taxes_buyer", "inputs": json.dumps(dict(BUYER, areaM2=None) | {"x": 1})})
    assert answer.status_code == 422 and not answer.json["ok"]
    assert [p["element_id"] for p in answer.json["problems"]] == [None]  # areaM2 given (null): x is not read
    missing = {k: v for k, v in BUYER.items() if k != "areaM2"}
    answer = signed_in(app, "designer").post("/designer/dmn/evaluate", data={
        "xml": TAXES, "key": "transfer_taxes_buyer", "inputs": json.dumps(missing)})
    [problem] = answer.json["problems"]
    assert problem["element_id"] == "transfer_taxes_input_areaM2" and problem["message"] == "缺少输入项 areaM2"
    for inputs in ("[1]", "{", "NaN"):
        refused = signed_in(app, "designer").post("/designer/dmn/evaluate", data={
            "xml": TAXES, "key": "transfer_taxes_buyer", "inputs": inputs})
        assert refused.status_code == 422


def test_a_case_is_saved_changed_and_deleted_from_the_page(app, org):
    client = signed_in(app, "designer")
    saved = client.post("/designer/dmn/cases", data={"key": "transfer_taxes_buyer", "name": "首套",
                                                     "inputs": json.dumps(BUYER), "expected": json.dumps(DEED_TAX)})
    assert saved.status_code == 201 and saved.json["message"] == "试算用例“首套”已保存"
    case_id = saved.json["case"]["id"]
    changed = client.post("/designer/dmn/cases", data={"key": "transfer_taxes_buyer", "name": "首套89平方米",
                                                       "id": case_id, "inputs": json.dumps(BUYER), "expected": "[]"})
    assert changed.status_code == 200 and changed.json["case"]["expected"] == []
    taken = client.post("/designer/dmn/cases", data={"key": "transfer_taxes_buyer", "name": "首套89平方米",
                                                     "inputs": "{}", "expected": "null"})
    assert taken.status_code == 422 and "首套89平方米" in taken.json["message"]
    infinite = client.post("/designer/dmn/cases", data={"key": "transfer_taxes_buyer", "name": "无穷",
                                                        "inputs": "{}", "expected": '{"rate": 1e999}'})
    assert infinite.status_code == 422  # no JSON number (Python reads it as inf; PostgreSQL's json refuses it)
    assert client.post(f"/designer/dmn/cases/{case_id}/delete", data={"key": "transfer_taxes"}).status_code == 404
    assert client.post(f"/designer/dmn/cases/{case_id}/delete", data={"key": "transfer_taxes_buyer"}).json["ok"]
    assert decision_tests.cases_of(["transfer_taxes_buyer"], org["designer"]) == []


def test_the_modelers_deployment_runs_the_cases_and_an_intended_change_deploys(app, org):
    decision_tests.save("transfer_taxes_buyer", "首套", BUYER, DEED_TAX, org["designer"])
    client = signed_in(app, "designer")
    form = {"kind": "dmn", "key": "transfer_taxes", "xml": RAISED}
    checked = client.post("/designer/validate", data=form).json
    assert checked["ok"] and [t["passed"] for t in checked["tests"]] == [False]
    assert "1 个试算用例未通过（共 1 个）" in checked["message"]
    refused = client.post("/designer/deploy", data=form)
    assert refused.status_code == 422 and refused.json["tests"][0]["actual"][0]["rate"] == 0.015
    assert "试算用例" in refused.json["message"] and refused.json["problems"][0]["element_id"] == "transfer_taxes_buyer"
    assert [v.version for v in deploy.versions("transfer_taxes", "dmn")] == [1]
    deployed = client.post("/designer/deploy", data=dict(form, intended="1"))
    assert deployed.status_code == 201 and deployed.json["tests"][0]["passed"] is False
    assert [v.version for v in deploy.versions("transfer_taxes", "dmn")] == [1, 2]
    log = signed_in(app, "admin").get("/admin/activity?what=processes").text
    assert "改动有意为之，未通过的试算用例：transfer_taxes_buyer：首套" in log


@pytest.mark.parametrize("login", ["reviewer", "clerk", "supervisor"])
def test_only_designers_try_and_keep_cases(app, org, login):
    client = signed_in(app, login)
    assert client.post("/designer/dmn/decisions", data={"xml": TAXES}).status_code == 403
    assert client.post("/designer/dmn/evaluate", data={"xml": TAXES, "key": "transfer_taxes_buyer",
                                                       "inputs": json.dumps(BUYER)}).status_code == 403
    assert client.post("/designer/dmn/cases", data={"key": "transfer_taxes_buyer", "name": "x", "inputs": "{}",
                                                    "expected": "null"}).status_code == 403
    assert decision_tests.cases_of(["transfer_taxes_buyer"], org["designer"]) == []
    admin = signed_in(app, "admin").post("/designer/dmn/evaluate", data={
        "xml": TAXES, "key": "transfer_taxes_buyer", "inputs": json.dumps(BUYER)})
    assert admin.status_code == 200


def test_saving_a_case_needs_the_pages_csrf_token(org):
    from web import create_app
    app = create_app({"TESTING": True})
    client = app.test_client()
    client.post("/login", data={"login": "designer", "password": "pass-designer",
                                "csrf_token": csrf_token(client.get("/login").text)})
    case = {"key": "fee", "name": "x", "inputs": "{}", "expected": "null"}
    assert client.post("/designer/dmn/cases", data=case).status_code == 400
    assert decision_tests.cases_of(["fee"], org["designer"]) == []
    headers = {"X-CSRFToken": csrf_token(client.get("/designer/").text)}  # what trial.js sends
    assert client.post("/designer/dmn/cases", data=case, headers=headers).status_code == 201


# --- POST /api/decisions/{key}/evaluate ----------------------------------------------------------------

def api(app, login, key, body):
    return app.test_client().post(f"/api/decisions/{key}/evaluate", json=body,
                                  headers={"Authorization": f"Bearer {issue_token(login)}"})


def test_the_api_evaluates_the_deployed_version_or_the_xml_sent(app):
    deployed = api(app, "designer", "transfer_taxes_buyer", {"inputs": BUYER})
    assert deployed.status_code == 200
    assert (deployed.json["version"], deployed.json["result"]) == (1, DEED_TAX)
    sent = api(app, "admin", "transfer_taxes_buyer", {"inputs": BUYER, "xml": RAISED})
    assert sent.json["version"] is None and sent.json["result"][0]["rate"] == 0.015
    assert sent.json["decisions"][0]["applied"] == [{"row": 1, "outputs": [
        "deed_tax", "契税", 0.015, "price_without_vat", "buyer"]}]


def test_the_api_refuses_clearly(app):
    missing = api(app, "designer", "transfer_taxes_buyer", {"inputs": {"propertyType": "housing"}})
    assert missing.status_code == 422
    assert [d["element_id"] for d in missing.json["error"]["details"]] == [
        "transfer_taxes_input_buyerHomeCount", "transfer_taxes_input_areaM2", "transfer_taxes_input_buyerKind"]
    assert missing.json["error"]["details"][0]["message"] == "input buyerHomeCount is missing"
    assert api(app, "designer", "transfer_taxes_buyer", {"inputs": BUYER, "data": {}}).status_code == 422
    assert api(app, "designer", "transfer_taxes_buyer", {"inputs": [1]}).status_code == 422
    assert api(app, "designer", "transfer_taxes_buyer", {"inputs": BUYER, "xml": 5}).status_code == 422
    assert api(app, "designer", "no_such_table", {"inputs": {}}).status_code == 404
    assert api(app, "reviewer", "transfer_taxes_buyer", {"inputs": BUYER}).status_code == 403
    assert app.test_client().post("/api/decisions/transfer_taxes_buyer/evaluate", json={}).status_code == 401
