"""在办案件 and 案件时限 through Flask: the list with its filters and pages, a case's clocks, 催办 from
there by the task page's route, the board's links, and who may open them."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import case_watch, clock, supervision
from engine.store import session_scope
from engine.store.models import Event
from tests.case_watch_data import running_cases
from tests.web import element, history_row, signed_in


@pytest.fixture
def app(org):
    from web import create_app
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    app.found = running_cases(org)
    return app


def listed(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr data-instance="(\d+)"', element(html, "cases"))]


def test_the_list_links_each_running_case_to_its_clocks(app, org):
    found = app.found
    res = signed_in(app, "supervisor").get("/supervision/cases")
    assert res.status_code == 200
    assert listed(res.text) == [found[n].instance_id for n in ("late", "delivering", "fresh", "tax", "paused")]
    assert re.search(r'id="cases-total">\(5\)<', res.text)
    rows = {int(m.group(1)): m.group(0) for m in re.finditer(r'<tr data-instance="(\d+)".*?</tr>', res.text, re.S)}
    late = rows[found["late"].instance_id]
    assert f'href="/supervision/instances/{found["late"].instance_id}/clocks"' in late and found["late"].number in late
    assert 'data-level="red"' in late and "超期" in late and "住建局" in late and "测试事项H-1" in late
    paused = rows[found["paused"].instance_id]
    assert 'data-state="paused"' in paused and "暂停计时：专家评审" in paused
    end = case_watch.running(org["supervisor"], paused=True)["cases"][0]["procedure"]["expected_end"]
    assert f"预计 {end} 前结束" in paused and "住建审查（住建局）" in paused  # the step that stopped it
    assert "剩余 " in rows[found["tax"].instance_id] and "综合窗口" in rows[found["delivering"].instance_id]


def test_filters_and_pages_keep_each_other(app, org, monkeypatch):
    found, supervisor = app.found, signed_in(app, "supervisor")
    assert listed(supervisor.get("/supervision/cases?level=yellow&level=red").text) == [found["late"].instance_id]
    assert listed(supervisor.get("/supervision/cases?paused=1").text) == [found["paused"].instance_id]
    assert listed(supervisor.get("/supervision/cases?department=tax").text) == [found["tax"].instance_id]
    page = supervisor.get(f"/supervision/cases?number={found['fresh'].number[-3:]}").text
    assert listed(page) == [found["fresh"].instance_id] and f'value="{found["fresh"].number[-3:]}"' in page
    none = supervisor.get("/supervision/cases?department=tax&level=red").text
    assert listed(none) == [] and "没有符合条件的在办案件" in none and 'href="/supervision/cases">清除筛选' in none
    refused = supervisor.get("/supervision/cases?level=purple")
    assert refused.status_code == 422 and "purple" in refused.text and "id=\"cases-filter\"" in refused.text

    monkeypatch.setattr(case_watch, "PAGE", 1)
    first = supervisor.get("/supervision/cases?level=normal&department=housing").text
    assert listed(first) == [found["fresh"].instance_id] and "第 1 / 2 页" in first
    following = re.search(r'<a href="([^"]+)" rel="next">', first).group(1).replace("&amp;", "&")
    assert "level=normal" in following and "department=housing" in following
    assert listed(supervisor.get(following).text) == [found["paused"].instance_id]


def test_a_cases_clocks_page_shows_its_pauses_steps_and_history(app, org):
    found = app.found
    res = signed_in(app, "supervisor").get(f"/supervision/instances/{found['paused'].instance_id}/clocks")
    assert res.status_code == 200
    html = res.text
    assert re.search(r'<tr data-event="[a-z_]+"><td data-label="时间">', element(html, "history"))  # a card per line on a phone
    assert found["paused"].number in element(html, "case-number") and "张三" in element(html, "applicant")
    assert "110101199001011237" not in html and "13800000000" not in html and "id.pdf" not in html
    clocks = element(html, "clocks")
    assert re.findall(r'data-kind="(\w+)" data-state="(\w+)"', clocks) == [("step", "paused"), ("case", "paused")]
    [step_task] = re.findall(r'href="/inbox/tasks/(\d+)">住建审查</a>', clocks)
    procedures = element(html, "special-procedures")
    assert procedures.count('<td data-label="特殊环节">专家评审</td>') == 2 and "结构安全专家评审" in procedures
    assert "随“住建审查”暂停" in procedures
    assert "进行中" in procedures
    assert f'action="/inbox/tasks/{step_task}/urge"' in element(html, "open-steps")
    assert "专家评审" in history_row(html, "special_procedure_started")
    assert "暂无督办单" in element(html, "order-list")


def test_a_supervisor_urges_from_the_case_page_by_the_task_pages_route(app, org):
    found = app.found
    supervisor = signed_in(app, "supervisor")
    page = supervisor.get(f"/supervision/instances/{found['fresh'].instance_id}/clocks").text
    action = re.search(r'<form method="post" action="(/inbox/tasks/\d+/urge)">', page).group(1)
    done = supervisor.post(action, data={"message": "请尽快办结"})
    assert done.status_code == 303 and done.location.endswith(action.removesuffix("/urge"))
    with session_scope() as session:
        urged = session.scalar(select(Event).where(Event.type == "task_urged"))
    assert urged.instance_id == found["fresh"].instance_id and urged.data["message"] == "请尽快办结"
    page = supervisor.get(f"/supervision/instances/{found['fresh'].instance_id}/clocks").text
    assert "请尽快办结" in history_row(page, "task_urged")


def test_a_cases_orders_with_feedback_on_its_page(app, org):
    found = app.found
    [order] = supervision.orders(org["supervisor"], instance_id=found["late"].instance_id)
    supervision.answer_order(order["id"], org["reviewer"], "已加派人手，三日内办结")
    html = signed_in(app, "supervisor").get(f"/supervision/instances/{found['late'].instance_id}/clocks").text
    orders = element(html, "order-list")
    assert f'data-order-id="{order["id"]}"' in orders and 'data-card="red"' in orders
    assert "已加派人手，三日内办结" in orders and "已反馈" in orders
    assert 'data-level="red"' in element(html, "clocks")
    assert "红牌" in history_row(html, "supervision_order_issued")


def test_the_board_links_to_the_list_and_the_cases_clocks(app, org):
    found = app.found
    board = signed_in(app, "supervisor").get("/supervision/").text
    assert 'href="/supervision/cases"' in board
    assert 'href="/supervision/cases?level=red"' in element(board, "levels-table")
    assert f'href="/supervision/instances/{found["late"].instance_id}/clocks"' in element(board, "overdue")
    head = signed_in(app, "hlead").get("/supervision/").text  # a head's counts are everyone's: no such link
    assert 'href="/supervision/cases"' in head and "/supervision/cases?level=" not in head


def test_who_may_open_the_pages(app, org):
    found = app.found
    for login in ("reviewer", "clerk", "designer", "taxman"):
        client = signed_in(app, login)
        assert client.get("/supervision/cases").status_code == 403
        assert client.get(f"/supervision/instances/{found['tax'].instance_id}/clocks").status_code == 403
    head = signed_in(app, "hlead")
    mine = head.get("/supervision/cases?department=tax").text  # their own department's, whatever is asked
    assert listed(mine) == [found[n].instance_id for n in ("late", "fresh", "paused")]
    assert 'name="department"' not in mine
    assert head.get(f"/supervision/instances/{found['tax'].instance_id}/clocks").status_code == 403
    assert head.get(f"/supervision/instances/{found['late'].instance_id}/clocks").status_code == 200
    assert "没有符合条件的在办案件" in signed_in(app, "lead").get("/supervision/cases").text
    assert signed_in(app, "admin").get("/supervision/cases").status_code == 200
    assert signed_in(app, "supervisor").get("/supervision/instances/9999/clocks").status_code == 404
    assert head.get("/supervision/instances/9999/clocks").status_code == 403  # as another department's
    assert app.test_client().get("/supervision/cases").status_code == 302


def test_the_pages_in_english(app, org):
    supervisor = signed_in(app, "supervisor")
    supervisor.get("/supervision/?lang=en")
    page = supervisor.get("/supervision/cases").text
    assert "Running cases" in page and "Paused: Expert review" in page
    clocks = supervisor.get(f"/supervision/instances/{app.found['paused'].instance_id}/clocks").text
    assert "Time limits of case" in clocks and "Special procedures (clock paused)" in clocks


def test_an_overrun_special_procedure_is_marked(app, org, monkeypatch):
    later = clock.today() + timedelta(days=30)
    monkeypatch.setattr(clock, "today", lambda: later)
    row = element(signed_in(app, "supervisor").get("/supervision/cases?paused=1").text, "cases")
    assert "已超出预计时长" in row


def test_a_head_urges_another_departments_step_of_their_case_and_stays_on_its_clocks(org):
    """The smoke walkthrough: 发改局's head, on the 案件时限 of a 多评合一 case their department
    leads, was linked to 生态环境局's step and offered its 催办, and both answered 403."""
    from web import create_app
    from tests.procedures import install, open_tasks, take_in
    from tests.test_merged_assessments import project
    people = install(org)
    case = take_in("1101-DPHY-001", project(energy_tce=1000, env_category="report"), people["clerk"])
    steps = open_tasks(case.instance_id)
    own, eco = steps["department_review@devreform"], steps["department_review@eco"]
    head = signed_in(create_app({"TESTING": True, "WTF_CSRF_ENABLED": False}), "lead")
    clocks = f"/supervision/instances/{case.instance_id}/clocks"
    page = head.get(clocks).text
    assert head.get(f"/inbox/tasks/{eco.id}").status_code == 403  # not theirs to read ...
    assert f'href="/inbox/tasks/{eco.id}"' not in page and f'href="/inbox/tasks/{own.id}"' in page  # ... nor linked
    urge = re.search(rf'<form method="post" action="/inbox/tasks/{eco.id}/urge">.*?</form>', page, re.S).group(0)
    back = re.search(r'name="back" value="([^"]+)"', urge).group(1)
    done = head.post(f"/inbox/tasks/{eco.id}/urge", data={"message": "请尽快出具评估意见", "back": back})
    assert done.status_code == 303 and done.location.endswith(clocks)
    with session_scope() as session:
        urged = session.scalar(select(Event).where(Event.type == "task_urged"))
    assert urged.task_id == eco.id and urged.actor.login == "lead"
    # Urged again too soon: refused, said on the same page, not a 403.
    again = head.post(f"/inbox/tasks/{eco.id}/urge", data={"message": "再催", "back": back}, follow_redirects=True)
    assert again.status_code == 200 and again.request.path == clocks and "小时内" in again.text
    # Somewhere else than a case's clocks is not followed.
    elsewhere = head.post(f"/inbox/tasks/{own.id}/urge", data={"message": "请办理", "back": "//evil.example/"})
    assert elsewhere.location.endswith(f"/inbox/tasks/{own.id}")
