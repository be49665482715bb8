"""多图联审 through the REST API: rules pick the reviews from the building, one consolidated
correction round at most, one consolidated opinion, digital delivery."""
import base64
import os
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from engine import catalogue
from engine.rules import decide
from engine.services import users
from engine.services.tokens import issue_token
from engine.store import session_scope
from engine.store.models import Material
from tests.procedures import PERMIT, decided_permit, install

ITEM = "1102-HOUS-002"
BASE = {"use": "office", "height_m": 20, "floors": 5, "floor_area": 8000, "underground_depth_m": 0,
        "hazardous_materials": False}


def reviews(**building):
    facts = {**BASE, **building}
    rows = decide("drawing_reviews", use=facts["use"], heightM=facts["height_m"], floors=facts["floors"],
                  floorArea=facts["floor_area"], undergroundDepthM=facts["underground_depth_m"],
                  hazardousMaterials=facts["hazardous_materials"])
    return {r["code"] for r in rows}


@pytest.fixture
def people(org):
    people = install(org)  # the lead department's head signs the joint review's result
    people["housing_head"] = users.add_user("housing_head", "住建局负责人", "housing", ["lead", "reviewer"],
                                            "pass-housing_head")
    return people


@pytest.mark.parametrize("building, extra", [
    ({}, set()),
    ({"use": "stadium", "floor_area": 20001}, {"fire_protection"}),
    ({"use": "stadium", "floor_area": 20000}, set()),
    ({"use": "mall", "floor_area": 10001}, {"fire_protection"}),
    ({"use": "hospital", "floor_area": 2501}, {"fire_protection", "health_telecom"}),
    ({"use": "kindergarten", "floor_area": 1001}, {"fire_protection", "health_telecom"}),
    ({"use": "entertainment", "floor_area": 501}, {"fire_protection"}),
    ({"height_m": 51}, {"fire_protection"}),
    ({"use": "residential", "height_m": 51}, {"health_telecom"}),
    ({"use": "residential", "height_m": 55, "floors": 18}, {"fire_protection", "civil_air_defence", "health_telecom"}),
    ({"floor_area": 40001}, {"fire_protection"}),
    # Over 40,000 m² or 50 m, a public building's fire design is reviewed (令第51号 第十四条第十二项);
    # a residential one below 54 m, or a warehouse, files it (备案) instead.
    ({"use": "residential", "floor_area": 40001}, {"health_telecom"}),
    ({"use": "warehouse", "floor_area": 40001, "height_m": 51}, set()),
    ({"floors": 10}, {"civil_air_defence"}),
    ({"underground_depth_m": 3}, {"civil_air_defence"}),
    ({"hazardous_materials": True}, {"fire_protection", "lightning"}),
    ({"use": "warehouse", "underground_depth_m": 4}, set()),  # 人防 is asked of civil buildings only
    ({"use": "fitness", "floor_area": 2501}, {"fire_protection"}),  # every use the rules name is on the form
    ({"use": "ward", "floor_area": 1001}, {"fire_protection"}),
])
def test_each_review_trigger(people, building, extra):
    assert reviews(**building) == {"planning", "construction"} | extra


def test_civil_air_defence_is_for_civil_buildings(people):
    assert "civil_air_defence" in reviews(use="office", floors=12)
    assert "civil_air_defence" not in reviews(use="workshop", floors=12)


def _auth(login):
    return {"Authorization": f"Bearer {issue_token(login)}"}


def _b64(text):
    return base64.b64encode(text.encode()).decode()


def test_drawing_review_end_to_end_over_rest(people):
    from web import create_app
    client = create_app({"TESTING": True}).test_client()
    materials = [{"kind": m["code"], "filename": f"{m['code']}.pdf", "content_base64": _b64("%PDF " + m["code"])}
                 for m in catalogue.get(ITEM).data["materials"] if m.get("mandatory")]
    building = {**BASE, "use": "residential", "height_m": 60, "floors": 20}
    res = client.post("/api/cases", headers=_auth("clerk"), json={
        "item": ITEM, "applicant": {"name": "某建设公司", "kind": "company", "id_number": "91110000MA01DRAW29"},
        "form": {"building": building}, "materials": materials})
    assert res.status_code == 201, res.json
    case_id = res.json["id"]
    res = client.post(f"/api/cases/{case_id}/accept", headers=_auth("clerk"), json={})
    assert res.status_code == 200 and res.json["status"] == "accepted"
    instance_id = res.json["instance_id"]
    # The case, with the applicant's identity, is read by the window and the departments working
    # on it; a department its procedure has not reached gets 403.
    assert client.get(f"/api/cases/{case_id}", headers=_auth("r_fire")).json["id"] == case_id
    res = client.get(f"/api/cases/{case_id}", headers=_auth("r_health"))
    assert res.status_code == 403 and "applicant" not in res.get_data(as_text=True)

    def open_tasks(login):
        res = client.get(f"/api/tasks?instance_id={instance_id}", headers=_auth(login))
        return {t["group"]: t for t in res.json}

    everyone = open_tasks("admin")
    assert set(everyone) == {"natres", "drawing", "fire", "airdef", "telecom"}
    # A department sees only its own review.
    assert set(open_tasks("r_fire")) == {"fire"}
    # Another department's task, or none: refused before the document is stored.
    files_dir = Path(os.environ["SHENPI_FILES_DIR"])
    kept = sorted(files_dir.rglob("*"))
    sneaked = {"data": {}, "documents": [{"filename": "x.pdf", "content_base64": _b64("%PDF not yours")}]}
    res = client.post(f"/api/tasks/{everyone['natres']['id']}/complete", headers=_auth("r_fire"), json=sneaked)
    assert res.status_code == 403
    assert client.post("/api/tasks/999999/complete", headers=_auth("r_fire"), json=sneaked).status_code == 404
    assert sorted(files_dir.rglob("*")) == kept

    def review(login, group, data, documents=True):
        task = everyone[group] if group in everyone else open_tasks(login)[group]
        assert client.post(f"/api/tasks/{task['id']}/claim", headers=_auth(login)).status_code == 200
        docs = [{"filename": f"{group}.pdf", "content_base64": _b64("%PDF opinion")}] if documents else []
        return client.post(f"/api/tasks/{task['id']}/complete", headers=_auth(login),
                           json={"data": data, "documents": docs})

    ok = {"opinion": "approve", "comment": "符合要求"}
    res = review("r_fire", "fire", ok, documents=False)
    assert res.status_code == 422 and "result document" in res.json["error"]["message"]
    assert review("r_fire", "fire", ok).status_code == 200
    for login, group in (("r_natres", "natres"), ("r_airdef", "airdef"), ("r_telecom", "telecom")):
        assert review(login, group, ok).status_code == 200
    # 退回 to the window over the API: the construction review needs corrections.
    task = everyone["drawing"]
    client.post(f"/api/tasks/{task['id']}/claim", headers=_auth("r_drawing"))
    res = client.post(f"/api/tasks/{task['id']}/return", headers=_auth("r_drawing"),
                      json={"to": "window", "reason": "结构计算书缺失"})
    assert res.status_code == 200, res.json
    window = open_tasks("clerk")["window"]
    assert client.post(f"/api/tasks/{window['id']}/claim", headers=_auth("clerk")).status_code == 200
    confirm = {"data": {"materials_received": True}}
    res = client.post(f"/api/tasks/{window['id']}/complete", headers=_auth("clerk"), json=confirm)
    assert res.status_code == 409 and "handed in nothing" in res.json["error"]["message"]  # nothing came in yet
    revised = {"materials": [{"kind": "drawings", "filename": "drawings-v2.pdf", "content_base64": _b64("%PDF v2")}]}
    assert client.post(f"/api/cases/{case_id}/supply", headers=_auth("r_drawing"), json=revised).status_code == 403
    res = client.post(f"/api/cases/{case_id}/supply", headers=_auth("clerk"), json=revised)
    assert res.status_code == 200 and res.json["status"] == "review_correction"
    res = client.post(f"/api/tasks/{window['id']}/complete", headers=_auth("clerk"), json=confirm)
    assert res.status_code == 200
    everyone = open_tasks("admin")
    assert set(everyone) == {"drawing"}  # only the department that asked reviews again
    assert review("r_drawing", "drawing", ok).status_code == 200

    assert "housing" not in open_tasks("reviewer")  # the department's head decides, not its reviewers
    lead = open_tasks("housing_head")["housing"]
    refused = client.post(f"/api/tasks/{lead['id']}/claim", headers=_auth("reviewer"))
    assert refused.status_code == 403 and "head" in refused.json["error"]["message"]
    assert client.post(f"/api/tasks/{lead['id']}/claim", headers=_auth("housing_head")).status_code == 200
    res = client.post(f"/api/tasks/{lead['id']}/complete", headers=_auth("housing_head"),
                      json={"data": {"decision": "approve", "decision_comment": "审查合格"},
                            "documents": [{"filename": "审查合格书.pdf", "content_base64": _b64("%PDF 合格书")}]})
    assert res.status_code == 200 and res.json["state"] == "completed"
    res = client.post(f"/api/cases/{case_id}/deliver", headers=_auth("clerk"), json={"method": "electronic"})
    assert res.status_code == 409 and "no online account" in res.json["error"]["message"]  # nowhere to read it
    from engine import signin
    from engine.store.models import Case
    with session_scope() as session:  # the company opens its online account
        signin.give_password(session.get(Case, case_id).applicant, "company-pw1")
    res = client.post(f"/api/cases/{case_id}/deliver", headers=_auth("clerk"), json={"method": "electronic"})
    assert res.status_code == 200
    case = res.json
    assert case["status"] == "delivered" and case["decision"] == "approve"
    assert case["delivery"]["method"] == "electronic"
    notices = [n["kind"] for n in case["notices"]]
    assert notices == ["acceptance", "review_correction", "receipt"]
    # The receipt lists what was handed over; delivered electronically, it asks for no signature.
    receipt = case["notices"][-1]
    from tests.web import signed_in
    window = signed_in(create_app({"TESTING": True, "WTF_CSRF_ENABLED": False}), "clerk")
    printed = window.get(f"/intake/notices/{receipt['id']}").text
    listed = re.search(r'id="documents">.*?</table>', printed, re.S).group(0)
    assert "审查合格书.pdf" in listed and "fire.pdf" in listed and "签收人" not in printed and "电子送达" in printed
    issued_by = {file: by.strip() for by, file in re.findall(r'<td class="issuer">([^<]*)</td>\s*<td>([^<]*)</td>', listed)}
    assert issued_by["fire.pdf"] == "fire" and issued_by["审查合格书.pdf"] == "housing"  # each by its department
    instance = client.get(f"/api/instances/{instance_id}", headers=_auth("admin")).json
    assert len(instance["data"]["opinions"]) == 5
    assert [o["round"] for o in instance["data"]["opinions"] if o["code"] == "construction"] == [2]


def test_a_second_correction_round_is_not_offered(people):
    """One consolidated correction round: in the last round a review may not ask for corrections
    again (it would reach nobody), and the lead is warned of a review that did not pass."""
    from engine import corrections, intake, operations
    from engine.errors import Invalid
    from tests.procedures import open_tasks, take_in, work
    from tests.web import element, signed_in
    from web import create_app
    case = take_in(ITEM, {"building": BASE}, people["clerk"])
    bad = {"opinion": "correction_needed", "comment": "需修改", "correction_items": "消防通道宽度不足"}
    tasks = open_tasks(case.instance_id)
    work(tasks["department_review@natres"], people["r_natres"], {"opinion": "approve", "comment": "同意"})
    work(tasks["department_review@drawing"], people["r_drawing"], bad, document=False)
    corrections.supply(case.id, [intake.Upload("drawings", "drawings-v2.pdf", b"%PDF v2")], people["clerk"])
    work(open_tasks(case.instance_id)["window_correction@window"], people["clerk"],
         {"materials_received": True}, document=False)
    last = open_tasks(case.instance_id)["department_review@drawing"]
    with pytest.raises(Invalid) as refused:
        work(last, people["r_drawing"], bad, document=False)
    assert "最后一轮审查，不能再要求补正" in str(refused.value.message)
    # Nor by sending it back to the window, which the step is no longer offered.
    assert operations.send_back_targets(last.id, people["r_drawing"]) == []
    with pytest.raises(Invalid, match="最后一轮审查"):
        operations.send_back(last.id, people["r_drawing"], to="window", reason="消防通道宽度仍不足")
    assert open_tasks(case.instance_id)["department_review@drawing"].state == "ready"  # nothing moved
    work(last, people["r_drawing"], {"opinion": "reject", "comment": "消防通道宽度仍不足"})
    lead = open_tasks(case.instance_id)["lead_decision@housing"]
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    page = signed_in(app, "housing_head").get(f"/inbox/tasks/{lead.id}").text
    assert "不同意" in element(page, "opinions-against")
    work(lead, people["housing_head"], {"decision": "reject", "decision_comment": "补正后仍不合格"})
    assert intake.describe(case.id)["decision"] == "reject"


def test_the_lead_is_warned_of_a_request_for_corrections_left_standing(people):
    """A case on a version deployed before the last round refused requests may reach the lead with one."""
    from flask import render_template
    from tests.web import element
    from web import create_app
    opinion = {"code": "fire", "name": "消防审查", "department": "fire", "opinion": "correction_needed",
               "comment": "需修改", "conditions": "", "correction_items": "消防通道宽度不足"}
    with create_app({"TESTING": True}).test_request_context():
        html = render_template("inbox/_opinions.html", task={"instance": {"data": {"opinions": [opinion]}}})
    assert "消防审查" in element(html, "opinions-unanswered") and "消防通道宽度不足" in html
    assert 'id="opinions-against"' not in html


def test_a_planning_permit_natres_granted_is_not_asked_for_again(people):
    """一次采集、多次复用: the permit natres's granted case issued is filed under the company, and
    the drawing review, which asks for it as issued by natres, takes it from there. A refused
    permit case files nothing; another company's permit is not theirs."""
    from engine import intake
    from engine.errors import Invalid
    from tests.procedures import open_tasks, take_in, work
    other = {"name": "另一家公司", "kind": "company", "id_type": "uscc", "id_number": "91350100M000100Y43",
             "phone": "13900000001"}
    decided_permit(people, "reject", applicant=other)
    with pytest.raises(Invalid, match="cannot be accepted"):  # nothing filed: the drawing review still asks this company for it
        take_in(ITEM, {"building": BASE}, people["clerk"], applicant=other, skip={"planning_permit"})

    permit = take_in(PERMIT, {}, people["clerk"])
    review = open_tasks(permit.instance_id)["department_review@natres"]
    assert review.title == "建设工程规划许可证核发（承办审查）"
    work(review, people["r_natres"], {"opinion": "approve", "comment": "符合规划条件"})
    work(open_tasks(permit.instance_id)["lead_decision@natres"], people["r_natres"],
         {"decision": "approve", "decision_comment": "准予核发"})
    assert intake.describe(permit.id)["decision"] == "approve"

    case = take_in(ITEM, {"building": BASE}, people["clerk"], skip={"planning_permit"})
    rows = {r["code"]: r for r in intake.describe(case.id)["materials"]}
    assert case.status == "accepted" and rows["planning_permit"]["state"] == "reused"
    with session_scope() as session:
        original = session.get(Material, rows["planning_permit"]["reused_from"])
        decision_document = session.scalar(select(Material).where(
            Material.case_id == permit.id, Material.kind == "result:lead_decision"))
        assert (original.case_id, original.issued_by) == (permit.id, "natres")
        assert original.sha256 == decision_document.sha256  # the head's signed decision is the permit


@pytest.mark.parametrize("issues", ["planning_permit", {"code": "planning permit", "name": "建设工程规划许可证"},
                                    {"code": "planning_permit"}, {"code": "planning_permit", "name": "证", "valid_years": 0},
                                    {"code": "planning_permit", "name": "证", "valid_years": True}])
def test_what_an_item_issues_is_a_code_a_name_and_whole_years(issues):
    import yaml
    from engine.errors import Invalid
    item = yaml.safe_load((Path(__file__).parent.parent / "processes" / "items" / "planning_permit.yaml").read_text())
    assert catalogue.validate(dict(item)) and catalogue.validate({**item, "issues": {**item["issues"], "valid_years": 3}})
    with pytest.raises(Invalid, match="issues"):
        catalogue.validate({**item, "issues": issues})


def test_the_portal_form_says_which_papers_are_on_file(people):
    """Applying online, the company is told the permit natres issued it is on file: no upload asked."""
    from engine import intake, portal
    from web import create_app
    permit = decided_permit(people)
    assert intake.kept_for(permit.applicant_id, ITEM) == {"planning_permit", "business_licence"}
    portal.register(name="某某科技有限公司", kind="company", id_type="uscc", id_number="91110000MA01ABCD2Q",
                    phone="13900000000", password="secret-pw1", case_number=permit.number)
    company = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False}).test_client()
    assert company.post("/portal/login", data={"identifier": "13900000000", "password": "secret-pw1"}).status_code == 302
    form = company.get(f"/portal/items/{ITEM}/apply").text
    assert 'id="kept-planning_permit"' in form and 'name="m-planning_permit"' not in form
    assert 'name="m-drawings"' in form  # what belongs to this application is still asked for


def test_a_drawing_review_report_delivered_in_a_review_correction_is_not_its_answer(people):
    """The 审图机构's report is no revised drawing: delivered while the applicant owes the review
    round's correction, it is kept, but the correction stays unanswered (the window cannot confirm
    it, and it can still lapse 逾期未补正)."""
    from engine import agencies, case_status, intake
    from engine.store.models import Case, Event
    from tests.procedures import open_tasks, take_in, work
    from tests.test_agencies import CODE
    case = take_in(ITEM, {"building": BASE}, people["clerk"])
    review = agencies.register(people["admin"], name="甲审图中心", credit_code=CODE,
                               services={"drawing_review": 10})
    commission = agencies.commission(case.id, review.id, "drawing_review", applicant_id=case.applicant_id)
    tasks = open_tasks(case.instance_id)
    work(tasks["department_review@natres"], people["r_natres"], {"opinion": "approve", "comment": "同意"})
    work(tasks["department_review@drawing"], people["r_drawing"],
         {"opinion": "correction_needed", "comment": "需修改", "correction_items": "消防通道宽度不足"}, document=False)
    agencies.deliver(case.id, commission.id, intake.Upload("report", "审查报告.pdf", b"%PDF review"),
                     applicant_id=case.applicant_id)
    with session_scope() as session:
        assert session.get(Case, case.id).status == "review_correction"
        assert case_status.review_correction(session, case.id)[1] is False
        assert session.scalar(select(Event.id).where(Event.case_id == case.id,
                                                     Event.type == "materials_supplied")) is None
        assert session.scalar(select(Material.kind).where(Material.case_id == case.id,
                                                          Material.kind == "report:drawing_review"))
