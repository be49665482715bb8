"""整改 after a bad rating, through the service layer: who is told, who answers (the window for its
service, 谁办理、谁负责), the date watched by the timer tick, the applicant's 回访, the monthly report."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from engine import catalogue, clock, decisions, intake, portal, ratings, supervision, timers
from engine.errors import Conflict, Forbidden, Invalid, NotFound
from engine.services import notifications, users
from engine.store import session_scope
from engine.store.models import Event, Notification, Rectification, Timer
from tests.test_ratings import ITEM


def register(name="李四", body="11010119920202345"):
    """An applicant with a resident ID number made of `body` and its check character (GB 11643)."""
    check = "10X98765432"[sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(body)) % 11]
    return portal.register(name=name, id_type="id_card", id_number=body + check, phone="139" + body[-8:],
                           password="secret-pw")


@pytest.fixture
def applicant(org):
    catalogue.save(ITEM, None)
    return register()


def closed_case(applicant, org, accepted_by=None):
    """Applied online, accepted at a window (decided on the spot: an immediate item), handed over
    at the first window."""
    case = portal.apply(applicant.id, "Q-001", [intake.Upload("form", "form.pdf", b"%PDF form")])
    intake.accept(case.id, accepted_by or org["clerk"])
    return decisions.deliver(case.id, "window", org["clerk"])


def told(user) -> list[str]:
    """The notifications the person was given, oldest first, as stored (English)."""
    with session_scope() as session:
        return list(session.scalars(select(Notification.text).where(Notification.user_id == user.id)
                                    .order_by(Notification.id)))


def events(kind: str) -> list[dict]:
    with session_scope() as session:
        return [e.data for e in session.scalars(select(Event).where(Event.type == kind).order_by(Event.id))]


def after(rectification, days: int = 0) -> datetime:
    """A moment `days` after the rectification's last day (0: the first moment after it)."""
    return clock.start_of(rectification.due_on + timedelta(days=1 + days)) + timedelta(seconds=1)


@pytest.fixture
def heads(org):
    """Housing's head, beside its two reviewers; the window has only its clerk."""
    return users.add_user("housinglead", "住建负责人", "housing", ["lead", "reviewer"], "pass-housinglead")


def test_a_bad_rating_of_the_handling_is_told_to_the_department_that_answers_it(applicant, org, heads):
    case = closed_case(applicant, org)
    fix = ratings.rate(case.id, applicant.id, 4, "审查太慢", concerns="handling")
    assert (fix.department, fix.concerns) == ("housing", "handling")
    for person in (org["reviewer"], org["reviewer2"], heads):
        assert told(person) == [f"Case {case.number} was rated badly for the department's handling: rectify it and "
                                f"answer the applicant by {fix.due_on.isoformat()}"]
    assert told(org["clerk"]) == told(org["taxman"]) == told(org["supervisor"]) == []
    # The notice opens the rectification, which the reviewer may answer.
    [notice] = notifications.notifications(org["reviewer"])
    assert notice["rectification_id"] == fix.id and ratings.may_answer(org["reviewer"], fix)
    assert events("rectification_opened")[0]["concerns"] == "handling"


def test_a_bad_rating_of_the_windows_service_goes_to_the_window_that_accepted_and_its_clerks_answer(
        applicant, org):
    other = users.add_user("clerk2", "第二窗口", "window2", ["clerk"], "pass-clerk2")
    case = closed_case(applicant, org, accepted_by=other)  # accepted at window2, handed over at window
    fix = ratings.rate(case.id, applicant.id, 5, "窗口态度差", concerns="service")
    assert (fix.department, fix.concerns) == ("window2", "service")
    assert len(told(other)) == 1 and "window's service" in told(other)[0]
    assert told(org["clerk"]) == told(org["reviewer"]) == []
    # The department of the item does not answer for the window, nor another window.
    assert ratings.rectifications(org["reviewer"]) == [] and ratings.rectifications(org["clerk"]) == []
    for outsider in (org["reviewer"], org["clerk"]):
        with pytest.raises(Forbidden):
            ratings.answer(fix.id, outsider, "不是我们")
    assert [r.id for r in ratings.rectifications(other, state="open")] == [fix.id]
    ratings.answer(fix.id, other, "已对窗口人员进行服务规范培训")
    done = ratings.get(fix.id, org["supervisor"])
    assert done.state == "answered" and done.answered_by == other.id and not ratings.late(done)


def test_a_bad_rating_says_what_it_concerns(applicant, org):
    case = closed_case(applicant, org)
    with pytest.raises(Invalid, match="window's service"):
        ratings.rate(case.id, applicant.id, 4, "不好", concerns=None)
    assert ratings.rate(case.id, applicant.id, 4, "不好", concerns="handling").department == "housing"


def test_an_unanswered_rectification_is_marked_late_by_the_tick_and_told_once(applicant, org, heads, monkeypatch):
    case = closed_case(applicant, org)
    fix = ratings.rate(case.id, applicant.id, 4, "等太久")
    opened = {person.login: len(told(person)) for person in (heads, org["reviewer"], org["supervisor"])}
    timers.tick(now=clock.start_of(fix.due_on) + timedelta(hours=20))  # the last day: still in time
    assert ratings.get(fix.id, org["supervisor"]).overdue_at is None
    assert ratings.rectifications(org["supervisor"], state="late") == []
    timers.tick(now=after(fix))
    late = ratings.get(fix.id, org["supervisor"])
    assert late.overdue_at is not None and ratings.late(late) and late.state == "open"
    assert [r.id for r in ratings.rectifications(org["reviewer"], state="late")] == [fix.id]
    overdue = (f"Case {case.number}: the rectification of its bad rating was due by {fix.due_on.isoformat()} "
               "and is not answered (overdue)")
    # The head and the supervisors are told; the reviewers were told when it opened, and answer.
    assert told(heads)[opened["housinglead"]:] == [overdue] and told(org["supervisor"]) == [overdue]
    assert len(told(org["reviewer"])) == opened["reviewer"] and told(org["clerk"]) == []
    timers.tick(now=after(fix, days=3))
    assert told(org["supervisor"]) == [overdue] and len(events("rectification_overdue")) == 1
    board = ratings.overview(org["supervisor"])
    assert [r.id for r in board["late"]] == [fix.id]
    assert board["departments"] == [{"department": "housing", "open": 1, "late": 1, "answered": 0,
                                     "answered_late": 0, "unsatisfied": 0}]
    monkeypatch.setattr(clock, "today", lambda: fix.due_on + timedelta(days=3))
    ratings.answer(fix.id, org["reviewer"], "已整改")  # late, answered all the same
    with session_scope() as session:  # when the tick last looked
        session.execute(update(Rectification).values(answered_at=after(fix, days=3)))
    answered = ratings.get(fix.id, org["supervisor"])
    assert ratings.late(answered) and events("rectification_answered")[0]["on_time"] is False
    assert ratings.overview(org["supervisor"])["departments"][0]["answered_late"] == 1


def test_a_window_without_a_head_has_its_clerks_told_when_late(applicant, org):
    case = closed_case(applicant, org)
    fix = ratings.rate(case.id, applicant.id, 4, "叫号混乱", concerns="service")
    timers.tick(now=after(fix))
    assert len(told(org["clerk"])) == 2 and "overdue" in told(org["clerk"])[1]


def test_an_answer_in_time_ends_the_watch(applicant, org):
    case = closed_case(applicant, org)
    fix = ratings.rate(case.id, applicant.id, 4, "等太久")
    ratings.answer(fix.id, org["reviewer"], "已增加窗口")
    with session_scope() as session:
        assert session.scalar(select(Timer.state).where(Timer.kind == "rectification")) == "cancelled"
    timers.tick(now=after(fix, days=10))
    done = ratings.get(fix.id, org["supervisor"])
    assert done.overdue_at is None and not ratings.late(done) and told(org["supervisor"]) == []
    assert events("rectification_answered")[0]["on_time"] is True


def test_an_answer_has_at_most_2000_characters(applicant, org):
    case = closed_case(applicant, org)
    fix = ratings.rate(case.id, applicant.id, 4, "等太久")
    with pytest.raises(Invalid, match="at most 2000"):
        ratings.answer(fix.id, org["reviewer"], "改" * 2001)
    assert ratings.get(fix.id, org["reviewer"]).state == "open"
    assert ratings.answer(fix.id, org["reviewer"], "改" * 2000).response == "改" * 2000


def test_the_applicant_says_once_whether_the_answer_satisfies_them(applicant, org, heads):
    case = closed_case(applicant, org)
    fix = ratings.rate(case.id, applicant.id, 4, "等太久")
    with pytest.raises(Conflict):  # nothing to say yet
        ratings.revisit(case.id, applicant.id, False)
    assert ratings.to_revisit(applicant.id) == []
    ratings.answer(fix.id, org["reviewer"], "已增加窗口")
    assert ratings.to_revisit(applicant.id) == [case.number]
    stranger = register("王五", "11010119930303456")
    with pytest.raises(NotFound):
        ratings.revisit(case.id, stranger.id, True)
    ratings.revisit(case.id, applicant.id, False)
    assert ratings.to_revisit(applicant.id) == []
    with pytest.raises(Conflict):
        ratings.revisit(case.id, applicant.id, True)
    done = ratings.of_case(case.id)
    assert done.satisfied is False and done.revisited_at is not None
    unsatisfied = f"Case {case.number}: the applicant is not satisfied with the answer to the rectification"
    assert told(org["supervisor"]) == [unsatisfied] and told(heads)[-1] == unsatisfied
    assert events("rectification_revisited") == [{"case": case.number, "rectification_id": fix.id,
                                                  "satisfied": False, "applicant_id": applicant.id}]
    assert ratings.overview(org["supervisor"])["departments"][0]["unsatisfied"] == 1


def test_the_monthly_report_counts_rectifications_by_the_department_that_answers(applicant, org):
    """Opened, answered, answered by the date, and late (due in the month, not answered by then)."""
    numbers = []
    for n, concerns in enumerate(("handling", "handling", "service", "handling")):
        person = applicant if n == 0 else register("王五", f"1101011993030300{n}")
        case = closed_case(person, org)
        numbers.append(ratings.rate(case.id, person.id, 4, "不满意", concerns=concerns).id)
    on_time, late, window, october = numbers
    at = lambda day: datetime(2026, 11, day, 3, tzinfo=timezone.utc)  # noqa: E731
    with session_scope() as session:
        def put(row_id, **values):
            session.execute(update(Rectification).where(Rectification.id == row_id).values(**values))
        put(on_time, created_at=at(2), due_on=date(2026, 11, 9), state="answered", answered_at=at(6))
        put(late, created_at=at(20), due_on=date(2026, 11, 27), overdue_at=at(28))  # still open
        put(window, created_at=at(3), due_on=date(2026, 11, 10), state="answered", answered_at=at(12))
        put(october, created_at=datetime(2026, 10, 20, 3, tzinfo=timezone.utc), due_on=date(2026, 10, 27))
    rows = {r["department"]: r for r in supervision.monthly(2026, 11)}
    counted = ("rectifications", "rectified", "rectified_on_time", "rectifications_late")
    assert [rows["housing"][k] for k in counted] == [2, 1, 1, 1]
    assert [rows["window"][k] for k in counted] == [1, 1, 0, 1]  # answered two days late
    assert [supervision.monthly(2026, 10)[0][k] for k in counted] == [1, 0, 0, 0]  # open, not marked late

