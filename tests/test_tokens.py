"""API tokens (engine/services/tokens.py): issued with a label, listed with their last use,
revoked by an administrator on the people pages or on the command line; only digests are kept."""
import io
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from engine.errors import Conflict, Forbidden, NotFound, Unauthenticated
from engine.services import tokens
from engine.store import session_scope
from engine.store.models import ApiToken, Event
from run import main as run_command
from tests.web import element, signed_in


@pytest.fixture
def app(org):
    from web import create_app
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})


def calls(app, token):
    return app.test_client().get("/api/tasks", headers={"Authorization": f"Bearer {token}"}).status_code


def test_the_command_line_issues_lists_and_revokes(app, capsys):
    assert run_command(["token", "clerk", "--label", "省政务服务平台对接"]) == 0
    token = capsys.readouterr().out.strip()
    assert calls(app, token) == 200
    with session_scope() as session:
        [row] = session.scalars(select(ApiToken)).all()
        assert row.token_hash == tokens._digest(token) != token and row.label == "省政务服务平台对接"
    assert run_command(["token", "clerk", "--list"]) == 0
    [line] = capsys.readouterr().out.splitlines()
    token_id, issued, used, label = line.split("\t")
    assert token_id == str(row.id) and label == "省政务服务平台对接" and used != "never used"
    assert issued.endswith("+08:00") and used.endswith("+08:00")  # China time, as the people page
    assert run_command(["token", "reviewer", "--revoke", token_id]) == 1  # not reviewer's token
    assert "reviewer has no API token" in capsys.readouterr().err
    assert calls(app, token) == 200
    assert run_command(["token", "clerk", "--revoke", token_id]) == 0
    assert calls(app, token) == 401
    with session_scope() as session:
        kinds = [(e.type, e.data["login"]) for e in session.scalars(
            select(Event).where(Event.type.like("token_%")).order_by(Event.id))]
    assert kinds == [("token_issued", "clerk"), ("token_revoked", "clerk")]


def test_last_use_is_written_at_most_every_ten_minutes(app):
    token = tokens.issue_token("clerk")
    [listed] = tokens.list_tokens("clerk")
    assert listed["last_used_at"] is None
    assert calls(app, token) == 200
    [first] = tokens.list_tokens("clerk")
    assert calls(app, token) == 200
    assert tokens.list_tokens("clerk")[0]["last_used_at"] == first["last_used_at"]  # no write
    long_ago = datetime.now(timezone.utc) - tokens.TOUCH_EVERY - timedelta(seconds=1)
    with session_scope() as session:
        session.execute(update(ApiToken).values(last_used_at=long_ago))
    assert calls(app, token) == 200
    assert tokens.list_tokens("clerk")[0]["last_used_at"] > first["last_used_at"]


def test_only_administrators_manage_tokens(org):
    with pytest.raises(Forbidden):
        tokens.issue_token("clerk", actor=org["clerk"])
    with pytest.raises(Forbidden):
        tokens.list_tokens("clerk", org["supervisor"])
    token = tokens.issue_token("clerk", label="报表")
    [row] = tokens.list_tokens("clerk", org["admin"])
    with pytest.raises(Forbidden):
        tokens.revoke_token("clerk", row["id"], org["clerk"])
    with pytest.raises(NotFound):
        tokens.revoke_token("clerk", row["id"] + 1, org["admin"])
    assert tokens.user_for_token(token).login == "clerk"
    with pytest.raises(Unauthenticated):
        tokens.user_for_token(token + "x")
    with pytest.raises(Exception, match="at most 200"):
        tokens.issue_token("clerk", label="x" * 201, actor=org["admin"])


def test_the_tokens_page_shows_a_new_token_once_and_revokes(app, org):
    admin = signed_in(app, "admin")
    assert "/admin/users/clerk/tokens" in admin.get("/admin/users").get_data(as_text=True)
    assert admin.get("/admin/users/clerk/tokens").status_code == 200
    res = admin.post("/admin/users/clerk/tokens", data={"label": "省平台"})
    page = res.get_data(as_text=True)
    assert res.status_code == 200 and "只在此显示一次" in page and res.headers["Cache-Control"] == "no-store"
    token = re.search(r'id="issued-token" readonly value="([^"]+)"', page).group(1)
    assert calls(app, token) == 200
    listing = admin.get("/admin/users/clerk/tokens").get_data(as_text=True)
    assert token not in listing and "省平台" in listing  # shown once only
    [row] = tokens.list_tokens("clerk")
    for login in ("clerk", "supervisor", "designer"):
        assert signed_in(app, login).post(f"/admin/users/clerk/tokens/{row['id']}/revoke").status_code == 403
        assert signed_in(app, login).get("/admin/users/clerk/tokens").status_code == 403
    assert calls(app, token) == 200
    res = admin.post(f"/admin/users/clerk/tokens/{row['id']}/revoke")
    assert res.status_code == 303
    assert f"已撤销 clerk 的 API 令牌 {row['id']}" in admin.get(res.location).get_data(as_text=True)
    assert calls(app, token) == 401
    assert admin.post(f"/admin/users/clerk/tokens/{row['id']}/revoke").status_code == 404
    assert admin.get("/admin/users/nobody/tokens").status_code == 404
    with session_scope() as session:
        revoked = session.scalar(select(Event).where(Event.type == "token_revoked"))
        assert revoked.actor.login == "admin" and revoked.data["label"] == "省平台"


def test_a_deactivated_users_tokens_stop_working(app, org):
    from engine.services import admin
    token = tokens.issue_token("clerk")
    admin.set_active("clerk", False, org["admin"])
    assert calls(app, token) == 401
    # Deactivation revokes them: coming back does not bring an old token back to life.
    admin.set_active("clerk", True, org["admin"])
    assert calls(app, token) == 401 and tokens.list_tokens("clerk") == []
    admin.set_active("clerk", False, org["admin"])
    with pytest.raises(Conflict, match="deactivated"):
        tokens.issue_token("clerk")
    assert run_command(["token", "clerk"]) == 1


def _logged(app, kind):
    """The 操作日志 line of the newest event of a kind, tags dropped."""
    from tests.test_activity import rows
    return rows(signed_in(app, "admin").get("/admin/activity").text)[kind]


def test_an_administrators_new_password_revokes_the_persons_tokens(app, org, capsys, monkeypatch):
    first, second = tokens.issue_token("clerk", label="叫号机"), tokens.issue_token("clerk")
    others = tokens.issue_token("reviewer")
    assert signed_in(app, "admin").post("/admin/users/clerk/password", data={"password": "new-clerk-pw"}).status_code == 303
    assert calls(app, first) == 401 and calls(app, second) == 401 and tokens.list_tokens("clerk") == []
    assert calls(app, others) == 200  # only the person's own
    with session_scope() as session:
        event = session.scalar(select(Event).where(Event.type == "password_set"))
        assert event.data["revoked_tokens"] == 2
    assert "设置密码 clerk" in _logged(app, "password_set") and "其 2 个 API 令牌已吊销" in _logged(app, "password_set")
    # On the command line too, which says how many.
    third = tokens.issue_token("clerk")
    monkeypatch.setattr("sys.stdin", io.StringIO("from-a-pipe-1\n"))
    assert run_command(["user", "password", "clerk"]) == 0
    assert "1 API token(s) revoked" in capsys.readouterr().out and calls(app, third) == 401


def test_the_people_page_says_how_many_tokens_a_new_password_revoked(app, org):
    tokens.issue_token("clerk"), tokens.issue_token("clerk")
    admin = signed_in(app, "admin")
    assert "其 API 令牌一并吊销" in element(admin.get("/admin/users").text, "users")  # asked before it is done
    res = admin.post("/admin/users/clerk/password", data={"password": "new-clerk-pw"})
    assert "已为 clerk 设置新密码，其已登录的会话均已结束，其 2 个 API 令牌已吊销" in admin.get(res.location).text


def test_a_first_password_revokes_nothing(app, org):
    """A token-only account (a system's) given a password: no old password opened anything."""
    from engine.services import users
    users.add_user("platform", "省平台", "window", ["clerk"], actor=org["admin"])
    token = tokens.issue_token("platform")
    assert users.set_password("platform", "first-pass-1", org["admin"]) == 0
    assert calls(app, token) == 200


def test_changing_ones_own_password_revokes_ones_tokens(app, org):
    token, others = tokens.issue_token("reviewer"), tokens.issue_token("clerk")
    browser, elsewhere = signed_in(app, "reviewer"), signed_in(app, "reviewer")
    assert "API 令牌（如有）将被吊销" in browser.get("/account/password").text
    res = browser.post("/account/password", data={"current": "pass-reviewer", "new": "brand-new-pw",
                                                   "again": "brand-new-pw"})
    assert "您的 1 个 API 令牌已吊销" in browser.get(res.location, follow_redirects=True).text
    assert calls(app, token) == 401 and calls(app, others) == 200
    assert browser.get("/inbox/").status_code == 200 and elsewhere.get("/inbox/").status_code == 302
    with session_scope() as session:
        event = session.scalar(select(Event).where(Event.type == "password_changed"))
        assert event.actor.login == "reviewer" and event.data["revoked_tokens"] == 1
    assert "修改本人密码 其 1 个 API 令牌已吊销" in _logged(app, "password_changed")
    # Without a token, nothing is said of tokens.
    res = browser.post("/account/password", data={"current": "brand-new-pw", "new": "newer-still-pw",
                                                   "again": "newer-still-pw"})
    page = browser.get(res.location, follow_redirects=True).text
    assert "密码已修改，其他设备上的登录已结束" in page and "API 令牌" not in page
