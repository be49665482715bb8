"""The REST contract of api.md, through Flask's test client on the real database."""
import io
import json
import re

import pytest

from engine.services.tokens import issue_token
from tests.bpmn_builder import INTAKE_FORM, approval


@pytest.fixture
def client(org):
    from web import create_app
    app = create_app({"TESTING": True})
    return app.test_client()


def auth(login):
    return {"Authorization": f"Bearer {issue_token(login)}"}


def deploy(client, files, login="designer"):
    data = {"file": [(io.BytesIO(content), name) for name, content in files]}
    return client.post("/api/deployments", data=data, headers=auth(login),
                       content_type="multipart/form-data")


FILES = [("approval.bpmn", approval().encode()), ("intake.json", json.dumps(INTAKE_FORM).encode())]


def test_no_token_is_401_json(client):
    res = client.get("/api/tasks")
    assert res.status_code == 401 and res.json["error"]["code"] == "unauthenticated"
    res = client.get("/api/tasks", headers={"Authorization": "Bearer nonsense"})
    assert res.status_code == 401


def test_openapi_document_describes_every_route(client):
    doc = client.get("/api/openapi.json").json
    assert doc["openapi"].startswith("3.") and "/api/tasks/{id}/claim" in doc["paths"]

    def shape(path):  # /api/tasks/<int:task_id>/claim and /api/tasks/{id}/claim alike
        return re.sub(r"<[^>]*>|\{[^}]*\}", "{}", path)
    described = {(shape(path), method.upper()) for path, ops in doc["paths"].items() for method in ops}
    served = {(shape(rule.rule), method) for rule in client.application.url_map.iter_rules()
              if rule.rule.startswith("/api/") for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert served - described == set() and described - served == set()


def test_deploy_start_claim_complete(client):
    res = deploy(client, FILES)
    assert res.status_code == 201, res.json
    assert res.json["definitions"][0] == {"key": "approval", "version": 1, "name": "简单审批",
                                          "kind": "bpmn", "new": True}
    again = deploy(client, FILES)  # identical: no new version, the deployment that holds it named
    assert again.status_code == 201 and again.json["id"] == res.json["id"]  # 201 as api.md gives it
    assert again.json["definitions"][0]["new"] is False
    defs = client.get("/api/definitions", headers=auth("clerk")).json
    assert [(d["key"], d["version"]) for d in defs] == [("approval", 1)]
    assert len(client.get("/api/definitions/approval/versions", headers=auth("clerk")).json) == 1
    unknown = client.get("/api/definitions/no_such/versions", headers=auth("clerk"))
    assert unknown.status_code == 404 and unknown.json["error"]["code"] == "not_found"

    clerk = auth("clerk")
    res = client.post("/api/instances", json={"key": "approval", "business_key": "B-1",
                                              "data": {"item": "施工许可"}}, headers=clerk)
    assert res.status_code == 201
    inst = res.json
    assert inst["state"] == "running" and inst["version"] == 1
    task = inst["tasks"][0]
    listed = client.get("/api/tasks?group=window", headers=clerk).json
    assert [t["id"] for t in listed] == [task["id"]]
    assert client.post(f"/api/tasks/{task['id']}/claim", headers=clerk).status_code == 200
    res = client.post(f"/api/tasks/{task['id']}/complete", json={"data": {"area": "big"}}, headers=clerk)
    assert res.status_code == 422  # each field named, the missing one too (api.md), for a client to mark
    assert [(d["field"], d["rule"]) for d in res.json["error"]["details"]] == [("applicant", "required"),
                                                                              ("area", "type")]
    res = client.post(f"/api/tasks/{task['id']}/complete", json={"data": {"applicant": "王五"}},
                      headers=clerk)
    assert res.status_code == 200 and res.json["data"]["applicant"] == "王五"
    res = client.post(f"/api/tasks/{task['id']}/complete", json={"data": {"applicant": "王五"}},
                      headers=clerk)
    assert res.status_code == 409
    full = client.get(f"/api/instances/{inst['id']}", headers=clerk).json
    assert [e["type"] for e in full["events"]][:3] == ["instance_started", "task_created", "task_claimed"]


def test_second_claim_409_other_group_403(client):
    deploy(client, FILES)
    inst = client.post("/api/instances", json={"key": "approval"}, headers=auth("clerk")).json
    task_id = inst["tasks"][0]["id"]
    assert client.post(f"/api/tasks/{task_id}/claim", headers=auth("taxman")).status_code == 403
    assert client.post(f"/api/tasks/{task_id}/claim", headers=auth("clerk")).status_code == 200
    assert client.post(f"/api/tasks/{task_id}/claim", headers=auth("admin")).status_code == 409
    assert client.get(f"/api/instances/{inst['id']}", headers=auth("taxman")).status_code == 403
    # The refused claims left nothing behind: one holder, one claim in the history.
    case = client.get(f"/api/instances/{inst['id']}", headers=auth("clerk")).json
    assert [t["assignee"] for t in case["tasks"] if t["id"] == task_id] == ["clerk"]
    assert [e["actor"] for e in case["events"] if e["type"] == "task_claimed"] == ["clerk"]


def test_bad_requests_are_clear_json(client):
    headers = auth("clerk")
    res = client.post("/api/instances", data="not json", headers=headers, content_type="application/json")
    assert res.status_code == 422 and "JSON" in res.json["error"]["message"]
    assert client.post("/api/instances", json={"key": "nope"}, headers=headers).status_code == 404
    assert client.post("/api/instances", json={"key": "approval", "version": "x"},
                       headers=headers).status_code == 422
    res = client.get("/api/tasks/999/nothing", headers=headers)
    assert res.status_code == 404 and "error" in res.json
    res = client.get("/api/tasks?state=bogus", headers=headers)
    assert res.status_code == 422


def test_invalid_deployment_is_422_with_file_and_element(client):
    res = deploy(client, [("bad.bpmn", b"<not xml"), FILES[1]])
    assert res.status_code == 422
    assert res.json["error"]["details"][0]["file"] == "bad.bpmn"
    assert client.get("/api/definitions", headers=auth("clerk")).json == []
    res = deploy(client, FILES, login="reviewer")
    assert res.status_code == 403


def test_a_file_chosen_twice_or_a_process_two_files_define_is_said_so(client):
    """Both came back as the library's "Duplicate process ID: approval." with no file to look at."""
    res = deploy(client, [FILES[0], FILES[0], FILES[1]])
    assert res.status_code == 422 and [(d["file"], d["element_id"], d["message"]) for d in res.json["error"]["details"]] == [
        ("approval.bpmn", None, "approval.bpmn is sent twice: send each file once")]
    res = deploy(client, [FILES[0], ("approval (1).bpmn", FILES[0][1]), FILES[1]])
    assert res.status_code == 422 and [(d["file"], d["element_id"], d["message"]) for d in res.json["error"]["details"]] == [
        ("approval (1).bpmn", "approval", "process 'approval' is defined in approval.bpmn too: deploy one file for it")]
    assert client.get("/api/definitions", headers=auth("clerk")).json == []


def test_a_deployment_answers_its_warnings(client):
    """What deploys but no one could work on is said beside the definitions (api.md's answer, extended)."""
    assert deploy(client, FILES).json["warnings"] == []
    typo = approval().replace('name="housing"', 'name="housng"')
    res = deploy(client, [("approval.bpmn", typo.encode()), FILES[1]])
    assert res.status_code == 201 and res.json["definitions"][0]["version"] == 2
    [warning] = res.json["warnings"]
    assert warning["file"] == "approval.bpmn" and warning["element_id"] == "Lane_1"
    assert warning["message"].startswith("lane 'housng' names 'housng', which is neither a department code nor a role")
    again = deploy(client, [("approval.bpmn", typo.encode()), FILES[1]])
    assert again.status_code == 201 and again.json["warnings"] == res.json["warnings"]  # unchanged, still said
    doc = client.get("/api/openapi.json").json
    answer = doc["paths"]["/api/deployments"]["post"]["responses"]["201"]["content"]["application/json"]["schema"]
    assert answer == {"$ref": "#/components/schemas/Deployment"}
    assert "warnings" in doc["components"]["schemas"]["Deployment"]["required"]


def test_ids_beyond_an_id_column_are_not_found(client):
    headers = auth("clerk")
    for path in ("/api/instances/9223372036854775808", "/api/tasks/99999999999999999999999/claim"):
        method = client.post if path.endswith("claim") else client.get
        res = method(path, headers=headers)
        assert res.status_code == 404 and res.json["error"]["code"] == "not_found", path
    for value in ("99999999999999999999", "²", "-1"):
        res = client.get(f"/api/tasks?instance_id={value}", headers=headers)
        assert res.status_code == 422 and "instance_id" in res.json["error"]["message"], value


def test_tasks_come_a_page_at_a_time_by_id(client):
    deploy(client, FILES)
    clerk = auth("clerk")
    started = [client.post("/api/instances", json={"key": "approval"}, headers=clerk).json["tasks"][0]["id"]
               for _ in range(5)]
    assert [t["id"] for t in client.get("/api/tasks", headers=clerk).json] == started  # all of them: fewer than 500
    pages, after = [], 0
    for _ in range(4):  # three pages, then none
        pages.append([t["id"] for t in client.get(f"/api/tasks?limit=2&after={after}", headers=clerk).json])
        after = pages[-1][-1] if pages[-1] else after
    assert pages == [started[:2], started[2:4], started[4:], []]
    assert client.get("/api/tasks?limit=500", headers=clerk).status_code == 200
    for query in ("limit=501", "limit=0", "limit=x", "after=-1", "after=99999999999"):
        res = client.get(f"/api/tasks?{query}", headers=clerk)
        assert res.status_code == 422 and query.split("=")[0] in res.json["error"]["message"], query


def test_a_body_must_be_a_json_object_of_finite_values(client):
    assert deploy(client, FILES).status_code == 201
    headers = auth("clerk")
    res = client.post("/api/instances", data="key=approval", headers=headers,
                      content_type="application/x-www-form-urlencoded")  # curl -d without a type
    assert res.status_code == 422 and "Content-Type: application/json" in res.json["error"]["message"]
    for body in ('{"key": "approval", "data": {"x": NaN}}', '{"key": "approval", "data": {"x": 1e999}}'):
        res = client.post("/api/instances", data=body, headers=headers, content_type="application/json")
        assert res.status_code == 422 and "not valid JSON" in res.json["error"]["message"], body
    res = client.post("/api/instances", data="[" * 100_000, headers=headers, content_type="application/json")
    assert res.status_code == 422
    res = client.post("/api/instances", json={"key": "approval", "business_key": {"a": 1}}, headers=headers)
    assert res.status_code == 422 and "business_key" in res.json["error"]["message"]
    assert client.get("/api/tasks", headers=headers).json == []  # nothing was started


def test_a_field_the_operation_does_not_take_is_refused_not_dropped(client):
    """A form's fields sent beside 'data' (not inside it), or a misspelt businessKey, were dropped
    without a word: the case started without its number, the form said to miss what was sent."""
    assert deploy(client, FILES).status_code == 201
    clerk = auth("clerk")
    res = client.post("/api/instances", json={"key": "approval", "businessKey": "B-7"}, headers=clerk)
    assert res.status_code == 422 and res.json["error"]["message"] == (
        "The body has 'businessKey', which this operation does not take: it takes 'key', 'version', "
        "'business_key', 'data' (a form's fields go inside 'data')")
    assert client.get("/api/tasks", headers=clerk).json == []  # nothing was started
    task = client.post("/api/instances", json={"key": "approval", "business_key": "B-7"}, headers=clerk).json["tasks"][0]
    assert client.post(f"/api/tasks/{task['id']}/claim", headers=clerk).status_code == 200
    res = client.post(f"/api/tasks/{task['id']}/complete", json={"applicant": "王五"}, headers=clerk)
    assert res.status_code == 422 and "'applicant'" in res.json["error"]["message"]
    assert "inside 'data'" in res.json["error"]["message"]
    done = client.post(f"/api/tasks/{task['id']}/complete", json={"data": {"applicant": "王五"}}, headers=clerk)
    assert done.status_code == 200 and done.json["business_key"] == "B-7"


def test_a_data_error_the_library_lets_through_is_an_engine_error(client, org):
    """A multi-instance task over a collection the case lacks: SpiffWorkflow raises a bare
    TypeError; the caller gets the procedure's failure (422), not an internal error."""
    from tests.bpmn_builder import process
    bpmn = process("each", [("start", "s", "s"), ("user", "u", "u"), ("end", "e", "e")], [("s", "u"), ("u", "e")])
    bpmn = bpmn.replace('</bpmn:userTask>', '<bpmn:multiInstanceLoopCharacteristics>'
                        '<bpmn:loopDataInputRef>reviewers</bpmn:loopDataInputRef>'
                        '<bpmn:inputDataItem id="reviewer" name="reviewer"/>'
                        '</bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>')
    res = deploy(client, [("each.bpmn", bpmn.encode())])
    assert res.status_code == 201, res.json
    res = client.post("/api/instances", json={"key": "each", "data": {"reviewers": None}}, headers=auth("clerk"))
    assert res.status_code == 422 and res.json["error"]["code"] == "engine_error"
    assert "TypeError" in res.json["error"]["message"]
    ok = client.post("/api/instances", json={"key": "each", "data": {"reviewers": ["a", "b"]}}, headers=auth("clerk"))
    assert ok.status_code == 201 and len(ok.json["tasks"]) == 2


def test_a_task_outside_any_lane_opens_its_case_to_every_reviewer(client, org):
    """Whoever may claim a task may read its case: the API agrees with the inbox."""
    from tests.bpmn_builder import process
    bpmn = process("open", [("start", "s", "s"), ("user", "u", "u"), ("end", "e", "e")], [("s", "u"), ("u", "e")])
    assert deploy(client, [("open.bpmn", bpmn.encode())]).status_code == 201
    case = client.post("/api/instances", json={"key": "open"}, headers=auth("clerk")).json
    taxman = auth("taxman")
    assert client.get(f"/api/instances/{case['id']}", headers=taxman).status_code == 200
    assert client.post(f"/api/tasks/{case['tasks'][0]['id']}/claim", headers=taxman).status_code == 200


def test_case_requests_with_wrong_types_are_refused(client, org):
    from tests.procedures import install
    install(org)
    clerk = auth("clerk")
    seller = {"name": "王五", "id_number": "110101198001011128"}
    for materials in ([{"kind": "id_card", "filename": "a.pdf", "content_base64": 5}],
                      [{"kind": ["id_card"], "filename": "a.pdf", "content_base64": "aGk="}]):
        res = client.post("/api/cases", headers=clerk, json={"item": "1104-NRES-004", "applicant": seller,
                                                            "materials": materials})
        assert res.status_code == 422 and "file 0" in res.json["error"]["message"]
    res = client.post("/api/cases", headers=clerk, json={"item": "1104-NRES-004", "applicant": seller,
                                                        "form": "str"})
    assert res.status_code == 422 and "no application form" in res.json["error"]["message"]
    assert client.post("/api/cases/1/accept", headers=clerk, json={"pledged": "marital_status"}).status_code == 422
    assert client.post("/api/cases/1/accept", headers=clerk, json={"pledged": [{"a": 1}]}).status_code == 422
    for month in ("0-1", "9999-12", "2026-13"):
        res = client.get(f"/api/reports/monthly/{month}.xlsx", headers=auth("supervisor"))
        assert res.status_code == 422, month
