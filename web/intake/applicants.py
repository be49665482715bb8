"""申请人网上账号: the window finds an applicant and, having seen their identity document, gives
a temporary password (a forgotten one, or a record the window made without an account)."""
from flask import render_template, request

from engine import applicant_passwords, signin
from engine.errors import Conflict
from engine.portal import get_applicant

from web import searches
from web.inbox.access import actor, flash_error, roles_required

from . import bp


def _page(found, temporary=None, q=""):
    return render_template("intake/applicants.html", q=q, found=found,
                           temporary=temporary, days=signin.TEMPORARY_DAYS)


@bp.route("/applicants", methods=["GET", "POST"])
@roles_required("clerk")
def applicants():
    if request.method == "POST":  # by ID number or phone: kept out of the address (web/searches.py)
        return searches.sent("intake.applicants")
    text = searches.shown()
    return _page(applicant_passwords.find(actor(), text), q=text)


@bp.get("/applicants/<int:applicant_id>")
@roles_required("clerk")
def applicant(applicant_id):
    """From a case page: its applicant."""
    return _page([get_applicant(applicant_id)])


@bp.post("/applicants/<int:applicant_id>/password")
@roles_required("clerk")
def reset_password(applicant_id):
    try:
        password = applicant_passwords.reset_password(actor(), applicant_id, request.form.get("serial", type=int))
    except Conflict as exc:  # the page sent again: nothing is reset twice
        flash_error(exc)
        return _page([get_applicant(applicant_id)]), exc.status
    # Shown in this answer only, kept by no cache (as no signed-in page is: web/__init__.py).
    return _page([get_applicant(applicant_id)], temporary=password)
