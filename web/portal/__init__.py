"""The applicant portal (网上办事): service guides, online applications, progress, ratings.

Applicants sign in here, not through Flask-Login: staff are `current_user`, an applicant is
session["applicant_id"], so one browser may hold either without the two being confused.
The staff pages that answer bad ratings (整改) live here too, under /portal/rectifications.
"""
from functools import wraps

from flask import Blueprint, flash, g, redirect, render_template, request, send_file, session, url_for

from engine import files, intake, portal, ratings
from web.auth import marked, new_csrf_token, own_password_first, session_mark
from web.messages import sentences


bp = Blueprint("portal", __name__, url_prefix="/portal")
SESSION_KEY = "applicant_id"


def download(filename: str, sha256: str, name: str | None = None):
    """A stored file, always downloaded, never opened in the browser (the portal's files come from
    applicants, agencies and departments alike), under its own name or the one given."""
    return send_file(files.located(sha256), download_name=files.clean_name(name or filename), as_attachment=True,
                     mimetype="application/octet-stream")


def sign_in(applicant) -> None:
    new_csrf_token()
    session[SESSION_KEY] = session_mark(applicant)


@bp.before_request
def _load_applicant():
    g.applicant = None
    if SESSION_KEY in session:
        g.applicant = marked(session[SESSION_KEY], portal.get_applicant)
        if g.applicant is None:  # signed out elsewhere, or the account is gone
            session.pop(SESSION_KEY)
        else:  # the window's temporary password opens nothing but the choice of one's own
            return own_password_first(g.applicant, "portal.change_password", "portal.logout")


@bp.context_processor
def _applicant():
    # rateable: the case statuses in which an applicant rates a case (好差评); the lengths its
    # texts may have, for the forms to stop at; to_revisit: the applicant's cases whose bad
    # rating the department has answered, for the portal to tell them (they have no other inbox).
    applicant = g.get("applicant")
    to_revisit = ratings.to_revisit(applicant.id) if applicant and not applicant.temporary_until else []
    return {"applicant": applicant, "rateable": ratings.CLOSED, "rating_max": ratings.MAX_TEXT,
            "note_max": intake.MAX_NOTE, "to_revisit": to_revisit}


def applicant_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if g.applicant is None:
            return redirect(url_for("portal.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)
    return wrapped


def flash_error(exc) -> None:
    """The refusal and its details, one message each."""
    for sentence in sentences(exc):
        flash(sentence, "error")


def failed(exc, template: str, **context):
    """Show a service's refusal on the page it came from, with the service's status code."""
    flash_error(exc)
    return render_template(template, **context), exc.status


from . import accounts, agencies, applications, rectifications, things, verify  # noqa: E402,F401  (routes register on bp)
