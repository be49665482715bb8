"""The service item catalogue (政务服务事项): versioned items loaded from processes/items/*.yaml.

Each change makes a new version; cases keep the version they were submitted under.
"""
import re
from pathlib import Path

import yaml
from sqlalchemy import select

from engine import agencies, forms, identity, parties, versioned
from engine.clock import units
from engine.clock.limits import MAX_WORKING_DAYS
from engine.errors import Invalid, NotFound, whole
from engine.services.users import require
from engine.store import session_scope
from engine.store.models import Definition, ServiceItem, User

KINDS = {"licence": "行政许可", "confirmation": "行政确认", "payment": "行政给付", "reward": "行政奖励",
         "ruling": "行政裁决", "other_power": "其他行政权力", "public_service": "公共服务"}
CASE_TYPES = {"immediate": "即办件", "promised": "承诺件", "escalated": "上报件", "joint": "联办件"}
# 服务对象, as the national catalogue names them, and the kind of applicant each is (Applicant.kind).
SERVICE_OBJECTS = {"自然人": "person", "企业法人": "company", "事业单位法人": "company", "社会组织法人": "company",
                   "非法人企业": "company", "行政机关": "company", "其他组织": "company"}
# 申请材料: how each is handed in, as the guide tells it (原件或复印件, 纸质或电子, 份数); optional.
ORIGINAL_OR_COPY = ("original", "copy", "original_and_copy")
MEDIA = ("paper", "electronic", "paper_or_electronic")
# And what the guide says of it beside (the 申请材料 sub-entity's 来源渠道, 受理标准, 要求提供材料的依据,
# 填报须知); optional, each a text of at most MAX_MATERIAL_TEXT characters.
SOURCES = ("applicant", "government", "agency", "other")
MATERIAL_TEXTS = ("standard", "basis", "instructions")
MAX_MATERIAL_TEXT = 1000
REQUIRED = ("code", "name", "kind", "department", "case_type", "promised_days", "materials")
# An item's code is its number in the catalogue (1102-HOUS-002): in addresses and case pages.
CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
MAX_NAME = 300
# 实施编码 (GB/T 39554.1), the code the national catalogue gives the item as this office implements it:
# the provincial platform files the cases' records under it (engine/exchange_sets.py).
IMPLEMENTATION_CODE = re.compile(r"[A-Za-z0-9]{1,40}")
# An item's own words for its decision (a registration is 准予登记 / 不予登记), where the generic
# ones (准予办理, 不予办理决定书) would misname it; by the decision code each stands for.
DECISION_WORDS = {"grant": "approve", "grant_with_conditions": "approve_with_conditions", "refuse": "reject",
                  "refusal_notice": "refusal_notice"}
MAX_WORDS = 20
# The same words for the English pages, under the same key with this ending (grant_en: Registration
# granted); a page in English without them says the generic English words, not the Chinese ones.
ENGLISH = "_en"
MAX_ENGLISH_WORDS = 60
# 保管期限 of a case's archive package (engine/archive.py), as the archives' retention schedules name
# them. Unset, 30年: what most offices give a case file of a licence; 永久 for what records a right
# (a registration, a permit for a building), 10年 for a plain service (a records query).
RETENTION_PERIODS = ("永久", "30年", "10年")
DEFAULT_RETENTION = "30年"
# 业务办理项 an item offers (`business_kinds`, new alone unless it says): besides the new licence
# (新设), its renewal (延续, engine/licences.py), of a licence whose validity its `issues` gives.
BUSINESS_KINDS = {"new": "新设", "renewal": "延续"}


def validate(item: dict, source: str = "item") -> dict:
    """Check an item's elements; the error names the field, so an editor can fix it."""
    if not isinstance(item, dict):
        raise Invalid("%(source)s: an item is a mapping of its elements", source=source)
    missing = [f for f in REQUIRED if item.get(f) in (None, "")]
    if missing:
        raise Invalid("%(source)s: missing %(fields)s", source=source, fields=", ".join(missing))
    if not CODE.fullmatch(str(item["code"])):
        raise Invalid("%(source)s: code %(code)s: letters, digits, '-', '_' or '.' only, at most 64",
                      source=source, code=repr(str(item["code"])[:80]))
    if not isinstance(item["name"], str) or len(item["name"]) > MAX_NAME:
        raise Invalid("%(source)s: name must be text of at most %(max)s characters", source=source, max=MAX_NAME)
    if item["kind"] not in KINDS:
        raise Invalid("%(source)s: kind must be one of %(kinds)s", source=source,
                      kinds=", ".join(f"{code} ({name})" for code, name in KINDS.items()))
    if item["case_type"] not in CASE_TYPES:
        raise Invalid("%(source)s: case_type must be one of %(types)s", source=source,
                      types=", ".join(f"{code} ({name})" for code, name in CASE_TYPES.items()))
    _check_limits(item, source)
    codes = set()
    for i, material in enumerate(item["materials"]):
        if not isinstance(material, dict) or not material.get("code") or not material.get("name"):
            raise Invalid("%(source)s: materials[%(index)s] needs a code and a name", source=source, index=i)
        if material["code"] in codes:
            raise Invalid("%(source)s: materials[%(index)s]: duplicate code %(code)s",
                          source=source, index=i, code=material["code"])
        codes.add(material["code"])
        if not _presented(material):
            raise Invalid("%(source)s: materials[%(index)s]: original_or_copy is one of %(forms)s, medium one of "
                          "%(media)s, count a whole number from 1 to 99", source=source, index=i,
                          forms=", ".join(ORIGINAL_OR_COPY), media=", ".join(MEDIA))
        if material.get("source", "applicant") not in SOURCES:
            raise Invalid("%(source)s: materials[%(index)s]: source (来源渠道) is one of %(sources)s", source=source,
                          index=i, sources=", ".join(SOURCES))
        long = [key for key in MATERIAL_TEXTS if key in material
                and not (isinstance(material[key], str) and len(material[key]) <= MAX_MATERIAL_TEXT)]
        if long:
            raise Invalid("%(source)s: materials[%(index)s]: %(keys)s is a text of at most %(max)s characters",
                          source=source, index=i, keys=", ".join(long), max=MAX_MATERIAL_TEXT)
    issues = item.get("issues")
    if issues is not None and not (isinstance(issues, dict) and isinstance(issues.get("code"), str)
                                   and CODE.fullmatch(issues["code"]) and isinstance(issues.get("name"), str)
                                   and _whole_years(issues.get("valid_years", 1))):
        raise Invalid("%(source)s: issues names what a grant issues: {code, name, valid_years (optional, whole "
                      "years)}", source=source)
    kinds = item.get("business_kinds", ["new"])
    if not (isinstance(kinds, list) and "new" in kinds and set(kinds) <= BUSINESS_KINDS.keys()
            and len(set(kinds)) == len(kinds)):
        raise Invalid("%(source)s: business_kinds (业务办理项) lists new and any of %(kinds)s, each once",
                      source=source, kinds=", ".join(f"{code} ({name})" for code, name in BUSINESS_KINDS.items()))
    if "renewal" in kinds and not (item["kind"] == "licence" and licence_years(item)):
        raise Invalid("%(source)s: business_kinds: only a licence whose validity is given (issues: valid_years) "
                      "is renewed (延续)", source=source)
    if "form" in item:
        wrong = forms.problem(item["form"])
        if wrong:
            raise Invalid("%(source)s: form is not a valid JSON Schema form: %(error)s", source=source,
                          error=wrong)
    if "parties" in item:
        wrong = parties.declaration_problem(item["parties"], item.get("form"))
        if wrong:
            raise Invalid("%(source)s: %(error)s", source=source, error=wrong)
    words = item.get("decision_words")
    if words is not None and not (isinstance(words, dict) and all(_word(key, w) for key, w in words.items())):
        raise Invalid("%(source)s: decision_words names an item's own words for its decision: any of %(keys)s, "
                      "each at most %(max)s characters, and in English the same keys ending in _en, at most "
                      "%(max_english)s characters", source=source, keys=", ".join(DECISION_WORDS), max=MAX_WORDS,
                      max_english=MAX_ENGLISH_WORDS)
    objects = item.get("service_object", [])
    if not isinstance(objects, list) or not set(objects) <= SERVICE_OBJECTS.keys():
        raise Invalid("%(source)s: service_object is a list of %(objects)s", source=source,
                      objects=", ".join(SERVICE_OBJECTS))
    services = item.get("agency_services", [])  # 中介服务: the reports an agency prepares (engine/agencies.py)
    if not isinstance(services, list) or not set(services) <= set(agencies.KINDS):
        raise Invalid("%(source)s: agency_services is a list of %(kinds)s", source=source,
                      kinds=", ".join(agencies.KINDS))
    code = item.get("implementation_code")
    if code is not None and not (isinstance(code, str) and IMPLEMENTATION_CODE.fullmatch(code)):
        raise Invalid("%(source)s: implementation_code (实施编码) is 1 to 40 letters and digits", source=source)
    credit = item.get("implementer_credit_code")
    if credit is not None and (not isinstance(credit, str) or identity.problem("uscc", credit)):
        raise Invalid("%(source)s: implementer_credit_code is the implementing department's unified social credit "
                      "code (统一社会信用代码), 18 characters ending in its check character", source=source)
    if item.get("retention_period", DEFAULT_RETENTION) not in RETENTION_PERIODS:
        raise Invalid("%(source)s: retention_period (保管期限) is one of %(periods)s", source=source,
                      periods=", ".join(RETENTION_PERIODS))
    _check_reports_entry(item, source)
    if item.get("online_depth") == 4 and item.get("visits", 0) != 0:
        raise Invalid("%(source)s: online depth IV (全程网办) means zero visits", source=source)
    return item


def _check_limits(item: dict, source: str) -> None:
    """The limits and their units (promised_unit, statutory_unit: working_days, the default,
    calendar_days or hours; units.py): a whole number of its unit, in hours 1 to MAX_HOURS (a
    promise for the same visit); the promise at most half the statutory limit, two limits in
    different units compared as if every day, working or not, had 24 hours: a rough measure, where
    two limits in one unit compare exactly."""
    promised, statutory = item["promised_days"], item.get("statutory_days")
    for field in ("promised_unit", "statutory_unit"):
        if item.get(field, units.WORKING_DAYS) not in units.NAMES:
            raise Invalid("%(source)s: %(field)s is one of %(units)s (working_days unless given)", source=source,
                          field=field, units=", ".join(f"{code} ({name})" for code, name in units.NAMES.items()))
    if "statutory_unit" in item and statutory is None:
        raise Invalid("%(source)s: statutory_unit is the unit of statutory_days, which the item does not give",
                      source=source)
    promised_unit = item.get("promised_unit", units.WORKING_DAYS)
    statutory_unit = item.get("statutory_unit", units.WORKING_DAYS)
    for field, n, unit in (("promised_days", promised, promised_unit), ("statutory_days", statutory, statutory_unit)):
        if n is None:
            continue
        if unit == units.HOURS and not whole(n, 1, units.MAX_HOURS):
            raise Invalid("%(source)s: %(field)s in hours is a whole number from 1 to %(max)s: a longer limit is "
                          "given in days", source=source, field=field, max=units.MAX_HOURS)
        if not whole(n, 0, MAX_WORKING_DAYS):
            raise Invalid("%(source)s: %(field)s must be a whole number of its unit, at most %(max)s",
                          source=source, field=field, max=MAX_WORKING_DAYS)
    if statutory is None:
        return
    promised_hours, statutory_hours = units.in_hours(promised, promised_unit), units.in_hours(statutory, statutory_unit)
    if statutory_hours < promised_hours:
        raise Invalid("%(source)s: statutory_days must not be shorter than promised_days", source=source)
    if promised_hours * 2 > statutory_hours:
        raise Invalid("%(source)s: promised_days may be at most half of statutory_days (承诺时限不超过法定时限的一半)",
                      source=source)


def _word(key, word) -> bool:
    english = isinstance(key, str) and key.endswith(ENGLISH)
    return (isinstance(key, str) and key.removesuffix(ENGLISH) in DECISION_WORDS and isinstance(word, str)
            and 0 < len(word) <= (MAX_ENGLISH_WORDS if english else MAX_WORDS))


# What an entry made of reports cannot be: its reports belong to the one application, come whole.
NOT_OF_REPORTS = ("deferrable", "pledgeable", "valid_years", "issued_by")


def _check_reports_entry(item: dict, source: str) -> None:
    """`agency_reports: true` makes a material the reports of the kinds the project needs, among the
    item's agency_services (engine/agency_reports.py): one such entry, of an item that names them."""
    flagged = [m for m in item["materials"] if "agency_reports" in m]
    for material in flagged:
        if not isinstance(material["agency_reports"], bool):
            raise Invalid("%(source)s: materials %(code)s: agency_reports is true or false", source=source,
                          code=material["code"])
    flagged = [m for m in flagged if m["agency_reports"]]
    if len(flagged) > 1:
        raise Invalid("%(source)s: only one material may be made of the agency reports (agency_reports)",
                      source=source)
    if flagged and not item.get("agency_services"):
        raise Invalid("%(source)s: materials %(code)s is made of the agency reports: name their kinds in "
                      "agency_services", source=source, code=flagged[0]["code"])
    wrong = [key for key in NOT_OF_REPORTS if flagged and flagged[0].get(key)]
    if wrong:
        raise Invalid("%(source)s: materials %(code)s is made of the agency reports, which cannot be %(keys)s",
                      source=source, code=flagged[0]["code"], keys=", ".join(wrong))


def presentation(material: dict) -> tuple:
    """How a material is handed in: (original or copy, medium, count), the defaults where its
    entry says nothing."""
    return (material.get("original_or_copy", "copy"), material.get("medium", "paper_or_electronic"),
            material.get("count", 1))


def _presented(material: dict) -> bool:
    form, medium, count = presentation(material)
    return form in ORIGINAL_OR_COPY and medium in MEDIA and whole(count, 1, 99)


def _whole_years(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def licence_years(item_data: dict) -> int | None:
    """How many years the licence a grant issues is valid (its `issues`), if it says."""
    return (item_data.get("issues") or {}).get("valid_years")


def renewable(item_data: dict) -> bool:
    """Whether the item offers the renewal (延续) of the licences it grants."""
    return "renewal" in item_data.get("business_kinds", ())


def serves(item: ServiceItem, applicant_kind: str) -> bool:
    """Whether an applicant of that kind may apply for the item (one that names no 服务对象 serves all)."""
    kinds = {SERVICE_OBJECTS.get(o) for o in item.data.get("service_object") or []}
    # An item saved before its 服务对象 were checked may name one this list lacks: it refuses no one.
    return not kinds or None in kinds or applicant_kind in kinds


def check_serves(item: ServiceItem, applicant_kind: str) -> None:
    if not serves(item, applicant_kind):
        raise Invalid("Item %(item)s serves %(objects)s only: this applicant may not apply for it",
                      item=item.code, objects="、".join(item.data["service_object"]))


def load_folder(folder: Path, actor: User | None = None) -> list[tuple[str, int, bool]]:
    """Load every YAML file; an unchanged item makes no new version."""
    return versioned.load_folder(folder, load_text, actor)


def load_text(text: str, source: str, actor: User | None = None) -> tuple[str, int, bool]:
    """One item written in YAML (an administrator's upload, a file of processes/items)."""
    return save(validate(versioned.read_yaml(text, source), source), actor)


def save(item: dict, actor: User | None) -> tuple[str, int, bool]:
    """Store the item as a new version if it changed; returns (code, version, new)."""
    if actor is not None:
        require(actor, "admin")
    validate(item)
    with session_scope() as session:
        # The window starts the item's procedure at acceptance: one never deployed would fail then.
        if item.get("process") and not session.scalar(select(Definition.id).where(
                Definition.kind == "bpmn", Definition.key == item["process"]).limit(1)):
            raise Invalid("%(code)s: process %(process)s is not deployed; deploy it first",
                          code=item["code"], process=repr(item["process"]))
        # Its lead decision, clocks and rectifications go to this department: one that does not
        # exist would leave them with no one to see them.
        versioned.check_department(session, item)
        return versioned.save_version(
            session, ServiceItem, item, actor, "service_item_saved", kind=item["kind"],
            case_type=item["case_type"], statutory_days=item.get("statutory_days"),
            promised_days=item["promised_days"], process_key=item.get("process"))


def _latest(session, code: str) -> ServiceItem | None:
    return versioned.latest(session, ServiceItem, code)


def get(code: str) -> ServiceItem:
    with session_scope() as session:
        item = _latest(session, code)
        if item is None:
            raise NotFound("No service item %(code)s", code=repr(code))
        return item


def as_yaml(code: str) -> str:
    """The item's latest version written as YAML: edited and loaded again, it makes a new version
    only where it was changed."""
    return yaml.safe_dump(get(code).data, allow_unicode=True, sort_keys=False, width=1000)


def all_items() -> list[ServiceItem]:
    with session_scope() as session:
        items = session.scalars(select(ServiceItem).order_by(ServiceItem.code, ServiceItem.version.desc()))
        latest = {}
        for item in items:
            latest.setdefault(item.code, item)
        return list(latest.values())


def limit_units(item: ServiceItem) -> dict:
    """The units of the item's limits, as its clocks count them (working days unless it says)."""
    return {"promised_unit": item.data.get("promised_unit", units.WORKING_DAYS),
            "statutory_unit": item.data.get("statutory_unit", units.WORKING_DAYS)}


def retention(item_data: dict) -> str:
    """保管期限 of the item's cases' archive packages."""
    return item_data.get("retention_period") or DEFAULT_RETENTION


def decision_words(item_data: dict) -> dict:
    """The item's own words by decision code ({"approve": "准予登记", "reject": "不予登记",
    "refusal_notice": "不予登记决定书"}), and in English by the code ending in _en ("approve_en":
    "Registration granted"); a word it does not give is the pages' generic one. In Chinese a
    refusal's written decision is named after the refusal (不予登记决定书) unless the item names it;
    in English only a name the item gives replaces the generic one."""
    given = item_data.get("decision_words") or {}
    words = {code + ending: given[key + ending] for key, code in DECISION_WORDS.items() for ending in ("", ENGLISH)
             if given.get(key + ending)}
    if "reject" in words and "refusal_notice" not in words:
        words["refusal_notice"] = words["reject"] + "决定书"
    return words


def worded(item_data: dict, code: str, name: str) -> dict:
    """The item's own words for one decision code, for an event's data: under `name` in Chinese and
    `name`_en in English, each where the item gives it."""
    words = decision_words(item_data)
    return {name + ending: words[code + ending] for ending in ("", ENGLISH) if words.get(code + ending)}


def guide(item: ServiceItem) -> dict:
    """办事指南: the published guide, from the same data the engine uses."""
    data = item.data
    return {"code": item.code, "version": item.version, "name": item.name,
            "kind": item.kind, "case_type": item.case_type,
            "department": item.department, "legal_basis": data.get("legal_basis", []),
            "statutory_days": item.statutory_days, "promised_days": item.promised_days, **limit_units(item),
            "conditions": data.get("conditions", ""), "materials": data.get("materials", []),
            "fees": data.get("fees", []), "online_depth": data.get("online_depth"),
            "visits": data.get("visits"), "service_object": data.get("service_object", []),
            "result": data.get("result", ""), "place": data.get("place", ""),
            "hours": data.get("hours", ""), "phone": data.get("phone", ""),
            "complaints": data.get("complaints", ""), "agency_services": data.get("agency_services", []),
            "licence_years": licence_years(data), "renewable": renewable(data)}
