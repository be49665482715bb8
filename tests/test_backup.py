"""run.py backup DIR while the servers run, and run.py restore DIR into an empty installation.

The database is copied through SQLite's online backup API (one moment of it, whatever is written
meanwhile), the files store incrementally (a file already in DIR is not copied again, one copied is
checked against its checksum), the keys beside them; the database copy is renamed into place last,
so a backup that stops half-way leaves the previous one whole."""
import fcntl
import json
import os
import sqlite3
import subprocess
import sys
import threading
from contextlib import closing
from pathlib import Path

import pytest

import run
from engine import backup, files
from engine.errors import Conflict, Invalid
from engine.services.events import record
from engine.store import session_scope
from engine.store.migrate import head, scripts
from tests.conftest import BACKEND
from tests.stored_files import file_case, install, own_store

ROOT = Path(__file__).resolve().parents[1]
# These read the backup's SQLite file or restore one; on PostgreSQL the backup is pg_dump's (the
# tests that copy files run there too, through a real pg_dump).
SQLITE_FILE = pytest.mark.skipif(BACKEND != "sqlite", reason="a backup's SQLite file; PostgreSQL's is pg_dump's")


@pytest.fixture
def store(org, tmp_path, monkeypatch):
    install(org)
    return own_store(monkeypatch, tmp_path / "files")


def rows(database: Path, query: str) -> list:
    with closing(sqlite3.connect(database)) as connection:
        return connection.execute(query).fetchall()


@SQLITE_FILE
def test_a_backup_taken_while_another_thread_writes_is_the_database_of_one_moment(org, store, tmp_path):
    """Each of the writer's transactions writes two events, so that a copy of one moment holds both
    or neither: twenty are committed, and the twenty-first is half written while the backup runs."""
    file_case(org, "one")
    half_written, backed_up = threading.Event(), threading.Event()
    failures = []

    def write_pairs():
        try:
            for n in range(21):
                with session_scope() as session:
                    record(session, "test_pair_first", n=n)
                    if n == 20:
                        half_written.set()
                        backed_up.wait()
                    record(session, "test_pair_second", n=n)
        except Exception as exc:  # said by the test, not lost in the thread
            failures.append(exc)
        finally:
            half_written.set()

    writer = threading.Thread(target=write_pairs)
    writer.start()
    try:
        half_written.wait()
        manifest = backup.backup(tmp_path / "backup")
    finally:
        backed_up.set()
        writer.join()
    assert not failures
    copy = tmp_path / "backup" / "shenpi.db"
    assert rows(copy, "PRAGMA integrity_check") == [("ok",)]
    assert rows(copy, "SELECT version_num FROM alembic_version") == [(head(),)] == [(manifest["database"]["revision"],)]
    live = Path(os.environ["DATABASE_URL"].removeprefix("sqlite:///"))
    tables = "SELECT name, sql FROM sqlite_master WHERE type IN ('table', 'index') ORDER BY name"
    assert rows(copy, tables) == rows(live, tables)
    pairs = "SELECT json_extract(data, '$.n') FROM events WHERE type = '%s' ORDER BY id"
    assert rows(copy, pairs % "test_pair_first") == rows(copy, pairs % "test_pair_second") == [(n,) for n in range(20)]
    assert rows(live, pairs % "test_pair_second")[-1] == (20,)  # committed after the backup
    assert rows(copy, "SELECT count(*) FROM cases") == [(1,)] and rows(copy, "SELECT count(*) FROM materials") == [(2,)]


def test_a_later_backup_into_the_same_folder_copies_only_the_new_files(org, store, tmp_path):
    folder = tmp_path / "backup"
    _number, first = file_case(org, "one")
    made = backup.backup(folder)
    assert made["files"] == {"files": 2, "bytes": sum(files.path_of(s).stat().st_size for s in first),
                             "copied": 2, "corrupt": []}
    assert folder.stat().st_mode & 0o777 == 0o700
    assert json.loads((folder / "manifest.json").read_text()) == made
    copied = {sha: (folder / "files" / sha[:2] / sha) for sha in first}
    assert all(files.checksum(path) == sha for sha, path in copied.items())
    written = {sha: path.stat().st_ino for sha, path in copied.items()}

    again = backup.backup(folder)
    assert again["files"]["copied"] == 0 and again["files"]["files"] == 2
    _number, second = file_case(org, "two")
    third = backup.backup(folder)
    assert third["files"]["copied"] == 2 and third["files"]["files"] == 4
    assert {sha: path.stat().st_ino for sha, path in copied.items()} == written  # never written again
    assert all(files.checksum(folder / "files" / sha[:2] / sha) == sha for sha in second)


def test_a_file_that_no_longer_matches_its_checksum_is_left_out_and_named(org, store, tmp_path, capsys):
    _number, (spoilt, sound) = file_case(org, "one")
    files.path_of(spoilt).write_bytes(b"%PDF changed on the disk")
    assert run.main(["backup", str(tmp_path / "backup")]) == 1
    assert f"error: {spoilt} in the files store does not match its checksum" in capsys.readouterr().err
    made = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert made["files"]["corrupt"] == [spoilt] and made["files"]["files"] == 1
    assert not (tmp_path / "backup" / "files" / spoilt[:2] / spoilt).exists()
    assert (tmp_path / "backup" / "files" / sound[:2] / sound).exists()


def test_the_command_line_tells_how_far_the_copy_of_the_files_is(org, store, tmp_path, capsys, monkeypatch):
    file_case(org, "one")
    monkeypatch.setattr(run, "PROGRESS_SECONDS", 0)  # as though each file took that long
    assert run.main(["backup", str(tmp_path / "backup")]) == 0
    said = capsys.readouterr()
    assert "copied: 1 of 2 files\ncopied: 2 of 2 files\n" in said.err and "2 files (0.0 MB, 2 new)" in said.out


def backed_up_then_changed(org, folder: Path) -> str:
    """A backup of one case, then a second case: the first backup's manifest, to be kept whole."""
    file_case(org, "one")
    backup.backup(folder)
    file_case(org, "two")
    return (folder / "manifest.json").read_text()


def no_part_left(folder: Path) -> bool:
    return not [p.name for p in folder.iterdir() if p.name.endswith(".part")]


@SQLITE_FILE
def test_a_backup_stopped_half_way_leaves_the_previous_one_whole(org, store, tmp_path):
    folder = tmp_path / "backup"
    manifest = backed_up_then_changed(org, folder)

    def interrupted(done, total):
        raise KeyboardInterrupt  # Ctrl-C, or the machine going down, while the files are copied

    with pytest.raises(KeyboardInterrupt):
        backup.backup(folder, interrupted)
    assert rows(folder / "shenpi.db", "SELECT count(*) FROM cases") == [(1,)]  # the first backup's
    assert (folder / "manifest.json").read_text() == manifest and no_part_left(folder)


def test_a_second_backup_into_a_folder_while_one_runs_is_refused_and_writes_nothing(org, store, tmp_path):
    folder = tmp_path / "backup"
    manifest = backed_up_then_changed(org, folder)
    with open(folder / ".backup.lock", "w") as running:  # the first backup, still copying
        fcntl.flock(running, fcntl.LOCK_EX)
        with pytest.raises(Conflict, match="Another backup"):
            backup.backup(folder)
    assert (folder / "manifest.json").read_text() == manifest and no_part_left(folder)  # the first backup's, whole
    assert backup.backup(folder)["files"]["copied"] >= 1  # once it ended, the next one runs


@SQLITE_FILE
def test_a_backup_into_the_installation_itself_is_refused(org, store, tmp_path):
    for inside in (store, store / "ab", Path(os.environ["DATABASE_URL"].removeprefix("sqlite:///")).parent):
        before = sorted(inside.rglob("*")) if inside.exists() else None
        with pytest.raises(Invalid, match="part of the installation"):
            backup.backup(inside)
        assert (sorted(inside.rglob("*")) if inside.exists() else None) == before


def run_py(*args, **env):
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SHENPI_FILES_DIR", "SECRET_KEY")}
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *args], capture_output=True, text=True,
                          env={**base, **env}, timeout=300)


@SQLITE_FILE
def test_restore_into_an_empty_installation_and_refused_into_one_with_data(org, store, tmp_path, database_url):
    number, named = file_case(org, "one")
    old = tmp_path / "old"
    old.mkdir()
    (old / "secret_key").write_text("the sessions' key")
    (old / "seal_key.pem").write_text("the seal's key")
    made = run_py("backup", str(tmp_path / "backup"), DATABASE_URL=database_url, SHENPI_INSTANCE_DIR=str(old),
                  SHENPI_FILES_DIR=str(store))
    assert made.returncode == 0, made.stderr
    assert "2 files" in made.stdout and "(migration " + head() in made.stdout
    for secret in ("secret_key", "seal_key.pem", "shenpi.db", "manifest.json"):
        assert (tmp_path / "backup" / secret).stat().st_mode & 0o777 == 0o600

    new = tmp_path / "new"
    new.mkdir()
    installation = {"DATABASE_URL": f"sqlite:///{new / 'shenpi.db'}", "SHENPI_INSTANCE_DIR": str(new),
                    "SHENPI_FILES_DIR": str(new / "files")}
    assert run_py("migrate", **installation).returncode == 0  # empty, as a new server would make it
    restored = run_py("restore", str(tmp_path / "backup"), **installation)
    assert restored.returncode == 0, restored.stderr
    assert "2 files named by the database: 0 missing, 0 corrupt; 0 orphans" in restored.stdout
    assert rows(new / "shenpi.db", "SELECT number FROM cases") == [(number,)]
    assert rows(new / "shenpi.db", "SELECT count(*) FROM events WHERE type = 'installation_restored'") == [(1,)]
    assert all(files.checksum(new / "files" / sha[:2] / sha) == sha for sha in named)
    assert (new / "secret_key").read_text() == "the sessions' key"
    assert (new / "seal_key.pem").read_text() == "the seal's key"

    (new / "files" / named[0][:2] / named[0]).unlink()
    again = run_py("restore", str(tmp_path / "backup"), **installation)
    assert again.returncode == 1 and "holds data" in again.stderr and "Nothing was changed" in again.stderr
    assert not (new / "files" / named[0][:2] / named[0]).exists()  # not even a file copied back
    assert rows(new / "shenpi.db", "SELECT count(*) FROM events WHERE type = 'installation_restored'") == [(1,)]
    checked = run_py("check", **installation)
    assert checked.returncode == 1 and f"missing: {named[0]} (case {number})" in checked.stdout


def test_a_backup_of_the_release_before_is_restored_and_migrated(tmp_path):
    folder = tmp_path / "backup"
    folder.mkdir()
    previous = scripts().get_revision(head()).down_revision
    older = f"sqlite:///{folder / 'shenpi.db'}"
    made = subprocess.run([sys.executable, "-c", "import sys; from alembic import command; from engine.store.db import "
                           "get_engine; from engine.store.migrate import migrate; "
                           "migrate(get_engine(sys.argv[1]), command.upgrade, sys.argv[2])", older, previous],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert made.returncode == 0, made.stderr
    (folder / "manifest.json").write_text(json.dumps({"made_at": "2025-01-02T03:04:05+00:00"}))
    new = tmp_path / "new"
    new.mkdir()
    restored = run_py("restore", str(folder), DATABASE_URL=f"sqlite:///{new / 'shenpi.db'}",
                      SHENPI_INSTANCE_DIR=str(new), SHENPI_FILES_DIR=str(new / "files"))
    assert restored.returncode == 0, restored.stderr
    assert f"(migration {previous}, migrated to the newest)" in restored.stdout
    assert rows(new / "shenpi.db", "SELECT version_num FROM alembic_version") == [(head(),)]


POSTGRES = "postgresql://shenpi@127.0.0.1:1/shenpi"  # never reached: both refuse before connecting


def test_on_postgresql_a_backup_without_pg_dump_says_what_to_do_and_writes_nothing(tmp_path):
    answer = run_py("backup", str(tmp_path / "backup"), DATABASE_URL=POSTGRES, PATH=str(tmp_path))
    assert answer.returncode == 1 and "Traceback" not in answer.stderr
    assert "pg_dump is not on PATH" in answer.stderr and "postgresql-client" in answer.stderr
    assert not (tmp_path / "backup").exists()


def test_on_postgresql_restore_gives_the_pg_restore_command(tmp_path):
    (tmp_path / "backup").mkdir()
    (tmp_path / "backup" / "manifest.json").write_text(json.dumps({"made_at": "2025-01-02T03:04:05+00:00"}))
    answer = run_py("restore", str(tmp_path / "backup"), DATABASE_URL=POSTGRES)
    assert answer.returncode == 1 and "Traceback" not in answer.stderr
    assert (f"pg_restore --no-owner --dbname='postgresql://shenpi@127.0.0.1:1/shenpi' "
            f"'{tmp_path / 'backup' / 'shenpi.dump'}'") in answer.stderr
    assert "run.py check" in answer.stderr
