"""A password an administrator gives someone is temporary (engine/signin.py): at the next sign-in the
person chooses their own before any other page opens, and it expires after signin.TEMPORARY_DAYS.
The demo's and the tests' people, whose passwords their setup gives, sign in as they are; API
tokens are unaffected."""
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from engine import signin
from engine.demo import DEMO_PASSWORD, create_demo_organisation
from engine.errors import Conflict
from engine.services import tokens, users
from engine.store import session_scope
from engine.store.models import Event, User, utcnow
from run import main as run_command
from tests.web import signed_in

# Pages of every kind a clerk, a reviewer or an administrator opens (the portal's staff page too).
PAGES = ["/", "/inbox/", "/inbox/notices", "/intake/", "/admin/users", "/supervision/", "/portal/rectifications",
         "/designer/"]


@pytest.fixture
def app(org):
    from web import create_app
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})


def temporary_until(login):
    with session_scope() as session:
        return session.scalar(select(User.temporary_until).where(User.login == login))


def sign_in(app, login, password):
    browser = app.test_client()
    assert browser.post("/login", data={"login": login, "password": password}).status_code == 302
    return browser


def test_an_administrators_password_opens_only_the_page_to_choose_ones_own(app, org):
    admin = signed_in(app, "admin")
    res = admin.post("/admin/users/clerk/password", data={"password": "given-by-admin"})
    assert "这是临时密码：clerk 登录后须先改为自己的密码，3 天内有效" in admin.get(res.location).text
    assert temporary_until("clerk") > utcnow() + timedelta(days=2)
    clerk = sign_in(app, "clerk", "given-by-admin")
    for path in PAGES:
        assert clerk.get(path).location == "/account/password", path
    assert clerk.post("/intake/applicants", data={"q": "张三"}).location == "/account/password"
    # A page's own background reload is answered plainly; its script reloads the whole page.
    assert clerk.get("/inbox/", headers={"HX-Request": "true"}).status_code == 401
    page = clerk.get("/account/password").text
    assert 'id="temporary-notice"' in page and "管理员提供的临时密码" in page
    assert "待办任务" not in page and "综合受理" not in page  # no menu to pages that do not open
    res = clerk.post("/account/password", data={"current": "given-by-admin", "new": "given-by-admin",
                                                  "again": "given-by-admin"})
    assert res.status_code == 422 and temporary_until("clerk") is not None  # their own, not the one given
    res = clerk.post("/account/password", data={"current": "given-by-admin", "new": "clerks-own-pw",
                                                  "again": "clerks-own-pw"})
    assert res.status_code == 302 and temporary_until("clerk") is None
    assert clerk.get("/inbox/").status_code == 200 and clerk.get("/intake/").status_code == 200
    assert users.check_password("clerk", "given-by-admin") is None


def test_a_person_with_a_temporary_password_can_sign_out(app, org):
    users.set_password("reviewer", "given-by-admin", org["admin"])
    reviewer = sign_in(app, "reviewer", "given-by-admin")
    assert reviewer.post("/logout").location == "/login"
    assert reviewer.get("/account/password").status_code == 302  # signed out: to the sign-in page
    assert "/login" in reviewer.get("/account/password").location


def test_a_temporary_password_expires(app, org):
    users.set_password("reviewer", "given-by-admin", org["admin"])
    reviewer = sign_in(app, "reviewer", "given-by-admin")  # signed in before it ran out
    with session_scope() as session:
        session.execute(update(User).where(User.login == "reviewer").values(temporary_until=utcnow() - timedelta(minutes=1)))
    res = app.test_client().post("/login", data={"login": "reviewer", "password": "given-by-admin"})
    assert res.status_code == 409 and "临时密码已过期，请联系管理员重新设置" in res.text
    res = reviewer.post("/account/password", data={"current": "given-by-admin", "new": "too-late-pw",
                                                    "again": "too-late-pw"})
    assert res.status_code == 409 and users.check_password("reviewer", "too-late-pw") is None
    with pytest.raises(Conflict, match="expired"):
        users.check_password("reviewer", "given-by-admin")
    assert users.check_password("reviewer", "wrong-password") is None  # a wrong one is only wrong
    assert "临时密码已过期" in signed_in(app, "admin").get("/admin/users").text
    # A new one from the administrator opens it again.
    users.set_password("reviewer", "given-again-1", org["admin"])
    assert users.check_password("reviewer", "given-again-1").login == "reviewer"


def test_every_password_an_administrator_gives_is_temporary(app, org, monkeypatch, capsys):
    """The people page's new person and 设置密码, and the command line's; but not an administrator's
    own, set on the people page."""
    admin = signed_in(app, "admin")
    admin.post("/admin/users", data={"login": "newbie", "name": "新人", "department": "housing",
                                     "roles": ["reviewer"], "password": "pw-newbie"})
    assert temporary_until("newbie") is not None
    monkeypatch.setattr("sys.stdin", io.StringIO("from-a-pipe-1\n"))
    assert run_command(["user", "password", "lead"]) == 0
    assert "they choose their own" in capsys.readouterr().out and temporary_until("lead") is not None
    assert run_command(["user", "add", "cli", "--department", "tax", "--role", "clerk", "--password", "pw-cli-1"]) == 0
    assert temporary_until("cli") is not None
    assert admin.post("/admin/users/admin/password", data={"password": "admins-own-pw"}).status_code == 303
    assert temporary_until("admin") is None and admin.get("/admin/users").status_code == 200
    with session_scope() as session:
        said = {e.data["login"]: e.data["temporary"] for e in session.scalars(
            select(Event).where(Event.type == "password_set"))}
        assert said == {"lead": True, "admin": False}
        assert session.scalar(select(Event).where(Event.type == "user_created", Event.data["login"].as_string() == "newbie")
                              ).data["temporary_password"] is True
    assert re.search(r"设置密码\s+lead（临时密码）", _log(admin))


def _log(client) -> str:
    return re.sub(r"<[^>]+>", " ", client.get("/admin/activity?what=password_set").text)


def test_the_tests_people_sign_in_as_they_are(app, org):
    """Their passwords come from the setup (add_user without temporary), not from an
    administrator acting on a person: none is temporary."""
    assert all(person.temporary_until is None for person in org.values())
    assert signed_in(app, "reviewer").get("/inbox/").status_code == 200


def test_the_demo_organisation_signs_in_without_a_change(db):
    """The demo's people share a published password, which no administrator chose for them."""
    from web import create_app
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    assert create_demo_organisation()
    with session_scope() as session:
        assert session.scalars(select(User.temporary_until).distinct()).all() == [None]
    assert sign_in(app, "reviewer", DEMO_PASSWORD).get("/inbox/").status_code == 200


def test_api_tokens_work_while_the_password_is_temporary(app, org):
    """A token is issued by an administrator for a program, apart from the password: the person's
    temporary password neither stops it nor is needed for it."""
    token = tokens.issue_token("clerk", label="叫号机", actor=org["admin"])
    users.set_password("clerk", "given-by-admin", org["admin"])  # revokes the tokens from before
    token = tokens.issue_token("clerk", label="叫号机", actor=org["admin"])
    assert temporary_until("clerk") is not None
    res = app.test_client().get("/api/tasks", headers={"Authorization": f"Bearer {token}"})
    assert res.status_code == 200


def test_a_drawn_password_is_checked_as_long_as_a_chosen_one(org, monkeypatch):
    """A drawn temporary password has a lighter hash; its check is followed by the decoy's, so a
    sign-in's time does not tell which accounts hold one."""
    checked = []
    plain = signin.check_password_hash
    monkeypatch.setattr(signin, "check_password_hash", lambda digest, password: checked.append(digest) or plain(digest, password))
    with session_scope() as session:
        password = signin.give_drawn_password(session.scalar(select(User).where(User.login == "clerk")))
    assert users.check_password("clerk", password).login == "clerk"
    assert [digest.split("$")[0] for digest in checked] == [signin.DRAWN_METHOD, "scrypt:32768:8:1"]
    checked.clear()
    assert users.check_password("reviewer", "pass-reviewer").login == "reviewer"
    assert len(checked) == 1  # a chosen password's hash alone
