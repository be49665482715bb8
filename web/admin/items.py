"""服务事项: the service item catalogue the window takes cases in under, and its new versions."""
from flask import Response, abort, render_template
from flask_babel import gettext as _

from engine import catalogue
from engine.errors import Invalid, NotFound, ShenpiError

from ..inbox.access import actor, roles_required
from . import bp, done, refused, uploaded_or_pasted


@bp.get("/items")
@roles_required("admin")
def items():
    return _items()


def _items():
    return render_template("admin/items.html", items=catalogue.all_items())


@bp.get("/items/<code>.yaml")
@roles_required("admin")
def item_yaml(code):
    """The item as a file to edit and upload again (its code is letters, digits and -_. only)."""
    try:
        text = catalogue.as_yaml(code)
    except NotFound:
        abort(404)
    return Response(text, mimetype="application/yaml",
                    headers={"Content-Disposition": f'attachment; filename="{code}.yaml"'})


@bp.post("/items")
@roles_required("admin")
def save_item():
    try:
        text, filename = uploaded_or_pasted()
        source = filename or _("粘贴的内容")
        if not text.strip():
            raise Invalid(_("请上传或粘贴服务事项（YAML）"))
        code, version, new = catalogue.load_text(text, source, actor())
    except ShenpiError as exc:
        return refused(exc, _items)
    message = _("已保存服务事项 %(code)s v%(version)s", code=code, version=version) if new else \
        _("服务事项 %(code)s 与 v%(version)s 相同，未产生新版本", code=code, version=version)
    return done(message, "admin.items")
