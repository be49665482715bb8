"""Silence as consent (逾期未反馈书面审查意见，视为同意): a step whose rule says so and is still open
when its step clock's limit ends is completed as its department's agreement by the timer tick;
the procedure goes on as if the department had agreed."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine import clock, timers
from engine.clock import consent, limits, pauses
from engine.errors import EngineFailure, Invalid
from engine.services import admin, calendars, cases, deploy, tasks
from engine.services.tokens import issue_token
from engine.store import session_scope
from engine.store.models import Clock, Event, Notification, SupervisionOrder, Task, Timer
from tests.bpmn_builder import process
from tests.procedures import ROOT, install, open_tasks, step_clocks, take_in, work
from tests.web import element, history_row, signed_in

ITEM = "1101-DPHY-001"  # 多评合一: a major project's climate and seismic reviews consent by silence (7 days)
REVIEW_FORM = (ROOT / "processes" / "forms" / "review_opinion.json").read_bytes()
SECOND = timedelta(seconds=1)


def consulted(**props) -> str:
    """One department consulted within three working days; its silence consents where the data says so."""
    props = {"promisedDaysExpression": "3", "silenceConsentsExpression": "consulted", **props}
    return process("consult", [("start", "s", "征求意见"),
                               ("user", "review", "行业主管部门意见", {"form": "review_opinion.json",
                                                                "props": {k: v for k, v in props.items() if v}}),
                               ("end", "e", "办结")],
                   [("s", "review"), ("review", "e")], lanes={"housing": ["review"]})


def start_consulted(org, consulted_data=True, **props) -> tuple[int, int]:
    """(instance id, its review's task id), a case started without an item, as a designer tries one."""
    deploy.deploy([("consult.bpmn", consulted(**props).encode()), ("review_opinion.json", REVIEW_FORM)],
                  org["designer"])
    instance = cases.start_instance("consult", org["designer"], data={"consulted": consulted_data})
    [task] = instance["tasks"]
    return instance["id"], task["id"]


def task_row(task_id: int) -> Task:
    with session_scope() as session:
        return session.get(Task, task_id)


def deadline_of(task_id: int):
    with session_scope() as session:
        return consent.deadline(session.scalars(select(Clock).where(Clock.task_id == task_id)).one())


def count(type_: str, instance_id: int) -> int:
    with session_scope() as session:
        return session.scalar(select(func.count()).select_from(Event).where(Event.type == type_,
                                                                            Event.instance_id == instance_id))


def consent_timers(task_id: int) -> list[Timer]:
    with session_scope() as session:
        clocks = select(Clock.id).where(Clock.task_id == task_id)
        return session.scalars(select(Timer).where(Timer.kind == "consent", Timer.clock_id.in_(clocks))
                               .order_by(Timer.id)).all()


@pytest.fixture
def people(org):
    return install(org)


def major_project():
    base = {"energy_tce": 0, "electricity_kwh": 0, "env_category": "registration", "land_ha": 0.2, "earthwork_m3": 0,
            "geo_hazard_area": False, "water_source": "municipal", "hazardous": False, "major_project": True,
            "relics_area": False, "industry": "electronics", "zone": None}
    return {"project": base}


def test_the_departments_consulted_that_stay_silent_are_deemed_to_agree_and_the_lead_decides(people):
    """The rule row's 7 working days end: the climate review, unclaimed, and the seismic one, claimed
    and left, are completed as agreements by no one; the round's join goes on to the lead, whose
    page marks the two opinions deemed; each department and the claimant are told, once."""
    case = take_in(ITEM, major_project(), people["clerk"])
    reviews = open_tasks(case.instance_id)
    climate, seismic = reviews["department_review@meteo"], reviews["department_review@quake"]
    assert climate.silence_consents and seismic.silence_consents
    tasks.claim(seismic.id, people["r_quake"])
    [due] = {deadline_of(climate.id), deadline_of(seismic.id)}
    assert due == climate.due_at  # the end of the step clock's last working day, as the inbox shows it
    assert step_clocks(case.instance_id)[0].promised_days == 7

    assert timers.tick(now=due - SECOND) >= 0 and set(open_tasks(case.instance_id)) == set(reviews)
    timers.tick(now=due)
    assert set(open_tasks(case.instance_id)) == {"lead_decision@devreform"}
    for review in (climate, seismic):
        done = task_row(review.id)
        assert (done.state, done.completed_by) == ("completed", None)
    instance = cases.get_instance(case.instance_id, people["admin"])
    opinions = {o["department"]: o for o in instance["data"]["opinions"]}
    assert {d: (o["opinion"], o["comment"], o["deemed"]) for d, o in opinions.items()} == {
        d: ("approve", "逾期未反馈书面审查意见，视为同意", True) for d in ("meteo", "quake")}
    deemed = [e for e in instance["events"] if e["type"] == "consent_deemed"]
    assert sorted(e["data"]["department"] for e in deemed) == ["meteo", "quake"]
    assert {e["data"]["rule"] for e in deemed} == {"silenceConsentsExpression: review.get('silence_consents', False)"}
    assert all(e["actor"] is None for e in instance["events"] if e["type"] == "task_completed")
    with session_scope() as session:  # on time, by its own deadline: no card, no supervision order
        limits = select(Clock.id).where(Clock.task_id.in_((climate.id, seismic.id)))
        assert {c.level for c in session.scalars(select(Clock).where(Clock.id.in_(limits)))} <= {"normal", "warning"}
        assert session.scalar(select(func.count()).select_from(SupervisionOrder)
                              .where(SupervisionOrder.clock_id.in_(limits))) == 0
        told = {(n.user_id, n.task_id) for n in session.scalars(select(Notification).where(
            Notification.instance_id == case.instance_id, Notification.text.contains("deemed to agree")))}
    assert told == {(people["r_meteo"].id, climate.id), (people["r_quake"].id, seismic.id)}

    timers.tick(now=due + timedelta(days=3))  # nothing more to do, and nothing recorded
    assert count("consent_deemed", case.instance_id) == 2 and count("task_completed", case.instance_id) == 2

    app_page = signed_in(_app(), "lead").get(f"/inbox/tasks/{open_tasks(case.instance_id)['lead_decision@devreform'].id}")
    assert "逾期未反馈书面审查意见，依规则视为同意：气候可行性论证、地震安全性评价" in element(app_page.text, "opinions-deemed")
    assert app_page.text.count('data-deemed="true"') == 2


def test_a_step_answered_in_time_is_left_as_answered(people):
    """The climate review answers before its day ends; a moment later its timer, fired as the tick
    fires it, finds it closed and does nothing. The silent seismic review is deemed."""
    case = take_in(ITEM, major_project(), people["clerk"])
    reviews = open_tasks(case.instance_id)
    climate, seismic = reviews["department_review@meteo"], reviews["department_review@quake"]
    [stale] = consent_timers(climate.id)
    work(climate, people["r_meteo"], {"opinion": "reject", "comment": "选址位于气象探测环境保护范围"})
    before = count("task_completed", case.instance_id), count("timer_fired", case.instance_id)
    due = deadline_of(seismic.id)
    with session_scope() as session:  # the tick had claimed it just before the completion
        timers.fire(session, session.get(Timer, stale.id), due)
        assert session.get(Timer, stale.id).state == "cancelled"
    assert (count("task_completed", case.instance_id), count("timer_fired", case.instance_id)) == before
    timers.tick(now=due)
    assert task_row(climate.id).completed_by == people["r_meteo"].id
    opinions = {o["department"]: o for o in cases.get_instance(case.instance_id, people["admin"])["data"]["opinions"]}
    assert (opinions["meteo"]["opinion"], opinions["meteo"]["deemed"]) == ("reject", False)
    assert (opinions["quake"]["opinion"], opinions["quake"]["deemed"]) == ("approve", True)
    assert [e.data["department"] for e in _events("consent_deemed", case.instance_id)] == ["quake"]


def test_a_special_procedure_moves_the_consent_with_the_step_clock(org):
    """While the step is in an expert review its clock stops, and so does its silence; the days the
    review took move the deadline, and the consent falls then."""
    instance_id, task_id = start_consulted(org)
    first = deadline_of(task_id)
    tasks.claim(task_id, org["reviewer"])
    [limit] = _clocks(task_id)
    pauses.pause(limit.id, "expert_review", "专家评审", 5, org["reviewer"])
    assert [t.state for t in consent_timers(task_id)] == ["cancelled"]
    timers.tick(now=first)
    assert task_row(task_id).state == "ready"
    resumed_on = calendars.current().add_workdays(limit.started_on, 2).date
    pauses.resume(limit.id, "评审通过", org["reviewer"], on=resumed_on)
    moved = deadline_of(task_id)
    assert moved.date() > first.date() and [t.due_at for t in consent_timers(task_id) if t.state == "pending"] == [moved]
    timers.tick(now=moved - SECOND)
    assert task_row(task_id).state == "ready"
    timers.tick(now=moved)
    assert task_row(task_id).state == "completed" and count("consent_deemed", instance_id) == 1


def test_a_step_shortened_to_its_late_case_still_has_its_own_days_before_its_silence_consents(org):
    """A step opening when its case has one working day left is due then, and carded after it; the
    department consulted still has the three days its rule gives it before it is deemed to agree."""
    instance_id, task_id = start_consulted(org)
    own = deadline_of(task_id)
    with session_scope() as session:  # the case's own limit, which the step's is capped to
        limits.start_clock(session, instance_id, label="办件", promised_days=1)
    shortened = task_row(task_id).due_at
    assert shortened < own and deadline_of(task_id) == own
    page = signed_in(_app(), "reviewer").get(f"/inbox/tasks/{task_id}").text
    own_day = own.astimezone(clock.SHANGHAI).date().isoformat()
    assert f"至 {own_day} 日终仍未办结的，视为本部门同意" in element(page, "silence-consents")
    timers.tick(now=shortened + timedelta(days=1))
    assert task_row(task_id).state == "ready" and _clocks(task_id)[0].level == "yellow"
    timers.tick(now=own)
    assert task_row(task_id).state == "completed"
    assert [e.data["due_on"] for e in _events("consent_deemed", instance_id)] == [own_day]


@pytest.mark.parametrize("props, data", [({"silenceConsentsExpression": None}, True), ({}, False)],
                         ids=["without the property", "the rule says no"])
def test_a_step_whose_silence_is_not_consent_is_only_warned_and_carded(org, props, data):
    instance_id, task_id = start_consulted(org, data, **props)
    assert not task_row(task_id).silence_consents and consent_timers(task_id) == []
    due = deadline_of(task_id)
    timers.tick(now=due)
    timers.tick(now=due + timedelta(days=1))  # the yellow card's day
    assert task_row(task_id).state == "ready" and count("consent_deemed", instance_id) == 0
    assert _clocks(task_id)[0].level == "yellow" and count("supervision_order_issued", instance_id) == 1


def test_a_suspended_case_keeps_its_silence_until_resumed_and_a_second_firing_does_nothing(org):
    instance_id, task_id = start_consulted(org)
    due = deadline_of(task_id)
    admin.suspend_instance(instance_id, "核查材料真实性", org["admin"])
    timers.tick(now=due)
    assert task_row(task_id).state == "ready" and [t.state for t in consent_timers(task_id)] == ["suspended"]
    admin.resume_instance(instance_id, org["admin"])
    timers.tick(now=due + SECOND)
    assert task_row(task_id).state == "completed"
    [fired] = consent_timers(task_id)
    with session_scope() as session:  # fired again, as a copy of it left pending would be
        session.get(Timer, fired.id).state = "pending"
    assert timers.tick(now=due + 2 * SECOND) == 1
    assert count("consent_deemed", instance_id) == 1 and count("task_completed", instance_id) == 1
    assert [t.state for t in consent_timers(task_id)] == ["cancelled"]


@pytest.mark.parametrize("procedure_ended", [False, True], ids=["still in its special procedure", "moved by it"])
def test_a_consent_that_waited_with_its_suspended_case_keeps_to_the_step_clock_as_it_is_now(org, procedure_ended):
    """Its day came while the case was suspended; meanwhile the step went into a special procedure,
    which may have ended and moved the date. Resumed, the timer that waited finds the clock paused,
    or its date later, and does nothing; the consent falls on the date as it is."""
    instance_id, task_id = start_consulted(org)
    due = deadline_of(task_id)
    tasks.claim(task_id, org["reviewer"])
    admin.suspend_instance(instance_id, "核查材料真实性", org["admin"])
    timers.tick(now=due)
    [limit] = _clocks(task_id)
    pauses.pause(limit.id, "expert_review", "专家评审", 5, org["reviewer"])
    if procedure_ended:
        pauses.resume(limit.id, "评审通过", org["reviewer"],
                      on=calendars.current().add_workdays(limit.started_on, 2).date)
    admin.resume_instance(instance_id, org["admin"])
    timers.tick(now=due + SECOND)
    assert task_row(task_id).state == "ready" and count("consent_deemed", instance_id) == 0
    if procedure_ended:
        moved = deadline_of(task_id)
        assert moved > due + SECOND
        timers.tick(now=moved)
        assert task_row(task_id).state == "completed" and count("consent_deemed", instance_id) == 1


def test_a_rule_giving_neither_true_nor_false_fails_the_step_it_opens(org):
    with pytest.raises(EngineFailure, match="silenceConsentsExpression gave 'yes', not true or false"):
        start_consulted(org, "yes")


BAD = [({"silenceConsentsExpression": "consulted =="}, "syntax error"),
       ({"silenceConsentsExpression": "true"}, "write True (an expression), not true"),
       ({"silenceConsentsExpression": "'是'"}, "'是' is neither True nor False"),
       ({"silenceConsentsExpression": "open('x')"}, "'open' is not a function"),
       ({"promisedDaysExpression": None}, "needs promisedDaysExpression beside it")]


@pytest.mark.parametrize("props, said", BAD, ids=[b[1] for b in BAD])
def test_deploy_refuses_a_silence_it_could_not_keep_naming_the_step(org, props, said):
    with pytest.raises(Invalid) as refused:
        deploy.deploy([("consult.bpmn", consulted(**props).encode()), ("review_opinion.json", REVIEW_FORM)],
                      org["designer"])
    assert [(d["element_id"], said in d["message"]) for d in refused.value.details] == [("review", True)]


def test_deploy_refuses_a_silence_whose_form_cannot_take_the_consent(org):
    form = b'{"type": "object", "required": ["decision"], "properties": {"decision": {"enum": ["approve"]}}}'
    with pytest.raises(Invalid) as refused:
        deploy.deploy([("consult.bpmn", consulted().encode()), ("review_opinion.json", form)], org["designer"])
    [problem] = refused.value.details
    assert problem["element_id"] == "review" and "does not take the consent a silence gives" in problem["message"]


def test_the_reviewer_is_told_on_the_inbox_and_the_task_page_when_silence_consents(org):
    """Until when (the step's deadline), while a special procedure holds it that the date will move,
    and once it has fallen, that it did: on the pages, in the API and in the case's history."""
    instance_id, task_id = start_consulted(org)
    day = deadline_of(task_id).astimezone(clock.SHANGHAI).date().isoformat()
    app = _app()
    reviewer = signed_in(app, "reviewer")
    said = f"至 {day} 日终仍未办结的，视为本部门同意"
    row = re.search(rf'<tr data-task-id="{task_id}".*?</tr>', element(reviewer.get("/inbox/").text, "unclaimed"), re.S)
    assert said in row.group(0)
    assert said in element(reviewer.get(f"/inbox/tasks/{task_id}").text, "silence-consents")
    english = signed_in(app, "reviewer").get(f"/inbox/tasks/{task_id}?lang=en").text
    assert f"Still open at the end of {day}, the step counts as the department's consent" in english
    listed = reviewer.get("/api/tasks", headers={"Authorization": f"Bearer {issue_token('reviewer')}"}).json
    assert [t["silence_consents"] for t in listed if t["id"] == task_id] == [True]

    tasks.claim(task_id, org["reviewer"])
    [limit] = _clocks(task_id)
    pauses.pause(limit.id, "expert_review", "专家评审", 5, org["reviewer"])
    assert "特殊环节暂停计时中" in element(reviewer.get(f"/inbox/tasks/{task_id}").text, "silence-consents")
    pauses.resume(limit.id, "评审通过", org["reviewer"])

    timers.tick(now=deadline_of(task_id))
    page = reviewer.get(f"/inbox/tasks/{task_id}").text
    assert f"{day} 期限届满未反馈书面审查意见，视为同意" in element(page, "silence-consents")
    assert f"{day} 期限届满未反馈书面审查意见，视为同意" in history_row(page, "consent_deemed")
    assert "系统" in history_row(page, "task_completed") and "系统" in element(page, "steps-done")
    assert "deemed_consent" not in page  # the product's note to the procedure, no datum of the case
    assert 'id="silence-consents"' not in signed_in(app, "reviewer").get(
        f"/inbox/tasks/{start_consulted(org, False)[1]}").text  # a step whose silence is only late


def test_the_board_counts_the_steps_deemed_agreed_by_department(org):
    """Per department, in the board's period; the case's time page lists it in its history."""
    instance_id, task_id = start_consulted(org)
    timers.tick(now=deadline_of(task_id))
    app = _app()
    supervisor = signed_in(app, "supervisor")
    assert "期限届满未反馈书面审查意见，视为同意" in history_row(
        supervisor.get(f"/supervision/instances/{instance_id}/clocks").text, "consent_deemed")
    board = supervisor.get("/supervision/").text
    assert re.search(r'id="deemed-total">1<', board)
    assert re.findall(r"<td[^>]*>(.*?)</td>", re.search(r'<tr data-department="housing">.*?</tr>',
                                                        element(board, "deemed-consents"), re.S).group(0)) == ["housing", "1"]
    overview = app.test_client().get("/api/supervision", headers={"Authorization": f"Bearer {issue_token('supervisor')}"})
    assert overview.json["deemed_consents"] == [{"department": "housing", "department_name": "housing", "count": 1}]
    with session_scope() as session:  # deemed last year: counted under 全部, not this year
        session.scalars(select(Event).where(Event.type == "consent_deemed")).one().at -= timedelta(days=400)
    for period, counted in (("year", []), ("all", overview.json["deemed_consents"])):
        answer = app.test_client().get(f"/api/supervision?period={period}",
                                       headers={"Authorization": f"Bearer {issue_token('supervisor')}"})
        assert answer.json["deemed_consents"] == counted, period


def _app():
    from web import create_app
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})


def _clocks(task_id: int) -> list[Clock]:
    with session_scope() as session:
        return session.scalars(select(Clock).where(Clock.task_id == task_id).order_by(Clock.id)).all()


def _events(type_: str, instance_id: int) -> list[Event]:
    with session_scope() as session:
        return session.scalars(select(Event).where(Event.type == type_, Event.instance_id == instance_id)
                               .order_by(Event.id)).all()
