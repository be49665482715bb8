"""Who hears of a case's news besides its applicant: the agent (代办员) who filed it, told of each
written notice the applicant gets, since the agent point follows the case for a villager who may
never look online; and the window that took it in, told when the case ends without a clerk of its
own ending it (withdrawn online, ended by a timer or by an administrator), since the paper
materials it holds go back to the applicant there."""
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import Message
from engine.services.notifications import tell
from engine.store.models import Case, Department, Event, Notice, User


def window_of(session: Session, case: Case) -> str:
    """The window of the case: the one that accepted it (谁受理、谁送达), or that took it in when it
    was deemed accepted (Art. 32); the item's department when no window clerk did either (an
    online case deemed accepted, an administrator's acceptance)."""
    accepted_by = session.scalar(select(Event.actor_id).where(Event.case_id == case.id,
                                                              Event.type == "case_accepted").limit(1))
    for user_id in (accepted_by, case.submitted_by):
        clerk = session.get(User, user_id) if user_id else None
        if clerk is not None and "clerk" in (clerk.roles or ()) and clerk.department is not None:
            return clerk.department.code
    return case.item.department


def agent_point(session: Session, case: Case) -> str | None:
    """The agent point (its department's name) that filed the case, if an agent did; never the
    agent's own name, which is not the applicant's to be given."""
    if case.channel != "agent" or case.submitted_by is None:
        return None
    return session.scalar(select(Department.name).join(User, User.department_id == Department.id)
                          .where(User.id == case.submitted_by))


def notice_issued(session: Session, case: Case, notice: Notice, actor: User | None) -> None:
    """Those to be told of a notice just issued to the applicant, told."""
    tell_agent(session, case, _for_agent(notice), actor)
    if notice.kind == "termination":
        _tell_window(session, case, notice, actor)


def tell_agent(session: Session, case: Case, message: Message, actor: User | None) -> None:
    """The agent who filed the case, told, unless it is their own act or their account was closed."""
    if case.channel != "agent" or case.submitted_by is None or (actor is not None and actor.id == case.submitted_by):
        return
    agent = session.get(User, case.submitted_by)
    if agent is not None and agent.active:
        tell(session, [agent.id], None, None, message, number=case.number)  # their link is the case page


# Notices that ask the agent for nothing by a date: what each says.
SAID = {
    "acceptance": Message("acceptance notice (受理通知书): the case you filed was accepted"),
    "correction": Message("correction notice (补正通知书): hand in the materials it lists; the case is accepted "
                          "once they are complete"),
    "refusal": Message("refusal notice (不予受理通知书): the window did not accept the case you filed"),
    "rejection": Message("decision not to grant the licence (不予行政许可决定书): the application was refused"),
    "non_approval": Message("decision not to grant (不予办理决定书): the application was refused"),
    "receipt": Message("receipt (批复材料签收单): the result was delivered"),
    "revocation": Message("decision revoking the grant (撤销决定书): a commitment in lieu (告知承诺) was found false"),
}


def _for_agent(notice: Notice) -> Message:
    """What the notice tells the agent, and what they must do by when where the notice says it."""
    data, kind = notice.data, notice.kind
    if kind == "acceptance" and data.get("deferred"):
        return Message("acceptance notice (受理通知书): the case you filed was accepted on condition; hand in the "
                       "deferred materials by %(due)s, or the case ends", due=min(data["deferred"].values()))
    if kind == "review_correction" and data.get("due_on"):
        return Message("review-round correction notice (审查阶段补正一次性告知书): hand in the materials it lists "
                       "by %(due)s, or the case will be ended", due=data["due_on"])
    if kind == "payment" and data.get("due_on"):
        total = "{:,.2f}".format(data.get("total") or 0)
        return Message("payment notice (缴款通知书): pay %(total)s yuan by %(due)s, or the case will be ended",
                       total=total, due=data["due_on"])
    if kind == "special" and data.get("expected_end"):
        return Message("special procedure notice (特殊环节通知书): %(procedure)s, expected to end by %(end)s; "
                       "the time limit stops meanwhile", procedure=data.get("procedure") or "",
                       end=data["expected_end"])
    if kind == "extension" and data.get("statutory_due"):
        return Message("extension notice (延长审批期限告知书): the time limit was extended to %(due)s",
                       due=data["statutory_due"])
    if kind == "termination":  # an agent's case has paper at the window (it is no online one)
        return Message("termination notice (终止办理告知书): the application was withdrawn; the paper materials "
                       "may be collected at the window") if data.get("withdrawn") else \
            Message("termination notice (终止办理告知书): the case was ended (%(reason)s); the paper materials may "
                    "be collected at the window", reason=data.get("reason") or "")
    return SAID.get(kind) or Message("a written notice (%(notice)s) was issued for the case you filed",
                                     notice=notice.number)


def decided_for_agent(due: str) -> Message:
    """A grant has no notice of its own until delivery: the agent is told the result is ready."""
    return Message("the case you filed was decided in the applicant's favour: the window delivers the result by "
                   "%(due)s", due=due)


def _tell_window(session: Session, case: Case, notice: Notice, actor: User | None) -> None:
    """The clerks of the case's window, told of an end none of them made, and whether paper goes back."""
    window = window_of(session, case)
    if actor is not None and "clerk" in (actor.roles or ()) and actor.department is not None \
            and actor.department.code == window:
        return  # their own act: they know, and their page said so
    data = notice.data
    if data.get("withdrawn"):
        message = Message("the applicant withdrew the application; hand the paper materials back at the window") \
            if data.get("paper") else Message("the applicant withdrew the application; no paper materials to hand back")
    else:
        message = Message("the case was ended (%(reason)s); hand the paper materials back at the window",
                          reason=data.get("reason") or "") if data.get("paper") else \
            Message("the case was ended (%(reason)s); no paper materials to hand back", reason=data.get("reason") or "")
    tell_window(session, case, message)


def tell_window(session: Session, case: Case, message: Message) -> None:
    """The active clerks of the case's window, told; their link is the case page."""
    staff = session.scalars(select(User).join(Department, User.department_id == Department.id)
                            .where(Department.code == window_of(session, case), User.active.is_(True))
                            .order_by(User.id)).all()
    tell(session, [user.id for user in staff if "clerk" in (user.roles or ())], None, None, message,
         number=case.number)
