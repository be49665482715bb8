"""督办单: a limit passed issues an order to its department, which reads and answers it once
(service, inbox and supervision pages, REST)."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from engine import catalogue, clock, intake, supervision, timers
from engine.clock.orders import issue_order
from engine.errors import Conflict, Forbidden, Invalid, NotFound
from engine.services import deploy, tasks
from engine.services.tokens import issue_token
from engine.services.users import ensure_department
from engine.store import session_scope
from engine.store.models import Clock, Event, Notification, SupervisionOrder
from tests.bpmn_builder import one_review
from tests.procedures import promised_item
from tests.web import element, signed_in

APPLICANT = {"name": "张三", "id_number": "110101199001011237", "phone": "13800000000"}


def _review(pid: str, lane: str) -> str:
    return one_review(pid, "部门审查", lane)


@pytest.fixture
def cases(org):
    """One accepted case for housing (住建局) and one for tax (税务局), both 30 days late: each
    case's limit turns red and the tick issues one order for it. Case numbers by department."""
    deploy.deploy([("h.bpmn", _review("housing_review", "housing").encode()),
                   ("t.bpmn", _review("tax_review", "tax").encode())], org["designer"])
    catalogue.save(promised_item("H-1", "housing_review", "housing"), None)
    catalogue.save(promised_item("T-1", "tax_review", "tax"), None)
    with session_scope() as session:
        ensure_department(session, "housing", "住建局")
        ensure_department(session, "tax", "税务局")
    numbers = {}
    for code, dept in (("H-1", "housing"), ("T-1", "tax")):
        case = intake.submit(code, APPLICANT, [intake.Upload("id_card", "id.pdf", b"%PDF id")], org["clerk"])
        numbers[dept] = intake.accept(case.id, org["clerk"]).number
    timers.tick(now=clock.datetime.combine(clock.today() + timedelta(days=30), clock.time(9), clock.SHANGHAI))
    return numbers


def order_of(org, dept: str) -> dict:
    [order] = [o for o in supervision.orders(org["supervisor"]) if o["department"] == dept]
    return order


def test_a_department_sees_its_own_orders_with_case_number_and_answers_them(org, cases):
    [mine] = supervision.orders(org["reviewer"])
    assert mine["department"] == "housing" and mine["department_name"] == "住建局"
    assert mine["case_number"] == cases["housing"] and mine["card"] == "red" and mine["state"] == "open"
    assert mine["task_id"] is not None and mine["label"] == "测试事项H-1"

    answered = supervision.answer_order(mine["id"], org["reviewer"], "  材料补正耗时，已加派人手，三日内办结  ")
    assert answered["state"] == "answered" and answered["feedback"] == "材料补正耗时，已加派人手，三日内办结"
    assert answered["answered_by"] == "reviewer" and answered["answered_at"]
    with session_scope() as session:
        row = session.get(SupervisionOrder, mine["id"])
        assert (row.state, row.answered_by, row.feedback) == ("answered", org["reviewer"].id, answered["feedback"])
        [event] = session.scalars(select(Event).where(Event.type == "supervision_order_answered")).all()
        assert event.instance_id == mine["instance_id"] and event.actor_id == org["reviewer"].id and event.at
        assert event.data["order_id"] == mine["id"] and event.data["text"] == answered["feedback"]
    assert supervision.orders(org["reviewer"], state="open") == []
    assert [o["state"] for o in supervision.orders(org["supervisor"])] == ["open", "answered"]  # open first


def test_another_department_may_neither_see_nor_answer(org, cases):
    housing = order_of(org, "housing")
    assert [o["department"] for o in supervision.orders(org["taxman"])] == ["tax"]
    for outsider in ("taxman", "supervisor", "clerk"):
        with pytest.raises(Forbidden):
            supervision.answer_order(housing["id"], org[outsider], "不是我们的")
    assert supervision.orders(org["clerk"]) == []  # the window reads its own: it has none
    assert order_of(org, "housing")["state"] == "open"
    assert supervision.answer_order(housing["id"], org["admin"], "管理员代为反馈")["answered_by"] == "admin"


def test_an_order_is_answered_once(org, cases):
    housing = order_of(org, "housing")
    supervision.answer_order(housing["id"], org["reviewer"], "第一次反馈")
    with pytest.raises(Conflict):
        supervision.answer_order(housing["id"], org["reviewer2"], "第二次反馈")
    assert order_of(org, "housing")["feedback"] == "第一次反馈"


@pytest.mark.parametrize("feedback", ["", "   \n ", "长" * (supervision.FEEDBACK_MAX + 1)])
def test_feedback_is_required_and_bounded(org, cases, feedback):
    housing = order_of(org, "housing")
    with pytest.raises(Invalid):
        supervision.answer_order(housing["id"], org["reviewer"], feedback)
    assert order_of(org, "housing")["state"] == "open"
    supervision.answer_order(housing["id"], org["reviewer"], "长" * supervision.FEEDBACK_MAX)


def test_unknown_order_and_state(org, cases):
    with pytest.raises(NotFound):
        supervision.answer_order(999_999, org["reviewer"], "反馈")
    with pytest.raises(Invalid):
        supervision.orders(org["supervisor"], state="closed")


@pytest.fixture
def app(org, cases):
    from web import create_app
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})


def test_the_inbox_lists_the_departments_open_orders_and_answers_them(app, org, cases):
    housing = order_of(org, "housing")
    reviewer = signed_in(app, "reviewer")
    orders = element(reviewer.get("/inbox/").text, "orders")
    assert orders.count("data-order-id") == 1 and cases["housing"] in orders and cases["tax"] not in orders
    assert f'href="/inbox/tasks/{housing["task_id"]}"' in orders
    assert 'data-card="red"' in orders and housing["feedback_due"] in orders
    assert f'action="/inbox/orders/{housing["id"]}/answer"' in orders and 'name="csrf_token"' in orders
    assert reviewer.get(f"/inbox/tasks/{housing['task_id']}").status_code == 200  # the link opens the case

    refused = reviewer.post(f"/inbox/orders/{housing['id']}/answer", data={"feedback": "  "})
    assert refused.status_code == 422 and 'data-order-id' in element(refused.text, "orders")
    too_long = "长" * (supervision.FEEDBACK_MAX + 1)
    kept = reviewer.post(f"/inbox/orders/{housing['id']}/answer", data={"feedback": too_long})
    assert kept.status_code == 422 and too_long in kept.text  # what was typed stays
    assert signed_in(app, "taxman").post(f"/inbox/orders/{housing['id']}/answer",
                                         data={"feedback": "越权"}).status_code == 403

    done = reviewer.post(f"/inbox/orders/{housing['id']}/answer", data={"feedback": "已督促经办人，明日办结"})
    assert done.status_code == 303 and done.headers["Location"].endswith("/inbox/")
    assert 'id="orders"' not in reviewer.get("/inbox/").text
    again = reviewer.post(f"/inbox/orders/{housing['id']}/answer", data={"feedback": "再答一次"})
    assert again.status_code == 409
    assert 'id="orders"' not in signed_in(app, "clerk").get("/inbox/").text  # the window answers none


def test_the_board_lists_orders_by_case_number_and_department_name(app, org, cases):
    housing = order_of(org, "housing")
    supervision.answer_order(housing["id"], org["reviewer"], "已督促经办人，明日办结")
    html = signed_in(app, "supervisor").get("/supervision/").text
    orders = element(html, "order-list")
    row = re.search(rf'<tr data-order-id="{housing["id"]}".*?</tr>', orders, re.S).group(0)
    assert f'<a href="/inbox/tasks/{housing["task_id"]}" class="case-number">{cases["housing"]}</a>' in row
    assert "<td>住建局</td>" in row and 'data-card="red"' in row and "已反馈" in row
    assert "已督促经办人，明日办结" in row and housing["feedback_due"] in row
    assert cases["tax"] in orders and "待反馈" in orders

    overdue = element(html, "overdue")
    assert cases["housing"] in overdue and cases["tax"] in overdue and "税务局" in overdue
    assert not re.search(r"#\d", overdue) and "<td>housing</td>" not in overdue
    cards = element(html, "orders")
    assert "<td>住建局</td>" in cards and "<td>housing</td>" not in cards
    assert "黄牌（时限，累计）" in html and "在办件时限状态（按件）" in html and 'id="cards-note"' in html
    # A lead reads the board but only its own department's orders: devreform has none.
    assert "data-order-id" not in element(signed_in(app, "lead").get("/supervision/").text, "order-list")


def test_rest_lists_and_answers_orders(app, org, cases):
    api = app.test_client()

    def auth(login):
        return {"Authorization": f"Bearer {issue_token(login)}"}
    listed = api.get("/api/supervision/orders?state=open", headers=auth("reviewer"))
    [housing] = listed.get_json()
    assert listed.status_code == 200 and housing["case_number"] == cases["housing"]
    assert api.get("/api/supervision/orders?state=closed", headers=auth("supervisor")).status_code == 422
    assert api.get("/api/supervision/orders", headers=auth("clerk")).get_json() == []
    url = f"/api/supervision/orders/{housing['id']}/answer"
    assert api.post(url, json={"feedback": 5}, headers=auth("reviewer")).status_code == 422
    assert api.post(url, json={"feedback": "越权"}, headers=auth("taxman")).status_code == 403
    answered = api.post(url, json={"feedback": "已办结"}, headers=auth("reviewer"))
    assert answered.status_code == 200 and answered.get_json()["state"] == "answered"
    assert api.post(url, json={"feedback": "再答"}, headers=auth("reviewer")).get_json()["error"]["code"] == "conflict"
    assert api.post("/api/supervision/orders/999999/answer", json={"feedback": "x"},
                    headers=auth("reviewer")).status_code == 404
    paths = api.get("/api/openapi.json").get_json()["paths"]
    assert "/api/supervision/orders" in paths and "/api/supervision/orders/{id}/answer" in paths


def test_a_late_delivery_is_the_windows_to_answer(org, cases):
    """谁受理、谁送达: the decided case's delivery clock is the accepting window's; when it runs
    late, the window's clerks are told, and they answer the order."""
    [task] = [t for t in tasks.list_tasks(org["reviewer"]) if t["group"] == "housing"]
    tasks.claim(task["id"], org["reviewer"])
    tasks.complete(task["id"], org["reviewer"], {})
    case = intake.get_case(cases["housing"])
    assert case.status == "decided"
    timers.tick(now=clock.datetime.combine(clock.today() + timedelta(days=30), clock.time(10), clock.SHANGHAI))
    [late] = supervision.orders(org["clerk"])
    assert late["department"] == "window" and late["label"].endswith("（送达）")
    with session_scope() as session:
        told = session.scalars(select(Notification.text).where(Notification.user_id == org["clerk"].id)).all()
    assert any("（送达）" in text for text in told)
    assert supervision.answer_order(late["id"], org["clerk"], "申请人未到窗口领取，已电话联系")["state"] == "answered"
    with pytest.raises(Forbidden):  # the reviewers decided; delivering is not theirs
        supervision.answer_order(late["id"], org["reviewer"], "不是我们的")


def test_feedback_past_its_date_is_marked_late_until_given_and_after(app, org, cases, monkeypatch):
    mine = order_of(org, "housing")
    assert mine["late"] is False
    due = date.fromisoformat(mine["feedback_due"])
    monkeypatch.setattr(clock, "today", lambda: due + timedelta(days=1))
    assert order_of(org, "housing")["late"] is True
    board = signed_in(app, "supervisor").get("/supervision/").text
    assert "逾期未反馈" in re.search(rf'data-order-id="{mine["id"]}".*?</tr>', board, re.S).group(0)
    assert "逾期未反馈" in element(signed_in(app, "reviewer").get("/inbox/").text, "order-table")
    supervision.answer_order(mine["id"], org["reviewer"], "已办结")
    with session_scope() as session:  # answered the day after its date (the clock's day is faked here)
        session.get(SupervisionOrder, mine["id"]).answered_at = clock.end_of(due + timedelta(days=1))
    assert order_of(org, "housing")["late"] is True  # answered after its date: said so
    assert "逾期反馈" in signed_in(app, "supervisor").get("/supervision/").text


def test_the_cases_history_says_the_orders_card_and_date_not_the_timers_bookkeeping(app, org, cases):
    from tests.web import history_row
    mine = order_of(org, "housing")
    page = signed_in(app, "reviewer").get(f"/inbox/tasks/{mine['task_id']}").text
    assert f"红牌，反馈期限 {mine['feedback_due']}" in history_row(page, "supervision_order_issued")
    assert 'data-event="timer_fired"' not in page


def test_a_yellow_cards_order_unanswered_by_its_date_becomes_a_second_level_order_once(org):
    """超时督办 escalated (domain-reference 3.5: 黄牌 unresolved → 红牌, 二级督办): the tick, the day
    the feedback date ends; an order answered in time is not."""
    deploy.deploy([("h.bpmn", _review("housing_review", "housing").encode())], org["designer"])
    catalogue.save(promised_item("H-1", "housing_review", "housing"), None)
    with session_scope() as session:
        ensure_department(session, "housing", "住建局")
    numbers = {}
    for name in ("answered", "silent"):
        case = intake.submit("H-1", APPLICANT, [intake.Upload("id_card", "id.pdf", b"%PDF id")], org["clerk"])
        numbers[name] = intake.accept(case.id, org["clerk"]).number
    promised = date.fromisoformat(next(c for c in intake.describe(case.id)["clocks"] if c["task_id"] is None)["promised_due"])
    timers.tick(now=clock.start_of(promised + timedelta(days=1)) + timedelta(hours=9))  # yellow: promise passed
    yellow = {o["case_number"]: o for o in supervision.orders(org["supervisor"])}
    assert {o["card"] for o in yellow.values()} == {"yellow"} and set(yellow) == set(numbers.values())
    supervision.answer_order(yellow[numbers["answered"]]["id"], org["reviewer"], "已督促办理")
    due = date.fromisoformat(yellow[numbers["silent"]]["feedback_due"])
    timers.tick(now=clock.end_of(due) - timedelta(minutes=5))
    assert len(supervision.orders(org["supervisor"])) == 2  # not before its date has ended
    timers.tick(now=clock.end_of(due) + timedelta(minutes=1))
    timers.tick(now=clock.end_of(due) + timedelta(hours=10))  # once
    orders = supervision.orders(org["supervisor"])
    assert sorted((o["case_number"], o["card"]) for o in orders) == sorted(
        [(numbers["answered"], "yellow"), (numbers["silent"], "yellow"), (numbers["silent"], "red")])
    with session_scope() as session:
        overdue = session.scalars(select(Event).where(Event.type == "supervision_order_overdue")).all()
        issued = session.scalars(select(Event).where(Event.type == "supervision_order_issued")
                                 .order_by(Event.id.desc()).limit(1)).one()
        told = session.scalars(select(Notification.text).where(Notification.user_id == org["supervisor"].id)).all()
    assert [e.data["order_id"] for e in overdue] == [yellow[numbers["silent"]]["id"]]
    assert issued.data["escalated_from"] == yellow[numbers["silent"]]["id"] and issued.data["card"] == "red"
    assert [t for t in told if "second-level" in t and numbers["silent"] in t]
    assert not [t for t in told if "second-level" in t and numbers["answered"] in t]
    # Past the statutory limit: the answered case's red card issues its order; the escalated one has its own.
    timers.tick(now=clock.start_of(promised + timedelta(days=40)) + timedelta(hours=9))
    reds = sorted(o["case_number"] for o in supervision.orders(org["supervisor"]) if o["card"] == "red")
    assert reds == sorted(numbers.values())


def test_two_orders_of_one_clock_due_the_same_day_are_each_reported_once(org, cases):
    """A yellow and a red order issued the same day share their feedback date: the tick reports
    each once, not once per order's timer."""
    with session_scope() as session:
        watched = session.get(Clock, session.scalars(select(SupervisionOrder.clock_id)).first())
        orders = [issue_order(session, watched, card, clock.today()) for card in ("yellow", "red")]
        assert orders[0].feedback_due == orders[1].feedback_due
        due, ids = orders[0].feedback_due, sorted(o.id for o in orders)
    timers.tick(now=clock.end_of(due) + timedelta(minutes=1))
    with session_scope() as session:
        reported = session.scalars(select(Event.data).where(Event.type == "supervision_order_overdue")).all()
    assert sorted(d["order_id"] for d in reported if d["order_id"] in ids) == ids
