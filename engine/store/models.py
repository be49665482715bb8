"""The tables. Inboxes, deadlines and reports read these, never deserialised workflows."""
from datetime import date, datetime, timezone

from sqlalchemy import (JSON, BigInteger, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint, false, text)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

# agent: 代办员 of an agent point (村级代办点): files cases for applicants and follows those only.
# platform: the provincial platform's account, which pulls the cases' records (engine/exchange.py) and
# nothing else.
ROLES = ("clerk", "reviewer", "lead", "supervisor", "designer", "admin", "agent", "platform")
# Who works a department's steps: an agent, a supervisor or a designer placed in a department
# does not (an agent point is a department of its own).
WORKER_ROLES = ("reviewer", "lead", "clerk")
MAX_ROW_ID = 2**31 - 1  # ids are INTEGER columns: PostgreSQL's hold 32 bits


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on every database (SQLite would hand back naive ones)."""
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use UTC-aware datetimes")
        value = value.astimezone(timezone.utc)
        # SQLite compares the stored text: keep one form, UTC without an offset.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict: JSON, list: JSON}


class Department(Base):
    __tablename__ = "departments"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(256))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    roles: Mapped[list] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Wrong passwords in a row, and until when signing in is closed (engine/signin.py; 0004).
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column()
    last_attempt_at: Mapped[datetime | None] = mapped_column()  # signin.FORGET restarts an old count
    # Named by the session cookie; signing out raises it, ending every copy of the cookie (0004).
    session_serial: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # A password an administrator gave signs in until then, only to choose one's own (signin; 0026).
    temporary_until: Mapped[datetime | None] = mapped_column()
    department: Mapped[Department | None] = relationship(lazy="joined")

    @property
    def groups(self) -> set[str]:
        """The lanes this user may work in: for those who work steps (WORKER_ROLES), each of
        their role codes and their department's code. An agent, a supervisor or a designer works
        in none: a step transferred or a lane named after their role is not theirs to take."""
        if not any(self.has_role(r) for r in WORKER_ROLES):
            return set()
        return {*(self.roles or ()), *([self.department.code] if self.department is not None else [])}

    def has_role(self, role: str) -> bool:
        return role in (self.roles or ()) or "admin" in (self.roles or ())

    @property
    def known_as(self) -> str:
        """How a message names the person: by name for the pages, by login for the API."""
        return f"{self.name} ({self.login})"


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # Only a digest is kept: a leaked database does not leak usable tokens.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str | None] = mapped_column(String(200))  # what calls with it ("省平台对接")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column()  # to within tokens.TOUCH_EVERY
    user: Mapped[User] = relationship(lazy="joined")


class Deployment(Base):
    __tablename__ = "deployments"
    id: Mapped[int] = mapped_column(primary_key=True)
    deployed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    deployed_at: Mapped[datetime] = mapped_column(default=utcnow)
    files: Mapped[list] = mapped_column(default=list)


class Definition(Base):
    """One immutable version of a process (BPMN) or a decision model (DMN)."""
    __tablename__ = "definitions"
    __table_args__ = (UniqueConstraint("kind", "key", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # bpmn | dmn
    key: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str | None] = mapped_column(String(300))
    filename: Mapped[str] = mapped_column(String(300))
    checksum: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(Text)
    # The parsed spec, serialised once per version and shared by every instance of it.
    spec: Mapped[dict | None] = mapped_column(JSON)
    forms: Mapped[dict] = mapped_column(JSON, default=dict)
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployments.id"))
    deployed_at: Mapped[datetime] = mapped_column(default=utcnow)
    suspended: Mapped[bool] = mapped_column(Boolean, default=False)
    # Its cases must end with a decision (engine.decisions); versions deployed before 0013 grant
    # when they end without one, as they did then.
    needs_decision: Mapped[bool] = mapped_column(Boolean, default=True, server_default=false())


class Instance(Base):
    __tablename__ = "instances"
    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("definitions.id"), index=True)
    key: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[int] = mapped_column(Integer)
    business_key: Mapped[str | None] = mapped_column(String(200), index=True)
    state: Mapped[str] = mapped_column(String(16), default="running", index=True)
    # Optimistic lock: every step bumps it; a writer holding an older one is refused.
    revision: Mapped[int] = mapped_column(Integer, default=0)
    # The workflow minus its tasks (data, root, subprocess headers); tasks live in instance_steps.
    workflow_state: Mapped[dict] = mapped_column(JSON, default=dict)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    started_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column()
    # Loaded only when a version's spec is not cached yet: it carries the whole parsed diagram.
    definition: Mapped[Definition] = relationship(lazy="select")
    __mapper_args__ = {"version_id_col": revision}


class InstanceStep(Base):
    """One SpiffWorkflow task's serialised state. A step rewrites only the rows it changed."""
    __tablename__ = "instance_steps"
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"),
                                             primary_key=True)
    spiff_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # Which (sub)workflow owns it: "" for the top level, else the id of the call activity's task.
    owner: Mapped[str] = mapped_column(String(36), default="")
    seq: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict] = mapped_column(JSON)


class Task(Base):
    """A user task as people see it: the inbox table, kept current at every step."""
    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_group_state", "group", "state"),
        Index("ix_tasks_assignee_state", "assignee_id", "state"),
        # A person's finished steps, newest first: the inbox's 我已办 (0020).
        Index("ix_tasks_completed_by", "completed_by", "completed_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"),
                                             index=True)
    spiff_id: Mapped[str] = mapped_column(String(36), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(300))
    group: Mapped[str | None] = mapped_column(String(64))
    form: Mapped[str | None] = mapped_column(String(300))
    state: Mapped[str] = mapped_column(String(16), default="ready")  # ready|completed|cancelled
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column()
    completed_at: Mapped[datetime | None] = mapped_column()
    completed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    # The lane's head decides (a leadDecides step): of its group, only people with the lead role.
    lead_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Silence counts as consent (silenceConsentsExpression, engine/silence.py): left unanswered to
    # the end of its own limit's last working day, the department is deemed to agree (0036).
    silence_consents: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id], lazy="joined")


class Event(Base):
    """Append-only history: who did what to which case, when, and what data changed."""
    __tablename__ = "events"
    # A person's own events of a kind, newest first: the steps they passed on (0010); the events of
    # a kind in a month: the monthly report (0020).
    # (type, id): 操作日志 reads each type's newest events in id order (engine/services/activity.py);
    # (type, at): the monthly report reads a month's events of a type.
    __table_args__ = (Index("ix_events_actor_type", "actor_id", "type", "id"), Index("ix_events_type_at", "type", "at"),
                      Index("ix_events_type_id", "type", "id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"),
                                                    index=True)
    # The case it concerns, also before acceptance when there is no instance yet (0003).
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE",
                                                           name="fk_events_case_id_cases"), index=True)
    task_id: Mapped[int | None] = mapped_column(Integer)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    type: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    actor: Mapped[User | None] = relationship(lazy="joined")


class Timer(Base):
    """A due time, written with the step that creates it; the tick fires each row exactly once."""
    __tablename__ = "timers"
    __table_args__ = (Index("ix_timers_due", "state", "due_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    # bpmn | clock | consent | deemed | deferred | answer_due | order_due | rectification | agency_due | pledge_check
    # | renewal
    kind: Mapped[str] = mapped_column(String(16))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"), index=True)
    spiff_id: Mapped[str | None] = mapped_column(String(36))   # the waiting timer event (bpmn)
    clock_id: Mapped[int | None] = mapped_column(ForeignKey("clocks.id", ondelete="CASCADE"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    due_at: Mapped[datetime] = mapped_column()
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending|fired|cancelled|incident
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    fired_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A date counted in working days (Art. 32's five, `deemed`): the day counted from and how many,
    # so a calendar change counts it again from them (engine.recount), 0024.
    counted_from: Mapped[date | None] = mapped_column(Date)
    working_days: Mapped[int | None] = mapped_column(Integer)


class CalendarYear(Base):
    """A year's State Council holiday notice entered by an administrator (overrides packaged data)."""
    __tablename__ = "calendar_years"
    year: Mapped[int] = mapped_column(primary_key=True)
    notice: Mapped[dict] = mapped_column(JSON)
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    imported_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Closure(Base):
    """A day the office is shut (maintenance, a typhoon). It is not a working day for time
    limits only when decreed a suspension (stops_clocks); otherwise the limits run on."""
    __tablename__ = "calendar_closures"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    reason: Mapped[str] = mapped_column(String(300))
    stops_clocks: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Clock(Base):
    """A statutory/promised limit running on a case (task_id empty) or on one department's step."""
    __tablename__ = "clocks"
    __table_args__ = (Index("ix_clocks_state_level", "state", "level"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    department: Mapped[str | None] = mapped_column(String(64), index=True)
    item_code: Mapped[str | None] = mapped_column(String(64), index=True)
    label: Mapped[str] = mapped_column(String(200))
    started_on: Mapped[date] = mapped_column(Date)
    # The moment it started: a limit in hours counts from it (engine/clock/units.py).
    started_at: Mapped[datetime | None] = mapped_column()
    # Each limit's number (promised_days, statutory_days) is of its unit: working_days,
    # calendar_days or hours (engine/clock/units.py).
    statutory_days: Mapped[int | None] = mapped_column(Integer)
    promised_days: Mapped[int] = mapped_column(Integer)
    promised_unit: Mapped[str] = mapped_column(String(16), default="working_days", server_default="working_days")
    statutory_unit: Mapped[str] = mapped_column(String(16), default="working_days", server_default="working_days")
    # The time its special procedures took, in each unit a limit may be counted in.
    paused_days: Mapped[int] = mapped_column(Integer, default=0)  # working days
    paused_calendar_days: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    paused_seconds: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    extension_days: Mapped[int] = mapped_column(Integer, default=0)
    warn_ratio: Mapped[float] = mapped_column(default=0.2)
    promised_due: Mapped[date] = mapped_column(Date, index=True)
    statutory_due: Mapped[date | None] = mapped_column(Date)
    # A limit in hours passes at a moment of its day (promised_due, statutory_due); one in days at its end.
    promised_due_at: Mapped[datetime | None] = mapped_column()
    statutory_due_at: Mapped[datetime | None] = mapped_column()
    # What the applicant was told in writing: a recomputation never moves a deadline before it.
    promised_floor: Mapped[date | None] = mapped_column(Date)
    statutory_floor: Mapped[date | None] = mapped_column(Date)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(16), default="running")  # running|paused|stopped
    level: Mapped[str] = mapped_column(String(16), default="normal")  # normal|warning|yellow|red
    paused_since: Mapped[date | None] = mapped_column(Date)
    paused_at: Mapped[datetime | None] = mapped_column()  # the moment the running pause began
    stopped_on: Mapped[date | None] = mapped_column(Date, index=True)
    stopped_at: Mapped[datetime | None] = mapped_column()  # a limit in hours was met or not by it
    used_days: Mapped[int | None] = mapped_column(Integer)  # working days taken, set when stopped
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SpecialProcedure(Base):
    """特别程序 (Art. 45): the clock stops while it runs; the applicant is told how long."""
    __tablename__ = "special_procedures"
    id: Mapped[int] = mapped_column(primary_key=True)
    clock_id: Mapped[int] = mapped_column(ForeignKey("clocks.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    started_on: Mapped[date] = mapped_column(Date)
    expected_days: Mapped[int] = mapped_column(Integer)
    ended_on: Mapped[date | None] = mapped_column(Date)
    result: Mapped[str | None] = mapped_column(Text)
    started_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # On a case's clock: the step whose procedure stopped it too (it runs again with the steps).
    step_clock_id: Mapped[int | None] = mapped_column(ForeignKey("clocks.id", ondelete="CASCADE"))


class SpecialProcedureKind(Base):
    """A special procedure an office adds to the law's (Art. 45,
    engine.services.special_kinds.SPECIAL_KINDS): a 联合踏勘, a 公示. Withdrawn ones are kept:
    procedures that ran are still named by them."""
    __tablename__ = "special_procedure_kinds"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SupervisionOrder(Base):
    """督办单: opened by a yellow or red card, answered by the department before its own deadline."""
    __tablename__ = "supervision_orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    clock_id: Mapped[int] = mapped_column(ForeignKey("clocks.id", ondelete="CASCADE"), index=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"), index=True)
    department: Mapped[str | None] = mapped_column(String(64), index=True)
    card: Mapped[str] = mapped_column(String(8))  # yellow | red
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    feedback_due: Mapped[date] = mapped_column(Date)
    # feedback_due is working_days after counted_from: a calendar change counts it again from them (0024).
    counted_from: Mapped[date] = mapped_column(Date)
    working_days: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default="open")  # open | answered
    feedback: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column()


class Notification(Base):
    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"))
    # The step it is about, which its link opens (0011; before, the link guessed one).
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="SET NULL",
                                                           name="fk_notifications_task_id_tasks"))
    text: Mapped[str] = mapped_column(Text)
    # Since 0014: the sentence's template and values, read in each reader's language; `text` keeps
    # it in English (and is all an older notification has, in Chinese).
    message: Mapped[dict | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column()


class Draft(Base):
    """A designer's unsaved work on a BPMN or DMN file: kept until deployed or discarded."""
    __tablename__ = "drafts"
    __table_args__ = (UniqueConstraint("kind", "key", "author_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    key: Mapped[str] = mapped_column(String(200))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    source: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class DecisionTest(Base):
    """试算用例: inputs of a decision and the result it is expected to give on them. Kept by the
    decision's key, not by version: every deployment of the key is tried on them (0029)."""
    __tablename__ = "decision_tests"
    __table_args__ = (UniqueConstraint("key", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    inputs: Mapped[dict] = mapped_column(JSON)
    # Any JSON value a decision gives (a list of tax lines, a number, null).
    expected: Mapped[object] = mapped_column(JSON, nullable=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ServiceItem(Base):
    """政务服务事项: one version of a service item of the catalogue (GB/T 39046 elements we use)."""
    __tablename__ = "service_items"
    __table_args__ = (UniqueConstraint("code", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(32))           # licence, confirmation, public_service ...
    department: Mapped[str] = mapped_column(String(64))     # the implementing (lead) department's code
    case_type: Mapped[str] = mapped_column(String(16))      # immediate | promised | escalated | joint
    statutory_days: Mapped[int | None] = mapped_column(Integer)
    promised_days: Mapped[int] = mapped_column(Integer)
    process_key: Mapped[str | None] = mapped_column(String(200))
    # The whole item as loaded (legal basis, materials, fees, online depth, visits, ...).
    data: Mapped[dict] = mapped_column(JSON)
    checksum: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class MaterialTemplate(Base):
    """空白表格 / 示例样表: the blank form of an item's material, or a filled-in example, that the
    guide offers for download. Kept by the item's and the material's codes, not by the item's
    version: a new version of the item keeps its forms (0031)."""
    __tablename__ = "material_templates"
    __table_args__ = (UniqueConstraint("item_code", "material_code", "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    item_code: Mapped[str] = mapped_column(String(64))
    material_code: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # blank | example
    filename: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Applicant(Base):
    """申请人: a person or a company, who may sign in to the portal with phone or ID number."""
    __tablename__ = "applicants"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="person")  # person | company
    name: Mapped[str] = mapped_column(String(200))
    id_type: Mapped[str] = mapped_column(String(32), default="id_card")
    id_number: Mapped[str] = mapped_column(String(64), unique=True)
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(256))
    # A password the window gave (engine.applicant_passwords.reset_password) signs in until then,
    # only to choose one's own (signin).
    temporary_until: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column()
    last_attempt_at: Mapped[datetime | None] = mapped_column()  # signin.FORGET restarts an old count
    session_serial: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class UnknownSignIn(Base):
    """Wrong sign-ins under a name no account has: counted and locked like an account's, so the
    answers never tell which names exist (engine/signin.py). Keyed by a digest of the name."""
    __tablename__ = "unknown_sign_ins"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column()
    last_attempt_at: Mapped[datetime] = mapped_column(index=True)


class AddressSignIn(Base):
    """Wrong sign-ins at one account (or a name no account has) from one network address: a
    guesser there is locked out without locking out the account's owner elsewhere
    (engine/signin.py). Keyed by a digest of the account and the address; `subject` is the
    account's digest, by which an administrator's unlock finds its rows; `signed_in_at`, the last
    right password from there (the owner's address, engine/signin._trusted)."""
    __tablename__ = "address_sign_ins"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject: Mapped[str] = mapped_column(String(64), index=True)
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column()
    last_attempt_at: Mapped[datetime] = mapped_column(index=True)
    signed_in_at: Mapped[datetime | None] = mapped_column()


class Case(Base):
    """办件: one application for one service item, from submission to delivery."""
    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("service_items.id"))
    item_code: Mapped[str] = mapped_column(String(64), index=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicants.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # window | online | agent
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(24), default="submitted", index=True)
    form: Mapped[dict] = mapped_column(JSON, default=dict)   # what the applicant filled in
    note: Mapped[str | None] = mapped_column(Text)  # 申请说明: anything else, in their own words
    statement: Mapped[str | None] = mapped_column(Text)  # the decision's reasons and conditions
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_on: Mapped[date | None] = mapped_column(Date)
    deemed_accepted: Mapped[bool] = mapped_column(Boolean, default=False)
    correction_rounds: Mapped[int] = mapped_column(Integer, default=0)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("instances.id"), index=True)
    decision: Mapped[str | None] = mapped_column(String(24))
    decided_at: Mapped[datetime | None] = mapped_column()
    delivery: Mapped[dict] = mapped_column(JSON, default=dict)  # method, tracking number, delivered_at
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_text: Mapped[str | None] = mapped_column(Text)
    # 一件事: the application it was filed with, beside its other items' cases (0035).
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("thing_applications.id", name="fk_cases_application_id_thing_applications"), index=True)
    # 业务办理项 (engine/catalogue.BUSINESS_KINDS): new, or renewal (延续) of the licence a granted
    # case of the same item gave (renews_case_id); and the day the licence this case granted
    # expires, where its item's licence has a validity (engine/licences.py; 0037).
    business_kind: Mapped[str] = mapped_column(String(16), default="new", server_default="new")
    renews_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", name="fk_cases_renews_case_id_cases"),
                                                       index=True)
    licence_expires_on: Mapped[date | None] = mapped_column(Date)
    item: Mapped[ServiceItem] = relationship(lazy="joined", innerjoin=True)
    applicant: Mapped[Applicant] = relationship(lazy="joined", innerjoin=True)


class Material(Base):
    """申请材料: a file given for a case (stored by checksum), reused, pledged or deferred."""
    __tablename__ = "materials"
    __table_args__ = (Index("ix_materials_reuse", "applicant_id", "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicants.id"))
    kind: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(300))
    # provided | reused | pledged | deferred | missing | issued (a grant's document filed for reuse)
    # | revoked (one whose grant was revoked: reused no more) | evidence (a pledge check's, engine/pledge_checks.py)
    state: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str | None] = mapped_column(String(300))
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(Integer)
    reused_from: Mapped[int | None] = mapped_column(ForeignKey("materials.id"))
    issued_by: Mapped[str | None] = mapped_column(String(64))  # a department that issued it
    valid_until: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)          # deferred: to be supplied by
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # 电子印章 of a result document (engine/seals.py): its verification code, facts and signature.
    seal_code: Mapped[str | None] = mapped_column(String(19), unique=True)
    seal: Mapped[dict | None] = mapped_column(JSON)


class Notice(Base):
    """A written notice (受理通知书, 补正通知书, 不予受理通知书, ...): its facts, frozen when issued."""
    __tablename__ = "notices"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    number: Mapped[str] = mapped_column(String(60), unique=True)
    data: Mapped[dict] = mapped_column(JSON)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # 电子印章 (engine/notice_seals.py): its verification code; the signed facts, the signature and
    # the digest's salt. None on a notice issued before migration 0028.
    seal_code: Mapped[str | None] = mapped_column(String(19), unique=True)
    seal: Mapped[dict | None] = mapped_column(JSON)
    # 一件事: a notice of the whole application (one 受理通知书 listing every item), kept with its
    # first case (case_id) but shown with the application, not with that case (0035).
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("thing_applications.id", name="fk_notices_application_id_thing_applications"), index=True)


class Thing(Base):
    """一件事: several service items of several departments applied for at once (engine/things.py),
    one version of it, as processes/things/*.yaml declares it."""
    __tablename__ = "things"
    __table_args__ = (UniqueConstraint("code", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300))
    department: Mapped[str] = mapped_column(String(64))  # the department whose window hosts it
    data: Mapped[dict] = mapped_column(JSON)
    checksum: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ThingApplication(Base):
    """一件事的申请: one form and one set of materials, from which a case of each of the thing's
    items was filed (Case.application_id); its status is read from theirs (engine/thing_applications.py)."""
    __tablename__ = "thing_applications"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    thing_id: Mapped[int] = mapped_column(ForeignKey("things.id"))
    thing_code: Mapped[str] = mapped_column(String(64), index=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicants.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # window | online | agent
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    form: Mapped[dict] = mapped_column(JSON, default=dict)  # the one form, as filled in
    note: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    thing: Mapped[Thing] = relationship(lazy="joined", innerjoin=True)
    applicant: Mapped[Applicant] = relationship(lazy="joined", innerjoin=True)


class RegionalAssessment(Base):
    """区域评估: a zone's approved assessment of one kind, which projects in the zone may use."""
    __tablename__ = "regional_assessments"
    __table_args__ = (UniqueConstraint("zone", "assessment", "doc_no"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    zone: Mapped[str] = mapped_column(String(64), index=True)
    zone_name: Mapped[str] = mapped_column(String(200))
    assessment: Mapped[str] = mapped_column(String(32))
    doc_no: Mapped[str] = mapped_column(String(100))
    approved_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    # Industries the result does not cover and the largest project it covers (land area, ha).
    excluded_industries: Mapped[list] = mapped_column(JSON, default=list)
    max_land_ha: Mapped[float | None] = mapped_column()
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class Rectification(Base):
    """整改: a bad service rating (好差评) that the department responsible must answer by due_on:
    the window's for its service (acceptance, delivery), the implementing one's for its handling."""
    __tablename__ = "rectifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    # One rating per case, so at most one rectification per case.
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    department: Mapped[str] = mapped_column(String(64), index=True)
    # What the applicant said the bad rating is about (0020): service | handling.
    concerns: Mapped[str] = mapped_column(String(16), default="handling", server_default="handling")
    rating: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date)
    # due_on is working_days after counted_from: a calendar change counts it again from them (0024).
    counted_from: Mapped[date] = mapped_column(Date)
    working_days: Mapped[int] = mapped_column(Integer)
    # open | answered | excused: an appeal found the rating mistaken or malicious (申诉成立, 0030)
    state: Mapped[str] = mapped_column(String(16), default="open", index=True)
    response: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column()
    # When the tick found due_on passed unanswered (逾期未整改), 0020.
    overdue_at: Mapped[datetime | None] = mapped_column()
    # 回访: whether the applicant was satisfied with the answer (0020).
    satisfied: Mapped[bool | None] = mapped_column(Boolean)
    revisited_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    case: Mapped[Case] = relationship(lazy="joined", innerjoin=True)
    answerer: Mapped[User | None] = relationship(lazy="joined")
    appeal: Mapped["RatingAppeal | None"] = relationship(lazy="selectin", back_populates="rectification")


class RatingCode(Base):
    """评价码: the one-time code printed on the notice that closes a case, by which its applicant
    rates it without signing in (engine/rating_codes.py): one a case, good until expires_at."""
    __tablename__ = "rating_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()


class RatingAppeal(Base):
    """申诉复核: the department a bad rating's rectification belongs to says the rating is mistaken
    or malicious; a supervisor decides (engine/rating_appeals.py). One a rating."""
    __tablename__ = "rating_appeals"
    id: Mapped[int] = mapped_column(primary_key=True)
    rectification_id: Mapped[int] = mapped_column(ForeignKey("rectifications.id", ondelete="CASCADE"), unique=True)
    ground: Mapped[str] = mapped_column(String(16))  # outside_duty | mistaken | malicious
    reason: Mapped[str] = mapped_column(Text)
    filed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    filed_at: Mapped[datetime] = mapped_column(default=utcnow)
    state: Mapped[str] = mapped_column(String(16), default="pending", index=True)  # pending | upheld | granted
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column()
    note: Mapped[str | None] = mapped_column(Text)  # the supervisor's reasons, which the applicant reads
    rectification: Mapped[Rectification] = relationship(lazy="joined", innerjoin=True, back_populates="appeal")
    filer: Mapped[User] = relationship(lazy="joined", foreign_keys=[filed_by])
    decider: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[decided_by])


class Agency(Base):
    """中介超市: a registered intermediary agency that prepares assessment reports (engine/agencies.py).
    services maps each report kind it is qualified for to the working days it promises for it."""
    __tablename__ = "agencies"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)  # 统一社会信用代码
    services: Mapped[dict] = mapped_column(JSON, default=dict)  # {kind: promised working days}
    qualification: Mapped[str] = mapped_column(Text, default="")
    contact: Mapped[str] = mapped_column(String(200), default="")
    price_note: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    suspended_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Commission(Base):
    """An applicant's commission of an agency for one kind of report on one case. Its due_on is the
    agency's own promise, in working days from the day it was chosen: outside the government clocks,
    which it never pauses or moves."""
    __tablename__ = "agency_commissions"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    chosen_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    # The working days the agency promised when chosen (its promise may change since), 0024.
    working_days: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default="open", index=True)  # open | delivered | cancelled | ended
    delivered_on: Mapped[date | None] = mapped_column(Date)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    rating: Mapped[int | None] = mapped_column(Integer)  # 1-5, 5 the best
    rating_comment: Mapped[str | None] = mapped_column(Text)
    # The report the delivery brought, kept among the case's materials (kind report:<kind>).
    report_id: Mapped[int | None] = mapped_column(ForeignKey("materials.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    agency: Mapped[Agency] = relationship(lazy="joined", innerjoin=True)
    case: Mapped[Case] = relationship(lazy="joined", innerjoin=True)
    report: Mapped[Material | None] = relationship(lazy="joined", foreign_keys=[report_id])
    # At most one open commission of a kind per case, whoever commissions at the same moment.
    __table_args__ = (Index("ux_agency_commissions_open", "case_id", "kind", unique=True,
                            postgresql_where=text("state = 'open'"), sqlite_where=text("state = 'open'")),)


class ArchiveHandover(Base):
    """档案移交: a batch of archive packages handed over to the archives, by whom, when, to whom."""
    __tablename__ = "archive_handovers"
    id: Mapped[int] = mapped_column(primary_key=True)
    handed_over_at: Mapped[datetime] = mapped_column(default=utcnow)
    handed_over_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    receiver: Mapped[str] = mapped_column(String(200))  # 接收单位: the archives that took them
    by: Mapped[User | None] = relationship(lazy="joined")


class ArchivePackage(Base):
    """归档信息包: an ended case's archive package (engine/archive.py), kept in the file store by its
    SHA-256. A case archived again (it had events since) has several; the newest is the one that counts."""
    __tablename__ = "archive_packages"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    built_at: Mapped[datetime] = mapped_column(default=utcnow)
    built_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    files: Mapped[int] = mapped_column(Integer)  # 件数: the documents it holds
    # The newest event of the case it holds, and how many it holds (its own archiving aside): one
    # more (a rating after delivery), whatever its id, makes it old.
    last_event_id: Mapped[int] = mapped_column(Integer)
    events_held: Mapped[int] = mapped_column(Integer)
    handover_id: Mapped[int | None] = mapped_column(ForeignKey("archive_handovers.id"), index=True)
    builder: Mapped[User | None] = relationship(lazy="joined")
    handover: Mapped[ArchiveHandover | None] = relationship(lazy="joined")


class PledgeCheck(Base):
    """核查: the check, after a grant, of a pledge (告知承诺) that took a material's place
    (engine/pledge_checks.py), due PLEDGE_CHECK_DAYS working days after the decision and found by
    the department that decided the case: true (属实) or false (不实, a 虚假承诺)."""
    __tablename__ = "pledge_checks"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    # The pledge checked: one check a pledge.
    material_id: Mapped[int] = mapped_column(ForeignKey("materials.id", ondelete="CASCADE"), unique=True)
    department: Mapped[str] = mapped_column(String(64), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    # due_on is working_days after counted_from (the day of the decision): a calendar change counts it again.
    counted_from: Mapped[date] = mapped_column(Date)
    working_days: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default="due", index=True)  # due | true | false
    finding: Mapped[str | None] = mapped_column(Text)
    # The file the department found it by, kept among the case's materials (state evidence).
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("materials.id"))
    checked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    checked_at: Mapped[datetime | None] = mapped_column()
    overdue_at: Mapped[datetime | None] = mapped_column()  # when the tick found due_on passed unchecked
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    case: Mapped[Case] = relationship(lazy="joined", innerjoin=True)
    material: Mapped[Material] = relationship(lazy="joined", innerjoin=True, foreign_keys=[material_id])
    evidence: Mapped[Material | None] = relationship(lazy="joined", foreign_keys=[evidence_id])
    checker: Mapped[User | None] = relationship(lazy="joined")


class CreditRecord(Base):
    """失信记录 (虚假承诺): a pledge of the applicant's found false (engine/credit.py). While active,
    no pledge (告知承诺) or 容缺 is taken from them; 信用修复 makes it inactive, kept with why."""
    __tablename__ = "credit_records"
    id: Mapped[int] = mapped_column(primary_key=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicants.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("pledge_checks.id", ondelete="CASCADE"), unique=True)
    recorded_on: Mapped[date] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    repaired_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    repaired_at: Mapped[datetime | None] = mapped_column()
    repair_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    applicant: Mapped[Applicant] = relationship(lazy="joined", innerjoin=True)
    case: Mapped[Case] = relationship(lazy="joined", innerjoin=True)
    check: Mapped[PledgeCheck] = relationship(lazy="joined", innerjoin=True)
    repairer: Mapped[User | None] = relationship(lazy="joined")
