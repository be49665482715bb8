"""The REST contract of api.md, through Flask's test client on the real database."""
import io
import json

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


def test_openapi_document(client):
    doc = client.get("/api/openapi.json").json
    assert doc["openapi"].startswith("3.") and "/api/tasks/{id}/claim" in doc["paths"]


def test_deploy_start_claim_complete(client):
    res = deploy(client, FILES)
    assert res.status_code == 201, res.json
    assert res.json["definitions"][0] == {"key": "approval", "version": 1, "name": "简单审批",
                                          "kind": "bpmn", "new": True}
    assert deploy(client, FILES).status_code == 200  # identical: no new version
    defs = client.get("/api/definitions", headers=auth("clerk")).json
    assert [(d["key"], d["version"]) for d in defs] == [("approval", 1)]
    assert len(client.get("/api/definitions/approval/versions", headers=auth("clerk")).json) == 1

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
    assert res.status_code == 422 and res.json["error"]["details"]
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
