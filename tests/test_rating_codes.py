"""评价码: the notice that closes a case carries a one-time code by which its applicant rates it from
their own phone, no account needed; at the window the clerk shows it (现场评价) and cannot rate."""
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from engine import intake, rating_codes, ratings, signin
from engine.errors import Conflict, Invalid, NotFound, TooManyAttempts
from engine.store import session_scope
from engine.store.models import Case, Event, Notice, RatingCode
from tests.test_rectifications import closed_case
from tests.test_web_rectifications import app, applicant  # noqa: F401 (fixtures)
from tests.web import csrf_token, element, signed_in
from web.qr import qr_svg


def code_of(case) -> str:
    with session_scope() as session:
        return session.scalar(select(RatingCode.code).where(RatingCode.case_id == case.id))


def rated(case) -> list[dict]:
    with session_scope() as session:
        return [e.data for e in session.scalars(select(Event).where(Event.type == "case_rated",
                                                                    Event.case_id == case.id))]


def expire(case) -> None:
    with session_scope() as session:
        session.execute(update(RatingCode).where(RatingCode.case_id == case.id)
                        .values(expires_at=datetime.now(timezone.utc) - timedelta(minutes=1)))


def test_the_receipt_prints_a_code_that_rates_its_case_once_from_a_phone(app, org, applicant):
    case = closed_case(applicant, org)
    with session_scope() as session:
        receipt = session.scalar(select(Notice).where(Notice.case_id == case.id, Notice.kind == "receipt"))
    code = code_of(case)
    assert receipt.data["rating_code"] == code and re.fullmatch(r"[A-HJ-NP-Z2-9]{10}", code)
    until = datetime.fromisoformat(receipt.data["rating_until"])
    assert timedelta(days=6, hours=23) < until - datetime.now(timezone.utc) <= timedelta(days=7)
    printed = signed_in(app, "clerk").get(f"/intake/notices/{receipt.id}").text
    shown = f"{code[:5]}-{code[5:]}"
    assert shown in element(printed, "rating-code")
    assert qr_svg(f"http://localhost/rate/{code}", "评价二维码") in printed  # the address of its rating page

    phone = app.test_client()  # no one signed in
    page = phone.get(f"/rate/{code}")
    assert page.status_code == 200 and case.number in page.text
    assert re.findall(r'name="level" value="(\d)"[^>]*> <span>([^<]+)</span>', page.text) == [
        ("1", "非常满意"), ("2", "满意"), ("3", "基本满意"), ("4", "不满意"), ("5", "非常不满意")]
    unsaid = phone.post(f"/rate/{code}", data={"level": "5", "text": "窗口让我跑了三趟"})
    assert unsaid.status_code == 422 and "请选择不满意的是窗口服务（受理、送达）还是部门审批办理" in unsaid.text
    assert rated(case) == []
    done = phone.post(f"/rate/{code}", data={"level": "5", "text": "窗口让我跑了三趟", "concerns": "service"})
    assert done.status_code == 303 and done.location.endswith("/rate/thanks")
    thanks = phone.get("/rate/thanks").text
    assert "感谢您的评价，受理窗口将于" in thanks
    assert [(e["rating"], e["channel"]) for e in rated(case)] == [(5, "qr")]
    [fix] = ratings.rectifications(org["supervisor"])
    assert (fix.case_id, fix.department, fix.concerns) == (case.id, "window", "service")
    # Once: the page says so, and a second rating changes nothing.
    again = phone.get(f"/rate/{code}")
    assert again.status_code == 409 and "已评价" in again.text
    assert phone.post(f"/rate/{code}", data={"level": "1"}).status_code == 409
    assert len(rated(case)) == 1
    with session_scope() as session:
        assert session.get(Case, case.id).rating == 5


def test_a_code_rates_the_case_it_was_printed_for_and_no_other(org, applicant):
    first, second = closed_case(applicant, org), closed_case(applicant, org)
    typed = code_of(first).lower()
    ratings_given = rating_codes.rate(f" {typed[:5]}-{typed[5:]} ", 2, "", None, "10.0.0.1")  # as typed off paper
    assert ratings_given is None and [e["rating"] for e in rated(first)] == [2] and rated(second) == []
    assert rating_codes.find(code_of(second), "10.0.0.1").id == second.id
    with pytest.raises(NotFound):  # a code no case has
        rating_codes.find("ABCDEFGHJK", "10.0.0.1")
    with pytest.raises(Invalid):  # not a code at all: ten letters and digits
        rating_codes.find("0000", "10.0.0.1")


def test_an_expired_code_rates_nothing_and_the_window_gives_a_new_one(org, applicant):
    case = closed_case(applicant, org)
    old = code_of(case)
    with pytest.raises(Conflict):  # the printed one is still good: show it
        rating_codes.reissue(case.id, org["clerk"])
    expire(case)
    with pytest.raises(Conflict, match="expired"):
        rating_codes.rate(old, 1, "", None, "10.0.0.2")
    assert rated(case) == [] and rating_codes.at_window(case.id, org["clerk"])[1] is None
    rating_codes.reissue(case.id, org["clerk"])
    new = code_of(case)
    assert new != old and rating_codes.at_window(case.id, org["clerk"])[1].code == new
    with pytest.raises(NotFound):  # the old print rates no more
        rating_codes.find(old, "10.0.0.2")
    rating_codes.rate(new, 1, "", None, "10.0.0.2")
    with pytest.raises(Conflict, match="rated already"):  # nothing more to give a code for
        rating_codes.reissue(case.id, org["clerk"])


def test_wrong_codes_close_the_address_for_a_while_and_right_ones_do_not_count(org, applicant):
    case = closed_case(applicant, org)
    code = code_of(case)
    for _ in range(signin.CODE_GUESSES * 2):  # a hall's applicants rating from one address
        rating_codes.find(code, "10.0.0.3")
    for n in range(signin.CODE_GUESSES):
        with pytest.raises(NotFound):
            rating_codes.find(f"ABCDEFG{n:03d}".replace("0", "Z").replace("1", "Y"), "10.0.0.3")
    with pytest.raises(TooManyAttempts):  # even the right code, from there
        rating_codes.find(code, "10.0.0.3")
    assert rating_codes.rate(code, 1, "", None, "10.0.0.4") is None  # another address rates


def test_a_refusal_and_a_withdrawal_print_a_code_too(org, applicant):
    refused = intake.submit("Q-001", {"name": applicant.name, "id_type": "id_card", "id_number": applicant.id_number,
                                      "phone": applicant.phone, "kind": "person"},
                            [intake.Upload("form", "form.pdf", b"%PDF form")], org["clerk"])
    intake.refuse(refused.id, "不属于本机关职权范围", org["clerk"])
    with session_scope() as session:
        kinds = {n.kind: n.data.get("rating_code") for n in session.scalars(
            select(Notice).where(Notice.case_id == refused.id))}
    assert kinds["refusal"] == code_of(refused)
    rating_codes.rate(code_of(refused), 4, "材料没有一次说清", "service", "10.0.0.5")
    assert ratings.rectifications(org["clerk"])[0].case_id == refused.id


def test_the_clerk_shows_the_code_and_cannot_rate_in_its_place(app, org, applicant):
    case = closed_case(applicant, org)
    code = code_of(case)
    clerk = signed_in(app, "clerk")
    assert 'id="rating-screen-link"' in clerk.get(f"/intake/cases/{case.id}").text
    screen = clerk.get(f"/intake/cases/{case.id}/rating").text
    shown = element(screen, "code")
    assert f"{code[:5]}-{code[5:]}" in shown and qr_svg(f"http://localhost/rate/{code}", "评价二维码") in screen
    assert 'name="level"' not in screen  # it shows the code; the applicant's phone rates
    refused = clerk.get(f"/rate/{code}")
    assert refused.status_code == 403 and "工作人员不能代为评价" in refused.text and 'name="level"' not in refused.text
    assert clerk.post(f"/rate/{code}", data={"level": "1"}).status_code == 403
    assert rated(case) == []
    assert signed_in(app, "reviewer").get(f"/intake/cases/{case.id}/rating").status_code == 403
    # Expired: the clerk gives a new one, which the screen then shows.
    expire(case)
    assert 'id="new-code-form"' in clerk.get(f"/intake/cases/{case.id}/rating").text
    assert clerk.post(f"/intake/cases/{case.id}/rating").status_code == 303
    assert code_of(case) != code and code_of(case)[:5] in clerk.get(f"/intake/cases/{case.id}/rating").text


def test_the_code_page_for_a_typed_code(app, org, applicant):
    case = closed_case(applicant, org)
    code = code_of(case)
    phone = app.test_client()
    assert 'id="code-form"' in phone.get("/rate/").text
    sent = phone.post("/rate/", data={"code": f"{code[:5].lower()} {code[5:].lower()}"})
    assert sent.status_code == 303 and sent.location.endswith(f"/rate/{code}")
    wrong = phone.post("/rate/", data={"code": "12"})
    assert wrong.status_code == 422 and "评价码为十位字母和数字" in wrong.text and 'value="12"' in wrong.text
    unknown = phone.get("/rate/ABCDEFGHJK")
    assert unknown.status_code == 404 and "ABCDE-FGHJK" in unknown.text
    assert phone.get(f"/rate/{code}").headers["Cache-Control"] == "no-store"


def test_the_rating_form_needs_its_csrf_token(org, applicant):
    """Rated from a phone with no one signed in, the form still carries the session's token: a page
    of another site cannot post a rating for a code it learnt; one sent without it rates nothing."""
    from web import create_app
    case = closed_case(applicant, org)
    code = code_of(case)
    phone = create_app({"TESTING": True}).test_client()
    page = phone.get(f"/rate/{code}").text
    forged = phone.post(f"/rate/{code}", data={"level": "1"})
    assert forged.status_code == 303 and forged.location.endswith(f"/rate/{code}") and rated(case) == []
    sent = phone.post(f"/rate/{code}", data={"level": "1", "csrf_token": csrf_token(page)})
    assert sent.status_code == 303 and [e["rating"] for e in rated(case)] == [1]


def test_the_department_a_rating_is_about_never_holds_its_code(app, org):
    """A department rated by a code could rate its own case: the notice's page prints the code for
    the window and the applicant only, and the case's description leaves it out."""
    from engine import decisions
    from engine.services import progress
    from tests.procedures import decided_permit, install
    people = install(org)
    case = decisions.deliver(decided_permit(people).id, "window", people["clerk"])  # natres reviewed it
    code = code_of(case)
    with session_scope() as session:
        receipt = session.scalar(select(Notice).where(Notice.case_id == case.id, Notice.kind == "receipt")).id
    page = signed_in(app, "r_natres").get(f"/intake/notices/{receipt}")
    assert page.status_code == 200 and 'id="rating-code"' not in page.text and code[:5] not in page.text
    assert 'id="rating-code"' in signed_in(app, "clerk").get(f"/intake/notices/{receipt}").text
    for who in ("r_natres", "clerk"):
        described = progress.visible_case(case.id, people[who])
        assert all("rating_code" not in n["data"] for n in described["notices"])


def test_paper_and_qr_codes_name_the_public_address_where_it_is_set(org, applicant, monkeypatch):
    """A clerk's browser may use an intranet address no applicant's phone opens: PUBLIC_URL names
    the one to print."""
    from web import create_app
    monkeypatch.setenv("PUBLIC_URL", "https://zwfw.example.gov.cn/")
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    case = closed_case(applicant, org)
    with session_scope() as session:
        receipt = session.scalar(select(Notice).where(Notice.case_id == case.id, Notice.kind == "receipt")).id
    printed = signed_in(app, "clerk").get(f"/intake/notices/{receipt}").text
    assert qr_svg(f"https://zwfw.example.gov.cn/rate/{code_of(case)}", "评价二维码") in printed
    assert "https://zwfw.example.gov.cn/portal/verify" in printed and "http://localhost" not in printed
    monkeypatch.setenv("PUBLIC_URL", "zwfw.example.gov.cn")
    with pytest.raises(SystemExit, match="PUBLIC_URL"):
        create_app({"TESTING": True})


def test_a_wrong_code_sent_with_the_form_is_refused_and_counted_once(app, org, applicant):
    case = closed_case(applicant, org)
    phone = app.test_client()
    for n in range(signin.CODE_GUESSES - 1):  # one short of closing the address
        wrong = f"ABCDEFG{n:03d}".replace("0", "Z").replace("1", "Y")
        page = phone.post(f"/rate/{wrong}", data={"level": "1"})
        assert page.status_code == 404 and page.text.count("不存在，请核对办结文书上的评价码") == 1, page.text
    assert rating_codes.find(code_of(case), "127.0.0.1").id == case.id  # the address not yet closed
