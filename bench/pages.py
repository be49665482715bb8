"""Staff pages against a county's year of work: SQL statements and milliseconds per request.

    python bench/pages.py [--sizes 1000 20000] [--dir /tmp/shenpi-pages] [--runs 5]

For each size, bench/county.py fills an SQLite database (kept in --dir, and reused when the same
size is asked for again) and every page below is requested through Flask's test client, signed
in as the person who reads it: once to warm up, then --runs times. Printed per page: statements
per request (counted by SQLAlchemy's before_cursor_execute, the sign-in's included) and the
fastest of the runs in milliseconds (the 2-core machines change speed from minute to minute, and
other work on them only ever adds time), at each size, and the ratio of the largest size to the
smallest. A paged page should keep its statements the same and its time close to it. --plans
prints, for each page, the statements whose plan reads a whole table or sorts.
"""
import argparse
import json
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "shenpi-demo"  # engine/demo.py


def pages(facts: dict) -> list[tuple[str, str, str]]:
    """(name, who, path): who is a staff login, "portal" (the heavy applicant) or "api:LOGIN"; a
    path "search:TEXT" is the window's list searched for TEXT."""
    month = facts["last_month"]
    return [
        ("reviewer inbox", "natres", "/inbox/"),
        ("housing inbox", "reviewer", "/inbox/"),
        ("window intake list", "clerk", "/intake/"),
        ("intake search: name", "clerk", "search:" + facts["name_part"]),
        ("intake search: 尾号 tail", "clerk", "search:" + facts["tail"]),
        ("intake search: number", "clerk", "search:" + facts["number"]),
        ("intake status=accepted", "clerk", "/intake/?status=accepted"),
        ("intake case page", "clerk", f"/intake/cases/{facts['case_id']}"),
        ("supervision board", "supervisor", "/supervision/"),
        ("在办案件 page 1", "supervisor", "/supervision/cases"),
        ("在办案件 page 3", "supervisor", "/supervision/cases?page=3"),
        ("在办案件 natres yellow", "supervisor", "/supervision/cases?department=natres&level=yellow"),
        ("在办案件 number", "supervisor", f"/supervision/cases?number={facts['number'][-6:]}"),
        ("在办案件 as head", "natres", "/supervision/cases"),
        ("案件时限 case page", "supervisor", f"/supervision/instances/{facts['instance_id']}/clocks"),
        ("monthly report", "supervisor", f"/supervision/report/view?month={month}"),
        ("操作日志", "admin", "/admin/activity"),
        ("操作日志 people", "admin", "/admin/activity?what=people"),
        ("操作日志 by login", "admin", "/admin/activity?login=admin"),
        ("portal case list", "portal", "/portal/cases"),
        ("api tasks (group)", "api:supervisor", "/api/tasks?group=natres"),
        ("api tasks (assignee)", "api:supervisor", "/api/tasks?assignee=natres1"),
        ("api tasks completed", "api:supervisor", "/api/tasks?state=completed&group=natres"),
        ("api tasks as reviewer", "api:natres", "/api/tasks"),
        ("api tasks of a case", "api:supervisor", f"/api/tasks?instance_id={facts['instance_id']}&state="),
        ("api supervision", "api:supervisor", "/api/supervision"),
    ]


def facts_of(db: Path) -> dict:
    """What the paths need from this database: a running case, an applicant's name, a phone's tail."""
    import sqlite3
    from engine import clock
    con = sqlite3.connect(db)
    instance_id, case_id, number = con.execute(
        "SELECT c.instance_id, c.id, c.number FROM cases c JOIN clocks k ON k.instance_id = c.instance_id "
        "WHERE k.task_id IS NULL AND k.state != 'stopped' ORDER BY c.id DESC LIMIT 1").fetchone()
    name, tel = con.execute("SELECT a.name, a.phone FROM applicants a JOIN cases c ON c.applicant_id = a.id "
                            "WHERE a.kind = 'person' ORDER BY c.id DESC LIMIT 1").fetchone()
    heavy = con.execute("SELECT phone FROM applicants WHERE password_hash IS NOT NULL").fetchone()[0]
    con.close()
    first = clock.today().replace(day=1)
    last_month = date.fromordinal(first.toordinal() - 1).strftime("%Y-%m")
    return {"instance_id": instance_id, "case_id": case_id, "number": number, "name_part": name[:2],
            "tail": tel[-4:], "heavy_phone": heavy, "last_month": last_month}


def measure(db: Path, runs: int, plans: bool = False, only: str = "") -> dict:
    """{page: (statements, fastest ms)} for the database at db (run in a process of its own);
    with plans, each page's full scans and sorts (EXPLAIN QUERY PLAN) on stderr."""
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ["SHENPI_FILES_DIR"] = str(db.parent / "files")
    from sqlalchemy import event

    from engine.services import tokens
    from engine.store import get_engine
    from engine.store.migrate import upgrade
    from web import create_app
    from bench.county import PORTAL_PASSWORD
    upgrade()  # a database built before a migration gets its indexes
    facts = facts_of(db)
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    count, seen = [0], []

    def counted(_conn, _cursor, statement, parameters, _context, _many):
        count[0] += 1
        seen.append((statement, parameters))
    event.listen(get_engine(), "before_cursor_execute", counted)
    clients, headers = {}, {}

    def client_for(who: str):
        if who not in clients:
            client = app.test_client()
            if who == "portal":
                assert client.post("/portal/login", data={"identifier": facts["heavy_phone"],
                                                          "password": PORTAL_PASSWORD}).status_code == 302
            elif who.startswith("api:"):
                headers[who] = {"Authorization": f"Bearer {tokens.issue_token(who[4:], label='bench')}"}
            else:
                assert client.post("/login", data={"login": who, "password": PASSWORD}).status_code == 302
            clients[who] = client
        return clients[who], headers.get(who, {})

    found = {}
    for name, who, path in pages(facts):
        if only not in name:
            continue
        client, head = client_for(who)
        if path.startswith("search:"):  # sent by POST, the list's address names it by a key (web/searches.py)
            path = client.post("/intake/", data={"q": path[len("search:"):]}).location
        response = client.get(path, headers=head)
        assert response.status_code == 200, (name, path, response.status_code, response.text[:500])
        times = []
        for _ in range(runs):
            count[0] = 0
            start = time.perf_counter()
            client.get(path, headers=head)
            times.append((time.perf_counter() - start) * 1000)
        found[name] = (count[0], round(min(times), 1))
        if plans:
            seen.clear()
            client.get(path, headers=head)
            _explain(name, list(seen))
    return found


def _explain(page: str, statements: list) -> None:
    """The statements of one request whose plan scans a whole table or sorts, on stderr."""
    from engine.store import get_engine
    with get_engine().connect() as connection:
        raw = connection.connection.dbapi_connection
        for statement, parameters in statements:
            if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            steps = [row[3] for row in raw.execute("EXPLAIN QUERY PLAN " + statement, parameters)]
            bad = [s for s in steps if s.startswith("SCAN") or "TEMP B-TREE" in s]
            if bad:
                text = " ".join(statement.split())
                shown = text[:60] + " ... " + text[text.find(" FROM "):][:400]  # the tables and the filters
                print(f"[{page}] {shown}\n    " + "\n    ".join(bad), file=sys.stderr)


def database(folder: Path, size: int) -> Path:
    path = folder / f"county-{size}" / "shenpi.db"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, str(ROOT / "bench" / "county.py"), str(path), "--cases", str(size)],
                       check=True, env={**os.environ, "SHENPI_FILES_DIR": str(path.parent / "files")})
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 20000])
    parser.add_argument("--dir", type=Path, default=Path("/tmp/shenpi-pages"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--plans", action="store_true", help="print the full scans and sorts of each page's queries")
    parser.add_argument("--only", default="", help="the pages whose name contains this")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # one size, in its own process
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.runs, args.plans, args.only), ensure_ascii=False))
        return
    results = {}
    for size in args.sizes:
        db = database(args.dir, size)
        out = subprocess.run([sys.executable, __file__, "--measure", str(db), "--runs", str(args.runs),
                              "--only", args.only],
                             check=True, capture_output=True, text=True, env=os.environ).stdout
        results[size] = json.loads(out.strip().splitlines()[-1])
    small, large = min(args.sizes), max(args.sizes)
    print(f"{'page':28} " + " ".join(f"{'sql@' + str(s):>9}" for s in args.sizes) + " "
          + " ".join(f"{'ms@' + str(s):>9}" for s in args.sizes) + f" {'ms ratio':>9}")
    for name in results[small]:
        sql = [results[s][name][0] for s in args.sizes]
        ms = [results[s][name][1] for s in args.sizes]
        ratio = results[large][name][1] / max(results[small][name][1], 0.1)
        print(f"{name:28} " + " ".join(f"{n:>9}" for n in sql) + " " + " ".join(f"{m:>9}" for m in ms)
              + f" {ratio:>9.1f}")


if __name__ == "__main__":
    main()
