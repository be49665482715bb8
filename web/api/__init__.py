"""The REST API: JSON in, JSON out, Bearer tokens, errors as {"error": {...}} and never HTML."""
import json
import math
import re

from flask import Blueprint, g, jsonify, request
from werkzeug.exceptions import HTTPException

from engine.errors import Invalid, ShenpiError, Unauthenticated
from engine.services import tokens

bp = Blueprint("api", __name__, url_prefix="/api")


def error_body(code: str, message: str, details=None, status=400):
    return jsonify({"error": {"code": code, "message": message, "details": details or []}}), status


@bp.errorhandler(ShenpiError)
def _service_error(exc: ShenpiError):
    return error_body(exc.code, exc.message, exc.details, exc.status)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    return error_body(exc.name.lower().replace(" ", "_"), exc.description, status=exc.code)


def json_errors_for_api_paths(app, page):
    """Routing errors (unknown URL, wrong method) happen before any blueprint: answer JSON under
    /api too; elsewhere `page(exc)` answers."""
    @app.errorhandler(HTTPException)
    def _routing_error(exc: HTTPException):
        if request.path.startswith("/api/"):
            return _http_error(exc)
        return page(exc)


@bp.errorhandler(Exception)
def _unexpected(exc: Exception):
    import logging
    logging.getLogger(__name__).exception("unhandled error in API")
    return error_body("internal_error", "An internal error occurred; it has been logged.", status=500)


@bp.before_request
def _authenticate():
    if request.endpoint == "api.openapi":
        return None
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        raise Unauthenticated("Send Authorization: Bearer <token> (python run.py token LOGIN)")
    g.user = tokens.user_for_token(header[len("Bearer "):].strip())


def json_body() -> dict:
    """The request's JSON object; {} for no body. A body of another type is refused rather than
    read as empty (curl -d sends a form), and so are NaN and infinities, which JSON has not."""
    raw = request.get_data(cache=True)
    if not raw:
        return {}
    if not request.is_json:
        raise Invalid("Send the body as JSON, with Content-Type: application/json")
    try:
        body = strict_json(raw)
    except RecursionError:
        raise Invalid("The body is nested too deeply") from None
    except ValueError:
        raise Invalid("The body is not valid JSON") from None
    if not isinstance(body, dict):
        raise Invalid("The body must be a JSON object")
    return body


def known_fields(body: dict, *fields: str) -> dict:
    """The body, refused if it carries a field the operation does not read: a misspelt one, or a
    form's field sent beside 'data' instead of inside it, would otherwise be dropped without a
    word (and the form then said to miss what was sent)."""
    stray = sorted(set(body) - set(fields))
    if stray:
        raise Invalid("The body has %(stray)s, which this operation does not take: it takes %(fields)s "
                      "(a form's fields go inside 'data')", stray=", ".join(map(repr, stray)),
                      fields=", ".join(map(repr, fields)))
    return body


def text_field(body: dict, name: str, default: str | None = "") -> str | None:
    """A field of the body that must be text (or absent, or null): a number or a list is refused
    here rather than failing as the service reads it (an internal error, 500)."""
    value = body.get(name, default)
    if value is not None and not isinstance(value, str):
        raise Invalid("'%(name)s' must be text", name=name)
    return value


def integer_field(body: dict, name: str, optional: bool = False) -> int | None:
    """A field of the body that must be a whole number (JSON's true is none), or, if optional,
    absent or null: refused here rather than failing as the service reads it."""
    value = body.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise Invalid("'%(name)s' must be an integer", name=name)
    return value


def query_number(name: str, default):
    """A query parameter that is a whole number, as given; anything else is passed on as text, for
    the service to refuse after it has checked who asks."""
    text = request.args.get(name)
    if text is None:
        return default
    # Not isdigit(), which takes "²"; and no more digits than an id column holds.
    return int(text) if re.fullmatch(r"[0-9]{1,10}", text) else text


def strict_json(text: str | bytes):
    """JSON as JSON has it: NaN and the infinities (1e999 too), which Python reads, are refused
    (ValueError), as a JSON column of PostgreSQL's would refuse them."""
    return json.loads(text, parse_constant=_not_a_number, parse_float=_finite)


def _not_a_number(text):
    raise ValueError(text)


def _finite(text):
    number = float(text)
    if not math.isfinite(number):  # 1e999
        raise ValueError(text)
    return number


from . import agencies, decisions, exchange, pledges, procedures, ratings, routes, things  # noqa: E402,F401  (register the routes on bp)
