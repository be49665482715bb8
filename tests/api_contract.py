"""Every JSON answer under /api/ that a test receives is held to the OpenAPI document: its status
must be one the document lists for the operation, its body must match that status's schema.

The document is what other systems program against; checked on every answer of every test, it
cannot drift from what the routes really say.
"""
import re
from functools import lru_cache
from urllib.parse import quote

from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

DOCUMENT_URI = "urn:shenpi:openapi"


def document_path(rule: str) -> str:
    """Flask's /api/tasks/<int:task_id>/claim as the document writes it: /api/tasks/{id}/claim.
    A rule's converters may name their value otherwise than the document; the shape decides."""
    return re.sub(r"<[^>]*>|\{[^}]*\}", "{}", rule)


@lru_cache(maxsize=None)
def _contract():
    from web.api.openapi import document
    doc = document()
    registry = Registry().with_resource(DOCUMENT_URI, DRAFT202012.create_resource(doc))
    paths = {document_path(path): path for path in doc["paths"]}
    return doc, registry, paths


@lru_cache(maxsize=None)
def _validator(path: str, method: str, status: str):
    """The validator of one answer's body, its $refs resolved in the whole document."""
    doc, registry, _paths = _contract()
    content = doc["paths"][path][method]["responses"][status].get("content", {})
    if "application/json" not in content:
        return None
    pointer = "/".join(quote(p.replace("~", "~0").replace("/", "~1"))
                       for p in ("paths", path, method, "responses", status, "content", "application/json", "schema"))
    return Draft202012Validator({"$ref": f"{DOCUMENT_URI}#/{pointer}"}, registry=registry)


def problems(app, response) -> list[str]:
    """What is wrong with an API answer by the document; [] for an answer it does not govern
    (not under /api/, not JSON, a URL no route serves)."""
    request = response.request
    path, method = request.path, request.method.lower()
    if not path.startswith("/api/") or not response.is_json:
        return []
    try:
        rule, _args = app.url_map.bind("localhost").match(path, request.method, return_rule=True)
    except Exception:  # routing's own 404 and 405: no operation to hold them to
        return []
    doc, _registry, paths = _contract()
    where = f"{request.method} {path} answered {response.status_code}"
    described = paths.get(document_path(rule.rule))
    operation = doc["paths"].get(described, {}).get(method) if described else None
    if operation is None:
        return [f"{where}: the OpenAPI document has no operation for {request.method} {rule.rule}"]
    status = str(response.status_code)
    if status not in operation["responses"]:
        return [f"{where}: the document lists only {sorted(operation['responses'])} for {method.upper()} "
                f"{described}; body: {response.get_data(as_text=True)[:500]}"]
    validator = _validator(described, method, status)
    if validator is None:
        return [f"{where}: the document gives no JSON answer for it"]
    return [f"{where}: {'/'.join(map(str, error.absolute_path)) or 'the body'}: {error.message}"
            for error in validator.iter_errors(response.get_json())][:5]
