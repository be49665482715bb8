"""What a procedure's user tasks ask of the product beyond SpiffWorkflow: the parallel-approval
orchestrator's hooks, run inside the step that opens or closes a task.

A user task says what it needs with spiffworkflow properties, so every procedure gets the same
behaviour from the same few words:
- groupExpression: the department (group) whose task it is, from the task's data; a
  multi-instance review gives each instance to the department its rule row names;
- titleExpression: the title shown in inboxes;
- leadDecides: of the task's group, only people with the lead role take it (the lead
  department's final decision is its head's, not any reviewer's);
- promisedDaysExpression: the step's own promised limit in working days: a step clock starts
  when the task opens and stops when it closes; statutoryDaysExpression, beside it, gives that
  clock a limit set by law too (Art. 43: a lower level reviewing first has 20 working days), past
  which the step is on a red card;
- requiresDocument: the step cannot close without its result document (赤峰 rule);
- correctionNotice: the task is the window's merged correction round: one notice lists every
  department's request, and the case clock stops until the applicant has answered;
- refusalExpression: what the step refuses to close with, from its data and the form sent: a
  text, said to the person as the reason (a review's last round may not ask for corrections
  again); nothing (empty) lets it close;
- paymentNoticeExpression: the task waits for the applicant to pay: the expression gives what
  is due as lines of {name, amount} (yuan), each with who pays it where the parties are several
  (`payer`, a name, and `payer_role`, the party's role as the item writes it: 卖方), which a
  缴款通知书 tells the applicant; the case
  clock stops until the task closes (the applicant's time to pay is not the departments');
- silenceConsentsExpression: true where the rules allow silence as consent (逾期未反馈书面审查意见，
  视为同意: a department consulted answers within its limit, typically a rule row's output): the
  step's own limit (promisedDaysExpression, which it needs) is then a consent deadline, and a step
  still open at the end of that limit's last working day, as its step clock counts it, is
  completed on its department's behalf with the review form's agreement (engine/silence.py);
  false or nothing, its limit only warns and cards as any.
"""
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import clock, config, expressions, parties
from engine.bpmn.runtime import properties
from engine.bpmn.scripting import product_functions, with_given
from engine.case_status import deferred_left, review_correction
from engine.clock import limits, pauses, procedures, stopping
from engine.errors import Conflict, EngineFailure, Invalid, Message
from engine.expressions import interpreter
from engine.notices import case_of, issue_notice
from engine.services import calendars
from engine.ratings import supervisors
from engine.services.events import record, record_case
from engine.services.notifications import tell
from engine.store.models import Case, Event, Material, Notice, Task, Timer, User

GRANTS = ("approve", "approve_with_conditions")  # a step's `decision` that grants (engine.decisions)


def _evaluate(prop: str, source: str, data: dict, spec_name: str):
    try:
        return interpreter.evaluate(source, data, with_given(product_functions(), data))
    except expressions.ExpressionError as exc:
        raise EngineFailure("%(step)s: property %(property)s (%(source)s) failed: %(error)s",
                            step=spec_name, property=prop, source=source, error=exc.message) from exc


def place(row: Task, spiff_task) -> None:
    """A new task's group and title, where the procedure works them out from the case's data
    (before its task_created event, which names the group), and whether its head takes it."""
    props = properties(spiff_task.task_spec)
    data, name = spiff_task.data, spiff_task.task_spec.name
    if "groupExpression" in props:
        row.group = str(_evaluate("groupExpression", props["groupExpression"], data, name))
    if "titleExpression" in props:
        row.title = str(_evaluate("titleExpression", props["titleExpression"], data, name))[:300]
    row.lead_only = props.get("leadDecides") == "true"


def task_opened(session: Session, instance, row: Task, spiff_task, actor: User | None) -> None:
    props = properties(spiff_task.task_spec)
    data, name = spiff_task.data, spiff_task.task_spec.name
    case = case_of(session, instance.id) \
        if {"promisedDaysExpression", "correctionNotice", "paymentNoticeExpression"} & set(props) else None
    if "promisedDaysExpression" in props:
        days, by_law = (_working_days(props, prop, data, name) for prop in ("promisedDaysExpression",
                                                                             "statutoryDaysExpression"))
        if by_law is not None and by_law < days:
            raise EngineFailure("%(step)s: statutoryDaysExpression gave %(law)s, less than the promised %(days)s",
                                step=name, law=by_law, days=days)
        row.silence_consents = _silence_consents(props, data, name)  # before its clock: the deadline's timer
        limits.start_clock(session, instance.id, label=row.title or row.name, promised_days=days,
                           statutory_days=by_law, task_id=row.id, department=row.group,
                           item_code=case.item_code if case else None, actor=actor)
    if props.get("correctionNotice") == "true" and case is not None:
        # Issued by the round's end, for every department: not the act of the reviewer whose step closed it.
        _merged_correction(session, instance, case, row, data)
    if "paymentNoticeExpression" in props and case is not None:
        lines = _evaluate("paymentNoticeExpression", props["paymentNoticeExpression"], data, name)
        _payment_notice(session, case, row, lines, name, actor)


def _working_days(props: dict, prop: str, data: dict, name: str) -> int | None:
    """A step limit the property gives, in working days (None where the step has no such property)."""
    if prop not in props:
        return None
    days = int(_evaluate(prop, props[prop], data, name))
    # The procedure's fault (a rule's output), not the person's who completed the step before; a
    # huge count would walk the calendar for seconds before overflowing it.
    if not 0 <= days <= limits.MAX_WORKING_DAYS:
        raise EngineFailure("%(step)s: property %(property)s gave %(days)s, not a number of working days "
                            "from 0 to %(max)s", step=name, property=prop, days=days, max=limits.MAX_WORKING_DAYS)
    return days


def _silence_consents(props: dict, data: dict, name: str) -> bool:
    """Whether the step's silence is its department's consent: true or false, nothing (a rule row's
    empty cell) false; any other value is the procedure's fault, not to be read as either."""
    if "silenceConsentsExpression" not in props:
        return False
    said = _evaluate("silenceConsentsExpression", props["silenceConsentsExpression"], data, name)
    if not (said is None or isinstance(said, bool)):
        raise EngineFailure("%(step)s: property silenceConsentsExpression gave %(value)s, not true or false",
                            step=name, value=repr(said))
    return bool(said)


def _merged_correction(session: Session, instance, case: Case, row: Task, data: dict) -> None:
    """One notice for every department that asked for corrections; the clock waits for the applicant."""
    requests = [{"department": c.get("department"), "review": c.get("name"),
                 "items": c.get("correction_items") or c.get("comment")} for c in data.get("corrections", [])]
    today, days = clock.today(), config.period("CORRECTION_DAYS")  # then the window may end it (termination.lapse)
    due = calendars.current().add_workdays(today, days).date
    row.due_at = clock.end_of(due)  # the step waits for the applicant until the notice's date, not the case's
    session.add(Timer(kind="answer_due", case_id=case.id, due_at=row.due_at))  # then the window is told
    _asked_again(session, case, requests)
    issue_notice(session, case, "review_correction", None, task_id=row.id, requests=requests,
                 round=data.get("round_number"), due_on=due.isoformat(), counted_from=today.isoformat(),
                 working_days=days)
    case.status = "review_correction"
    _wait_for_the_applicant(session, instance.id, "correction", "审查部门要求申请人一次性补正", days, None)


def _asked_again(session: Session, case: Case, requests: list[dict]) -> None:
    """Art. 32 asks for everything at once (一次性告知): a department asking again in a later round
    may ask only what the applicant's answer got wrong, which no rule can tell from the text. The
    supervisors are told, with what each department asked before and asks now, to judge."""
    notices = session.scalars(select(Notice).where(Notice.case_id == case.id, Notice.kind == "review_correction")
                              .order_by(Notice.id)).all()
    if not notices:
        return
    before = {}
    for request in (r for notice in notices for r in notice.data.get("requests", [])):
        before.setdefault(request["department"], []).append(request["items"])
    again = [{"department": r["department"], "before": before.get(r["department"], []), "now": r["items"]}
             for r in requests]
    record_case(session, "correction_asked_again", case, notice_count=len(notices) + 1, requests=again)
    tell(session, supervisors(session), case.instance_id, None, Message(
        "the review asks the applicant for corrections again (the case's correction notice no. %(count)s): check "
        "that it asks nothing the first notice should have told (一次性告知, Art. 32)", count=len(notices) + 1))


def _wait_for_the_applicant(session: Session, instance_id: int, kind: str, reason: str, days: int,
                            actor: User | None) -> None:
    """The case clock stops while the applicant owes something (unless another wait stopped it)."""
    case_clock = limits.case_clock(session, instance_id)
    if case_clock is not None and case_clock.state == "running":
        pauses.start_special(session, case_clock, kind, reason, days, actor)



def _payment_notice(session: Session, case: Case, row: Task, lines, spec_name: str, actor: User | None) -> None:
    """缴款通知书 from the step's department: what to pay, line by line; nothing due, no notice."""
    try:
        # A line may name who pays it (`payer`): one notice of a joint application (a house's
        # buyer and seller) tells each party its own taxes. The role is kept apart from the name,
        # so that a page says it in its reader's language.
        due = [{"name": str(line["name"]), "amount": round(float(line["amount"]), 2),
                **({"payer": str(line["payer"])[:200]} if line.get("payer") else {}),
                **({"payer_role": str(line["payer_role"])[:parties.MAX_ROLE]} if line.get("payer_role") else {})}
               for line in lines]
    except (TypeError, KeyError, ValueError, AttributeError) as exc:
        raise EngineFailure("%(step)s: paymentNoticeExpression must give a list of {name, amount}: %(error)s",
                            step=spec_name, error=repr(exc)) from exc
    if due:
        today, days = clock.today(), config.period("PAYMENT_DAYS")
        by = calendars.current().add_workdays(today, days).date  # then the window may end the case
        row.due_at = clock.end_of(by)
        session.add(Timer(kind="answer_due", case_id=case.id, due_at=row.due_at))
        # From the step's department; a step in no lane, from the item's (the notice names one, its seal too).
        issue_notice(session, case, "payment", actor, task_id=row.id, lines=due,
                     total=round(sum(d["amount"] for d in due), 2), department=row.group or case.item.department,
                     step=row.title or row.name,
                     due_on=by.isoformat(), counted_from=today.isoformat(), working_days=days)
        _wait_for_the_applicant(session, case.instance_id, "payment", "等待申请人缴纳税费", days, actor)


def _nothing_owed(session: Session, instance_id: int) -> None:
    """容缺: a material accepted as deferred comes by its date, or the case stops. A grant waits for
    it (granted, the case could no longer be stopped for it); a refusal need not."""
    case = case_of(session, instance_id)
    owed = session.scalars(select(Material).where(Material.case_id == case.id, Material.state == "deferred")
                           .order_by(Material.id)).all() if case is not None else []
    if owed:
        raise Conflict("A grant waits for the materials accepted as deferred (容缺), due by the dates shown: "
                       "%(materials)s. Decide once the window has them, or refuse",
                       materials="; ".join(f"{m.name} ({m.due_on})" if m.due_on else m.name for m in owed))


def needs_document(spiff_task) -> bool:
    return properties(spiff_task.task_spec).get("requiresDocument") == "true"


def attach_document(session: Session, instance_id: int, row: Task, filename: str, sha: str, size: int,
                    actor: User) -> None:
    """A department's result document becomes a material of the case, issued by that department."""
    case = case_of(session, instance_id)
    if case is not None:
        session.add(Material(case_id=case.id, applicant_id=case.applicant_id, kind=f"result:{row.name}",
                             name=f"{row.title or row.name} 结果文书", state="provided", filename=filename,
                             sha256=sha, size=size, issued_by=row.group))
    record(session, "document_attached", actor=actor, instance_id=instance_id, task_id=row.id,
           filename=filename, sha256=sha, size=size)


def has_document(session: Session, instance_id: int, row: Task) -> bool:
    return session.scalar(select(Event.id).where(Event.instance_id == instance_id, Event.task_id == row.id,
                                                 Event.type == "document_attached").limit(1)) is not None


def task_closed(session: Session, instance, row: Task, spiff_task, actor: User | None) -> None:
    """Completed, cancelled or returned: its step clock stops; a correction round, or a payment,
    gives the case clock back."""
    if row.due_at is not None:  # only a step with a due time may have a clock (task_opened)
        for step in limits.step_clocks(session, row.id):
            stopping.stop(session, step, actor)
    props = properties(spiff_task.task_spec) if spiff_task is not None else {}
    if props.get("correctionNotice") == "true" and row.state == "completed":
        case = case_of(session, instance.id)
        if case is not None:  # back to review; materials accepted as deferred are still awaited
            case.status = "conditional" if deferred_left(session, case) else "accepted"
        _applicant_answered(session, instance.id, "correction", "申请人已补正", actor)
    if "paymentNoticeExpression" in props:  # paid, or sent back to be assessed again: time runs again
        _applicant_answered(session, instance.id, "payment",
                            "申请人已缴纳税费" if row.state == "completed" else "缴款环节已退回", actor)


def _applicant_answered(session: Session, instance_id: int, kind: str, result: str, actor: User | None) -> None:
    case_clock = limits.case_clock(session, instance_id)
    procedure = procedures.running_procedure(session, case_clock) if case_clock is not None else None
    if procedure is not None and procedure.kind == kind:
        pauses.end_special(session, case_clock, result, actor, clock.today())


def refused(spiff_task, data: dict) -> str | None:
    """What the step's procedure refuses to close it with (refusalExpression), in its own words;
    None if nothing. Asked of every way a step closes with an answer: completing it, and sending
    it back to the window, which answers it with a request for corrections."""
    props = properties(spiff_task.task_spec)
    if "refusalExpression" not in props:
        return None
    said = _evaluate("refusalExpression", props["refusalExpression"], {**spiff_task.data, **data},
                     spiff_task.task_spec.name)
    return str(said) if said else None


def ready_to_close(session: Session, instance_id: int, row: Task, spiff_task, data: dict) -> None:
    """What a step needs before it closes: the window's correction round, the applicant's answer;
    a step that decides, its result document; and nothing its procedure refuses (refusalExpression)."""
    refusal = refused(spiff_task, data)
    if refusal:
        raise Invalid(refusal)
    props = properties(spiff_task.task_spec)
    if props.get("correctionNotice") == "true":
        case = case_of(session, instance_id)  # a designer's trial run has none, and no applicant
        if case is not None and not review_correction(session, case.id)[1]:
            raise Conflict("The applicant has handed in nothing since the correction notice; take in the "
                           "corrected materials on the case page first")
    if data.get("decision") in GRANTS:
        _nothing_owed(session, instance_id)
    # A request for corrections decides nothing: the merged correction notice is its paper.
    if data.get("opinion") == "correction_needed":
        return
    if needs_document(spiff_task) and not has_document(session, instance_id, row):
        raise Invalid("%(step)s: upload the result document before closing this step", step=row.title or row.name)
