"""在办案件 and 案件时限: the running cases by their clocks, and one case's clocks, for those who
watch them (the board's people; a head sees their own department's)."""
from flask import render_template, request

from engine import case_watch
from engine.clock import levels
from engine.errors import ShenpiError

from .. import names
from ..inbox.access import actor, flash_error, roles_required
from ..inbox.task import special_names
from . import WATCHERS, bp


@bp.get("/cases")
@roles_required(*WATCHERS)
def cases():
    shown = {"department": request.args.get("department", "").strip(), "number": request.args.get("number", "").strip(),
             "level": [level for level in request.args.getlist("level") if level],
             "paused": "1" if request.args.get("paused") == "1" else ""}
    try:
        page = case_watch.running(actor(), department=shown["department"] or None, levels=tuple(shown["level"]),
                                  paused=bool(shown["paused"]), number=shown["number"],
                                  page=request.args.get("page", 1, type=int))
        status = 200
    except ShenpiError as exc:  # the form again, with what was chosen and what is wrong with it
        flash_error(exc)
        page, status = {"cases": [], "total": 0, "page": 1, "pages": 1}, exc.status
    filters = {name: value for name, value in shown.items() if value}
    return render_template("supervision/cases.html", page=page, shown=shown, filters=filters, levels=levels.LEVELS,
                           departments=names.departments() if actor().has_role("supervisor") else None,
                           special_names=special_names()), status


@bp.get("/instances/<int:instance_id>/clocks")
@roles_required(*WATCHERS)
def case_clocks(instance_id):
    return render_template("supervision/case.html", info=case_watch.case_clocks(instance_id, actor()),
                           special_names=special_names())
