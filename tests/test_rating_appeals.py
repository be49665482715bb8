"""申诉复核 through the service layer: the department a bad rating is about appeals it once, in time;
a supervisor decides; a granted appeal excuses the rating from every count of bad ones."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import clock, portal, rating_appeals, ratings, supervision, timers
from engine.errors import Conflict, Forbidden, Invalid, NotFound
from engine.services import users
from engine.store import session_scope
from engine.store.models import Timer
from tests.test_rectifications import after, applicant, closed_case, events, register, told  # noqa: F401 (a fixture)


@pytest.fixture
def fix(applicant, org):
    """A bad rating of housing's handling, and its rectification."""
    return ratings.rate(closed_case(applicant, org).id, applicant.id, 5, "审查人员态度恶劣", concerns="handling")


def timer_state() -> str:
    with session_scope() as session:
        return session.scalar(select(Timer.state).where(Timer.kind == "rectification"))


def test_the_department_appeals_once_and_the_supervisors_are_told(org, fix):
    appeal = rating_appeals.appeal(fix.id, org["reviewer"], "malicious", "申请人当场辱骂工作人员，录像为证")
    assert (appeal.state, appeal.ground, appeal.filer.login) == ("pending", "malicious", "reviewer")
    assert appeal.rectification.case.number and appeal.rectification.state == "open"
    assert told(org["supervisor"]) == [f"Case {appeal.rectification.case.number}: the department appeals its bad "
                                       "rating; decide the appeal"]
    assert events("rating_appeal_filed")[0]["ground"] == "malicious"
    with pytest.raises(Conflict, match="appealed once"):
        rating_appeals.appeal(fix.id, org["reviewer2"], "mistaken", "再申诉一次")
    assert [a.id for a in rating_appeals.appeals(org["supervisor"], "pending")] == [appeal.id]
    assert [a.id for a in rating_appeals.appeals(org["reviewer2"])] == [appeal.id]  # their department's
    assert rating_appeals.appeals(org["taxman"]) == []
    assert timer_state() == "pending"  # the date does not wait for the appeal


def test_an_appeal_says_its_ground_and_reason(org, fix):
    for ground, reason in (("unfair", "不服"), ("mistaken", "  "), ("mistaken", "理" * 2001)):
        with pytest.raises(Invalid):
            rating_appeals.appeal(fix.id, org["reviewer"], ground, reason)
    assert rating_appeals.appeals(org["supervisor"]) == []


def test_an_appeal_comes_within_the_working_days_set(org, fix, monkeypatch):
    last = rating_appeals.appeal_until(fix)
    assert last > clock.today()  # five working days from the rating, unless set otherwise
    monkeypatch.setattr(clock, "today", lambda: last + timedelta(days=1))
    fix = ratings.get(fix.id, org["reviewer"])
    assert not rating_appeals.may_appeal(org["reviewer"], fix)
    with pytest.raises(Conflict, match=f"ended on {last.isoformat()}"):
        rating_appeals.appeal(fix.id, org["reviewer"], "mistaken", "迟到的申诉")
    monkeypatch.setenv("RATING_APPEAL_DAYS", "30")  # the office allows longer
    assert rating_appeals.may_appeal(org["reviewer"], fix)
    monkeypatch.setattr(clock, "today", lambda: last)
    monkeypatch.delenv("RATING_APPEAL_DAYS")
    assert rating_appeals.appeal(fix.id, org["reviewer"], "mistaken", "最后一天申诉").state == "pending"


def test_only_the_department_the_rating_is_about_appeals_and_only_a_supervisor_decides(org, fix):
    fix = ratings.get(fix.id, org["supervisor"])
    assert rating_appeals.may_appeal(org["reviewer"], fix)
    for outsider in (org["taxman"], org["clerk"], org["admin"], org["supervisor"]):
        assert not rating_appeals.may_appeal(outsider, fix)
        with pytest.raises(Forbidden):
            rating_appeals.appeal(fix.id, outsider, "outside_duty", "不是我们")
    with pytest.raises(NotFound):
        rating_appeals.appeal(fix.id + 100, org["reviewer"], "outside_duty", "没有这条")
    appeal = rating_appeals.appeal(fix.id, org["reviewer"], "outside_duty", "属于税务局的环节")
    head = users.add_user("housinglead", "住建负责人", "housing", ["lead", "reviewer"], "pass-housinglead")
    for nobody in (org["reviewer"], head, org["clerk"]):
        with pytest.raises(Forbidden):
            rating_appeals.decide(appeal.id, nobody, "granted", "自己批准自己")
    assert rating_appeals._read(appeal.id).state == "pending"


def test_an_upheld_appeal_leaves_the_rating_and_its_rectification_going(org, fix):
    appeal = rating_appeals.appeal(fix.id, org["reviewer"], "mistaken", "已按时办结")
    done = rating_appeals.decide(appeal.id, org["supervisor"], "upheld", "审查确实超出承诺时限")
    assert (done.state, done.note, done.decider.login) == ("upheld", "审查确实超出承诺时限", "supervisor")
    assert done.rectification.state == "open" and timer_state() == "pending"
    assert told(org["reviewer"])[-1] == (f"Case {done.rectification.case.number}: the appeal against its bad rating "
                                         "was not granted; rectify it and answer the applicant")
    with pytest.raises(Conflict, match="decided already"):
        rating_appeals.decide(appeal.id, org["supervisor"], "granted", "改主意")
    assert ratings.answer(fix.id, org["reviewer"], "已整改").state == "answered"
    assert ratings.overview(org["supervisor"])["departments"][0]["answered"] == 1


def test_a_granted_appeal_closes_the_rectification_and_excuses_the_rating_from_the_counts(org, applicant, fix):
    other = register("王五", "11010119930303456")
    kept = ratings.rate(closed_case(other, org).id, other.id, 4, "等太久", concerns="handling")
    appeal = rating_appeals.appeal(fix.id, org["reviewer"], "malicious", "申请人当场辱骂工作人员")
    with pytest.raises(Invalid):  # the applicant reads the reasons: they are given
        rating_appeals.decide(appeal.id, org["supervisor"], "granted", " ")
    with pytest.raises(Invalid):
        rating_appeals.decide(appeal.id, org["supervisor"], "maybe", "再议")
    done = rating_appeals.decide(appeal.id, org["supervisor"], "granted", "经调取录像，评价与事实不符")
    assert done.state == "granted" and done.rectification.state == "excused"
    assert events("rating_appeal_decided")[0]["outcome"] == "granted"
    with session_scope() as session:
        assert session.scalar(select(Timer.state).where(Timer.case_id == fix.case_id)) == "cancelled"
    timers.tick(now=after(fix, days=3))  # its date passes: nothing is late
    assert not ratings.late(ratings.get(fix.id, org["supervisor"]))
    with pytest.raises(Conflict, match="mistaken or malicious"):
        ratings.answer(fix.id, org["reviewer"], "仍然答复")
    # The board and the month count the other bad rating only, and say one was excused.
    board = ratings.overview(org["supervisor"])
    assert board["departments"] == [{"department": "housing", "open": 1, "late": 1, "answered": 0,
                                     "answered_late": 0, "unsatisfied": 0}]
    assert [r.id for r in board["late"]] == [kept.id]
    month = clock.today()
    housing = {r["department"]: r for r in supervision.monthly(month.year, month.month)}["housing"]
    assert (housing["rated"], housing["bad_ratings"], housing["excused"], housing["rectifications"]) == (2, 1, 1, 1)
    # Kept, not deleted: the rectification and the appeal are still there to read.
    assert [r.id for r in ratings.rectifications(org["supervisor"], state="excused")] == [fix.id]
    assert portal.progress(applicant.id, done.rectification.case.number)["rating"] == 5
    assert ratings.of_case(fix.case_id).appeal.note == "经调取录像，评价与事实不符"


def test_an_answered_rating_may_still_be_appealed_and_an_excused_one_is_not_revisited(org, applicant, fix):
    ratings.answer(fix.id, org["reviewer"], "已说明情况")
    assert ratings.to_revisit(applicant.id) != []
    appeal = rating_appeals.appeal(fix.id, org["reviewer"], "mistaken", "已说明，评价与事实不符")
    rating_appeals.decide(appeal.id, org["supervisor"], "granted", "属实")
    assert ratings.to_revisit(applicant.id) == []
    with pytest.raises(Conflict, match="mistaken or malicious"):
        ratings.revisit(fix.case_id, applicant.id, False)
