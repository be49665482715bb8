"""整改 through the pages: the applicant says what a bad rating concerns, the window's clerk answers
it from the inbox, the applicant is told and replies (回访); late ones are marked on the lists,
the board and the monthly report."""
import io
import re
import pytest
from openpyxl import load_workbook

from engine import catalogue, clock, ratings, timers
from engine.services import users
from tests.a11y import audit
from tests.test_rectifications import ITEM, after, closed_case, register
from tests.web import element, signed_in


@pytest.fixture
def applicant(org):
    catalogue.save(ITEM, None)
    return register()


@pytest.fixture
def app(org):
    from web import create_app
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})


def applicant_client(app, applicant):
    client = app.test_client()
    assert client.post("/portal/login", data={"identifier": applicant.phone,
                                              "password": "secret-pw"}).status_code == 302
    return client


def test_a_bad_rating_of_the_windows_service_is_answered_by_its_clerk_and_the_applicant_replies(
        app, org, applicant):
    case = closed_case(applicant, org)
    me = applicant_client(app, applicant)
    page = me.get(f"/portal/cases/{case.number}").text
    assert re.findall(r'name="concerns" value="(\w+)"[^>]*> ([^<]+?)</label>', page) == [
        ("service", "窗口服务（受理、送达）"), ("handling", "部门审批办理")]
    refused = me.post(f"/portal/cases/{case.number}/rate", data={"level": "4", "text": "窗口让我跑了三趟"})
    assert refused.status_code == 422 and "请选择不满意的是窗口服务（受理、送达）还是部门审批办理" in refused.text
    rated = me.post(f"/portal/cases/{case.number}/rate", data={"level": "4", "text": "窗口让我跑了三趟",
                                                               "concerns": "service"}, follow_redirects=True)
    assert "受理窗口将在规定时间内整改并答复" in rated.text and "受理窗口将于" in rated.text
    [fix] = ratings.rectifications(org["supervisor"])

    clerk = signed_in(app, "clerk")
    inbox = element(clerk.get("/inbox/").text, "rectification-table")
    assert case.number in inbox and "窗口让我跑了三趟" in inbox and "窗口服务" in inbox
    told = clerk.get("/inbox/notifications").text
    assert f"办件 {case.number} 的窗口服务收到差评" in told and f'href="/portal/rectifications/{fix.id}">查看整改' in told
    reviewer = signed_in(app, "reviewer")  # the item's department: not theirs
    assert 'id="rectification-table"' not in reviewer.get("/inbox/").text
    assert reviewer.get(f"/portal/rectifications/{fix.id}").status_code == 403
    assert reviewer.post(f"/inbox/rectifications/{fix.id}/answer", data={"response": "越权"}).status_code == 403

    long = clerk.post(f"/inbox/rectifications/{fix.id}/answer", data={"response": "查" * 2001})
    assert long.status_code == 422 and "整改答复最多 2000 个字" in long.text and "查" * 2001 in long.text
    done = clerk.post(f"/inbox/rectifications/{fix.id}/answer", data={"response": "已调整叫号，一次告知全部材料"},
                      follow_redirects=True)
    assert "整改情况已答复" in done.text and 'id="rectification-table"' not in done.text

    # The applicant is told on every portal page until they reply.
    news = element(me.get("/portal/cases").text, "rectification-news")
    assert f'href="/portal/cases/{case.number}#rating">{case.number}' in news
    page = me.get(f"/portal/cases/{case.number}").text
    assert re.search(r"受理窗口的整改答复.*已调整叫号，一次告知全部材料", page, re.S) and 'id="revisit-form"' in page
    assert me.post(f"/portal/cases/{case.number}/revisit", data={}).status_code == 422
    replied = me.post(f"/portal/cases/{case.number}/revisit", data={"satisfied": "no"}, follow_redirects=True)
    assert "感谢您的回访意见" in replied.text and 'id="rectification-news"' not in replied.text
    assert re.search(r'id="revisit">您的回访意见：<strong>不满意', replied.text)
    assert me.post(f"/portal/cases/{case.number}/revisit", data={"satisfied": "yes"}).status_code == 409

    supervisor = signed_in(app, "supervisor")
    assert "不满意" in element(supervisor.get(f"/portal/rectifications/{fix.id}").text, "revisit")
    assert "回访不满意" in element(supervisor.get("/portal/rectifications").text, "rectifications")
    assert f"办件 {case.number}：申请人对整改答复不满意" in supervisor.get("/inbox/notifications").text


def test_the_answer_on_the_rectification_page_is_capped_too(app, org, applicant):
    fix = ratings.rate(closed_case(applicant, org).id, applicant.id, 4, "等太久")
    reviewer = signed_in(app, "reviewer")
    page = reviewer.get(f"/portal/rectifications/{fix.id}").text
    assert 'maxlength="2000"' in element(page, "response-input")
    long = reviewer.post(f"/portal/rectifications/{fix.id}", data={"response": "改" * 2001})
    assert long.status_code == 422 and "整改答复最多 2000 个字" in long.text
    assert reviewer.post(f"/portal/rectifications/{fix.id}", data={"response": "改" * 2000}).status_code == 302


def test_a_rectification_past_its_date_is_marked_late_on_the_lists_and_the_board(app, org, applicant):
    case = closed_case(applicant, org)
    fix = ratings.rate(case.id, applicant.id, 4, "审查太慢")
    supervisor = signed_in(app, "supervisor")
    assert element(supervisor.get("/supervision/").text, "late-rectifications").endswith(">0</div>")
    timers.tick(now=after(fix))
    board = supervisor.get("/supervision/").text
    assert element(board, "late-rectifications").endswith(">1</div>")
    assert case.number in element(board, "late-rectification-list")
    counts = re.search(r'<tr data-department="housing">.*?</tr>', element(board, "rectification-counts"), re.S)
    assert re.findall(r"<td>(\d+)</td>", counts.group(0)) == ["1", "1", "0", "0", "0"]
    late = supervisor.get("/portal/rectifications?state=late").text
    assert case.number in late and "逾期未整改</span>" in element(late, "rectifications")
    assert case.number not in supervisor.get("/portal/rectifications?state=answered").text
    assert "逾期未整改" in element(signed_in(app, "reviewer").get("/inbox/").text, "rectification-table")
    assert f"办件 {case.number} 的差评整改应于 {fix.due_on.isoformat()} 前答复，至今未答复（逾期未整改）" in \
        supervisor.get("/inbox/notifications").text
    # A head's board holds their own department's rectifications.
    users.add_user("housinglead", "住建负责人", "housing", ["lead", "reviewer"], "pass-housinglead")
    assert element(signed_in(app, "housinglead").get("/supervision/").text, "late-rectifications").endswith(">1</div>")
    assert element(signed_in(app, "lead").get("/supervision/").text, "late-rectifications").endswith(">0</div>")


def test_the_monthly_report_has_the_rectification_columns(app, org, applicant):
    fix = ratings.rate(closed_case(applicant, org).id, applicant.id, 4, "等太久")
    ratings.answer(fix.id, org["reviewer"], "已整改")
    month = clock.today()
    res = signed_in(app, "supervisor").get(f"/supervision/report?month={month.year}-{month.month:02d}")
    sheet = load_workbook(io.BytesIO(res.data)).active
    headers = [c.value for c in sheet[2]]
    assert headers[9:16] == ["差评数", "差评申诉成立", "差评整改件", "整改已答复", "按时答复", "逾期未整改", "终止件"]
    [housing] = [r for r in sheet.iter_rows(min_row=3, values_only=True) if r[0] == "housing"]
    assert housing[9:15] == (1, 0, 1, 1, 1, 0)


def test_the_pages_with_rectifications_pass_the_markup_review(app, org, applicant):
    case = closed_case(applicant, org)
    fix = ratings.rate(case.id, applicant.id, 4, "叫号混乱", concerns="service")
    timers.tick(now=after(fix))
    found = {}
    for login, path in (("clerk", "/inbox/"), ("clerk", f"/portal/rectifications/{fix.id}"),
                        ("supervisor", "/supervision/"), ("supervisor", "/portal/rectifications"),
                        ("clerk", "/inbox/notifications")):
        found[login, path] = audit(signed_in(app, login).get(path).text)
    ratings.answer(fix.id, org["clerk"], "已整改")
    found["applicant", "case"] = audit(applicant_client(app, applicant).get(f"/portal/cases/{case.number}").text)
    assert not {where: said for where, said in found.items() if said}

