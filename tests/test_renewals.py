"""延续 (Art. 50 of the Administrative Licensing Law) through the service layer: a grant records when
its licence expires; the holder renews it at least thirty days before; undecided at the end of that
day, an accepted renewal is deemed granted by the timer the worker fires; decided before, the timer
is cancelled."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from engine import catalogue, clock, corrections, intake, pledge_checks, renewals, revocation, supervision, timers
from engine.clock import pauses
from engine.errors import Conflict, Invalid, NotFound
from engine.services import deploy, tasks, users
from engine.store import session_scope
from engine.store.models import Case, Event, Material, Notice, Notification, Task, Timer
from tests.bpmn_builder import process
from tests.test_rectifications import told

DECIDE = process("permit_decision", [("start", "s", "s"), ("user", "decide", "住建审批"), ("end", "e", "e")],
                 [("s", "decide"), ("decide", "e")], lanes={"housing": ["decide"]})
ITEM = {"code": "P-001", "name": "测试许可证核发", "kind": "licence", "department": "housing",
        "case_type": "promised", "statutory_days": 20, "promised_days": 10, "process": "permit_decision",
        "issues": {"code": "t_permit", "name": "测试许可证", "valid_years": 3},
        "business_kinds": ["new", "renewal"],
        "materials": [{"code": "form", "name": "申请表", "mandatory": True},
                      {"code": "plan", "name": "方案", "mandatory": True}]}
ZHANG = {"name": "张三", "id_number": "110101199001011237", "phone": "13800000000"}


@pytest.fixture
def item(org):
    deploy.deploy([("d.bpmn", DECIDE.encode())], org["designer"])
    catalogue.save(ITEM, None)
    return ITEM


def up(*kinds):
    return [intake.Upload(k, f"{k}.pdf", f"%PDF {k}".encode()) for k in kinds]


def decide(case_id, reviewer, decision="approve"):
    """The department's decision on the case, with its signed paper."""
    task = open_task(case_id)
    tasks.claim(task.id, reviewer)
    tasks.complete(task.id, reviewer, {"decision": decision, "decision_comment": "审查意见"},
                   [intake.Upload("result", "permit.pdf", f"%PDF permit {case_id}".encode())])


def open_task(case_id):
    with session_scope() as session:
        instance_id = session.get(Case, case_id).instance_id
        return session.scalar(select(Task).where(Task.instance_id == instance_id, Task.state == "ready"))


def granted(org, applicant=ZHANG):
    case = intake.submit("P-001", applicant, up("form", "plan"), org["clerk"])
    intake.accept(case.id, org["clerk"])
    decide(case.id, org["reviewer"])
    return intake.get_case(case.id)


def expiring(case_id, days):
    """The licence the case granted now expires in `days` days (time passed since the grant)."""
    with session_scope() as session:
        session.execute(update(Case).where(Case.id == case_id).values(
            licence_expires_on=clock.today() + timedelta(days=days)))
        return session.get(Case, case_id).licence_expires_on


def renewal_timer(case_id):
    with session_scope() as session:
        return session.scalar(select(Timer).where(Timer.case_id == case_id, Timer.kind == "renewal"))


def events(type_, case_id):
    with session_scope() as session:
        return session.scalars(select(Event).where(Event.type == type_, Event.case_id == case_id)
                               .order_by(Event.id)).all()


def test_a_grant_records_when_its_licence_expires(item, org):
    licence = granted(org)
    expires = clock.add_years(clock.today(), 3)
    assert licence.licence_expires_on == expires and licence.business_kind == "new"
    described = intake.describe(licence.id)["licence"]
    assert (described["expires_on"], described["renews"], described["renewable"], described["refusal"]) == (
        expires.isoformat(), None, True, None)
    [decided] = events("case_decided", licence.id)
    assert decided.data["licence_expires_on"] == expires.isoformat()
    with session_scope() as session:  # what the grant filed for the holder is valid as long
        issued = session.scalar(select(Material).where(Material.case_id == licence.id, Material.state == "issued"))
    assert (issued.kind, issued.valid_until) == ("t_permit", expires)


def test_a_refusal_or_an_item_without_a_validity_records_no_expiry(item, org):
    case = intake.submit("P-001", ZHANG, up("form", "plan"), org["clerk"])
    intake.accept(case.id, org["clerk"])
    decide(case.id, org["reviewer"], "reject")
    assert intake.describe(case.id)["licence"] is None
    catalogue.save({**ITEM, "issues": {"code": "t_permit", "name": "测试许可证"}, "business_kinds": ["new"]}, None)
    assert intake.describe(granted(org).id)["licence"] is None


@pytest.mark.parametrize("kinds, changes", [
    (["renewal"], {}), (["new", "renewal", "renewal"], {}), (["new", "change"], {}), ("new", {}),
    (["new", "renewal"], {"kind": "confirmation"}),
    (["new", "renewal"], {"issues": {"code": "t_permit", "name": "测试许可证"}}),
    (["new", "renewal"], {"issues": None})])
def test_an_item_offers_renewal_only_of_a_licence_with_a_validity(kinds, changes):
    with pytest.raises(Invalid, match="business_kinds"):
        catalogue.validate({**ITEM, **changes, "business_kinds": kinds})
    assert catalogue.validate({**ITEM, "business_kinds": ["new"]}) and catalogue.validate(
        {k: v for k, v in ITEM.items() if k != "business_kinds"})


def test_the_holder_renews_thirty_days_before_the_expiry_and_no_later(item, org):
    licence = granted(org)
    day = expiring(licence.id, 29)
    with pytest.raises(Conflict, match=f"expires on {day}: a renewal is applied for at least 30 days before") as refused:
        renewals.apply(licence.id, up("form", "plan"), org["clerk"])
    assert "29 remain" in str(refused.value)
    assert intake.describe(licence.id)["licence"]["refusal"] == refused.value.message
    expiring(licence.id, -1)
    with pytest.raises(Conflict, match="expired on"):
        renewals.apply(licence.id, up("form", "plan"), org["clerk"])
    with session_scope() as session:  # nothing was taken in
        assert session.scalar(select(Case.id).where(Case.renews_case_id == licence.id)) is None
    day = expiring(licence.id, 30)  # calendar days, the law's thirty
    renewal = renewals.apply(licence.id, up("form", "plan"), org["clerk"])
    assert (renewal.business_kind, renewal.renews_case_id, renewal.item_code) == ("renewal", licence.id, "P-001")
    assert renewal.applicant_id == licence.applicant_id and renewal.channel == "window"
    assert renewal_timer(renewal.id).due_at == clock.end_of(day)  # the end of the day in Beijing
    [submitted] = events("case_submitted", renewal.id)
    assert submitted.data["renews"] == licence.number
    shown = intake.describe(renewal.id)["licence"]
    assert shown["business_kind"] == "renewal" and shown["renews"] == {
        "id": licence.id, "number": licence.number, "expires_on": day.isoformat(), "revoked": False}
    assert intake.describe(licence.id)["licence"]["renewals"] == [
        {"id": renewal.id, "number": renewal.number, "status": "submitted", "decision": None}]


def test_one_renewal_at_a_time_and_only_of_a_licence_in_force(item, org):
    licence = granted(org)
    expiring(licence.id, 60)
    renewal = renewals.apply(licence.id, up("form", "plan"), org["clerk"])
    with pytest.raises(Conflict, match=f"already under way: case {renewal.number}"):
        renewals.apply(licence.id, up("form", "plan"), org["clerk"])
    intake.refuse(renewal.id, "材料不符合法定形式", org["clerk"])  # refused: its timer goes, another may come
    assert renewal_timer(renewal.id).state == "cancelled"
    again = renewals.apply(licence.id, up("form", "plan"), org["clerk"])
    intake.accept(again.id, org["clerk"])
    decide(again.id, org["reviewer"])
    with pytest.raises(Conflict, match=f"renewed by case {again.number}: renew that one"):
        renewals.apply(licence.id, up("form", "plan"), None, applicant_id=licence.applicant_id)

    case = intake.submit("P-001", ZHANG, up("form", "plan"), org["clerk"])
    intake.accept(case.id, org["clerk"])
    decide(case.id, org["reviewer"], "reject")
    with pytest.raises(Conflict, match="granted no licence"):
        renewals.apply(case.id, up("form", "plan"), org["clerk"])
    with pytest.raises(NotFound):  # online, only the holder's own
        renewals.apply(licence.id, up("form", "plan"), None, applicant_id=licence.applicant_id + 1)
    catalogue.save({**ITEM, "business_kinds": ["new"]}, None)  # the item no longer offers it
    with pytest.raises(Conflict, match="offers no renewal"):
        renewals.apply(again.id, up("form", "plan"), org["clerk"])


def test_decided_before_the_expiry_the_renewal_runs_on_from_it_and_its_timer_is_cancelled(item, org):
    licence = granted(org)
    day = expiring(licence.id, 45)
    renewal = renewals.apply(licence.id, up("form", "plan"), org["clerk"])
    intake.accept(renewal.id, org["clerk"])
    decide(renewal.id, org["reviewer"])
    renewed = intake.get_case(renewal.id)
    assert renewed.licence_expires_on == clock.add_years(day, 3)  # from the old expiry, not from today
    assert renewal_timer(renewal.id).state == "cancelled"
    timers.tick(now=clock.end_of(day) + timedelta(seconds=1))
    assert intake.get_case(renewal.id).decision == "approve"
    assert "renewal_deemed" not in [e.data["kind"] for e in events("notice_issued", renewal.id)]

    other = granted(org)
    day = expiring(other.id, 45)
    refused = renewals.apply(other.id, up("form", "plan"), org["clerk"])
    intake.accept(refused.id, org["clerk"])
    decide(refused.id, org["reviewer"], "reject")
    assert renewal_timer(refused.id).state == "cancelled"
    timers.tick(now=clock.end_of(day) + timedelta(seconds=1))
    assert intake.get_case(refused.id).decision == "reject" and intake.get_case(refused.id).licence_expires_on is None


def test_undecided_at_the_expiry_the_renewal_is_deemed_granted(item, org):
    """Accepted, its department's step claimed and stopped by a special procedure: at the end of the
    day the licence expires the system grants it, ends its procedure, and tells the applicant."""
    licence = granted(org)
    day = expiring(licence.id, 30)
    renewal = renewals.apply(licence.id, up("form", "plan"), org["clerk"])
    intake.accept(renewal.id, org["clerk"])
    step = open_task(renewal.id)
    tasks.claim(step.id, org["reviewer"])
    [case_clock] = [c for c in intake.describe(renewal.id)["clocks"] if c["task_id"] is None]
    pauses.pause(case_clock["id"], "expert_review", "专家评审", 60, org["reviewer"])
    assert renewal_timer(renewal.id).due_at == clock.end_of(day)  # the special procedure moves no expiry

    timers.tick(now=clock.end_of(day) - timedelta(seconds=1))
    assert intake.get_case(renewal.id).status == "accepted"
    timers.tick(now=clock.end_of(day) + timedelta(seconds=1))
    info = intake.describe(renewal.id)
    assert (info["status"], info["decision"], info["statement"]) == ("decided", "approve", renewals.BASIS)
    assert info["licence"]["expires_on"] == clock.add_years(day, 3).isoformat()
    assert info["procedure_state"] == "terminated" and all(c["state"] == "stopped" for c in info["clocks"][:1])
    assert renewal_timer(renewal.id).state == "fired"
    [decided] = events("case_decided", renewal.id)
    assert decided.actor_id is None and decided.data["deemed"] is True  # the system, no person
    assert decided.data["decision_word"] == "视为准予延续"
    with session_scope() as session:
        assert session.get(Task, step.id).state == "cancelled"
        [told] = session.scalars(select(Notification).where(Notification.task_id == step.id)).all()
        assert told.user_id == org["reviewer"].id and "deemed granted" in told.message["template"]
        notice = session.scalar(select(Notice).where(Notice.case_id == renewal.id, Notice.kind == "renewal_deemed"))
        assert notice.seal_code and notice.issued_by is None
        assert (notice.data["renews"], notice.data["expired_on"], notice.data["expires_on"]) == (
            licence.number, day.isoformat(), clock.add_years(day, 3).isoformat())
        # The holder's licence on file runs on: its paper, valid until the new expiry.
        issued = session.scalar(select(Material).where(Material.case_id == renewal.id, Material.state == "issued"))
        first = session.scalar(select(Material).where(Material.case_id == licence.id, Material.state == "issued"))
        assert (issued.sha256, issued.valid_until) == (first.sha256, clock.add_years(day, 3))
        # No department paper was sealed as its decision.
        assert session.scalar(select(Material.id).where(Material.case_id == renewal.id,
                                                        Material.seal_code.is_not(None))) is None
    with pytest.raises(Conflict):  # the department's step went with the procedure
        tasks.complete(step.id, org["reviewer"], {"decision": "reject"})
    # Decided, though by no one: its department's handling counts among the finished ones (a case
    # ended undecided would not), beside the licence's own.
    [housing] = [r for r in supervision.overview(org["supervisor"], "all")["rows"] if r["department"] == "housing"]
    assert housing["finished"] == 2


def test_a_procedure_an_administrator_suspended_is_granted_at_the_expiry_all_the_same(item, org):
    from engine.services import admin
    licence = granted(org)
    day = expiring(licence.id, 30)
    renewal = renewals.apply(licence.id, up("form", "plan"), org["clerk"])
    intake.accept(renewal.id, org["clerk"])
    admin.suspend_instance(intake.get_case(renewal.id).instance_id, "核查举报线索", org["admin"])
    timers.tick(now=clock.end_of(day) + timedelta(seconds=1))
    info = intake.describe(renewal.id)
    assert (info["decision"], info["procedure_state"]) == ("approve", "terminated")


def test_a_decision_after_the_expiry_comes_too_late(item, org):
    """The worker had not fired yet: the department's decision is refused, the timer grants it."""
    licence = granted(org)
    day = expiring(licence.id, 40)
    renewal = renewals.apply(licence.id, up("form", "plan"), org["clerk"])
    intake.accept(renewal.id, org["clerk"])
    with session_scope() as session:
        session.get(Timer, renewal_timer(renewal.id).id).due_at = clock.end_of(clock.today() - timedelta(days=1))
    with pytest.raises(Conflict, match="deemed granted"):
        decide(renewal.id, org["reviewer"], "reject")
    assert intake.get_case(renewal.id).status == "accepted"
    timers.tick()
    renewed = intake.get_case(renewal.id)
    assert renewed.decision == "approve" and renewed.licence_expires_on == clock.add_years(day, 3)


def test_a_renewal_not_accepted_by_the_expiry_is_not_deemed_granted(item, org):
    """Awaiting its correction, the application was never complete: the licence expires."""
    licence = granted(org)
    day = expiring(licence.id, 30)
    renewal = renewals.apply(licence.id, up("form"), org["clerk"])
    corrections.request_correction(renewal.id, [{"code": "plan", "reason": "缺少"}], org["clerk"])
    timers.tick(now=clock.end_of(day) + timedelta(seconds=1))
    assert intake.get_case(renewal.id).status == "correction"
    [lapsed] = events("renewal_not_deemed", renewal.id)
    assert lapsed.data["status"] == "correction" and renewal_timer(renewal.id).state == "fired"


def test_supervisors_see_the_renewals_near_their_licence_expiry_undecided(item, org, monkeypatch):
    licence = granted(org)
    day = expiring(licence.id, 40)
    renewal = renewals.apply(licence.id, up("form", "plan"), org["clerk"])
    intake.accept(renewal.id, org["clerk"])
    assert supervision.overview(org["supervisor"])["renewals_at_risk"] == []  # 40 days ahead: not yet
    today = day - timedelta(days=7)
    monkeypatch.setattr(clock, "today", lambda: today)
    [row] = supervision.overview(org["supervisor"])["renewals_at_risk"]
    assert (row["case_number"], row["licence_case_number"], row["expires_on"], row["department"], row["status"]) == (
        renewal.number, licence.number, day.isoformat(), "housing", "accepted")
    assert 0 < row["workdays_left"] <= 10 and row["instance_id"] == intake.get_case(renewal.id).instance_id
    housing_head = users.add_user("hlead", "住建负责人", "housing", ["lead", "reviewer"], "pass-hlead")
    assert [r["case_id"] for r in supervision.overview(housing_head)["renewals_at_risk"]] == [renewal.id]
    assert supervision.overview(org["lead"])["renewals_at_risk"] == []  # devreform's head: not theirs
    decide(renewal.id, org["reviewer"])
    assert supervision.overview(org["supervisor"])["renewals_at_risk"] == []


def test_the_licence_of_a_renewal_is_renewed_in_turn(item, org):
    licence = granted(org)
    expiring(licence.id, 35)
    first = renewals.apply(licence.id, up("form", "plan"), org["clerk"])
    intake.accept(first.id, org["clerk"])
    decide(first.id, org["reviewer"])
    day = expiring(first.id, 31)
    second = renewals.apply(first.id, up("form", "plan"), org["clerk"])
    intake.accept(second.id, org["clerk"])
    decide(second.id, org["reviewer"])
    assert intake.get_case(second.id).licence_expires_on == clock.add_years(day, 3)
    assert intake.describe(first.id)["licence"]["refusal"].startswith(f"The licence of case {first.number} was renewed")


PLEDGED = {**ITEM, "materials": [*ITEM["materials"], {"code": "safety", "name": "安全生产承诺", "mandatory": True,
                                                       "pledgeable": True}]}


def pledged_grant(org, licence=None):
    """A grant made on a pledge (告知承诺) of the safety material: a new licence, or the renewal of
    `licence`."""
    case = renewals.apply(licence.id, up("form", "plan"), org["clerk"]) if licence else \
        intake.submit("P-001", ZHANG, up("form", "plan"), org["clerk"])
    intake.accept(case.id, org["clerk"], pledged=["safety"])
    decide(case.id, org["reviewer"])
    return intake.get_case(case.id)


@pytest.fixture
def head(org):
    """Housing's head, who revokes its grants."""
    return users.add_user("hlead", "住建负责人", "housing", ["lead", "reviewer"], "pass-hlead")


def revoke(org, case_id, head):
    """The pledge the grant was made on found false (不实), and the grant revoked by housing's head."""
    [check] = [c for c in pledge_checks.checks(org["reviewer"], "due") if c.case_id == case_id]
    pledge_checks.record(check.id, org["reviewer"], "false", "现场核查：未落实安全生产条件")
    revocation.revoke(case_id, head, "以虚假承诺取得许可，依法撤销")
    assert intake.get_case(case_id).status == "revoked"


def test_a_revoked_grant_leaves_no_licence_to_renew(item, org, head):
    catalogue.save(PLEDGED, None)
    licence = pledged_grant(org)
    expiring(licence.id, 60)
    revoke(org, licence.id, head)
    for actor, applicant_id in ((org["clerk"], None), (None, licence.applicant_id)):
        with pytest.raises(Conflict, match=f"case {licence.number} was revoked"):
            renewals.apply(licence.id, up("form", "plan", "safety"), actor, applicant_id=applicant_id)
    with session_scope() as session:  # nothing was taken in
        assert session.scalar(select(Case.id).where(Case.renews_case_id == licence.id)) is None
    shown = intake.describe(licence.id)["licence"]
    assert (shown["revoked"], shown["renewable"], shown["refusal"]) == (True, False, None)


def test_a_licence_revoked_while_its_renewal_is_under_way_is_neither_granted_nor_deemed_renewed(item, org, head):
    catalogue.save(PLEDGED, None)
    licence = pledged_grant(org)
    day = expiring(licence.id, 40)
    renewal = renewals.apply(licence.id, up("form", "plan", "safety"), org["clerk"])
    intake.accept(renewal.id, org["clerk"])
    today = day - timedelta(days=7)
    revoke(org, licence.id, head)
    assert intake.describe(renewal.id)["licence"]["renews"]["revoked"] is True
    [said] = events("renewed_licence_revoked", renewal.id)  # its history says so, and its department is told
    assert (said.data["licence"], said.actor_id) == (licence.number, head.id)
    assert told(org["reviewer"])[-1] == (f"Case {renewal.number}: the licence it renews (case {licence.number}) was "
                                         "revoked: the renewal may not be granted; refuse it")
    assert not [t for t in told(head) if "renews" in t]  # who revoked it knows
    with pytest.raises(Conflict, match=f"case {licence.number}, whose licence this case renews, was revoked"):
        decide(renewal.id, org["reviewer"])
    assert intake.get_case(renewal.id).status == "accepted"
    with pytest.MonkeyPatch.context() as patch:  # not at risk of being deemed granted: it will not be
        patch.setattr(clock, "today", lambda: today)
        assert supervision.overview(org["supervisor"])["renewals_at_risk"] == []
    timers.tick(now=clock.end_of(day) + timedelta(seconds=1))
    info = intake.describe(renewal.id)
    assert (info["status"], info["decision"], info["licence"]["expires_on"]) == ("accepted", None, None)
    [lapsed] = events("renewal_not_deemed", renewal.id)
    assert lapsed.data["revoked"] == licence.number and renewal_timer(renewal.id).state == "fired"
    with session_scope() as session:
        assert session.scalar(select(Notice.id).where(Notice.case_id == renewal.id,
                                                      Notice.kind == "renewal_deemed")) is None
    decide(renewal.id, org["reviewer"], "reject")  # refused it may be
    assert intake.get_case(renewal.id).decision == "reject"


def test_a_revoked_renewal_is_no_licence_in_force(item, org, head):
    """The renewal granted on a false pledge and revoked: its licence renews nothing and is not
    renewed; the licence it would have renewed stands until its own expiry, and is renewed again."""
    catalogue.save(PLEDGED, None)
    licence = pledged_grant(org)
    expiring(licence.id, 90)
    renewal = pledged_grant(org, licence)
    with pytest.raises(Conflict, match=f"renewed by case {renewal.number}"):
        renewals.apply(licence.id, up("form", "plan", "safety"), org["clerk"])
    revoke(org, renewal.id, head)
    with pytest.raises(Conflict, match=f"case {renewal.number} was revoked"):
        renewals.apply(renewal.id, up("form", "plan", "safety"), org["clerk"])
    assert intake.describe(renewal.id)["licence"]["renewable"] is False
    again = renewals.apply(licence.id, up("form", "plan", "safety"), org["clerk"])
    assert again.renews_case_id == licence.id
