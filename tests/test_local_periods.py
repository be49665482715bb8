"""The periods local practice sets are settings (engine/config.py, README "Configuration"): each
date is counted with the setting in force and keeps the days it was counted with; a bad value
refuses to start. Monday 2 March 2026 is the day everything is counted from."""
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from engine import catalogue, clock, intake, pledge_checks, ratings
from engine.clock import levels, orders
from engine.errors import Invalid
from engine.services import calendars, deploy
from engine.store import session_scope
from engine.store.models import Case, Clock, Notice
from tests.bpmn_builder import process
from tests.test_intake import ITEM, ZHANG, up
from tests.test_portal_review_correction import company, in_review_correction, people  # noqa: F401 (fixtures)
from tests.test_year_end import get, instance_id, new_clock  # noqa: F401 (fixture)

MON = date(2026, 3, 2)
PAY = process("pay_only", [("start", "s", "申请"), ("user", "pay", "缴纳登记费", {"props": {
    "paymentNoticeExpression": "[{'name': '登记费', 'amount': 80}]"}}), ("end", "e", "办结")],
    [("s", "pay"), ("pay", "e")], lanes={"housing": ["pay"]})
IMMEDIATE = {**ITEM, "code": "T-IMM", "case_type": "immediate", "promised_days": 0, "statutory_days": 1,
             "process": None, "materials": ITEM["materials"][:1]}


@pytest.fixture(autouse=True)
def monday(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: MON)


def notice_date(case_id: int, kind: str) -> tuple[date, int]:
    with session_scope() as session:
        data = session.scalar(select(Notice.data).where(Notice.case_id == case_id, Notice.kind == kind))
    return date.fromisoformat(data["due_on"]), data["working_days"]


def correction(request):
    case = in_review_correction(request.getfixturevalue("people"), request.getfixturevalue("company"))
    return notice_date(case.id, "review_correction")


def payment(request):
    org = request.getfixturevalue("org")
    deploy.deploy([("pay.bpmn", PAY.encode())], org["designer"])
    catalogue.save({**ITEM, "code": "T-PAY", "process": "pay_only"}, None)
    case = intake.accept(intake.submit("T-PAY", ZHANG, up("id_card", "form", "land", "marriage"), org["clerk"]).id,
                         org["clerk"])
    return notice_date(case.id, "payment")


def decided_on_the_spot(org) -> Case:
    catalogue.save(IMMEDIATE, None)
    return intake.accept(intake.submit("T-IMM", ZHANG, up("id_card"), org["clerk"]).id, org["clerk"])


def delivery(request):
    case = decided_on_the_spot(request.getfixturevalue("org"))
    kept = intake.get_case(case.id).delivery
    return date.fromisoformat(kept["due_on"]), kept["working_days"]


def feedback(request):
    clock_id = new_clock(request.getfixturevalue("instance_id"), MON, promised=300)
    with session_scope() as session:
        order = orders.issue_order(session, session.get(Clock, clock_id), "yellow", MON)
        return order.feedback_due, order.working_days


def rectification(request):
    org = request.getfixturevalue("org")
    catalogue.save(IMMEDIATE, None)
    refused = intake.submit("T-IMM", ZHANG, up("id_card"), org["clerk"])
    intake.refuse(refused.id, "不属于本机关职权范围", org["clerk"])
    row = ratings.rate(refused.id, refused.applicant_id, 5, "窗口态度差", concerns="service")
    return row.due_on, row.working_days


def pledge_check(request):
    """A grant decided on the spot with a pledge: its check's date."""
    org = request.getfixturevalue("org")
    catalogue.save({**IMMEDIATE, "materials": ITEM["materials"][:1] + ITEM["materials"][3:]}, None)
    case = intake.submit("T-IMM", ZHANG, up("id_card"), org["clerk"])
    intake.accept(case.id, org["clerk"], pledged=["marriage"])
    [check] = pledge_checks.checks(org["supervisor"])
    return check.due_on, check.working_days


@pytest.mark.parametrize("setting,days,counted", [
    ("CORRECTION_DAYS", 15, correction), ("PAYMENT_DAYS", 5, payment), ("DELIVERY_DAYS", 3, delivery),
    ("FEEDBACK_DAYS", 5, feedback), ("RECTIFY_DAYS", 15, rectification), ("PLEDGE_CHECK_DAYS", 20, pledge_check)])
def test_a_local_period_counts_the_days_set_and_keeps_them(setting, days, counted, request, monkeypatch):
    """Each default (10, 10, 1, 3, 5, 30) set otherwise: the date is that many working days on."""
    monkeypatch.setenv(setting, str(days))
    assert counted(request) == (calendars.current().add_workdays(MON, days).date, days)


def test_a_delivery_counted_again_keeps_the_days_it_was_promised_with(org, monkeypatch):
    """Decided on the spot with three days promised (Thursday), the setting back at one: a closure
    on Tuesday counts the three again (Friday), not one."""
    monkeypatch.setenv("DELIVERY_DAYS", "3")
    case = decided_on_the_spot(org)
    with session_scope() as session:
        session.get(Case, case.id).decided_at = clock.start_of(MON)
    monkeypatch.delenv("DELIVERY_DAYS")
    calendars.add_closure(date(2026, 3, 3), "台风，依法暂停计时", org["admin"], stops_clocks=True)
    assert intake.get_case(case.id).delivery == {"due_on": "2026-03-06", "working_days": 3}


def test_a_clock_warns_at_the_share_of_its_limit_set(instance_id, monkeypatch):
    """Ten working days from Monday (the 16th): at 20% it warns from two working days before, at 50%
    from five (Monday the 9th); each clock as the setting was when it started."""
    usual = get(new_clock(instance_id, MON, promised=10))
    monkeypatch.setenv("WARNING_PERCENT", "50")
    early = get(new_clock(instance_id, MON, promised=10))
    assert (usual.warn_ratio, early.warn_ratio) == (0.2, 0.5)
    assert levels.level_on(usual, date(2026, 3, 9)) == "normal" and levels.level_on(early, date(2026, 3, 9)) == "warning"
    assert levels.level_on(usual, date(2026, 3, 12)) == "warning"


@pytest.mark.parametrize("setting,value,says", [
    ("CORRECTION_DAYS", "ten", "CORRECTION_DAYS must be a whole number from 1 to 60, not 'ten'"),
    ("PAYMENT_DAYS", "0", "PAYMENT_DAYS must be a whole number from 1 to 60, not '0'"),
    ("DELIVERY_DAYS", "11", "DELIVERY_DAYS must be a whole number from 0 to 10, not '11'"),  # Art. 44's ten
    ("FEEDBACK_DAYS", "1.5", "FEEDBACK_DAYS must be a whole number from 1 to 30, not '1.5'"),
    ("RECTIFY_DAYS", "61", "RECTIFY_DAYS must be a whole number from 1 to 60, not '61'"),
    ("PLEDGE_CHECK_DAYS", "0", "PLEDGE_CHECK_DAYS must be a whole number from 1 to 120, not '0'"),
    ("WARNING_PERCENT", "100", "WARNING_PERCENT must be a whole number from 1 to 99, not '100'")])
def test_a_bad_setting_refuses_to_start(db, monkeypatch, setting, value, says):
    from web import create_app
    monkeypatch.setenv(setting, value)
    with pytest.raises(Invalid) as refused:
        create_app({"TESTING": True})
    assert str(refused.value.message) == f"The setting {says}"


def test_the_command_line_refuses_to_start_with_a_bad_setting_saying_which(db):
    root = Path(__file__).resolve().parents[1]
    answer = subprocess.run([sys.executable, str(root / "run.py"), "worker"], capture_output=True, text=True,
                            env={**os.environ, "RECTIFY_DAYS": "abc"}, timeout=60)
    assert answer.returncode == 1 and "Traceback" not in answer.stderr
    assert answer.stderr.strip() == "error: The setting RECTIFY_DAYS must be a whole number from 1 to 60, not 'abc'"
