"""The OpenAPI 3.1 description of the REST API, kept beside the routes it describes."""
from engine.report_kinds import KINDS
from engine.services.tasks import LISTED

from .exchange_schema import SCHEMAS as EXCHANGE_SCHEMAS

_ERROR = {"$ref": "#/components/schemas/Error"}


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _list(schema):
    return {"type": "array", "items": schema}


def _op(summary, ok, body=None, params=(), errors=(401, 403, 404, 422), answer=None):
    """params: (name, where, its type or its whole schema). errors: every status the route answers
    besides `ok`, each with the Error body. The tests hold every API answer to this document
    (tests/api_contract.py)."""
    op = {"summary": summary, "responses": {
        str(ok): {"description": "OK", "content": {"application/json": {"schema": answer or {}}}},
        **{str(code): {"description": "error", "content": {"application/json": {"schema": _ERROR}}}
           for code in errors}}}
    if params:
        op["parameters"] = [{"name": n, "in": where, "required": where == "path",
                             "schema": t if isinstance(t, dict) else {"type": t}} for n, where, t in params]
    if body:
        op["requestBody"] = {"required": True, "content": body}
    return op


def _object(properties, optional=()):
    """An answer's object: every property given except the optional ones, and nothing else, so
    that a field added to an answer must be described here too."""
    return {"type": "object", "properties": properties, "additionalProperties": False,
            "required": [name for name in properties if name not in optional]}


_S, _S_NULL = {"type": "string"}, {"type": ["string", "null"]}
_I, _I_NULL = {"type": "integer"}, {"type": ["integer", "null"]}
_B, _N_NULL = {"type": "boolean"}, {"type": ["number", "null"]}
_DATE, _DATE_NULL = {"type": "string", "format": "date"}, {"type": ["string", "null"], "format": "date"}
_TIME, _TIME_NULL = {"type": "string", "format": "date-time"}, {"type": ["string", "null"], "format": "date-time"}
_DATA = {"type": "object"}  # what a form or an event holds: open
_INSTANCE_STATES = ["running", "completed", "suspended", "terminated", "error"]
_CARD, _LEVEL = {"enum": ["yellow", "red"]}, {"enum": ["normal", "warning", "yellow", "red"]}
# The unit a limit is counted in (engine/clock/units.py): 工作日, 自然日, 小时.
_UNIT = {"enum": ["working_days", "calendar_days", "hours"]}
_MOMENT = {**_TIME_NULL, "description": "the moment a limit in hours passes (China time); null for one in days, "
                                        "which runs to the end of its date"}

_FILES = {"type": "array", "items": {"type": "object", "required": ["filename", "content_base64"],
                                     "properties": {"kind": {"type": "string"}, "filename": {"type": "string"},
                                                    "content_base64": {"type": "string"}}}}

_TASK = _object({"id": _I, "instance_id": _I, "name": _S, "title": _S_NULL, "group": _S_NULL,
                 "assignee": _S_NULL, "state": {"enum": ["ready", "completed", "cancelled", "returned"]},
                 "created_at": _TIME, "due_at": _TIME_NULL, "form": _S_NULL,
                 "silence_consents": {"type": "boolean", "description": "silence is the department's consent: "
                                      "still open at the end of its own limit (its step clock's, due_at unless "
                                      "that was shortened to the case's), the step is completed as its agreement "
                                      "(逾期未反馈书面审查意见，视为同意)"}})
_INSTANCE = {"id": _I, "key": _S, "version": _I, "business_key": _S_NULL, "state": {"enum": _INSTANCE_STATES},
             "data": _DATA, "revision": _I, "tasks": _list(_ref("Task"))}
_CLOCK = _object({
    "id": _I, "instance_id": _I, "task_id": _I_NULL, "label": _S, "department": _S_NULL,
    "state": {"enum": ["running", "paused", "stopped"]}, "level": _LEVEL,
    "started_on": _DATE, "promised_days": {**_I, "description": "in promised_unit"},
    "statutory_days": {**_I_NULL, "description": "in statutory_unit"}, "promised_unit": _UNIT,
    "statutory_unit": _UNIT, "promised_due": _DATE, "statutory_due": _DATE_NULL, "promised_due_at": _MOMENT,
    "statutory_due_at": _MOMENT, "provisional": _B,
    "paused_days": {**_I, "description": "working days its special procedures took"}, "promised_provisional": _B,
    "statutory_provisional": _B, "extension_days": {**_I, "description": "in statutory_unit"},
    "capped": {"type": "boolean", "description": "a step's deadline shortened to its case's (never after it)"},
    "workdays_left": {"type": "integer", "description": "negative once the promised date has passed"},
    "left": {"type": "integer", "description": "what is left of the promised limit in promised_unit (an hour "
                                               "begun counted whole), negative once it has passed"}})
# 中介超市's kinds of report (engine/report_kinds.py).
_KINDS = {"enum": list(KINDS)}
# Where a clock or an order is shown from: the case and the step whose page shows it to staff.
_LINK = {"case_id": _I_NULL, "case_number": _S_NULL, "task_id": _I_NULL}
_CASE = _object({
    "id": _I, "number": _S, "item_code": _S, "item_name": _S, "item_kind": _S,
    # The item's own names of its decisions where it gives them (准予登记), by decision code; in
    # English by the code ending in _en (approve_en: Registration granted).
    "decision_words": {"type": "object", "additionalProperties": False, "properties": {
        code + ending: _S for code in ("approve", "approve_with_conditions", "reject", "refusal_notice")
        for ending in ("", "_en")}},
    "status": {"type": "string", "description": "submitted, correction, review_correction, accepted, refused, "
                                                "decided, conditional, delivered, withdrawn, terminated, revoked (a "
                                                "grant revoked for a false pledge)"},
    "channel": {"enum": ["window", "online", "agent"]}, "applicant": _S,
    "still_missing": _list(_object({"code": _S, "name": _S, "reason": _S})),
    "applicant_id": _I, "submitted_at": _TIME, "accepted_on": _DATE_NULL, "deemed_accepted": _B,
    "instance_id": _I_NULL, "procedure_state": {"enum": [*_INSTANCE_STATES, None]},
    "decision": _S_NULL, "delivery": _DATA, "form": _DATA, "form_schema": {"type": ["object", "null"]},
    "note": _S_NULL, "statement": _S_NULL, "immediate": _B,
    "results": _list(_object({"id": _I, "name": _S, "filename": _S_NULL, "issued_by": _S_NULL,
                              "seal_code": _S_NULL})),
    "materials": _list(_object({
        "code": _S, "name": _S, "mandatory": _B, "deferrable": _B, "pledgeable": _B,
        "state": {"enum": ["provided", "reused", "pledged", "deferred", "missing", "unsupplied", "covered",
                           "not_needed"],
                  "description": "covered, not_needed: an entry made of the agency reports when the project needs "
                                 "none (the zone's regional assessment exempts or simplifies every kind the rules ask; the rules "
                                 "ask none)"},
        "material_id": _I_NULL, "filename": _S_NULL, "due_on": _DATE_NULL, "reused_from": _I_NULL,
        "reports": {**_list(_ref("Report")), "description": "an entry made of the agency reports (agency_reports): "
                    "one a kind the project needs; handed in under its code (report:<kind>), or delivered through "
                    "a commission. The entry is provided once every one is"},
        "covered": {**_list(_object({"kind": _KINDS, "name": _S, "doc_no": _S, "simplified": _B})),
                    "description": "the kinds the zone's regional assessment exempts, or simplifies (简化评估"
                                   "（告知承诺+核查）: a pledge and a check, no report), with its document"}},
        optional=("reports", "covered"))),
    "notices": _list(_object({"id": _I, "kind": _S, "number": _S, "issued_at": _TIME, "data": _DATA,
                              "seal_code": {**_S_NULL, "description": "the electronic seal's verification code "
                                            "(none on a notice issued before notices were sealed)"}})),
    "clocks": _list(_ref("Clock")), "open_steps": _list(_ref("Task")), "commissions": _list(_ref("Commission")),
    "application": {**_object({"id": _I, "number": _S, "thing_code": _S, "thing_name": _S}),
                    "type": ["object", "null"],
                    "description": "一件事: the application the case was filed with, beside its other items' cases "
                                   "(GET /api/applications/{id}, the window's to read); null for a case applied for alone"},
    "licence": {**_object({
        "business_kind": {"enum": ["new", "renewal"], "description": "业务办理项: 新设, or 延续 of the licence in renews"},
        "expires_on": {**_DATE_NULL, "description": "the day the licence this case granted expires"},
        "revoked": {**_B, "description": "the grant was revoked (撤销): its licence no longer stands, is not renewed"},
        "renews": {**_object({"id": _I, "number": _S, "expires_on": _DATE,
                              "revoked": {**_B, "description": "that grant was revoked: this renewal is not granted"}}),
                   "type": ["object", "null"],
                   "description": "the case whose licence this one renews; undecided at the end of its expires_on "
                                  "(Beijing time), an accepted renewal is deemed granted (Art. 50)"},
        "renewals": _list(_object({"id": _I, "number": _S, "status": _S, "decision": _S_NULL})),
        "renewable": {**_B, "description": "the licence expires, stands (not revoked) and its item offers renewals"},
        "refusal": {**_S_NULL, "description": "of a renewable licence, why the holder may not apply to renew it "
                                              "today; null if they may (POST /api/cases/{id}/renew)"}}),
        "type": ["object", "null"], "description": "延续 (Art. 50): null for a case that neither granted a licence "
                                                   "with a validity nor renews one"}})
# 一件事 (engine/thing_applications.py): one application of a thing's items, a case each.
_APPLICATION = _object({
    "id": _I, "number": {"type": "string", "description": "YJS and the date: the application's own number"},
    "thing_code": _S, "thing_name": _S, "thing_version": _I,
    "department": {"type": "string", "description": "the department whose window hosts the thing: its notices of "
                                                    "the whole are issued in its name"},
    "department_name": _S, "applicant": _S, "applicant_id": _I, "channel": {"enum": ["window", "online", "agent"]},
    "submitted_at": _TIME,
    "status": {"enum": ["submitted", "in_progress", "done", "refused"],
               "description": "from its cases': submitted while one awaits acceptance; refused when all were; done "
                              "when every one has ended (delivered, withdrawn, terminated, refused, revoked)"},
    "form": _DATA, "form_schema": {"type": ["object", "null"], "description": "the one form, its items' laid together"},
    "note": _S_NULL,
    "items": _list(_object({
        "case_id": _I, "case_number": _S, "item_code": _S, "item_name": _S, "item_kind": _S, "department": _S,
        "department_name": _S, "status": _S, "accepted_on": _DATE_NULL, "promised_due": _DATE_NULL,
        "promised_provisional": _B, "decision": _S_NULL, "decision_words": {"type": "object"},
        "delivered_at": _TIME_NULL})),
    "materials": {**_list(_object({
        "code": _S, "name": _S, "mandatory": _B, "deferrable": _B, "pledgeable": _B, "state": _S,
        "material_id": _I_NULL, "filename": _S_NULL, "items": _list(_S)})),
        "description": "each material once, its state on the first case listing it; items: the item codes whose "
                       "checklists list it (a shared one is handed in once and attached to each)"},
    "notices": {**_list(_object({"id": _I, "kind": {"enum": ["thing_acceptance", "thing_refusal"]}, "number": _S,
                                 "issued_at": _TIME, "data": _DATA, "seal_code": _S_NULL})),
                "description": "the notices of the whole: one 受理通知书 listing every item accepted with its promised "
                               "date, or one 不予受理通知书; each case keeps its own besides"}})
# 中介超市: ratings run 1 to 5 with 5 the best, unlike the 好差评 levels (1 非常满意).
_REPORT = _object({
    "code": {"type": "string", "description": "report:<kind>, the code the report is handed in under"},
    "kind": _KINDS, "name": {"type": "string", "description": "the kind's report, in English"},
    "state": {"enum": ["provided", "missing"]}, "material_id": _I_NULL, "filename": _S_NULL,
    "agency": {"type": ["string", "null"], "description": "the agency that delivered it, or is preparing it"},
    "agency_due_on": {**_DATE_NULL, "description": "the date the agency preparing it promised"}})
_COMMISSION = _object({
    "id": _I, "kind": _KINDS, "agency_id": _I, "agency": _S, "chosen_on": _DATE,
    "due_on": {"type": "string", "format": "date", "description": "the agency's promise, outside the case's clocks"},
    "state": {"enum": ["open", "delivered", "cancelled", "ended"],
              "description": "ended: the case ended while the commission was open"},
    "delivered_on": _DATE_NULL, "cancel_reason": _S_NULL,
    "rating": {"type": ["integer", "null"], "minimum": 1, "maximum": 5, "description": "the applicant's rating, 1 to 5, 5 the best (the other way round from the 好差评 levels, where 1 is the best)"},
    "rating_comment": _S_NULL,
    "report": {**_object({"material_id": _I, "filename": _S_NULL}), "type": ["object", "null"],
               "description": "the report the delivery brought, kept among the case's materials (none "
                              "for a delivery recorded before reports were handed in with it)"}})
_AGENCY = _object({
    "id": _I, "name": _S, "services": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 1},
                                       "propertyNames": _KINDS,
                                       "description": "kind of report: the working days the agency promises"},
    "qualification": _S, "contact": _S, "price_note": _S,
    "average_rating": {"type": ["number", "null"], "minimum": 1, "maximum": 5,
                       "description": "of the applicants' ratings, 1 to 5, 5 the best (unlike the 好差评 levels); "
                                      "null when none"},
    "ratings": {"type": "integer", "description": "how many ratings the average is of"}})

SCHEMAS = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                       "details": {"type": "array"}}}}},
    # A deployment's answer (201 also when nothing changed). Warnings name what deployed but
    # would get a case stuck: a lane no one can work in, a name a condition reads that nothing provides.
    "Deployment": _object({
        "id": _I_NULL,
        "definitions": _list(_object({"key": _S, "version": _I, "name": _S_NULL, "kind": {"enum": ["bpmn", "dmn"]},
                                      "new": _B})),
        "warnings": _list(_object({"file": _S, "element_id": _S_NULL, "message": _S}))}),
    "Definition": _object({"key": _S, "version": _I, "name": _S_NULL, "kind": {"enum": ["bpmn", "dmn"]},
                           "deployed_at": _TIME, "suspended": _B}),
    # 试算: a decision's result on given inputs, and every decision decided for it (those it requires
    # first): the rows a table matched and those its hit policy applied, with their outputs.
    "Trial": _object({
        "key": _S, "version": {**_I_NULL, "description": "the deployed version evaluated; null for XML sent"},
        "result": {"description": "the decision's result, as a procedure's decide() gets it"},
        "decisions": _list(_object({
            "id": _S, "name": _S, "kind": {"enum": ["table", "literal"]}, "hit_policy": _S_NULL,
            "aggregation": _S_NULL, "outputs": _list(_object({"name": _S_NULL, "label": _S_NULL})),
            "matched": {**_list(_I), "description": "the rows (from 1) whose input entries all match"},
            "applied": {**_list(_object({"row": _I, "outputs": {"type": "array"}})),
                        "description": "the matched rows the hit policy makes the result of, in its order"},
            "result": {}}))}),
    "Task": _TASK,
    "Instance": _object(_INSTANCE),
    # Incidents: the case's timers that failed for good (the error only for administrators).
    "InstanceWithEvents": _object({**_INSTANCE, "events": _list(_ref("Event")), "incidents": _list(
        _object({"timer_id": _I, "kind": _S, "error": _S_NULL}, optional=["error"]))}),
    "Event": _object({"id": _I, "type": _S, "at": _TIME_NULL, "actor": _S_NULL, "task_id": _I_NULL,
                      "data": _DATA}),
    "Clock": _CLOCK,
    "Case": _CASE,
    "Application": _APPLICATION,
    "Commission": _COMMISSION, "Report": _REPORT,
    "Agency": _AGENCY,
    # 电子监察 › 中介服务: the commissions past their date, and every agency's record.
    "AgencySupervision": _object({
        "overdue": _list({**_COMMISSION, "properties": {
            **_COMMISSION["properties"], "case_id": _I, "case_number": _S,
            "late_workdays": {"type": "integer", "description": "working days since the promised date"}},
            "required": [*_COMMISSION["required"], "case_id", "case_number", "late_workdays"]}),
        "agencies": _list(_object({
            "id": _I, "name": _S, "active": _B, "contact": _S, "suspended_reason": _S_NULL,
            **{n: _I for n in ("commissions", "open", "overdue", "delivered", "late", "cancelled", "ended", "ratings")},
            "average": {"type": ["number", "null"], "minimum": 1, "maximum": 5,
                        "description": "of the applicants' ratings, 1 to 5, 5 the best (非常满意)"}}))}),
    "Comment": _object({"id": _I, "task_id": _I, "text": _S, "by": _S}),
    "SupervisionOverview": _object({
        "period": {"enum": ["month", "quarter", "year", "all"]},
        "finished_since": {**_DATE_NULL, "description": "the period's first day; null for all"},
        "rows": _list(_object({
            "department": _S_NULL, "department_name": _S_NULL, "item_code": _S_NULL,
            "open": _object({level: _I for level in ("normal", "warning", "yellow", "red")}),
            "finished": _I, "on_time": _I, "on_time_rate": _N_NULL, "avg_workdays_used": _N_NULL,
            "avg_promised_days": {**_N_NULL, "description": "in promised_unit"},
            "promised_unit": {"enum": [*_UNIT["enum"], None], "description": "of the finished cases' promise"}})),
        "overdue": _list(_object({"clock_id": _I, "instance_id": _I, "label": _S, "department": _S_NULL,
                                  "department_name": _S_NULL, "level": _LEVEL, "promised_due": _DATE,
                                  "statutory_due": _DATE_NULL, "promised_due_at": _MOMENT,
                                  "statutory_due_at": _MOMENT, **_LINK})),
        "cards": _list(_object({"department": _S_NULL, "department_name": _S_NULL, "card": _CARD,
                                "state": {"enum": ["open", "answered"]}, "count": _I})),
        "deemed_consents": {**_list(_object({"department": _S_NULL, "department_name": _S_NULL, "count": _I})),
                            "description": "per department, its steps completed as its consent in the period: "
                                           "still open when their limit ended, where silence consents"},
        "renewals_at_risk": {**_list(_object({
            "case_id": _I, "case_number": _S, "instance_id": _I_NULL, "item_code": _S, "item_name": _S, "department": _S,
            "department_name": _S_NULL, "status": _S, "licence_case_number": _S, "expires_on": _DATE,
            "workdays_left": _I})),
            "description": "renewals (延续) undecided whose licence expires within RENEWAL_WARNING_DAYS working days, "
                           "the soonest first"}}),
    "SupervisionOrder": _object({
        "id": _I, "clock_id": _I, "instance_id": _I, "label": _S, "department": _S_NULL,
        "department_name": _S_NULL, "card": _CARD, "issued_at": _TIME, "feedback_due": _DATE,
        "state": {"enum": ["open", "answered"]}, "feedback": _S_NULL, "answered_by": _S_NULL,
        "answered_by_name": _S_NULL, "answered_at": _TIME_NULL, "late": _B, **_LINK}),
    # 申诉复核 (engine/rating_appeals.py): a bad rating is named by its rectification's id.
    "RatingAppeal": _object({
        "id": _I, "rectification_id": _I, "case_id": _I, "case_number": _S,
        "department": {"type": "string", "description": "the department the bad rating's rectification belongs to, "
                                                        "which appealed"},
        "department_name": _S, "rating": {"type": "integer", "minimum": 4, "maximum": 5,
                                          "description": "GB/T 39046 A.8: 4 不满意, 5 非常不满意"},
        "concerns": {"enum": ["service", "handling"]},
        "rectification_state": {"enum": ["open", "answered", "excused"],
                                "description": "excused: the appeal was granted (申诉成立), the rectification closed"},
        "ground": {"enum": ["outside_duty", "mistaken", "malicious"],
                   "description": "非本部门职责, 误评 (against the facts), 恶意差评"},
        "reason": _S, "filed_by": _S, "filed_at": _TIME,
        "state": {"enum": ["pending", "upheld", "granted"], "description": "待复核, 申诉不成立, 申诉成立"},
        "decided_by": _S_NULL, "decided_at": _TIME_NULL,
        "note": {"type": ["string", "null"], "description": "the supervisor's reasons, which the applicant reads"}}),
    # 告知承诺核查 (engine/pledge_checks.py): one pledge of a granted case, checked by the department that decided it.
    "PledgeCheck": _object({
        "id": _I, "case_id": _I, "case_number": _S, "item_code": _S, "applicant": _S,
        "case_status": {"type": "string", "description": "the case's status: revoked once its grant is"},
        "material": {"type": "string", "description": "the checklist code of the material the pledge stood for"},
        "material_name": _S, "department": _S, "department_name": _S, "due_on": _DATE,
        "state": {"enum": ["due", "true", "false"], "description": "待核查, 属实, 不实 (a false pledge, 虚假承诺)"},
        "overdue": {"type": "boolean", "description": "not checked by its date: still due after it, or checked after it"},
        "finding": _S_NULL, "evidence_id": {**_I_NULL, "description": "the file the department found it by, a "
                                                                     "material of the case (GET /inbox/materials/{id})"},
        "checked_by": _S_NULL, "checked_at": _TIME_NULL}),
    # 信用记录 (engine/credit.py): while active, no pledge nor 容缺 is taken from the applicant.
    "CreditRecord": _object({
        "id": _I, "applicant": _S, "id_number": {"type": "string", "description": "ID number or unified social "
                                                                                  "credit code"},
        "case_id": _I, "case_number": _S, "check_id": _I, "recorded_on": _DATE, "active": _B,
        "repaired_by": _S_NULL, "repaired_at": _TIME_NULL, "repair_reason": _S_NULL}),
    "TimerIncident": _object({"id": _I, "instance_id": _I_NULL, "kind": _S, "due_at": _TIME, "attempts": _I,
                              "error": _S_NULL}),
    # An installation's health: the load balancer's checks (GET /healthz), and whether timers fire.
    "Health": _object({
        "status": {"enum": ["ok", "failing"]},
        "failed": {**_list({"enum": ["database", "schema", "files", "timers"]}), "description":
                   "schema: not at the migrations' head; files: the files store takes no file; timers: some are "
                   "overdue, a sign that no server or worker fires them"},
        "schema": _object({"revision": _S_NULL, "head": _S}),
        "timers": _object({
            "overdue": {"type": "integer", "description": "pending timers due more than overdue_minutes ago"},
            "overdue_since": {**_TIME_NULL, "description": "the oldest one's due time"}, "overdue_minutes": _I,
            "incidents": {"type": "integer", "description": "timers that failed for good (GET /api/timers/incidents)"},
            "last_fired_at": _TIME_NULL}),
        "calendar": {**_object({"year": _I, "level": {"enum": ["warning", "urgent"]}, "begun": _B}),
                     "type": ["object", "null"],
                     "description": "while a year's holiday notice (国务院办公厅放假安排) is not imported when it should "
                                    "be: the year, warning from 1 October of the year before, urgent from 1 December "
                                    "and once the year has begun (begun); dates counted into it are estimated; null "
                                    "otherwise. It fails no check"}}),
    "CalendarYear": _object({"year": _I, "status": {"enum": ["official", "estimated"]},
                             "non_working_weekdays": _list(_DATE), "makeup_workdays": _list(_DATE),
                             "holidays": _list(_DATE),
                             # Days a notice moves in the year beside its own (2019's, Saturday 29 December 2018).
                             "across_years": _list(_object({"day": _DATE, "working": _B, "notice_year": _I}))}),
    **EXCHANGE_SCHEMAS,
}


def _json(schema):
    return {"application/json": {"schema": schema}}


def document() -> dict:
    task_path = [("id", "path", "integer")]
    files = (401, 403, 404, 409, 413, 422)  # a request carrying files may be too large (413)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Shenpi 审批 API", "version": "1"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}, "schemas": SCHEMAS},
        "security": [{"bearer": []}],
        "paths": {
            "/api/openapi.json": {"get": {"summary": "This document (no token needed)", "security": [],
                                          "responses": {"200": {"description": "OK", "content": _json({
                                              "type": "object", "required": ["openapi", "info", "paths"]})}}}},
            "/api/deployments": {"post": _op(
                "Deploy BPMN, DMN and form files; the saved test cases (试算用例) of each decision a DMN file "
                "defines are tried on it first, and one failing refuses the deployment (422, a detail each) "
                "unless `intended` is true", 201, {
                "multipart/form-data": {"schema": {"type": "object", "properties": {
                    "file": {"type": "array", "items": {"type": "string", "format": "binary"}},
                    "intended": {"enum": ["true", "false"], "default": "false",
                                 "description": "deploy even if test cases fail on the new tables: the "
                                                "deployment's event names those cases"}}}}},
                errors=(401, 403, 413, 422), answer=_ref("Deployment"))},
            "/api/definitions": {"get": _op("Latest version of every process (kind=dmn: of every decision)", 200,
                                            params=[("kind", "query", "string")], errors=(401,),
                                            answer=_list(_ref("Definition")))},
            "/api/definitions/{key}/versions": {"get": _op("Every version of one process (kind=dmn: decision)", 200,
                                                           params=[("key", "path", "string"),
                                                                   ("kind", "query", "string")],
                                                           errors=(401, 404), answer=_list(_ref("Definition")))},
            "/api/decisions/{key}/evaluate": {"post": _op(
                "试算 (designers): the decision on these inputs, in its newest deployed version or in the DMN XML "
                "sent (read as a deployment reads it, never stored); a missing input, or a cell that fails, is "
                "refused (422) with its element id", 200, _json({
                    "type": "object", "additionalProperties": False, "properties": {
                        "inputs": {"type": "object", "description": "each input datum's value by its name"},
                        "xml": {"type": "string", "description": "a DMN file defining the decision"}}}),
                params=[("key", "path", "string")], errors=(401, 403, 404, 413, 422), answer=_ref("Trial"))},
            "/api/instances": {"post": _op("Start a case", 201, _json({
                "type": "object", "required": ["key"], "additionalProperties": False, "properties": {
                    "key": {"type": "string"}, "version": {"type": "integer"},
                    "business_key": {"type": "string"}, "data": {"type": "object"}}}),
                errors=(401, 403, 404, 409, 422), answer=_ref("Instance"))},
            "/api/instances/{id}": {"get": _op("A case with its data, tasks and events", 200,
                                               params=task_path, errors=(401, 403, 404),
                                               answer=_ref("InstanceWithEvents"))},
            "/api/instances/{id}/clocks": {"get": _op("The case's clocks: its own and each step's limits", 200,
                                                      params=task_path, errors=(401, 403, 404),
                                                      answer=_list(_ref("Clock")))},
            "/api/clocks/{id}/pause": {"post": _op("特殊程序 (Art. 45): stop a clock for a hearing, testing, expert "
                                                   "review...; the applicant is told how long", 201, _json({
                "type": "object", "required": ["kind", "reason", "expected_days"], "properties": {
                    "kind": {"type": "string"}, "reason": {"type": "string"},
                    "expected_days": {"type": "integer"},
                    "participants": {"type": "string", "description": "参与人员范围, told in the notice"}}}),
                params=task_path, errors=(401, 403, 404, 409, 422),
                answer=_object({"procedure_id": _I}))},
            "/api/clocks/{id}/resume": {"post": _op("End the special procedure: the clock runs again", 200, _json({
                "type": "object", "required": ["result"], "properties": {"result": {"type": "string"}}}),
                params=task_path, errors=(401, 403, 404, 409, 422), answer=_ref("Clock"))},
            "/api/clocks/{id}/extend": {"post": _op("延长审批 (Art. 42): once, by the head (lead); the applicant is "
                                                    "told the new date", 200, _json({
                "type": "object", "required": ["days", "reason"], "properties": {
                    "days": {"type": "integer"}, "reason": {"type": "string"},
                    "approval": {"type": "string", "description": "a joint handling's (45 days): who at the "
                                 "government approved it, and the document"}}}),
                params=task_path, errors=(401, 403, 404, 409, 422), answer=_ref("Clock"))},
            "/api/tasks": {"get": _op(
                "Tasks visible to the caller, by id: at most `limit` after the task id `after`; the next page "
                "is after the last id of this one", 200, params=[
                ("assignee", "query", "string"), ("group", "query", "string"),
                ("state", "query", "string"), ("instance_id", "query", "integer"),
                ("after", "query", {"type": "integer", "minimum": 0, "default": 0}),
                ("limit", "query", {"type": "integer", "minimum": 1, "maximum": LISTED, "default": LISTED})],
                errors=(401, 422), answer=_list(_ref("Task")))},
            "/api/tasks/{id}/claim": {"post": _op("Claim a task", 200, params=task_path,
                                                  errors=(401, 403, 404, 409), answer=_ref("Task"))},
            "/api/tasks/{id}/unclaim": {"post": _op("Give a task back", 200, params=task_path,
                                                    errors=(401, 403, 404, 409), answer=_ref("Task"))},
            "/api/tasks/{id}/complete": {"post": _op("Complete a claimed task, with its result documents", 200, _json({
                "type": "object", "additionalProperties": False,
                "properties": {"data": {"type": "object"}, "documents": _FILES}}),
                params=task_path, errors=files, answer=_ref("Instance"))},
            "/api/tasks/{id}/transfer": {"post": _op("转办: to another department or person", 200, _json({
                "type": "object", "required": ["reason"], "properties": {
                    "to_group": {"type": "string"}, "to_user": {"type": "string"}, "reason": {"type": "string"}}}),
                params=task_path, errors=(401, 403, 404, 409, 422), answer=_ref("Task"))},
            "/api/tasks/{id}/return": {"post": _op("退回: to the previous step of the branch or to the window", 200,
                _json({"type": "object", "required": ["to", "reason"], "properties": {
                    "to": {"enum": ["previous", "window"]}, "reason": {"type": "string"}}}),
                params=task_path, errors=(401, 403, 404, 409, 422), answer=_ref("Instance"))},
            # 422: the procedure may fail as it runs on from the step taken back.
            "/api/tasks/{id}/withdraw": {"post": _op("撤回: my completed step, before the next starts", 200,
                                                     params=task_path, errors=(401, 403, 404, 409, 422),
                                                     answer=_ref("Instance"))},
            "/api/tasks/{id}/urge": {"post": _op("催办: the holder, or the whole group, is reminded", 200, _json({
                "type": "object", "required": ["message"], "properties": {"message": {"type": "string"}}}),
                params=task_path, errors=(401, 403, 404, 409, 422),
                answer=_object({"notified": {"type": "integer", "description": "how many people were told"}}))},
            "/api/tasks/{id}/copy": {"post": _op("抄送: people (logins or names) are told and may read the case", 200,
                _json({"type": "object", "required": ["to"], "properties": {
                    "to": {"type": "array", "items": {"type": "string"}}, "note": {"type": "string"}}}),
                params=task_path, errors=(401, 403, 404, 409, 422),
                answer=_object({"copied_to": _list(_S)}))},
            "/api/tasks/{id}/comments": {"post": _op("审批意见 (comment)", 201, _json({
                "type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}}),
                params=task_path, errors=(401, 403, 404, 409, 422), answer=_ref("Comment"))},
            "/api/supervision": {"get": {**_op(
                "电子监察: on-time rates, clock levels and overdue cases; the finished figures over a period",
                200, errors=(401, 403, 422), answer=_ref("SupervisionOverview")), "parameters": [{
                    "name": "period", "in": "query", "required": False,
                    "description": "the handlings finished this month, quarter or year (China time), or all",
                    "schema": {"enum": ["month", "quarter", "year", "all"], "default": "year"}}]}},
            "/api/reports/monthly/{year}-{month}.xlsx": {"get": {
                "summary": "The monthly report as a spreadsheet (supervisors and heads)",
                "parameters": [{"name": n, "in": "path", "required": True, "schema": {"type": "integer"}}
                               for n in ("year", "month")],
                "responses": {"200": {"description": "OK", "content": {
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                        "schema": {"type": "string", "format": "binary"}}}},
                    **{str(code): {"description": "error", "content": {"application/json": {"schema": _ERROR}}}
                       for code in (401, 403, 422)}}}},
            "/api/timers/incidents": {"get": _op("Timers that failed and wait for an administrator", 200,
                                                 errors=(401, 403), answer=_list(_ref("TimerIncident")))},
            "/api/health": {"get": _op("The installation's health: the database at the migrations' head, the files "
                                       "store writable, timers firing, a year's holiday notice missing "
                                       "(administrators)", 200, errors=(401, 403),
                                       answer=_ref("Health"))},
            "/api/timers/{id}/retry": {"post": _op("Run a failed timer again", 200, params=task_path,
                                                   errors=(401, 403, 404, 409),
                                                   answer=_object({"id": _I, "state": {"const": "pending"}}))},
            "/api/calendar/{year}": {"get": _op("A year's working days: holidays, makeup days, weekdays closed "
                                                "(closures included), whether it is official", 200,
                                                params=[("year", "path", "integer")], errors=(401, 422),
                                                answer=_ref("CalendarYear"))},
            "/api/supervision/orders": {"get": _op("督办单: the caller's department's, or every one for supervisors", 200,
                                                  params=[("state", "query", "string")], errors=(401, 403, 422),
                                                  answer=_list(_ref("SupervisionOrder")))},
            "/api/supervision/orders/{id}/answer": {"post": _op("Answer a 督办单 (the department it was issued to)", 200,
                _json({"type": "object", "required": ["feedback"], "properties": {
                    "feedback": {"type": "string", "maxLength": 2000}}}),
                params=task_path, errors=(401, 403, 404, 409, 422), answer=_ref("SupervisionOrder"))},
            "/api/ratings/appeals": {"get": _op(
                "申诉复核: the appeals against bad ratings, the pending first: every one for supervisors, the "
                "caller's department's for the people who answer its rectifications", 200,
                params=[("state", "query", "string")], errors=(401, 403, 422), answer=_list(_ref("RatingAppeal")))},
            "/api/ratings/{id}/appeal": {"post": _op(
                "申诉: the department a bad rating's rectification (id) belongs to appeals the rating, once, within "
                "RATING_APPEAL_DAYS working days of it (5 unless set); its rectification's date does not wait", 201,
                _json({"type": "object", "required": ["ground", "reason"], "additionalProperties": False,
                       "properties": {"ground": {"enum": ["outside_duty", "mistaken", "malicious"]},
                                      "reason": {"type": "string", "maxLength": 2000}}}),
                params=task_path, errors=(401, 403, 404, 409, 422), answer=_ref("RatingAppeal"))},
            "/api/ratings/appeals/{id}/decide": {"post": _op(
                "复核: a supervisor decides an appeal: upheld, the rectification goes on; granted (申诉成立), it is "
                "closed and the rating counts as a bad one nowhere", 200,
                _json({"type": "object", "required": ["outcome", "note"], "additionalProperties": False,
                       "properties": {"outcome": {"enum": ["upheld", "granted"]},
                                      "note": {"type": "string", "maxLength": 2000,
                                               "description": "the reasons, which the applicant reads"}}}),
                params=task_path, errors=(401, 403, 404, 409, 422), answer=_ref("RatingAppeal"))},
            "/api/pledge-checks": {"get": _op(
                "告知承诺核查: the checks of the pledges of granted cases, the due first: the caller's department's, "
                "every one for supervisors; state: due, overdue, true or false", 200,
                params=[("state", "query", "string")], errors=(401, 403, 422), answer=_list(_ref("PledgeCheck")))},
            "/api/pledge-checks/{id}/record": {"post": _op(
                "The department that decided the case (its reviewers and heads) records what the check of one "
                "pledge found, once: true (属实) or false (不实: the applicant goes on the credit record)", 200,
                _json({"type": "object", "required": ["outcome", "finding"], "additionalProperties": False,
                       "properties": {"outcome": {"enum": ["true", "false"]},
                                      "finding": {"type": "string", "maxLength": 2000},
                                      "evidence": {"type": "object", "required": ["filename", "content_base64"],
                                                   "properties": {"filename": _S, "content_base64": _S}}}}),
                params=task_path, errors=(401, 403, 404, 409, 413, 422), answer=_ref("PledgeCheck"))},
            "/api/cases/{id}/revoke": {"post": _op(
                "撤销 (Art. 69): the head of the department that found a pledge of the case false revokes its "
                "grant, once, with the reasons; the applicant gets a sealed 撤销(行政许可)决定书", 200,
                _json({"type": "object", "required": ["reason"], "additionalProperties": False,
                       "properties": {"reason": {"type": "string", "maxLength": 2000}}}),
                params=task_path, errors=(401, 403, 404, 409, 422), answer=_ref("Case"))},
            "/api/credit-records": {"get": _op(
                "信用记录 (失信：虚假承诺): every record, the active first; supervisors and administrators", 200,
                errors=(401, 403), answer=_list(_ref("CreditRecord")))},
            "/api/credit-records/{id}/repair": {"post": _op(
                "信用修复: a supervisor or an administrator ends a record, with the reason; it is kept, inactive", 200,
                _json({"type": "object", "required": ["reason"], "additionalProperties": False,
                       "properties": {"reason": {"type": "string", "maxLength": 2000}}}),
                params=task_path, errors=(401, 403, 404, 409, 422), answer=_ref("CreditRecord"))},
            "/api/exchange/records": {"get": _op(
                "办件信息汇聚 (GB/T 39046): the cases' records of acceptance, process, special procedures, "
                "conclusion and rating, in the order of the events that produced them, after the cursor; "
                "the provincial platform's account (role platform) only", 200,
                params=[("after", "query", "integer"), ("limit", "query", "integer")],
                errors=(401, 403, 422), answer=_ref("ExchangePage"))},
            "/api/cases": {"post": _op("一窗受理: submit a case for a service item", 201, _json({
                "type": "object", "required": ["item", "applicant"], "properties": {
                    "item": {"type": "string"}, "applicant": {"type": "object"}, "form": {"type": "object"},
                    "channel": {"enum": ["window", "online", "agent"]}, "materials": _FILES}}),
                errors=(401, 403, 404, 413, 422), answer=_ref("Case"))},
            "/api/things/{code}/applications": {"post": _op(
                "一件事一次办: apply for every item of a thing at once, with one form (its items' laid together) and "
                "one set of materials (a material several items list given once); a case is filed for each item", 201,
                _json({"type": "object", "required": ["applicant"], "additionalProperties": False, "properties": {
                    "applicant": {"type": "object"}, "form": {"type": "object"},
                    "channel": {"enum": ["window", "online", "agent"]}, "materials": _FILES,
                    "note": {"type": "string", "maxLength": 2000}}}),
                params=[("code", "path", "string")], errors=(401, 403, 404, 413, 422), answer=_ref("Application"))},
            "/api/applications/{id}": {"get": _op(
                "一件事: an application with each item's case and status and the whole's (the window, supervisors, "
                "the agent who filed it; a department reads its own case)", 200, params=task_path,
                errors=(401, 403, 404), answer=_ref("Application"))},
            "/api/applications/{id}/accept": {"post": _op(
                "受理 of every case of the application awaiting it, together, with one 受理通知书 listing them; or "
                "none (422, each problem named by its item)", 200,
                _json({"type": "object", "additionalProperties": False, "properties": {
                    "deferred": {"type": "object", "description": "容缺: material code to its catch-up date"},
                    "pledged": {"type": "array", "items": {"type": "string"}}}}),
                params=task_path, errors=(401, 403, 404, 409, 422), answer=_ref("Application"))},
            "/api/applications/{id}/refuse": {"post": _op(
                "不予受理 of every case of the application awaiting acceptance, with one notice listing them", 200,
                _json({"type": "object", "required": ["reason"], "additionalProperties": False,
                       "properties": {"reason": {"type": "string"}}}),
                params=task_path, errors=(401, 403, 404, 409, 422), answer=_ref("Application"))},
            "/api/agencies": {"get": _op("中介超市: the active agencies (of one kind of report), each kind's promised "
                                         "working days and their average rating", 200,
                                         params=[("kind", "query", "string")], errors=(401, 422),
                                         answer=_list(_ref("Agency")))},
            "/api/supervision/agencies": {"get": _op(
                "电子监察 › 中介服务: the open commissions past the agency's promised date, the longest overdue "
                "first, and every agency's record (commissioned, open and overdue, delivered and late, cancelled, "
                "ended with its case, rating); supervisors", 200, errors=(401, 403), answer=_ref("AgencySupervision"))},
            "/api/cases/{id}": {"get": _op("A case: status, materials, notices, clocks, the agencies commissioned",
                                           200, params=task_path,
                                           errors=(401, 403, 404), answer=_ref("Case"))},
            "/api/cases/{id}/renew": {"post": _op(
                "延续 (Art. 50): the window applies, for its holder, to renew the licence the case granted; at "
                "least 30 days before it expires, one renewal at a time. Answers the new case", 201, _json({
                    "type": "object", "additionalProperties": False, "properties": {
                        "materials": _FILES, "form": {"type": "object"}, "note": {"type": "string"}}}),
                params=task_path, errors=(401, 403, 404, 409, 413, 422), answer=_ref("Case"))},
            "/api/cases/{id}/accept": {"post": _op("受理 (deferred materials: 容缺; pledged: 告知承诺); an immediate "
                                                   "item (即办) is decided at once: decision, statement, results", 200,
                _json({"type": "object", "properties": {
                    "deferred": {"type": "object"}, "pledged": {"type": "array", "items": {"type": "string"}},
                    "decision": {"enum": ["approve", "approve_with_conditions", "reject"]},
                    "statement": {"type": "string"}, "results": _FILES}}),
                params=task_path, errors=files, answer=_ref("Case"))},
            "/api/cases/{id}/supply": {"post": _op("补交材料: what the applicant brought for a correction notice "
                                                   "or deferred (容缺)", 200, _json({
                "type": "object", "required": ["materials"], "properties": {"materials": _FILES}}),
                params=task_path, errors=files, answer=_ref("Case"))},
            "/api/cases/{id}/withdraw": {"post": _op("撤回申请: the applicant's written request, recorded by the window; "
                                                     "the case ends before its decision", 200, _json({
                "type": "object", "required": ["reason"],
                "properties": {"reason": {"type": "string", "maxLength": 500}}}),
                params=task_path, errors=(401, 403, 404, 409, 422), answer=_ref("Case"))},
            "/api/cases/{id}/lapse": {"post": _op("逾期未补正 / 逾期未缴纳: end a case whose review-round correction "
                                                  "notice went unanswered, or whose payment notice went unpaid, past "
                                                  "its date", 200, params=task_path,
                                                  errors=(401, 403, 404, 409), answer=_ref("Case"))},
            "/api/cases/{id}/deliver": {"post": _op("送达", 200, _json({"type": "object", "required": ["method"],
                "properties": {"method": {"enum": ["window", "express", "electronic"]},
                               "tracking": {"type": "string"}}}), params=task_path,
                errors=(401, 403, 404, 409, 422), answer=_ref("Case"))},
        },
    }
