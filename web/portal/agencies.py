"""中介超市 on the portal: the public marketplace, and an applicant's commissions on their own case
(choose an agency, hand in the delivered report, cancel, rate). engine/agencies.py decides."""
from flask import abort, g, render_template, request
from flask_babel import gettext as _

from engine import agencies, portal
from engine.errors import Invalid, NotFound

from . import applicant_required, bp, download
from ..agency_choice import chosen, report
from .applications import _act


@bp.get("/agencies")
def agencies_market():
    """No sign-in needed: the active agencies of a kind (or all), their promise, price and rating."""
    kind = request.args.get("kind") or None
    if kind is not None and kind not in agencies.KINDS:
        abort(404)
    return render_template("portal/agencies.html", offers=agencies.market(kind), kind=kind, kinds=agencies.KINDS)


@bp.post("/cases/<number>/agencies")
@applicant_required
def commission(number):
    def call(case_):
        kind, agency_id = chosen()
        row = agencies.commission(case_.id, agency_id, kind, applicant_id=g.applicant.id)
        return _("已选定 %(agency)s，承诺于 %(due)s 前交付报告", agency=row.agency.name, due=row.due_on.isoformat())
    return _act(number, call)


@bp.post("/cases/<number>/agencies/<int:commission_id>/<any(deliver, cancel):action>")
@applicant_required
def commission_close(number, commission_id, action):
    def call(case_):
        if action == "deliver":
            agencies.deliver(case_.id, commission_id, report(), applicant_id=g.applicant.id)
            return _("已提交中介机构的报告，审查部门可以查阅")
        agencies.cancel(case_.id, commission_id, request.form.get("reason", ""), applicant_id=g.applicant.id)
        return _("已取消委托")
    return _act(number, call)


@bp.post("/cases/<number>/agencies/<int:commission_id>/rate")
@applicant_required
def commission_rate(number, commission_id):
    def call(case_):
        score = request.form.get("score", "")
        if not (score.isascii() and score.isdigit()):
            raise Invalid(_("请选择 1 至 5 分"))
        agencies.rate(case_.id, commission_id, g.applicant.id, int(score), request.form.get("comment", ""))
        return _("感谢您对中介机构的评价")
    return _act(number, call)


@bp.get("/cases/<number>/agencies/<int:commission_id>/report")
@applicant_required
def commission_report(number, commission_id):
    """The report an agency delivered for the applicant's own case, as it was handed in."""
    try:
        case_ = portal.own_case(g.applicant.id, number)
        filename, sha256 = agencies.report_file(case_.id, commission_id, g.applicant.id)
    except NotFound:
        abort(404)
    return download(filename, sha256)
