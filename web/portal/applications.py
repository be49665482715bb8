"""Service guides, online applications and the applicant's own cases: progress, corrections, notices, rating."""
from pathlib import Path

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine import (agencies, agency_reports, catalogue, clock, config, corrections, credit, intake, material_templates,
                    portal, ratings, renewals, termination, thing_applications)
from engine.things import all_things
from engine.errors import Invalid, NotFound, ShenpiError

from . import applicant_required, bp, download, failed, flash_error
from .. import once, report_forms
from ..labels import LABELS
from ..messages import translated
from ..inbox.forms import errors_by_field, fields, read
from ..inbox.task import special_names
from .forms import RatingForm, RevisitForm, WithdrawalForm


def _uploads(item_data: dict) -> list[intake.Upload]:
    """One file input per material, named m-<material code>, and per kind of report an entry made of
    them may take (m-report:<kind>: the engine refuses one the project does not need); empty inputs
    are skipped."""
    uploads = []
    for code in agency_reports.parts(item_data, item_data.get("agency_services") or []):
        file = request.files.get(f"m-{code}")
        if file and file.filename:
            uploads.append(intake.Upload(code, file.filename, file.read()))
    return uploads


def _credit_bar():
    """Why the signed-in applicant is offered no 容缺 or 告知承诺 (a credit record), or None."""
    record = credit.bar_of(g.applicant.id) if g.applicant is not None else None
    return credit.barred(record) if record is not None else None


@bp.get("/")
def index():
    return render_template("portal/index.html", items=catalogue.all_items(), things=all_things())


def _item(code: str):
    """The service item, or the page's 404."""
    try:
        return catalogue.get(code)
    except NotFound:
        abort(404)


def _guide(item) -> dict:
    """The item's guide, with its materials' forms to download (表格下载, 填表示例)."""
    return {**catalogue.guide(item), "forms": material_templates.of_item(item.code)}


@bp.get("/items/<code>")
def guide(code):
    item = _item(code)
    return render_template("portal/guide.html", item=item, guide=_guide(item),
                           department=portal.department_name(item.department), delivery_days=config.period("DELIVERY_DAYS"),
                           served=g.applicant is None or catalogue.serves(item, g.applicant.kind), credit_bar=_credit_bar())


@bp.get("/items/<code>/materials/<material>/<any(blank, example):kind>")
def material_form(code, material, kind):
    """表格下载 / 填表示例: open to anyone, as the guide is; named after the material and what it is."""
    try:
        form = material_templates.stored(code, material, kind)
    except NotFound:
        abort(404)
    return download(form.filename, form.sha256,
                    f"{form.material}（{LABELS['material_forms'][kind]}）{Path(form.filename).suffix.lower()}")


@bp.route("/items/<code>/apply", methods=["GET", "POST"])
@applicant_required
def apply(code):
    return _application(_item(code))


@bp.route("/cases/<number>/renew", methods=["GET", "POST"])
@applicant_required
def renew(number):
    """延续: the holder applies to renew the licence their case granted, on the item's form."""
    try:
        licence = portal.own_case(g.applicant.id, number)
    except NotFound:
        return _case_page(number)  # says so, with its 404
    return _application(_item(licence.item_code), renews=licence)


def _application(item, renews=None):
    """The item's application form, or a renewal's of the licence case `renews` granted; sent, the
    new case (its page says what the window will still ask for)."""
    schema = item.data.get("form")
    shown = fields(schema)
    page = {"item": item, "guide": _guide(item), "fields": shown, "renews": renews,
            "kept": intake.kept_for(g.applicant.id, item.code), "served": catalogue.serves(item, g.applicant.kind),
            "credit_bar": _credit_bar()}
    if request.method == "GET":
        return render_template("portal/apply.html", values={}, errors={}, **page)
    earlier = once.made_by()
    if earlier is not None:  # the same application sent again (Back, then 提交): one case
        flash(_("这份申请已提交，办件编号 %(number)s，未重复提交", number=earlier["number"]), "success")
        return redirect(url_for("portal.case", number=earlier["number"]))
    try:
        uploads, form, note = _uploads(item.data), read(schema, request.form), request.form.get("note")
        case = portal.apply(g.applicant.id, item.code, uploads, form=form, note=note) if renews is None else \
            renewals.apply(renews.id, uploads, None, applicant_id=g.applicant.id, form=form, note=note)
    except ShenpiError as exc:
        return failed(exc, "portal/apply.html", values=request.form, errors=errors_by_field(exc.details, shown), **page)
    once.remember(number=case.number)
    flash(_("申请已提交，办件编号 %(number)s", number=case.number), "success")
    missing = [translated(m["name"]) for m in agency_reports.spread(intake.describe(case.id)["materials"])
               if m["mandatory"] and m["state"] == "missing"]  # an entry made of reports: each report it lacks
    if missing:  # the window will ask for them once (补正); better to know now
        flash(_("以下必需材料尚未上传，可在办件页补交，否则窗口将一次性告知补正：%(names)s",
                names=_("、").join(missing)), "warning")
    return redirect(url_for("portal.case", number=case.number))


@bp.post("/items/<code>/reports")
@applicant_required
def reports(code):
    """Which reports the project the form describes needs (static/report-kinds.js asks as it changes)."""
    return report_forms.answer(_item(code))


@bp.get("/cases")
@applicant_required
def my_cases():
    number = request.args.get("number", "").strip()
    if number:  # 按办件编号查询: only among the applicant's own cases
        if number.upper().startswith("YJS"):  # 一件事申请编号
            return redirect(url_for("portal.application", number=number.upper()))
        try:
            portal.own_case(g.applicant.id, number)
        except NotFound as exc:
            return failed(exc, "portal/cases.html", cases=portal.my_cases(g.applicant.id), number=number,
                          applications=thing_applications.of_applicant(g.applicant.id))
        return redirect(url_for("portal.case", number=number))
    pages = portal.case_pages(g.applicant.id)
    page = min(max(1, request.args.get("page", 1, type=int)), pages)
    return render_template("portal/cases.html", cases=portal.my_cases(g.applicant.id, page), page=page, pages=pages,
                           number="", applications=thing_applications.of_applicant(g.applicant.id))


def _case_page(number: str, form: RatingForm | None = None, status: int = 200,
               withdrawal: WithdrawalForm | None = None):
    try:
        info = portal.progress(g.applicant.id, number)
    except NotFound as exc:
        return failed(exc, "portal/cases.html", cases=portal.my_cases(g.applicant.id), number=number,
                      applications=thing_applications.of_applicant(g.applicant.id))
    can_rate = info["status"] in ratings.CLOSED and info["rating"] is None
    return render_template("portal/case.html", case=info, form=form or RatingForm(), can_rate=can_rate,
                           bad_levels=ratings.BAD, fix=ratings.of_case(info["id"]), revisit_form=RevisitForm(),
                           withdrawal=withdrawal or WithdrawalForm(),
                           can_withdraw=info["status"] in termination.WITHDRAWABLE,
                           commissions=agencies.of_case(info["id"]), agency_choices=agencies.choices(info["id"]),
                           special_names=special_names(),
                           max_comment=agencies.MAX_COMMENT, max_reason=agencies.MAX_REASON, today_date=clock.today()), status


def _act(number: str, call, **page):
    """Run one of the applicant's operations on their own case; call(case) returns what to flash.
    A refusal shows the case page again, with what was posted (page) and the error's status."""
    try:
        case = portal.own_case(g.applicant.id, number)
    except NotFound:
        return _case_page(number)  # says so, with its 404
    try:
        done = call(case)
    except ShenpiError as exc:  # a commission or an agency not found among them too: said
        flash_error(exc)
        return _case_page(number, status=exc.status, **page)
    flash(done, "success")
    return redirect(url_for("portal.case", number=number))


@bp.get("/cases/<number>")
@applicant_required
def case(number):
    return _case_page(number)


@bp.post("/cases/<number>/supply")
@applicant_required
def supply(number):
    def call(case_):
        uploads = _uploads(case_.item.data)
        if not uploads:
            raise Invalid(_("请选择要补交的材料文件"))
        corrections.supply(case_.id, uploads, None, applicant_id=g.applicant.id)
        if case_.status == "review_correction":  # the window confirms receipt, then the departments review again
            return _("补正材料已提交，待窗口确认后转审查部门")
        return _("材料已补交")
    return _act(number, call)


@bp.post("/cases/<number>/rate")
@applicant_required
def rate(number):
    form = RatingForm()
    if not form.validate_on_submit():
        flash(_("请选择评价等级"), "error")
        return _case_page(number, form, 422)

    def call(case_):
        rectification = ratings.rate(case_.id, g.applicant.id, int(form.level.data), form.text.data,
                                     form.concerns.data or None)
        if rectification is None:
            return _("感谢您的评价")
        if rectification.concerns == "service":
            return _("感谢您的评价，受理窗口将在规定时间内整改并答复")
        return _("感谢您的评价，承办部门将在规定时间内整改并答复")
    return _act(number, call, form=form)


@bp.post("/cases/<number>/revisit")
@applicant_required
def revisit(number):
    """回访: the applicant says whether the answer to their bad rating satisfies them."""
    form = RevisitForm()
    if not form.validate_on_submit():
        flash(_("请选择您对整改答复是否满意"), "error")
        return _case_page(number, status=422)

    def call(case_):
        ratings.revisit(case_.id, g.applicant.id, form.satisfied.data == "yes")
        return _("感谢您的回访意见")
    return _act(number, call)


@bp.post("/cases/<number>/withdraw")
@applicant_required
def withdraw(number):
    """撤回申请: the case ends before its decision, at the applicant's word."""
    form = WithdrawalForm()
    if not form.validate_on_submit():
        flash(_("请写明撤回的理由，并勾选确认"), "error")
        return _case_page(number, status=422, withdrawal=form)

    def call(case_):
        termination.withdraw(case_.id, form.reason.data, None, applicant_id=g.applicant.id)
        return _("申请已撤回，本办件终止办理")
    return _act(number, call, withdrawal=form)


@bp.get("/cases/<number>/results/<int:material_id>")
@applicant_required
def result(number, material_id):
    """A result document of a decided case (批复, 意见书), as the department attached it."""
    try:
        filename, sha256 = portal.result_file(g.applicant.id, number, material_id)
    except NotFound:
        abort(404)
    return download(filename, sha256)


@bp.get("/cases/<number>/notices/<int:notice_id>")
@applicant_required
def notice(number, notice_id):
    """The same printable notice the window hands out (templates/notices/)."""
    try:
        row = portal.notice(g.applicant.id, number, notice_id)
    except NotFound:
        abort(404)
    return render_template([f"notices/{row['kind']}.html", "notices/generic.html"], notice=row, data=row["data"])
