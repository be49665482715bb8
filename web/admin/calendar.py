"""The working-day calendar: a year at a glance, importing the State Council notice, closure days."""
import calendar as months
from datetime import date

from flask import abort, render_template, request
from flask_babel import gettext as _

from engine import clock
from engine.calendar import CALENDAR_YEARS
from engine.errors import Invalid, ShenpiError
from engine.services import admin, calendars

from .. import local_time
from ..inbox.access import actor, roles_required
from . import bp, done, refused, uploaded_or_pasted


@bp.get("/calendar")
@roles_required("admin")
def calendar():
    return _calendar(request.args.get("year", type=int) or clock.today().year)


def _calendar(year, **page):
    if year not in CALENDAR_YEARS:
        raise Invalid(_("年份超出范围"))
    overview = calendars.year_overview(year)
    closed = admin.closures(year, actor())
    off, makeup = set(overview["non_working_weekdays"]) | set(overview["holidays"]), set(overview["makeup_workdays"])
    shut = {c["day"].isoformat() for c in closed}

    def kind(day):
        text = day.isoformat()
        if text in shut:
            return "closure"
        if text in off:
            return "holiday"
        if text in makeup:
            return "makeup"
        return "weekend" if day.weekday() >= 5 else "workday"

    grid = [(m, [[(d, kind(d)) if d.month == m else None for d in week]
                 for week in months.Calendar().monthdatescalendar(year, m)]) for m in range(1, 13)]
    return render_template("admin/calendar.html", year=year, overview=overview, closures=closed, grid=grid,
                           on_file=calendars.on_file(year), **page)


def _notice_sent() -> tuple[str, str | None, str]:
    """The notice the form sent: its text, its format (by the file's name; None, guessed) and the
    name its errors give it."""
    text, filename = uploaded_or_pasted()
    if not text.strip():
        raise Invalid(_("请上传或粘贴通知文件（YAML 或 CSV）"))
    fmt = ("csv" if filename.lower().endswith(".csv") else "yaml") if filename else None
    return text, fmt, filename or _("粘贴的通知")


@bp.post("/calendar/notice/preview")
@roles_required("admin")
def preview_notice():
    """What the import would change, nothing stored; the notice stays in the form, to be imported."""
    try:
        text, fmt, name = _notice_sent()
        # The trailing newline keeps the text from being read as a file path on the server.
        preview = calendars.preview_notice(text + "\n", actor(), fmt, name)
    except ShenpiError as exc:
        return refused(exc, _calendar, year=request.form.get("year", type=int) or clock.today().year)
    return _calendar(preview["year"], preview=preview, notice_text=text)


@bp.post("/calendar/notice")
@roles_required("admin")
def import_notice():
    try:
        text, fmt, name = _notice_sent()
        notice, earlier = calendars.import_notice(text + "\n", actor(), fmt, name,
                                                   unlike_law=request.form.get("unlike_law") == "on")
    except ShenpiError as exc:
        return refused(exc, _calendar, year=request.form.get("year", type=int) or clock.today().year)
    if notice.unlike_law is not None and earlier is not None:  # both said: what it replaced, and checked
        return done(_("%(year)s 年放假安排已导入，替换了 %(when)s 导入的通知，但净放假 %(n)s 个工作日，法定为 %(law)s 个："
                      "请核对通知是否完整", year=notice.year, when=local_time(earlier["imported_at"]), n=notice.days_off,
                      law=notice.unlike_law), "admin.calendar", "warning", year=notice.year)
    if notice.unlike_law is not None:  # imported as it stands, the administrator having checked it
        return done(_("%(year)s 年放假安排已导入，但净放假 %(n)s 个工作日，法定为 %(law)s 个：请核对通知是否完整",
                      year=notice.year, n=notice.days_off, law=notice.unlike_law), "admin.calendar", "warning",
                    year=notice.year)
    if earlier is not None:  # a second entry for the year: say whose it replaced
        return done(_("已导入 %(year)s 年放假安排，替换了 %(when)s 导入的通知", year=notice.year,
                      when=local_time(earlier["imported_at"])), "admin.calendar", year=notice.year)
    return done(_("已导入 %(year)s 年放假安排", year=notice.year), "admin.calendar", year=notice.year)


@bp.post("/calendar/closures")
@roles_required("admin")
def add_closure():
    year = request.form.get("year", type=int) or clock.today().year
    try:
        day = date.fromisoformat(request.form.get("day", ""))
    except ValueError:
        return refused(Invalid(_("请填写日期（年-月-日）")), _calendar, year=year)
    try:
        calendars.add_closure(day, request.form.get("reason", "").strip(), actor(),
                              stops_clocks=request.form.get("stops_clocks") == "on")
    except ShenpiError as exc:
        return refused(exc, _calendar, year=year)
    return done(_("%(day)s 已设为停止办公日", day=day.isoformat()), "admin.calendar", year=day.year)


@bp.post("/calendar/closures/<day>/remove")
@roles_required("admin")
def remove_closure(day):
    try:
        when = date.fromisoformat(day)
    except ValueError:
        abort(404)
    try:
        calendars.remove_closure(when, actor())
    except ShenpiError as exc:
        return refused(exc, _calendar, year=when.year)
    return done(_("已取消停止办公日 %(day)s", day=day), "admin.calendar", year=when.year)
