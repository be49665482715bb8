"""A county's year of work in an SQLite database, for bench/pages.py.

A dozen cases are taken through the real service layer, one per state a case is found in (filed,
under correction, refused, accepted and waiting for a department, claimed, at its head's decision,
decided and delivered, rated badly and rectified, withdrawn; a planning permit, a real estate
transfer, a joint drawing review, a records query decided at the window). Every row they left
(the case, its procedure and workflow rows, tasks, events, clocks, timers, notices, materials,
notifications, orders, rectifications) is then copied for each further case, under its own ids,
number, applicant and dates: finished cases spread over the last year, running ones over the
last weeks, their clocks' levels and supervision orders as the tick would have left them.

    python bench/county.py DB_PATH --cases 20000
"""
import argparse
import json
import os
import random
import re
import sqlite3
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The tables a case's rows are in, parents first.
CASE_TABLES = ("instances", "instance_steps", "cases", "tasks", "clocks", "special_procedures", "timers",
               "supervision_orders", "notifications", "materials", "notices", "rectifications", "events")
# Columns that name a row of another table without a foreign key.
LOOSE_REFERENCES = {("events", "task_id"): "tasks"}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
HEAVY_SHARE = 0.01  # of the cases, filed by one developer (a company with many cases on the portal)
HEAVY = {"name": "宏远房地产开发有限公司", "kind": "company", "id_type": "uscc", "phone": "13911112222"}
PORTAL_PASSWORD = "bench-portal-pw"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红"

# (scenario, share of the cases, days ago from, to): finished work over the year, open work recent.
MIX = (("delivered", 0.33, 3, 365), ("rejected", 0.04, 3, 365), ("immediate", 0.28, 1, 365),
       ("bad_rating", 0.015, 20, 365), ("refused", 0.03, 2, 365), ("withdrawn", 0.02, 3, 365),
       ("transfer_done", 0.1, 3, 365), ("open", 0.04, 0, 14), ("claimed", 0.02, 0, 14),
       ("at_decision", 0.015, 0, 10), ("transfer_checks", 0.03, 0, 10), ("transfer_tax", 0.015, 0, 8),
       ("drawing", 0.025, 0, 20), ("submitted", 0.01, 0, 2), ("correction", 0.015, 0, 10))


def id_card(rng: random.Random) -> str:
    from engine import identity
    body = f"{rng.choice(('110101', '310104', '440305', '510107'))}{rng.randint(1950, 2004)}" \
           f"{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    return body + identity._ID_CHECK[sum(int(d) * w for d, w in zip(body, identity._ID_WEIGHTS)) % 11]


def uscc(rng: random.Random) -> str:
    from engine import identity
    chars = identity._USCC_CHARACTERS
    body = "91" + "".join(rng.choice(chars[:10]) for _ in range(6)) + "".join(rng.choice(chars) for _ in range(9))
    total = sum(chars.index(c) * w for c, w in zip(body, identity._USCC_WEIGHTS))
    return body + chars[-total % 31]


def phone(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randint(0, 999999999):09d}"


def setup(db_path: Path) -> dict:
    """Schema, the shipped procedures and items, the demo organisation and a few more reviewers."""
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.setdefault("SHENPI_FILES_DIR", str(db_path.parent / "files"))
    from engine import catalogue, regional
    from engine.demo import create_demo_organisation
    from engine.services import users
    from engine.services.deploy import collect_files, deploy
    from engine.store import reset_engine
    from engine.store.migrate import upgrade
    reset_engine()
    upgrade()
    deploy(collect_files([ROOT / "processes", ROOT / "rules"]), actor=None)
    create_demo_organisation()
    catalogue.load_folder(ROOT / "processes" / "items")
    regional.load_zones(ROOT / "processes" / "zones")
    for dept in ("natres", "housing", "realestate", "tax", "window"):  # a county's departments have several
        for n in range(1, 4):
            users.add_user(f"{dept}{n}", f"{dept}{n}", dept, ["clerk"] if dept == "window" else ["reviewer"],
                           "bench-pass")
    return _people()


def _people() -> dict:
    from sqlalchemy import select
    from engine.store import session_scope
    from engine.store.models import User
    with session_scope() as session:
        return {u.login: u for u in session.scalars(select(User))}


def templates(people: dict) -> dict[str, int]:
    """One case per scenario of MIX, through the service layer; its case id by scenario."""
    from engine import corrections, decisions, intake, ratings, termination
    from tests.procedures import PERMIT, decided_permit, open_tasks, take_in, uploads, work
    from tests.test_real_estate import FLAT
    clerk = people["clerk"]
    applicant = {"name": "模板申请人", "kind": "company", "id_type": "uscc", "id_number": "91110000MA01ABCD2Q",
                 "phone": "13900000000"}
    flat = FLAT  # the transfer's seller and property, as its tests give them
    person = {"name": "模板个人", "id_number": "110101198001011128", "phone": "13700000001"}
    made = {}
    crew = dict(people, r_natres=people["natres"])

    case = decided_permit(crew, applicant=applicant)
    made["delivered"] = decisions.deliver(case.id, "window", clerk).id
    ratings.rate(case.id, case.applicant_id, 1)
    case = decided_permit(crew, "reject", applicant=applicant)
    made["rejected"] = decisions.deliver(case.id, "express", clerk, tracking="SF1234567890").id
    case = decided_permit(crew, applicant=applicant)
    decisions.deliver(case.id, "window", clerk)
    fix = ratings.rate(case.id, case.applicant_id, 5, "等了很久才办完", concerns="handling")
    ratings.answer(fix.id, people["natres"], "已约谈经办人，压缩审查用时")
    made["bad_rating"] = case.id
    query = intake.submit("1104-NRES-004", person, uploads("1104-NRES-004"), clerk)
    made["immediate"] = intake.accept(query.id, clerk, outcome=intake.Outcome(
        "approve", "查询结果已出具", (intake.Upload("result", "查询结果.pdf", b"%PDF result"),))).id
    decisions.deliver(made["immediate"], "window", clerk)
    refused = intake.submit(PERMIT, applicant, uploads(PERMIT), clerk)
    intake.refuse(refused.id, "不属于本机关职权范围", clerk)
    made["refused"] = refused.id
    case = take_in(PERMIT, {}, clerk, applicant=applicant)
    termination.withdraw(case.id, "申请人不再申请", clerk)
    made["withdrawn"] = case.id
    made["open"] = take_in(PERMIT, {}, clerk, applicant=applicant).id
    case = take_in(PERMIT, {}, clerk, applicant=applicant)
    from engine.services import tasks
    tasks.claim(open_tasks(case.instance_id)["department_review@natres"].id, people["natres"])
    made["claimed"] = case.id
    case = take_in(PERMIT, {}, clerk, applicant=applicant)
    work(open_tasks(case.instance_id)["department_review@natres"], people["natres"],
         {"opinion": "approve", "comment": "符合规划条件"})
    made["at_decision"] = case.id
    case = take_in("1103-NRES-003", flat, clerk, applicant=person)
    made["transfer_checks"] = case.id
    case = take_in("1103-NRES-003", flat, clerk, applicant=person)
    steps = open_tasks(case.instance_id)
    work(steps["transaction_check@housing"], people["reviewer"], {"transaction_result": "ok"})
    work(steps["registration_check@realestate"], people["realestate"],
         {"sealed": False, "objection": False, "mortgage": "none"})
    made["transfer_tax"] = case.id
    done = _transfer_done(people, take_in("1103-NRES-003", flat, clerk, applicant=person))
    made["transfer_done"] = done
    made["drawing"] = take_in("1102-HOUS-002", {"building": {
        "use": "office", "height_m": 20, "floors": 5, "floor_area": 8000, "underground_depth_m": 0,
        "hazardous_materials": False}}, clerk, applicant=applicant).id
    made["submitted"] = intake.submit(PERMIT, applicant, uploads(PERMIT), clerk).id
    case = intake.submit(PERMIT, applicant, uploads(PERMIT, skip={"design_scheme"}), clerk)
    corrections.request_correction(case.id, [{"code": "design_scheme", "reason": "缺少总平面图"}], clerk)
    made["correction"] = case.id
    assert set(made) == {name for name, *_ in MIX}
    return made


def _transfer_done(people, case) -> int:
    from engine import decisions
    from tests.procedures import open_tasks, work
    steps = open_tasks(case.instance_id)
    work(steps["transaction_check@housing"], people["reviewer"], {"transaction_result": "ok"})
    work(steps["registration_check@realestate"], people["realestate"],
         {"sealed": False, "objection": False, "mortgage": "none"})
    work(open_tasks(case.instance_id)["tax_assessment@tax"], people["taxreviewer"], {"assessed_price": 2_000_000})
    work(open_tasks(case.instance_id)["tax_payment@tax"], people["taxreviewer"], {"tax_paid": True, "receipt_no": "T1"})
    work(open_tasks(case.instance_id)["registration_fee@realestate"], people["realestate"],
         {"fee_paid": True, "fee_receipt_no": "F1"}, document=False)
    work(open_tasks(case.instance_id)["register@realestate"], people["realestate"],
         {"certificate_no": "京(2026)不动产权第0000001号"})
    decisions.deliver(case.id, "window", people["clerk"])
    return case.id


class Template:
    """A template case's rows, table by table, with what each column holds."""

    def __init__(self, con: sqlite3.Connection, case_id: int):
        from engine.store.models import Base
        self.case = dict(_rows(con, "SELECT * FROM cases WHERE id = ?", case_id)[0])
        iid = self.case["instance_id"]
        clocks = [r["id"] for r in _rows(con, "SELECT id FROM clocks WHERE instance_id = ?", iid)]
        self.rows = {}
        for name in CASE_TABLES:
            cols = Base.metadata.tables[name].c
            if name == "instances":
                where, args = "id = ?", [iid]
            elif name == "cases":
                where, args = "id = ?", [case_id]
            else:
                mine = [f"{c} = ?" for c in ("instance_id", "case_id") if c in cols]
                args = [v for c, v in (("instance_id", iid), ("case_id", case_id)) if c in cols]
                if "clock_id" in cols and clocks:
                    mine.append(f"clock_id IN ({','.join('?' * len(clocks))})")
                    args += clocks
                where = " OR ".join(mine)
            self.rows[name] = [dict(r) for r in _rows(con, f"SELECT * FROM {name} WHERE {where}", *args)] \
                if args else []
        self.spiff_ids = {r["spiff_id"] for r in self.rows["instance_steps"]}
        applicant = dict(_rows(con, "SELECT * FROM applicants WHERE id = ?", self.case["applicant_id"])[0])
        self.applicant = applicant


def _rows(con, sql, *args):
    con.row_factory = sqlite3.Row
    return con.execute(sql, args).fetchall()


def _column_kinds() -> dict[str, dict[str, tuple]]:
    """Per cloned table and column: ("id",), ("ref", table), ("date",), ("datetime",), ("text",) or ()."""
    from sqlalchemy import JSON, Date, String, Text
    from engine.store.models import Base, UTCDateTime
    kinds = {}
    for name in CASE_TABLES:
        table = Base.metadata.tables[name]
        kinds[name] = {}
        for col in table.c:
            target = next((fk.column.table.name for fk in col.foreign_keys), None) or \
                LOOSE_REFERENCES.get((name, col.name))
            if col.name == "id" and col.primary_key:
                kind = ("id",)
            elif target:
                kind = ("ref", target)
            elif isinstance(col.type, UTCDateTime):
                kind = ("datetime",)
            elif isinstance(col.type, Date):
                kind = ("date",)
            elif isinstance(col.type, (JSON, String, Text)):
                kind = ("text",)
            else:
                kind = ()
            kinds[name][col.name] = kind
    return kinds


def _shift(value: str | None, days: int) -> str | None:
    if value is None:
        return None
    return (date.fromisoformat(value[:10]) + timedelta(days=days)).isoformat() + value[10:]


def _escaped(text: str) -> str:
    return json.dumps(text)[1:-1]


class Cloner:
    def __init__(self, con: sqlite3.Connection, people: dict, rng: random.Random, cases: int):
        self.con, self.rng = con, rng
        self.kinds = _column_kinds()
        self.offset = {name: (con.execute(f"SELECT max(id) FROM {name}").fetchone()[0] or 0) + 1
                       for name in CASE_TABLES if "id" in self.kinds[name]}
        # Each department's people take turns: a template's reviewer is one of its department's.
        self.crews = {}
        for user in people.values():
            dept = user.department.code if user.department else None
            if dept in ("natres", "housing", "realestate", "tax", "window"):
                self.crews.setdefault(dept, []).append(user.id)
        self.dept_of = {u.id: u.department.code for u in people.values() if u.department}
        self.pending = {name: [] for name in CASE_TABLES}
        self.pools = {"person": self._applicants("person", max(50, cases // 4)),
                      "company": self._applicants("company", max(20, cases // 10))}
        self.heavy = self._heavy()

    def _applicants(self, kind: str, count: int) -> list[tuple]:
        rows, seen = [], set()
        while len(rows) < count:
            number = id_card(self.rng) if kind == "person" else uscc(self.rng)
            if number in seen:
                continue
            seen.add(number)
            name = self.rng.choice(SURNAMES) + "".join(self.rng.choice(GIVEN) for _ in range(self.rng.randint(1, 2))) \
                if kind == "person" else f"{self.rng.choice(SURNAMES)}{self.rng.choice(GIVEN)}{self.rng.choice(('科技', '建设', '贸易', '置业'))}有限公司"
            rows.append((kind, name, "id_card" if kind == "person" else "uscc", number, phone(self.rng)))
        start = self.con.execute("SELECT max(id) FROM applicants").fetchone()[0] + 1
        self.con.executemany("INSERT INTO applicants (id, kind, name, id_type, id_number, phone, created_at, "
                             "failed_sign_ins, session_serial) VALUES (?, ?, ?, ?, ?, ?, '2025-11-01 08:00:00.000000', 0, 0)",
                             [(start + i, *row) for i, row in enumerate(rows)])
        return [(start + i, name, number, tel) for i, (_k, name, _t, number, tel) in enumerate(rows)]

    def _heavy(self) -> tuple:
        from werkzeug.security import generate_password_hash
        number = uscc(self.rng)
        cur = self.con.execute("INSERT INTO applicants (kind, name, id_type, id_number, phone, password_hash, created_at, "
                               "failed_sign_ins, session_serial) VALUES (?, ?, ?, ?, ?, ?, '2025-11-01 08:00:00.000000', 0, 0)",
                               ("company", HEAVY["name"], "uscc", number, HEAVY["phone"],
                                generate_password_hash(PORTAL_PASSWORD)))
        return (cur.lastrowid, HEAVY["name"], number, HEAVY["phone"])

    def clone(self, template: Template, k: int, days_ago: int, heavy: bool) -> None:
        shift = -days_ago
        kind = template.applicant["kind"]
        applicant = self.heavy if heavy and kind == "company" else self.rng.choice(self.pools[kind])
        users = {uid: self.rng.choice(self.crews[dept]) for uid, dept in self.dept_of.items() if dept in self.crews}
        new_case_id = template.case["id"] + k * self.offset["cases"]
        submitted = date.fromisoformat(template.case["submitted_at"][:10]) + timedelta(days=shift)
        number = f"{submitted:%Y%m%d}{new_case_id:06d}"
        replace = [(template.case["number"], number)]
        for old, new in zip((template.applicant["name"], template.applicant["id_number"], template.applicant["phone"]),
                            applicant[1:]):
            replace += [(old, new), (_escaped(old), _escaped(new))]
        uuids = {old: str(uuid.uuid4()) for old in template.spiff_ids}

        def text(value):
            if not isinstance(value, str):
                return value
            if uuids and "-" in value:
                value = UUID.sub(lambda m: uuids.get(m.group(), m.group()), value)
            for old, new in replace:
                if old in value:
                    value = value.replace(old, new)
            return value

        for name in CASE_TABLES:
            kinds = self.kinds[name]
            for row in template.rows[name]:
                out = {}
                for col, value in row.items():
                    kind = kinds[col]
                    if value is None or not kind:
                        out[col] = value
                    elif kind[0] == "id":
                        out[col] = value + k * self.offset[name]
                    elif kind[0] == "ref":
                        target = kind[1]
                        if target in self.offset:
                            out[col] = value + k * self.offset[target]
                        elif target == "users":
                            out[col] = users.get(value, value)
                        elif target == "applicants":
                            out[col] = applicant[0]
                        else:
                            out[col] = value
                    elif kind[0] in ("date", "datetime"):
                        out[col] = _shift(value, shift)
                    else:
                        out[col] = text(value)
                if name == "materials" and row["reused_from"] is not None and row["reused_from"] not in {
                        m["id"] for m in template.rows["materials"]}:
                    out["reused_from"] = None
                if name in ("materials", "notices") and row["seal_code"]:  # unique: each copy its own
                    code = "".join(self.rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))
                    out["seal_code"] = "-".join(code[i:i + 4] for i in range(0, 16, 4))
                self.pending[name].append(out)

    def flush(self) -> None:
        for name in CASE_TABLES:
            rows = self.pending[name]
            if rows:
                cols = list(rows[0])
                quoted = ", ".join(f'"{c}"' for c in cols)
                self.con.executemany(f"INSERT INTO {name} ({quoted}) VALUES ({', '.join('?' * len(cols))})",
                                     [tuple(r[c] for c in cols) for r in rows])
                rows.clear()


def build(db_path: Path, cases: int, seed: int = 1) -> dict:
    """The database with `cases` cases; returns what the measurements need (logins, the heavy
    applicant's phone, a running case's instance)."""
    started = time.perf_counter()
    if db_path.exists():
        raise SystemExit(f"{db_path} exists: give a new path")
    people = setup(db_path)
    made = templates(people)
    from engine.store import reset_engine
    reset_engine()
    rng = random.Random(seed)
    con = sqlite3.connect(db_path, isolation_level=None)
    con.execute("PRAGMA foreign_keys=OFF")
    con.execute("BEGIN")
    shapes = {name: Template(con, made[name]) for name in made}
    cloner = Cloner(con, people, rng, cases)
    names, weights = [m[0] for m in MIX], [m[1] for m in MIX]
    plan = []
    for _ in range(cases - len(made)):
        name = rng.choices(names, weights)[0]
        _n, _w, low, high = next(m for m in MIX if m[0] == name)
        plan.append((rng.randint(low, high), name))
    plan.sort(reverse=True)  # the oldest first: ids grow with time, as they do
    company_share = sum(w for n, w, *_ in MIX if shapes[n].applicant["kind"] == "company")
    for k, (days_ago, name) in enumerate(plan, start=1):
        cloner.clone(shapes[name], k, days_ago, rng.random() < HEAVY_SHARE / company_share)
        if k % 2000 == 0:
            cloner.flush()
    cloner.flush()
    con.execute("COMMIT")
    levels(con)
    con.close()  # no ANALYZE: the product never runs it, so its databases plan without statistics
    return {"seconds": time.perf_counter() - started, "cases": cases, "templates": made}


def levels(con: sqlite3.Connection) -> None:
    """The levels the tick would have given the open clocks by today, and the supervision orders
    (督办单) a yellow or red card issues; half of those from more than three days ago answered."""
    from engine import clock
    from engine.clock.levels import level_on
    today = clock.today()
    rows = _rows(con, "SELECT id, instance_id, department, started_on, promised_days, promised_due, statutory_due, "
                      "warn_ratio FROM clocks WHERE state != 'stopped'")
    changed, orders = [], []
    for r in rows:
        # the county's clocks count in working days: no moment of a limit in hours to pass at
        c = SimpleNamespace(started_on=date.fromisoformat(r["started_on"]), promised_days=r["promised_days"],
                            promised_due=date.fromisoformat(r["promised_due"]), warn_ratio=r["warn_ratio"],
                            statutory_due=date.fromisoformat(r["statutory_due"]) if r["statutory_due"] else None,
                            promised_unit="working_days", statutory_unit="working_days", promised_due_at=None,
                            statutory_due_at=None)
        level = level_on(c, today)
        changed.append((level, r["id"]))
        if level in ("yellow", "red"):
            issued = c.promised_due + timedelta(days=1)
            answered = (today - issued).days > 3 and r["id"] % 2 == 0
            orders.append((r["id"], r["instance_id"], r["department"], level, f"{issued} 01:00:00.000000",
                           (issued + timedelta(days=3)).isoformat(), issued.isoformat(), 3,
                           "answered" if answered else "open",
                           "已督促经办人加快办理" if answered else None,
                           f"{issued + timedelta(days=2)} 02:00:00.000000" if answered else None))
    con.execute("BEGIN")
    con.executemany("UPDATE clocks SET level = ? WHERE id = ?", changed)
    con.executemany("INSERT INTO supervision_orders (clock_id, instance_id, department, card, issued_at, feedback_due, "
                    "counted_from, working_days, state, feedback, answered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    orders)
    con.execute("COMMIT")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--cases", type=int, default=20000)
    args = parser.parse_args()
    info = build(args.db.resolve(), args.cases)
    print(f"{info['cases']} cases in {info['seconds']:.0f} s: {args.db}")
