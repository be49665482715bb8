"""Sign-in protections (engine/signin.py), for staff and applicants alike: five wrong passwords in
a row from one address close signing in there for fifteen minutes, twenty from all addresses
close it everywhere, and signing out ends every copy of the session."""
import io
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from engine import portal, signin
from engine.errors import TooManyAttempts
from engine.services import users
from engine.store import session_scope
from engine.store.models import AddressSignIn, Applicant, Event, UnknownSignIn, User
from run import main as run_command
from tests.web import signed_in


def _guess(login, times, address=None):
    for _ in range(times):
        assert users.check_password(login, "not-the-password", address) is None


def _unlock_by_time(model, **where):
    """The quarter of an hour passes for the account's lock and every address's."""
    past = datetime.now(timezone.utc) - timedelta(seconds=1)
    with session_scope() as session:
        session.execute(update(model).filter_by(**where).values(locked_until=past))
        session.execute(update(AddressSignIn).values(locked_until=past))


def test_five_wrong_passwords_lock_a_staff_account_even_against_the_right_one(org):
    _guess("reviewer", signin.MAX_FAILURES - 1)
    assert users.check_password("reviewer", "pass-reviewer").login == "reviewer"  # clears the count
    _guess("reviewer", signin.MAX_FAILURES - 1)
    assert users.check_password("reviewer", "pass-reviewer") is not None  # four in a row: still open
    _guess("reviewer", signin.MAX_FAILURES)
    with pytest.raises(TooManyAttempts):
        users.check_password("reviewer", "pass-reviewer")
    assert users.check_password("reviewer2", "pass-reviewer2") is not None  # only that account
    _unlock_by_time(User, login="reviewer")
    assert users.check_password("reviewer", "pass-reviewer") is not None


def test_no_more_guesses_than_the_counts_allow_are_checked_at_once(org):
    """Guesses sent together each take a place in both counts before their password is checked:
    with an address's five places taken and unanswered, a sixth from there is refused, right
    password or not; with the account's twenty taken, one from any address the owner has not
    signed in from is."""
    clerk = users.get_user("clerk")
    subject = signin._digest("users", clerk.id)
    with session_scope() as session:
        session.add(AddressSignIn(id=signin._digest(subject, "10.0.0.9"), subject=subject,
                                  failed_sign_ins=signin.MAX_FAILURES, last_attempt_at=datetime.now(timezone.utc)))
    with pytest.raises(TooManyAttempts):
        users.check_password("clerk", "pass-clerk", "10.0.0.9")
    assert users.check_password("clerk", "pass-clerk", "10.0.0.8") is not None
    with session_scope() as session:
        session.execute(update(User).filter_by(login="clerk").values(failed_sign_ins=signin.ACCOUNT_FAILURES))
    with pytest.raises(TooManyAttempts):
        users.check_password("clerk", "pass-clerk", "10.0.0.7")
    with session_scope() as session:  # the refused attempt gave back the place it took at its address
        assert session.scalar(select(AddressSignIn.failed_sign_ins).where(
            AddressSignIn.id == signin._digest(subject, "10.0.0.7"))) is None


def test_a_guesser_at_one_address_does_not_lock_the_owner_out_elsewhere(org):
    _guess("reviewer", signin.MAX_FAILURES, "198.51.100.7")
    with pytest.raises(TooManyAttempts):
        users.check_password("reviewer", "pass-reviewer", "198.51.100.7")
    assert users.check_password("reviewer", "pass-reviewer", "10.1.2.3").login == "reviewer"
    with pytest.raises(TooManyAttempts):  # the owner's sign-in opened nothing for the guesser
        users.check_password("reviewer", "pass-reviewer", "198.51.100.7")


def test_guesses_from_many_addresses_lock_the_account_everywhere(org):
    """Four addresses of five guesses each reach ACCOUNT_FAILURES: no address signs in, the
    owner's neither, though it never guessed; a name no account has answers the same."""
    for login in ("reviewer", "no-such-reviewer"):
        for n in range(signin.ACCOUNT_FAILURES // signin.MAX_FAILURES):
            _guess(login, signin.MAX_FAILURES, f"203.0.113.{n}")
        with pytest.raises(TooManyAttempts):
            users.check_password(login, "pass-reviewer", "10.1.2.3")
    _unlock_by_time(User, login="reviewer")
    assert users.check_password("reviewer", "pass-reviewer", "10.1.2.3") is not None


def test_the_sign_in_page_says_signing_in_is_closed_for_a_while(org):
    from web import create_app
    client = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False}).test_client()
    for _ in range(signin.MAX_FAILURES):
        assert client.post("/login", data={"login": "clerk", "password": "wrong-one"}).status_code == 401
    res = client.post("/login", data={"login": "clerk", "password": "pass-clerk"})
    assert res.status_code == 429 and "暂时不能登录，最长15分钟后可再试" in res.get_data(as_text=True)
    assert client.get("/inbox/").status_code == 302  # not signed in


def test_a_guesser_at_one_address_cannot_lock_the_owner_out_where_they_sign_in(org):
    """Four rounds of five guesses from one address, each after its lock ended, fill the
    account's count: new addresses are locked out, not the one the owner signed in from."""
    assert users.check_password("reviewer", "pass-reviewer", "10.1.2.3") is not None  # the owner's desk
    for _ in range(signin.ACCOUNT_FAILURES // signin.MAX_FAILURES):
        _guess("reviewer", signin.MAX_FAILURES, "198.51.100.7")
        with session_scope() as session:  # the quarter of an hour passes for the guesser's address
            session.execute(update(AddressSignIn).where(AddressSignIn.locked_until.is_not(None))
                            .values(locked_until=datetime.now(timezone.utc) - timedelta(seconds=1)))
    with pytest.raises(TooManyAttempts):
        users.check_password("reviewer", "pass-reviewer", "192.0.2.50")  # an address never used
    assert users.check_password("reviewer", "pass-reviewer", "10.1.2.3").login == "reviewer"
    with session_scope() as session:  # the owner's address is not forgotten after a day without attempts
        session.execute(update(AddressSignIn).values(
            last_attempt_at=datetime.now(timezone.utc) - signin.FORGET - timedelta(minutes=1)))
    signin.forget_old_counts()
    assert users.check_password("reviewer", "pass-reviewer", "10.1.2.3") is not None


def test_an_ipv6_client_is_counted_by_its_64(org):
    """An IPv6 client holds a whole /64: new addresses in it are the same guesser; another /64
    is another client, and an IPv4 address written as IPv6 is that IPv4 address."""
    for n in range(signin.MAX_FAILURES):
        assert users.check_password("clerk", "wrong-one", f"2001:db8:0:7::{n + 1}") is None
    with pytest.raises(TooManyAttempts):
        users.check_password("clerk", "pass-clerk", "2001:db8:0:7:ffff::1")
    assert users.check_password("clerk", "pass-clerk", "2001:db8:0:8::1") is not None
    _guess("clerk", signin.MAX_FAILURES, "10.0.0.1")
    with pytest.raises(TooManyAttempts):
        users.check_password("clerk", "pass-clerk", "::ffff:10.0.0.1")


def test_the_sign_in_page_counts_guesses_by_the_client_address(org, monkeypatch):
    """Five wrong passwords from one browser's address lock that address out; another address
    signs in. Behind a proxy (PROXY_HOPS=1) the address is the one the proxy forwards: its own
    address, shared by every client, would lock everyone out together."""
    from web import create_app
    monkeypatch.setenv("PROXY_HOPS", "1")
    client = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False}).test_client()

    def sign_in(password, address):
        return client.post("/login", data={"login": "clerk", "password": password},
                           headers={"X-Forwarded-For": address}, environ_base={"REMOTE_ADDR": "10.9.9.9"})
    for _ in range(signin.MAX_FAILURES):
        assert sign_in("wrong-one", "198.51.100.7").status_code == 401
    assert sign_in("pass-clerk", "198.51.100.7").status_code == 429
    assert sign_in("pass-clerk", "10.1.2.3").status_code == 302


def test_without_proxy_hops_a_forwarded_address_is_not_believed(org):
    """A client sending X-Forwarded-For itself gets no fresh address per guess: with PROXY_HOPS
    unset the connection's address is counted."""
    from web import create_app
    client = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False}).test_client()
    for n in range(signin.MAX_FAILURES):
        assert client.post("/login", data={"login": "clerk", "password": "wrong-one"},
                           headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code == 401
    assert client.post("/login", data={"login": "clerk", "password": "pass-clerk"},
                       headers={"X-Forwarded-For": "203.0.113.99"}).status_code == 429


def test_an_applicant_account_locks_the_same_way(org):
    applicant = portal.register(name="张三", id_type="id_card", id_number="11010119900101127X",
                                phone="13800000000", password="secret-pw")
    for _ in range(signin.MAX_FAILURES):
        assert portal.authenticate("13800000000", "wrong-pw") is None
    with pytest.raises(TooManyAttempts):
        portal.authenticate("11010119900101127X", "secret-pw")  # by ID number too: one account
    _unlock_by_time(Applicant, id=applicant.id)
    assert portal.authenticate("13800000000", "secret-pw").id == applicant.id


def _copy_of(client, app):
    """A second browser holding a copy of the first one's session cookie."""
    other = app.test_client()
    cookie = client.get_cookie("session")
    other.set_cookie(cookie.key, cookie.value, domain=cookie.domain)
    return other


def test_signing_out_ends_every_copy_of_the_staff_session(org):
    from web import create_app
    from tests.web import signed_in
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    browser = signed_in(app, "reviewer")
    copy = _copy_of(browser, app)
    assert copy.get("/inbox/").status_code == 200  # the copy works while the session lasts
    assert browser.post("/logout").status_code == 302
    assert copy.get("/inbox/").status_code == 302  # to the sign-in page
    assert signed_in(app, "reviewer").get("/inbox/").status_code == 200  # signing in again works


def test_signing_out_ends_every_copy_of_the_applicant_session(org):
    from web import create_app
    portal.register(name="张三", id_type="id_card", id_number="11010119900101127X", phone="13800000000",
                    password="secret-pw")
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    browser = app.test_client()
    assert browser.post("/portal/login", data={"identifier": "13800000000", "password": "secret-pw"}).status_code == 302
    copy = _copy_of(browser, app)
    assert copy.get("/portal/cases").status_code == 200
    browser.post("/portal/logout")
    assert copy.get("/portal/cases").status_code == 302


def _lock(login):
    _guess(login, signin.MAX_FAILURES)
    with pytest.raises(TooManyAttempts):
        users.check_password(login, f"pass-{login}")


def test_an_administrator_lifts_a_lock_on_the_people_page(org):
    from web import create_app
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    _lock("clerk")
    admin = signed_in(app, "admin")
    row = admin.get("/admin/users").get_data(as_text=True).split('data-login="clerk"')[1].split("</tr>")[0]
    assert "在部分地址登录锁定至" in row and "/admin/users/clerk/unlock" in row
    assert signed_in(app, "reviewer").post("/admin/users/clerk/unlock").status_code == 403
    res = admin.post("/admin/users/clerk/unlock")
    assert res.status_code == 303
    assert "已解除 clerk 的登录锁定" in admin.get(res.location).get_data(as_text=True)
    assert users.check_password("clerk", "pass-clerk").login == "clerk"
    with session_scope() as session:
        [event] = session.scalars(select(Event).where(Event.type == "user_unlocked")).all()
        assert event.actor.login == "admin" and event.data == {"login": "clerk"}
    row = admin.get("/admin/users").get_data(as_text=True).split('data-login="clerk"')[1].split("</tr>")[0]
    assert "/unlock" not in row  # open again: nothing to lift


def test_the_command_line_lifts_a_lock(org, capsys):
    assert run_command(["user", "unlock", "reviewer"]) == 0
    assert "was not locked" in capsys.readouterr().out
    _lock("reviewer")
    assert run_command(["user", "unlock", "reviewer"]) == 0
    assert "open again" in capsys.readouterr().out
    assert users.check_password("reviewer", "pass-reviewer") is not None


def test_an_account_whose_count_is_full_shows_as_locked_and_can_be_opened(org):
    """Twenty attempts took their places and never wrote an outcome (the server died meanwhile):
    the account refuses every sign-in though no lock time is set; it shows as locked."""
    with session_scope() as session:
        session.execute(update(User).filter_by(login="clerk").values(failed_sign_ins=signin.ACCOUNT_FAILURES))
    with session_scope() as session:
        clerk = session.scalar(select(User).filter_by(login="clerk"))
        assert signin.lock_ends(session, [clerk])[clerk.id].everywhere
    assert run_command(["user", "unlock", "clerk"]) == 0
    assert users.check_password("clerk", "pass-clerk") is not None


def test_a_name_no_account_has_is_answered_like_an_account(org):
    """Five wrong sign-ins close a name whether or not it is an account's: a 429 after them would
    otherwise tell a guesser which staff logins exist. The page's answers are the same for both."""
    from web import create_app
    client = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False}).test_client()
    answers = {}
    for login in ("clerk", "no-such-clerk"):
        answers[login] = [client.post("/login", data={"login": login, "password": "wrong-one"}).status_code
                          for _ in range(signin.MAX_FAILURES + 1)]
    assert answers["clerk"] == answers["no-such-clerk"] == [401] * signin.MAX_FAILURES + [429]
    assert users.check_password("no-such-clerk2", "x") is None  # another name keeps its own count
    with session_scope() as session:
        session.execute(update(User).filter_by(login="reviewer").values(active=False))
    _guess("reviewer", signin.MAX_FAILURES)  # a deactivated account is a name no account has
    with pytest.raises(TooManyAttempts):
        users.check_password("reviewer", "pass-reviewer")


def test_a_name_no_account_has_costs_a_password_check(org, monkeypatch):
    checked = []
    monkeypatch.setattr(signin, "check_password_hash", lambda hashed, pw: checked.append(hashed) or False)
    assert users.check_password("no-such-clerk", "guess") is None
    assert portal.authenticate("13900000000", "guess") is None
    assert len(checked) == 2 and checked[0] == checked[1] and checked[0].startswith("scrypt:")


def test_an_unknown_applicant_name_locks_and_old_counts_are_forgotten(org):
    for _ in range(signin.MAX_FAILURES):
        assert portal.authenticate("13900000000", "wrong-pw") is None
    with pytest.raises(TooManyAttempts):
        portal.authenticate("13900000000", "wrong-pw")
    with session_scope() as session:
        assert session.query(UnknownSignIn).count() == session.query(AddressSignIn).count() == 1
    assert users.check_password("no-such-clerk", "x") is None
    day_ago = datetime.now(timezone.utc) - signin.FORGET - timedelta(minutes=1)
    with session_scope() as session:
        for model in (UnknownSignIn, AddressSignIn):
            session.execute(update(model).where(model.failed_sign_ins == 1).values(last_attempt_at=day_ago))
    assert signin.forget_old_counts() == 2  # the scheduler's hourly clean-up: only the day-old rows
    with session_scope() as session:
        assert session.query(UnknownSignIn).count() == session.query(AddressSignIn).count() == 1


def test_every_count_starts_again_a_day_after_its_last_attempt(org):
    """Four wrong passwords, a day's pause, two more: an account and a name no account has answer
    alike (only a count within the day locks), so the pause tells a guesser nothing."""
    for login in ("clerk", "no-such-clerk"):
        _guess(login, signin.MAX_FAILURES - 1)
    day_ago = datetime.now(timezone.utc) - signin.FORGET - timedelta(minutes=1)
    with session_scope() as session:
        session.execute(update(User).where(User.login == "clerk").values(last_attempt_at=day_ago))
        for model in (UnknownSignIn, AddressSignIn):
            session.execute(update(model).values(last_attempt_at=day_ago))
    for login in ("clerk", "no-such-clerk"):
        _guess(login, 2)  # the sixth and seventh in a row, but the first two of a new count
    with session_scope() as session:
        clerk = session.scalar(select(User).filter_by(login="clerk"))
        assert clerk.failed_sign_ins == 2 and not signin.lock_ends(session, [clerk])
        assert session.scalar(select(UnknownSignIn.failed_sign_ins)) == 2
        assert set(session.scalars(select(AddressSignIn.failed_sign_ins))) == {2}


def test_an_administrator_sets_a_password_and_old_sessions_end(org, capsys, monkeypatch):
    from web import create_app
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    clerk_browser = signed_in(app, "clerk")
    admin = signed_in(app, "admin")
    res = admin.post("/admin/users/clerk/password", data={"password": "short"})
    assert res.status_code == 422 and "至少 8" in res.text
    assert signed_in(app, "reviewer").post("/admin/users/clerk/password", data={"password": "x" * 12}).status_code == 403
    _guess("clerk", signin.MAX_FAILURES)  # a lock is lifted with the new password
    res = admin.post("/admin/users/clerk/password", data={"password": "new-clerk-pw"})
    assert res.status_code == 303 and "已为 clerk 设置新密码" in admin.get(res.location).text
    assert clerk_browser.get("/inbox/").status_code == 302  # signed out everywhere
    assert users.check_password("clerk", "pass-clerk") is None
    assert users.check_password("clerk", "new-clerk-pw").login == "clerk"
    with session_scope() as session:
        [event] = session.scalars(select(Event).where(Event.type == "password_set")).all()
        assert event.actor.login == "admin" and "new-clerk-pw" not in str(event.data)
    res = admin.post("/admin/users/admin/password", data={"password": "new-admin-pw"})  # their own
    assert res.status_code == 303 and admin.get("/admin/users").status_code == 200  # still signed in
    monkeypatch.setattr("sys.stdin", io.StringIO("from-a-pipe-1\n"))
    assert run_command(["user", "password", "reviewer"]) == 0
    assert users.check_password("reviewer", "from-a-pipe-1") is not None
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert run_command(["user", "password", "reviewer"]) == 1
    assert "at least 8" in capsys.readouterr().err
    with pytest.raises(Exception, match="at least 8"):
        users.add_user("newbie", "新人", None, ["clerk"], password="123")


def test_a_person_changes_their_own_password(org):
    from web import create_app
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    browser, other = signed_in(app, "reviewer"), signed_in(app, "reviewer")
    assert "修改密码" in browser.get("/inbox/").text
    res = browser.post("/account/password", data={"current": "wrong-pw", "new": "brand-new-pw", "again": "brand-new-pw"})
    assert res.status_code == 422 and "当前密码不正确" in res.text
    res = browser.post("/account/password", data={"current": "pass-reviewer", "new": "brand-new-pw", "again": "other"})
    assert res.status_code == 422 and "不一致" in res.text
    res = browser.post("/account/password", data={"current": "pass-reviewer", "new": "pass-reviewer",
                                                   "again": "pass-reviewer"})
    assert res.status_code == 422 and "新密码不能与当前密码相同" in res.text
    res = browser.post("/account/password", data={"current": "pass-reviewer", "new": "brand-new-pw", "again": "brand-new-pw"})
    assert res.status_code == 302
    assert browser.get("/inbox/").status_code == 200  # this browser stays signed in
    assert other.get("/inbox/").status_code == 302  # the other session has ended
    assert users.check_password("reviewer", "brand-new-pw").login == "reviewer"
