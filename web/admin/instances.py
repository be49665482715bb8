"""Running instances: suspend and resume, move them to another version, and timer incidents."""
from flask import render_template, request
from flask_babel import gettext as _

from engine import termination, timers
from engine.errors import Invalid, NotFound, ShenpiError
from engine.services import admin, deploy, migration

from ..inbox.access import actor, roles_required
from . import bp, done, refused


@bp.get("/instances")
@roles_required("admin")
def instances():
    return _instances()


def _instances():
    key, state = request.args.get("key") or None, request.args.get("state") or None
    return render_template("admin/instances.html", key=key, state=state, grounds=termination.GROUNDS,
                           instances=admin.instances(actor(), key=key, state=state))


@bp.post("/instances/<int:instance_id>/<any(suspend, resume):action>")
@roles_required("admin")
def instance_suspension(instance_id, action):
    try:
        if action == "suspend":
            name = admin.suspend_instance(instance_id, request.form.get("reason", ""), actor())
        else:
            name = admin.resume_instance(instance_id, actor())
    except ShenpiError as exc:
        return refused(exc, _instances)
    message = _("%(name)s 的审批流程已挂起", name=name) if action == "suspend" else \
        _("%(name)s 的审批流程已恢复", name=name)
    return done(message, "admin.instances")


@bp.post("/cases/<int:case_id>/terminate")
@roles_required("admin")
def terminate(case_id):
    try:
        notice = termination.terminate(case_id, request.form.get("ground", ""), request.form.get("basis", ""),
                                       actor())
    except ShenpiError as exc:
        return refused(exc, _instances)
    return done(_("已终止办理，终止办理告知书 %(number)s 已出具", number=notice.number), "admin.instances")


@bp.get("/definitions/<key>/migrate")
@roles_required("admin")
def migration_check(key):
    return _check(key)


def _check(key, outcome=None):
    # Any other version may be the target: forward to the newest, or back from a faulty one. Asked
    # without versions, the page compares the two newest.
    versions = [d.version for d in deploy.versions(key)]
    if not versions:
        raise NotFound("No process %(key)s", key=repr(key))
    old = request.values.get("from", type=int) or (versions[-2] if len(versions) > 1 else None)
    new = request.values.get("to", type=int) or (versions[-1] if versions else None)
    if not old or not new or old == new:
        raise Invalid(_("请选择两个不同的版本"))
    return render_template("admin/migrate.html", report=migration.check(key, old, new, actor()),
                           outcome=outcome, versions=versions)


@bp.post("/definitions/<key>/migrate")
@roles_required("admin")
def migrate(key):
    old, new = request.form.get("from", type=int), request.form.get("to", type=int)
    ids = [int(i) for i in request.form.getlist("instance") if i.isdigit()]
    try:
        if not ids:
            raise Invalid(_("请勾选要迁移的案件"))
        outcome = migration.migrate(key, old, new, ids, actor())
    except ShenpiError as exc:
        return refused(exc, _check, key=key)
    if outcome["refused"]:  # some could not move after all: show which and why, on the check page
        return _check(key, outcome), 409
    return done(_("已将 %(n)s 个案件迁移到 v%(v)s", n=len(outcome["moved"]), v=new),
                "admin.migration_check", key=key, **{"from": old, "to": new})


@bp.get("/incidents")
@roles_required("admin")
def incidents():
    return _incidents()


def _incidents():
    return render_template("admin/incidents.html", incidents=timers.incidents())


@bp.post("/incidents/<int:timer_id>/retry")
@roles_required("admin")
def retry(timer_id):
    try:
        timers.retry(timer_id, actor())
    except ShenpiError as exc:
        return refused(exc, _incidents)
    return done(_("定时器 %(id)s 已重新排队", id=timer_id), "admin.incidents")
