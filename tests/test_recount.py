"""Dates counted in working days, counted again when the calendar changes (engine/recount.py): each
from its own start and number of days, so changes in turn never add up; never one already passed
or an order already escalated; a delivery's date is its clock's; a notice moves its own step only.

March 2026: Monday 2 to Friday 6, Monday 9 to Friday 13, Monday 16 and Tuesday 17 are working days.
A closure that stops clocks (依法暂停计时) takes a day out; it may be recorded after the day.
"""
import re
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from engine import agencies, catalogue, clock, decisions, intake, ratings, recount, timers
from engine.clock import limits, orders, pauses
from engine.errors import EngineFailure
from engine.services import calendars, deploy, tasks
from engine.store import session_scope
from engine.store.models import (Case, Clock, Closure, Commission, Notice, Rectification, SupervisionOrder, Task,
                                 Timer)
from tests.bpmn_builder import process
from tests.statements import Statements
from tests.test_intake import ITEM, REVIEW, ZHANG, up
from tests.test_year_end import ASSUMED_2027, ESTIMATE, NOTICE, events, instance_id, new_clock  # noqa: F401 (fixture)
from tests.web import signed_in

MON, TUE, WED, THU, FRI = (date(2026, 3, d) for d in range(2, 7))
NEXT_MON, NEXT_TUE = date(2026, 3, 9), date(2026, 3, 10)


@pytest.fixture
def today(monkeypatch):
    """The day in China, set by the test: today.day = ..."""
    class Today:
        day = MON
    monkeypatch.setattr(clock, "today", lambda: Today.day)
    return Today


def on(day: date) -> datetime:
    """A moment of that day in China (9 o'clock), for rows stamped with the time they were made."""
    return datetime.combine(day, time(9), clock.SHANGHAI)


def closure(day: date, org, *, remove: bool = False) -> None:
    if remove:
        calendars.remove_closure(day, org["admin"])
    else:
        calendars.add_closure(day, "台风，依法暂停计时", org["admin"], stops_clocks=True)


def order_row(order_id: int) -> SupervisionOrder:
    with session_scope() as session:
        return session.get(SupervisionOrder, order_id)


def issue(clock_id: int, card: str, day: date) -> int:
    with session_scope() as session:
        order = orders.issue_order(session, session.get(Clock, clock_id), card, day)
        order.issued_at = on(day)
        return order.id


def pending(kind: str) -> list[date]:
    with session_scope() as session:
        return sorted(t.due_at.astimezone(clock.SHANGHAI).date() for t in session.scalars(
            select(Timer).where(Timer.kind == kind, Timer.state == "pending")))


def test_a_date_counted_again_and_again_never_drifts_later(instance_id, org, today):
    """3 working days from Monday: Thursday. A closure on Tuesday puts it on Friday; taking the
    closure back leaves Friday (told, never shortened); a closure on Wednesday then counts Friday
    again from Monday, where counting from Friday's 4 days would give the Monday after."""
    order_id = issue(new_clock(instance_id, MON, promised=300), "yellow", MON)  # far ahead: no card of its own
    assert order_row(order_id).feedback_due == THU
    closure(TUE, org)
    assert order_row(order_id).feedback_due == FRI
    closure(TUE, org, remove=True)
    assert order_row(order_id).feedback_due == FRI
    closure(WED, org)
    assert order_row(order_id).feedback_due == FRI
    assert pending("order_due") == [FRI]
    assert [(d["was"], d["due_on"]) for _, d in events("date_recounted")] == [("2026-03-05", "2026-03-06")]


def test_an_escalated_order_stays_escalated_when_a_closure_is_recorded_after_its_date(instance_id, org, today):
    """The yellow card's order was due Thursday and escalated at its end; on Friday a closure is
    recorded for Thursday, and one for the Monday ahead. The escalated order keeps its date (its
    consequence has happened); the second-level order, still ahead, moves; neither is escalated twice."""
    cid = new_clock(instance_id, MON, promised=300)
    yellow = issue(cid, "yellow", MON)
    today.day = FRI
    timers.tick(now=clock.end_of(THU) + timedelta(hours=1))
    with session_scope() as session:
        red = session.scalar(select(SupervisionOrder).where(SupervisionOrder.card == "red"))
        red.issued_at, red_id = on(FRI), red.id
        assert red.feedback_due == date(2026, 3, 11)
    closure(THU, org)  # after the fact: still counted for what runs on
    closure(NEXT_MON, org)
    assert order_row(yellow).feedback_due == THU and order_row(yellow).state == "open"
    assert order_row(red_id).feedback_due == date(2026, 3, 12)
    assert pending("order_due") == [date(2026, 3, 12)]
    timers.tick(now=clock.end_of(date(2026, 3, 11)) + timedelta(hours=1))
    assert [d["order_id"] for _, d in events("supervision_order_overdue")] == [yellow]
    timers.tick(now=clock.end_of(date(2026, 3, 12)) + timedelta(hours=1))
    assert [d["order_id"] for _, d in events("supervision_order_overdue")] == [yellow, red_id]


def test_a_recount_reads_the_open_orders_and_their_cases_once(instance_id, org, today):
    """Two clocks with two orders each, all due Thursday: a closure on Tuesday moves the four to
    Friday, one escalation timer a clock, from one read of the open orders and one of their cases."""
    clocks = [new_clock(instance_id, MON, promised=300) for _ in range(2)]
    ids = [issue(clock_id, card, MON) for clock_id in clocks for card in ("yellow", "red")]
    with session_scope() as session:  # stored, its recount still to run (as calendars.recount finishes)
        session.add(Closure(day=TUE, reason="台风，依法暂停计时", stops_clocks=True))
    calendars.invalidate()
    with Statements() as statements:
        assert recount.dates_awaited(calendars.current(), org["admin"]) == 4
    assert [order_row(order_id).feedback_due for order_id in ids] == [FRI] * 4
    assert pending("order_due") == [FRI, FRI]
    assert len(statements.reading("supervision_orders")) == 1
    assert len([s for s in statements.reading("cases") if "WHERE cases.instance_id" in s]) == 1


def test_escalation_reports_an_order_once_whatever_timer_fires_again(instance_id, org, today):
    cid = new_clock(instance_id, MON, promised=300)
    yellow = issue(cid, "yellow", MON)
    timers.tick(now=clock.end_of(THU) + timedelta(hours=1))
    with session_scope() as session:  # a timer armed again for the date already reported
        session.add(Timer(kind="order_due", clock_id=cid, instance_id=instance_id, due_at=clock.end_of(THU)))
    timers.tick(now=clock.end_of(THU) + timedelta(hours=2))
    assert [d["order_id"] for _, d in events("supervision_order_overdue")] == [yellow]
    with session_scope() as session:
        assert session.scalars(select(SupervisionOrder.card)).all() == ["yellow", "red"]


@pytest.fixture
def item(org):
    deploy.deploy([("r.bpmn", REVIEW.encode())], org["designer"])
    catalogue.save(ITEM, None)
    catalogue.save({**ITEM, "code": "T-IMM", "case_type": "immediate", "promised_days": 0,
                    "statutory_days": 1, "process": None, "materials": ITEM["materials"][:1]}, None)


def decided(org) -> Case:
    case = intake.accept(intake.submit("T-001", ZHANG, up("id_card", "form", "land", "marriage"), org["clerk"]).id,
                         org["clerk"])
    [task] = tasks.list_tasks(org["reviewer"])
    tasks.claim(task["id"], org["reviewer"])
    tasks.complete(task["id"], org["reviewer"], {"decision": "approve"})
    return intake.get_case(case.id)


def delivery_dates(case_id: int) -> tuple[str, str]:
    """The date the case states (the pages, the API) and its delivery clock's."""
    info = intake.describe(case_id)
    [watched] = [c for c in info["clocks"] if c["task_id"] is None and c["state"] != "stopped"]
    return info["delivery"]["due_on"], watched["promised_due"]


def test_a_delivery_date_is_its_clocks_and_is_never_earlier_than_first_said(item, org, today):
    """Decided on Monday with Tuesday closed: to be delivered by Wednesday, as the pages, the API,
    the window's warnings and the monthly report all read. The closure taken back leaves Wednesday
    (said, never shortened); closed on Tuesday and Wednesday, Thursday."""
    closure(TUE, org)
    case = decided(org)
    assert delivery_dates(case.id) == ("2026-03-04", "2026-03-04")
    closure(TUE, org, remove=True)
    assert delivery_dates(case.id) == ("2026-03-04", "2026-03-04")
    closure(WED, org)
    closure(TUE, org)
    assert delivery_dates(case.id) == ("2026-03-05", "2026-03-05")
    today.day = THU
    assert decisions.deliver(case.id, "window", org["clerk"]).delivery["on_time"] is True


def test_dates_outside_the_clocks_count_from_their_own_start(item, org, today):
    """Made on Monday: the window's five days for materials that arrived (Monday the 9th), the
    delivery of a case decided on the spot (Tuesday) and the rectification of a bad rating (the
    9th). A closure on Tuesday and one on Wednesday, the first taken back: each moves once."""
    arrived = intake.submit("T-001", ZHANG, up("id_card", "form"), org["clerk"])
    immediate = intake.accept(intake.submit("T-IMM", ZHANG, up("id_card"), org["clerk"]).id, org["clerk"])
    refused = intake.submit("T-001", ZHANG, up("id_card"), org["clerk"])
    intake.refuse(refused.id, "不属于本机关职权范围", org["clerk"])
    ratings.rate(refused.id, refused.applicant_id, 5, "窗口态度差", concerns="service")
    with session_scope() as session:  # stamped as made that Monday
        session.get(Case, immediate.id).decided_at = on(MON)
    assert pending("deemed") == [NEXT_MON]
    assert intake.describe(immediate.id)["delivery"]["due_on"] == "2026-03-03"
    closure(TUE, org)
    closure(TUE, org, remove=True)
    closure(WED, org)
    assert pending("deemed") == [NEXT_TUE]
    assert intake.describe(immediate.id)["delivery"]["due_on"] == "2026-03-04"
    with session_scope() as session:
        assert session.scalar(select(Rectification.due_on)) == NEXT_TUE
    assert pending("rectification") == [date(2026, 3, 11)]  # the day after its date
    assert sorted((d["what"], d["due_on"]) for _, d in events("date_recounted")) == [
        ("arrival", "2026-03-10"), ("delivery", "2026-03-04"), ("rectification", "2026-03-10")]
    assert intake.describe(arrived.id)["status"] == "submitted"


def test_an_agency_keeps_the_days_it_promised_when_its_promise_changes(org, today):
    """Chosen on Monday for 3 working days (Thursday); the agency promises 8 for the kind since. A
    closure on Tuesday counts its 3 days again: Friday."""
    from tests.procedures import install
    from tests.test_agencies import agency, applied
    people = install(org)
    case = applied(people)  # taken in without its reports, which the marketplace is to bring
    quake = agency(people["admin"], seismic_safety=3)
    row = agencies.commission(case.id, quake.id, "seismic_safety", applicant_id=case.applicant_id)
    assert (row.due_on, row.working_days) == (THU, 3)
    agencies.edit(quake.id, people["admin"], name=quake.name, credit_code=quake.credit_code,
                  services={"seismic_safety": 8})
    closure(TUE, people)
    with session_scope() as session:
        assert session.get(Commission, row.id).due_on == FRI
    assert pending("agency_due") == [FRI]


PARALLEL = process("pay_alongside", [
    ("start", "s", "申请"), ("and", "split", "并行"),
    ("user", "pay", "缴纳登记费", {"props": {"paymentNoticeExpression": "[{'name': '登记费', 'amount': 80}]"}}),
    ("user", "first", "初审", {"props": {"promisedDaysExpression": "1"}}),
    ("user", "second", "复核", {"props": {"promisedDaysExpression": "7"}}),
    ("and", "join", "汇合"), ("end", "e", "办结")],
    [("s", "split"), ("split", "pay"), ("split", "first"), ("first", "second"), ("pay", "join"),
     ("second", "join"), ("join", "e")], lanes={"housing": ["pay", "first", "second"]})


def test_a_payment_notice_moves_its_own_step_only(org, today):
    """The payment notice of Monday gives ten working days: Monday the 16th. A parallel step opened
    on Thursday with seven of its own falls due that day too. A closure recorded on Thursday for
    Wednesday moves the notice's date and its step (the 17th), not the other step's."""
    deploy.deploy([("p.bpmn", PARALLEL.encode())], org["designer"])
    catalogue.save({**ITEM, "code": "T-PAY", "process": "pay_alongside", "promised_days": 30,
                    "statutory_days": 60}, None)
    case = intake.accept(intake.submit("T-PAY", ZHANG, up("id_card", "form", "land", "marriage"), org["clerk"]).id,
                         org["clerk"])
    with session_scope() as session:
        session.scalar(select(Notice).where(Notice.kind == "payment")).issued_at = on(MON)
    today.day = THU
    first = next(t for t in tasks.list_tasks(org["reviewer"]) if t["name"] == "first")
    tasks.claim(first["id"], org["reviewer"])
    tasks.complete(first["id"], org["reviewer"], {})

    def due(name):
        with session_scope() as session:
            row = session.scalar(select(Task).where(Task.instance_id == case.instance_id, Task.name == name,
                                                    Task.state == "ready"))
            return row.due_at.astimezone(clock.SHANGHAI).date()
    assert due("pay") == due("second") == date(2026, 3, 16)
    closure(WED, org)
    assert (due("pay"), due("second")) == (date(2026, 3, 17), date(2026, 3, 16))
    [notice] = [n for n in intake.describe(case.id)["notices"] if n["kind"] == "payment"]
    assert (notice["data"]["printed_due_on"], notice["data"]["due_on"]) == ("2026-03-16", "2026-03-17")
    assert pending("answer_due") == [date(2026, 3, 17)]


@pytest.fixture
def app(org):
    from web import create_app
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})


def test_a_special_procedures_notice_says_where_its_expected_end_is_now(item, org, app, today):
    """An expert review of 5 working days from 1 February 2027 ends by the 12th on the estimate
    (暂定), by the 15th on the notice: the printed notice keeps the 12th, no longer provisional,
    and says the 15th, which the case's time page says too."""
    today.day = date(2027, 2, 1)
    case = intake.accept(intake.submit("T-001", ZHANG, up("id_card", "form", "land", "marriage"), org["clerk"]).id,
                         org["clerk"])
    whole = next(c for c in limits.clocks_of(case.instance_id) if c.task_id is None)
    pauses.pause(whole.id, "expert_review", "专家评审", 5, org["reviewer"])
    [special] = [n for n in intake.describe(case.id)["notices"] if n["kind"] == "special"]
    assert (ESTIMATE.add_workdays(date(2027, 2, 1), 5).date, NOTICE.add_workdays(date(2027, 2, 1), 5).date) == (
        date(2027, 2, 12), date(2027, 2, 15))
    clerk, supervisor = signed_in(app, "clerk"), signed_in(app, "supervisor")
    printed = clerk.get(f"/intake/notices/{special['id']}").text
    assert "预计至 2027-02-12（暂定，以国务院公布的节假日安排为准，只延不缩）" in printed and 'id="due-moved"' not in printed
    assert "预计 2027-02-12（暂定） 前结束" in supervisor.get(f"/supervision/instances/{case.instance_id}/clocks").text
    calendars.import_notice(ASSUMED_2027, org["admin"])
    printed = clerk.get(f"/intake/notices/{special['id']}").text
    assert "预计至 2027-02-12</td>" in printed and "特殊环节预计于 2027-02-15 结束" in printed
    assert "预计 2027-02-15 前结束" in supervisor.get(f"/supervision/instances/{case.instance_id}/clocks").text


def test_a_recount_cut_short_is_finished_by_importing_again_or_by_recounting(instance_id, org, today, monkeypatch):
    """The notice is stored in its own transaction before the dates are counted again: a failure
    there says so, and importing the notice again (or run.py calendar recount) finishes the work;
    counting again after that changes nothing."""
    today.day = date(2027, 2, 9)
    order_id = issue(new_clock(instance_id, date(2027, 1, 25), promised=300), "yellow", date(2027, 2, 9))
    assert order_row(order_id).feedback_due == date(2027, 2, 15)

    def broken(*_):
        raise RuntimeError("the database went away")
    monkeypatch.setattr(recount, "dates_awaited", broken)
    with pytest.raises(EngineFailure, match="run it again"):
        calendars.import_notice(ASSUMED_2027, org["admin"])
    assert calendars.on_file(2027) is not None and order_row(order_id).feedback_due == date(2027, 2, 15)
    monkeypatch.undo()
    monkeypatch.setattr(clock, "today", lambda: date(2027, 2, 9))
    calendars.import_notice(ASSUMED_2027, org["admin"])  # the same notice again
    assert order_row(order_id).feedback_due == date(2027, 2, 16)
    assert calendars.recount(org["admin"])[1] == 0
    assert [(d["was"], d["due_on"]) for _, d in events("date_recounted")] == [("2027-02-15", "2027-02-16")]


def test_provisional_is_said_one_way_of_a_date_or_its_iso_text_in_either_language(app):
    """_dates.html's dated() is every page's and notice's 暂定: by the date's year (a date or ISO
    text alike), or by the flag the engine gave; in English with English brackets."""
    page = app.jinja_env.from_string(
        '{% from "_dates.html" import dated %}{{ dated(day) }}|{{ dated(text) }}|{{ text is provisional }}|'
        '{{ dated(text, false) }}|{{ dated(firm) }}|{{ dated(firm, true) }}|{{ dated(none) }}|{{ dated(text, notice=true) }}')
    values = dict(day=date(2027, 3, 1), text="2027-03-01", firm="2026-03-02")
    with app.test_request_context("/"):
        assert page.render(**values) == ("2027-03-01（暂定）|2027-03-01（暂定）|True|2027-03-01|2026-03-02|2026-03-02（暂定）||"
                                         "2027-03-01（暂定，以国务院公布的节假日安排为准，只延不缩）")
    with app.test_request_context("/?lang=en"):
        english = page.render(**values)
    assert english.startswith("2027-03-01 (provisional)|2027-03-01 (provisional)|True|2027-03-01|")
    assert english.endswith("|2027-03-01 (provisional, subject to the State Council holiday schedule; may be extended, "
                            "never shortened)")
    assert not re.search("[（）：，]", english)
