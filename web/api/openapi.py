"""The OpenAPI 3.1 description of the REST API, kept beside the routes it describes."""

_ERROR = {"$ref": "#/components/schemas/Error"}


def _op(summary, ok, body=None, params=(), errors=(401, 403, 404, 422), answer=None):
    op = {"summary": summary, "responses": {
        str(ok): {"description": "OK", "content": {"application/json": {"schema": answer or {}}}},
        **{str(code): {"description": "error", "content": {"application/json": {"schema": _ERROR}}}
           for code in errors}}}
    if params:
        op["parameters"] = [{"name": n, "in": where, "required": where == "path",
                             "schema": {"type": t}} for n, where, t in params]
    if body:
        op["requestBody"] = {"required": True, "content": body}
    return op


_FILES = {"type": "array", "items": {"type": "object", "required": ["filename", "content_base64"],
                                     "properties": {"kind": {"type": "string"}, "filename": {"type": "string"},
                                                    "content_base64": {"type": "string"}}}}


# A deployment's answer (200 when nothing changed, 201 otherwise). Warnings name what deployed but
# would get a case stuck: a lane no one can work in, a name a condition reads that nothing provides.
_DEPLOYED = {"type": "object", "required": ["id", "definitions", "warnings"], "properties": {
    "id": {"type": ["integer", "null"]},
    "definitions": {"type": "array", "items": {"type": "object", "properties": {
        "key": {"type": "string"}, "version": {"type": "integer"}, "name": {"type": ["string", "null"]},
        "kind": {"enum": ["bpmn", "dmn"]}, "new": {"type": "boolean"}}}},
    "warnings": {"type": "array", "items": {"type": "object", "required": ["file", "element_id", "message"],
                                            "properties": {"file": {"type": "string"},
                                                           "element_id": {"type": ["string", "null"]},
                                                           "message": {"type": "string"}}}}}}


def _json(schema):
    return {"application/json": {"schema": schema}}


def document() -> dict:
    task_path = [("id", "path", "integer")]
    return {
        "openapi": "3.1.0",
        "info": {"title": "Shenpi 审批 API", "version": "1"},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": {"type": "object", "required": ["error"], "properties": {"error": {
                "type": "object", "required": ["code", "message"],
                "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                               "details": {"type": "array"}}}}}},
        },
        "security": [{"bearer": []}],
        "paths": {
            "/api/openapi.json": {"get": {"summary": "This document (no token needed)", "security": [],
                                          "responses": {"200": {"description": "OK"}}}},
            "/api/deployments": {"post": _op("Deploy BPMN, DMN and form files", 201, {
                "multipart/form-data": {"schema": {"type": "object", "properties": {
                    "file": {"type": "array", "items": {"type": "string", "format": "binary"}}}}}},
                answer=_DEPLOYED)},
            "/api/definitions": {"get": _op("Latest version of every process (kind=dmn: of every decision)", 200,
                                            params=[("kind", "query", "string")])},
            "/api/definitions/{key}/versions": {"get": _op("Every version of one process (kind=dmn: decision)", 200,
                                                           params=[("key", "path", "string"),
                                                                   ("kind", "query", "string")])},
            "/api/instances": {"post": _op("Start a case", 201, _json({
                "type": "object", "required": ["key"], "properties": {
                    "key": {"type": "string"}, "version": {"type": "integer"},
                    "business_key": {"type": "string"}, "data": {"type": "object"}}}),
                errors=(401, 403, 404, 409, 422))},
            "/api/instances/{id}": {"get": _op("A case with its data, tasks and events", 200,
                                               params=task_path)},
            "/api/instances/{id}/clocks": {"get": _op("The case's clocks: its own and each step's limits", 200,
                                                      params=task_path, errors=(401, 403, 404))},
            "/api/clocks/{id}/pause": {"post": _op("特殊程序 (Art. 45): stop a clock for a hearing, testing, expert "
                                                   "review...; the applicant is told how long", 201, _json({
                "type": "object", "required": ["kind", "reason", "expected_days"], "properties": {
                    "kind": {"type": "string"}, "reason": {"type": "string"},
                    "expected_days": {"type": "integer"}}}),
                params=task_path, errors=(401, 403, 404, 409, 422),
                answer={"type": "object", "properties": {"procedure_id": {"type": "integer"}}})},
            "/api/clocks/{id}/resume": {"post": _op("End the special procedure: the clock runs again", 200, _json({
                "type": "object", "required": ["result"], "properties": {"result": {"type": "string"}}}),
                params=task_path, errors=(401, 403, 404, 409, 422))},
            "/api/clocks/{id}/extend": {"post": _op("延长审批 (Art. 42): once, by the head (lead); the applicant is "
                                                    "told the new date", 200, _json({
                "type": "object", "required": ["days", "reason"], "properties": {
                    "days": {"type": "integer"}, "reason": {"type": "string"}}}),
                params=task_path, errors=(401, 403, 404, 409, 422))},
            "/api/tasks": {"get": _op("Tasks visible to the caller", 200, params=[
                ("assignee", "query", "string"), ("group", "query", "string"),
                ("state", "query", "string"), ("instance_id", "query", "integer")])},
            "/api/tasks/{id}/claim": {"post": _op("Claim a task", 200, params=task_path,
                                                  errors=(401, 403, 404, 409))},
            "/api/tasks/{id}/unclaim": {"post": _op("Give a task back", 200, params=task_path,
                                                    errors=(401, 403, 404, 409))},
            "/api/tasks/{id}/complete": {"post": _op("Complete a claimed task, with its result documents", 200, _json({
                "type": "object", "properties": {"data": {"type": "object"}, "documents": _FILES}}),
                params=task_path, errors=(401, 403, 404, 409, 422))},
            "/api/tasks/{id}/transfer": {"post": _op("转办: to another department or person", 200, _json({
                "type": "object", "required": ["reason"], "properties": {
                    "to_group": {"type": "string"}, "to_user": {"type": "string"}, "reason": {"type": "string"}}}),
                params=task_path, errors=(401, 403, 404, 409, 422))},
            "/api/tasks/{id}/return": {"post": _op("退回: to the previous step of the branch or to the window", 200,
                _json({"type": "object", "required": ["to", "reason"], "properties": {
                    "to": {"enum": ["previous", "window"]}, "reason": {"type": "string"}}}),
                params=task_path, errors=(401, 403, 404, 409, 422))},
            "/api/tasks/{id}/withdraw": {"post": _op("撤回: my completed step, before the next starts", 200,
                                                     params=task_path, errors=(401, 403, 404, 409))},
            "/api/tasks/{id}/urge": {"post": _op("催办", 200, _json({"type": "object", "properties": {
                "message": {"type": "string"}}}), params=task_path, errors=(401, 403, 404, 409, 422))},
            "/api/tasks/{id}/copy": {"post": _op("抄送", 200, _json({"type": "object", "properties": {
                "to": {"type": "array", "items": {"type": "string"}}, "note": {"type": "string"}}}),
                params=task_path)},
            "/api/tasks/{id}/comments": {"post": _op("审批意见 (comment)", 201, _json({
                "type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}}),
                params=task_path)},
            "/api/supervision": {"get": _op("电子监察: on-time rates, clock levels and overdue cases", 200,
                                            errors=(401, 403))},
            "/api/reports/monthly/{year}-{month}.xlsx": {"get": {
                "summary": "The monthly report as a spreadsheet (supervisors and heads)",
                "parameters": [{"name": n, "in": "path", "required": True, "schema": {"type": "integer"}}
                               for n in ("year", "month")],
                "responses": {"200": {"description": "OK", "content": {
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                        "schema": {"type": "string", "format": "binary"}}}},
                    **{str(code): {"description": "error", "content": {"application/json": {"schema": _ERROR}}}
                       for code in (401, 403, 404, 422)}}}},
            "/api/timers/incidents": {"get": _op("Timers that failed and wait for an administrator", 200,
                                                 errors=(401, 403))},
            "/api/timers/{id}/retry": {"post": _op("Run a failed timer again", 200, params=task_path,
                                                   errors=(401, 403, 404, 409))},
            "/api/calendar/{year}": {"get": _op("A year's working days: holidays, makeup days, closures, whether "
                                                "it is official", 200, params=[("year", "path", "integer")],
                                                errors=(401, 422))},
            "/api/supervision/orders": {"get": _op("督办单: the caller's department's, or every one for supervisors", 200,
                                                  params=[("state", "query", "string")], errors=(401, 403, 422))},
            "/api/supervision/orders/{id}/answer": {"post": _op("Answer a 督办单 (the department it was issued to)", 200,
                _json({"type": "object", "required": ["feedback"], "properties": {
                    "feedback": {"type": "string", "maxLength": 2000}}}),
                params=task_path, errors=(401, 403, 404, 409, 422))},
            "/api/cases": {"post": _op("一窗受理: submit a case for a service item", 201, _json({
                "type": "object", "required": ["item", "applicant"], "properties": {
                    "item": {"type": "string"}, "applicant": {"type": "object"}, "form": {"type": "object"},
                    "channel": {"enum": ["window", "online", "agent"]}, "materials": _FILES}}))},
            "/api/cases/{id}": {"get": _op("A case: status, materials, notices, clocks", 200, params=task_path)},
            "/api/cases/{id}/accept": {"post": _op("受理 (deferred materials: 容缺; pledged: 告知承诺); an immediate "
                                                   "item (即办) is decided at once: decision, statement, results", 200,
                _json({"type": "object", "properties": {
                    "deferred": {"type": "object"}, "pledged": {"type": "array", "items": {"type": "string"}},
                    "decision": {"enum": ["approve", "approve_with_conditions", "reject"]},
                    "statement": {"type": "string"}, "results": _FILES}}),
                params=task_path, errors=(401, 403, 404, 409, 422))},
            "/api/cases/{id}/supply": {"post": _op("补交材料: what the applicant brought for a correction notice "
                                                   "or deferred (容缺)", 200, _json({
                "type": "object", "required": ["materials"], "properties": {"materials": _FILES}}),
                params=task_path, errors=(401, 403, 404, 409, 422))},
            "/api/cases/{id}/withdraw": {"post": _op("撤回申请: the applicant's written request, recorded by the window; "
                                                     "the case ends before its decision", 200, _json({
                "type": "object", "required": ["reason"],
                "properties": {"reason": {"type": "string", "maxLength": 500}}}),
                params=task_path, errors=(401, 403, 404, 409, 422))},
            "/api/cases/{id}/lapse": {"post": _op("逾期未补正 / 逾期未缴纳: end a case whose review-round correction "
                                                  "notice went unanswered, or whose payment notice went unpaid, past "
                                                  "its date", 200, params=task_path,
                                                  errors=(401, 403, 404, 409))},
            "/api/cases/{id}/deliver": {"post": _op("送达", 200, _json({"type": "object", "required": ["method"],
                "properties": {"method": {"enum": ["window", "express", "electronic"]},
                               "tracking": {"type": "string"}}}), params=task_path,
                errors=(401, 403, 404, 409, 422))},
        },
    }
