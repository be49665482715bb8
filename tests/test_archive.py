"""办件电子归档: an ended case's archive package (its documents, notices as printed, history and signed
metadata), its 四性检测, the month's batch on the command line, and the administrator's page."""
import hashlib
import io
import json
import os
import re
import time
import zipfile

import pytest
from lxml import etree, html
from sqlalchemy import func, select, update

import run
from engine import (archive, archive_check, catalogue, clock, decisions, file_check, files, intake, ratings,
                    termination)
from engine.errors import Conflict, Forbidden, Invalid
from engine.store import session_scope
from engine.store.models import ArchivePackage, Case, Event, Material
from tests.procedures import PERMIT, decided_permit, install, promised_item, take_in, uploads
from tests.statements import Statements
from tests.web import csrf_token, signed_in
from web.archived import Printed

QUERY = "1104-NRES-004"  # 不动产登记资料查询, kept 10 years
APPLICANT = {"name": "某某科技有限公司", "kind": "company", "id_type": "uscc", "id_number": "91110000MA01ABCD2Q",
             "phone": "13900000000"}


@pytest.fixture
def people(org):
    return install(org)


@pytest.fixture
def app(people):
    from web import create_app
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})


def delivered(people, decision="approve"):
    case = decided_permit(people, decision)
    decisions.deliver(case.id, "window", people["clerk"])
    return case


def built(app, case_id, actor):
    with app.test_request_context("/"):
        return archive.build(case_id, actor, Printed())


def opened(outcome) -> zipfile.ZipFile:
    return zipfile.ZipFile(files.located(outcome["sha256"]))


def metadata(package: zipfile.ZipFile, number: str):
    return etree.fromstring(package.read(f"{number}/metadata.xml"))


def documents(tree) -> list[dict]:
    return [{child.tag: child.text for child in element if child.tag != "数字摘要"} |
            {f"#{d.get('算法')}": d.text for d in element.iterfind("数字摘要")}
            for element in tree.iterfind("文件列表/文件")]


def month() -> str:
    return clock.today().strftime("%Y-%m")


def test_a_granted_cases_package_holds_its_files_notices_and_history_with_signed_checksums(app, people):
    case = delivered(people)
    outcome = built(app, case.id, people["admin"])
    package = opened(outcome)
    tree = metadata(package, case.number)
    record = {child.tag: child.text for child in tree.find("案卷")}
    assert record["办件编号"] == case.number and record["事项编码"] == PERMIT and record["办理结果"] == "准予"
    assert record["保管期限"] == "永久" and record["事项类型"] == "行政许可" and record["办件类型"] == "承诺件"
    assert record["送达方式"] == "窗口领取" and record["件数"] == str(outcome["files"])
    assert tree.findtext("案卷/申请人/证件号码") == APPLICANT["id_number"]
    with session_scope() as session:
        sealed = session.scalar(select(Material.seal_code).where(Material.case_id == case.id,
                                                                  Material.seal_code.is_not(None)))
    assert record["证照核验码"] == sealed
    rows = documents(tree)
    assert [r["件号"] for r in rows] == [str(n) for n in range(1, len(rows) + 1)]
    kinds = [(r["文件类别"], r["题名"]) for r in rows]
    # the applicant's materials, the departments' documents, the notices as printed, then the history
    assert ("申请材料", "建设工程规划许可申请表") in kinds and ("审批文书", "建设工程规划许可证") in kinds
    assert ("通知文书", "受理通知书") in kinds and ("通知文书", "批复材料签收单") in kinds
    assert kinds[-2:] == [("办理过程记录", "办理过程记录"), ("办理过程记录", "办理过程数据（事件记录）")]
    assert kinds.index(("通知文书", "受理通知书")) < kinds.index(("审批文书", "建设工程规划许可证"))
    for row in rows:  # each checksum is the file's; SM3 too where this machine has it
        content = package.read(f"{case.number}/{row['路径']}")
        assert row["#SHA-256"] == hashlib.sha256(content).hexdigest() and row["大小"] == str(len(content))
        if "sm3" in hashlib.algorithms_available:
            assert row["#SM3"] == hashlib.new("sm3", content).hexdigest()
    acceptance = next(r for r in rows if r["题名"] == "受理通知书")
    page = package.read(f"{case.number}/{acceptance['路径']}").decode()
    assert acceptance["文号"] in page and case.number in page and "<style>" in page and ".notice" in page
    assert "<script" not in page and "<link" not in page and "打印" not in page  # stands alone, nothing to run
    history = html.document_fromstring(package.read(f"{case.number}/{rows[-2]['路径']}").decode())
    assert history.xpath("//tr[@data-event='case_delivered']/td[3]")[0].text_content().strip() == "clerk"
    events = json.loads(package.read(f"{case.number}/{rows[-1]['路径']}"))
    assert [e["type"] for e in events][:1] == ["case_submitted"] and events[-1]["type"] == "notice_issued"
    assert tree.findtext("封装信息/最后记录号") == str(events[-1]["id"])
    assert archive_check.passed(archive_check.check(files.located(outcome["sha256"])))
    with session_scope() as session:  # an event of the case, which is otherwise as it was
        assert session.get(Case, case.id).status == "delivered"
        archived = session.scalar(select(Event).where(Event.case_id == case.id, Event.type == "case_archived"))
        assert archived.actor_id == people["admin"].id and archived.data["sha256"] == outcome["sha256"]



def test_a_terminated_refused_or_rejected_case_is_archived_with_why_it_ended(app, people):
    catalogue.save(promised_item("T-1", "department_approval", "natres"), None)  # no retention_period of its own
    ended = take_in("T-1", {}, people["clerk"])
    termination.terminate(ended.id, "duplicate", "与 20260001 号办件重复", people["admin"])
    refused = intake.submit(QUERY, APPLICANT, uploads(QUERY), people["clerk"])
    intake.refuse(refused.id, "申请查询的不动产不在本县", people["clerk"])
    for case, result, said, kept, notices in (
            (ended, "终止办理", "与 20260001 号办件重复", "30年", ["受理通知书", "终止办理告知书"]),
            (refused, "不予受理", "申请查询的不动产不在本县", "10年", ["不予受理通知书"])):
        package = opened(built(app, case.id, people["admin"]))
        tree = metadata(package, case.number)
        assert tree.findtext("案卷/办理结果") == result and said in tree.findtext("案卷/办理结果说明")
        assert tree.findtext("案卷/保管期限") == kept and tree.find("案卷/送达方式") is None
        rows = documents(tree)
        assert [r["题名"] for r in rows if r["文件类别"] == "通知文书"] == notices
        assert {r["保管期限"] for r in rows} == {kept}
        last = next(r for r in rows if r["题名"] == notices[-1])
        assert said in package.read(f"{case.number}/{last['路径']}").decode()  # the notice as printed
    rejected = delivered(people, "reject")  # decided not to grant: its written decision, no licence sealed
    tree = metadata(opened(built(app, rejected.id, people["admin"])), rejected.number)
    assert tree.findtext("案卷/办理结果") == "不予准予" and tree.find("案卷/证照核验码") is None
    assert "不予行政许可决定书" in [r["题名"] for r in documents(tree)]


def test_an_unended_case_is_not_archived_and_only_an_administrator_archives(app, people):
    case = take_in(PERMIT, {}, people["clerk"])
    with pytest.raises(Conflict):
        built(app, case.id, people["admin"])
    done = delivered(people)
    for who in ("reviewer", "clerk", "supervisor"):
        with pytest.raises(Forbidden):
            built(app, done.id, people[who])
        with pytest.raises(Forbidden):
            archive.ended_cases(people[who])
    with session_scope() as session:
        assert session.scalars(select(ArchivePackage)).all() == []


def rewritten(path, target, change=None, add=None):
    """A copy of the package whose entries `change` maps (name -> new content, or None to leave it out),
    with the entries `add` besides."""
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for entry in source.infolist():
            content = (change or {}).get(entry.filename, source.read(entry.filename))
            if content is not None:
                copy.writestr(entry, content)
        for name, content in (add or {}).items():
            copy.writestr(name, content)
    return target


def failing(report) -> set[str]:
    return {c["check"] for c in report if not c["passed"]}


def test_the_four_checks_fail_for_a_changed_removed_or_extra_file_and_a_changed_manifest(app, people, tmp_path):
    case = delivered(people)
    path = files.located(built(app, case.id, people["admin"])["sha256"])
    assert failing(archive_check.check(path)) == set()
    root = f"{case.number}/"
    with zipfile.ZipFile(path) as package:
        names = package.namelist()
        listing = package.read(root + "metadata.xml")
        licence = next(n for n in names if n.endswith("lead_decision.pdf"))
        original = package.read(licence)
    forged = original.replace(b"result", b"RESULT")
    changed = archive_check.check(rewritten(path, tmp_path / "a.zip", {licence: forged}))
    assert failing(changed) == {"checksums"}
    assert "lead_decision.pdf" in next(c["reason"] for c in changed if c["check"] == "checksums")
    removed = archive_check.check(rewritten(path, tmp_path / "b.zip", {licence: None}))
    assert failing(removed) == {"files_present"}
    extra = archive_check.check(rewritten(path, tmp_path / "c.zip", add={root + "files/099-note.pdf": b"%PDF x"}))
    assert failing(extra) == {"nothing_extra"} and "099-note.pdf" in extra[-1]["reason"]
    # The file changed and the listing changed to match it: the seal's signature over the listing fails.
    relisted = listing.replace(hashlib.sha256(original).hexdigest().encode(), hashlib.sha256(forged).hexdigest().encode())
    if b'"SM3"' in listing:
        relisted = relisted.replace(hashlib.new("sm3", original).hexdigest().encode(),
                                    hashlib.new("sm3", forged).hexdigest().encode())
    manifest = archive_check.check(rewritten(path, tmp_path / "d.zip", {licence: forged, root + "metadata.xml": relisted}))
    assert failing(manifest) == {"signature"}
    incomplete = archive_check.check(rewritten(path, tmp_path / "e.zip", {
        root + "metadata.xml": listing.replace("<保管期限>永久</保管期限>".encode(), b"", 1)}))
    assert failing(incomplete) == {"signature", "metadata_complete"}
    script = next(n for n in names if n.endswith(".html"))
    with zipfile.ZipFile(path) as package:
        page = package.read(script).replace(b"</body>", b"<script>alert(1)</script></body>")
    assert "files_open" in failing(archive_check.check(rewritten(path, tmp_path / "f.zip", {script: page})))
    entity = b'<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    hostile = archive_check.check(rewritten(path, tmp_path / "g.zip", {root + "metadata.xml": entity}))
    assert "metadata_parses" in failing(hostile) and "passwd" not in json.dumps(hostile, ensure_ascii=False)
    (tmp_path / "h.zip").write_bytes(b"PK\x03\x04 not a package")
    assert failing(archive_check.check(tmp_path / "h.zip")) == {"package"}


def test_the_month_on_the_command_line_writes_each_package_whole_and_names_a_failure(app, people, tmp_path, capsys):
    good, bad = delivered(people), delivered(people)
    with session_scope() as session:  # one of the bad case's files is lost from storage
        session.execute(update(Material).where(Material.case_id == bad.id, Material.kind == "result:lead_decision")
                        .values(sha256="0" * 64))
    out = tmp_path / "out"
    assert run.main(["archive", "build", "--month", month(), "--out", str(out)]) == 1
    said = capsys.readouterr().out
    assert f"[1/2] {good.number} built" in said and f"[2/2] {bad.number} failed: The file is missing" in said
    assert sorted(p.name for p in out.iterdir()) == [f"{good.number}.zip"]  # nothing half-written
    assert (out / f"{good.number}.zip").stat().st_mode & 0o777 == 0o600  # it holds ID numbers
    assert not list(files.root().glob("tmp*"))
    assert run.main(["archive", "verify", str(out / f"{good.number}.zip")]) == 0
    assert "PASS authenticity/signature" in capsys.readouterr().out
    with session_scope() as session:
        assert session.scalar(select(ArchivePackage.case_id)) == good.id
        session.execute(update(Material).where(Material.case_id == bad.id, Material.kind == "result:lead_decision")
                        .values(sha256=session.scalar(select(Material.sha256).where(
                            Material.case_id == good.id, Material.kind == "result:lead_decision"))))
    assert run.main(["archive", "build", "--month", month(), "--out", str(out)]) == 0  # the good one kept as built
    said = capsys.readouterr().out
    assert f"{good.number} kept" in said and f"{bad.number} built" in said
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(ArchivePackage)) == 2
    rewritten(out / f"{good.number}.zip", tmp_path / "bad.zip", add={f"{good.number}/files/x.pdf": b"%PDF"})
    assert run.main(["archive", "verify", str(tmp_path / "bad.zip")]) == 1
    assert "FAIL security/nothing_extra" in capsys.readouterr().out
    assert run.main(["archive", "build", "--month", "2026-13", "--out", str(out)]) == 1


def test_a_case_rated_after_it_was_archived_is_archived_again_before_its_hand_over(app, people):
    case = delivered(people)
    first = built(app, case.id, people["admin"])
    assert [c["number"] for c in archive.ended_cases(people["admin"])["cases"]] == []
    [row] = archive.ended_cases(people["admin"], state="to_hand_over")["cases"]
    assert row["package"]["id"] == first["id"] and not row["package"]["older"]
    ratings.rate(case.id, case.applicant_id, 1)  # a late rating: the case has more than its package
    [row] = archive.ended_cases(people["admin"], month=month())["cases"]
    assert row["number"] == case.number and row["package"]["older"]
    with pytest.raises(Conflict):
        archive.hand_over([case.id], "县档案馆", people["admin"])
    again = built(app, case.id, people["admin"])
    assert metadata(opened(again), case.number).findtext("案卷/服务评价") == "非常满意"
    with pytest.raises(Invalid):
        archive.hand_over([case.id], " ", people["admin"])
    batch = archive.hand_over([case.id], "县档案馆", people["admin"])
    [row] = archive.ended_cases(people["admin"], state="handed_over")["cases"]
    assert row["package"]["id"] == again["id"] and row["package"]["receiver"] == "县档案馆"
    assert row["package"]["handed_over_by"] == "admin" and batch["packages"] == 1
    with pytest.raises(Conflict):  # handed over once
        archive.hand_over([case.id], "县档案馆", people["admin"])
    with session_scope() as session:
        assert session.scalar(select(Event.data).where(Event.case_id == case.id, Event.type == "archive_handed_over")
                              )["receiver"] == "县档案馆"


def test_an_event_committed_after_the_package_with_a_lower_id_makes_it_older(app, people):
    """On PostgreSQL a transaction takes its event's id when it writes it and may commit after a
    later one: the package, built meanwhile, then has a last event past the late one's id."""
    with session_scope() as session:  # the id the slow transaction takes before the case ends
        taken = Event(type="case_note_added", data={})
        session.add(taken)
    case = delivered(people)
    with session_scope() as session:
        session.delete(session.get(Event, taken.id))
    package = built(app, case.id, people["admin"])
    with session_scope() as session:  # ... and the event it writes under that id, committed now
        assert session.get(ArchivePackage, package["id"]).last_event_id > taken.id
        session.add(Event(id=taken.id, case_id=case.id, type="case_note_added", data={"note": "补记"}))
    [row] = archive.ended_cases(people["admin"], month=month())["cases"]
    assert row["package"]["id"] == package["id"] and row["package"]["older"]
    with pytest.raises(Conflict, match="events its package does not hold"):
        archive.hand_over([case.id], "县档案馆", people["admin"])


def test_a_hand_over_reads_its_cases_and_packages_once_and_the_list_its_page_once(app, people):
    """Whether each package is to be handed over is the list's own query, for the whole set; the
    list reads its cases and their packages with it, and the command line's month too."""
    cases = [delivered(people) for _ in range(3)]
    for case in cases:
        built(app, case.id, people["admin"])
    with Statements() as statements:
        listed = archive.ended_cases(people["admin"], state="to_hand_over")["cases"]
        month_cases = archive.month_cases(month())
    assert len(listed) == len(month_cases) == 3
    assert len(statements.reading("cases")) == 3  # the count, the page, the month
    assert len(statements.reading("archive_packages")) == 3
    with Statements() as statements:
        archive.hand_over([case.id for case in cases], "县档案馆", people["admin"])
    assert len(statements.reading("cases")) == 1 and len(statements.reading("archive_packages")) == 1
    assert len(statements.reading("events")) == 1  # whether each package holds its case's events
    assert [row["number"] for row in archive.ended_cases(people["admin"], state="handed_over")["cases"]] == [
        case.number for case in cases]


def test_the_list_is_filtered_by_month_and_department(app, people):
    case = delivered(people)
    admin = people["admin"]
    assert [c["number"] for c in archive.ended_cases(admin, month=month(), department="natres")["cases"]] == [case.number]
    assert archive.ended_cases(admin, month="2020-01")["cases"] == []
    assert archive.ended_cases(admin, department="housing")["cases"] == []
    with pytest.raises(Invalid):
        archive.ended_cases(admin, month="2026-13")
    assert archive.to_build(admin, month()) == [case.id]


def test_an_items_retention_period_is_one_the_archives_know(people):
    item = promised_item("T-2", "department_approval", "natres")
    with pytest.raises(Invalid, match="retention_period"):
        catalogue.validate({**item, "retention_period": "5年"})
    assert catalogue.validate({**item, "retention_period": "10年"})


def test_the_administrators_page_builds_downloads_checks_and_hands_over(app, people):
    case = delivered(people)
    admin = signed_in(app, "admin")
    assert "Archiving" in admin.get("/admin/archive?lang=en").get_data(as_text=True)
    admin.get("/admin/archive?lang=zh")
    page = admin.get(f"/admin/archive?month={month()}").get_data(as_text=True)
    assert case.number in page and 'id="personal-data"' in page and 'id="build-month"' in page
    admin.get("/admin/archive?lang=en")  # the package is in Chinese whatever the archivist reads
    res = admin.post("/admin/archive/build", data={"case": str(case.id), "month": month()})
    assert res.status_code == 303 and "month=" in res.headers["Location"]
    admin.get("/admin/archive?lang=zh")
    assert case.number not in admin.get("/admin/archive").get_data(as_text=True)
    listed = admin.get("/admin/archive?state=to_hand_over").get_data(as_text=True)
    package = re.search(r"/admin/archive/packages/(\d+)\.zip", listed).group(1)
    download = admin.get(f"/admin/archive/packages/{package}.zip")
    assert download.status_code == 200 and download.mimetype == "application/zip"
    assert download.headers["Cache-Control"] == "no-store"
    assert f"{case.number}.zip" in download.headers["Content-Disposition"]
    downloaded = zipfile.ZipFile(io.BytesIO(download.data))
    [acceptance] = [n for n in downloaded.namelist() if n.endswith("-ACC1.html")]
    assert "受理通知书" in downloaded.read(acceptance).decode() and "办件编号" in downloaded.read(acceptance).decode()
    checked = admin.get(f"/admin/archive/packages/{package}/check").get_data(as_text=True)
    assert "全部检测项通过" in checked and checked.count('data-passed="yes"') == 8
    refused = admin.post("/admin/archive/handover", data={"case": str(case.id), "receiver": ""})
    assert refused.status_code == 422 and archive.ended_cases(people["admin"], state="handed_over")["cases"] == []
    res = admin.post("/admin/archive/handover", data={"case": str(case.id), "receiver": "县档案馆"})
    assert res.status_code == 303
    page = admin.get("/admin/archive?state=handed_over").get_data(as_text=True)
    assert case.number in page and "已移交 县档案馆" in page
    history = admin.get(f"/intake/cases/{case.id}").get_data(as_text=True)
    assert "生成电子归档包" in history and "移交至 县档案馆" in history


def test_a_reviewer_may_not_open_build_download_check_or_hand_over(app, people):
    case = delivered(people)
    package = built(app, case.id, people["admin"])["id"]
    reviewer = signed_in(app, "reviewer")
    assert reviewer.get("/admin/archive").status_code == 403
    assert reviewer.post("/admin/archive/build", data={"case": str(case.id)}).status_code == 403
    assert reviewer.get(f"/admin/archive/packages/{package}.zip").status_code == 403
    assert reviewer.get(f"/admin/archive/packages/{package}/check").status_code == 403
    assert reviewer.post("/admin/archive/handover", data={"case": str(case.id), "receiver": "x"}).status_code == 403
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(ArchivePackage)) == 1
        assert session.scalar(select(ArchivePackage.handover_id)) is None


def test_the_files_check_counts_a_package_as_named_and_never_removes_it(app, people):
    case = delivered(people)
    package = built(app, case.id, people["admin"])
    kept = files.path_of(package["sha256"])
    then = time.time() - 2 * 3600  # older than any orphan the repair removes
    os.utime(kept, (then, then))
    found = file_check.check(repair_orphans=True)
    assert kept.exists() and str(kept.relative_to(files.root())) not in [o["path"] for o in found["orphans"]]
    kept.unlink()
    assert {"sha256": package["sha256"], "cases": [case.number], "instances": [], "forms": []} in file_check.check()["missing"]


def test_a_month_past_the_calendar_and_a_spoilt_compressed_entry_are_refused_not_failed(app, people, tmp_path):
    with pytest.raises(Invalid, match="YYYY-MM"):
        archive.month_of("9999-12")
    package = built(app, delivered(people).id, people["admin"])
    data = bytearray(files.read(package["sha256"]))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as whole:
        entry = next(i for i in whole.infolist() if i.compress_type == zipfile.ZIP_DEFLATED)
    start = entry.header_offset + 30 + len(entry.filename.encode()) + len(entry.extra)  # its compressed data
    data[start] = 0b111  # the first deflate block's type: 11, which no block has (zlib: invalid block type)
    spoilt = tmp_path / "spoilt.zip"
    spoilt.write_bytes(bytes(data))
    assert not archive_check.passed(archive_check.check(spoilt))
