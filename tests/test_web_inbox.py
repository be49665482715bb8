"""The reviewers' inbox and task page through Flask: lists, claims, the form, materials, diagram, permissions."""
import io
import json
import re

import pytest
from sqlalchemy import update

from engine import catalogue, intake
from engine.services import cases, deploy, progress, tasks
from engine.store import session_scope
from engine.store.models import Material
from tests.bpmn_builder import process
from tests.web import csrf_token, element, signed_in as client

FORM = {"type": "object", "required": ["decision"],
        "properties": {"decision": {"type": "string", "title": "审查结论", "enum": ["approve", "reject"],
                                    "enumNames": ["同意", "不同意"]},
                       "area": {"type": "number", "title": "面积", "minimum": 0},
                       "floors": {"type": "integer", "title": "层数"},
                       "urgent": {"type": "boolean", "title": "加急"},
                       "remarks": {"type": "string", "title": "说明", "format": "textarea"},
                       "opinion": {"type": "string", "title": "审查意见", "enum": ["fine", "not_fine"]}}}


def _review(pid: str, lane: str) -> str:
    return process(pid, [("start", "s", "申请"), ("user", "review", "部门审查", {"form": "review.json"}),
                         ("end", "e", "办结")], [("s", "review"), ("review", "e")], lanes={lane: ["review"]})


def _item(code: str, pid: str, department: str) -> dict:
    return {"code": code, "name": f"测试事项{code}", "kind": "licence", "department": department,
            "case_type": "promised", "statutory_days": 20, "promised_days": 10, "process": pid,
            "materials": [{"code": "id_card", "name": "身份证明", "mandatory": True},
                          {"code": "plan", "name": "设计方案", "mandatory": False}]}


TWO_STEPS = process("two_steps", [("start", "s", "开始"), ("user", "check", "初审"), ("user", "review", "复审"),
                                  ("end", "e", "办结")], [("s", "check"), ("check", "review"), ("review", "e")],
                    lanes={"housing": ["check", "review"]})
APPLICANT = {"name": "张三", "id_number": "110101199001011237", "phone": "13800000000"}


@pytest.fixture
def app(org):
    from web import create_app
    deploy.deploy([("housing.bpmn", _review("housing_review", "住建局 (housing)").encode()),
                   ("tax.bpmn", _review("tax_review", "tax").encode()),
                   ("two.bpmn", TWO_STEPS.encode()), ("review.json", json.dumps(FORM).encode())],
                  org["designer"])
    catalogue.save(_item("H-1", "housing_review", "housing"), None)
    catalogue.save(_item("T-1", "tax_review", "tax"), None)
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})


def accepted_case(org, code="H-1"):
    case = intake.submit(code, APPLICANT, [intake.Upload("id_card", "id.pdf", b"%PDF id card")], org["clerk"])
    return intake.accept(case.id, org["clerk"])


def task_of(org, case, login="admin"):
    [task] = tasks.list_tasks(org[login], instance_id=case.instance_id)
    return task


def test_inbox_lists_group_tasks_with_clock_level_and_days_left(app, org):
    case = accepted_case(org)
    accepted_case(org, "T-1")  # another department's case: not in the housing inbox
    html = client(app, "reviewer").get("/inbox/").get_data(as_text=True)
    unclaimed = element(html, "unclaimed")
    assert "部门审查" in unclaimed and case.number in unclaimed
    assert unclaimed.count("data-task-id") == 1
    assert 'data-level="normal"' in unclaimed and "剩余 10 个工作日" in unclaimed
    assert "暂无" in element(html, "mine")


def test_pages_name_departments_roles_and_people_not_their_codes(app, org):
    from sqlalchemy import update
    from engine.services.users import ensure_department
    from engine.store import session_scope
    from engine.store.models import User
    with session_scope() as session:
        ensure_department(session, "housing", "住建局")
        session.execute(update(User).where(User.login == "reviewer").values(name="李强"))
    task = task_of(org, accepted_case(org))
    reviewer = client(app, "reviewer")
    assert "<td>住建局</td>" in element(reviewer.get("/inbox/").text, "unclaimed")
    tasks.claim(task["id"], org["reviewer"])
    page = reviewer.get(f"/inbox/tasks/{task['id']}").text
    assert "<dd>住建局</dd>" in page and re.search(r'id="assignee" data-login="reviewer">李强<', page)
    assert '<option value="reviewer" label="李强 · 住建局">' in page  # transfer and copy pick people by name
    from web import names
    with app.test_request_context():
        assert names.group_name("lead") == "部门负责人" and names.group_name(None) == "—"
        assert names.group_name("nowhere") == "nowhere" and names.person_name("nobody") == "nobody"


def test_claim_then_second_reviewer_is_refused_then_unclaim(app, org):
    task = task_of(org, accepted_case(org))
    first, second = client(app, "reviewer"), client(app, "reviewer2")
    res = first.post(f"/inbox/tasks/{task['id']}/claim")
    assert res.status_code == 303 and res.location.endswith(f"/inbox/tasks/{task['id']}")
    assert str(task["id"]) in element(first.get("/inbox/").get_data(as_text=True), "mine")
    refused = second.post(f"/inbox/tasks/{task['id']}/claim")
    assert refused.status_code == 409 and "reviewer" in refused.get_data(as_text=True)
    assert tasks.list_tasks(org["admin"])[0]["assignee"] == "reviewer"
    not_theirs = second.post(f"/inbox/tasks/{task['id']}/unclaim")  # refused: back to the task
    assert not_theirs.status_code == 303 and not_theirs.location.endswith(f"/inbox/tasks/{task['id']}")
    assert tasks.list_tasks(org["admin"])[0]["assignee"] == "reviewer"
    released = first.post(f"/inbox/tasks/{task['id']}/unclaim")  # done: back to the inbox
    assert released.status_code == 303 and released.location.endswith("/inbox/")
    assert tasks.list_tasks(org["admin"])[0]["assignee"] is None


def test_task_page_shows_case_materials_form_and_diagram_markers(app, org):
    case = accepted_case(org)
    task = task_of(org, case)
    reviewer = client(app, "reviewer")
    reviewer.post(f"/inbox/tasks/{task['id']}/claim")
    html = reviewer.get(f"/inbox/tasks/{task['id']}").get_data(as_text=True)
    assert case.number in html and "身份证明" in html and "测试事项H-1" in html
    assert '<option value="approve"' in html and ">同意<" in html          # enum as a select
    assert 'name="remarks"' in html and "<textarea" in html                # textarea
    assert 'type="checkbox" name="urgent"' in html                          # boolean
    assert 'data-active="[&#34;review&#34;]"' in html
    assert "&#34;s&#34;" in re.search(r'data-completed="([^"]*)"', html).group(1)
    xml = reviewer.get(f"/inbox/instances/{case.instance_id}/diagram.xml")
    assert xml.status_code == 200 and xml.mimetype == "application/xml"
    assert xml.headers["Content-Security-Policy"].startswith("sandbox")  # opened alone, runs nothing
    assert b"BPMNDiagram" in xml.data and b'id="review"' in xml.data  # laid out for bpmn-js
    history = element(html, "history")
    assert "流程启动" in history and "认领" in history and "clerk" in history


def test_material_view_and_download(app, org):
    case = accepted_case(org)
    material_id = next(m["material_id"] for m in intake.describe(case.id)["materials"] if m["code"] == "id_card")
    res = client(app, "reviewer").get(f"/inbox/materials/{material_id}")
    assert res.status_code == 200 and res.data == b"%PDF id card"
    assert "attachment" in res.headers["Content-Disposition"] and "id.pdf" in res.headers["Content-Disposition"]
    viewed = client(app, "reviewer").get(f"/inbox/materials/{material_id}?view=1")
    assert "inline" in viewed.headers["Content-Disposition"] and viewed.mimetype == "application/pdf"
    assert "Content-Security-Policy" not in viewed.headers  # the browser's PDF viewer is a plugin


@pytest.mark.parametrize("filename", ["id.html", "id.svg", "id.xhtml", "id"])
def test_a_material_that_could_run_script_is_downloaded_never_opened(app, org, filename):
    # A PDF's header, then a page: a polyglot gets past the content check (engine/files.SIGNATURES).
    script = b"%PDF-1.4\n<html><script>fetch('/inbox/')</script><svg xmlns='http://www.w3.org/2000/svg' onload='x()'/>"
    case = intake.submit("H-1", APPLICANT, [intake.Upload("id_card", "id.pdf", script)], org["clerk"])
    case = intake.accept(case.id, org["clerk"])
    material_id = intake.describe(case.id)["materials"][0]["material_id"]
    with session_scope() as session:  # handed in before such files were refused at the door
        session.execute(update(Material).where(Material.id == material_id).values(filename=filename))
    viewed = client(app, "reviewer").get(f"/inbox/materials/{material_id}?view=1")
    assert viewed.status_code == 200 and viewed.data == script
    assert viewed.headers["Content-Disposition"].startswith("attachment")
    assert viewed.mimetype == "application/octet-stream" and viewed.headers["X-Content-Type-Options"] == "nosniff"


def test_complete_validates_on_the_server_and_shows_field_errors(app, org):
    case = accepted_case(org)
    task = task_of(org, case)
    reviewer = client(app, "reviewer")
    reviewer.post(f"/inbox/tasks/{task['id']}/claim")
    bad = reviewer.post(f"/inbox/tasks/{task['id']}/complete", data={"area": "-3", "floors": "x"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert re.search(r'data-field="decision">.*?此项必填', html, re.S)
    assert re.search(r'data-field="area">.*?field-error">不能小于 0<', html, re.S)
    assert re.search(r'data-field="floors">.*?field-error">请填写整数<', html, re.S)
    assert 'value="-3"' in html  # what was typed is kept
    ok = reviewer.post(f"/inbox/tasks/{task['id']}/complete",
                       data={"decision": "approve", "area": "120.5", "floors": "3", "urgent": "on"})
    assert ok.status_code == 303
    assert intake.describe(case.id)["status"] == "decided"
    data = cases.get_instance(case.instance_id, org["admin"])["data"]
    assert data["area"] == 120.5 and data["floors"] == 3 and data["urgent"] is True
    done = element(reviewer.get("/inbox/").get_data(as_text=True), "completed")
    assert f'data-task-id="{task["id"]}"' in done


def test_another_department_cannot_see_claim_open_or_download(app, org):
    case = accepted_case(org)
    task = task_of(org, case)
    material_id = intake.describe(case.id)["materials"][0]["material_id"]
    taxman = client(app, "taxman")
    assert f'data-task-id="{task["id"]}"' not in taxman.get("/inbox/").get_data(as_text=True)
    assert taxman.get(f"/inbox/tasks/{task['id']}").status_code == 403
    assert taxman.post(f"/inbox/tasks/{task['id']}/claim").status_code == 403
    assert taxman.post(f"/inbox/tasks/{task['id']}/complete", data={"decision": "approve"}).status_code == 403
    assert taxman.get(f"/inbox/materials/{material_id}").status_code == 403
    assert taxman.get(f"/inbox/instances/{case.instance_id}/diagram.xml").status_code == 403
    for action, data in (("transfer", {"to_group": "tax", "reason": "x"}), ("send-back", {"to": "window", "reason": "x"}),
                         ("copy", {"logins": "taxman"}), ("comment", {"text": "x"})):
        assert taxman.post(f"/inbox/tasks/{task['id']}/{action}", data=data).status_code == 403
    assert taxman.get("/inbox/tasks/99999").status_code == 404
    assert tasks.list_tasks(org["admin"])[0]["assignee"] is None


def test_roles_and_sign_in_are_required(app, org):
    assert app.test_client().get("/inbox/").status_code == 302  # to the login page
    assert client(app, "supervisor").get("/inbox/").status_code == 403
    assert client(app, "designer").get("/inbox/").status_code == 403


@pytest.mark.parametrize("target, lands_on", [
    ("/inbox/?mine=1", "/inbox/?mine=1"),
    ("//evil.example/x", "/"), ("/\t/evil.example", "/"), ("/\\evil.example", "/"),
    ("https://evil.example/", "/"), ("/\n/evil.example", "/"), ("inbox", "/"),
])
def test_sign_in_returns_only_to_a_page_of_this_site(app, org, target, lands_on):
    res = app.test_client().post("/login", query_string={"next": target},
                                 data={"login": "reviewer", "password": "pass-reviewer"})
    assert res.status_code == 302
    assert res.location == lands_on or res.location == "http://localhost" + lands_on


def test_csrf_is_enforced_on_inbox_forms(org, app):
    from web import create_app
    task = task_of(org, accepted_case(org))
    protected = create_app({"TESTING": True})
    c = protected.test_client()
    page = c.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', page)
    token = token.group(1) or token.group(2)
    c.post("/login", data={"login": "reviewer", "password": "pass-reviewer", "csrf_token": token})
    assert c.post(f"/inbox/tasks/{task['id']}/claim").status_code == 400
    assert tasks.list_tasks(org["admin"])[0]["assignee"] is None
    token = csrf_token(c.get("/inbox/").text)  # the signed-in session's own
    assert c.post(f"/inbox/tasks/{task['id']}/claim", data={"csrf_token": token}).status_code == 303


def two_steps(org):
    """A procedure with no case behind it: 初审 then 复审, both in housing; 初审 done by reviewer."""
    instance_id = cases.start_instance("two_steps", org["clerk"])["id"]
    [check] = tasks.list_tasks(org["admin"], instance_id=instance_id)
    tasks.claim(check["id"], org["reviewer"])
    tasks.complete(check["id"], org["reviewer"], {})
    [review] = tasks.list_tasks(org["admin"], instance_id=instance_id)
    return instance_id, check["id"], review["id"]


def test_each_finished_step_shows_what_it_submitted_even_a_repeated_answer(app, org):
    instance_id = cases.start_instance("two_steps", org["clerk"])["id"]
    for login in ("reviewer", "reviewer2"):  # the second says what the first said
        [step] = tasks.list_tasks(org["admin"], instance_id=instance_id)
        tasks.claim(step["id"], org[login])
        tasks.complete(step["id"], org[login], {"opinion": "approve", "comment": "同意"})
    done = progress.steps_done(instance_id, org["admin"])
    assert [(s["title"], s["data"]) for s in done] == [("初审", {"opinion": "approve", "comment": "同意"}),
                                                         ("复审", {"opinion": "approve", "comment": "同意"})]


def test_a_suspended_cases_step_offers_nowhere_to_send_back(app, org):
    from engine import operations
    from engine.services import admin
    instance_id, _check, review_id = two_steps(org)
    assert operations.send_back_targets(review_id, org["reviewer"]) == ["previous"]
    admin.suspend_instance(instance_id, "核查", org["admin"])
    assert operations.send_back_targets(review_id, org["reviewer"]) == []  # send_back would refuse
    admin.resume_instance(instance_id, org["admin"])
    assert operations.send_back_targets(review_id, org["reviewer"]) == ["previous"]


def state_of(org, task_id):
    [task] = [t for t in tasks.list_tasks(org["admin"], state=None) if t["id"] == task_id]
    return task["state"], task["assignee"], task["group"]


def test_transfer_to_another_department_needs_a_reason(app, org):
    task = task_of(org, accepted_case(org))
    reviewer = client(app, "reviewer")
    reviewer.post(f"/inbox/tasks/{task['id']}/claim")
    page = reviewer.get(f"/inbox/tasks/{task['id']}").get_data(as_text=True)
    assert 'action="/inbox/tasks/%d/transfer"' % task["id"] in page and '<option value="tax">' in page
    assert reviewer.post(f"/inbox/tasks/{task['id']}/transfer", data={"to_group": "tax"}).status_code == 422
    # A refusal keeps what was typed in that form, open; the return form beside it stays empty.
    res = reviewer.post(f"/inbox/tasks/{task['id']}/transfer", data={"to_user": "nobody", "reason": "请李四办理"})
    assert res.status_code == 422
    assert re.search(r'<details open><summary>转办</summary>.*?value="nobody".*?>请李四办理</textarea>', res.text, re.S)
    assert '<textarea name="reason" rows="2" required></textarea>' in res.text  # the return form
    res = reviewer.post(f"/inbox/tasks/{task['id']}/transfer", data={"to_group": "tax", "reason": "属税务职责"})
    assert res.status_code == 303 and res.location.endswith("/inbox/")
    assert state_of(org, task["id"]) == ("ready", None, "tax")
    assert f'data-task-id="{task["id"]}"' in element(client(app, "taxman").get("/inbox/").get_data(as_text=True),
                                                     "unclaimed")
    passed_on = reviewer.get(f"/inbox/tasks/{task['id']}")  # the sender still reads it, no longer acts on it
    assert passed_on.status_code == 200 and 'id="task-form"' not in passed_on.text


def test_send_back_to_the_previous_step(app, org):
    instance_id, check_id, review_id = two_steps(org)
    page = client(app, "reviewer").get(f"/inbox/tasks/{check_id}").get_data(as_text=True)
    assert "初审" in page and 'id="case"' in page  # no case behind it: the procedure's data instead
    reviewer2 = client(app, "reviewer2")
    reviewer2.post(f"/inbox/tasks/{review_id}/claim")
    res = reviewer2.post(f"/inbox/tasks/{review_id}/send-back", data={"to": "previous", "reason": "材料不全"})
    assert res.status_code == 303
    assert state_of(org, review_id)[0] == "returned"
    assert state_of(org, check_id) == ("ready", "reviewer", "housing")  # back with the person who did it
    history = element(client(app, "reviewer").get(f"/inbox/tasks/{check_id}").get_data(as_text=True), "history")
    assert "退回" in history and "材料不全" in history


def test_withdraw_my_step_until_the_next_one_is_claimed(app, org):
    instance_id, check_id, review_id = two_steps(org)
    reviewer = client(app, "reviewer")
    assert 'id="withdraw"' in reviewer.get(f"/inbox/tasks/{check_id}").get_data(as_text=True)
    assert reviewer.post(f"/inbox/tasks/{check_id}/withdraw").status_code == 303
    assert state_of(org, check_id) == ("ready", "reviewer", "housing")
    tasks.complete(check_id, org["reviewer"], {})
    [review] = tasks.list_tasks(org["admin"], instance_id=instance_id)
    tasks.claim(review["id"], org["reviewer2"])  # the next step has started: no more withdrawing
    assert 'id="withdraw"' not in reviewer.get(f"/inbox/tasks/{check_id}").get_data(as_text=True)
    assert reviewer.post(f"/inbox/tasks/{check_id}/withdraw").status_code == 409
    assert state_of(org, check_id)[0] == "completed"


def test_urge_copy_and_comment(app, org):
    instance_id, _check, review_id = two_steps(org)
    reviewer, supervisor = client(app, "reviewer"), client(app, "supervisor")
    assert "催办" not in element(reviewer.get(f"/inbox/tasks/{review_id}").get_data(as_text=True), "operations")
    empty = supervisor.post(f"/inbox/tasks/{review_id}/urge", data={"message": " "})
    assert empty.status_code == 422 and "请填写催办内容" in empty.text  # the field is 催办内容, not a reason
    assert supervisor.post(f"/inbox/tasks/{review_id}/urge", data={"message": "请尽快办理"}).status_code == 303
    assert client(app, "taxman").get(f"/inbox/tasks/{review_id}").status_code == 403
    assert reviewer.post(f"/inbox/tasks/{review_id}/copy", data={"logins": "taxman, nobody"}).status_code == 422
    assert reviewer.post(f"/inbox/tasks/{review_id}/copy", data={"logins": "taxman", "note": "请知悉"}).status_code == 303
    assert client(app, "taxman").get(f"/inbox/tasks/{review_id}").status_code == 200  # copied: may read it
    assert reviewer.post(f"/inbox/tasks/{review_id}/comment", data={"text": " "}).status_code == 422
    assert reviewer.post(f"/inbox/tasks/{review_id}/comment", data={"text": "同意初审意见"}).status_code == 303
    # The supervisor is offered the note and may add it (监察意见): not a form that is then refused.
    assert 'action="/inbox/tasks/%s/comment"' % review_id in supervisor.get(f"/inbox/tasks/{review_id}").text
    assert supervisor.post(f"/inbox/tasks/{review_id}/comment", data={"text": "请关注办理时限"}).status_code == 303
    history = element(reviewer.get(f"/inbox/tasks/{review_id}").get_data(as_text=True), "history")
    assert "请尽快办理" in history and "请知悉" in history and "同意初审意见" in history and "请关注办理时限" in history


def test_complete_with_opinion_and_result_document(app, org):
    case = accepted_case(org)
    task = task_of(org, case)
    reviewer = client(app, "reviewer")
    reviewer.post(f"/inbox/tasks/{task['id']}/claim")
    refused = reviewer.post(f"/inbox/tasks/{task['id']}/complete", content_type="multipart/form-data",
                            data={"opinion": "fine", "result_document": (io.BytesIO(b"%PDF approval"), "批复.pdf")})
    assert refused.status_code == 422 and 'id="choose-again"' in refused.text  # the file must be chosen again
    res = reviewer.post(f"/inbox/tasks/{task['id']}/complete", content_type="multipart/form-data",
                        data={"decision": "approve", "opinion": "fine", "shenpi_remark": "符合规划要求",
                              "result_document": (io.BytesIO(b"%PDF approval"), "批复.pdf")})
    assert res.status_code == 303
    page = reviewer.get(f"/inbox/tasks/{task['id']}").get_data(as_text=True)
    history = element(page, "history")
    assert "符合规划要求" in history and ">fine<" not in history  # the form's own opinion is no remark
    documents = element(page, "documents")
    material_id = int(re.search(r"/inbox/materials/(\d+)", documents).group(1))
    assert "批复.pdf" in documents
    assert reviewer.get(f"/inbox/materials/{material_id}").data == b"%PDF approval"
    assert client(app, "taxman").get(f"/inbox/materials/{material_id}").status_code == 403


def test_nested_schema_fields_read_back_as_nested_data():
    from werkzeug.datastructures import MultiDict
    from web.inbox.forms import errors_by_field, fields, read
    schema = {"type": "object", "required": ["property"], "properties": {
        "property": {"type": "object", "title": "房屋", "required": ["area_m2"], "properties": {
            "area_m2": {"type": "number", "title": "面积"}, "only_home": {"type": "boolean", "title": "唯一住房"},
            "kind": {"type": "string", "enum": ["housing", "shop"], "enumNames": ["住宅", "商铺"]}}},
        "count": {"type": "integer"}}}
    shown = fields(schema)
    assert [(f["name"], f["label"], f["widget"]) for f in shown] == [
        ("property.area_m2", "房屋 · 面积", "number"), ("property.only_home", "房屋 · 唯一住房", "checkbox"),
        ("property.kind", "房屋 · kind", "select"), ("count", "count", "integer")]
    posted = MultiDict({"property.area_m2": "90", "property.only_home": "on", "property.kind": "shop", "count": ""})
    assert read(schema, posted) == {"property": {"area_m2": 90, "only_home": True, "kind": "shop"}}
    errors = errors_by_field([
        {"field": "property/area_m2", "message": "'area_m2' is a required property", "rule": "required",
         "expected": ["area_m2"]},
        {"field": "count", "message": "'x' is not of type 'integer'", "rule": "type", "expected": "integer"},
        {"field": "count", "message": "-1 is less than the minimum of 0", "rule": "minimum", "expected": 0},
        {"field": "other", "message": "'other' is a required property", "rule": "required", "expected": ["other"]},
        {"field": "count", "message": "'x' is not valid under any of the given schemas", "rule": "anyOf",
         "expected": []},
        {"field": "count", "message": "'x' is not of type 'number', 'null'", "rule": "type",
         "expected": ["number", "null"]}], shown)
    assert errors == {"property.area_m2": ["此项必填"], "count": ["请填写整数", "不能小于 0",
                                                              "'x' is not valid under any of the given schemas",
                                                              "请填写数字"],  # a number or nothing
                      None: ["'other' is a required property"]}  # no field to mark: the English names it
    from web.inbox.forms import values  # and back into the fields, to mend a step that came back
    assert values(schema, {"property": {"area_m2": 90, "kind": "shop"}, "count": 3, "other": 1}) == {
        "property.area_m2": 90, "property.kind": "shop", "count": 3}


def test_a_procedure_that_fails_at_a_gateway_keeps_what_the_reviewer_wrote(app, org):
    """A condition naming data the case does not have fails when it runs: the reviewer reads that
    the procedure failed and nothing was saved, on the task page with the remark still there."""
    typo = process("typo", [("start", "s", "申请"), ("user", "review", "部门审查", {"form": "review.json"}),
                            ("xor", "gw", "是否同意", {"default": "e2"}), ("end", "e1", "准予"),
                            ("end", "e2", "不予")],
                   [("s", "review"), ("review", "gw"), ("gw", "e1", "opnion == 'approve'"), ("gw", "e2")],
                   lanes={"housing": ["review"]})
    warned = deploy.deploy([("typo.bpmn", typo.encode())], org["designer"]).warnings
    assert [(w["element_id"], w["message"].values["name"]) for w in warned] == [("Flow_gw_e1", "'opnion'")]
    instance = cases.start_instance("typo", org["clerk"])
    task_id = instance["tasks"][0]["id"]
    reviewer = client(app, "reviewer")
    reviewer.post(f"/inbox/tasks/{task_id}/claim")
    res = reviewer.post(f"/inbox/tasks/{task_id}/complete",
                        data={"decision": "approve", "shenpi_remark": "材料齐全，同意"})
    page = res.get_data(as_text=True)
    assert res.status_code == 422 and "流程运行出错，本次办理未保存" in page and "gw" in page
    assert "材料齐全，同意" in page and 'id="task-form"' in page
    after = cases.get_instance(instance["id"], org["admin"])
    assert [t["state"] for t in after["tasks"]] == ["ready"] and "incident" in [e["type"] for e in after["events"]]


def test_an_urge_to_a_department_opens_the_step_it_is_about(app, org):
    """The reviewer finished 初审; the supervisor urges housing about 复审: the notice opens 复审,
    the open step the reader may work on, not the one they finished."""
    from engine import operations
    from engine.services import notifications
    _instance_id, check_id, review_id = two_steps(org)
    operations.urge(review_id, org["supervisor"], "请尽快办理")
    [told] = notifications.notifications(org["reviewer"])
    assert told["task_id"] == review_id != check_id


def test_a_copy_opens_the_step_copied_not_the_cases_latest(app, org):
    from engine import operations
    from engine.services import notifications
    _instance_id, check_id, review_id = two_steps(org)
    operations.copy_to(check_id, org["reviewer"], ["taxman"], "请知悉初审意见")
    [told] = notifications.notifications(org["taxman"])
    assert told["task_id"] == check_id != review_id
    page = client(app, "taxman").get("/inbox/notifications").get_data(as_text=True)
    assert "抄送：" in page and "请知悉初审意见" in page  # the reader's language: Chinese
    english = client(app, "taxman").get("/inbox/notifications?lang=en").get_data(as_text=True)
    assert "Copied to you:" in english and "抄送：" not in english


def test_a_step_sent_back_shows_its_last_answer_to_mend(app, org):
    mend = process("mend", [("start", "s", "开始"), ("user", "check", "初审", {"form": "review.json"}),
                            ("user", "review", "复审"), ("end", "e", "办结")],
                   [("s", "check"), ("check", "review"), ("review", "e")], lanes={"housing": ["check", "review"]})
    deploy.deploy([("mend.bpmn", mend.encode())], org["designer"])
    instance_id = cases.start_instance("mend", org["clerk"])["id"]
    [check] = tasks.list_tasks(org["admin"], instance_id=instance_id)
    tasks.claim(check["id"], org["reviewer"])
    tasks.complete(check["id"], org["reviewer"], {"decision": "approve", "area": 120.5, "remarks": "初审同意，材料齐全"})
    [review] = tasks.list_tasks(org["admin"], instance_id=instance_id)
    tasks.claim(review["id"], org["reviewer2"])
    sent_back = client(app, "reviewer2").post(f"/inbox/tasks/{review['id']}/send-back",
                                              data={"to": "previous", "reason": "请核实面积"})
    assert sent_back.status_code == 303
    form = element(client(app, "reviewer").get(f"/inbox/tasks/{check['id']}").get_data(as_text=True), "task-form")
    assert "初审同意，材料齐全" in form and 'value="120.5"' in form
    assert re.search(r'<option value="approve"\s+selected', form)


def test_no_one_urges_a_step_they_hold_themselves(app, org):
    from engine import operations
    from engine.errors import Conflict
    from tests.test_engine import deploy_approval
    deploy_approval(org)
    step = next(t for t in cases.start_instance("approval", org["clerk"])["tasks"] if t["name"] == "intake")
    tasks.claim(step["id"], org["clerk"])
    with pytest.raises(Conflict, match="yours"):
        operations.urge(step["id"], org["clerk"], "请尽快办理")
    assert "催办" not in element(client(app, "clerk").get(f"/inbox/tasks/{step['id']}").get_data(as_text=True),
                               "operations")
    assert "催办" in element(client(app, "supervisor").get(f"/inbox/tasks/{step['id']}").get_data(as_text=True),
                           "operations")
