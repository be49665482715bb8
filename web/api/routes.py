from flask import g, jsonify, request

from engine.errors import Invalid
from engine.services import cases, deploy, tasks

from . import bp, json_body
from .openapi import document


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())


@bp.post("/deployments")
def create_deployment():
    files = [(f.filename or "unnamed", f.read()) for f in request.files.getlist("file")]
    if not files:
        raise Invalid("Send one or more multipart parts named 'file' (.bpmn, .dmn, .json)")
    deployment_id, results = deploy.deploy(files, g.user)
    status = 201 if deployment_id is not None else 200
    return jsonify({"id": deployment_id, "definitions": [r.as_dict() for r in results]}), status


@bp.get("/definitions")
def list_definitions():
    return jsonify([deploy.describe(d) for d in deploy.latest_definitions(request.args.get("kind", "bpmn"))])


@bp.get("/definitions/<key>/versions")
def definition_versions(key):
    return jsonify([deploy.describe(d) for d in deploy.versions(key, request.args.get("kind", "bpmn"))])


@bp.post("/instances")
def start_instance():
    body = json_body()
    if not isinstance(body.get("key"), str):
        raise Invalid("'key' (the process key) is required")
    version = body.get("version")
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        raise Invalid("'version' must be an integer")
    result = cases.start_instance(body["key"], g.user, version=version,
                                  business_key=body.get("business_key"), data=body.get("data"))
    return jsonify(result), 201


@bp.get("/instances/<int:instance_id>")
def get_instance(instance_id):
    return jsonify(cases.get_instance(instance_id, g.user))


@bp.get("/tasks")
def list_tasks():
    args = request.args
    instance_id = args.get("instance_id")
    if instance_id is not None and not instance_id.isdigit():
        raise Invalid("instance_id must be a number")
    return jsonify(tasks.list_tasks(g.user, assignee=args.get("assignee"), group=args.get("group"),
                                    state=args.get("state", "ready") or None,
                                    instance_id=int(instance_id) if instance_id else None))


@bp.post("/tasks/<int:task_id>/claim")
def claim(task_id):
    return jsonify(tasks.claim(task_id, g.user))


@bp.post("/tasks/<int:task_id>/unclaim")
def unclaim(task_id):
    return jsonify(tasks.unclaim(task_id, g.user))


@bp.post("/tasks/<int:task_id>/complete")
def complete(task_id):
    body = json_body()
    return jsonify(tasks.complete(task_id, g.user, body.get("data")))
