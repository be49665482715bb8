"""电子监察 › 中介服务: the commissions past the agency's promised date, so overrunning agencies show,
and every agency's record."""
from flask import render_template

from engine import agency_records

from web.inbox.access import actor, roles_required

from . import bp


@bp.get("/agencies")
@roles_required("supervisor")
def agencies_overdue():
    rows = [(c, agency_records.late_by(c)) for c in agency_records.overdue(actor())]
    return render_template("supervision/agencies.html", rows=rows, records=agency_records.records(actor()))
