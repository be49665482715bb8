"""What the designer's pages need besides deploy: drafts, and the files an edited diagram deploys with."""
import json
from datetime import datetime, timezone
from pathlib import Path

from lxml import etree
from sqlalchemy import delete, select

from engine.bpmn.layout import add_diagram
from engine.errors import Invalid
from engine.store import session_scope
from engine.store.db import read_session
from engine.store.models import Definition, Deployment, Draft, User

from . import deploy
from .events import record
from .users import require

KINDS = ("bpmn", "dmn")
MAX_DRAFT_BYTES = deploy.MAX_FILE_BYTES


def save_draft(kind: str, key: str, source: str, actor: User) -> dict:
    """Keep the author's work on one process or decision (one draft per author and key)."""
    require(actor, "designer")
    _check(kind, key)
    if not source or len(source.encode("utf-8")) > MAX_DRAFT_BYTES:
        raise Invalid("A draft must be a non-empty file smaller than 5 MB")
    with session_scope() as session:
        draft = session.scalar(select(Draft).where(Draft.kind == kind, Draft.key == key,
                                                   Draft.author_id == actor.id))
        if draft is None:
            draft = Draft(kind=kind, key=key, author_id=actor.id, source=source)
            session.add(draft)
        draft.source, draft.updated_at = source, datetime.now(timezone.utc)
        record(session, "draft_saved", actor=actor, kind=kind, key=key)
        return describe_draft(draft)


def drafts_of(actor: User) -> list[dict]:
    require(actor, "designer")
    with read_session() as session:
        rows = session.scalars(select(Draft).where(Draft.author_id == actor.id)
                               .order_by(Draft.updated_at.desc()))
        return [describe_draft(d) for d in rows]


def get_draft(kind: str, key: str, actor: User) -> dict | None:
    """The author's draft with its source, or None."""
    require(actor, "designer")
    with read_session() as session:
        draft = session.scalar(select(Draft).where(Draft.kind == kind, Draft.key == key,
                                                   Draft.author_id == actor.id))
        return dict(describe_draft(draft), source=draft.source) if draft else None


def discard_draft(kind: str, key: str, actor: User) -> None:
    require(actor, "designer")
    with session_scope() as session:
        gone = session.execute(delete(Draft).where(Draft.kind == kind, Draft.key == key,
                                                   Draft.author_id == actor.id)).rowcount
        if gone:
            record(session, "draft_discarded", actor=actor, kind=kind, key=key)


def describe_draft(draft: Draft) -> dict:
    return {"kind": draft.kind, "key": draft.key, "updated_at": draft.updated_at.isoformat()}


def source_of(kind: str, key: str, version: int | None, actor: User) -> Definition:
    """One deployed version (the newest without `version`), with its XML."""
    require(actor, "designer")
    with read_session() as session:
        return deploy.find_definition(session, key, version, kind)


def drawable(kind: str, xml: str) -> str:
    """The XML with a generated diagram when it has none (written by hand or by a tool without
    one), so the modeler can show it; the process itself is unchanged. XML that does not parse
    is handed back as it is: the modeler says what is wrong with it."""
    if kind != "bpmn":
        return xml
    try:
        return add_diagram(xml.encode("utf-8")).decode("utf-8")
    except etree.XMLSyntaxError:
        return xml


def files_for(kind: str, key: str, filename: str, source: str) -> list[tuple[str, bytes]]:
    """The edited file plus what its newest deployed version went out with: its task forms and the
    newest versions of the other files of that deployment (a called process must deploy with its
    caller). Unchanged companions make no new versions."""
    files = {filename: source.encode("utf-8")}
    with session_scope() as session:
        latest = _newest(session, Definition.kind == kind, Definition.key == key)
        if latest is None:
            return list(files.items())
        for name, schema in (latest.forms or {}).items():
            files[name] = json.dumps(schema, ensure_ascii=False).encode("utf-8")
        for name in {Path(n).name for n in session.get(Deployment, latest.deployment_id).files}:
            other = None if name in files else _newest(session, Definition.filename == name)
            if other is not None:
                files[name] = other.source.encode("utf-8")
                for form, schema in (other.forms or {}).items():
                    files.setdefault(form, json.dumps(schema, ensure_ascii=False).encode("utf-8"))
    return list(files.items())


def _newest(session, *where) -> Definition | None:
    return session.scalar(select(Definition).where(*where).order_by(Definition.id.desc()).limit(1))


def filename_for(kind: str, key: str) -> str:
    """The file name a diagram deploys under: its last deployed name, else key.kind."""
    with session_scope() as session:
        latest = _newest(session, Definition.kind == kind, Definition.key == key)
        return latest.filename if latest else f"{key}.{kind}"


def _check(kind: str, key: str) -> None:
    if kind not in KINDS:
        raise Invalid("kind must be one of %(kinds)s", kinds=", ".join(KINDS))
    if not key or len(key) > 200 or Path(key).name != key:
        raise Invalid("A process or decision key is required (no slashes, at most 200 characters)")
