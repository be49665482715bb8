"""One ended case's archive package (归档信息包): a ZIP holding, under a folder named by the case
number, every document of the case in the order it came (the applicant's materials, the departments'
result documents, the notices as printed), its whole history (as the case page reads it, and its
events as data), the metadata file (engine/archive_metadata.py) that lists each with its size and
checksums, and the office's signature over that file.

The notices and the history are pages the web layer prints (`render`: an object with
notice(printable) -> (title, html) and history(case_number, events) -> html), so the package holds
them as the product shows them, each a self-contained HTML file.
"""
import hashlib
import json
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import archive_metadata as meta
from engine import catalogue, clock, files, parties, ratings, seals
from engine.exchange_sets import DELIVERY, HANDLING_FORMS, ID_TYPES, RESULTS
from engine.notices import printable_notice
from engine.services.progress import history
from engine.services.users import department_names
from engine.store.models import Case, Event, Material, Notice, User

METADATA, SIGNATURE = "metadata.xml", "signature.xml"
FOLDER = "files"
BASIS = "DA/T 85-2019《政务服务事项电子文件归档规范》（GB/T 42727-2023），本产品的解读"
SYSTEM = "Shenpi 审批"
# Each ended status, and the event that ended the case (a refusal is its notice: 不予受理通知书); a
# grant revoked ended when it was revoked (engine/revocation.py), delivered or not.
ENDINGS = {"delivered": "case_delivered", "withdrawn": "case_withdrawn", "terminated": "case_terminated",
           "revoked": "grant_revoked"}
MATERIAL, RESULT, NOTICE, RECORD = "申请材料", "审批文书", "通知文书", "办理过程记录"
# The events a package does not need to hold: its own making and handing over.
OWN_EVENTS = ("case_archived", "archive_handed_over")


@dataclass
class Document:
    title: str
    category: str
    author: str
    on: datetime
    filename: str
    read: Callable[[], bytes]
    number: str | None = None
    code: str | None = None  # a sealed document's verification code (电子证照核验码)


def result_of(case: Case) -> str:
    """An ended case's result, a code of exchange_sets.RESULTS: its decision, or not_accepted,
    withdrawn, terminated, revoked."""
    return case.decision if case.status == "delivered" else "not_accepted" if case.status == "refused" \
        else case.status


def _ending(session: Session, case: Case) -> tuple[datetime, str | None]:
    """When the case ended, and what was said of it: the decision's reasons and conditions, or why
    it was refused, withdrawn, ended or its grant revoked."""
    if case.status == "refused":
        notice = session.scalar(select(Notice).where(Notice.case_id == case.id, Notice.kind == "refusal")
                                .order_by(Notice.id).limit(1))
        return notice.issued_at, notice.data.get("reason")
    event = session.scalar(select(Event).where(Event.case_id == case.id, Event.type == ENDINGS[case.status])
                           .order_by(Event.id).limit(1))
    return event.at, case.statement if case.status == "delivered" else event.data.get("reason")


def build(session: Session, case: Case, render, actor: User | None, out) -> dict:
    """Write the case's package to the binary file `out`; returns {files, last_event_id, events_held}
    (how many of the case's events it holds, OWN_EVENTS aside)."""
    names = department_names(session)
    events = history(session, case.instance_id, case.id)
    documents = sorted(_materials(session, case, names) + _notices(session, case, render, names),
                       key=lambda d: d.on) + _records(case, events, render, names)
    root = f"{case.number}/"
    rows = []
    retention = catalogue.retention(case.item.data)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as package:
        for number, document in enumerate(documents, 1):
            content = document.read()
            path = f"{FOLDER}/{number:03d}-{document.filename}"
            package.writestr(_entry(root + path, document.on), content)
            rows.append({"件号": number, "题名": document.title, "文件类别": document.category,
                         "责任者": document.author, "日期": _china(document.on).date().isoformat(),
                         "文号": document.number, "核验码": document.code, "保管期限": retention,
                         "格式": PurePosixPath(document.filename).suffix.lstrip(".").upper(), "路径": path,
                         "原文件名": document.filename, "大小": len(content), "digests": digests(content)})
        now = datetime.now(clock.SHANGHAI)
        last_event = events[-1]["id"]
        about = {"依据": BASIS, "形成系统": SYSTEM, "封装时间": now.isoformat(timespec="seconds"),
                 "封装人": actor.known_as if actor else None, "最后记录号": last_event}
        others = [{"角色": p["role"], "名称": p["name"], "证件号码": p["id_number"]}
                  for p in parties.named(case.item.data, case.form)]
        metadata = meta.written(about, _case_file(session, case, names, len(rows)), _applicant(case), others, rows)
        package.writestr(_entry(root + METADATA, now), metadata)
        package.writestr(_entry(root + SIGNATURE, now),
                         meta.signature_written(METADATA, seals.signature_of(metadata), seals.public_key_pem(), now))
    return {"files": len(rows), "last_event_id": last_event,
            "events_held": sum(event["type"] not in OWN_EVENTS for event in events)}


def digests(content: bytes) -> dict[str, str]:
    """SHA-256, and SM3 (GB/T 32905) where this machine's OpenSSL has it."""
    found = {meta.SHA256: hashlib.sha256(content).hexdigest()}
    if "sm3" in hashlib.algorithms_available:
        found[meta.SM3] = hashlib.new("sm3", content).hexdigest()
    return found


def _entry(name: str, on: datetime) -> zipfile.ZipInfo:
    entry = zipfile.ZipInfo(name, _china(on).timetuple()[:6])
    entry.compress_type = zipfile.ZIP_DEFLATED
    return entry


def _china(moment: datetime) -> datetime:
    return moment.astimezone(clock.SHANGHAI)


def _materials(session: Session, case: Case, names: dict) -> list[Document]:
    """The files of the case: what the applicant handed in (or reused from an earlier case) and
    what the departments issued; the copy of a grant's document filed for reuse is the same file
    (revoked or not)."""
    rows = session.scalars(select(Material).where(Material.case_id == case.id, Material.sha256.is_not(None),
                                                  Material.state.not_in(("issued", "revoked"))).order_by(Material.id))
    # A department's papers: its results, and what it found a pledge by (核查, engine/pledge_checks.py).
    return [Document(title=m.name, category=RESULT if m.kind.startswith(("result:", "check:")) else MATERIAL,
                     author=names.get(m.issued_by, m.issued_by) if m.issued_by else case.applicant.name,
                     on=m.created_at, filename=files.clean_name(m.filename), code=m.seal_code,
                     read=lambda sha=m.sha256: files.read(sha))
            for m in rows]


def _notices(session: Session, case: Case, render, names: dict) -> list[Document]:
    documents = []
    for notice in session.scalars(select(Notice).where(Notice.case_id == case.id).order_by(Notice.id)):
        printable = printable_notice(session, notice, case, names=names)
        title, page = render.notice(printable)
        documents.append(Document(title=title, category=NOTICE, author=printable["department_name"],
                                  on=notice.issued_at, filename=f"{notice.number}.html", number=notice.number,
                                  read=lambda page=page: page.encode()))
    return documents


def _records(case: Case, events: list[dict], render, names: dict) -> list[Document]:
    """The history as the case page reads it, and its events as data (who, what, when, and all
    that each recorded)."""
    last = datetime.fromisoformat(events[-1]["at"])
    author = names.get(case.item.department, case.item.department)
    page = render.history(case.number, events)
    data = json.dumps(events, ensure_ascii=False, indent=1)
    return [Document(title="办理过程记录", category=RECORD, author=author, on=last, filename="办理过程记录.html",
                     read=lambda: page.encode()),
            Document(title="办理过程数据（事件记录）", category=RECORD, author=author, on=last,
                     filename="办理过程数据.json", read=lambda: data.encode())]


def _case_file(session: Session, case: Case, names: dict, count: int) -> dict:
    ended_at, said = _ending(session, case)
    result = result_of(case)
    sealed = session.scalar(select(Material.seal_code).where(Material.case_id == case.id,
                                                             Material.seal_code.is_not(None)).limit(1))
    delivered = (case.delivery or {}).get("delivered_at") if case.status == "delivered" else None
    return {"办件编号": case.number, "题名": f"{case.applicant.name}申请{case.item.name}", "事项名称": case.item.name,
            "事项编码": case.item_code, "实施编码": case.item.data.get("implementation_code"),
            "事项类型": catalogue.KINDS.get(case.item.kind, case.item.kind),
            "办件类型": catalogue.CASE_TYPES.get(case.item.case_type, case.item.case_type),
            "责任者": names.get(case.item.department, case.item.department),
            "申请渠道": HANDLING_FORMS.get(case.channel, (None, case.channel))[1],
            "收件时间": _china(case.submitted_at).isoformat(timespec="seconds"),
            "受理日期": case.accepted_on.isoformat() if case.accepted_on else None,
            "办结时间": _china(ended_at).isoformat(timespec="seconds"), "办理结果": RESULTS.get(result, result),
            "办理结果说明": said, "证照核验码": sealed,
            "送达方式": DELIVERY.get(case.delivery.get("method")) if delivered else None,
            "送达时间": _china(datetime.fromisoformat(delivered)).isoformat(timespec="seconds") if delivered else None,
            "服务评价": ratings.LEVELS.get(case.rating) if case.rating else None,
            "年度": _china(ended_at).year, "保管期限": catalogue.retention(case.item.data), "件数": count}


def _applicant(case: Case) -> dict:
    id_type = ID_TYPES.get(case.applicant.id_type, (None, case.applicant.id_type))[1]
    return {"名称": case.applicant.name, "证件类型": id_type, "证件号码": case.applicant.id_number}
