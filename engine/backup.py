"""Backups (run.py backup DIR, made while the servers run) and restoring one (run.py restore DIR).

A backup folder holds the database (SQLite: shenpi.db; PostgreSQL: shenpi.dump, pg_dump's custom
format), the files store (files/, laid out as the store is), the two keys (secret_key, seal_key.pem)
and manifest.json, which says when it was made, at which migration, and how many files of what size.

SQLite is copied through its online backup API: one snapshot, taken while the servers go on
writing (a plain copy of the file could catch a write half done, or miss what its write-ahead log
holds). The database is copied before the files: a file is stored before the row naming it
commits, so every file the copy names is in the store by then. Files are named by their checksum
and never change, so a later backup into the same folder copies only the new ones. The copy of the
database is written under a temporary name and renamed last: a backup that stops half-way leaves
the previous one whole (its files are all still there, as a backup only adds files).
"""
import fcntl
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from contextlib import closing, contextmanager
from datetime import datetime, timezone
from pathlib import Path

from engine import files
from engine.config import seal_key_file, secret_key_file
from engine.errors import Conflict, Invalid
from engine.services.events import record
from engine.store import get_engine, session_scope
from engine.store.migrate import head, revision, scripts, upgrade

MANIFEST, SQLITE, DUMP, FILES, LOCK = "manifest.json", "shenpi.db", "shenpi.dump", "files", ".backup.lock"
KEYS = {"secret_key": secret_key_file, "seal_key.pem": seal_key_file}  # name in the folder: where it lives
Progress = Callable[[int, int], None] | None


def backup(folder: Path, progress: Progress = None) -> dict:
    """Back the installation up into folder (made, for its owner alone: it holds the keys); returns
    the manifest. progress is told (files done, files in all) as the files are copied."""
    url = get_engine().url
    postgres = url.get_backend_name() == "postgresql"
    pg_dump = shutil.which("pg_dump") if postgres else None
    if postgres and pg_dump is None:
        raise Invalid("pg_dump is not on PATH: install PostgreSQL's client programs, of the server's version or "
                      "newer (Debian: apt-get install postgresql-client), or add their folder to PATH, and run the "
                      "backup again. Nothing was written")
    folder = _own_folder(folder, None if postgres else Path(url.database))
    with _alone(folder):
        made_at = datetime.now(timezone.utc)
        database = folder / (DUMP if postgres else SQLITE)
        part = database.with_name(database.name + ".part")
        try:
            at = _dump(pg_dump, url, part) if postgres else _copy_sqlite(Path(url.database), part)
            part.chmod(0o600)
            copied = files.copy_store(files.root(), folder / FILES, progress)
            keys = {name: _copy_key(where(), folder / name) for name, where in KEYS.items()}
            os.replace(part, database)
        finally:
            part.unlink(missing_ok=True)
        manifest = {"made_at": made_at.isoformat(), "database": {
            "kind": url.get_backend_name(), "file": database.name, "revision": at, "bytes": database.stat().st_size},
            "files": copied, "keys": keys}
        _write(folder / MANIFEST, json.dumps(manifest, indent=2).encode())
        return manifest


@contextmanager
def _alone(folder: Path):
    """One backup at a time into a folder: a second (cron starting it again before the first ended)
    would write the same temporary copy, and the first would rename the second's half-written one."""
    with open(folder / LOCK, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Conflict("Another backup into %(folder)s is running: nothing was written", folder=str(folder)) \
                from None
        yield


def _own_folder(folder: Path, database: Path | None) -> Path:
    """The backup folder, made and closed to all but its owner; refused where it would write over
    a part of the installation (its database, files or keys)."""
    folder = folder.resolve()
    store = files.root().resolve()
    ours = [(store, folder / FILES), *((where().resolve(), folder / name) for name, where in KEYS.items())]
    if database is not None:
        ours.append((database.resolve(), folder / SQLITE))
    if folder == store or store in folder.parents or any(target.resolve() == live for live, target in ours):
        raise Invalid("%(folder)s is part of the installation (its database, files or keys): back up into "
                      "a folder of its own", folder=str(folder))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise Invalid("%(folder)s is a file, not a folder", folder=str(folder)) from None
    folder.chmod(0o700)
    return folder


def _copy_sqlite(live: Path, part: Path) -> str | None:
    """The live database copied to part, in one step of the backup API (a snapshot of one moment,
    however the others write meanwhile), checked; returns the copy's revision."""
    if not live.is_file():
        raise Invalid("No SQLite database at %(path)s: check DATABASE_URL", path=str(live))
    part.unlink(missing_ok=True)
    with closing(sqlite3.connect(live, timeout=30)) as source, closing(sqlite3.connect(part)) as copy:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one file, without the live one's write-ahead log
        if copy.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise Conflict("The copy of the database fails SQLite's check: run `sqlite3 %(path)s 'PRAGMA "
                           "integrity_check'` on the live one", path=str(live))
        return _revision(copy)


def _dump(pg_dump: str, url, part: Path) -> str | None:
    """pg_dump's custom format to part (its password by the environment, never on a command line
    that others see); returns the revision."""
    environment = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    done = subprocess.run([pg_dump, "--format=custom", f"--file={part}", f"--dbname={_libpq(url)}"],
                          env=environment, capture_output=True, text=True)
    if done.returncode:
        raise Conflict("pg_dump failed: %(error)s", error=(done.stderr.strip().splitlines() or ["?"])[-1])
    return revision()


def _libpq(url) -> str:
    """The database's address as PostgreSQL's own programs take it, without the password."""
    return url._replace(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _revision(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:  # never migrated
        return None
    return row[0] if row else None


def _copy_key(source: Path, target: Path) -> bool:
    if not source.is_file():  # SECRET_KEY set in the environment; no document sealed yet
        return False
    _write(target, source.read_bytes())
    return True


def _write(target: Path, content: bytes) -> None:
    with files.private_file(target) as fh:
        fh.write(content)


def restore(folder: Path, progress: Progress = None) -> dict:
    """Restore a backup into this installation, whose database must be empty (refused, changing
    nothing, otherwise); SQLite only. The files and keys go first and the database last, so a
    restore that stops half-way can be run again. A backup of an earlier release is migrated."""
    folder = folder.resolve()
    try:
        made_at = datetime.fromisoformat(json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["made_at"])
    except (OSError, ValueError, TypeError, KeyError):
        raise Invalid("%(folder)s holds no backup (no readable manifest.json)", folder=str(folder)) from None
    url = get_engine().url
    if url.get_backend_name() != "sqlite":
        raise Invalid("run.py restore restores onto SQLite only; on PostgreSQL, restore by hand:",
                      details=_by_hand(folder, url))
    copy, live = folder / SQLITE, Path(url.database)
    if not copy.is_file():
        raise Invalid("%(folder)s holds no SQLite database (shenpi.db): a backup made on PostgreSQL is "
                      "restored with pg_restore", folder=str(folder))
    with closing(sqlite3.connect(copy.as_uri() + "?mode=ro", uri=True)) as source:
        at = _revision(source)
    if at is None or scripts().get_revision(at) is None:
        raise Invalid("The backup's database is at migration %(revision)s, which this release does not know: "
                      "restore it with the release that made it", revision=str(at))
    if _holds_data(live):
        raise Conflict("The database %(path)s holds data: a backup is restored only into an empty installation "
                       "(a new DATABASE_URL or SHENPI_INSTANCE_DIR). Nothing was changed", path=str(live))
    copied = files.copy_store(folder / FILES, files.root(), progress)
    keys = {name: _copy_key(folder / name, where()) for name, where in KEYS.items()}
    live.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(copy)) as source, closing(sqlite3.connect(live, timeout=30)) as target:
        source.backup(target)
    if at != head():
        upgrade()
    with session_scope() as session:
        record(session, "installation_restored", made_at=made_at.isoformat(), revision=at, files=copied["files"])
    return {"made_at": made_at, "revision": at, "migrated": at != head(), "files": copied, "keys": keys}


def _holds_data(database: Path) -> bool:
    """Whether any table of the database has a row (the migrations' own record aside)."""
    if not database.exists():
        return False
    with closing(sqlite3.connect(database, timeout=30)) as connection:
        tables = [name for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name != 'alembic_version'")]
        return any(connection.execute(f'SELECT 1 FROM "{name}" LIMIT 1').fetchone() for name in tables)


def _by_hand(folder: Path, url) -> list[str]:
    """The commands that restore a PostgreSQL backup: into an empty database, then the files and
    keys, then the check."""
    steps = [f"PGPASSWORD=... pg_restore --no-owner --dbname='{_libpq(url)}' '{folder / DUMP}'",
             f"cp -a --no-clobber '{folder / FILES}/.' '{files.root()}/'"]
    steps += [f"cp -p '{folder / name}' '{where()}'" for name, where in KEYS.items() if (folder / name).is_file()]
    return steps + ["python run.py check"]
