"""服务事项: the service item catalogue the window takes cases in under, its new versions, and its
materials' blank forms and filled-in examples (表格下载, 填表示例)."""
from flask import Response, abort, render_template, request
from flask_babel import gettext as _

from engine import catalogue, material_templates
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


@bp.get("/items/<code>/forms")
@roles_required("admin")
def item_forms(code):
    return _forms(code)


def _forms(code):
    try:
        item = catalogue.get(code)
    except NotFound:
        abort(404)
    return render_template("admin/item_forms.html", item=item, forms=material_templates.of_item(code),
                           types=",".join(material_templates.TYPES))


@bp.post("/items/<code>/forms")
@roles_required("admin")
def save_item_form(code):
    upload = request.files.get("file")
    try:
        if not upload or not upload.filename:
            raise Invalid(_("请选择要上传的表格文件"))
        material_templates.put(actor(), code, request.form.get("material", ""), request.form.get("kind", ""),
                               upload.read(), upload.filename)
    except ShenpiError as exc:
        return refused(exc, _forms, code=code)
    return done(_("已上传 %(name)s", name=upload.filename), "admin.item_forms", code=code)


@bp.post("/items/<code>/forms/<material>/<any(blank, example):kind>/delete")
@roles_required("admin")
def remove_item_form(code, material, kind):
    try:
        material_templates.remove(actor(), code, material, kind)
    except ShenpiError as exc:
        return refused(exc, _forms, code=code)
    return done(_("已删除"), "admin.item_forms", code=code)
