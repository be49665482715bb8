"""综合受理: the window clerk takes in a case, checks its materials, accepts, corrects, refuses,
records a withdrawal, ends a case whose correction went unanswered, delivers. An agent (代办员)
files cases for applicants here, follows the ones they filed and hands in what a notice asks for;
the engine keeps them to those."""
from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from engine import (agencies, agency_reports, catalogue, clock, corrections, credit, decisions, intake, rating_codes,
                    ratings, renewals, termination, thing_applications)
from engine.things import all_things
from engine.errors import Conflict, Invalid, ShenpiError
from engine.portal import get_applicant
from engine.services import calendars, progress

from web import once, report_forms, searches
from web.agency_choice import chosen, report
from web.inbox.access import actor, flash_error, register_error_page, roles_required
from web.inbox.forms import errors_by_field, fields, read

bp = Blueprint("intake", __name__, url_prefix="/intake")
register_error_page(bp)
APPLICANT_FIELDS = ("name", "id_type", "id_number", "phone", "kind", "renamed_because")
DEFAULT_DEFER_DAYS = 5  # suggested catch-up date for 容缺 materials, within the promised limit


@bp.route("/", methods=["GET", "POST"])
@roles_required("clerk", "agent")
def index():
    if request.method == "POST":  # a search: its text is kept out of the address (web/searches.py)
        return searches.sent("intake.index", status=request.form.get("status") or None)
    text, status = searches.shown(), request.args.get("status", "")
    return render_template("intake/index.html", items=catalogue.all_items(), q=text, status=status,
                           cases=progress.recent_cases(actor(), text=text, status=status),
                           things=all_things(), applications=thing_applications.recent(actor()))


@bp.route("/new/<code>", methods=["GET", "POST"])
@roles_required("clerk", "agent")
def new(code):
    item = catalogue.get(code)
    if request.method == "GET":
        # An item for organisations only starts the form as one (its refusal would come after the uploads).
        kind = "person" if catalogue.serves(item, "person") else "company"
        return render_template("intake/new.html", item=item, fields=fields(item.data.get("form")),
                               values={"kind": kind, "id_type": "id_card" if kind == "person" else "uscc"})
    return _taken_in(item, lambda: intake.submit(
        code, {k: request.form.get(k, "").strip() for k in APPLICANT_FIELDS}, _uploads(item), actor(),
        channel=request.form.get("channel") or "window", form=read(item.data.get("form"), request.form)))


@bp.route("/cases/<int:case_id>/renew", methods=["GET", "POST"])
@roles_required("clerk")
def renew(case_id):
    """延续: the window files, for its holder, the renewal of the licence the case granted; the
    intake form without the applicant's details (the holder's are on record)."""
    licence = progress.visible_case(case_id, actor())
    item = catalogue.get(licence["item_code"])
    if request.method == "GET":
        return render_template("intake/new.html", item=item, fields=fields(item.data.get("form")), values={},
                               renews=licence)
    return _taken_in(item, lambda: renewals.apply(case_id, _uploads(item), actor(),
                                                  form=read(item.data.get("form"), request.form)), renews=licence)


def _taken_in(item, take_in, **page):
    """The intake form sent: take_in() files the case; refused, the form again with what was typed."""
    earlier = once.made_by()
    if earlier is not None:  # the same form sent again (Back, then 收件登记): one case, not two
        flash(_("这份收件已登记为办件 %(number)s，未重复登记", number=earlier["number"]), "success")
        return redirect(url_for("intake.case", case_id=earlier["id"]), 303)
    try:
        case = take_in()
    except (Invalid, Conflict) as exc:
        flash_error(exc)
        shown = fields(item.data.get("form"))
        return render_template("intake/new.html", item=item, fields=shown, values=request.form,
                               errors=errors_by_field(exc.details, shown), **page), exc.status
    once.remember(id=case.id, number=case.number)
    flash(_("已收件，办件编号 %(number)s", number=case.number), "success")
    return redirect(url_for("intake.case", case_id=case.id), 303)


@bp.post("/new/<code>/reports")
@roles_required("clerk", "agent")
def reports(code):
    """Which reports the project the form describes needs (static/report-kinds.js asks as it changes)."""
    return report_forms.answer(catalogue.get(code))


def _uploads(item) -> list[intake.Upload]:
    """One file input per checklist material, and per kind of report an entry made of them may take
    (the engine refuses one the project does not need)."""
    return uploads_of(agency_reports.parts(item.data, item.data.get("agency_services") or []))


def uploads_of(materials: dict[str, dict]) -> list[intake.Upload]:
    """The files posted for these materials (by code), one input each; a ticked material must come
    with its file."""
    uploads, problems = [], []
    for code, material in materials.items():
        upload = request.files.get(f"file_{code}")
        if upload and upload.filename:
            uploads.append(intake.Upload(code, upload.filename, upload.read()))
        elif request.form.get(f"received_{code}"):
            problems.append(_("%(name)s：已勾选收取，但未上传扫描件", name=material["name"]))
    if problems:
        raise Invalid(_("材料与勾选不一致"), problems)
    return uploads


def _render_case(case_id: int, status: int = 200):
    info = progress.visible_case(case_id, actor())  # an agent's: only the cases they filed
    today = clock.today()
    suggested = calendars.current().add_workdays(today, DEFAULT_DEFER_DAYS).date
    window = actor().has_role("clerk")  # an agent reads the case as its applicant would, without the steps
    history = progress.case_history(case_id, actor()) if window else []
    done = progress.steps_done(info["instance_id"], actor()) if window and info["instance_id"] else []
    acting = agencies.acts_for(case_id, actor())  # may commission for the case's applicant
    # After the first notice a correction may only name what it told (一次性告知).
    told = {m["code"] for n in info["notices"] if n["kind"] == "correction" for m in n["data"]["missing"]}
    # The applicant's ID number and phone are the window's to see, not every department's.
    applicant = get_applicant(info["applicant_id"]) if window else None
    # 失信 (虚假承诺): the acceptance offers neither a pledge nor 容缺, and says why.
    record = credit.bar_of(info["applicant_id"]) if window and info["status"] in intake.OPEN else None
    return render_template("intake/case.html", case=info, applicant=applicant, events=history, today=today, window=window,
                           suggested_due=suggested, told=told, steps_done=done,
                           withdrawable=termination.WITHDRAWABLE, max_reason=termination.MAX_REASON,
                           correction=termination.correction(case_id)
                           if info["status"] == "review_correction" else (None, False),
                           payment_due=termination.payment(case_id) if window else None,
                           commissions=agencies.of_case(case_id), agency_choices=agencies.choices(case_id) if acting else {},
                           acts_for_applicant=acting, closed=info["status"] in ratings.CLOSED,
                           credit_bar=credit.barred(record) if record else None,
                           today_date=today), status


@bp.get("/cases/<int:case_id>")
@roles_required("clerk", "agent")
def case(case_id):
    return _render_case(case_id)


def _act(case_id: int, call, done):
    """Run one intake operation; a refusal re-renders the case page with its status. done is what
    to say, or says it from what the operation returned."""
    try:
        result = call()
    except (Invalid, Conflict) as exc:
        flash_error(exc)
        return _render_case(case_id, exc.status)
    flash(done(result) if callable(done) else done, "success")
    return redirect(url_for("intake.case", case_id=case_id), 303)


def _date(name: str) -> date:
    try:
        return date.fromisoformat(request.form.get(name, ""))
    except ValueError:
        raise Invalid(_("请填写有效的日期")) from None


@bp.post("/cases/<int:case_id>/accept")
@roles_required("clerk")
def accept(case_id):
    def call():
        deferred_codes = request.form.getlist("deferred")
        deferred = {code: _date("deferred_due") for code in deferred_codes} if deferred_codes else None
        outcome = None
        if "decision" in request.form:  # an immediate item (即办): decided here, at once
            results = tuple(intake.Upload("result", f.filename, f.read())
                            for f in request.files.getlist("result") if f.filename)
            outcome = intake.Outcome(request.form["decision"], request.form.get("statement", ""), results)
        intake.accept(case_id, actor(), deferred=deferred, pledged=request.form.getlist("pledged"),
                      outcome=outcome)
    immediate = "decision" in request.form
    return _act(case_id, call, _("已受理并当场办结，请送达结果") if immediate else _("已受理，已出具受理通知书"))


@bp.post("/cases/<int:case_id>/correction")
@roles_required("clerk")
def correction(case_id):
    missing = [{"code": code, "reason": request.form.get(f"reason_{code}", "").strip() or _("缺少或不符合要求")}
               for code in request.form.getlist("missing")]
    return _act(case_id, lambda: corrections.request_correction(case_id, missing, actor(), request.form.get("note", "")),
                _("已出具补正通知书（一次性告知）"))


@bp.post("/cases/<int:case_id>/supply")
@roles_required("clerk", "agent")
def supply(case_id):
    uploads = [intake.Upload(key[len("file_"):], f.filename, f.read())
               for key, f in request.files.items() if key.startswith("file_") and f.filename]
    if not uploads:
        flash(_("请选择要补交的材料文件"), "error")
        return _render_case(case_id, 422)
    return _act(case_id, lambda: corrections.supply(case_id, uploads, actor()),
                _("已收取补交材料") if actor().has_role("clerk") else _("已提交补交材料"))


@bp.post("/cases/<int:case_id>/refuse")
@roles_required("clerk")
def refuse(case_id):
    return _act(case_id, lambda: intake.refuse(case_id, request.form.get("reason", ""), actor()),
                _("已出具不予受理通知书"))


@bp.post("/cases/<int:case_id>/withdraw")
@roles_required("clerk")
def withdraw(case_id):
    """The applicant's written request to withdraw, recorded at the window."""
    return _act(case_id, lambda: termination.withdraw(case_id, request.form.get("reason", ""), actor()),
                _("已撤回申请，本办件终止办理，已出具终止办理告知书"))


@bp.post("/cases/<int:case_id>/lapse")
@roles_required("clerk")
def lapse(case_id):
    """逾期未补正 / 逾期未缴纳: nothing came by the notice's date; the case ends."""
    return _act(case_id, lambda: termination.lapse(case_id, actor()), _("已终止办理（逾期），已出具终止办理告知书"))


@bp.post("/cases/<int:case_id>/deliver")
@roles_required("clerk")
def deliver(case_id):
    return _act(case_id, lambda: decisions.deliver(case_id, request.form.get("method", ""), actor(),
                                                tracking=request.form.get("tracking", "").strip() or None),
                _("已送达"))


@bp.get("/cases/<int:case_id>/rating")
@roles_required("clerk")
def rating(case_id):
    """现场评价: the screen the clerk turns to the applicant, whose own phone scans its code."""
    case, code = rating_codes.at_window(case_id, actor())
    return render_template("intake/rating.html", case=case, code=code, closed=case.status in ratings.CLOSED)


@bp.post("/cases/<int:case_id>/rating")
@roles_required("clerk")
def rating_code(case_id):
    """A new code for an applicant at the window whose code expired unused."""
    try:
        rating_codes.reissue(case_id, actor())
    except ShenpiError as exc:
        flash_error(exc)
    return redirect(url_for("intake.rating", case_id=case_id), 303)


@bp.post("/cases/<int:case_id>/agencies")
@roles_required("clerk", "agent")
def commission(case_id):
    """An applicant without an online account chooses an agency with the window, or with the agent
    who filed the case, who records it on their behalf (the engine keeps an agent to their filings)."""
    def call():
        kind, agency_id = chosen()
        return agencies.commission(case_id, agency_id, kind, actor=actor())
    return _act(case_id, call, lambda row: _("已代申请人选定 %(agency)s，承诺于 %(due)s 前交付报告",
                                            agency=row.agency.name, due=row.due_on.isoformat()))


@bp.post("/cases/<int:case_id>/agencies/<int:commission_id>/<any(deliver, cancel):action>")
@roles_required("clerk", "agent")
def commission_close(case_id, commission_id, action):
    """The window, or the agent who filed the case, hands in the agency's report for the applicant,
    or records that the commission ended."""
    def call():
        if action == "deliver":
            agencies.deliver(case_id, commission_id, report(), actor=actor())
        else:
            agencies.cancel(case_id, commission_id, request.form.get("reason", ""), actor=actor())
    return _act(case_id, call, _("已提交中介机构的报告，审查部门可以查阅") if action == "deliver" else _("已取消中介委托"))


@bp.get("/notices/<int:notice_id>")
@login_required
def notice(notice_id):
    """The printable notice; anyone who may see the case may print it."""
    row = progress.notice(notice_id, actor())
    # A kind without its own template prints with the general layout.
    return render_template([f"notices/{row['kind']}.html", "notices/generic.html"], notice=row, data=row["data"])
from . import applicants, things  # noqa: E402,F401  (routes register on bp)
