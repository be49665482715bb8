"""The OpenAPI 3.1 description of the REST API, kept beside the routes it describes."""

_ERROR = {"$ref": "#/components/schemas/Error"}


def _op(summary, ok, body=None, params=(), errors=(401, 403, 404, 422)):
    op = {"summary": summary, "responses": {
        str(ok): {"description": "OK", "content": {"application/json": {"schema": {}}}},
        **{str(code): {"description": "error", "content": {"application/json": {"schema": _ERROR}}}
           for code in errors}}}
    if params:
        op["parameters"] = [{"name": n, "in": where, "required": where == "path",
                             "schema": {"type": t}} for n, where, t in params]
    if body:
        op["requestBody"] = {"required": True, "content": body}
    return op


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
            "/api/deployments": {"post": _op("Deploy BPMN, DMN and form files", 201, {
                "multipart/form-data": {"schema": {"type": "object", "properties": {
                    "file": {"type": "array", "items": {"type": "string", "format": "binary"}}}}}})},
            "/api/definitions": {"get": _op("Latest version of every process", 200)},
            "/api/definitions/{key}/versions": {"get": _op("Every version of one process", 200,
                                                           params=[("key", "path", "string")])},
            "/api/instances": {"post": _op("Start a case", 201, _json({
                "type": "object", "required": ["key"], "properties": {
                    "key": {"type": "string"}, "version": {"type": "integer"},
                    "business_key": {"type": "string"}, "data": {"type": "object"}}}),
                errors=(401, 403, 404, 409, 422))},
            "/api/instances/{id}": {"get": _op("A case with its data, tasks and events", 200,
                                               params=task_path)},
            "/api/tasks": {"get": _op("Tasks visible to the caller", 200, params=[
                ("assignee", "query", "string"), ("group", "query", "string"),
                ("state", "query", "string"), ("instance_id", "query", "integer")])},
            "/api/tasks/{id}/claim": {"post": _op("Claim a task", 200, params=task_path,
                                                  errors=(401, 403, 404, 409))},
            "/api/tasks/{id}/unclaim": {"post": _op("Give a task back", 200, params=task_path,
                                                    errors=(401, 403, 404, 409))},
            "/api/tasks/{id}/complete": {"post": _op("Complete a claimed task", 200, _json({
                "type": "object", "properties": {"data": {"type": "object"}}}), params=task_path,
                errors=(401, 403, 404, 409, 422))},
        },
    }
