"""What the designer's pages need besides deploy: drafts, and the files an edited diagram deploys with."""
import json
from datetime import datetime, timezone
from pathlib import Path

from lxml import etree
from sqlalchemy import delete, func, select

from engine.bpmn.layout import add_diagram, place_undrawn
from engine.bpmn.parser import parse_xml
from engine.bpmn.validate import NS as BPMN
from engine.errors import Invalid
from engine.store import session_scope
from engine.store.db import read_session
from engine.store.models import Definition, Draft, User

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
    return {"kind": draft.kind, "key": draft.key, "name": _named(draft.source, draft.key),
            "updated_at": draft.updated_at.isoformat()}


def _named(source: str, key: str) -> str | None:
    """The name the draft gives its process or decision (the key's element), if it parses."""
    root = _parsed(source)
    found = root.xpath("//*[local-name()='process' or local-name()='decision'][@id=$key]", key=key) \
        if root is not None else []
    return found[0].get("name") if found else None


def source_of(kind: str, key: str, version: int | None, actor: User) -> Definition:
    """One deployed version (the newest without `version`), with its XML."""
    require(actor, "designer")
    with read_session() as session:
        return deploy.find_definition(session, key, version, kind)


def drawable(kind: str, xml: str) -> tuple[str, list[str]]:
    """The XML as the modeler can show it, and the ids of the elements it had to place: a whole
    diagram generated when it has none (written by hand or by a tool without one), the elements
    its diagram leaves out placed below it; the process itself is unchanged. XML that does not
    parse is handed back as it is: the modeler says what is wrong with it."""
    if kind != "bpmn":
        return xml, []
    try:
        drawn = add_diagram(xml.encode("utf-8"))
        drawn, placed = place_undrawn(drawn)
        return drawn.decode("utf-8"), placed
    except etree.XMLSyntaxError:
        return xml, []


def files_for(kind: str, key: str, filename: str, source: str) -> list[tuple[str, bytes]]:
    """The edited file, its task forms, and the processes that must deploy with it: those it
    calls and those that call it (a caller keeps the specs of what it calls, so it takes up the
    new one only by deploying again), each as the newest version of its key, with its forms.
    Unchanged companions make no new versions; a decision table deploys alone."""
    files = {filename: source.encode("utf-8")}
    with session_scope() as session:
        root = _parsed(source) if kind == "bpmn" else None
        own = {key} | ({el.get("id") for el in root.iter(f"{{{BPMN}}}process")} if root is not None else set())
        called = {el.get("calledElement") for el in root.iter(f"{{{BPMN}}}callActivity")} if root is not None else set()
        newest = _newest_processes(session) if kind == "bpmn" else {}
        companions = [newest[k] for k in sorted(_joined(own, called, newest) - own)]
        for definition in companions:
            files.setdefault(definition.filename, definition.source.encode("utf-8"))
        edited = newest.get(key) if kind == "bpmn" else _newest(session, Definition.kind == kind, Definition.key == key)
        for definition in [d for d in (edited, *companions) if d is not None]:
            for form, schema in (definition.forms or {}).items():
                files.setdefault(form, json.dumps(schema, ensure_ascii=False).encode("utf-8"))
    return list(files.items())


def _newest_processes(session) -> dict[str, Definition]:
    newest = select(func.max(Definition.id)).where(Definition.kind == "bpmn").group_by(Definition.key)
    return {d.key: d for d in session.scalars(select(Definition).where(Definition.id.in_(newest)))}


def _joined(own: set[str], called: set[str], newest: dict[str, Definition]) -> set[str]:
    """The processes linked to `own` (which call `called`) by call activities, either way, at any
    distance, among the newest versions."""
    calls = {k: set((d.spec or {}).get("subprocess_specs", {})) for k, d in newest.items()}
    calls.update({key: called for key in own})
    joined, todo = set(own), list(own)
    while todo:
        current = todo.pop()
        for other in calls.get(current, set()) | {k for k, called in calls.items() if current in called}:
            if other in newest and other not in joined:
                joined.add(other)
                todo.append(other)
    return joined


def _parsed(source: str):
    try:
        return parse_xml(source.encode("utf-8"))
    except Invalid:  # the deployment will say what is wrong with it
        return None


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
