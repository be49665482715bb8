"""The alert while next year's holiday notice is not imported (domain-reference.md 2.2): from 1
October, urgent from 1 December and once the year has begun without it; on the administrator's
pages and the supervisors' board. 2026 comes with the package, 2027 does not."""
from datetime import date

import pytest

from engine import clock
from engine.services import calendars
from tests.test_year_end import ASSUMED_2027
from tests.web import signed_in


@pytest.mark.parametrize("today,alert", [
    (date(2026, 9, 30), None),
    (date(2026, 10, 1), {"year": 2027, "level": "warning", "begun": False}),
    (date(2026, 11, 30), {"year": 2027, "level": "warning", "begun": False}),
    (date(2026, 12, 1), {"year": 2027, "level": "urgent", "begun": False}),
    (date(2027, 1, 4), {"year": 2027, "level": "urgent", "begun": True}),
    (date(2025, 12, 31), None),  # 2026 is the package's
])
def test_the_alert_grows_as_the_year_comes_without_its_notice(db, today, alert):
    assert calendars.next_year_warning(today) == alert


def test_importing_the_notice_ends_the_alert(org):
    calendars.import_notice(ASSUMED_2027, org["admin"])
    assert calendars.next_year_warning(date(2026, 12, 1)) is None
    assert calendars.next_year_warning(date(2027, 10, 1)) == {"year": 2028, "level": "warning", "begun": False}


@pytest.fixture
def app(org):
    from web import create_app
    from engine.services import users
    users.add_user("head", "head", "housing", ["lead"], "pass-head")
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})


def test_the_administrators_pages_and_the_supervisors_board_say_it(app, org, monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: date(2026, 12, 1))
    admin, supervisor = signed_in(app, "admin"), signed_in(app, "supervisor")
    for page in (admin.get("/admin/").text, admin.get("/admin/calendar").text):
        assert 'class="alert urgent" id="calendar-alert" data-year="2027" data-level="urgent"' in page
        assert "距 2027 年不足一个月，国务院办公厅的放假安排仍未导入" in page
        assert 'href="/admin/calendar?year=2027"' in page
    board = supervisor.get("/supervision/").text
    assert 'id="calendar-alert"' in board and "通知发布后由系统管理员导入。" in board
    assert 'id="calendar-alert"' not in signed_in(app, "head").get("/supervision/").text  # a department's head
    monkeypatch.setattr(clock, "today", lambda: date(2026, 10, 1))
    page = admin.get("/admin/").text
    assert 'class="alert warning" id="calendar-alert"' in page and "2027 年放假安排尚未导入" in page
    monkeypatch.setattr(clock, "today", lambda: date(2026, 9, 30))
    assert 'id="calendar-alert"' not in admin.get("/admin/").text
    monkeypatch.setattr(clock, "today", lambda: date(2027, 1, 4))
    assert "2027 年已开始，国务院办公厅的放假安排仍未导入" in supervisor.get("/supervision/").text
    calendars.import_notice(ASSUMED_2027, org["admin"])
    assert 'id="calendar-alert"' not in admin.get("/admin/calendar").text
