"""The choice of an agency for one kind of report (中介超市), as the applicant's case page and the
window's case page post it (templates/_agency_choice.html): the kind, and the agency picked in that
kind's list."""
from flask import request
from flask_babel import gettext as _

from engine.errors import Invalid


def chosen() -> tuple[str, int]:
    """(kind, agency id); a missing or unreadable choice is refused as the applicant's is."""
    kind = request.form.get("kind", "")
    try:
        return kind, int(request.form.get(f"agency_{kind}", ""))
    except ValueError:
        raise Invalid(_("请选择中介机构")) from None
