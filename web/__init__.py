"""The Flask application factory: configuration from the environment, one blueprint per audience."""
import os
import re
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path

from flask import Flask, abort, current_app, request, send_from_directory, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import Babel, get_locale
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from engine import agency_reports, clock, files, pledge_checks, rating_codes, ratings, roster_file, signin
from engine.config import INSTANCE_DIR, check as check_settings, secret_key_file, whole_number
from engine.report_kinds import kind_of, report_name
from engine.services import calendars
from engine.store.models import MAX_ROW_ID
from engine.store import get_engine

from .inbox.forms import money, rows as form_rows
from .messages import translated
from .names import group_name, person_name, unread_notifications
from .qr import qr_svg
from .labels import (LABELS, counted, limit, own_word, party_role, payer, presented, service_objects, time_left,
                     units_of)

ROOT = Path(__file__).resolve().parent.parent
# Front-end packages installed from the npm registry and served from here, never from a CDN.
VENDOR = {"bpmn-js": "bpmn-js/dist", "dmn-js": "dmn-js/dist", "chart.js": "chart.js/dist",
          "htmx": "htmx.org/dist", "properties-panel": "@bpmn-io/properties-panel/dist"}
LANGUAGES = ("zh", "en")
STATIC_ENDPOINTS = ("static", "vendor", "favicon")  # the product's own files, the same for everyone
# Open to anyone, but about one person: a verified document's holder, a case rated by its code.
NAMES_A_PERSON = ("portal.verify", "rating.screen")
# A load balancer's health check: never kept by a cache, and given no session (a cookie every few seconds).
SESSIONLESS = ("health.healthz",)
FORM_ONLY_BYTES = 64 * 1024  # a form's fields alone (the reports endpoints): no file rides on it
# Scripts only from files of ours (no inline script, no eval): an injected <script> or onclick
# does not run. Inline styles stay allowed: the BPMN and DMN editors set style attributes.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:", "font-src 'self' data:", "object-src 'none'", "base-uri 'self'",
    "form-action 'self'", "frame-ancestors 'none'"))

csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()


class RowId(IntegerConverter):
    """<int:...> in every route: at most the largest id a database integer column holds, so
    /tasks/99999999999999999999 is not found (404) rather than an overflow in the driver (500)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ROW_ID)
        super().__init__(url_map, *args, **kwargs)


def _public_url(text: str) -> str:
    """PUBLIC_URL, the scheme and host applicants reach the product by (https://zwfw.example.gov.cn),
    or empty; anything else refuses to start."""
    text = text.strip().rstrip("/")
    if text and not re.fullmatch(r"https?://[^/?#\s]+", text):
        raise SystemExit(f"error: PUBLIC_URL must be an http:// or https:// scheme and host, not {text!r}")
    return text


def public_url(endpoint: str, **values) -> str:
    """An address printed on paper or in a QR code, under PUBLIC_URL where it is set: the address a
    clerk's browser used (an intranet one, or localhost for a package built on the command line)
    would not open on an applicant's phone."""
    base = current_app.config.get("PUBLIC_URL")
    return base + url_for(endpoint, **values) if base else url_for(endpoint, _external=True, **values)


def create_app(config: dict | None = None) -> Flask:
    check_settings()  # a WSGI server may start the app without run.py, which checks them too
    app = Flask(__name__, instance_path=str(INSTANCE_DIR))
    app.url_map.converters["int"] = RowId
    app.config.update(
        SECRET_KEY=os.environ.get("SECRET_KEY") or _instance_secret(app),
        MAX_CONTENT_LENGTH=files.MAX_REQUEST_BYTES,
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=whole_number("SESSION_MINUTES", 30, 1)),
        # How often the supervision board reloads its numbers in the supervisor's browser.
        BOARD_REFRESH_SECONDS=whole_number("BOARD_REFRESH_SECONDS", 60, 5),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Served over HTTPS (a TLS proxy in front): the session cookie never travels in clear.
        SESSION_COOKIE_SECURE=os.environ.get("SECURE_COOKIES") == "1",
        BABEL_DEFAULT_LOCALE="zh",
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
        PUBLIC_URL=_public_url(os.environ.get("PUBLIC_URL", "")),
    )
    if config:
        app.config.update(config)
    app.json.ensure_ascii = False
    get_engine(app.config.get("DATABASE_URL"))

    @app.before_request
    def _one_document_from_a_visitor():
        # The seal check takes a file from anyone, signed in or not: one document's size, not the
        # hundred megabytes a clerk's intake form may carry. Before CSRFProtect's check (registered
        # next), which reads the body first.
        if request.endpoint == "portal.verify":
            request.max_content_length = files.MAX_BYTES + files.MB
        # Which reports a form's project needs reads the form's fields, never a file.
        elif request.endpoint in ("intake.reports", "portal.reports"):
            request.max_content_length = FORM_ONLY_BYTES
        # A roster, then its confirmation, which carries it back in a field (base64: a third more).
        elif request.endpoint == "admin.roster_preview":
            request.max_content_length = 2 * roster_file.MAX_BYTES
        elif request.endpoint == "admin.roster_apply":
            request.max_content_length = request.max_form_memory_size = 2 * roster_file.MAX_BYTES

    csrf.init_app(app)
    babel.init_app(app, locale_selector=_locale)
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["translated"] = translated
    app.jinja_env.globals["form_rows"] = form_rows
    app.jinja_env.filters["money"] = money  # 2,000,000.00, on notices and pages alike
    app.jinja_env.filters["group_name"] = group_name
    app.jinja_env.globals["posted"] = posted
    app.jinja_env.globals["labels"] = LABELS  # the engine's codes by name, on every page
    app.jinja_env.globals["own_word"] = own_word  # an item's own name of its decision (准予登记)
    app.jinja_env.globals["limit"] = limit  # 20 个工作日, 30 个自然日, 2 小时: a limit in its unit
    app.jinja_env.globals["time_left"] = time_left  # 剩余 3 个工作日 / 超期 2 小时, of a clock's promise
    app.jinja_env.globals["counted"] = counted  # a notice's sentence on how its limits are counted
    app.jinja_env.globals["units_of"] = units_of  # the units those limits are in
    app.jinja_env.filters["party_role"] = party_role  # 卖方, or seller on English pages
    app.jinja_env.filters["payer"] = payer  # a payment line's 卖方 王五, or seller 王五
    app.jinja_env.globals["public_url"] = public_url  # the verification page, a rating code's page
    app.jinja_env.filters["presented"] = presented  # a material's 原件1份（纸质）, where its item says
    app.jinja_env.filters["service_objects"] = service_objects  # 自然人、企业法人, or natural person, ...
    # An entry made of the agency reports (engine/agency_reports.py): its reports, each named, row by row.
    app.jinja_env.globals["report_name"] = lambda kind: translated(report_name(kind))
    app.jinja_env.globals["report_kind"] = kind_of
    app.jinja_env.filters["report_by_report"] = agency_reports.spread
    app.jinja_env.globals["accepted_files"] = ",".join(files.ACCEPTED)  # what the file inputs offer
    app.jinja_env.filters["person_name"] = person_name
    app.jinja_env.globals["unread_notifications"] = unread_notifications
    app.jinja_env.tests["late_rectification"] = ratings.late  # not answered by its date (逾期)
    app.jinja_env.tests["temporary_expired"] = signin.temporary_expired  # an account's, staff's or an applicant's
    app.jinja_env.tests["late_check"] = pledge_checks.late  # a pledge not checked by its date (逾期)
    app.jinja_env.globals["qr_svg"] = qr_svg  # a rating code's address, on its notice and the window's screen
    app.jinja_env.filters["rating_code"] = rating_codes.shown  # as printed: ABCDE-FGHJK
    app.jinja_env.tests["provisional"] = provisional  # templates mark it with _dates.html's dated()
    app.jinja_env.globals["calendar_alert"] = calendar_alert  # _calendar_alert.html
    login_manager.init_app(app)

    from .api import bp as api_bp, json_errors_for_api_paths
    csrf.exempt(api_bp)  # the API authenticates with Bearer tokens, not cookies
    app.register_blueprint(api_bp)
    from .inbox.access import http_error_page
    json_errors_for_api_paths(app, http_error_page)

    from . import auth
    app.register_blueprint(auth.bp)
    app.register_error_handler(CSRFError, auth.session_expired)
    for name in ("inbox", "intake", "designer", "admin", "supervision", "portal", "health", "rating"):
        module = __import__(f"web.{name}", fromlist=["bp"])
        app.register_blueprint(module.bp)

    @app.get("/vendor/<package>/<path:filename>")
    def vendor(package, filename):
        if package not in VENDOR:
            abort(404)
        return send_from_directory(ROOT / "node_modules" / VENDOR[package], filename, max_age=86400)

    @app.get("/favicon.ico")
    def favicon():
        # Browsers ask for it by themselves (a PDF opened inline names no icon), cached as the
        # static files are. It is favicon.svg drawn by Chromium at 16, 32 and 48 px (Playwright's
        # page.screenshot(omit_background=True) of the SVG at that width and height), each PNG
        # kept whole in an ICO container: a 6-byte header, then a 16-byte entry per size.
        return app.send_static_file("favicon.ico")

    @app.after_request
    def _kept_by_no_cache(response):
        # What a signed-in person (staff, an agent, an applicant) is shown and every API answer
        # is personal, as is a verified document's holder: no browser or proxy keeps a copy (for the Back button of a shared window
        # computer, a disk cache, a proxy's). The product's own files keep their caching.
        if request.endpoint not in STATIC_ENDPOINTS and (
                request.path.startswith("/api/") or request.endpoint in NAMES_A_PERSON + SESSIONLESS
                or _signed_in()):
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.before_request
    def _session_timeout():
        # Not set again on a session that has it: that would count as a change of the session.
        if not session.permanent and request.endpoint not in SESSIONLESS:
            session.permanent = True  # idle sessions end after PERMANENT_SESSION_LIFETIME

    @app.after_request
    def _browser_protections(response):
        # No page of ours is meant to be framed (a framed form could be clicked by trickery), and a
        # response is read as the type it declares, never sniffed into HTML.
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if response.mimetype == "text/html":  # a PDF opened inline needs the browser's viewer plugin
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response

    app.session_interface = _IdleSessions()
    # Behind PROXY_HOPS reverse proxies, the client's address is the one they forward: sign-in
    # counts guesses per address (engine/signin.py), not per proxy. Only the address: trusting
    # a forwarded scheme would turn on CSRF's strict Referer check against an unforwarded Host.
    hops = whole_number("PROXY_HOPS", 0, 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops)
    return app


def _signed_in() -> bool:
    from .portal import SESSION_KEY  # the portal's before_request drops a mark that no longer signs in
    return current_user.is_authenticated or SESSION_KEY in session


class _IdleSessions(SecureCookieSessionInterface):
    """A page reloading itself in the background (htmx) is not use: it does not push back the
    end of an idle session."""

    def should_set_cookie(self, app, session) -> bool:
        if request.headers.get("HX-Request") and not session.modified:
            return False
        return super().should_set_cookie(app, session)


def _locale():
    lang = request.args.get("lang")
    if lang in LANGUAGES:
        session["lang"] = lang
    return session.get("lang") or "zh"


def _instance_secret(app: Flask) -> str:
    """A per-installation secret kept in the instance folder, so sessions survive a restart."""
    os.makedirs(app.instance_path, exist_ok=True)
    path = str(secret_key_file())  # in app.instance_path; a backup takes it from there (engine/backup.py)
    if not os.path.exists(path):
        # Written whole and synced under another name, then linked into place: servers starting
        # together agree on one key and never read half of one.
        handle, temporary = tempfile.mkstemp(dir=app.instance_path)
        try:
            with os.fdopen(handle, "w") as fh:
                fh.write(os.urandom(32).hex())
                fh.flush()
                os.fsync(fh.fileno())
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
    with open(path) as fh:
        key = fh.read().strip()
    if not key:
        raise RuntimeError(f"{path} is empty: delete it, or set SECRET_KEY")
    return key


def posted(endpoint: str, name: str, many: bool = False):
    """What a refused form sent, to fill it in again: only in the answer to that very form, so
    another form on the page sharing a field name stays empty."""
    if request.method != "POST" or request.endpoint != endpoint:
        return [] if many else ""
    return request.form.getlist(name) if many else request.form.get(name, "")


def provisional(day) -> bool:
    """Whether a date (a date or ISO text) falls in a year whose holidays are estimated until its
    notice is imported (暂定): the notice may move a date counted in working days into it later."""
    when = date.fromisoformat(day) if isinstance(day, str) else day
    return calendars.current().provisional(when)


def calendar_alert() -> dict | None:
    """What the pages say while a year's holiday notice is missing when it should be in."""
    return calendars.next_year_warning(clock.today())


def local_time(value, format: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC time (datetime or ISO text) as Beijing time; empty for none."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(clock.SHANGHAI).strftime(format)
