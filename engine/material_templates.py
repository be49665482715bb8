"""表格下载 and 填表示例: the blank form of an item's material (空白表格) and a filled-in example
(示例样表), which the guide offers so that an applicant fills the form in before coming, once and
rightly (行政许可法 Art. 30: the office publishes 申请书示范文本; seed 004: 提供规范的表格、填写说明和示范文本).

An administrator uploads them on the item's page, or `run.py items load` reads them beside the item
files: <folder>/forms/<item code>/<material code>.<blank|example>.<ext>. They are kept by the
item's and the material's codes, so a new version of the item keeps its forms; a material a later
version drops has its forms hidden, not lost.
"""
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import select

from engine import catalogue, files
from engine.errors import Conflict, Invalid, NotFound
from engine.services.events import record
from engine.services.users import require
from engine.store import session_scope
from engine.store.db import flush_unique, read_session
from engine.store.models import MaterialTemplate, User, utcnow

KINDS = ("blank", "example")
# Files an applicant opens at home: documents and pictures, not scans' TIFF or drawings.
TYPES = (".pdf", ".ofd", ".doc", ".docx", ".xls", ".xlsx", ".jpg", ".jpeg", ".png")


def put(actor: User | None, item_code: str, material_code: str, kind: str, content: bytes, filename: str) -> None:
    """Keep the material's blank form or example, in place of the one it had."""
    if actor is not None:
        require(actor, "admin")
    _material(item_code, material_code)
    if kind not in KINDS:
        raise Invalid("A material's form is one of %(kinds)s", kinds=", ".join(KINDS))
    filename = files.clean_name(filename)
    if Path(filename).suffix.lower() not in TYPES:
        raise Invalid("%(file)s: a blank form or an example is one of %(types)s", file=filename,
                      types=" ".join(TYPES))
    sha, size = files.store(content, filename)
    with session_scope() as session:
        row = session.scalar(select(MaterialTemplate).where(*_same(item_code, material_code, kind)))
        if row is None:
            row = MaterialTemplate(item_code=item_code, material_code=material_code, kind=kind)
            session.add(row)
        if (row.sha256, row.filename) == (sha, filename):
            return
        row.filename, row.sha256, row.size = filename, sha, size
        row.uploaded_by, row.uploaded_at = actor.id if actor else None, utcnow()
        flush_unique(session, Conflict("The form was uploaded by someone else at the same moment; look and try again"))
        record(session, "material_template_saved", actor=actor, code=item_code, material=material_code,
               kind=kind, filename=filename, sha256=sha)


def remove(actor: User, item_code: str, material_code: str, kind: str) -> None:
    require(actor, "admin")
    with session_scope() as session:
        row = session.scalar(select(MaterialTemplate).where(*_same(item_code, material_code, kind)))
        if row is None:
            raise NotFound("The material %(material)s of %(item)s has no such form", material=material_code,
                           item=item_code)
        session.delete(row)
        record(session, "material_template_removed", actor=actor, code=item_code, material=material_code,
               kind=kind, filename=row.filename)


def of_item(item_code: str) -> dict:
    """{material code: {kind: {"filename", "size"}}} of the item's forms."""
    return of_items([item_code])[item_code]


def of_items(item_codes: list[str]) -> dict:
    """of_item of each item (a 一件事's), in one query."""
    found = {code: {} for code in item_codes}
    with read_session() as session:
        for row in session.scalars(select(MaterialTemplate).where(MaterialTemplate.item_code.in_(item_codes))):
            found[row.item_code].setdefault(row.material_code, {})[row.kind] = {"filename": row.filename,
                                                                              "size": row.size}
    return found


class Stored(NamedTuple):
    filename: str
    sha256: str
    material: str  # the material's name, which a download is named after


def stored(item_code: str, material_code: str, kind: str) -> Stored:
    """A form of a material the item's current version lists."""
    material = _material(item_code, material_code)
    with read_session() as session:
        row = session.scalar(select(MaterialTemplate).where(*_same(item_code, material_code, kind)))
    if row is None:
        raise NotFound("The material %(material)s of %(item)s has no such form", material=material_code,
                       item=item_code)
    return Stored(row.filename, row.sha256, material["name"])


def load_folder(folder: Path, actor: User | None = None, replace: bool = True) -> int:
    """The forms under <folder>/<item code>/, each named <material code>.<kind>.<type>; returns how
    many were kept. A file named otherwise, or for a material its item does not list, is refused,
    named, before any is kept. Without replace, a form an administrator has uploaded already stays
    (the demo's files are only a start)."""
    found, listed = [], {}
    for path in sorted(Path(folder).glob("*/*")):
        item, (material, _, rest) = path.parent.name, path.name.partition(".")
        kind, _, ext = rest.partition(".")
        if kind not in KINDS or not ext:
            raise Invalid("%(file)s: a form's file is named <material code>.blank.<type> or "
                          "<material code>.example.<type>", file=str(path))
        if item not in listed:
            listed[item] = {m["code"] for m in catalogue.get(item).data.get("materials", [])}
        if material not in listed[item]:
            raise NotFound("The item %(item)s has no material %(material)s", item=item, material=material)
        found.append((item, material, kind, path))
    if not replace:
        with read_session() as session:
            kept = {tuple(row) for row in session.execute(select(
                MaterialTemplate.item_code, MaterialTemplate.material_code, MaterialTemplate.kind))}
        found = [f for f in found if f[:3] not in kept]
    for item, material, kind, path in found:
        put(actor, item, material, kind, path.read_bytes(), path.name)
    return len(found)


def _material(item_code: str, material_code: str) -> dict:
    material = next((m for m in catalogue.get(item_code).data.get("materials", []) if m["code"] == material_code), None)
    if material is None:
        raise NotFound("The item %(item)s has no material %(material)s", item=item_code, material=material_code)
    return material


def _same(item_code: str, material_code: str, kind: str):
    return (MaterialTemplate.item_code == item_code, MaterialTemplate.material_code == material_code,
            MaterialTemplate.kind == kind)
