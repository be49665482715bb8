"""A step's limit never ends after its case's. A case deemed accepted (Art. 32(4)) counts from
the day its materials arrived, days before its first step opens; a step opening late in an
ordinary case (a second review round) starts its own limit late too. Either way the department
has only the time the case has: its deadline is the case's, and its page says why."""
from datetime import timedelta

import pytest

from engine import catalogue, clock, intake, timers
from engine.clock import extension
from engine.clock.limits import clocks_of, describe
from engine.services import calendars, deploy
from engine.store import session_scope
from engine.store.models import Task
from tests.bpmn_builder import one_review
from tests.procedures import open_tasks, promised_item

# The review promises 8 working days, 20 by law, of the case's 10 promised and 20 by law.
REVIEW = one_review("capped_review", "住建审查", "housing").replace(
    '<bpmn:userTask id="review" name="住建审查">',
    '<bpmn:userTask id="review" name="住建审查"><bpmn:extensionElements><spiffworkflow:properties>'
    '<spiffworkflow:property name="promisedDaysExpression" value="8"/>'
    '<spiffworkflow:property name="statutoryDaysExpression" value="20"/></spiffworkflow:properties>'
    '</bpmn:extensionElements>')
APPLICANT = {"name": "张三", "id_number": "110101199001011237", "phone": "13800000000"}


@pytest.fixture
def item(org):
    deploy.deploy([("r.bpmn", REVIEW.encode())], org["designer"])
    catalogue.save(promised_item("C-1", "capped_review", "housing"), None)  # 10 promised, 20 by law


def submit(org):
    return intake.submit("C-1", APPLICANT, [intake.Upload("id_card", "id.pdf", b"%PDF id")], org["clerk"])


def limits(instance_id):
    """The case's clock and its review step's, as the step's page describes them."""
    [review] = open_tasks(instance_id).values()
    clocks = clocks_of(instance_id)
    whole = next(c for c in clocks if c.task_id is None)
    step = next(c for c in clocks if c.task_id == review.id)
    return whole, step, review


def test_a_case_deemed_accepted_gives_its_first_step_no_more_time_than_it_has(item, org, monkeypatch):
    case = submit(org)
    received = clock.today()
    sixth = calendars.current().add_workdays(received, 6).date  # the window let five working days pass
    monkeypatch.setattr(clock, "today", lambda: sixth)
    timers.tick(now=clock.datetime.combine(sixth, clock.time(9), clock.SHANGHAI))
    info = intake.describe(case.id)
    assert info["deemed_accepted"] and info["accepted_on"] == received.isoformat()
    whole, step, review = limits(info["instance_id"])
    cal = calendars.current()
    assert whole.started_on == received and step.started_on == sixth
    # Its own 8 (and 20) working days from today would end after the case's 10 (and 20) from receipt.
    assert cal.add_workdays(sixth, 8).date > whole.promised_due
    assert (step.promised_due, step.statutory_due) == (whole.promised_due, whole.statutory_due)
    with session_scope() as session:  # the inboxes sort and show by the capped date
        assert session.get(Task, review.id).due_at == clock.end_of(whole.promised_due)
    shown = describe(step)
    assert shown["capped"] and not describe(whole)["capped"]


def test_a_step_opening_late_in_an_ordinary_case_is_capped_and_moves_with_the_case(item, org):
    cal = calendars.current()
    accepted_on = clock.today() - timedelta(days=7)  # the step opens a week into the case's limit
    case = intake.accept(submit(org).id, org["clerk"], accepted_on=accepted_on)
    whole, step, _ = limits(case.instance_id)
    assert cal.add_workdays(clock.today(), 8).date > whole.promised_due
    assert step.promised_due == whole.promised_due and describe(step)["capped"]
    # Art. 42's extension of the case lengthens its statutory limit: the step's cap follows it.
    extension.extend(whole.id, 10, "情况复杂", _housing_lead(org))
    whole, step, _ = limits(case.instance_id)
    assert step.statutory_due == min(whole.statutory_due, cal.add_workdays(clock.today(), 20).date)
    assert step.promised_due == whole.promised_due  # the promise printed on the notice does not move


def test_a_step_with_time_to_spare_keeps_its_own_limit(item, org):
    case = intake.accept(submit(org).id, org["clerk"])
    whole, step, _ = limits(case.instance_id)
    assert step.promised_due == calendars.current().add_workdays(clock.today(), 8).date < whole.promised_due
    assert not describe(step)["capped"]


def _housing_lead(org):
    from engine.services.users import add_user
    return add_user("hlead", "住建局长", "housing", ["lead"], "pass-hlead")


def test_the_department_and_the_window_are_told_the_step_was_shortened(item, org, monkeypatch):
    from tests.web import element, signed_in
    from web import create_app
    case = submit(org)
    received = clock.today()
    sixth = calendars.current().add_workdays(received, 6).date
    monkeypatch.setattr(clock, "today", lambda: sixth)
    timers.tick(now=clock.datetime.combine(sixth, clock.time(9), clock.SHANGHAI))
    whole, step, review = limits(intake.describe(case.id)["instance_id"])
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    reviewer = signed_in(app, "reviewer")
    said = element(reviewer.get(f"/inbox/tasks/{review.id}").text, f"capped-{step.id}")
    assert "视为受理" in said and received.isoformat() in said
    assert "deemed accepted" in element(reviewer.get(f"/inbox/tasks/{review.id}?lang=en").text, f"capped-{step.id}")
    assert "缩短" in element(signed_in(app, "clerk").get(f"/intake/cases/{case.id}").text, "steps-capped")


def test_a_step_opening_after_the_cases_date_is_due_the_day_it_opens(item, org):
    case = intake.accept(submit(org).id, org["clerk"], accepted_on=clock.today() - timedelta(days=60))
    whole, step, _ = limits(case.instance_id)
    assert whole.promised_due < clock.today()  # the case is late already: its own clock is on a card
    # The department is warned to act today, not carded for days it never had.
    assert step.promised_due == step.statutory_due == clock.today() and step.level == "warning"
    assert describe(step)["capped"]
