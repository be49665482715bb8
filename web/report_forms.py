"""评估报告 on an application form (an entry made of the agency reports, engine/agency_reports.py):
which kinds' reports the project the form describes needs, by the rules the case will be held to,
for static/report-kinds.js to offer an input for those only. The window's form and the portal's
ask alike; nothing is stored."""
from flask import jsonify, request
from flask_babel import gettext as _

from engine import forms
from engine.errors import Message, ShenpiError
from engine.report_kinds import KIND_NAMES, needs

from .inbox.forms import read
from .messages import translated


def answer(item):
    """{complete, state, needed, covered}: until the form passes its schema, incomplete (every kind
    stays offered); then missing (some are needed), covered (the zone's regional assessment exempts
    all the rules ask) or not_needed (the rules ask none); `covered` says which the zone covers."""
    schema = item.data.get("form")
    try:
        form = read(schema, request.form)
        if schema:
            forms.check(schema, form, Message("The application form is not complete"))
        needed, covered = needs(item.data, form)
    except ShenpiError:
        return jsonify(complete=False, state="incomplete", needed=[], covered="")
    # What the zone's regional assessments cover, said in the reader's language, its documents named.
    said = _("、").join(translated(KIND_NAMES[kind]) + _("（%(note)s）", note=doc) for kind, doc in covered.items())
    return jsonify(complete=True, state="missing" if needed else "covered" if covered else "not_needed",
                   needed=needed, covered=said)
