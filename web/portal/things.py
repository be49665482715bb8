"""一件事一次办 online: the applicant applies for a thing's items with one form and one set of
materials, and follows the application as one (each item's status, one overall status, the
notices of the whole)."""
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine import intake, material_templates, portal, thing_applications, things
from engine.errors import NotFound, ShenpiError

from . import applicant_required, bp, failed
from .. import once
from ..inbox.forms import errors_by_field, fields, read


def _thing(code: str):
    """The thing and its layout, or the page's 404."""
    try:
        thing = things.get(code)
    except NotFound:
        abort(404)
    return thing, things.layout_of(thing)


def _context(thing, shape, **page) -> dict:
    joint = next((i.data["parties"] for i in shape.items if i.data.get("parties")), None)
    kept = {code for item in shape.items for code in intake.kept_for(g.applicant.id, item.code)}
    return {"thing": thing, "shape": shape, "fields": fields(shape.form), "joint": joint, "kept": kept,
            "departments": {i.code: portal.department_name(i.department) for i in shape.items},
            "forms": material_templates.of_items([i.code for i in shape.items]), **page}


@bp.route("/things/<code>/apply", methods=["GET", "POST"])
@applicant_required
def apply_thing(code):
    thing, shape = _thing(code)
    if request.method == "GET":
        return render_template("portal/thing_apply.html", **_context(thing, shape, values={}, errors={}))
    earlier = once.made_by()
    if earlier is not None:  # the same application sent again (Back, then 提交): one application
        flash(_("这份申请已提交，一件事申请编号 %(number)s，未重复提交", number=earlier["number"]), "success")
        return redirect(url_for("portal.application", number=earlier["number"]))
    uploads = [intake.Upload(m["code"], f.filename, f.read()) for m in shape.materials
               if (f := request.files.get(f"m-{m['code']}")) and f.filename]
    applicant = portal.get_applicant(g.applicant.id)
    try:
        application = thing_applications.submit(
            code, intake.on_record(applicant), uploads, None, channel="online", form=read(shape.form, request.form),
            note=request.form.get("note"))
    except ShenpiError as exc:
        return failed(exc, "portal/thing_apply.html", **_context(
            thing, shape, values=request.form, errors=errors_by_field(exc.details, fields(shape.form))))
    once.remember(number=application.number)
    flash(_("申请已提交，一件事申请编号 %(number)s；各事项已分别登记为办件", number=application.number), "success")
    return redirect(url_for("portal.application", number=application.number))


@bp.get("/applications/<number>")
@applicant_required
def application(number):
    try:
        info = thing_applications.own(g.applicant.id, number)
    except NotFound as exc:
        return failed(exc, "portal/cases.html", cases=portal.my_cases(g.applicant.id), number=number,
                      applications=thing_applications.of_applicant(g.applicant.id))
    return render_template("portal/application.html", application=info)


@bp.get("/applications/<number>/notices/<int:notice_id>")
@applicant_required
def application_notice(number, notice_id):
    """The notice of the whole application the window hands out (templates/notices/)."""
    try:
        row = thing_applications.own_notice(g.applicant.id, number, notice_id)
    except NotFound:
        abort(404)
    return render_template(f"notices/{row['kind']}.html", notice=row, data=row["data"])
