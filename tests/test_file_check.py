"""run.py check: the files store against the database. Every file a row names is there with its
checksum (the missing and the corrupt are named with their cases, and the check exits 1); files
no row names are orphans, removed only on request and only once an hour old."""
import os
import time

import pytest
from sqlalchemy import select

import run
from engine import file_check, files
from engine.store import session_scope
from engine.store.models import Event
from tests.stored_files import document_without_case, file_case, install, own_store
from tests.web import signed_in
from web import create_app

HOURS_AGO = 2 * 3600


@pytest.fixture
def store(org, tmp_path, monkeypatch):
    install(org)
    return own_store(monkeypatch, tmp_path / "files")


def aged(path, seconds=HOURS_AGO):
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_check_names_the_missing_and_the_corrupt_with_their_cases_and_lists_orphans(org, store, capsys):
    number, (gone, spoilt) = file_case(org, "one")
    other, kept = file_case(org, "two")
    instance_id, document = document_without_case(org)
    assert run.main(["check"]) == 0
    assert "5 files named by the database: 0 missing, 0 corrupt; 0 orphans" in capsys.readouterr().out

    files.path_of(gone).unlink()
    files.path_of(spoilt).write_bytes(b"%PDF changed after it was stored")
    files.path_of(document).unlink()
    orphan, _size = files.store(b"%PDF a file whose case never committed", "x.pdf")

    found = file_check.check()
    assert found["missing"] == [{"sha256": s, "cases": c, "instances": i, "forms": []} for s, c, i in sorted(
        [(gone, [number], []), (document, [], [instance_id])])]
    assert found["corrupt"] == [{"sha256": spoilt, "cases": [number], "instances": [], "forms": []}]
    assert [o["path"] for o in found["orphans"]] == [f"{orphan[:2]}/{orphan}"]
    assert not found["orphans"][0]["removed"] and files.path_of(orphan).exists()
    assert all(files.path_of(sha).exists() for sha in kept)

    assert run.main(["check"]) == 1
    out = capsys.readouterr().out
    assert f"missing: {gone} (case {number})" in out and f"corrupt: {spoilt} (case {number})" in out
    assert f"missing: {document} (instance {instance_id} (no case))" in out
    assert f"orphan: {orphan[:2]}/{orphan} " in out
    assert "5 files named by the database: 2 missing, 1 corrupt; 1 orphans" in out


def test_repairing_removes_only_orphans_an_hour_old_and_records_it(org, store, capsys):
    number, named = file_case(org, "one")
    old, _ = files.store(b"%PDF left by an upload refused long ago", "old.pdf")
    young, _ = files.store(b"%PDF an upload whose row is on its way", "young.pdf")
    stray = store / "ab" / "tmpwrite"  # a write that stopped before its rename
    stray.parent.mkdir(exist_ok=True)
    stray.write_bytes(b"half a file")
    for path in [files.path_of(old), stray, *map(files.path_of, named)]:
        aged(path)

    assert run.main(["check"]) == 0  # orphans alone are no failure
    assert files.path_of(old).exists() and stray.exists()  # listed, not removed, without --repair-orphans

    assert run.main(["check", "--repair-orphans"]) == 0
    assert "3 orphans, 2 removed" in capsys.readouterr().out
    assert not files.path_of(old).exists() and not stray.exists()
    assert files.path_of(young).exists() and all(files.path_of(sha).exists() for sha in named)
    with session_scope() as session:
        [event] = session.scalars(select(Event).where(Event.type == "orphan_files_removed")).all()
    assert event.data["count"] == 2 and event.actor_id is None
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    listed = signed_in(app, "admin").get("/admin/activity?what=installation").get_data(as_text=True)
    assert "删除无引用的文件" in listed and "2 个文件，共 " in listed and "系统（命令行）" in listed


def test_content_stored_again_is_no_old_orphan_while_its_row_is_on_its_way(org, store):
    """An upload of content the store already keeps finds the file there and writes nothing: its
    time is renewed, so a repair running before the upload's row commits leaves the file alone."""
    sha, _ = files.store(b"%PDF the same scan again", "scan.pdf")
    aged(files.path_of(sha))
    files.store(b"%PDF the same scan again", "scan-again.pdf")  # the row that names it not committed yet
    found = file_check.check(repair_orphans=True)
    assert [o["removed"] for o in found["orphans"]] == [False] and files.path_of(sha).exists()
