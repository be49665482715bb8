"""电子监察 › 中介超市: the commissions past the agency's promised date, so overrunning agencies show."""
from flask import render_template

from engine import agencies, clock
from engine.services import calendars

from web.inbox.access import actor, roles_required

from . import bp


@bp.get("/agencies")
@roles_required("supervisor")
def agencies_overdue():
    today, calendar = clock.today(), calendars.current()
    rows = [(c, calendar.workdays_between(c.due_on, today)) for c in agencies.overdue(actor())]
    return render_template("supervision/agencies.html", rows=rows)
