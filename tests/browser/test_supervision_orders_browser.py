"""A 督办单 in the browser: the department answers it from its inbox, the supervisor reads the answer."""
from datetime import timedelta

from engine import catalogue, clock, intake, timers
from engine.services import deploy
from tests.bpmn_builder import process
from tests.browser.helpers import login

REVIEW = process("housing_review", [("start", "s", "申请"), ("user", "review", "住建审查"), ("end", "e", "办结")],
                 [("s", "review"), ("review", "e")], lanes={"housing": ["review"]})
ITEM = {"code": "H-9", "name": "临时建设工程规划许可", "kind": "licence", "department": "housing",
        "case_type": "promised", "statutory_days": 10, "promised_days": 5, "process": "housing_review",
        "materials": [{"code": "id_card", "name": "身份证明", "mandatory": True}]}


def test_the_department_answers_an_order_and_the_supervisor_reads_it(org, live_server, new_page):
    deploy.deploy([("r.bpmn", REVIEW.encode())], org["designer"])
    catalogue.save(ITEM, None)
    case = intake.submit("H-9", {"name": "赵六", "id_number": "110101198501013330"},
                         [intake.Upload("id_card", "id.pdf", b"%PDF id")], org["clerk"])
    number = intake.accept(case.id, org["clerk"]).number
    timers.tick(now=clock.datetime.combine(clock.today() + timedelta(days=21), clock.time(9), clock.SHANGHAI))

    reviewer = new_page()
    login(reviewer, live_server, "reviewer")
    reviewer.goto(f"{live_server}/inbox/")
    row = reviewer.locator("#orders tr[data-order-id]")
    assert row.count() == 1 and number in row.inner_text() and "红牌" in row.inner_text()
    row.locator("button[type=submit]").click()  # empty: the browser itself asks for the text
    assert reviewer.locator("#orders tr[data-order-id]").count() == 1
    row.locator("textarea[name=feedback]").fill("外业核查延误，已加派人员，三个工作日内办结")
    row.locator("button[type=submit]").click()
    reviewer.wait_for_selector("text=已提交督办反馈")
    assert reviewer.locator("#orders").count() == 0

    supervisor = new_page()
    login(supervisor, live_server, "supervisor")
    supervisor.goto(f"{live_server}/supervision/")
    answered = supervisor.locator("#order-list tr[data-state='answered']")
    assert "外业核查延误" in answered.inner_text() and number in answered.inner_text()
    answered.locator("a.case-number").click()
    supervisor.wait_for_url(lambda url: "/inbox/tasks/" in url)
    assert "住建审查" in supervisor.content()
