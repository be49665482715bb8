"""电子监察 › 中介超市: the commissions past the agency's promised date, so overrunning agencies show."""
from flask import render_template

from engine import agencies, clock

from web.inbox.access import actor, roles_required

from . import bp


@bp.get("/agencies")
@roles_required("supervisor")
def agencies_overdue():
    # Days since the promised date: past it by a weekend is late, though by no working day yet.
    today = clock.today()
    rows = [(c, (today - c.due_on).days) for c in agencies.overdue(actor())]
    return render_template("supervision/agencies.html", rows=rows)
