"""操作日志: what staff changed outside any case (people, accounts, what is deployed, the calendar),
what administrators did to a case's procedure (suspending, migrating, a timer sent back), and
what the command line did to the installation (a backup restored, orphan files removed).

A case's own steps are in its history, on its page. These are listed by type: the kinds below,
newest first, a page at a time (keyset on the id, read through the index on type or on actor).
"""
from datetime import date, timedelta

from sqlalchemy import select, union_all

from engine import clock
from engine.errors import Invalid
from engine.store.db import read_session
from engine.store.models import MAX_ROW_ID, Applicant, Case, Definition, Event, Instance, ServiceItem, Thing, User

from .users import require

GROUPS = {
    "people": ("user_created", "user_changed", "user_activated", "user_deactivated", "user_unlocked",
               "password_set", "password_changed", "department_created", "department_renamed",
               "token_issued", "token_revoked", "applicant_password_reset", "roster_imported"),
    "processes": ("deployed", "definition_suspended", "definition_resumed", "draft_saved", "draft_discarded",
                  "decision_test_saved", "decision_test_changed", "decision_test_deleted", "decision_tests_loaded",
                  "service_item_saved", "material_template_saved", "material_template_removed", "thing_saved"),
    "instances": ("instance_suspended", "instance_resumed", "instance_migrated", "timer_retried"),
    "calendar": ("calendar_imported", "calendar_closure_added", "calendar_closure_removed",
                 "special_kind_added", "special_kind_withdrawn", "special_kind_restored", "zones_loaded",
                 "regional_assessment_registered", "regional_assessment_revoked"),
    "agencies": ("agency_registered", "agency_edited", "agency_suspended", "agency_reinstated"),  # 中介超市
    "installation": ("installation_restored", "orphan_files_removed"),  # run.py restore, check --repair-orphans
}
TYPES = tuple(t for types in GROUPS.values() for t in types)
# Recorded outside any case too, but an applicant's own doings online, not staff's.
NOT_LISTED = ("applicant_registered", "applicant_password_changed")
PAGE = 50
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)
# Events whose data names a process, a service item or an applicant by code: the field, and where
# its name is found (the newest version's).
_NAMED = ((("definition_suspended", "definition_resumed", "draft_saved", "draft_discarded", "instance_migrated",
            "decision_test_saved", "decision_test_changed", "decision_test_deleted"),
           "key", Definition.key, Definition.name, Definition.version),
          (("service_item_saved", "material_template_saved", "material_template_removed"), "code", ServiceItem.code, ServiceItem.name, ServiceItem.version),
          (("thing_saved",), "code", Thing.code, Thing.name, Thing.version),
          (("applicant_password_reset",), "applicant_id", Applicant.id, Applicant.name, Applicant.id))


def listed(actor: User, *, what: str | None = None, login: str | None = None, since: date | None = None,
           until: date | None = None, before: int | None = None, after: int | None = None,
           limit: int = PAGE) -> dict:
    """A page of events, newest first: of one type or one group of GROUPS (else all TYPES), by one
    person (login), between two days in China (both included). `before` an id gives the page
    older than it, `after` an id the page newer. Returns {"events", "older", "newer"}: the ids to
    ask with for the next page each way, None where there is none."""
    require(actor, "admin")
    for day in (since, until):  # a day out of range would overflow turning into a time (a 500)
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise Invalid("A day between %(first)s and %(last)s, please: %(day)s", first=FIRST_DAY.isoformat(),
                          last=LAST_DAY.isoformat(), day=day.isoformat())
    for row in (before, after):
        if row is not None and not 0 <= row <= MAX_ROW_ID:
            raise Invalid("No page starts at event %(id)s", id=row)
    if since and until and since > until:
        raise Invalid("The first day %(since)s is after the last day %(until)s", since=str(since), until=str(until))
    types = _types(what)
    filters = []
    if login:
        filters.append(Event.actor_id == select(User.id).where(User.login == login).scalar_subquery())
    if since:
        filters.append(Event.at >= clock.start_of(since))
    if until:
        filters.append(Event.at < clock.start_of(until + timedelta(days=1)))
    query = select(Event).where(Event.type.in_(types), *filters)
    limit = max(1, min(limit, 200))
    with read_session() as session:
        if after is not None:  # the page just newer than `after`: read upwards from it
            rows = session.scalars(_page(types, filters, Event.id > after, Event.id, limit)).all()[::-1]
        else:
            upto = Event.id < before if before is not None else Event.id <= MAX_ROW_ID
            rows = session.scalars(_page(types, filters, upto, Event.id.desc(), limit)).all()
        if not rows:
            return {"events": [], "older": None, "newer": None}
        return {"events": _described(session, rows),
                "older": rows[-1].id if _any(session, query.where(Event.id < rows[-1].id)) else None,
                "newer": rows[0].id if _any(session, query.where(Event.id > rows[0].id)) else None}


def _page(types: tuple, filters: list, bound, order, limit: int):
    """A page of the events of these types, in `order` from `bound`: each type's first `limit`
    through the index on type, then the first `limit` of those. Asked for all the types at once,
    the database reads the whole table in id order instead, looking for the few events of these
    kinds among a year of cases' ones."""
    branches = [select(Event.id).where(Event.type == kind, bound, *filters).order_by(order).limit(limit).subquery()
                for kind in types]
    ids = union_all(*(select(branch.c.id) for branch in branches))
    return select(Event).where(Event.id.in_(ids)).order_by(order).limit(limit)


def _types(what: str | None) -> tuple:
    if not what:
        return TYPES
    if what in GROUPS:
        return GROUPS[what]
    if what in TYPES:
        return (what,)
    raise Invalid("No kind of activity %(what)s", what=repr(what))


def _any(session, query) -> bool:
    return session.scalar(select(query.with_only_columns(Event.id).exists()))


def _described(session, rows: list[Event]) -> list[dict]:
    """The events, with what their data names only by number or code, by name: the procedure's
    case, the process, the service item, the applicant."""
    cases = _cases(session, {e.instance_id for e in rows if e.instance_id})
    names = {}
    for types, field, code, name, version in _NAMED:
        wanted = {e.data.get(field) for e in rows if e.type in types} - {None}
        if wanted:  # as the newest version names it
            names[field] = dict(session.execute(select(code, name).where(code.in_(wanted)).order_by(version)).all())
    return [{"id": e.id, "type": e.type, "at": e.at, "data": e.data, "instance_id": e.instance_id,
             "actor": e.actor.login if e.actor else None, "actor_name": e.actor.name if e.actor else None,
             "case": cases.get(e.instance_id),
             "name": next((names.get(field, {}).get(e.data.get(field)) for types, field, *_ in _NAMED
                           if e.type in types), None)}
            for e in rows]


def _cases(session, instance_ids: set) -> dict:
    """Instance id -> {"id": its case's id (none for a designer's trial run), "number": its
    business key (the case number)}."""
    if not instance_ids:
        return {}
    return {instance_id: {"id": case_id, "number": number} for instance_id, number, case_id in session.execute(
        select(Instance.id, Instance.business_key, Case.id).outerjoin(Case, Case.instance_id == Instance.id)
        .where(Instance.id.in_(instance_ids)))}
