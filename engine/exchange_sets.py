"""办件信息汇聚: the records of GB/T 39046-2020's data sets for one case, each built from the event
that produced it and from what the product stores (engine/exchange.py pages them out).

A record's key is case number + data set + sequence: the acceptance, the conclusion and the rating
are one a case (a later event sends the same key again, complete: a delivery completes the
conclusion, a special procedure's end completes its start); a case's process steps and special
procedures are numbered in the order of the events that opened them, which never changes, as
events are only appended.
"""
import logging
from datetime import date, datetime
from functools import cached_property

from sqlalchemy import or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from engine import catalogue, clock, ratings
from engine.clock import units
from engine.case_status import material_name
from engine.store.models import Case, Clock, Event, Material, Notice, SpecialProcedure, Task, User

log = logging.getLogger(__name__)

ACCEPTANCE, PROCESS, SPECIAL, CONCLUSION, RATING = "acceptance", "process", "special_procedure", "conclusion", "rating"
DATASETS = (ACCEPTANCE, PROCESS, SPECIAL, CONCLUSION, RATING)
# The events that produce records; notice_issued only for an intake refusal or correction notice.
SOURCES = ("case_accepted", "notice_issued", "task_completed", "task_returned", "special_procedure_started",
           "special_procedure_ended", "clock_extended", "case_decided", "case_delivered", "case_withdrawn",
           "case_terminated", "case_rated", "grant_revoked")
_PROCESS_OPENERS = ("task_completed", "task_returned", "notice_issued")
_SPECIAL_OPENERS = ("special_procedure_started", "clock_extended")

# A.1 事项类型, by the item's kind.
ITEM_TYPES = {"licence": "01", "payment": "05", "confirmation": "07", "reward": "08", "ruling": "09",
              "other_power": "10", "public_service": "20"}
# A.4 服务对象, by the names the items' service_object uses.
SERVICE_OBJECTS = {"自然人": "1", "企业法人": "2", "事业单位法人": "3", "社会组织法人": "4", "行政机关": "5",
                   "非法人企业": "6", "其他组织": "6"}
# A.5 办理形式, by the case's channel: the portal is a web page (2 电脑端); an agent (代办员) files at a
# village agent point for the applicant, neither at the window nor online by the applicant (9 其他).
HANDLING_FORMS = {"window": ("1", "窗口办理"), "online": ("2", "电脑端网上办理"), "agent": ("9", "其他（代办）")}
# A.6 办件类型: 上报件 and 联办件 are promised cases decided within a promise (2), with a local subtype.
CASE_TYPES = {"immediate": ("1", None), "promised": ("2", None), "escalated": ("2", "上报件"), "joint": ("2", "联办件")}
EXTENSION, OTHER_SPECIAL = "1", "2"  # A.7 特别程序种类
# 证件类型 by GA/T 2000.156's codes (111, 414, 516, 990); the USCC is not one of its documents: 001 is
# the code provincial exchange tables give it, our reading (README).
ID_TYPES = {"id_card": ("111", "居民身份证"), "uscc": ("001", "统一社会信用代码"), "passport": ("414", "普通护照"),
            "hk_macao_permit": ("516", "港澳居民来往内地通行证"), "other": ("990", "其他证件")}
RESULTS = {"approve": "准予", "approve_with_conditions": "附条件准予", "reject": "不予准予",
           "not_accepted": "不予受理", "withdrawn": "撤回申请", "terminated": "终止办理", "revoked": "撤销"}
DELIVERY = {"window": "窗口领取", "express": "快递寄送", "electronic": "网上送达"}
# 特别程序时限单位: a special procedure's expected length is in working days, as its notice says.
SPECIAL_UNIT = units.NAMES[units.WORKING_DAYS]
# 评价渠道 by where the rating was given (ratings.CHANNELS): its name, as GB/T 39046 表9 lists them, and
# the code the national 好差评 system numbers that list by (1 PC端, 2 移动服务端, 3 二维码, 4 政务大厅平板
# 电脑, ...), our reading (README). The portal does not tell a phone's browser from a PC's; a rating
# code is opened from the QR code or typed from the notice.
RATING_CHANNELS = {"online": ("1", "PC端"), "qr": ("3", "二维码")}


def when(moment: datetime | None) -> str | None:
    return moment.astimezone(clock.SHANGHAI).isoformat() if moment else None


def day(value: date | None) -> str | None:
    return value.isoformat() if value else None


class CaseFacts:
    """What one case's records read, loaded once per case in a page; `names` (departments) and
    `kinds` (the special procedures') once per page."""

    def __init__(self, session: Session, case: Case, names: dict[str, str], kinds: dict[str, str]):
        self.session, self.case, self.names, self.kinds = session, case, names, kinds
        where = [Event.case_id == case.id]
        if case.instance_id is not None:
            where.append(Event.instance_id == case.instance_id)
        self.events = session.scalars(select(Event).where(or_(*where), Event.type.in_(SOURCES))
                                      .order_by(Event.id)).all()
        clocks = select(Clock.id).where(Clock.instance_id == case.instance_id)
        self.procedures = {p.id: p for p in session.scalars(
            select(SpecialProcedure).where(SpecialProcedure.clock_id.in_(clocks)))} if case.instance_id else {}
        self.processes = [e.id for e in self.events if e.type in _PROCESS_OPENERS and self.opens_process(e)]
        self.specials = [e for e in self.events if e.type in _SPECIAL_OPENERS and self.reported_special(e)]

    def opens_process(self, event: Event) -> bool:
        return event.type != "notice_issued" or event.data.get("kind") == "correction"

    def reported_special(self, event: Event) -> bool:
        """A case clock's stop for a step's procedure repeats that procedure: reported once, as the step's."""
        if event.type == "clock_extended":
            return True
        procedure = self.procedures.get(event.data.get("procedure_id"))
        return procedure is not None and procedure.step_clock_id is None

    def department(self, code: str | None) -> dict:
        return {"code": code, "name": self.names.get(code, code) if code else None}

    @cached_property
    def clock_departments(self) -> dict[int, str | None]:
        """The department of each of the case's clocks, for its special procedures' records."""
        return dict(self.session.execute(select(Clock.id, Clock.department)
                                         .where(Clock.instance_id == self.case.instance_id)).all())


def records_of(facts: CaseFacts, event: Event) -> list[dict]:
    """The records the event produces: none, or one."""
    builder = _BUILDERS.get(event.type)
    try:
        record = builder(facts, event) if builder else None
    except SQLAlchemyError:
        raise  # the database's trouble: the pull fails, and is asked again from the same cursor
    except Exception:  # noqa: BLE001 - one case's odd data does not hold back every case after it
        log.warning("办件信息汇聚: no record of case %s for event %s", facts.case.number, event.id, exc_info=True)
        return []
    if record is None:
        return []
    dataset, seq, fields = record
    return [{"key": f"{facts.case.number}/{dataset}/{seq}", "cursor": event.id, "dataset": dataset,
             "case_number": facts.case.number, "seq": seq, **fields}]


def _implementer(case: Case, facts: CaseFacts) -> dict:
    department = facts.department(case.item.department)
    return {"department_code": department["code"], "department_name": department["name"],
            "department_credit_code": case.item.data.get("implementer_credit_code")}


def _person(session: Session, user_id: int | None) -> str | None:
    return session.scalar(select(User.name).where(User.id == user_id)) if user_id else None


def _acceptance(facts: CaseFacts, event: Event):
    case, session = facts.case, facts.session
    item, applicant = case.item, case.applicant
    case_type, subtype = CASE_TYPES[item.case_type]
    form, form_name = HANDLING_FORMS[case.channel]
    notice = session.scalar(select(Notice).where(Notice.case_id == case.id, Notice.kind == "acceptance")
                            .order_by(Notice.id).limit(1))
    id_type, id_type_name = ID_TYPES.get(applicant.id_type, ID_TYPES["other"])
    return ACCEPTANCE, 1, {
        "implementation_code": item.data.get("implementation_code"), "item_code": item.code,
        "item_name": item.name, "item_version": item.version, "item_type": ITEM_TYPES[item.kind],
        "case_type": case_type, "case_subtype": subtype, "handling_form": form, "handling_form_name": form_name,
        "applicant_name": applicant.name, "applicant_type": _applicant_type(case),
        "applicant_id_type": id_type, "applicant_id_type_name": id_type_name,
        "applicant_id_number": applicant.id_number, "applicant_phone": applicant.phone,
        "agent_name": _person(session, case.submitted_by) if case.channel == "agent" else None,
        "submitted_at": when(case.submitted_at), "accepted_at": when(event.at), "accepted_on": day(case.accepted_on),
        "deemed_accepted": case.deemed_accepted, "acceptance_notice_number": notice.number if notice else None,
        **_implementer(case, facts), "accepted_by": event.actor.name if event.actor else None,
        "window_name": facts.department(event.data.get("window"))["name"],
        "statutory_days": item.statutory_days, "promised_days": item.promised_days,
        # 法定办结时限单位, 承诺办结时限单位 (GB/T 39046), as the item gave them
        **{key: units.NAMES[unit] for key, unit in catalogue.limit_units(item).items()},
        # what the notice promised at acceptance, not the clock's date now, which pauses, special
        # procedures and calendars move: the record is the same whenever it is pulled; to the
        # minute for a promise in hours
        "promised_due": (notice.data.get("promised_due") if notice else None) or day(case.accepted_on),
        "promised_due_at": notice.data.get("promised_due_at") if notice else None}


def _applicant_type(case: Case) -> str:
    """A.4 of the applicant: a person is 1; the product records only that the others are organisations,
    so an organisation takes the first kind of organisation the item serves (企业法人 by default)."""
    if case.applicant.kind == "person":
        return "1"
    serves = [SERVICE_OBJECTS[o] for o in case.item.data.get("service_object") or [] if o in SERVICE_OBJECTS]
    return next((code for code in serves if code != "1"), "2")


def _process(facts: CaseFacts, event: Event):
    session = facts.session
    task = session.get(Task, event.task_id)
    if task is None:
        return None
    submitted = event.data.get("submitted") or {}
    if event.type == "task_returned":
        action, opinion = "退回", event.data.get("reason")
    else:
        action, opinion = _action(submitted), _opinion(submitted)
    return PROCESS, facts.processes.index(event.id) + 1, {
        "step_name": task.title or task.name, "action": action, "handler": event.actor.name if event.actor else None,
        "opinion": opinion, "department": facts.department(task.group)["name"], "department_code": task.group,
        "started_at": when(task.created_at), "ended_at": when(event.at), "step_state": "2"}  # 2 已办


def _action(submitted: dict) -> str:
    """业务动作 of a completed step: what its form said."""
    said = {submitted.get(k) for k in ("decision", "opinion", "preliminary_opinion", "transaction_result")}
    if said & {"reject", "failed"}:
        return "不通过"
    if "correction_needed" in said:
        return "退回"
    return "通过"


def _opinion(submitted: dict) -> str | None:
    """处理意见: the comment a step's form gave (comment, decision_comment, window_note ...)."""
    texts = [v.strip() for k, v in submitted.items()
             if isinstance(v, str) and v.strip() and (k.endswith("comment") or k.endswith("note"))]
    return "；".join(texts) or None


def _correction(facts: CaseFacts, event: Event):
    """The window's one-time correction notice (一次性告知) before acceptance: a step of its own."""
    case, session = facts.case, facts.session
    notice = session.scalar(select(Notice).where(Notice.number == event.data.get("notice")))
    names = {m["code"]: m["name"] for m in case.item.data["materials"]}
    missing = [f"{names.get(m['code']) or material_name(m['code'])}{'：' + m['reason'] if m.get('reason') else ''}"
               for m in (notice.data.get("missing") if notice else None) or []]
    # The window that issued it, as it was then; a notice recorded before the event kept it, the
    # clerk's department now.
    window = event.data["window"] if "window" in event.data else \
        event.actor.department.code if event.actor and event.actor.department else None
    return PROCESS, facts.processes.index(event.id) + 1, {
        "step_name": "一次性告知补正", "action": "其他", "handler": event.actor.name if event.actor else None,
        "opinion": "；".join(missing) or None, "department": facts.department(window)["name"],
        "department_code": window, "started_at": when(_round_began(facts, event)), "ended_at": when(event.at),
        "step_state": "2"}


def _round_began(facts: CaseFacts, notice: Event) -> datetime:
    """When the window's check that ended in this correction notice began: at the application, or,
    after an earlier notice, when the last of what it asked for came."""
    answered = facts.session.scalars(select(Event).where(Event.case_id == facts.case.id,
                                                         Event.type == "materials_supplied", Event.id < notice.id)
                                     .order_by(Event.id.desc())).all()
    return next((e.at for e in answered if not e.data.get("still_missing")), facts.case.submitted_at)


def _special(facts: CaseFacts, event: Event):
    if event.type == "clock_extended":
        return _extension(facts, event)
    procedure = facts.procedures.get(event.data.get("procedure_id"))
    if procedure is None or procedure.step_clock_id is not None:
        return None
    start = next((e for e in facts.specials if e.type != "clock_extended"
                  and e.data.get("procedure_id") == procedure.id), None)
    if start is None:  # its start is not among the case's events: nothing to number it by
        return None
    session = facts.session
    department = facts.clock_departments.get(procedure.clock_id)
    ended = next((e for e in facts.events if e.type == "special_procedure_ended" and e.id <= event.id
                  and e.data.get("procedure_id") == procedure.id), None)
    return SPECIAL, facts.specials.index(start) + 1, {
        "kind_code": OTHER_SPECIAL, "kind_name": facts.kinds.get(procedure.kind, procedure.kind),
        "reason": procedure.reason, "started_at": when(start.at), "requested_by": _person(session, procedure.started_by),
        "limit_days": procedure.expected_days, "time_unit": SPECIAL_UNIT,
        "ended_at": when(ended.at) if ended else None, "result": procedure.result if ended else None,
        "paused_days": ended.data.get("paused_days") if ended else None,
        "department": facts.department(department)["name"], "department_code": department,
        "approved_by": None}


def _extension(facts: CaseFacts, event: Event):
    """延长审批 (Art. 42): approved and in force at once; its result is the new statutory date."""
    department = facts.clock_departments.get(event.data.get("clock_id"))
    approver = event.actor.name if event.actor else None
    return SPECIAL, facts.specials.index(event) + 1, {
        "kind_code": EXTENSION, "kind_name": "延长审批", "reason": event.data.get("reason"),
        "started_at": when(event.at), "requested_by": approver, "limit_days": event.data.get("days"),
        # days of the statutory limit's unit (an extension recorded before units, working days)
        "time_unit": units.NAMES[event.data.get("unit", units.WORKING_DAYS)], "ended_at": when(event.at),
        "result": f"法定办结时限延长至 {event.data.get('statutory_due')}", "paused_days": None,
        "department": facts.department(department)["name"], "department_code": department,
        # a joint handling's is approved by the government's head, named with it
        "approved_by": event.data.get("approval") or approver}


def _conclusion(facts: CaseFacts, event: Event):
    """The case's conclusion as of the event: its end, and then its delivery or the grant's
    revocation (撤销), each sent again under the same key."""
    case, session = facts.case, facts.session
    revoked = event.type == "grant_revoked"
    result = "revoked" if revoked else _UNDECIDED.get(event.type) or case.decision
    # the event that ended the case: its decision, or the refusal, withdrawal or termination
    ended = next((e for e in facts.events if e.type in _ENDINGS and e.id <= event.id
                  and (e.type != "notice_issued" or e.data.get("kind") == "refusal")), event)
    # a revoked grant's certificate is named: the one the platform is to hold void
    document = _document(session, case) if result in ("approve", "approve_with_conditions", "revoked") else None
    delivered = any(e.type == "case_delivered" and e.id <= event.id for e in facts.events)
    delivery = (case.delivery or {}) if delivered else {}
    return CONCLUSION, 1, {
        "concluded_at": when(ended.at), "concluded_by": ended.actor.name if ended.actor else None,
        **_implementer(case, facts), "result": result, "result_name": RESULTS[result],
        "result_description": event.data.get("reason") if revoked
        else case.statement if ended.type == "case_decided" else _reason(session, ended),
        "certificate_name": (case.item.data.get("result") or document.name) if document else None,
        "certificate_number": document.seal_code if document else None,
        "certificate_valid_until": _valid_until(session, case) if document else None,
        "delivered_at": delivery.get("delivered_at") and when(datetime.fromisoformat(delivery["delivered_at"])),
        "delivery_method": DELIVERY.get(delivery.get("method")), "by_express": delivery.get("method") == "express",
        "tracking_number": delivery.get("tracking"), "charged": bool(case.item.data.get("fees"))}


# The results of the events that end a case undecided; a decision's is the case's.
_UNDECIDED = {"notice_issued": "not_accepted", "case_withdrawn": "withdrawn", "case_terminated": "terminated"}
_ENDINGS = ("case_decided", *_UNDECIDED)


def _reason(session: Session, ending: Event) -> str | None:
    """Why a case ended undecided: the withdrawal's or termination's reason, the refusal notice's."""
    if ending.type != "notice_issued":
        return ending.data.get("reason")
    return (session.scalar(select(Notice.data).where(Notice.number == ending.data.get("notice"))) or {}).get("reason")


def _document(session: Session, case: Case) -> Material | None:
    """The decision's document: the one its seal was given, else the item's department's last result."""
    return session.scalar(select(Material).where(Material.case_id == case.id, Material.kind.like("result:%"),
                                                 Material.issued_by == case.item.department)
                          .order_by(Material.seal_code.is_(None), Material.id.desc()).limit(1))


def _valid_until(session: Session, case: Case) -> str | None:
    """What a grant filed for the applicant (the item's `issues`) is valid until, if it says."""
    issues = case.item.data.get("issues")
    if not issues:
        return None
    return day(session.scalar(select(Material.valid_until).where(Material.case_id == case.id,
                                                                 Material.kind == issues["code"],
                                                                 Material.state == "issued").limit(1)))


def _rating(facts: CaseFacts, event: Event):
    case = facts.case
    # Events recorded before migration 0008 kept the old coding; their label says the level.
    level = {label: code for code, label in ratings.LEVELS.items()}.get(event.data.get("label"), event.data.get("rating"))
    channel_code, channel = RATING_CHANNELS[event.data.get("channel", "online")]  # online before 0030
    return RATING, 1, {
        "rated_at": when(event.at), "channel": channel, "channel_code": channel_code, "rater": case.applicant.name,
        "times": 1,
        "satisfaction": str(level), "satisfaction_name": ratings.LEVELS.get(level),
        "text": case.rating_text, "department_code": case.item.department,
        "department_name": facts.department(case.item.department)["name"]}


def _notice(facts: CaseFacts, event: Event):
    """An intake refusal concludes the case (不予受理); a correction notice is a step; other notices
    belong to records of their own events."""
    kind = event.data.get("kind")
    return _conclusion(facts, event) if kind == "refusal" else _correction(facts, event) if kind == "correction" \
        else None


_BUILDERS = {"case_accepted": _acceptance, "notice_issued": _notice, "task_completed": _process,
             "task_returned": _process, "special_procedure_started": _special, "special_procedure_ended": _special,
             "clock_extended": _special, "case_decided": _conclusion, "case_delivered": _conclusion,
             "case_withdrawn": _conclusion, "case_terminated": _conclusion, "case_rated": _rating,
             "grant_revoked": _conclusion}
