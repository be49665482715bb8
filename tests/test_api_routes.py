"""Every REST route through HTTP with a bearer token: what it changes, and how it refuses.

The routes' services have their own tests; these drive the routes themselves, so that the
contract check (tests/api_contract.py) sees every kind of answer the API gives.
"""
import base64
import json
from datetime import datetime, time, timedelta, timezone

import pytest
from sqlalchemy import select

from engine import catalogue, clock, timers
from engine.services import deploy as deploying
from engine.services import users
from engine.store import session_scope
from engine.store.models import Timer
from tests.api_contract import problems
from tests.bpmn_builder import INTAKE_FORM, approval, one_review, process
from tests.procedures import promised_item
from tests.test_api import auth, client, deploy  # noqa: F401  (client is a fixture)

APPLICANT = {"name": "张三", "id_number": "110101199001011237", "phone": "13800000000"}
ID_CARD = [{"kind": "id_card", "filename": "id.pdf", "content_base64": base64.b64encode(b"%PDF id").decode()}]


def events(client, instance_id, login="admin") -> list[dict]:
    return client.get(f"/api/instances/{instance_id}", headers=auth(login)).json["events"]


@pytest.fixture
def item(org):
    """H-1: one review by housing (住建局), 10 working days promised, 20 by law."""
    deploying.deploy([("h.bpmn", one_review("housing_review", "部门审查", "housing").encode())], org["designer"])
    catalogue.save(promised_item("H-1", "housing_review", "housing"), None)
    with session_scope() as session:
        users.ensure_department(session, "housing", "住建局")
    return "H-1"


@pytest.fixture
def case(client, item):
    """A case of H-1 accepted at the window through the API: housing's review is open."""
    submitted = client.post("/api/cases", headers=auth("clerk"),
                            json={"item": item, "applicant": APPLICANT, "materials": ID_CARD})
    assert submitted.status_code == 201 and submitted.json["status"] == "submitted"
    accepted = client.post(f"/api/cases/{submitted.json['id']}/accept", headers=auth("clerk"))
    assert accepted.status_code == 200 and accepted.json["status"] == "accepted"
    return accepted.json


@pytest.fixture
def approval_case(client):
    """The approval procedure (window, housing, lead), its intake step open at the window."""
    files = [("approval.bpmn", approval().encode()), ("intake.json", json.dumps(INTAKE_FORM).encode())]
    assert deploy(client, files).status_code == 201
    started = client.post("/api/instances", json={"key": "approval"}, headers=auth("clerk"))
    assert started.status_code == 201
    return started.json


def review_of(case) -> dict:
    [step] = case["open_steps"]
    return step


def test_the_contract_check_refuses_an_unlisted_status_and_a_wrong_body(client):
    """The autouse check is no rubber stamp: an answer the document does not describe is caught."""
    from werkzeug.test import EnvironBuilder
    app = client.application

    def answer(body, status):
        response = app.response_class(json.dumps(body), status=status, mimetype="application/json")
        response.request = app.request_class(EnvironBuilder(path="/api/tasks").get_environ())
        return response
    assert problems(app, answer([], 200)) == []
    assert "is not of type 'integer'" in " ".join(problems(app, answer([{"id": "1"}], 200)))
    assert "lists only" in " ".join(problems(app, answer({"error": {"code": "teapot", "message": "no"}}, 418)))


def test_a_case_is_taken_in_read_withdrawn_and_refused_clearly(client, item):
    clerk = auth("clerk")
    res = client.post("/api/cases", headers=clerk, json={"item": "NO-SUCH", "applicant": APPLICANT})
    assert res.status_code == 404
    res = client.post("/api/cases", headers=auth("reviewer"), json={"item": item, "applicant": APPLICANT})
    assert res.status_code == 403
    case = client.post("/api/cases", headers=clerk, json={"item": item, "applicant": APPLICANT,
                                                          "materials": ID_CARD}).json
    assert [m["state"] for m in case["materials"]] == ["provided"] and case["instance_id"] is None
    assert client.get(f"/api/cases/{case['id']}", headers=auth("taxman")).status_code == 403
    assert client.get("/api/cases/99999", headers=clerk).status_code == 404

    accepted = client.post(f"/api/cases/{case['id']}/accept", headers=clerk).json
    assert accepted["procedure_state"] == "running" and accepted["accepted_on"]
    assert [(s["name"], s["group"]) for s in accepted["open_steps"]] == [("review", "housing")]
    assert client.post(f"/api/cases/{case['id']}/accept", headers=clerk).status_code == 409
    seen = client.get(f"/api/cases/{case['id']}", headers=auth("reviewer")).json  # its procedure reached housing
    assert seen["clocks"] and seen["number"] == case["number"]
    res = client.post(f"/api/cases/{case['id']}/supply", headers=clerk, json={"materials": ID_CARD})
    assert res.status_code == 409  # nothing is awaited
    assert client.post(f"/api/cases/{case['id']}/supply", headers=clerk, json={"materials": []}).status_code == 422

    assert client.post(f"/api/cases/{case['id']}/withdraw", headers=clerk, json={"reason": " "}).status_code == 422
    assert client.post(f"/api/cases/{case['id']}/withdraw", headers=auth("reviewer"),
                       json={"reason": "申请人书面申请撤回"}).status_code == 403
    ended = client.post(f"/api/cases/{case['id']}/withdraw", headers=clerk, json={"reason": "申请人书面申请撤回"})
    assert ended.status_code == 200 and ended.json["status"] == "withdrawn" and ended.json["open_steps"] == []
    assert ended.json["procedure_state"] == "terminated" and ended.json["notices"][-1]["kind"] == "termination"
    assert client.post(f"/api/cases/{case['id']}/withdraw", headers=clerk,
                       json={"reason": "again"}).status_code == 409


def test_a_claimed_task_is_given_back_by_its_holder_only(client, case):
    step = review_of(case)
    assert client.post(f"/api/tasks/{step['id']}/unclaim", headers=auth("taxman")).status_code == 403
    assert client.post(f"/api/tasks/{step['id']}/claim", headers=auth("reviewer")).json["assignee"] == "reviewer"
    res = client.post(f"/api/tasks/{step['id']}/unclaim", headers=auth("reviewer2"))
    assert res.status_code == 409 and "held by" in res.json["error"]["message"]
    res = client.post(f"/api/tasks/{step['id']}/unclaim", headers=auth("reviewer"))
    assert res.status_code == 200 and res.json["assignee"] is None and res.json["state"] == "ready"
    assert "task_unclaimed" in [e["type"] for e in events(client, case["instance_id"])]
    assert client.post(f"/api/tasks/{step['id']}/claim", headers=auth("reviewer2")).status_code == 200
    assert client.post("/api/tasks/99999/unclaim", headers=auth("reviewer")).status_code == 404


def test_a_task_is_transferred_to_another_department_with_a_reason(client, case):
    step = review_of(case)
    reviewer = auth("reviewer")
    res = client.post(f"/api/tasks/{step['id']}/transfer", headers=auth("taxman"), json={"to_group": "housing",
                                                                                         "reason": "x"})
    assert res.status_code == 403
    res = client.post(f"/api/tasks/{step['id']}/transfer", headers=reviewer, json={"to_group": "tax"})
    assert res.status_code == 422 and "reason" in res.json["error"]["message"]
    res = client.post(f"/api/tasks/{step['id']}/transfer", headers=reviewer, json={"to_group": "nowhere",
                                                                                   "reason": "税务事项"})
    assert res.status_code == 422
    res = client.post(f"/api/tasks/{step['id']}/transfer", headers=reviewer, json={"to_group": "tax",
                                                                                   "reason": "税务事项"})
    assert res.status_code == 200 and res.json["group"] == "tax" and res.json["assignee"] is None
    [moved] = [e for e in events(client, case["instance_id"]) if e["type"] == "task_transferred"]
    assert moved["actor"] == "reviewer" and moved["data"]["from_group"] == "housing"
    assert client.post(f"/api/tasks/{step['id']}/claim", headers=reviewer).status_code == 403  # no longer housing's
    assert client.post(f"/api/tasks/{step['id']}/claim", headers=auth("taxman")).status_code == 200
    users.add_user("taxman2", "taxman2", "tax", ["reviewer"], "pass-taxman2")
    res = client.post(f"/api/tasks/{step['id']}/transfer", headers=auth("taxman2"),
                      json={"to_group": "housing", "reason": "退回住建"})
    assert res.status_code == 409 and "held by" in res.json["error"]["message"]  # a colleague holds it


def test_a_step_is_returned_to_the_previous_one_and_a_completed_step_withdrawn(client, approval_case):
    clerk, reviewer = auth("clerk"), auth("reviewer")
    [intake_step] = approval_case["tasks"]
    client.post(f"/api/tasks/{intake_step['id']}/claim", headers=clerk)
    done = client.post(f"/api/tasks/{intake_step['id']}/complete", headers=clerk, json={"data": {"applicant": "王五"}})
    [review] = [t for t in done.json["tasks"] if t["state"] == "ready"]
    assert client.post(f"/api/tasks/{intake_step['id']}/withdraw", headers=reviewer).status_code == 403
    res = client.post(f"/api/tasks/{intake_step['id']}/withdraw", headers=clerk)  # the review is not started yet
    assert res.status_code == 200
    assert [(t["name"], t["state"], t["assignee"]) for t in res.json["tasks"]] == [
        ("intake", "ready", "clerk"), ("review", "cancelled", None)]
    assert client.post(f"/api/tasks/{intake_step['id']}/withdraw", headers=clerk).status_code == 409  # open again

    client.post(f"/api/tasks/{intake_step['id']}/complete", headers=clerk, json={"data": {"applicant": "王五"}})
    [review] = [t for t in client.get(f"/api/instances/{approval_case['id']}", headers=clerk).json["tasks"]
                if t["state"] == "ready"]
    client.post(f"/api/tasks/{review['id']}/claim", headers=reviewer)
    assert client.post(f"/api/tasks/{intake_step['id']}/withdraw", headers=clerk).status_code == 409  # claimed
    res = client.post(f"/api/tasks/{review['id']}/return", headers=reviewer, json={"to": "upstairs", "reason": "x"})
    assert res.status_code == 422
    res = client.post(f"/api/tasks/{review['id']}/return", headers=reviewer, json={"to": "window", "reason": "补正"})
    assert res.status_code == 422  # its form offers no correction
    res = client.post(f"/api/tasks/{review['id']}/return", headers=reviewer,
                      json={"to": "previous", "reason": "申请人姓名有误"})
    assert res.status_code == 200
    states = {t["name"]: t["state"] for t in res.json["tasks"]}
    assert states == {"intake": "ready", "review": "returned"}
    [returned] = [e for e in events(client, approval_case["id"]) if e["type"] == "task_returned"]
    assert returned["data"]["to_step"] == "intake" and returned["data"]["reason"] == "申请人姓名有误"
    res = client.post(f"/api/tasks/{review['id']}/return", headers=reviewer, json={"to": "previous", "reason": "x"})
    assert res.status_code == 409


def test_urge_copy_and_comment_tell_people_and_are_recorded(client, case):
    step = review_of(case)
    path = f"/api/tasks/{step['id']}"
    assert client.post(f"{path}/urge", headers=auth("reviewer"), json={"message": "快"}).status_code == 403
    assert client.post(f"{path}/urge", headers=auth("clerk"), json={"message": ""}).status_code == 422
    res = client.post(f"{path}/urge", headers=auth("clerk"), json={"message": "申请人催问进度"})
    assert res.status_code == 200 and res.json == {"notified": 2}  # nobody holds it: housing's two reviewers

    assert client.get(f"/api/instances/{case['instance_id']}", headers=auth("taxman")).status_code == 403
    assert client.post(f"{path}/copy", headers=auth("reviewer"), json={"to": []}).status_code == 422
    assert client.post(f"{path}/copy", headers=auth("reviewer"), json={"to": ["nobody"]}).status_code == 422
    res = client.post(f"{path}/copy", headers=auth("reviewer"), json={"to": ["taxman"], "note": "涉及税费"})
    assert res.status_code == 200 and res.json == {"copied_to": ["taxman"]}
    assert client.get(f"/api/instances/{case['instance_id']}", headers=auth("taxman")).status_code == 200

    assert client.post(f"{path}/comments", headers=auth("reviewer"), json={"text": "  "}).status_code == 422
    assert client.post(f"{path}/comments", headers=auth("supervisor"), json={"text": "x"}).status_code == 201
    res = client.post(f"{path}/comments", headers=auth("reviewer"), json={"text": "材料齐全，同意"})
    assert res.status_code == 201 and res.json["text"] == "材料齐全，同意" and res.json["by"] == "reviewer"
    recorded = {e["type"]: e for e in events(client, case["instance_id"])}
    assert recorded["task_urged"]["data"]["notified"] == ["reviewer", "reviewer2"]
    assert recorded["task_copied"]["data"]["to"] == ["taxman"] and recorded["comment"]["id"] == res.json["id"]
    assert client.post("/api/tasks/99999/comments", headers=auth("reviewer"), json={"text": "x"}).status_code == 404

    client.post(f"{path}/claim", headers=auth("reviewer"))
    client.post(f"{path}/complete", headers=auth("reviewer"), json={"data": {}})
    res = client.post(f"{path}/urge", headers=auth("clerk"), json={"message": "催"})
    assert res.status_code == 409  # done already


def test_a_clock_is_read_paused_resumed_and_extended_by_its_department(client, case):
    users.add_user("hlead", "住建局长", "housing", ["lead", "reviewer"], "pass-hlead")
    clocks = client.get(f"/api/instances/{case['instance_id']}/clocks", headers=auth("reviewer"))
    assert clocks.status_code == 200
    [whole] = [c for c in clocks.json if c["task_id"] is None]
    assert whole["department"] == "housing" and whole["statutory_days"] == 20 and whole["state"] == "running"
    assert client.get(f"/api/instances/{case['instance_id']}/clocks", headers=auth("taxman")).status_code == 403
    assert client.get("/api/instances/99999/clocks", headers=auth("admin")).status_code == 404

    path = f"/api/clocks/{whole['id']}"
    body = {"kind": "expert_review", "reason": "专家评审", "expected_days": 5}
    assert client.post(f"{path}/pause", headers=auth("taxman"), json=body).status_code == 403
    assert client.post(f"{path}/pause", headers=auth("reviewer"), json={**body, "kind": "nap"}).status_code == 422
    assert client.post(f"{path}/pause", headers=auth("reviewer"), json={**body, "expected_days": "5"}).status_code == 422
    res = client.post(f"{path}/pause", headers=auth("reviewer"), json=body)
    assert res.status_code == 201 and res.json["procedure_id"] > 0
    assert client.post(f"{path}/pause", headers=auth("reviewer"), json=body).status_code == 409
    [paused] = [c for c in client.get(f"/api/instances/{case['instance_id']}/clocks", headers=auth("reviewer")).json
                if c["id"] == whole["id"]]
    assert paused["state"] == "paused"
    assert client.post(f"{path}/resume", headers=auth("reviewer"), json={}).status_code == 422
    res = client.post(f"{path}/resume", headers=auth("reviewer"), json={"result": "专家同意"})
    assert res.status_code == 200 and res.json["state"] == "running"
    assert client.post(f"{path}/resume", headers=auth("reviewer"), json={"result": "x"}).status_code == 409

    assert client.post(f"{path}/extend", headers=auth("reviewer"), json={"days": 5, "reason": "复杂"}).status_code == 403
    assert client.post(f"{path}/extend", headers=auth("hlead"), json={"days": 11, "reason": "复杂"}).status_code == 422
    res = client.post(f"{path}/extend", headers=auth("hlead"), json={"days": 10, "reason": "情况复杂"})
    assert res.status_code == 200 and res.json["extension_days"] == 10
    assert res.json["statutory_due"] > whole["statutory_due"]
    assert client.post(f"{path}/extend", headers=auth("hlead"), json={"days": 5, "reason": "再"}).status_code == 409
    assert client.post("/api/clocks/99999/resume", headers=auth("admin"), json={"result": "x"}).status_code == 404


def test_a_failed_timer_is_listed_and_retried_by_an_administrator(client, org):
    failing = process("failing", [("start", "start", "s"), ("timer", "wait", "等待", {"date": "due"}),
                                  ("script", "boom", "出错", {"script": "x = 1 / zero"}), ("end", "end", "e")],
                      [("start", "wait"), ("wait", "boom"), ("boom", "end")])
    assert deploy(client, [("failing.bpmn", failing.encode())]).status_code == 201
    due = datetime.now(timezone.utc) + timedelta(hours=1)
    started = client.post("/api/instances", headers=auth("clerk"),
                          json={"key": "failing", "data": {"due": due.isoformat(), "zero": 0}}).json
    moment = due
    for _ in range(timers.MAX_ATTEMPTS):  # each failure waits longer, then it is kept as an incident
        moment += timedelta(days=1)
        timers.tick(now=moment)
    assert client.get("/api/timers/incidents", headers=auth("clerk")).status_code == 403
    [incident] = client.get("/api/timers/incidents", headers=auth("admin")).json
    assert incident["instance_id"] == started["id"] and "ZeroDivisionError" in incident["error"]
    stuck = client.get(f"/api/instances/{started['id']}", headers=auth("clerk")).json
    assert stuck["state"] == "error" and stuck["incidents"] == [{"timer_id": incident["id"], "kind": "bpmn"}]

    assert client.post(f"/api/timers/{incident['id']}/retry", headers=auth("clerk")).status_code == 403
    res = client.post(f"/api/timers/{incident['id']}/retry", headers=auth("admin"))
    assert res.status_code == 200 and res.json == {"id": incident["id"], "state": "pending"}
    with session_scope() as session:
        assert session.scalar(select(Timer.state).where(Timer.id == incident["id"])) == "pending"
    assert client.post(f"/api/timers/{incident['id']}/retry", headers=auth("admin")).status_code == 409
    assert client.post("/api/timers/99999/retry", headers=auth("admin")).status_code == 404
    assert client.get("/api/timers/incidents", headers=auth("admin")).json == []


def test_a_years_calendar_and_a_process_versions(client):
    year = client.get("/api/calendar/2025", headers=auth("clerk"))
    assert year.status_code == 200 and year.json["status"] == "official"
    assert "2025-10-01" in year.json["non_working_weekdays"] and "2025-09-28" in year.json["makeup_workdays"]
    assert client.get("/api/calendar/2101", headers=auth("clerk")).json["error"]["code"] == "invalid"
    assert client.get("/api/calendar/2099", headers=auth("clerk")).json["status"] == "estimated"

    one = process("p", [("start", "s", "s"), ("user", "u", "审查"), ("end", "e", "e")], [("s", "u"), ("u", "e")])
    deploy(client, [("p.bpmn", one.encode())])
    deploy(client, [("p.bpmn", one.replace("审查", "复核").encode())])
    versions = client.get("/api/definitions/p/versions", headers=auth("clerk"))
    assert [(d["version"], d["kind"], d["suspended"]) for d in versions.json] == [(1, "bpmn", False), (2, "bpmn", False)]
    assert client.get("/api/definitions/p/versions?kind=dmn", headers=auth("clerk")).status_code == 404
    assert client.get("/api/definitions?kind=dmn", headers=auth("clerk")).json == []


def test_the_supervision_board_and_a_departments_answer_to_its_order(client, case):
    assert client.get("/api/supervision", headers=auth("reviewer")).status_code == 403
    timers.tick(now=datetime.combine(clock.today() + timedelta(days=30), time(9), clock.SHANGHAI))
    board = client.get("/api/supervision", headers=auth("supervisor")).json
    assert {(o["case_number"], o["level"]) for o in board["overdue"]} >= {(case["number"], "red")}
    assert {(c["department"], c["card"], c["state"]) for c in board["cards"]} >= {("housing", "red", "open")}

    assert client.get("/api/supervision/orders?state=lost", headers=auth("reviewer")).status_code == 422
    assert client.get("/api/supervision/orders", headers=auth("taxman")).json == []  # housing's, not tax's
    [order] = client.get("/api/supervision/orders?state=open", headers=auth("reviewer")).json
    assert order["case_number"] == case["number"] and order["department_name"] == "住建局"
    path = f"/api/supervision/orders/{order['id']}/answer"
    assert client.post(path, headers=auth("taxman"), json={"feedback": "不是我们"}).status_code == 403
    assert client.post(path, headers=auth("reviewer"), json={"feedback": "x" * 2001}).status_code == 422
    res = client.post(path, headers=auth("reviewer"), json={"feedback": "已加派人手，三日内办结"})
    assert res.status_code == 200 and res.json["state"] == "answered" and res.json["answered_by"] == "reviewer"
    assert client.post(path, headers=auth("reviewer"), json={"feedback": "again"}).status_code == 409
    assert "supervision_order_answered" in [e["type"] for e in events(client, case["instance_id"])]
    assert client.post("/api/supervision/orders/99999/answer", headers=auth("admin"),
                       json={"feedback": "x"}).status_code == 404


def test_a_case_lapses_after_its_review_correction_date_only(client, org, monkeypatch):
    from engine import portal
    from tests.procedures import install
    from tests.test_portal_review_correction import COMPANY, in_review_correction
    people = install(org)
    with session_scope() as session:
        users.ensure_department(session, "eco", "生态环境局")
        users.ensure_department(session, "water", "水务局")
    case = in_review_correction(people, portal.register(**COMPANY))
    res = client.post(f"/api/cases/{case.id}/lapse", headers=auth("clerk"))
    assert res.status_code == 409 and "has until" in res.json["error"]["message"]
    today = clock.today()
    monkeypatch.setattr(clock, "today", lambda: today + timedelta(days=30))
    assert client.post(f"/api/cases/{case.id}/lapse", headers=auth("lead")).status_code == 403
    res = client.post(f"/api/cases/{case.id}/lapse", headers=auth("clerk"))
    assert res.status_code == 200 and res.json["status"] == "terminated" and res.json["open_steps"] == []
    assert res.json["notices"][-1]["kind"] == "termination"
    assert client.post(f"/api/cases/{case.id}/lapse", headers=auth("clerk")).status_code == 409
    assert client.post("/api/cases/99999/lapse", headers=auth("clerk")).status_code == 404


def test_a_report_request_is_refused_as_json(client):
    res = client.get("/api/reports/monthly/2026-1.xlsx", headers=auth("reviewer"))
    assert res.status_code == 403 and res.json["error"]["code"] == "forbidden"
    ok = client.get("/api/reports/monthly/2026-1.xlsx", headers=auth("supervisor"))
    assert ok.status_code == 200 and ok.data[:2] == b"PK"  # a spreadsheet, which the contract leaves alone


def test_fields_of_the_wrong_type_are_refused_not_failed(client, case):
    """A number or a list where text belongs was an internal error (500) as the service read it."""
    path = f"/api/tasks/{review_of(case)['id']}"
    reviewer = auth("reviewer")
    for action, body in (("comments", {"text": 5}), ("transfer", {"to_group": "tax", "reason": 5}),
                         ("transfer", {"to_user": ["taxman"], "reason": "税务"}), ("return", {"to": "previous", "reason": 5}),
                         ("copy", {"to": "taxman"}), ("copy", {"to": [5]}), ("copy", {"to": ["taxman"], "note": 5})):
        res = client.post(f"{path}/{action}", headers=reviewer, json=body)
        assert res.status_code == 422 and res.json["error"]["code"] == "invalid", (action, body)
    assert client.post(f"{path}/urge", headers=auth("clerk"), json={"message": ["快"]}).status_code == 422
    assert [e["type"] for e in events(client, case["instance_id"])].count("comment") == 0
    for kind in (["company"], "alien"):  # an unknown kind was stored, and decides which items it may apply for
        applicant = {"name": "李四", "id_number": "110101198505051000", "kind": kind}
        res = client.post("/api/cases", headers=auth("clerk"), json={"item": "H-1", "applicant": applicant})
        assert res.status_code == 422 and "person, company" in res.json["error"]["message"]


def test_an_agent_is_answered_a_case_as_it_reads_it(client, org, item):
    """What the window's actions answer an agent is the case as GET shows it to them: without the
    departments' steps and their limits (the answers gave both)."""
    users.add_user("agent", "何芳", "village", ["agent"], "pass-agent")
    deferrable = promised_item("D-1", "housing_review", "housing")
    deferrable["materials"].append({"code": "plan", "name": "设计方案", "mandatory": True, "deferrable": True})
    catalogue.save(deferrable, None)
    filed = client.post("/api/cases", headers=auth("agent"), json={"item": "D-1", "applicant": APPLICANT,
                                                                   "materials": ID_CARD})
    assert filed.status_code == 201 and filed.json["channel"] == "agent"
    due = (clock.today() + timedelta(days=10)).isoformat()
    accepted = client.post(f"/api/cases/{filed.json['id']}/accept", headers=auth("clerk"),
                           json={"deferred": {"plan": due}})
    assert accepted.status_code == 200 and accepted.json["status"] == "conditional" and accepted.json["open_steps"]
    plan = [{"kind": "plan", "filename": "plan.pdf", "content_base64": base64.b64encode(b"%PDF plan").decode()}]
    supplied = client.post(f"/api/cases/{filed.json['id']}/supply", headers=auth("agent"), json={"materials": plan})
    assert supplied.status_code == 200 and supplied.json["status"] == "accepted"
    shown = client.get(f"/api/cases/{filed.json['id']}", headers=auth("agent")).json
    assert supplied.json == shown and shown["open_steps"] == []
    assert [c["task_id"] for c in shown["clocks"]] == [None]
