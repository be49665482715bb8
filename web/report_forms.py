"""评估报告 on an application form (an entry made of the agency reports, engine/agency_reports.py):
which kinds' reports the project the form describes needs, by the rules the case will be held to,
for static/report-kinds.js to offer an input for those only. The window's form and the portal's
ask alike; nothing is stored."""
from flask import jsonify, request
from flask_babel import gettext as _

from engine import forms
from engine.agency_reports import state
from engine.errors import Message, ShenpiError
from engine.report_kinds import KIND_NAMES, needs

from .inbox.forms import read
from .messages import translated


def answer(item):
    """{complete, state, needed, covered}: until the form passes its schema, incomplete (every kind
    stays offered); then the entry's state were nothing handed in yet (agency_reports.state: missing,
    covered or not_needed); `covered` says what the zone's regional assessment exempts or simplifies."""
    schema = item.data.get("form")
    try:
        form = read(schema, request.form)
        if schema:
            forms.check(schema, form, Message("The application form is not complete"))
        needed, spared = needs(item.data, form)
    except ShenpiError:
        return jsonify(complete=False, state="incomplete", needed=[], covered="")
    # What the zone's regional assessments spare, said in the reader's language, its documents named.
    said = _("、").join(translated(KIND_NAMES[c["code"]]) + _("（%(note)s）", note=_spared(c)) for c in spared)
    return jsonify(complete=True, state=state(needed, True, spared), needed=needed, covered=said)


def _spared(row: dict) -> str:
    return _("简化评估：%(doc)s", doc=row["doc_no"]) if row["coverage"] == "simplified" else row["doc_no"]
