"""Shenpi command line: serve, worker, migrate, deploy, rules, items, user, token, calendar, zones, report,
exchange, archive, backup, restore, check."""
import argparse
import sys
from pathlib import Path

from sqlalchemy.exc import OperationalError, ProgrammingError

from engine.errors import ShenpiError

SERVE_THREADS = 8  # requests served at once per process; steps on one case still go one at a time


def cmd_migrate(args):
    from engine.store.migrate import upgrade
    upgrade()
    print("database schema is up to date")


def cmd_deploy(args):
    """Definitions on stdout; warnings (deployed all the same) on stderr, like the problems of a refusal."""
    from engine.services.decision_tests import deploy_tried
    from engine.services.deploy import collect_files
    outcome, _results = deploy_tried(collect_files(args.paths), None, intended=args.intended)
    for r in outcome.definitions:
        print(f"{r.kind}\t{r.key}\tversion {r.version}\t{'new' if r.new else 'unchanged'}\t{r.name or ''}")
    for warning in outcome.warnings:
        print(f"warning: {_located(warning)}", file=sys.stderr)


def _located(detail: dict) -> str:
    """A problem or warning as 'file: element id: message'."""
    where = ": ".join(str(detail[k]) for k in ("file", "element_id") if detail.get(k))
    return f"{where + ': ' if where else ''}{detail.get('message', detail)}"


def cmd_rules_test(args):
    """Each test case on the newest deployed version of its decision: PASS or FAIL a line, then
    the count; exit 1 when one fails."""
    import json
    from engine.services import decision_tests
    cases = decision_tests.read_files(args.file) if args.file else None
    results = decision_tests.run_deployed(args.key, cases)
    for r in results:
        where = f"{r['key']} v{r['version']}" if r["version"] else r["key"]
        if r["passed"]:
            print(f"PASS\t{where}\t{r['name']}")
        elif r["error"] is not None:
            print(f"FAIL\t{where}\t{r['name']}: {r['error']}")
        else:
            said = {k: json.dumps(r[k], ensure_ascii=False) for k in ("expected", "actual")}
            print(f"FAIL\t{where}\t{r['name']}: expected {said['expected']}, got {said['actual']}")
    failed = sum(not r["passed"] for r in results)
    print(f"{len(results) - failed} passed, {failed} failed" if results else "no test cases", file=sys.stderr)
    return 1 if failed else 0


def cmd_user_add(args):
    from engine.services.users import add_user
    from engine.services.users import department_names
    from engine.store import session_scope
    with session_scope() as session:
        known = args.department in department_names(session)
    user = add_user(args.login, args.name or args.login, args.department, args.role, args.password, temporary=True)
    if args.department and not known:
        print(f"created department {args.department} (named {args.department}; rename it on the people page)")
    print(f"created user {user.login} ({', '.join(user.roles)})")
    if args.password:
        print("the password is temporary: at their first sign-in they choose their own")


def cmd_user_password(args):
    """The new password is typed twice at a terminal, or read as one line from a pipe (scripts)."""
    import getpass
    from engine.services.users import set_password
    from engine.signin import TEMPORARY_DAYS
    if sys.stdin.isatty():
        password = getpass.getpass("new password: ")
        if getpass.getpass("again: ") != password:
            print("error: the two passwords differ", file=sys.stderr)
            return 1
    else:
        password = sys.stdin.readline().rstrip("\n")
    revoked = set_password(args.login, password, None)
    print(f"{args.login}: password set; their sessions have ended, {revoked} API token(s) revoked")
    print(f"it is temporary: at their next sign-in, within {TEMPORARY_DAYS} days, they choose their own")


def cmd_user_import(args):
    """The roster's preview on stdout and its problems on stderr (exit 1, nothing stored); with
    --apply and no problem, the import, then each new person's temporary password: hand them
    over, they are kept nowhere."""
    from engine.services import roster
    from engine.signin import TEMPORARY_DAYS
    path = Path(args.file)
    if not path.is_file():
        print(f"error: no file {path}", file=sys.stderr)
        return 1
    data = path.read_bytes()
    preview = roster.preview(data, path.name, None)
    _print_preview(preview)
    if preview.problems:
        print(f"error: {len(preview.problems)} problem(s): nothing was imported", file=sys.stderr)
        return 1
    if not args.apply:
        print("nothing stored: import it with --apply")
        return 0
    applied = roster.apply(data, path.name, None, preview.digest)
    print(f"imported; {applied.released} step(s) given back to their groups")
    if applied.given:
        print(f"temporary passwords, shown this once: each signs in only to choose one's own, for {TEMPORARY_DAYS} days")
        for given in applied.given:
            print(f"{given.login}\t{given.name}\t{given.department}\t{given.password}")


def _print_preview(preview) -> None:
    """A line a row (what changes of a changed one), the new departments, the counts; on stderr,
    a line a problem."""
    for entry in preview.entries:
        said = {"new": f"{entry.name}\t{entry.department}\t{', '.join(entry.roles)}", "unchanged": "",
                "changed": "; ".join(f"{key}: {_said(was)} -> {_said(now)}" for key, (was, now) in entry.changes.items())}
        print(f"row {entry.row}\t{entry.status}\t{entry.login}\t{said[entry.status]}"
              f"{'' if entry.active else ' (deactivated: stays so)'}".rstrip())
    for code, name in preview.departments.items():
        print(f"new department {code}: {name}")
    if preview.ignored:
        print(f"columns left aside: {', '.join(preview.ignored)}")
    print(f"{preview.count('new')} new, {preview.count('changed')} changed, {preview.count('unchanged')} unchanged; "
          "people the file does not name are left as they are")
    for problem in preview.problems:
        print(f"row {problem.row}, {problem.column}: {problem.message}", file=sys.stderr)


def _said(value) -> str:
    return ", ".join(value) if isinstance(value, list) else str(value or "-")


def cmd_user_unlock(args):
    from engine.services.admin import unlock_user
    print(f"{args.login}: signing in is open again" if unlock_user(args.login, None)
          else f"{args.login} was not locked")


def _china(moment) -> str:
    """A stored time in China, as the pages say it, with the offset that makes it unambiguous."""
    from engine.clock import SHANGHAI
    return moment.astimezone(SHANGHAI).isoformat(timespec="minutes")


def cmd_token(args):
    from engine.services import tokens
    if args.list:
        for t in tokens.list_tokens(args.login):
            used = _china(t["last_used_at"]) if t["last_used_at"] else "never used"
            print(f"{t['id']}\t{_china(t['created_at'])}\t{used}\t{t['label'] or ''}")
    elif args.revoke is not None:
        tokens.revoke_token(args.login, args.revoke)
        print(f"token {args.revoke} of {args.login} revoked")
    else:
        print(tokens.issue_token(args.login, label=args.label))


def cmd_items(args):
    """Service items from YAML files or folders of them (as processes/items/); for `things`, things
    (一件事, as processes/things/), whose items are loaded already."""
    from engine import catalogue, material_templates, things
    loader = things if args.command == "things" else catalogue
    for path in map(Path, args.paths):
        if not path.exists():
            print(f"error: no file or folder {path}", file=sys.stderr)
            return 1
        loaded = loader.load_folder(path) if path.is_dir() else [
            loader.load_text(path.read_text(encoding="utf-8"), path.name)]
        for code, version, new in loaded:
            print(f"{code}\tversion {version}\t{'new' if new else 'unchanged'}")
        if loader is catalogue and (path / "forms").is_dir():
            print(f"forms: {material_templates.load_folder(path / 'forms')}")


def cmd_demo(args):
    """Everything `make run` needs before serving: schema, procedures, demo organisation."""
    from engine.config import ROOT
    from engine.demo import DEMO_PASSWORD, create_demo_organisation
    from engine.services.deploy import collect_files, deploy
    from engine.store.migrate import upgrade
    upgrade()
    paths = [p for p in (ROOT / "processes", ROOT / "rules") if p.exists()]
    files = collect_files(paths)
    if files:
        for r in deploy(files, actor=None).definitions:
            print(f"deployed {r.kind} {r.key} v{r.version}{'' if r.new else ' (unchanged)'}")
    created = create_demo_organisation()  # before the items, which name its departments
    from engine import catalogue, material_templates
    for code, version, new in catalogue.load_folder(ROOT / "processes" / "items"):
        print(f"service item {code} v{version}{'' if new else ' (unchanged)'}")
    print(f"blank forms and examples: {material_templates.load_folder(ROOT / 'processes' / 'items' / 'forms', replace=False)}")
    from engine import things
    for code, version, new in things.load_folder(ROOT / "processes" / "things"):  # after the items they name
        print(f"thing {code} v{version}{'' if new else ' (unchanged)'}")
    from engine import regional
    if not regional.any_registered():  # the administrator's registry is theirs once it holds anything
        print(f"regional assessments: {regional.load_zones(ROOT / 'processes' / 'zones')}")
    from engine.services import decision_tests
    for key, name, added in decision_tests.load_files([ROOT / "rules" / "tests"]):
        print(f"test case {key}: {name}{'' if added else ' (kept as it is)'}")
    if created:
        print(f"demo logins (password {DEMO_PASSWORD}):")
        for login, roles in created:
            print(f"  {login:12} {roles}")


def cmd_serve(args):
    """Waitress, a production WSGI server: the address is bound before it is announced."""
    from waitress.server import create_server
    from web import create_app
    if not _schema_is_current():
        return 1
    app = create_app()
    try:
        server = create_server(app, host=args.host, port=args.port, threads=SERVE_THREADS, ident="Shenpi")
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    if not args.no_scheduler:
        from engine.scheduler import start_background
        start_background()
    print(f"Shenpi 审批 serving on http://{args.host}:{args.port}/", flush=True)
    server.run()


def _schema_is_current() -> bool:
    from engine.store.migrate import is_current
    if is_current():
        return True
    print("error: the database schema is not up to date: run `python run.py migrate` first", file=sys.stderr)
    return False


def cmd_worker(args):
    import logging
    from engine.scheduler import run_blocking
    if not _schema_is_current():
        return 1
    # What the worker does (timers fired or failed) at INFO; the libraries' step-by-step chatter
    # (every task state change, every scheduler wake-up) only when something goes wrong.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    for noisy in ("spiff", "SpiffWorkflow", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    print("Shenpi timer worker running; Ctrl-C stops it", flush=True)
    try:
        run_blocking()
    except (KeyboardInterrupt, SystemExit):
        pass


def _port(text):
    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is a number from 1 to 65535, not {text!r}")
    return port


def _date(text):
    from datetime import date
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


PROVISIONAL = "note: provisional, no official holiday calendar for that year yet (run.py calendar import)"


def cmd_calendar_add(args):
    from engine.services import calendars
    if not 0 <= args.n <= 3650:  # ten years of working days is far past any statutory limit
        print("error: give the number of working days from 0 to 3650", file=sys.stderr)
        return 1
    try:
        deadline = calendars.current().add_workdays(args.date, args.n)
    except OverflowError:
        print("error: the deadline falls after the year 9999", file=sys.stderr)
        return 1
    print(deadline.date.isoformat())  # stdout is the answer alone (api.md); a caution goes to stderr
    if deadline.provisional:
        print(PROVISIONAL, file=sys.stderr)


def cmd_calendar_is_workday(args):
    from engine.services import calendars
    calendar = calendars.current()
    print("yes" if calendar.is_workday(args.date) else "no")
    if calendar.provisional(args.date):
        print(PROVISIONAL, file=sys.stderr)


def cmd_calendar_import(args):
    from engine.services import calendars
    if not Path(args.file).is_file():
        print(f"error: no file {args.file}", file=sys.stderr)
        return 1
    if args.preview:
        return _preview_notice(calendars.preview_notice(Path(args.file), actor=None))
    notice, earlier = calendars.import_notice(Path(args.file), actor=None, unlike_law=args.unlike_law)
    print(f"imported {notice.year}: {len(notice.holidays)} holidays, "
          f"{len(notice.workdays)} makeup working days")
    if earlier is not None:
        print(f"note: it replaces the notice for {notice.year} imported {_china(earlier['imported_at'])} "
              f"({earlier['source'] or 'no source given'})", file=sys.stderr)
    if notice.unlike_law is not None:
        print(f"warning: the notice gives {notice.days_off} working days off, the law {notice.unlike_law}: "
              "check that it is complete", file=sys.stderr)


def _preview_notice(preview: dict) -> None:
    """What the import would change, a line a day (stdout), what to check (stderr)."""
    for change in preview["changes"]:
        print(f"{change['day']}\t{'working' if change['working'] else 'off'}")
    counted = preview["working_days"]
    print(f"preview {preview['year']}: {len(preview['changes'])} days change; working days in the year "
          f"{counted['now']} now, {counted['then']} after the import; nothing was imported", file=sys.stderr)
    if preview["replaces"] is not None:
        print(f"note: it would replace the notice imported {_china(preview['replaces']['imported_at'])} "
              f"({preview['replaces']['source'] or 'no source given'})", file=sys.stderr)
    if preview["law"] is not None:
        print(f"warning: the notice gives {preview['days_off']} working days off, the law {preview['law']}: "
              "check that it is complete (import it with --unlike-law only if its text says so)", file=sys.stderr)


def cmd_calendar_recount(args):
    from engine.services import calendars
    clocks, moved = calendars.recount(actor=None)
    print(f"{clocks} open clocks counted again, {moved} dates moved")


def cmd_zones_load(args):
    from engine import regional
    for folder in args.paths:
        print(f"{folder}: {regional.load_zones(Path(folder))} regional assessment results")


def cmd_report_monthly(args):
    from engine import supervision
    try:
        year, month = (int(x) for x in args.month.split("-"))
    except ValueError:
        print("error: give the month as YYYY-MM", file=sys.stderr)
        raise SystemExit(1)
    out = args.output or f"report-{year}-{month:02d}.xlsx"
    report = supervision.monthly_xlsx(year, month)  # built first: a failure leaves an old file as it was
    try:
        with open(out, "wb") as fh:
            fh.write(report)
    except OSError as exc:
        print(f"error: cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"wrote {out}")


def cmd_exchange(args):
    """办件信息汇聚 as JSON lines: to --out (written whole, then put in place; the next cursor alone on
    stdout) or to stdout (the next cursor on stderr). The records hold ID numbers: mind where they go."""
    import json
    from contextlib import nullcontext

    from engine import exchange, files
    if args.limit is not None and args.limit < 1:
        print("error: --limit is a whole number of at least 1", file=sys.stderr)
        return 1
    after = args.after
    with files.private_file(Path(args.out), "w") if args.out else nullcontext(sys.stdout) as out:
        for records, after in exchange.pages(args.after, args.limit):
            out.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    if args.out:
        print(after)
    else:
        print(f"next: {after}", file=sys.stderr)


def cmd_archive_build(args):
    """办件电子归档: a package for every case that ended in the month, written into --out one by one
    (each whole, then renamed into place), progress on stdout; one archived already with all its
    events is written as kept. Exit 1 if one failed (the others are written)."""
    from engine import archive
    from web.archived import standalone
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cases = archive.month_cases(args.month)
    place = {case["id"]: (f"[{n}/{len(cases)}]", case["number"]) for n, case in enumerate(cases, 1)}

    def written(case_id, package, how):
        archive.copy_to(package["sha256"], out, f"{place[case_id][1]}.zip")
        print(*place[case_id], how, flush=True)

    for case in cases:
        if case["package"]:
            written(case["id"], case["package"], "kept")

    def each(_index, case_id, outcome, error):
        if error is None:
            written(case_id, outcome, f"built ({outcome['files']} files)")
        else:
            print(*place[case_id], f"failed: {error}", flush=True)

    with standalone() as render:
        outcome = archive.build_all([case["id"] for case in cases if not case["package"]], None, render, each)
    print(f"{len(cases) - len(outcome['failed'])} packages in {out}, {len(outcome['failed'])} failed")
    return 1 if outcome["failed"] else 0


def cmd_archive_verify(args):
    """四性检测 of a package file: each check passed or failed with its reason; exit 1 on a failure."""
    from engine import archive_check
    report = archive_check.check(args.file)
    for row in report:
        print(f"{'PASS' if row['passed'] else 'FAIL'} {row['aspect']}/{row['check']}: {row['reason']}")
    return 0 if archive_check.passed(report) else 1


PROGRESS_SECONDS = 3


def _progress(what: str):
    """Progress on stderr for a large files store: a line every few seconds, and the last one
    (nothing for a store done within the first few seconds)."""
    import time
    told = {"at": time.monotonic(), "lines": 0}

    def tell(done: int, total: int):
        now = time.monotonic()
        if now - told["at"] >= PROGRESS_SECONDS or (done == total and told["lines"]):
            told["at"], told["lines"] = now, told["lines"] + 1
            print(f"{what}: {done} of {total} files", file=sys.stderr, flush=True)
    return tell


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def cmd_backup(args):
    import os
    from engine import backup
    manifest = backup.backup(Path(args.folder), _progress("copied"))
    database, stored = manifest["database"], manifest["files"]
    print(f"backed up into {args.folder}: {database['file']} (migration {database['revision']}), "
          f"{stored['files']} files ({_megabytes(stored['bytes'])}, {stored['copied']} new)")
    if not manifest["keys"]["secret_key"]:
        print("note: no secret key file" + (", as SECRET_KEY is set in the environment" if os.environ.get("SECRET_KEY")
                                            else "") + ": keep that key with the backup, as a secret", file=sys.stderr)
    for sha in stored["corrupt"]:
        print(f"error: {sha} in the files store does not match its checksum and was left out (run.py check "
              "says which cases it belongs to)", file=sys.stderr)
    return 1 if stored["corrupt"] else 0


def cmd_restore(args):
    from engine import backup, file_check
    done = backup.restore(Path(args.folder), _progress("copied"))
    print(f"restored the backup made {_china(done['made_at'])} (migration "
          f"{done['revision']}{', migrated to the newest' if done['migrated'] else ''}), {done['files']['files']} files")
    return _checked(file_check.check(progress=_progress("checked")))


def cmd_check(args):
    from engine import file_check
    return _checked(file_check.check(args.repair_orphans, _progress("checked")))


def _checked(found: dict) -> int:
    """The check's findings, one line each; 1 when a file is missing or corrupt."""
    for kind in ("missing", "corrupt"):
        for row in found[kind]:
            owners = [f"case {n}" for n in row["cases"]] + [f"instance {i} (no case)" for i in row["instances"]] + [
                f"form {f}" for f in row["forms"]]
            print(f"{kind}: {row['sha256']} ({', '.join(owners)})")
    for row in found["orphans"]:
        print(f"orphan: {row['path']} ({row['bytes']} bytes, {_china(row['modified'])})"
              f"{': removed' if row['removed'] else ''}")
    removed = sum(row["removed"] for row in found["orphans"])
    print(f"{found['checked']} files named by the database: {len(found['missing'])} missing, "
          f"{len(found['corrupt'])} corrupt; {len(found['orphans'])} orphans" +
          (f", {removed} removed" if removed else ""))
    if len(found["orphans"]) > removed:
        print("orphans are removed by `run.py check --repair-orphans` once an hour old (an upload writes its "
              "file before its row)", file=sys.stderr)
    return 1 if found["missing"] or found["corrupt"] else 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="run.py", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("serve", help="the web application and API")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=_port, default=5000)
    s.add_argument("--no-scheduler", action="store_true", help="do not fire timers in this process")
    s.set_defaults(func=cmd_serve)

    sub.add_parser("worker", help="fire timers and deadlines without the web server"
                   ).set_defaults(func=cmd_worker)
    sub.add_parser("migrate", help="bring the database schema up to date").set_defaults(func=cmd_migrate)
    sub.add_parser("demo", help="migrate, deploy processes/ and rules/, create the demo organisation"
                   ).set_defaults(func=cmd_demo)

    d = sub.add_parser("deploy", help="deploy BPMN/DMN/form files or folders")
    d.add_argument("paths", nargs="+")
    d.add_argument("--intended", action="store_true",
                   help="deploy decision tables even if saved test cases fail on them (the event names those cases)")
    d.set_defaults(func=cmd_deploy)

    rl = sub.add_parser("rules", help="decision tables: their test cases").add_subparsers(dest="action", required=True)
    rt = rl.add_parser("test", help="run the test cases (of KEY) on the newest deployed decision tables; exit 1 "
                                    "when one fails")
    rt.add_argument("key", nargs="?", help="one decision's cases (default: every decision's)")
    rt.add_argument("--file", action="append", metavar="PATH",
                    help="the cases in these YAML files or folders (as rules/tests/) instead of the saved ones")
    rt.set_defaults(func=cmd_rules_test)

    it = sub.add_parser("items", help="load service items (the window's catalogue) from YAML files or folders")
    it.add_argument("paths", nargs="+")
    it.set_defaults(func=cmd_items)
    th = sub.add_parser("things", help="load things (一件事: several items applied for at once) from YAML files "
                                       "or folders, after their items")
    th.add_argument("paths", nargs="+")
    th.set_defaults(func=cmd_items)

    u = sub.add_parser("user", help="manage users").add_subparsers(dest="action", required=True)
    a = u.add_parser("add", help="create a user")
    a.add_argument("login")
    a.add_argument("--name")
    a.add_argument("--department")
    a.add_argument("--role", action="append", required=True, help="clerk, reviewer, lead, supervisor, designer, admin")
    a.add_argument("--password")
    a.set_defaults(func=cmd_user_add)
    pw = u.add_parser("password", help="set a user's password (typed twice, or one line on stdin)")
    pw.add_argument("login")
    pw.set_defaults(func=cmd_user_password)
    ui = u.add_parser("import", help="check a staff roster (.xlsx or .csv); --apply imports it")
    ui.add_argument("file")
    ui.add_argument("--apply", action="store_true", help="import it, if it has no problem, and print the new "
                                                        "people's temporary passwords")
    ui.set_defaults(func=cmd_user_import)
    ul = u.add_parser("unlock", help="open a sign-in closed by wrong passwords before its 15 minutes end")
    ul.add_argument("login")
    ul.set_defaults(func=cmd_user_unlock)

    c = sub.add_parser("calendar", help="Chinese working days").add_subparsers(dest="action", required=True)
    ca = c.add_parser("add", help="the date that ends N working days after DATE")
    ca.add_argument("date", type=_date)
    ca.add_argument("n", type=int)
    ca.set_defaults(func=cmd_calendar_add)
    ci = c.add_parser("is-workday", help="yes or no")
    ci.add_argument("date", type=_date)
    ci.set_defaults(func=cmd_calendar_is_workday)
    cm = c.add_parser("import", help="load a year's holidays and makeup working days (YAML or CSV)")
    cm.add_argument("file")
    cm.add_argument("--unlike-law", action="store_true",
                    help="import a notice whose days off differ from the law's, once checked against its text")
    cm.add_argument("--preview", action="store_true",
                    help="import nothing: list the days it would change (day, working or off) and what to check")
    cm.set_defaults(func=cmd_calendar_import)
    cr = c.add_parser("recount", help="count open clocks and awaited dates again on the calendar as stored "
                                      "(finishes an import or closure whose recount failed)")
    cr.set_defaults(func=cmd_calendar_recount)

    z = sub.add_parser("zones", help="regional assessments (区域评估)").add_subparsers(dest="action", required=True)
    zl = z.add_parser("load", help="register the results in zone files (YAML, as processes/zones/), in folders")
    zl.add_argument("paths", nargs="+")
    zl.set_defaults(func=cmd_zones_load)
    r = sub.add_parser("report", help="reports").add_subparsers(dest="action", required=True)
    rm = r.add_parser("monthly", help="the monthly department report as .xlsx")
    rm.add_argument("month", help="YYYY-MM")
    rm.add_argument("-o", "--output")
    rm.set_defaults(func=cmd_report_monthly)

    x = sub.add_parser("exchange", help="the cases' records for the provincial platform (GB/T 39046), as JSON lines")
    x.add_argument("--after", type=int, default=0, help="the cursor the last run printed (default 0: from the start)")
    x.add_argument("--limit", type=int, help="at most this many records (default: all)")
    x.add_argument("--out", help="write them to this file and print the next cursor")
    x.set_defaults(func=cmd_exchange)

    ar = sub.add_parser("archive", help="办件电子归档: ended cases' archive packages").add_subparsers(
        dest="action", required=True)
    ab = ar.add_parser("build", help="build the packages of the cases that ended in a month, into a folder")
    ab.add_argument("--month", required=True, help="YYYY-MM: the month (China time) the cases ended in")
    ab.add_argument("--out", required=True, help="the folder to write the packages into (<case number>.zip)")
    ab.set_defaults(func=cmd_archive_build)
    av = ar.add_parser("verify", help="四性检测 of a package: exit 1 if a check fails")
    av.add_argument("file")
    av.set_defaults(func=cmd_archive_verify)
    b = sub.add_parser("backup", help="a consistent copy of the database, the files and the keys, while servers run")
    b.add_argument("folder", help="the backup folder: a later backup into it copies only the new files")
    b.set_defaults(func=cmd_backup)
    rs = sub.add_parser("restore", help="restore a backup into this installation, whose database is empty (SQLite)")
    rs.add_argument("folder")
    rs.set_defaults(func=cmd_restore)
    ck = sub.add_parser("check", help="every file the database names is in the files store, unchanged; "
                                      "list the files it does not name (orphans)")
    ck.add_argument("--repair-orphans", action="store_true", help="remove the orphans older than an hour")
    ck.set_defaults(func=cmd_check)

    t = sub.add_parser("token", help="print a new API token for a user; list or revoke the user's tokens")
    t.add_argument("login")
    t.add_argument("--label", help="what will call with it, shown in lists (e.g. the province's platform)")
    what = t.add_mutually_exclusive_group()
    what.add_argument("--list", action="store_true", help="list the user's tokens: id, issued, last used, label")
    what.add_argument("--revoke", type=int, metavar="ID", help="revoke the user's token ID")
    t.set_defaults(func=cmd_token)
    return p


def main(argv=None) -> int:
    from engine import config
    args = parser().parse_args(argv)
    try:
        config.check()
        status = args.func(args)
    except (OperationalError, ProgrammingError) as exc:  # no server, or a schema never migrated
        cause = next(iter(str(getattr(exc, "orig", None) or exc).strip().splitlines()), repr(exc))
        print(f"error: the database: {cause}", file=sys.stderr)
        print("  check DATABASE_URL, that the database server runs, and `python run.py migrate`", file=sys.stderr)
        return 1
    except ShenpiError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        for detail in exc.details:
            print(f"  {_located(detail) if isinstance(detail, dict) else detail}", file=sys.stderr)
        return 1
    except OSError as exc:  # a folder that cannot be written (backup, restore), a disk full
        print(f"error: {exc.filename or ''}{': ' if exc.filename else ''}{exc.strerror or exc}", file=sys.stderr)
        return 1
    return status or 0


if __name__ == "__main__":
    sys.exit(main())
