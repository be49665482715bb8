"""Read-only questions the staff pages ask: inboxes, a task with its case, a case's diagram state.

Everything is read through read_session (no write lock) and returned as plain dicts. Each
function checks who is asking with the same rules the operations use (lanes.may_work_on,
cases.can_view), so a page cannot show what its buttons would refuse.
"""
from SpiffWorkflow.util.task import TaskState
from lxml import etree
from sqlalchemy import case as sql_case, func, or_, select

from engine import clock, intake, thing_applications
from engine.bpmn import layout, runtime
from engine.bpmn.parser import parse_xml
from engine.bpmn.validate import NS as BPMN
from engine.clock import consent, levels, limits
from engine.errors import EngineFailure, Forbidden, NotFound
from engine.notices import printable_notice
from engine.store.db import fetch, read_session
from engine.store.models import (Applicant, Case, Clock, Definition, Event, Instance, InstanceStep, Material,
                                 Notice, PledgeCheck, ServiceItem, Task, ThingApplication, User)

from .cases import PASSED_ON, can_view, passed_on, told_of, visible_instance
from .events import describe as describe_event
from .task_views import describe_task
from .lanes import may_work_on, workable
from .tasks import form_schema
from .users import only_as_filer

COMPLETED_LIMIT = 100
INBOX_PAGE = 50  # unclaimed tasks on a page of the inbox
RECENT_CASES_LIMIT = 100


def _clocks_by_task(session, tasks: list[Task]) -> dict[int, Clock]:
    """Each task's clock: its own step clock if it has one, else its case's clock."""
    instance_ids = {t.instance_id for t in tasks}
    if not instance_ids:
        return {}
    rows = session.scalars(select(Clock).where(Clock.instance_id.in_(instance_ids)).order_by(Clock.id)).all()
    by_task = {c.task_id: c for c in rows if c.task_id is not None}
    by_case = {}
    for c in rows:
        if c.task_id is None:
            by_case.setdefault(c.instance_id, c)
    return {t.id: by_task.get(t.id) or by_case.get(t.instance_id) for t in tasks}


def _with_clock(task: Task, case_clock: Clock | None, instances: dict) -> dict:
    row = describe_task(task)
    row["business_key"], row["instance_state"], row["item_name"], row["applicant"] = \
        instances.get(task.instance_id, (None, None, None, None))
    row["clock"] = limits.describe(case_clock) if case_clock is not None else None
    # Deadline: the task's own due time, else its clock's promised day; none sorts last.
    row["deadline"] = _deadline(task.due_at, case_clock.promised_due if case_clock is not None else None)
    row["completed_at"] = task.completed_at.isoformat() if task.completed_at else None
    # Where its silence consents, the day it does: its own limit's, which its deadline, capped to
    # its case's, may come before (engine/clock/consent.py).
    row["consent_due"] = consent.deadline(case_clock).astimezone(clock.SHANGHAI).date().isoformat() \
        if task.silence_consents and case_clock is not None and case_clock.task_id == task.id else None
    return row


def _describe_all(session, tasks: list[Task]) -> list[dict]:
    clocks = _clocks_by_task(session, tasks)
    # A suspended case's tasks wait: the pages say so instead of offering to claim them. A
    # reviewer knows a case by its item and applicant more readily than by its number.
    instances = {i: rest for i, *rest in session.execute(
        select(Instance.id, Instance.business_key, Instance.state, ServiceItem.name, Applicant.name)
        .outerjoin(Case, Case.instance_id == Instance.id).outerjoin(ServiceItem, ServiceItem.id == Case.item_id)
        .outerjoin(Applicant, Applicant.id == Case.applicant_id)
        .where(Instance.id.in_({t.instance_id for t in tasks})))} if tasks else {}
    return [_with_clock(t, clocks.get(t.id), instances) for t in tasks]


def _by_deadline(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: (r["deadline"] is None, r["deadline"] or "", r["id"]))


def inbox(actor: User, page: int = 1) -> dict:
    """三个列表: my claimed tasks, a page of my groups' unclaimed tasks (both by deadline), and the
    tasks I handled: completed, or passed on to another department or back to an earlier step.
    Also how many are unclaimed in all, the page shown and the number of pages."""
    with read_session() as session:
        mine = session.scalars(select(Task).where(Task.state == "ready", Task.assignee_id == actor.id)).all()
        waiting = _by_deadline([{"id": i, "deadline": _deadline(due_at, promised_due)}
                                for i, due_at, promised_due in session.execute(_UNCLAIMED.where(workable(actor)))])
        pages = max(1, -(-len(waiting) // INBOX_PAGE))
        page = min(max(1, page), pages)
        shown = [row["id"] for row in waiting[(page - 1) * INBOX_PAGE:page * INBOX_PAGE]]
        unclaimed = session.scalars(select(Task).where(Task.id.in_(shown))).all() if shown else []
        return {"mine": _by_deadline(_describe_all(session, list(mine))),
                "unclaimed": _by_deadline(_describe_all(session, list(unclaimed))),
                "unclaimed_total": len(waiting), "page": page, "pages": pages,
                "completed": _handled(session, actor)}


# Each unclaimed task's due time and its case clock's promised day (the first clock of its case
# with no task: as _clocks_by_task finds it): what its deadline is, read for all of them, so the
# page shows the nearest ones; the rest of a row is read for that page alone. A county's
# department has hundreds of steps waiting.
_first_case_clock = (select(func.min(Clock.id)).where(Clock.instance_id == Task.instance_id, Clock.task_id.is_(None))
                     .correlate(Task).scalar_subquery())
_UNCLAIMED = (select(Task.id, Task.due_at, Clock.promised_due).outerjoin(Clock, Clock.id == _first_case_clock)
              .where(Task.state == "ready", Task.assignee_id.is_(None)))


def _deadline(due_at, promised_due) -> str | None:
    """As _with_clock says it: the task's own due day in China, else its case clock's promised day."""
    if due_at is not None:
        return due_at.astimezone(clock.SHANGHAI).date().isoformat()
    return promised_due.isoformat() if promised_due is not None else None


def _handled(session, actor: User) -> list[dict]:
    """The latest tasks the actor completed or passed on, newest first, each saying which and when."""
    done = session.scalars(select(Task).where(Task.completed_by == actor.id, Task.state == "completed")
                           .order_by(Task.completed_at.desc()).limit(COMPLETED_LIMIT)).all()
    handled = {task.id: ("completed", task.completed_at) for task in done}
    for task_id, type_, at in session.execute(
            select(Event.task_id, Event.type, Event.at).where(Event.actor_id == actor.id, Event.type.in_(PASSED_ON))
            .order_by(Event.id.desc()).limit(COMPLETED_LIMIT)):
        handled.setdefault(task_id, (PASSED_ON[type_], at))
    # A step that came back to the person is on their 待办 list, not here. (IS DISTINCT FROM: a
    # step nobody holds yet is not theirs; "!=" would read NULL as neither.)
    not_back = or_(Task.state != "ready", Task.assignee_id.is_distinct_from(actor.id))
    tasks = session.scalars(select(Task).where(Task.id.in_(handled), not_back)).all()
    rows = [dict(row, handled=handled[row["id"]][0], handled_at=handled[row["id"]][1])
            for row in _describe_all(session, list(tasks))]
    return sorted(rows, key=lambda row: row["handled_at"], reverse=True)[:COMPLETED_LIMIT]


def may_read_task(session, actor: User, task: Task) -> bool:
    """Whether the person may open the task's page (pages link a step only for those who may)."""
    return bool(may_work_on(actor, task) or task.group in actor.groups
                or actor.id in (task.assignee_id, task.completed_by)
                or actor.has_role("supervisor") or actor.has_role("clerk") or told_of(session, actor, task.instance_id)
                or passed_on(session, actor, task.instance_id, task.id))


def _task_for_viewer(session, task_id: int, actor: User) -> Task:
    task = fetch(session, Task, task_id, "task")
    if not may_read_task(session, actor, task):
        raise Forbidden("This task belongs to another department")
    return task


def task_detail(task_id: int, actor: User) -> dict:
    """A task with its form, clock, case id (if the procedure runs for one) and history; the case
    itself, with its result documents, is intake.describe's."""
    with read_session() as session:
        task = _task_for_viewer(session, task_id, actor)
        instance = session.get(Instance, task.instance_id)
        [row] = _describe_all(session, [task])
        case_id = session.scalar(select(Case.id).where(Case.instance_id == instance.id))
        row.update(schema=form_schema(session, task), may_work=may_work_on(actor, task),
                   instance={"id": instance.id, "key": instance.key, "version": instance.version,
                             "name": session.scalar(select(Definition.name).where(Definition.id == instance.definition_id)),
                             "state": instance.state, "business_key": instance.business_key,
                             "data": instance.data},
                   case_id=case_id, events=history(session, instance.id, case_id),
                   diagram=_markers(session, instance), steps_done=_steps_done(session, instance),
                   **_step_kind(session, instance, task))
        return row


def _step_kind(session, instance: Instance, task: Task) -> dict:
    """What the page offers for closing the step: its result document (required or not), or, for
    the window's correction round, the way to the case page where materials are taken in."""
    try:
        spec, subs = runtime.specs_for(instance.definition_id, lambda: session.get(Definition, instance.definition_id))
    except EngineFailure:  # stored by another release: the page still reads, offering the plain form
        return {"requires_document": False, "correction_round": False}
    # By the diagram's id, in the first process that has it: a multi-instance step's properties
    # are on its "[child]" spec.
    props = {}
    for steps in (spec, *subs.values()):
        for step in steps.task_specs.values():
            if getattr(step, "bpmn_id", None) == task.name:
                props.update(runtime.properties(step))
        if props:
            break
    return {"requires_document": props.get("requiresDocument") == "true",
            "correction_round": props.get("correctionNotice") == "true"}


def steps_done(instance_id: int, actor: User) -> list[dict]:
    with read_session() as session:
        return _steps_done(session, visible_instance(session, instance_id, actor))


def _steps_done(session, instance: Instance) -> list[dict]:
    """What each finished step recorded on its form, oldest first, with the form to label it: a
    later step, and the window, read the earlier ones' results (the tax assessed, the certificate
    number) where the procedure does not carry them into its own view."""
    # What was submitted (older events kept only what changed); a redone step: its last.
    recorded = {e.task_id: e.data.get("submitted", e.data.get("changed")) or {} for e in session.scalars(
        select(Event).where(Event.instance_id == instance.id, Event.type == "task_completed").order_by(Event.id))}
    forms = session.scalar(select(Definition.forms).where(Definition.id == instance.definition_id)) or {}
    done = session.execute(select(Task, User.name).outerjoin(User, User.id == Task.completed_by)
                           .where(Task.instance_id == instance.id, Task.state == "completed")
                           .order_by(Task.completed_at, Task.id)).all()
    return [{"id": task.id, "title": task.title, "group": task.group, "completed_at": task.completed_at,
             "completed_by": name, "schema": forms.get(task.form), "data": recorded[task.id]}
            for task, name in done if recorded.get(task.id)]


def history(session, instance_id: int | None, case_id: int | None, types: tuple = ()) -> list[dict]:
    """The case's history from its submission (the window's events carry case_id, its
    procedure's instance_id), each event with its actor's name and its task's title (events name
    a task by its diagram id); only events of these `types`, if given."""
    # Only the ids there are: "instance_id == None" would read as IS NULL, every case's events.
    mine = [column == value for column, value in ((Event.instance_id, instance_id), (Event.case_id, case_id))
            if value is not None]
    query = select(Event).where(or_(*mine))
    if types:
        query = query.where(Event.type.in_(types))
    events = session.scalars(query.order_by(Event.id)).all()
    titles = dict(session.execute(select(Task.id, Task.title).where(Task.instance_id == instance_id)).all())
    return [dict(describe_event(e), actor_name=e.actor.name if e.actor else None, task_title=titles.get(e.task_id))
            for e in events]


def case_history(case_id: int, actor: User) -> list[dict]:
    with read_session() as session:
        case = fetch(session, Case, case_id, "case")
        _require_visible(session, actor, case)
        return history(session, case.instance_id, case.id)


def diagram_xml(instance_id: int, actor: User) -> bytes:
    """The BPMN XML of the version the instance runs, laid out if it was deployed without a diagram,
    its lanes named as people read them: '住建局 (housing)' as 住建局 (the code is the designer's)."""
    with read_session() as session:
        instance = visible_instance(session, instance_id, actor)
        source = session.scalar(select(Definition.source).where(Definition.id == instance.definition_id))
    root = parse_xml(source.encode("utf-8"))
    layout.draw(root)
    for lane in root.iter(f"{{{BPMN}}}lane"):
        if lane.get("name"):
            lane.set("name", runtime.LANE_CODE.sub("", lane.get("name")).strip() or lane.get("name"))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _markers(session, instance: Instance) -> dict:
    """Which diagram elements are done and which are waiting now, from the stored task rows. A
    procedure that was terminated (its case withdrawn or ended) has nothing waiting: its steps
    were cancelled where the workflow stood."""
    # Top-level rows only: a called process's elements are not in this diagram.
    # Only the two fields are read: a row also holds the task's data, which grows with the case.
    rows = session.execute(select(InstanceStep.payload["state"].as_integer(),
                                  InstanceStep.payload["task_spec"].as_string())
                           .where(InstanceStep.instance_id == instance.id, InstanceStep.owner == "")).all()
    completed, active = set(), set()
    for state, spec in rows:
        if state & TaskState.COMPLETED:
            completed.add(spec)
        elif state & (TaskState.WAITING | TaskState.READY | TaskState.STARTED) and instance.state != "terminated":
            active.add(spec)
    return {"completed": sorted(completed - active), "active": sorted(active)}


def _require_visible(session, actor: User, case: Case) -> None:
    """The window and supervisors see every case; departments see the cases their procedure
    reached, and those whose pledges they check (an immediate case has no procedure); an agent the
    cases they filed."""
    if any(actor.has_role(r) for r in ("admin", "supervisor", "clerk")) or case.submitted_by == actor.id:
        return
    instance = session.get(Instance, case.instance_id) if case.instance_id else None
    if instance is not None and can_view(session, actor, instance):
        return
    if actor.department is not None and session.scalar(select(PledgeCheck.id).where(
            PledgeCheck.case_id == case.id, PledgeCheck.department == actor.department.code).limit(1)):
        return
    if only_as_filer(actor):  # a colleague's filing: no department keeps it from them
        raise Forbidden("An agent sees only the cases they filed")
    raise Forbidden("This case belongs to other departments")


def visible_case(case_id: int, actor: User) -> dict:
    """A case as intake.describe shows it, if the actor may see it."""
    with read_session() as session:
        case = fetch(session, Case, case_id, "case")
        _require_visible(session, actor, case)
        info = intake.describe_case(session, case)
    if only_as_filer(actor):
        info["open_steps"] = []
        info["clocks"] = [c for c in info["clocks"] if c["task_id"] is None]
        if info["decision"] is None:  # the departments' working papers, until they are the decision's
            info["results"] = []
    return info


def material_file(material_id: int, actor: User) -> tuple[str, str]:
    """(filename, sha256) of a case's material, if the actor may see the case."""
    with read_session() as session:
        material = session.get(Material, material_id)
        case = session.get(Case, material.case_id) if material is not None else None
        if case is None or not material.sha256:
            raise NotFound("No material %(material)s", material=material_id)
        _require_visible(session, actor, case)
        if material.state == "evidence" and only_as_filer(actor):  # a department's, on its check (核查)
            raise Forbidden("An agent does not open what a department found a pledge by")
        if material.state == "reused" and only_as_filer(actor) and not _handed_in_by(session, actor, material):
            raise Forbidden("An agent opens the files handed in with this case, not those kept from the "
                            "applicant's earlier ones")
        # As the applicant (engine.portal.result_file): a department's paper is the case's result
        # once the case is decided, not before.
        if material.kind.startswith("result:") and case.decision is None and only_as_filer(actor):
            raise Forbidden("An agent opens the result documents once the case is decided")
        return material.filename or f"material-{material_id}", material.sha256


def _handed_in_by(session, actor: User, material: Material) -> bool:
    """Whether the file a reused material names was handed in with a case the person filed: an
    agent's 一件事 application gives each file once, to every case of it that needs it."""
    origin = session.get(Material, material.reused_from) if material.reused_from else None
    return origin is not None and session.scalar(select(Case.submitted_by).where(Case.id == origin.case_id)) == actor.id


def notice(notice_id: int, actor: User) -> dict:
    """A written notice with its frozen facts, for printing."""
    with read_session() as session:
        row = session.get(Notice, notice_id)
        case = session.get(Case, row.case_id) if row is not None else None
        if case is None:
            raise NotFound("No notice %(notice)s", notice=notice_id)
        _require_visible(session, actor, case)
        if row.application_id is not None:  # 一件事: the whole application's, which lists its other items
            thing_applications.require_visible(actor, session.get(ThingApplication, row.application_id))
        # The rating code for the window, which hands the notice over, and the agent who filed for
        # the applicant.
        return printable_notice(session, row, case, rating_code=actor.has_role("clerk") or actor.has_role("agent"))


def open_cases_by_level() -> dict[str, int]:
    """Cases still running (their own clock counts), each once, at the worst level of its own
    clock and its open steps' clocks: a case whose step is past its limit is not 正常."""
    rank = sql_case({level: i for i, level in enumerate(levels.LEVELS)}, value=Clock.level)
    running = select(Clock.instance_id).where(Clock.task_id.is_(None), limits.OPEN)
    worst = (select(func.max(rank).label("rank")).where(limits.OPEN, Clock.instance_id.in_(running))
             .group_by(Clock.instance_id).subquery())
    with read_session() as session:
        rows = dict(session.execute(select(worst.c.rank, func.count()).group_by(worst.c.rank)).all())
    return {level: rows.get(i, 0) for i, level in enumerate(levels.LEVELS)}


def recent_cases(actor: User, limit: int = RECENT_CASES_LIMIT, *, text: str = "", status: str = "") -> list[dict]:
    """The window's cases, newest first: the latest, or those whose number, applicant name, ID
    number or phone matches `text` (an applicant back after a week for a deferred material),
    in one status if given. An agent's are the cases they filed."""
    query = select(Case).join(Applicant, Applicant.id == Case.applicant_id)
    if only_as_filer(actor):  # an agent's
        query = query.where(Case.submitted_by == actor.id)
    text = text.strip()
    if text:
        found = [Case.number.startswith(text, autoescape=True), Applicant.name.contains(text, autoescape=True),
                 Applicant.id_number == text.upper(), Applicant.phone == text]
        if text.isdigit() and len(text) >= 4:  # 尾号: the last digits of a number or a phone, as people say them
            found += [Case.number.endswith(text), Applicant.phone.endswith(text)]
        query = query.where(or_(*found))
    if status:
        query = query.where(Case.status == status)
    with read_session() as session:
        rows = session.scalars(query.order_by(Case.id.desc()).limit(limit)).all()
        return [{"id": c.id, "number": c.number, "item_name": c.item.name, "applicant": c.applicant.name,
                 "status": c.status, "channel": c.channel, "submitted_at": c.submitted_at} for c in rows]
