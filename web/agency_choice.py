"""中介超市 forms as the applicant's case page and the window's case page post them: the choice of
an agency for one kind of report (templates/_agency_choice.html), the kind and the agency picked in
that kind's list; and the report a delivery hands in."""
from flask import request
from flask_babel import gettext as _

from engine.errors import Invalid
from engine.intake import Upload


def chosen() -> tuple[str, int]:
    """(kind, agency id); a missing or unreadable choice is refused as the applicant's is."""
    kind = request.form.get("kind", "")
    try:
        return kind, int(request.form.get(f"agency_{kind}", ""))
    except ValueError:
        raise Invalid(_("请选择中介机构")) from None


def report() -> Upload:
    """The delivered report's file; none chosen is refused, as the browser asks for one."""
    file = request.files.get("report")
    if file is None or not file.filename:
        raise Invalid(_("请上传中介机构交付的报告文件"))
    return Upload("report", file.filename, file.read())
