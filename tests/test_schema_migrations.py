"""The Alembic migrations on a database of their own (a file on SQLite, a schema on PostgreSQL):
0003 adds events.case_id, fills it from data->'case' for the rows already there, and goes back;
0004 adds the sign-in protections (lockout, session serial); 0005 counts unknown sign-in names and
labels API tokens; 0006 moves a case's note out of its form data; 0007 marks which closures stop clocks and which step stopped a case clock;
0008 recodes ratings as GB/T 39046 A.8 does; 0009 counts wrong sign-ins by address; 0019 watches
rectifications; 0024 keeps what each date outside the clocks was counted from; 0025 keeps archive packages;
0026 marks staff's temporary passwords; 0027 gives a delivery decided on the spot its working days; 0032 counts
the events an archive package holds; 0033 adds the pledge checks and the credit records; 0034 gives each limit
of a clock its unit; 0035 adds things (一件事) and their applications; 0036 marks the steps whose
silence is consent; 0037 gives a licence granted before its expiry."""
import json
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from alembic import command

from engine.store.db import _sqlite_pragmas
from engine.store.migrate import migrate
from tests.conftest import BACKEND

pytestmark = pytest.mark.db  # runs again on PostgreSQL with -m db
SCHEMA = "shenpi_migration_test"
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc)


@pytest.fixture
def blank(database_url, tmp_path):
    """An engine on an empty database, apart from the one the other tests share."""
    if BACKEND == "postgres":
        with sa.create_engine(database_url).begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
            conn.execute(sa.text(f'CREATE SCHEMA "{SCHEMA}"'))
        engine = sa.create_engine(database_url, connect_args={"options": f"-csearch_path={SCHEMA}"})
    else:  # with the product's pragmas: foreign keys on, as a real database has them
        engine = sa.create_engine(f"sqlite:///{tmp_path / 'migrations.db'}")
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    yield engine
    engine.dispose()
    if BACKEND == "postgres":
        with sa.create_engine(database_url).begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))


def columns(engine, table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(engine).get_columns(table)}


def indexes(engine, table: str) -> set[str]:
    return {i["name"] for i in sa.inspect(engine).get_indexes(table)}


def seed_before_0003(engine) -> None:
    """Two cases and their events as 0002 stored them: the case number only in the JSON."""
    meta = sa.MetaData()
    meta.reflect(engine, only=["service_items", "applicants", "cases", "events"])
    items, applicants, cases, events = (meta.tables[t] for t in ("service_items", "applicants", "cases", "events"))
    with engine.begin() as conn:
        conn.execute(items.insert(), [{"id": 1, "code": "Q-001", "version": 1, "name": "资料查询", "kind": "public",
                                       "department": "housing", "case_type": "immediate", "promised_days": 0,
                                       "data": {}, "checksum": "x", "created_at": NOW}])
        conn.execute(applicants.insert(), [{"id": 1, "kind": "person", "name": "张三", "id_type": "id_card",
                                            "id_number": "11010119900101127X", "created_at": NOW}])
        conn.execute(cases.insert(), [
            {"id": case_id, "number": number, "item_id": 1, "item_code": "Q-001", "applicant_id": 1,
             "channel": "online", "status": "submitted", "form": {}, "submitted_at": NOW,
             "deemed_accepted": False, "correction_rounds": 0, "delivery": {}}
            for case_id, number in ((1, "20261124000001"), (2, "20261124000002"))])
        conn.execute(events.insert(), [
            {"id": 1, "type": "case_submitted", "at": NOW, "data": {"case": "20261124000001", "item": "Q-001"}},
            {"id": 2, "type": "notice_issued", "at": NOW, "data": {"case": "20261124000001", "kind": "correction"}},
            {"id": 3, "type": "case_submitted", "at": NOW, "data": {"case": "20261124000002"}},
            {"id": 4, "type": "case_submitted", "at": NOW, "data": {"case": "19990101000009"}},  # no such case
            {"id": 5, "type": "applicant_registered", "at": NOW, "data": {"applicant_id": 1}},
            {"id": 6, "type": "user_added", "at": NOW, "data": {}},
        ])


def test_0003_fills_case_id_from_the_case_number_and_downgrades(blank):
    migrate(blank, command.upgrade, "0002")
    assert "case_id" not in columns(blank, "events")
    seed_before_0003(blank)

    migrate(blank, command.upgrade, "0003")
    assert "case_id" in columns(blank, "events") and "ix_events_case_id" in indexes(blank, "events")
    foreign = sa.inspect(blank).get_foreign_keys("events")
    assert any(fk["referred_table"] == "cases" and fk["constrained_columns"] == ["case_id"] for fk in foreign)
    with blank.connect() as conn:
        filled = dict(conn.execute(sa.text("SELECT id, case_id FROM events ORDER BY id")).all())
        assert filled == {1: 1, 2: 1, 3: 2, 4: None, 5: None, 6: None}
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == "0003"

    migrate(blank, command.downgrade, "0002")
    assert "case_id" not in columns(blank, "events") and "ix_events_case_id" not in indexes(blank, "events")
    with blank.connect() as conn:  # the rows themselves are untouched
        assert conn.execute(sa.text("SELECT count(*) FROM events")).scalar() == 6
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == "0002"

    migrate(blank, command.upgrade, "head")  # and up again from there
    with blank.connect() as conn:
        assert conn.execute(sa.text("SELECT case_id FROM events WHERE id = 3")).scalar() == 2


def test_an_event_goes_with_its_deleted_case(blank):
    """case_id is a foreign key like instance_id: ON DELETE CASCADE."""
    migrate(blank, command.upgrade, "head")
    seed_before_0003(blank)  # at head now, so the events are filled by hand below
    with blank.begin() as conn:
        if blank.dialect.name == "sqlite":
            conn.execute(sa.text("PRAGMA foreign_keys = ON"))
        conn.execute(sa.text("UPDATE events SET case_id = 2 WHERE id = 3"))
        conn.execute(sa.text("DELETE FROM cases WHERE id = 2"))
        assert conn.execute(sa.text("SELECT count(*) FROM events WHERE id = 3")).scalar() == 0


def test_0004_adds_the_sign_in_protections_to_existing_accounts_and_downgrades(blank):
    added = {"failed_sign_ins", "locked_until", "session_serial"}
    migrate(blank, command.upgrade, "0003")
    seed_before_0003(blank)  # an applicant who registered before 0004
    migrate(blank, command.upgrade, "0004")
    for table in ("users", "applicants"):
        assert added <= columns(blank, table)
    with blank.connect() as conn:
        assert conn.execute(sa.text("SELECT failed_sign_ins, locked_until, session_serial FROM applicants")
                            ).one() == (0, None, 0)
    migrate(blank, command.downgrade, "0003")
    for table in ("users", "applicants"):
        assert not added & columns(blank, table)
    with blank.connect() as conn:
        assert conn.execute(sa.text("SELECT name FROM applicants")).scalar() == "张三"


def test_0005_and_0006_add_their_tables_and_move_a_note_out_of_the_form_and_back(blank):
    migrate(blank, command.upgrade, "0004")
    seed_before_0003(blank)
    with blank.begin() as conn:
        conn.execute(sa.text("UPDATE cases SET form = :form WHERE id = 1"),
                     {"form": '{"note": "查询房产", "purpose": "loan"}'})
        conn.execute(sa.text("UPDATE cases SET form = :form, channel = 'window' WHERE id = 2"),
                     {"form": '{"note": "a field of the window form"}'})
    migrate(blank, command.upgrade, "0006")
    assert {"id", "failed_sign_ins", "locked_until", "last_attempt_at"} <= columns(blank, "unknown_sign_ins")
    assert {"label", "last_used_at"} <= columns(blank, "api_tokens")
    with blank.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, form, note FROM cases ORDER BY id")).all()
    forms = {r.id: as_dict(r.form) for r in rows}
    assert forms == {1: {"purpose": "loan"}, 2: {"note": "a field of the window form"}}  # only the portal's
    assert [r.note for r in rows] == ["查询房产", None]
    migrate(blank, command.downgrade, "0004")
    assert not {"note", "statement"} & columns(blank, "cases") and "unknown_sign_ins" not in sa.inspect(blank).get_table_names()
    with blank.connect() as conn:
        form = conn.execute(sa.text("SELECT form FROM cases WHERE id = 1")).scalar()
    assert as_dict(form) == {"purpose": "loan", "note": "查询房产"}


def as_dict(stored):
    """A JSON column read with plain SQL: text on SQLite, a dict on PostgreSQL."""
    return stored if isinstance(stored, dict) else json.loads(stored)


def test_0007_keeps_earlier_closures_moving_deadlines_and_downgrades(blank):
    migrate(blank, command.upgrade, "0006")
    with blank.begin() as conn:
        conn.execute(sa.text("INSERT INTO calendar_closures (day, reason) VALUES ('2026-03-04', '台风')"))
    migrate(blank, command.upgrade, "0007")
    with blank.begin() as conn:  # entered when every closure moved deadlines: it still does
        assert conn.execute(sa.text("SELECT stops_clocks FROM calendar_closures")).scalar() in (True, 1)
        conn.execute(sa.text("INSERT INTO calendar_closures (day, reason) VALUES ('2026-03-05', '检修')"))
        assert conn.execute(sa.text("SELECT stops_clocks FROM calendar_closures WHERE reason = '检修'")
                            ).scalar() in (False, 0)
    assert "step_clock_id" in columns(blank, "special_procedures")
    migrate(blank, command.downgrade, "0006")
    assert "stops_clocks" not in columns(blank, "calendar_closures")
    assert "step_clock_id" not in columns(blank, "special_procedures")
    with blank.connect() as conn:  # the earlier release would count the office closure as stopping
        assert [r.reason for r in conn.execute(sa.text("SELECT reason FROM calendar_closures"))] == ["台风"]


def stored_ratings(engine) -> tuple:
    with engine.connect() as conn:
        cases = dict(conn.execute(sa.text("SELECT id, rating FROM cases ORDER BY id")).all())
        rectification = conn.execute(sa.text("SELECT rating FROM rectifications")).scalar()
        event = conn.execute(sa.text("SELECT data FROM events WHERE type = 'case_rated'")).scalar()
    return cases, rectification, event


def test_0008_recodes_ratings_both_ways_and_leaves_events_alone(blank):
    migrate(blank, command.upgrade, "0007")
    seed_before_0003(blank)
    with blank.begin() as conn:  # the old coding: case 1 非常满意 (5), case 2 不满意 (2) with its rectification
        conn.execute(sa.text("UPDATE cases SET rating = 5, status = 'delivered' WHERE id = 1"))
        conn.execute(sa.text("UPDATE cases SET rating = 2, status = 'delivered', rating_text = '等太久' WHERE id = 2"))
        conn.execute(sa.text("INSERT INTO rectifications (id, case_id, department, rating, due_on, state, created_at)"
                             " VALUES (1, 2, 'housing', 2, '2026-12-01', 'open', :now)"), {"now": NOW})
        conn.execute(sa.text("INSERT INTO events (id, type, at, data, case_id)"
                             " VALUES (7, 'case_rated', :now, :data, 1)"),
                     {"now": NOW, "data": '{"rating": 5, "label": "非常满意"}'})
    event = stored_ratings(blank)[2]
    migrate(blank, command.upgrade, "0008")
    assert stored_ratings(blank) == ({1: 1, 2: 4}, 4, event)
    migrate(blank, command.downgrade, "0007")
    assert stored_ratings(blank) == ({1: 5, 2: 2}, 2, event)


def test_0009_adds_the_counts_by_address_and_downgrades(blank):
    migrate(blank, command.upgrade, "0009")
    assert {"id", "subject", "failed_sign_ins", "locked_until", "last_attempt_at"} <= columns(blank, "address_sign_ins")
    assert {"ix_address_sign_ins_subject", "ix_address_sign_ins_last_attempt_at"} <= indexes(blank, "address_sign_ins")
    migrate(blank, command.downgrade, "0008")
    assert "address_sign_ins" not in sa.inspect(blank).get_table_names()


def test_0010_indexes_events_by_actor_and_downgrades(blank):
    migrate(blank, command.upgrade, "0010")
    assert "ix_events_actor_type" in indexes(blank, "events")
    migrate(blank, command.downgrade, "0009")
    assert "ix_events_actor_type" not in indexes(blank, "events")


@pytest.mark.parametrize("revision, before, table, column", [
    ("0011", "0010", "notifications", "task_id"),  # the step a notification is about
    ("0014", "0013", "notifications", "message"),  # its sentence, read in the reader's language
    ("0015", "0014", "tasks", "lead_only"),  # a step its department's head decides
    ("0028", "0027", "notices", "seal_code"),  # a notice's electronic seal (an earlier one stays without)
    ("0036", "0035", "tasks", "silence_consents"),  # a step whose silence is its department's consent
])
def test_a_migration_adds_its_column_and_downgrades(blank, revision, before, table, column):
    migrate(blank, command.upgrade, revision)
    assert column in columns(blank, table)
    migrate(blank, command.downgrade, before)
    assert column not in columns(blank, table)


def test_0012_and_0013_add_temporary_passwords_and_keep_older_procedures_granting(blank):
    migrate(blank, command.upgrade, "0012")
    assert "temporary_until" in columns(blank, "applicants")
    meta = sa.MetaData()
    meta.reflect(blank, only=["deployments", "definitions"])
    with blank.begin() as conn:  # a version deployed before 0013
        conn.execute(meta.tables["deployments"].insert(), [{"id": 1, "deployed_at": NOW, "files": []}])
        conn.execute(meta.tables["definitions"].insert(), [{
            "id": 1, "kind": "bpmn", "key": "old", "version": 1, "filename": "old.bpmn", "checksum": "x",
            "source": "<x/>", "forms": {}, "deployment_id": 1, "deployed_at": NOW, "suspended": False}])
    migrate(blank, command.upgrade, "0013")
    with blank.connect() as conn:
        assert conn.execute(sa.text("SELECT needs_decision FROM definitions")).scalar() in (False, 0)
    migrate(blank, command.downgrade, "0011")
    assert "needs_decision" not in columns(blank, "definitions") and "temporary_until" not in columns(blank, "applicants")



def insert(engine, table: str, **values) -> None:
    """A row with the values given and something of the right type in every other required column."""
    meta = sa.MetaData()
    meta.reflect(engine, only=[table])
    row = dict(values)
    for column in meta.tables[table].columns:
        if column.name in row or column.nullable or column.primary_key or column.server_default is not None:
            continue
        kind = column.type.python_type if not isinstance(column.type, sa.JSON) else dict
        row[column.name] = {int: 0, float: 0.0, bool: False, str: "x", dict: {}}.get(kind, NOW)
    with engine.begin() as conn:
        conn.execute(meta.tables[table].insert(), [row])


@pytest.mark.skipif(BACKEND == "postgres", reason="PostgreSQL alters a table in place")
def test_rebuilding_a_table_on_sqlite_keeps_the_rows_that_point_at_it(blank):
    """0015 rebuilds tasks; with foreign keys on, dropping the old table deleted every step's
    clock (clocks.task_id ... ON DELETE CASCADE), and its timers and special procedures with it."""
    migrate(blank, command.upgrade, "0014")
    insert(blank, "deployments", id=1)
    insert(blank, "definitions", id=1, deployment_id=1)
    insert(blank, "instances", id=1, definition_id=1)
    insert(blank, "tasks", id=1, instance_id=1, spiff_id="a")
    insert(blank, "clocks", id=1, instance_id=1, task_id=1, started_on=NOW.date(), promised_due=NOW.date())
    insert(blank, "timers", id=1, instance_id=1, clock_id=1)
    counts = "SELECT (SELECT count(*) FROM tasks), (SELECT count(*) FROM clocks), (SELECT count(*) FROM timers)"
    migrate(blank, command.upgrade, "0015")
    with blank.connect() as conn:
        assert tuple(conn.exec_driver_sql(counts).one()) == (1, 1, 1)
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1  # on again for the product
    migrate(blank, command.downgrade, "0014")
    with blank.connect() as conn:
        assert tuple(conn.exec_driver_sql(counts).one()) == (1, 1, 1)

def test_0018_keeps_a_site_survey_cases_used_as_the_offices_and_adds_none_unused(blank):
    """现场踏勘 and 公告 left the law's list (Art. 45 names neither): where cases used one, the
    office keeps it, named and still offered; where none did, the office adds its own."""
    migrate(blank, command.upgrade, "0017")
    insert(blank, "deployments", id=1)
    insert(blank, "definitions", id=1, deployment_id=1)
    insert(blank, "instances", id=1, definition_id=1)
    insert(blank, "clocks", id=1, instance_id=1, started_on=NOW.date(), promised_due=NOW.date())
    insert(blank, "special_procedures", id=1, clock_id=1, kind="site_survey", started_on=NOW.date(), expected_days=3)
    migrate(blank, command.upgrade, "0018")
    with blank.connect() as conn:
        kinds = conn.execute(sa.text("SELECT code, name, active FROM special_procedure_kinds")).all()
    assert [(code, name, bool(active)) for code, name, active in kinds] == [("site_survey", "现场踏勘", True)]


def test_the_migrations_build_the_schema_the_models_describe(blank):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from engine.store.models import Base
    migrate(blank, command.upgrade, "head")
    with blank.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
        assert compare_metadata(context, Base.metadata) == []


def test_0019_reads_earlier_rectifications_as_the_handling_watches_the_open_ones_and_downgrades(blank):
    """Rectifications made before said nothing of what the rating concerned (the item's
    department answered them); an open one gets the timer that marks it late after its date."""
    migrate(blank, command.upgrade, "0018")
    insert(blank, "service_items", id=1)
    insert(blank, "applicants", id=1)
    insert(blank, "cases", id=1, number="1", item_id=1, applicant_id=1)
    insert(blank, "cases", id=2, number="2", item_id=1, applicant_id=1)
    insert(blank, "rectifications", id=1, case_id=1, due_on=datetime(2026, 11, 27).date(), state="open")
    insert(blank, "rectifications", id=2, case_id=2, due_on=datetime(2026, 11, 20).date(), state="answered")
    migrate(blank, command.upgrade, "0019")
    assert {"concerns", "overdue_at", "satisfied", "revisited_at"} <= columns(blank, "rectifications")
    with blank.connect() as conn:
        assert conn.execute(sa.text("SELECT concerns FROM rectifications ORDER BY id")).scalars().all() == [
            "handling", "handling"]
        [(case_id, kind, state, due_at)] = conn.execute(sa.text("SELECT case_id, kind, state, due_at FROM timers")).all()
    due_at = due_at if isinstance(due_at, datetime) else datetime.fromisoformat(due_at)
    due_at = due_at.astimezone(timezone.utc).replace(tzinfo=None) if due_at.tzinfo else due_at  # stored in UTC
    # From the first moment of 28 November in Shanghai: 16:00 UTC the day before.
    assert (case_id, kind, state) == (1, "rectification", "pending")
    assert due_at == datetime(2026, 11, 27, 16, 0)
    migrate(blank, command.downgrade, "0018")
    assert "concerns" not in columns(blank, "rectifications")
    with blank.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM timers")).scalar() == 0


def test_0022_keeps_one_open_commission_per_case_and_kind_indexes_events_by_type_and_id_and_downgrades(blank):
    migrate(blank, command.upgrade, "0022")
    assert {"ix_events_type_id", "ix_events_type_at"} <= indexes(blank, "events")  # the report keeps (type, at)
    insert(blank, "service_items", id=1)
    insert(blank, "applicants", id=1)
    insert(blank, "cases", id=1, number="1", item_id=1, applicant_id=1)
    insert(blank, "agencies", id=1, credit_code="91110000MA01ABCD2Q", services={})
    day = NOW.date()
    commission = {"case_id": 1, "agency_id": 1, "kind": "safety", "chosen_on": day, "due_on": day}
    insert(blank, "agency_commissions", id=1, state="cancelled", **commission)
    insert(blank, "agency_commissions", id=2, state="open", **commission)  # a closed one does not count
    insert(blank, "agency_commissions", id=3, state="open", **commission | {"kind": "energy"})
    with pytest.raises(sa.exc.IntegrityError):
        insert(blank, "agency_commissions", id=4, state="open", **commission)
    migrate(blank, command.downgrade, "0021")
    assert not {"ix_events_type_id", "ux_agency_commissions_open"} & (
        indexes(blank, "events") | indexes(blank, "agency_commissions"))
    insert(blank, "agency_commissions", id=4, state="open", **commission)


def test_0023_names_a_commissions_report_keeps_one_open_per_kind_and_downgrades(blank):
    migrate(blank, command.upgrade, "0023")
    assert "report_id" in columns(blank, "agency_commissions")
    insert(blank, "service_items", id=1)
    insert(blank, "applicants", id=1)
    insert(blank, "cases", id=1, number="1", item_id=1, applicant_id=1)
    insert(blank, "agencies", id=1, credit_code="91110000MA01ABCD2Q", services={})
    insert(blank, "materials", id=1, case_id=1, applicant_id=1, kind="report:safety", name="x", state="provided")
    day = NOW.date()
    commission = {"case_id": 1, "agency_id": 1, "kind": "safety", "chosen_on": day, "due_on": day}
    insert(blank, "agency_commissions", id=1, state="delivered", report_id=1, **commission)
    insert(blank, "agency_commissions", id=2, state="open", **commission)
    with pytest.raises(sa.exc.IntegrityError):  # the table copied, its partial unique index kept its condition
        insert(blank, "agency_commissions", id=3, state="open", **commission)
    migrate(blank, command.downgrade, "0022")
    assert "report_id" not in columns(blank, "agency_commissions")
    assert "ux_agency_commissions_open" in indexes(blank, "agency_commissions")
    with blank.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM agency_commissions")).scalar() == 2


def test_0024_gives_earlier_dates_what_they_were_counted_from_and_downgrades(blank):
    """Counted from the day each was made in China (16:30 UTC on 24 November is the 25th there),
    with the product's days; a commission with its agency's promise, or the weekdays to its date
    where the agency no longer offers the kind."""
    migrate(blank, command.upgrade, "0023")
    late = datetime(2026, 11, 24, 16, 30, tzinfo=timezone.utc)
    insert(blank, "service_items", id=1)
    insert(blank, "applicants", id=1)
    insert(blank, "cases", id=1, number="1", item_id=1, applicant_id=1)
    insert(blank, "deployments", id=1)
    insert(blank, "definitions", id=1, deployment_id=1)
    insert(blank, "instances", id=1, definition_id=1)
    insert(blank, "clocks", id=1, instance_id=1, started_on=NOW.date(), promised_due=NOW.date())
    insert(blank, "supervision_orders", id=1, clock_id=1, instance_id=1, issued_at=late, feedback_due=NOW.date())
    insert(blank, "rectifications", id=1, case_id=1, created_at=NOW, due_on=NOW.date())
    insert(blank, "timers", id=1, kind="deemed", case_id=1, due_at=NOW, created_at=late)
    insert(blank, "timers", id=2, kind="answer_due", case_id=1, due_at=NOW, created_at=late)
    insert(blank, "agencies", id=1, credit_code="91110000MA01ABCD2Q", services={"safety": 12})
    day = NOW.date()  # Tuesday 24 November: the Friday after is 3 weekdays on
    insert(blank, "agency_commissions", id=1, case_id=1, agency_id=1, kind="safety", chosen_on=day, due_on=day,
           state="open")
    insert(blank, "agency_commissions", id=2, case_id=1, agency_id=1, kind="energy", chosen_on=day,
           due_on=datetime(2026, 11, 27).date(), state="delivered")
    for notice_id, kind, data in ((1, "payment", {"due_on": "2026-12-08"}),
                                  (2, "special", {"expected_days": 5}), (3, "acceptance", {})):
        insert(blank, "notices", id=notice_id, case_id=1, kind=kind, number=str(notice_id), data=data, issued_at=late)
    migrate(blank, command.upgrade, "0024")
    with blank.connect() as conn:
        def rows(sql):
            return [tuple(str(v) for v in row) for row in conn.execute(sa.text(sql))]
        assert rows("SELECT counted_from, working_days FROM supervision_orders") == [("2026-11-25", "3")]
        assert rows("SELECT counted_from, working_days FROM rectifications") == [("2026-11-24", "5")]
        assert rows("SELECT counted_from, working_days FROM timers ORDER BY id") == [("2026-11-25", "5"),
                                                                                   ("None", "None")]
        assert rows("SELECT working_days FROM agency_commissions ORDER BY id") == [("12",), ("3",)]
        data = [d if isinstance(d, dict) else json.loads(d)
                for d in conn.execute(sa.text("SELECT data FROM notices ORDER BY id")).scalars()]
    assert data == [{"due_on": "2026-12-08", "counted_from": "2026-11-25", "working_days": 10},
                    {"expected_days": 5, "counted_from": "2026-11-25"}, {}]
    with pytest.raises(sa.exc.IntegrityError):  # given by every order from now on
        insert(blank, "supervision_orders", id=2, clock_id=1, instance_id=1, feedback_due=day, counted_from=None)
    with pytest.raises(sa.exc.IntegrityError):  # the table copied, one open commission per kind still
        insert(blank, "agency_commissions", id=3, case_id=1, agency_id=1, kind="safety", chosen_on=day, due_on=day,
               state="open", working_days=12)
    insert(blank, "agency_commissions", id=3, case_id=1, agency_id=1, kind="safety", chosen_on=day, due_on=day,
           state="cancelled", working_days=12)
    migrate(blank, command.downgrade, "0023")
    assert "counted_from" not in columns(blank, "supervision_orders") | columns(blank, "timers")
    assert "working_days" not in columns(blank, "agency_commissions") | columns(blank, "rectifications")
    with blank.connect() as conn:
        assert [json.loads(d) if isinstance(d, str) else d for d in conn.execute(
            sa.text("SELECT data FROM notices ORDER BY id")).scalars()][:2] == [{"due_on": "2026-12-08"},
                                                                             {"expected_days": 5}]
        assert conn.execute(sa.text("SELECT count(*) FROM agency_commissions")).scalar() == 3
    assert "ux_agency_commissions_open" in indexes(blank, "agency_commissions")


def test_0025_adds_the_archive_packages_and_their_hand_overs_and_downgrades(blank):
    migrate(blank, command.upgrade, "0025")
    assert {"case_id", "sha256", "last_event_id", "handover_id"} <= columns(blank, "archive_packages")
    assert {"handed_over_at", "handed_over_by", "receiver"} <= columns(blank, "archive_handovers")
    migrate(blank, command.downgrade, "0024")
    assert not {"archive_packages", "archive_handovers"} & set(sa.inspect(blank).get_table_names())


def test_0026_leaves_earlier_passwords_as_they_are_and_downgrades(blank):
    """Nobody is made to change a password given before: it may be one they chose themselves."""
    migrate(blank, command.upgrade, "0025")
    insert(blank, "users", id=1, login="clerk", password_hash="scrypt:32768:8:1$x$y")
    migrate(blank, command.upgrade, "0026")
    with blank.connect() as conn:
        assert conn.execute(sa.text("SELECT login, temporary_until FROM users")).all() == [("clerk", None)]
    migrate(blank, command.downgrade, "0025")
    assert "temporary_until" not in columns(blank, "users")


def item_applicant_and_procedure(engine) -> None:
    """What a case refers to, each with id 1: a service item, an applicant, a procedure's instance."""
    insert(engine, "service_items", id=1)
    insert(engine, "applicants", id=1)
    insert(engine, "deployments", id=1)
    insert(engine, "definitions", id=1, deployment_id=1)
    insert(engine, "instances", id=1, definition_id=1)


def test_0027_gives_a_delivery_decided_on_the_spot_its_one_working_day_and_downgrades(blank):
    """Only a case decided without a procedure keeps a delivery date of its own; one already
    delivered keeps what it holds besides."""
    migrate(blank, command.upgrade, "0026")
    item_applicant_and_procedure(blank)
    for case_id, instance_id, delivery in ((1, None, {"due_on": "2026-11-25"}),
                                           (2, None, {"due_on": "2026-11-25", "method": "window"}),
                                           (3, 1, {}), (4, None, {})):
        insert(blank, "cases", id=case_id, number=str(case_id), item_id=1, applicant_id=1, instance_id=instance_id,
               delivery=delivery)

    def deliveries():
        with blank.connect() as conn:
            return [d if isinstance(d, dict) else json.loads(d)
                    for d in conn.execute(sa.text("SELECT delivery FROM cases ORDER BY id")).scalars()]
    migrate(blank, command.upgrade, "0027")
    assert deliveries() == [{"due_on": "2026-11-25", "working_days": 1},
                            {"due_on": "2026-11-25", "method": "window", "working_days": 1}, {}, {}]
    migrate(blank, command.downgrade, "0026")
    assert deliveries() == [{"due_on": "2026-11-25"}, {"due_on": "2026-11-25", "method": "window"}, {}, {}]


def test_0032_counts_the_events_each_package_holds_up_to_its_last_one_and_downgrades(blank):
    """A case's own events and its procedure's, up to the package's last one, its archiving aside;
    a case without a procedure by its id alone (not every procedure-less event)."""
    migrate(blank, command.upgrade, "0031")
    item_applicant_and_procedure(blank)
    insert(blank, "cases", id=1, number="1", item_id=1, applicant_id=1, instance_id=1)
    insert(blank, "cases", id=2, number="2", item_id=1, applicant_id=1, instance_id=None)
    for event_id, case_id, instance_id, kind in ((1, 1, None, "case_submitted"), (2, None, 1, "task_completed"),
                                                 (3, 2, None, "case_submitted"), (4, 1, 1, "case_archived"),
                                                 (5, 1, 1, "case_delivered"), (6, 1, None, "case_rated"),
                                                 (7, None, None, "deployed")):
        insert(blank, "events", id=event_id, case_id=case_id, instance_id=instance_id, type=kind)
    insert(blank, "archive_packages", id=1, case_id=1, last_event_id=5)
    insert(blank, "archive_packages", id=2, case_id=2, last_event_id=7)
    migrate(blank, command.upgrade, "0032")
    with blank.connect() as conn:
        assert conn.execute(sa.text("SELECT id, events_held FROM archive_packages ORDER BY id")).all() == [(1, 3), (2, 1)]
    migrate(blank, command.downgrade, "0031")
    assert "events_held" not in columns(blank, "archive_packages")


def test_0033_adds_the_pledge_checks_and_the_credit_records_and_downgrades(blank):
    migrate(blank, command.upgrade, "0033")
    assert {"material_id", "department", "due_on", "counted_from", "working_days", "state", "evidence_id",
            "overdue_at"} <= columns(blank, "pledge_checks")
    assert {"applicant_id", "case_id", "check_id", "recorded_on", "active", "repair_reason"} <= columns(
        blank, "credit_records")
    assert "ix_credit_records_active" in indexes(blank, "credit_records")
    # A revoked grant, delivered or not, its document filed for reuse, and a check's evidence.
    item_applicant_and_procedure(blank)
    for case_id in (1, 2):
        insert(blank, "cases", id=case_id, number=str(case_id), item_id=1, applicant_id=1, status="revoked")
    insert(blank, "events", id=1, case_id=2, type="case_delivered")
    for material_id, state in ((1, "revoked"), (2, "evidence"), (3, "provided")):
        insert(blank, "materials", id=material_id, case_id=1, applicant_id=1, state=state)
    insert(blank, "pledge_checks", id=1, case_id=1, material_id=3, evidence_id=2)
    migrate(blank, command.downgrade, "0032")
    assert not {"pledge_checks", "credit_records"} & set(sa.inspect(blank).get_table_names())
    with blank.connect() as conn:  # as the code before revocation knows them
        assert conn.execute(sa.text("SELECT id, status FROM cases ORDER BY id")).all() == [(1, "decided"), (2, "delivered")]
        assert conn.execute(sa.text("SELECT id, state FROM materials ORDER BY id")).all() == [(1, "issued"), (3, "provided")]


def test_0034_counts_the_clocks_already_there_in_working_days_and_downgrades(blank):
    """Each limit gets its unit: a clock from before counts in working days, paused no day or second
    of another unit, and has no moment of a limit in hours."""
    migrate(blank, command.upgrade, "0033")
    insert(blank, "deployments", id=1)
    insert(blank, "definitions", id=1, deployment_id=1)
    insert(blank, "instances", id=1, definition_id=1)
    insert(blank, "clocks", id=1, instance_id=1, started_on=NOW.date(), promised_days=10, statutory_days=20,
           promised_due=NOW.date(), paused_days=2)
    migrate(blank, command.upgrade, "0034")
    with blank.connect() as conn:
        row = conn.execute(sa.text("SELECT promised_unit, statutory_unit, paused_days, paused_calendar_days, "
                                   "paused_seconds, started_at, promised_due_at, stopped_at FROM clocks")).one()
    assert tuple(row) == ("working_days", "working_days", 2, 0, 0, None, None, None)
    migrate(blank, command.downgrade, "0033")
    assert not {"promised_unit", "statutory_unit", "paused_seconds", "promised_due_at"} & columns(blank, "clocks")


def test_0035_adds_things_and_their_applications_leaves_earlier_cases_alone_and_downgrades(blank):
    """A case and a notice filed before belong to no application."""
    migrate(blank, command.upgrade, "0034")
    insert(blank, "service_items", id=1)
    insert(blank, "applicants", id=1)
    insert(blank, "cases", id=1, number="1", item_id=1, applicant_id=1)
    insert(blank, "notices", id=1, case_id=1, number="1-ACC1")
    migrate(blank, command.upgrade, "0035")
    assert {"code", "version", "department", "data"} <= columns(blank, "things")
    assert {"number", "thing_id", "applicant_id", "form"} <= columns(blank, "thing_applications")
    assert "ix_cases_application_id" in indexes(blank, "cases")
    with blank.connect() as conn:
        assert conn.execute(sa.text("SELECT application_id FROM cases")).all() == [(None,)]
        assert conn.execute(sa.text("SELECT application_id FROM notices")).all() == [(None,)]
    migrate(blank, command.downgrade, "0034")
    assert "application_id" not in columns(blank, "cases") | columns(blank, "notices")
    assert not {"things", "thing_applications"} & set(sa.inspect(blank).get_table_names())
    with blank.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM notices")).scalar() == 1


def test_0037_gives_a_licence_granted_before_its_expiry_and_downgrades(blank):
    """A grant recorded, in what it filed for the applicant, until when its licence is valid:
    that becomes its expiry (its holder may renew it); a refusal, or a grant that filed nothing
    with a validity, has none, nor a grant revoked (撤销: its filed permit revoked with it). Every
    case earlier is a new one (新设)."""
    migrate(blank, command.upgrade, "0036")
    insert(blank, "service_items", id=1)
    insert(blank, "applicants", id=1)
    for case_id, decision, status in ((1, "approve", "delivered"), (2, "reject", "delivered"),
                                      (3, "approve_with_conditions", "decided"), (4, None, "accepted"),
                                      (5, "approve", "revoked")):
        insert(blank, "cases", id=case_id, number=str(case_id), item_id=1, applicant_id=1, decision=decision,
               status=status)
    for material_id, case_id, state, valid_until in ((1, 1, "issued", "2028-11-30"), (2, 1, "provided", "2036-01-01"),
                                                     (3, 2, "issued", "2028-11-30"), (4, 3, "issued", None),
                                                     (5, 5, "revoked", "2028-11-30")):
        insert(blank, "materials", id=material_id, case_id=case_id, applicant_id=1, state=state,
               valid_until=None if valid_until is None else datetime.fromisoformat(valid_until).date())
    migrate(blank, command.upgrade, "0037")
    with blank.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, business_kind, renews_case_id, licence_expires_on FROM cases "
                                    "ORDER BY id")).all()
    assert [(i, kind, renews, str(day) if day else None) for i, kind, renews, day in rows] == [
        (1, "new", None, "2028-11-30"), (2, "new", None, None), (3, "new", None, None), (4, "new", None, None),
        (5, "new", None, None)]
    assert "ix_cases_renews_case_id" in indexes(blank, "cases")
    migrate(blank, command.downgrade, "0036")
    assert not {"business_kind", "renews_case_id", "licence_expires_on"} & columns(blank, "cases")
