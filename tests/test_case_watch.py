"""在办案件 and 案件时限 in the service: which cases run, at which level, paused by what, in which
order, filtered and paged; one case's clocks; who may read them."""
from datetime import timedelta

import pytest

from engine import case_watch, clock, supervision
from engine.clock import pauses
from engine.errors import Forbidden, Invalid, NotFound
from tests.case_watch_data import running_cases


@pytest.fixture
def found(org):
    return running_cases(org)


def names(found, page) -> list[str]:
    by_instance = {case.instance_id: name for name, case in found.items()}
    return [by_instance[row["instance_id"]] for row in page["cases"]]


def test_running_cases_nearest_deadline_first_with_their_clocks(org, found):
    page = case_watch.running(org["supervisor"])
    # Withdrawn: its clocks stopped. Paused: no clock of it counts, so no deadline draws near.
    assert names(found, page) == ["late", "delivering", "fresh", "tax", "paused"]
    assert (page["total"], page["page"], page["pages"]) == (5, 1, 1)
    rows = {name: row for name, row in zip(names(found, page), page["cases"])}
    late = rows["late"]
    assert late["case_number"] == found["late"].number and late["case_id"] == found["late"].id
    assert late["item_name"] == "测试事项H-1" and late["department"] == "housing" and late["department_name"] == "住建局"
    assert late["accepted_on"] == (clock.today() - timedelta(days=60)).isoformat()
    assert late["level"] == "red" and late["clock"]["workdays_left"] < 0 and late["clock"]["statutory_due"]
    # Decided: the delivery clock is the window's and still watched.
    assert rows["delivering"]["department"] == "window" and rows["delivering"]["clock"]["label"] == "测试事项T-1（送达）"
    # A step's own limit is nearer than its case's: it puts the case before tax's three days.
    fresh = rows["fresh"]
    assert fresh["clock"]["promised_due"] > rows["tax"]["clock"]["promised_due"]
    assert [s["label"] for s in fresh["steps"]] == ["住建审查"] and fresh["steps"][0]["department_name"] == "住建局"
    assert rows["tax"]["procedure"] is None and rows["tax"]["clock"]["state"] == "running"


def test_a_paused_case_is_shown_paused_with_its_special_procedure(org, found):
    [paused] = case_watch.running(org["supervisor"], paused=True)["cases"]
    assert paused["instance_id"] == found["paused"].instance_id and paused["clock"]["state"] == "paused"
    procedure = paused["procedure"]
    assert procedure["kind"] == "expert_review" and procedure["reason"] == "结构安全专家评审"
    assert procedure["started_on"] == clock.today().isoformat() and procedure["expected_days"] == 5
    from engine.services import calendars
    assert procedure["expected_end"] == calendars.current().add_workdays(clock.today(), 5).date.isoformat()
    assert procedure["for_step"] == paused["steps"][0]["id"] and paused["steps"][0]["state"] == "paused"
    assert not procedure["overrun"]


def test_filters_by_level_department_and_number(org, found):
    supervisor = org["supervisor"]
    assert names(found, case_watch.running(supervisor, levels=("yellow", "red"))) == ["late"]
    assert names(found, case_watch.running(supervisor, levels=("normal",))) == ["delivering", "fresh", "tax", "paused"]
    assert names(found, case_watch.running(supervisor, department="tax")) == ["tax"]
    assert names(found, case_watch.running(supervisor, department="window")) == ["delivering"]
    assert names(found, case_watch.running(supervisor, department="housing", paused=True)) == ["paused"]
    tail = found["tax"].number[-4:]  # numbers are typed in part, as the window searches them
    assert names(found, case_watch.running(supervisor, number=f" {tail} ")) == ["tax"]
    assert case_watch.running(supervisor, number="%")["cases"] == []  # a wildcard is only a character
    with pytest.raises(Invalid, match="Unknown clock level 'purple'"):
        case_watch.running(supervisor, levels=("red", "purple"))


def test_a_late_step_makes_its_case_late_as_the_board_counts_it(org, found):
    from engine import timers
    [step] = case_watch.running(org["supervisor"], number=found["fresh"].number)["cases"][0]["steps"]
    day = clock.date.fromisoformat(step["promised_due"]) + timedelta(days=1)
    timers.tick(now=clock.datetime.combine(day, clock.time(9), clock.SHANGHAI))
    # The two-day step limits are passed (the paused one waits), and the delivery's working day;
    # tax's three days and the cases' own ten are not.
    page = case_watch.running(org["supervisor"], levels=("yellow",))
    assert names(found, page) == ["delivering", "fresh"]
    fresh = page["cases"][1]
    assert fresh["level"] == "yellow" and fresh["clock"]["level"] == "normal" and fresh["steps"][0]["level"] == "yellow"


def test_pages_of_the_list(org, found, monkeypatch):
    monkeypatch.setattr(case_watch, "PAGE", 2)
    first, third = case_watch.running(org["supervisor"]), case_watch.running(org["supervisor"], page=3)
    assert names(found, first) == ["late", "delivering"] and (first["pages"], first["total"]) == (3, 5)
    assert names(found, third) == ["paused"] and third["page"] == 3
    assert case_watch.running(org["supervisor"], page=99)["page"] == 3  # past the end: the last page


def test_a_head_sees_their_departments_cases_alone_and_others_none(org, found):
    housing = case_watch.running(org["hlead"], department="tax")  # not another department's, even asked
    assert names(found, housing) == ["late", "fresh", "paused"]
    assert case_watch.running(org["lead"])["cases"] == []  # devreform's head: no case of theirs runs
    assert names(found, case_watch.running(org["admin"])) == names(found, case_watch.running(org["supervisor"]))
    for login in ("reviewer", "clerk", "designer", "taxman"):
        with pytest.raises(Forbidden):
            case_watch.running(org[login])
        with pytest.raises(Forbidden):
            case_watch.case_clocks(found["tax"].instance_id, org[login])
    with pytest.raises(Forbidden):
        case_watch.case_clocks(found["tax"].instance_id, org["hlead"])
    with pytest.raises(Forbidden):
        case_watch.case_clocks(found["late"].instance_id, org["lead"])
    assert case_watch.case_clocks(found["late"].instance_id, org["hlead"])["case"]["number"] == found["late"].number
    with pytest.raises(NotFound):
        case_watch.case_clocks(9999, org["supervisor"])


def test_a_cases_clocks_with_their_pauses(org, found):
    info = case_watch.case_clocks(found["paused"].instance_id, org["supervisor"])
    assert info["case"] == {"id": found["paused"].id, "number": found["paused"].number, "item_code": "H-1",
                            "item_name": "测试事项H-1", "applicant": "张三", "status": "accepted",
                            "accepted_on": clock.today().isoformat()}  # the name alone: no ID number, no materials
    step, whole = info["clocks"]
    assert (step["kind"], step["label"], step["state"], step["step"]["title"]) == ("step", "住建审查", "paused", "住建审查")
    assert (whole["kind"], whole["state"], whole["statutory_days"]) == ("case", "paused", 20)
    [own] = step["procedures"]
    [stopped_with_it] = whole["procedures"]
    assert own["kind"] == stopped_with_it["kind"] == "expert_review" and stopped_with_it["for_step"] == step["id"]
    assert own["ended_on"] is None and own["days"] == 0
    assert [s["title"] for s in info["open_steps"]] == ["住建审查"]
    assert [e["type"] for e in info["events"]] == ["clock_started", "clock_started", "case_accepted",
                                                   "special_procedure_started", "special_procedure_started"]
    assert info["orders"] == []


def test_a_delivered_step_and_an_ended_pause_show_as_stopped(org, found):
    from engine.services import tasks
    from tests.procedures import open_tasks
    step_clock = case_watch.case_clocks(found["paused"].instance_id, org["supervisor"])["clocks"][0]
    pauses.resume(step_clock["id"], "评审通过", org["reviewer"])
    [review] = open_tasks(found["paused"].instance_id).values()
    tasks.claim(review.id, org["reviewer"])
    tasks.complete(review.id, org["reviewer"], {})
    info = case_watch.case_clocks(found["paused"].instance_id, org["supervisor"])
    step, whole, delivery = info["clocks"]
    assert step["state"] == whole["state"] == "stopped" and step["late"] is False and step["used_days"] == 0
    assert step["procedures"][0]["result"] == "评审通过" and step["procedures"][0]["ended_on"] == clock.today().isoformat()
    assert delivery["kind"] == "delivery" and delivery["state"] == "running" and delivery["department"] == "window"
    assert info["open_steps"] == [] and "clock_stopped" in [e["type"] for e in info["events"]]


def test_a_cases_orders_with_their_feedback(org, found):
    [order] = supervision.orders(org["supervisor"], instance_id=found["late"].instance_id)
    supervision.answer_order(order["id"], org["reviewer"], "补正材料耗时，已加派人手")
    info = case_watch.case_clocks(found["late"].instance_id, org["supervisor"])
    [shown] = info["orders"]
    assert shown["card"] == "red" and shown["state"] == "answered" and shown["feedback"] == "补正材料耗时，已加派人手"
    assert {"supervision_order_issued", "supervision_order_answered", "clock_level_changed"} <= \
        {e["type"] for e in info["events"]}
    assert supervision.orders(org["supervisor"], instance_id=found["tax"].instance_id) == []
