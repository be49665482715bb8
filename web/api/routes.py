from flask import g, jsonify, request

from engine.calendar import CALENDAR_YEARS
from engine.errors import Invalid, NotFound
from engine.services import cases, decision_tests, deploy, tasks

from . import bp, integer_field, json_body, known_fields, query_number, text_field
from .openapi import document


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())


@bp.post("/deployments")
def create_deployment():
    files = [(f.filename or "unnamed", f.read()) for f in request.files.getlist("file")]
    if not files:
        raise Invalid("Send one or more multipart parts named 'file' (.bpmn, .dmn, .json)")
    intended = request.form.get("intended", "false")
    if intended not in ("true", "false"):
        raise Invalid("'intended' is true or false")
    outcome, _results = decision_tests.deploy_tried(files, g.user, intended=intended == "true")
    # 201 as api.md gives it, also for files already deployed: "new" says which versions are.
    return jsonify({"id": outcome.id, "definitions": [r.as_dict() for r in outcome.definitions],
                    "warnings": outcome.warnings}), 201


@bp.get("/definitions")
def list_definitions():
    return jsonify([deploy.describe(d) for d in deploy.latest_definitions(request.args.get("kind", "bpmn"))])


@bp.get("/definitions/<key>/versions")
def definition_versions(key):
    found = deploy.versions(key, request.args.get("kind", "bpmn"))
    if not found:
        raise NotFound("No process %(key)s", key=repr(key))
    return jsonify([deploy.describe(d) for d in found])


@bp.post("/instances")
def start_instance():
    body = known_fields(json_body(), "key", "version", "business_key", "data")
    if not isinstance(body.get("key"), str):
        raise Invalid("'key' (the process key) is required")
    result = cases.start_instance(body["key"], g.user, version=integer_field(body, "version", optional=True),
                                  business_key=body.get("business_key"), data=body.get("data"))
    return jsonify(result), 201


@bp.get("/instances/<int:instance_id>")
def get_instance(instance_id):
    return jsonify(cases.get_instance(instance_id, g.user))


@bp.get("/tasks")
def list_tasks():
    args = request.args
    return jsonify(tasks.list_tasks(g.user, assignee=args.get("assignee"), group=args.get("group"),
                                    state=args.get("state", "ready") or None,
                                    instance_id=query_number("instance_id", None),
                                    after=query_number("after", 0), limit=query_number("limit", tasks.LISTED)))


@bp.post("/tasks/<int:task_id>/claim")
def claim(task_id):
    return jsonify(tasks.claim(task_id, g.user))


@bp.post("/tasks/<int:task_id>/unclaim")
def unclaim(task_id):
    return jsonify(tasks.unclaim(task_id, g.user))


@bp.get("/supervision")
def supervision_overview():
    from engine import supervision
    return jsonify(supervision.overview(g.user, request.args.get("period", supervision.DEFAULT_PERIOD)))


@bp.get("/supervision/orders")
def supervision_orders():
    from engine import supervision
    return jsonify(supervision.orders(g.user, state=request.args.get("state") or None))


@bp.post("/supervision/orders/<int:order_id>/answer")
def answer_supervision_order(order_id):
    from engine import supervision
    feedback = json_body().get("feedback")
    if not isinstance(feedback, str):
        raise Invalid("'feedback' (text) is required")
    return jsonify(supervision.answer_order(order_id, g.user, feedback))


@bp.get("/reports/monthly/<int:year>-<int:month>.xlsx")
def monthly_report(year, month):
    from flask import Response
    from engine import supervision
    from engine.services.users import require
    require(g.user, "supervisor", "lead")
    return Response(supervision.monthly_xlsx(year, month),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename=report-{year}-{month:02d}.xlsx"})


@bp.get("/instances/<int:instance_id>/clocks")
def instance_clocks(instance_id):
    from engine.clock import limits
    cases.get_instance(instance_id, g.user)  # the same visibility rule as the case itself
    return jsonify([limits.describe(c) for c in limits.clocks_of(instance_id)])


@bp.post("/clocks/<int:clock_id>/pause")
def pause_clock(clock_id):
    from engine.clock import pauses
    body = json_body()
    procedure_id = pauses.pause(clock_id, str(body.get("kind", "")), str(body.get("reason", "")),
                                integer_field(body, "expected_days"), g.user, text_field(body, "participants") or "")
    return jsonify({"procedure_id": procedure_id}), 201


@bp.post("/clocks/<int:clock_id>/resume")
def resume_clock(clock_id):
    from engine.clock import limits, pauses
    return jsonify(limits.describe(pauses.resume(clock_id, str(json_body().get("result", "")), g.user)))


@bp.post("/clocks/<int:clock_id>/extend")
def extend_clock(clock_id):
    from engine.clock import extension, limits
    body = json_body()
    return jsonify(limits.describe(extension.extend(clock_id, integer_field(body, "days"), str(body.get("reason", "")),
                                                    g.user, text_field(body, "approval"))))


@bp.get("/timers/incidents")
def timer_incidents():
    from engine import timers
    from engine.services.users import require
    require(g.user, "admin")
    return jsonify(timers.incidents())


@bp.get("/health")
def installation_health():
    from engine import health
    return jsonify(health.report(g.user))


@bp.post("/timers/<int:timer_id>/retry")
def retry_timer(timer_id):
    from engine import timers
    timers.retry(timer_id, g.user)
    return jsonify({"id": timer_id, "state": "pending"})


@bp.get("/calendar/<int:year>")
def calendar_year(year):
    from engine.services import calendars
    if year not in CALENDAR_YEARS:
        raise Invalid("year out of range")
    return jsonify(calendars.year_overview(year))
