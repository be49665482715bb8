"""Applicants' passwords: the window's temporary password (opening an account, a forgotten
password) and changing one's own, in the engine and through the pages."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import applicant_passwords, catalogue, intake, portal, signin
from engine.errors import Conflict, Forbidden, Invalid, TooManyAttempts
from engine.store import session_scope
from engine.store.models import Applicant, Event, utcnow
from tests.test_portal import ITEM, ZHANG, files
from tests.web import signed_in as staff

ZHAO = "110101198001011128"


@pytest.fixture
def window_record(org):
    """赵六, served at the window, which kept no phone: no online account."""
    catalogue.save(ITEM, None)
    intake.submit("Q-001", {"name": "赵六", "id_number": ZHAO}, files("id_card", "form"), org["clerk"])
    with session_scope() as session:
        return session.scalar(select(Applicant).where(Applicant.id_number == ZHAO))


@pytest.fixture
def zhang(org):
    catalogue.save(ITEM, None)
    return portal.register(**ZHANG)


def events(type_):
    with session_scope() as session:
        return [(e.actor.login if e.actor else None, e.data) for e in
                session.scalars(select(Event).where(Event.type == type_).order_by(Event.id))]


def stored(applicant_id) -> Applicant:
    with session_scope() as session:
        return session.get(Applicant, applicant_id)


def test_the_window_opens_an_account_whose_password_serves_only_to_choose_ones_own(window_record, org):
    temporary = applicant_passwords.reset_password(org["clerk"], window_record.id)
    assert len(temporary) == signin.TEMPORARY_LENGTH
    assert set(temporary) <= set(signin.ALPHABET)
    assert temporary not in stored(window_record.id).password_hash  # only its hash is kept
    assert events("applicant_password_reset") == [("clerk", {"applicant_id": window_record.id, "opened": True})]
    signed = portal.authenticate(ZHAO, temporary)
    assert signed.id == window_record.id and signed.temporary_until > utcnow() + timedelta(days=2)

    applicant_passwords.change_password(window_record.id, temporary, "zhaoliu-own-pw")
    assert stored(window_record.id).temporary_until is None
    assert portal.authenticate(ZHAO, temporary) is None
    assert portal.authenticate(ZHAO, "zhaoliu-own-pw").id == window_record.id
    assert events("applicant_password_changed") == [(None, {"applicant_id": window_record.id})]


def test_a_reset_ends_the_sessions_and_lifts_the_lock(zhang, org):
    for _ in range(5):
        portal.authenticate(ZHANG["phone"], "wrong-guess", "10.0.0.9")
    with pytest.raises(TooManyAttempts):
        portal.authenticate(ZHANG["phone"], ZHANG["password"], "10.0.0.9")
    serial = stored(zhang.id).session_serial
    temporary = applicant_passwords.reset_password(org["clerk"], zhang.id)
    assert stored(zhang.id).session_serial > serial  # every signed-in browser is signed out
    assert portal.authenticate(ZHANG["phone"], ZHANG["password"], "10.0.0.9") is None  # the old one is gone
    assert portal.authenticate(ZHANG["phone"], temporary, "10.0.0.9").id == zhang.id
    assert events("applicant_password_reset")[0][1]["opened"] is False


def test_only_the_window_resets_and_a_refusal_changes_nothing(zhang, org):
    before = stored(zhang.id).password_hash
    for login in ("reviewer", "supervisor"):
        with pytest.raises(Forbidden):
            applicant_passwords.reset_password(org[login], zhang.id)
        with pytest.raises(Forbidden):
            applicant_passwords.find(org[login], ZHANG["id_number"])
    assert stored(zhang.id).password_hash == before and events("applicant_password_reset") == []


def test_an_expired_temporary_password_is_refused(zhang, org):
    temporary = applicant_passwords.reset_password(org["clerk"], zhang.id)
    with session_scope() as session:
        session.get(Applicant, zhang.id).temporary_until = utcnow() - timedelta(minutes=1)
    with pytest.raises(Conflict, match="expired"):
        portal.authenticate(ZHANG["id_number"], temporary)
    with pytest.raises(Conflict, match="expired"):  # nor does a page opened before replace it
        applicant_passwords.change_password(zhang.id, temporary, "too-late-pw")
    assert stored(zhang.id).temporary_until is not None


def test_changing_needs_the_current_password_and_a_good_new_one(zhang):
    before = stored(zhang.id)
    with pytest.raises(Invalid, match="current password"):
        applicant_passwords.change_password(zhang.id, "not-my-pw", "brand-new-pw")
    assert stored(zhang.id).failed_sign_ins == 1  # counted as a wrong sign-in
    with pytest.raises(Invalid, match="at least 8"):
        applicant_passwords.change_password(zhang.id, ZHANG["password"], "short")
    with pytest.raises(Invalid, match="differ"):  # the window's temporary one above all: the clerk saw it
        applicant_passwords.change_password(zhang.id, ZHANG["password"], ZHANG["password"])
    after = stored(zhang.id)
    assert (after.password_hash, after.session_serial) == (before.password_hash, before.session_serial)


def test_the_window_finds_applicants_by_id_number_phone_or_name(zhang, window_record, org):
    assert [a.id for a in applicant_passwords.find(org["clerk"], ZHANG["id_number"].lower())] == [zhang.id]
    assert [a.id for a in applicant_passwords.find(org["clerk"], ZHANG["phone"])] == [zhang.id]
    assert [a.id for a in applicant_passwords.find(org["clerk"], "赵六")] == [window_record.id]
    assert applicant_passwords.find(org["clerk"], "赵") == [] and applicant_passwords.find(org["clerk"], " ") == []


# --- pages --------------------------------------------------------------------------------------

@pytest.fixture
def app(org):
    from web import create_app
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})


def test_the_window_gives_a_temporary_password_and_the_portal_makes_the_applicant_replace_it(app, window_record):
    clerk = staff(app, "clerk")
    page = clerk.post("/intake/applicants", data={"q": ZHAO}, follow_redirects=True)
    assert page.status_code == 200 and "赵六" in page.text and "未开通" in page.text
    serial = int(re.search(r'name="serial" value="(\d+)"', page.text).group(1))
    res = clerk.post(f"/intake/applicants/{window_record.id}/password", data={"serial": serial})
    assert res.status_code == 200 and res.headers["Cache-Control"] == "no-store"
    temporary = res.text.split('id="temporary-password" readonly value="')[1].split('"')[0]
    assert "临时密码，有效至" in res.text

    applicant = app.test_client()
    assert applicant.post("/portal/login", data={"identifier": ZHAO, "password": temporary}).status_code == 302
    for page in ("/portal/cases", "/portal/items/Q-001/apply"):  # nothing else opens
        res = applicant.get(page)
        assert res.status_code == 302 and res.location.endswith("/portal/account/password")
    form = applicant.get("/portal/account/password").text
    assert "窗口提供的临时密码" in form and "请先设置自己的密码" in form
    res = applicant.post("/portal/account/password", data={"current": temporary, "new": "zhaoliu-own-pw",
                                                            "again": "zhaoliu-own-pw"})
    assert res.status_code == 302 and res.location.endswith("/portal/cases")
    assert applicant.get("/portal/cases").status_code == 200  # still signed in, with the new password
    assert "已开通" in clerk.get(f"/intake/applicants/{window_record.id}").text
    # The reset page sent again (a reload) resets nothing: the applicant keeps the password they chose.
    again = clerk.post(f"/intake/applicants/{window_record.id}/password", data={"serial": serial})
    assert again.status_code == 409 and 'id="temporary-password"' not in again.text
    assert portal.authenticate(ZHAO, "zhaoliu-own-pw").id == window_record.id


def test_the_applicant_pages_refuse_a_mismatch_and_end_other_sessions(app, zhang):
    here, elsewhere = (app.test_client() for _ in range(2))
    for client in (here, elsewhere):
        client.post("/portal/login", data={"identifier": ZHANG["phone"], "password": ZHANG["password"]})
    res = here.post("/portal/account/password", data={"current": ZHANG["password"], "new": "new-secret-1",
                                                       "again": "new-secret-2"})
    assert res.status_code == 422 and "两次输入的新密码不一致" in res.text
    assert portal.authenticate(ZHANG["phone"], ZHANG["password"]) is not None  # unchanged
    res = here.post("/portal/account/password", data={"current": ZHANG["password"], "new": "new-secret-1",
                                                       "again": "new-secret-1"})
    assert res.status_code == 302
    assert here.get("/portal/cases").status_code == 200
    assert elsewhere.get("/portal/cases").status_code == 302  # signed out


def test_an_expired_temporary_password_says_so_at_sign_in(app, zhang, org):
    temporary = applicant_passwords.reset_password(org["clerk"], zhang.id)
    with session_scope() as session:
        session.get(Applicant, zhang.id).temporary_until = utcnow() - timedelta(minutes=1)
    res = app.test_client().post("/portal/login", data={"identifier": ZHANG["phone"], "password": temporary})
    assert res.status_code == 409 and "临时密码已过期" in res.text
    assert "临时密码已过期" in staff(app, "clerk").get(f"/intake/applicants/{zhang.id}").text  # the window sees it too


def test_only_clerks_reach_the_window_account_page(app, zhang):
    for login in ("reviewer", "admin"):
        client = staff(app, login)
        expected = 200 if login == "admin" else 403  # admin holds every role
        assert client.post("/intake/applicants", data={"q": ZHANG["phone"]}, follow_redirects=True).status_code == expected
    assert staff(app, "reviewer").post(f"/intake/applicants/{zhang.id}/password").status_code == 403
    assert staff(app, "clerk").get("/intake/applicants/99999999999999999999999").status_code == 404
    assert app.test_client().get("/intake/applicants").status_code == 302  # sign in first
