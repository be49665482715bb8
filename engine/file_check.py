"""The files store against the database (run.py check): every file a row names is in the store with
its checksum, and the files no row names (orphans) are listed, removed on request.

An upload stores its file before the row naming it commits (engine/files.py): a young orphan may
be a file whose row is on its way, so only an orphan untouched for ORPHAN_AGE is removed (storing
content the store already keeps renews the file's time). The check reads every file the database
names, which takes as long as copying the store: it is for the command line, not for a page.
"""
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from engine import files
from engine.services.events import record
from engine.store import session_scope
from engine.store.db import read_session
from engine.store.models import ArchivePackage, Case, Event, Material, MaterialTemplate

ORPHAN_AGE = timedelta(hours=1)


def check(repair_orphans: bool = False, progress=None) -> dict:
    """{"checked": files the database names, "missing" and "corrupt": [{"sha256", "cases", "instances",
    "forms"}] (the case numbers naming each, the procedures without a case: a result document of a
    trial run, and the items' blank forms and examples as item/material/kind), "orphans": [{"path", "bytes", "modified", "removed"}]}. With repair_orphans, the orphans
    older than ORPHAN_AGE are removed, and that recorded. progress is told (files read, files to read)."""
    store = files.root()
    present = files.everything(store)  # before the rows: a file stored after this is not listed as an orphan
    named = _named()
    missing, corrupt = [], []
    for done, (sha, owners) in enumerate(sorted(named.items()), 1):
        path = files.path_of(sha)
        try:
            if path is None or files.checksum(path) != sha:
                corrupt.append({"sha256": sha, **owners})
        except FileNotFoundError:
            missing.append({"sha256": sha, **owners})
        if progress:
            progress(done, len(named))
    now = datetime.now(timezone.utc)
    orphans = []
    for path in present:
        if files.kept_as(path, store) in named:
            continue
        try:
            stat = path.stat()
        except FileNotFoundError:  # a write in progress, renamed meanwhile
            continue
        modified = datetime.fromtimestamp(stat.st_mtime, timezone.utc)
        removed = repair_orphans and modified < now - ORPHAN_AGE
        if removed:
            path.unlink(missing_ok=True)
        orphans.append({"path": str(path.relative_to(store)), "bytes": stat.st_size, "modified": modified,
                        "removed": removed})
    gone = [o for o in orphans if o["removed"]]
    if gone:
        with session_scope() as session:
            record(session, "orphan_files_removed", count=len(gone), bytes=sum(o["bytes"] for o in gone))
    return {"checked": len(named), "missing": missing, "corrupt": corrupt, "orphans": orphans}


def _named() -> dict:
    """Checksum: {"cases": [numbers], "instances": [ids], "forms": [item/material/kind]} of every file a
    row names: a case's materials and result documents, its archive packages, a result document of a
    procedure without a case (its event), an item's blank forms and examples."""
    named = {}

    def owned_by(sha):
        return named.setdefault(sha, {"cases": set(), "instances": set(), "forms": set()})

    with read_session() as session:
        for sha, number in session.execute(
                select(Material.sha256, Case.number).join(Case, Case.id == Material.case_id)
                .where(Material.sha256.is_not(None))
                .union_all(select(ArchivePackage.sha256, Case.number).join(Case, Case.id == ArchivePackage.case_id))):
            owned_by(sha)["cases"].add(number)
        for data, instance_id, number in session.execute(
                select(Event.data, Event.instance_id, Case.number).outerjoin(Case, Case.instance_id == Event.instance_id)
                .where(Event.type == "document_attached")):
            owned_by(data.get("sha256"))["cases" if number else "instances"].add(number or instance_id)
        for form in session.execute(select(MaterialTemplate.sha256, MaterialTemplate.item_code,
                                           MaterialTemplate.material_code, MaterialTemplate.kind)):
            owned_by(form.sha256)["forms"].add("/".join(form[1:]))
    return {sha: {kind: sorted(ids) for kind, ids in owners.items()} for sha, owners in named.items()}
