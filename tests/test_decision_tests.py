"""试算用例: test cases kept with a decision's key. Every deployment of a changed table (the
designer's, the administration page's, the API's, `run.py deploy`) runs them first: a failing one stops it unless the change is said to be intended, which the
deployment's event records; saving, changing and deleting one are events; `run.py rules test`
runs them on the deployed tables (exit 1 on a failure); the shipped ones come from rules/tests."""
import io

import pytest
from sqlalchemy import select

import run
from engine.config import ROOT
from engine.errors import Forbidden, Invalid, NotFound
from engine.services import activity, decision_tests, deploy
from engine.store.db import read_session
from engine.store.models import DecisionTest, Event

TAXES = (ROOT / "rules" / "transfer_taxes.dmn").read_text(encoding="utf-8")
FILES = [ROOT / "rules" / "tests"]
HOME = {"sellerKind": "person", "propertyType": "housing", "holdingYears": 6, "sellerOnlyHome": True,
        "buyerKind": "person", "buyerHomeCount": 0, "areaM2": 89}
DEED_TAX = [{"tax": "deed_tax", "name": "契税", "rate": 0.01, "base": "price_without_vat", "taxpayer": "buyer"}]
# A county raises the deed tax on a first home up to 140 m² to 1.5%.
RAISED = TAXES.replace('<outputEntry id="transfer_taxes_buyer_r1_o2"><text>0.01</text>',
                       '<outputEntry id="transfer_taxes_buyer_r1_o2"><text>0.015</text>')


@pytest.fixture
def taxes(org):
    deploy.deploy([("transfer_taxes.dmn", TAXES.encode())], org["designer"])
    return decision_tests.save("transfer_taxes", "满五唯一", HOME, DEED_TAX, org["designer"])


def events(kind: str) -> list[Event]:
    with read_session() as session:
        return session.scalars(select(Event).where(Event.type == kind).order_by(Event.id)).all()


def test_a_deployment_that_keeps_the_cases_passing_goes_through(org, taxes):
    same_rates = TAXES.replace("个人首套140平方米及以下", "个人首套140平方米及以下（修订说明）")
    outcome, results = decision_tests.deploy_tried([("transfer_taxes.dmn", same_rates.encode())], org["designer"])
    assert outcome.new and [(r["name"], r["passed"]) for r in results] == [("满五唯一", True)]
    assert "failed_tests" not in events("deployed")[-1].data


def test_a_failing_case_stops_the_deployment_and_says_what_it_expected_and_got(org, taxes):
    with pytest.raises(decision_tests.CasesFailed) as refused:
        decision_tests.deploy_tried([("transfer_taxes.dmn", RAISED.encode())], org["designer"])
    assert [v.version for v in deploy.versions("transfer_taxes", "dmn")] == [1]  # nothing deployed
    [result] = refused.value.results
    assert (result["key"], result["name"], result["passed"]) == ("transfer_taxes", "满五唯一", False)
    assert result["expected"] == DEED_TAX and result["actual"] == [dict(DEED_TAX[0], rate=0.015)]
    [detail] = refused.value.details
    assert detail["element_id"] == "transfer_taxes"
    assert '"rate": 0.01' in detail["message"] and '"rate": 0.015' in detail["message"]


def test_an_intended_change_deploys_and_its_event_names_the_cases_it_failed(org, taxes):
    outcome, results = decision_tests.deploy_tried([("transfer_taxes.dmn", RAISED.encode())], org["designer"],
                                                   intended=True)
    assert outcome.new and not results[0]["passed"]
    assert deploy.versions("transfer_taxes", "dmn")[-1].version == 2
    deployed = events("deployed")[-1]
    assert deployed.data["failed_tests"] == [{"id": taxes["id"], "key": "transfer_taxes", "name": "满五唯一"}]
    assert deployed.actor_id == org["designer"].id


def test_a_case_that_cannot_be_evaluated_fails_with_the_reason(org, taxes):
    """The new table reads an input the case does not give."""
    renamed = TAXES.replace('name="areaM2"', 'name="floorAreaM2"').replace("<text>areaM2</text>", "<text>floorAreaM2</text>")
    with pytest.raises(decision_tests.CasesFailed) as refused:
        decision_tests.deploy_tried([("transfer_taxes.dmn", renamed.encode())], org["designer"])
    [result] = refused.value.results
    assert result["actual"] is None and result["error"] == "input floorAreaM2 is missing"


def test_the_cases_of_every_decision_of_the_file_run_and_a_dry_run_refuses_nothing(org, taxes):
    seller_nothing = decision_tests.save("transfer_taxes_seller", "满五唯一卖方无税", {
        k: HOME[k] for k in ("sellerKind", "propertyType", "holdingYears", "sellerOnlyHome")}, [], org["designer"])
    buyer = decision_tests.save("transfer_taxes_buyer", "首套", {
        k: HOME[k] for k in ("buyerKind", "propertyType", "buyerHomeCount", "areaM2")}, DEED_TAX, org["designer"])
    outcome, results = decision_tests.deploy_tried([("transfer_taxes.dmn", RAISED.encode())], org["designer"],
                                                   dry_run=True)
    assert outcome.id is None and [v.version for v in deploy.versions("transfer_taxes", "dmn")] == [1]
    assert {r["id"]: r["passed"] for r in results} == {taxes["id"]: False, seller_nothing["id"]: True,
                                                        buyer["id"]: False}


def test_a_file_that_does_not_load_is_refused_by_the_deployment_not_by_its_cases(org, taxes):
    with pytest.raises(Invalid) as refused:
        decision_tests.deploy_tried([("transfer_taxes.dmn", b"<definitions")], org["designer"])
    assert not isinstance(refused.value, decision_tests.CasesFailed)


def test_a_deployment_reads_each_dmn_file_once(org, taxes, monkeypatch):
    """Its cases are tried on the tables the deployment read: a dry run, a refusal and a
    deployment each read the file once."""
    from engine.dmn import loader
    read, model = [], loader._Loader.model
    monkeypatch.setattr(loader._Loader, "model", lambda self: read.append(self.filename) or model(self))
    files = [("transfer_taxes.dmn", RAISED.encode())]
    decision_tests.deploy_tried(files, org["designer"], dry_run=True)
    with pytest.raises(decision_tests.CasesFailed):
        decision_tests.deploy_tried(files, org["designer"])
    decision_tests.deploy_tried(files, org["designer"], intended=True)
    assert read == ["transfer_taxes.dmn"] * 3


def test_the_apis_deployment_runs_the_cases_and_deploys_an_intended_change(org, taxes):
    """POST /api/deployments refuses as the designer's 部署 does, each failing case a detail; the
    multipart field intended=true deploys it, the event naming the cases as the designer's does."""
    from tests.test_api import auth
    from web import create_app
    client = create_app({"TESTING": True}).test_client()

    def post(**fields):
        return client.post("/api/deployments", headers=auth("designer"), content_type="multipart/form-data",
                           data=dict(fields, file=[(io.BytesIO(RAISED.encode()), "transfer_taxes.dmn")]))
    refused = post()
    assert refused.status_code == 422 and refused.json["error"]["message"].startswith("1 of 1 test case(s) fail")
    [detail] = refused.json["error"]["details"]
    assert detail["element_id"] == "transfer_taxes" and detail["message"].startswith("test case 满五唯一: expected")
    assert post(intended="yes").status_code == 422  # neither true nor false
    assert post(intended="false").status_code == 422
    assert [v.version for v in deploy.versions("transfer_taxes", "dmn")] == [1]
    assert post(intended="true").status_code == 201
    assert deploy.versions("transfer_taxes", "dmn")[-1].version == 2
    deployed = events("deployed")[-1]
    assert deployed.data["failed_tests"] == [{"id": taxes["id"], "key": "transfer_taxes", "name": "满五唯一"}]
    assert deployed.actor_id == org["designer"].id


def test_run_py_deploy_runs_the_cases_and_deploys_an_intended_change(org, taxes, tmp_path, capsys):
    (tmp_path / "transfer_taxes.dmn").write_text(RAISED, encoding="utf-8")
    assert run.main(["deploy", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "1 of 1 test case(s) fail on the new table" in err and "transfer_taxes: test case 满五唯一: expected" in err
    assert [v.version for v in deploy.versions("transfer_taxes", "dmn")] == [1]
    assert run.main(["deploy", "--intended", str(tmp_path)]) == 0
    assert "dmn\ttransfer_taxes\tversion 2\tnew" in capsys.readouterr().out
    deployed = events("deployed")[-1]
    assert deployed.data["failed_tests"] == [{"id": taxes["id"], "key": "transfer_taxes", "name": "满五唯一"}]
    assert deployed.actor_id is None


def test_the_administration_pages_deployment_runs_the_cases(org, taxes):
    from tests.web import element, signed_in
    from web import create_app
    admin = signed_in(create_app({"TESTING": True, "WTF_CSRF_ENABLED": False}), "admin")

    def post(**fields):
        return admin.post("/admin/deploy", content_type="multipart/form-data",
                          data=dict(fields, files=[(io.BytesIO(RAISED.encode()), "transfer_taxes.dmn")]))
    refused = post()
    assert refused.status_code == 422
    problems = element(refused.get_data(as_text=True), "deploy-problems")
    assert "<code>transfer_taxes</code>" in problems and "满五唯一" in problems
    assert [v.version for v in deploy.versions("transfer_taxes", "dmn")] == [1]
    assert post(intended="1").status_code == 303
    assert events("deployed")[-1].data["failed_tests"][0]["name"] == "满五唯一"


def test_saving_changing_and_deleting_a_case_are_events_listed_in_the_activity_log(org, taxes):
    changed = decision_tests.save("transfer_taxes", "个人满五唯一住房", HOME, DEED_TAX, org["admin"], case_id=taxes["id"])
    assert changed["name"] == "个人满五唯一住房"
    decision_tests.delete(taxes["id"], org["designer"])
    assert decision_tests.cases_of(["transfer_taxes"], org["designer"]) == []
    saved, edited, deleted = events("decision_test_saved")[0], events("decision_test_changed")[0], \
        events("decision_test_deleted")[0]
    assert (saved.actor_id, saved.data["name"]) == (org["designer"].id, "满五唯一")
    assert (edited.actor_id, edited.data["before"]["name"]) == (org["admin"].id, "满五唯一")
    assert deleted.data["inputs"] == HOME and deleted.data["expected"] == DEED_TAX  # what it held is kept
    listed = activity.listed(org["admin"], what="processes")["events"]
    assert [e["type"] for e in listed][:3] == ["decision_test_deleted", "decision_test_changed", "decision_test_saved"]
    assert listed[0]["name"] == "二手房交易税费"  # the decision, by its name


def test_bad_cases_are_refused_and_change_nothing(org, taxes):
    for key, name, inputs in (("transfer_taxes", "满五唯一", HOME),  # the name is taken
                              ("transfer_taxes", " ", HOME), ("transfer_taxes", "x" * 201, HOME),
                              ("transfer_taxes", "列表输入", [1]), ("a/b", "斜杠", HOME),
                              ("transfer_taxes", "过大", {"x": "y" * 70_000})):
        with pytest.raises(Invalid):
            decision_tests.save(key, name, inputs, None, org["designer"])
    with pytest.raises(NotFound):  # a case of another key is not found under this one
        decision_tests.delete(taxes["id"], org["designer"], key="drawing_reviews")
    for login in ("reviewer", "supervisor"):
        with pytest.raises(Forbidden):
            decision_tests.save("transfer_taxes", "审查员的用例", HOME, DEED_TAX, org[login])
        with pytest.raises(Forbidden):
            decision_tests.delete(taxes["id"], org[login])
    assert [c["name"] for c in decision_tests.cases_of(["transfer_taxes"], org["designer"])] == ["满五唯一"]
    assert len(events("decision_test_saved")) == 1 and not events("decision_test_deleted")


def test_a_case_of_the_same_name_saved_at_the_same_moment_is_the_same_refusal(org, taxes):
    """Both passed the check; the unique constraint refuses the second's row, as the check would."""
    from sqlalchemy import insert

    from tests.meanwhile import written_meanwhile
    other = insert(DecisionTest).values(key="transfer_taxes", name="首套", inputs=HOME, expected=DEED_TAX)
    with written_meanwhile(other), pytest.raises(Invalid, match="already has a test case named 首套"):
        decision_tests.save("transfer_taxes", "首套", HOME, DEED_TAX, org["designer"])
    with written_meanwhile(other), pytest.raises(Invalid, match="already has a test case named 首套"):
        decision_tests.save("transfer_taxes", "首套", HOME, DEED_TAX, org["designer"], case_id=taxes["id"])
    assert [c["name"] for c in decision_tests.cases_of(["transfer_taxes"], org["designer"])] == ["满五唯一"]
    assert len(events("decision_test_saved")) == 1 and not events("decision_test_changed")


def test_the_shipped_cases_pass_on_the_shipped_tables_and_load_once(org, capsys):
    deploy.deploy(deploy.collect_files([ROOT / "rules"]), org["designer"])
    assert run.main(["rules", "test", "--file", str(FILES[0])]) == 0
    out = capsys.readouterr().out
    keys = {line.split("\t")[1].split()[0] for line in out.splitlines()}
    assert keys == {"transfer_taxes", "assessments_required", "drawing_reviews"}
    assert all(line.startswith("PASS\t") for line in out.splitlines())

    loaded = decision_tests.load_files(FILES)
    assert all(added for *_, added in loaded) and len(loaded) >= 7
    # A shipped case the designer changed stays as they left it when the files are loaded again.
    home = next(c for c in decision_tests.cases_of(["transfer_taxes"], org["designer"]) if "满五唯一" in c["name"])
    decision_tests.save("transfer_taxes", home["name"], HOME, [], org["designer"], case_id=home["id"])
    assert not any(added for *_, added in decision_tests.load_files(FILES))
    with read_session() as session:
        assert session.get(DecisionTest, home["id"]).expected == []
    assert len(events("decision_tests_loaded")) == 1


def test_rules_test_runs_the_saved_cases_on_the_deployed_table_and_fails_with_exit_1(org, taxes, capsys):
    assert run.main(["rules", "test"]) == 0
    assert capsys.readouterr().out == "PASS\ttransfer_taxes v1\t满五唯一\n"
    deploy.deploy([("transfer_taxes.dmn", RAISED.encode())], org["designer"])  # deploy.deploy tries no cases
    assert run.main(["rules", "test", "transfer_taxes"]) == 1
    captured = capsys.readouterr()
    assert captured.out.startswith("FAIL\ttransfer_taxes v2\t满五唯一: expected [")
    assert '"rate": 0.015' in captured.out and captured.err == "0 passed, 1 failed\n"
    assert run.main(["rules", "test", "drawing_reviews"]) == 0  # another key's: none
    assert capsys.readouterr().err == "no test cases\n"


def test_rules_test_says_a_case_whose_decision_is_not_deployed_fails(org, capsys):
    decision_tests.save("fee_rate", "未部署", {"area": 1}, 1, org["designer"])
    assert run.main(["rules", "test"]) == 1
    assert capsys.readouterr().out == "FAIL\tfee_rate\t未部署: No decision 'fee_rate' is deployed\n"


def test_a_test_file_of_the_wrong_shape_is_refused_by_name(tmp_path):
    (tmp_path / "bad.yaml").write_text("transfer_taxes:\n  - name: 无期望\n    inputs: {}\n", encoding="utf-8")
    with pytest.raises(Invalid, match="bad.yaml"):
        decision_tests.read_files([tmp_path])
    with pytest.raises(NotFound):
        decision_tests.read_files([tmp_path / "missing.yaml"])


@pytest.mark.parametrize("actual, expected, alike", [
    (1, 1.0, True), (0.015, 0.015, True), (True, 1, False), (1, True, False), (None, None, True),
    ([{"a": 1}], [{"a": 1.0}], True), ([1, 2], [2, 1], False), ({"a": 1}, {"a": 1, "b": None}, False),
    ("1", 1, False)])
def test_results_are_compared_as_json_values(actual, expected, alike):
    assert decision_tests.same(actual, expected) is alike
