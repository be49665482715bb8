"""一件事一次办 at the window: the clerk (or an agent) takes in a thing's items with one form and
one set of materials, then accepts or refuses them together on the application's page, which
follows each item's case and the whole."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine import clock, credit, thing_applications, things
from engine.errors import Conflict, Invalid
from engine.services import calendars

from web import once
from web.inbox.access import actor, flash_error, roles_required
from web.inbox.forms import errors_by_field, fields, read

from . import APPLICANT_FIELDS, DEFAULT_DEFER_DAYS, _date, bp, uploads_of


def _form_page(thing, shape, values: dict, errors: dict | None = None, status: int = 200):
    # The joint application's applicant (the transfer's buyer) is the whole thing's.
    role = next(((i.data.get("parties") or {}).get("applicant") for i in shape.items if i.data.get("parties")), None)
    return render_template("intake/thing_new.html", thing=thing, shape=shape, fields=fields(shape.form),
                           values=values, errors=errors or {}, role=role,
                           item_names={i.code: i.name for i in shape.items}), status


@bp.route("/things/<code>", methods=["GET", "POST"])
@roles_required("clerk", "agent")
def new_thing(code):
    thing = things.get(code)
    shape = things.layout_of(thing)
    if request.method == "GET":
        return _form_page(thing, shape, {"kind": "person", "id_type": "id_card"})
    earlier = once.made_by()
    if earlier is not None:  # the same form sent again (Back, then 收件登记): one application, not two
        flash(_("这份收件已登记为一件事申请 %(number)s，未重复登记", number=earlier["number"]), "success")
        return redirect(url_for("intake.application", application_id=earlier["id"]), 303)
    try:
        application = thing_applications.submit(
            code, {k: request.form.get(k, "").strip() for k in APPLICANT_FIELDS},
            uploads_of({m["code"]: m for m in shape.materials}), actor(),
            channel=request.form.get("channel") or "window", form=read(shape.form, request.form))
    except Invalid as exc:
        flash_error(exc)
        return _form_page(thing, shape, request.form, errors_by_field(exc.details, fields(shape.form)), exc.status)
    once.remember(id=application.id, number=application.number)
    flash(_("已收件，一件事申请编号 %(number)s", number=application.number), "success")
    return redirect(url_for("intake.application", application_id=application.id), 303)


def _application_page(application_id: int, status: int = 200):
    info = thing_applications.describe(application_id, actor())
    today, window = clock.today(), actor().has_role("clerk")
    # 失信 (虚假承诺): accepting the whole offers neither a pledge nor 容缺, and says why.
    record = credit.bar_of(info["applicant_id"]) if window and info["status"] == thing_applications.SUBMITTED else None
    return render_template("intake/application.html", application=info, window=window, today=today,
                           suggested_due=calendars.current().add_workdays(today, DEFAULT_DEFER_DAYS).date,
                           credit_bar=credit.barred(record) if record else None), status


@bp.get("/applications/<int:application_id>")
@roles_required("clerk", "agent")
def application(application_id):
    return _application_page(application_id)


def _act(application_id: int, call, done: str):
    try:
        call()
    except (Invalid, Conflict) as exc:
        flash_error(exc)
        return _application_page(application_id, exc.status)
    flash(done, "success")
    return redirect(url_for("intake.application", application_id=application_id), 303)


@bp.post("/applications/<int:application_id>/accept")
@roles_required("clerk")
def accept_application(application_id):
    def call():
        codes = request.form.getlist("deferred")
        thing_applications.accept(application_id, actor(), deferred={code: _date("deferred_due") for code in codes},
                                  pledged=request.form.getlist("pledged"))
    return _act(application_id, call, _("各事项已一并受理，已出具受理通知书"))


@bp.post("/applications/<int:application_id>/refuse")
@roles_required("clerk")
def refuse_application(application_id):
    return _act(application_id, lambda: thing_applications.refuse(application_id, request.form.get("reason", ""), actor()),
                _("各事项已一并不予受理，已出具不予受理通知书"))
