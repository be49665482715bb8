"""Chinese names (translatable) for the codes the engine stores."""
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l

from engine import agencies, catalogue, parties, ratings
from engine.clock import units

from .messages import translated

STATUS = {"submitted": _l("已提交，待受理"), "correction": _l("待补正材料"), "accepted": _l("已受理，审批中"),
          "conditional": _l("容缺受理，审批中"), "refused": _l("不予受理"), "decided": _l("已办结，待送达"),
          "delivered": _l("已办结，已送达"), "terminated": _l("已终止"), "withdrawn": _l("已撤回申请"),
          "review_correction": _l("审查中，待补正材料"), "revoked": _l("已撤销（虚假承诺）")}
STEPS = {"case_submitted": _l("提交申请"), "notice_issued": _l("出具书面通知"), "case_accepted": _l("受理"),
         "materials_supplied": _l("补交材料"), "task_created": _l("进入审查环节"),
         "task_completed": _l("审查环节完成"), "correction_opened": _l("窗口汇总补正要求"),
         "correction_confirmed": _l("窗口确认补正材料"), "case_decided": _l("作出审批决定"), "case_delivered": _l("送达结果"),
         "case_terminated": _l("办件终止"), "case_withdrawn": _l("申请人撤回申请"), "case_rated": _l("评价服务"),
         "special_procedure_started": _l("暂停计时"), "special_procedure_ended": _l("恢复计时"),
         "special_started": _l("特殊环节开始"), "special_ended": _l("特殊环节结束"),
         "clock_extended": _l("延长审批期限"), "agency_commissioned": _l("选定中介机构"),
         "agency_delivered": _l("中介机构交付报告"), "agency_commission_cancelled": _l("取消中介委托"),
         "agency_overdue": _l("中介服务逾期"), "agency_commission_ended": _l("中介委托随办件结束"),
         "grant_revoked": _l("撤销审批决定")}
NOTICES = {"acceptance": _l("受理通知书"), "correction": _l("补正通知书"), "refusal": _l("不予受理通知书"),
           "special": _l("特殊环节通知书"), "receipt": _l("批复材料签收单"),
           "review_correction": _l("审查阶段补正一次性告知书"), "extension": _l("延长审批期限告知书"),
           "rejection": _l("不予行政许可决定书"), "termination": _l("终止办理告知书"), "non_approval": _l("不予办理决定书"),
           "payment": _l("缴款通知书"), "revocation": _l("撤销决定书"), "renewal_deemed": _l("视为准予延续告知书"),
           # 一件事: the notices of the whole application (engine/thing_notices.py)
           "thing_acceptance": _l("受理通知书（一件事）"), "thing_refusal": _l("不予受理通知书（一件事）")}
# 一件事: an application's status, from its cases' (engine/thing_applications.status).
APPLICATION_STATUS = {"submitted": _l("待受理"), "in_progress": _l("办理中"), "done": _l("已办结"),
                      "refused": _l("不予受理")}
DECISIONS = {"approve": _l("准予"), "approve_with_conditions": _l("附条件准予"), "reject": _l("不予许可")}
# 许可 and a bare 准予 are a licence's words (Art. 38): any other item (a registration, a query, a
# public service) is 准予办理 or 不予办理.
DECISIONS_NOT_LICENCE = {"approve": _l("准予办理"), "approve_with_conditions": _l("附条件准予办理"),
                         "reject": _l("不予办理")}
DELIVERY = {"window": _l("窗口领取"), "express": _l("邮寄送达"), "electronic": _l("电子送达")}
MATERIALS = {"provided": _l("已提交"), "reused": _l("已复用"), "pledged": _l("告知承诺"),
             "deferred": _l("容缺后补"), "missing": _l("未提交"), "unsupplied": _l("未补交"),
             # An entry made of the agency reports when the project needs none (engine/agency_reports.py).
             "covered": _l("由区域评估覆盖"), "not_needed": _l("本项目无需")}
RATINGS = {1: _l("非常满意"), 2: _l("满意"), 3: _l("基本满意"), 4: _l("不满意"), 5: _l("非常不满意")}  # GB/T 39046 A.8
# A case_rated event is read by its label, the level's Chinese name: those recorded before
# migration 0008 carry the old codes (5 非常满意), and events are history, never rewritten.
RATED_AS = {ratings.LEVELS[code]: name for code, name in RATINGS.items()}
# 中介超市: an agency's rating is 1 to 5, 5 the best (engine/agencies.py), the 好差评 code list the
# other way round; a page names it with the 好差评's words, so that the two read alike to an applicant.
AGENCY_RATINGS = {agencies.SCALE + 1 - code: name for code, name in RATINGS.items()}
RECTIFICATION = {"open": _l("待整改"), "answered": _l("已答复"), "late": _l("逾期未整改"),
                 "excused": _l("申诉成立，整改终止")}
RATING_CHANNELS = {"online": _l("网上办事大厅"), "qr": _l("扫码评价（评价码）")}  # ratings.CHANNELS
# 申诉复核 (engine/rating_appeals.py): on what ground a department appeals a bad rating, and how it ended.
APPEAL_GROUNDS = {"outside_duty": _l("非本部门职责"), "mistaken": _l("误评（与事实不符）"), "malicious": _l("恶意差评")}
APPEALS = {"pending": _l("待复核"), "upheld": _l("申诉不成立"), "granted": _l("申诉成立")}
# 告知承诺核查 (engine/pledge_checks.py): a pledge's check, due, or found true or false.
PLEDGE_CHECKS = {"due": _l("待核查"), "true": _l("属实"), "false": _l("不实（虚假承诺）")}
CONCERNS = {"service": _l("窗口服务（受理、送达）"), "handling": _l("部门审批办理")}  # what a bad rating is about
# 中介超市: the kinds of report (engine/report_kinds.KINDS, the codes of rules/assessments_required.dmn).
AGENCY_SERVICES = {"environmental_impact": _l("环境影响评价"), "safety": _l("安全评价"), "energy": _l("节能评估"),
                   "soil_water": _l("水土保持方案"), "seismic_safety": _l("地震安全性评价"),
                   "geological_hazard": _l("地质灾害危险性评估"), "water_resources": _l("水资源论证"),
                   "climate": _l("气候可行性论证"), "cultural_relics": _l("文物影响评估（考古调查勘探）"),
                   "drawing_review": _l("施工图审查")}
COMMISSIONS = {"open": _l("委托中"), "delivered": _l("已交付"), "cancelled": _l("已取消"), "ended": _l("案件已结束")}
APPLICANT_KINDS = {"person": _l("自然人"), "company": _l("法人或其他组织")}
# An item's kind, case type and 服务对象, by the codes and names engine/catalogue.py checks.
ITEM_KINDS = {"licence": _l("行政许可"), "confirmation": _l("行政确认"), "payment": _l("行政给付"),
              "reward": _l("行政奖励"), "ruling": _l("行政裁决"), "other_power": _l("其他行政权力"),
              "public_service": _l("公共服务")}
CASE_TYPES = {"immediate": _l("即办件"), "promised": _l("承诺件"), "escalated": _l("上报件"), "joint": _l("联办件")}
# How a material is handed in (engine/catalogue.py ORIGINAL_OR_COPY and MEDIA).
ORIGINAL_OR_COPY = {"original": _l("原件"), "copy": _l("复印件"), "original_and_copy": _l("原件和复印件各")}
MEDIA = {"paper": _l("纸质"), "electronic": _l("电子"), "paper_or_electronic": _l("纸质或电子")}
MATERIAL_SOURCES = {"applicant": _l("申请人自备"), "government": _l("政府部门核发"), "agency": _l("中介机构出具"),
                    "other": _l("其他")}
MATERIAL_FORMS = {"blank": _l("空白表格"), "example": _l("示例样表")}
SERVICE_OBJECTS = {"自然人": _l("自然人"), "企业法人": _l("企业法人"), "事业单位法人": _l("事业单位法人"),
                   "社会组织法人": _l("社会组织法人"), "非法人企业": _l("非法人企业"), "行政机关": _l("行政机关"),
                   "其他组织": _l("其他组织")}
ID_TYPES = {"id_card": _l("居民身份证"), "passport": _l("护照"), "hk_macao_permit": _l("港澳居民来往内地通行证"),
            "uscc": _l("统一社会信用代码")}
# 版本比较: what changed, in the words of the designer's panels.
ELEMENT_TYPES = {"process": _l("流程"), "startEvent": _l("开始事件"), "endEvent": _l("结束事件"),
                 "intermediateCatchEvent": _l("中间事件"), "intermediateThrowEvent": _l("中间事件"),
                 "boundaryEvent": _l("边界事件"), "task": _l("任务"), "userTask": _l("用户任务"),
                 "scriptTask": _l("脚本任务"), "manualTask": _l("人工任务"), "callActivity": _l("调用活动"),
                 "subProcess": _l("子流程"), "exclusiveGateway": _l("排他网关"), "parallelGateway": _l("并行网关"),
                 "inclusiveGateway": _l("包容网关"), "eventBasedGateway": _l("事件网关"), "sequenceFlow": _l("顺序流"),
                 "lane": _l("泳道"), "laneSet": _l("泳道集"), "participant": _l("池"), "collaboration": _l("协作"),
                 "dataObject": _l("数据对象"), "dataObjectReference": _l("数据对象"), "textAnnotation": _l("注释")}
ELEMENT_FIELDS = {"type": _l("类型"), "name": _l("名称"), "attributes": _l("属性"), "incoming": _l("流入"),
                  "outgoing": _l("流出"), "properties": _l("审批设置"), "content": _l("内容（脚本、条件、定时器等）")}
# The BPMN attributes a change most often touches; any other is named as the XML names it.
ELEMENT_ATTRIBUTES = {"sourceRef": _l("起点"), "targetRef": _l("终点"), "default": _l("默认流向"),
                      "calledElement": _l("调用的流程"), "processRef": _l("流程"), "attachedToRef": _l("附着于"),
                      "cancelActivity": _l("中断活动"), "isExecutable": _l("可执行")}
STEP_PROPERTIES = {"formJsonSchemaFilename": _l("表单"), "groupExpression": _l("办理部门"), "titleExpression": _l("任务标题"),
                   "promisedDaysExpression": _l("本环节承诺时限"), "statutoryDaysExpression": _l("本环节法定时限"),
                   "requiresDocument": _l("须上传结果文书"),
                   "correctionNotice": _l("窗口汇总补正"), "paymentNoticeExpression": _l("缴款通知"),
                   "leadDecides": _l("仅由部门负责人办理"), "silenceConsentsExpression": _l("逾期未反馈视为同意")}
# A limit in its unit (engine/clock/units.py), what is left of it and how far it is past, as pages say it.
LIMITS = {"working_days": _l("%(n)s 个工作日"), "calendar_days": _l("%(n)s 个自然日"), "hours": _l("%(n)s 小时")}
LEFT = {"working_days": _l("剩余 %(n)s 个工作日"), "calendar_days": _l("剩余 %(n)s 个自然日"), "hours": _l("剩余 %(n)s 小时")}
PAST = {"working_days": _l("超期 %(n)s 个工作日"), "calendar_days": _l("超期 %(n)s 个自然日"), "hours": _l("超期 %(n)s 小时")}
# How a written notice says its limits are counted, each unit they are in (engine/clock/units.py).
COUNTED = {"working_days": _l("工作日不含法定节假日"),
           "calendar_days": _l("自然日期限的最后一日为法定节假日或休息日的，以其后的第一个工作日为最后一日"),
           "hours": _l("小时自受理时起连续计算，含夜间和节假日")}
# The dates engine/recount.py moves when a holiday notice comes (event date_recounted).
RECOUNTED = {"order": _l("督办反馈期限"), "review_correction": _l("补正期限"), "payment": _l("缴款期限"),
             "arrival": _l("受理答复期限（五个工作日）"), "delivery": _l("送达期限"), "rectification": _l("整改期限"),
             "commission": _l("中介机构承诺交付日期"), "pledge_check": _l("告知承诺核查期限")}
LABELS = {"status": STATUS, "application_status": APPLICATION_STATUS, "recounted": RECOUNTED, "steps": STEPS,
          "notices": NOTICES, "decisions": DECISIONS,
          "decisions_not_licence": DECISIONS_NOT_LICENCE, "delivery": DELIVERY,
          "materials": MATERIALS, "material_sources": MATERIAL_SOURCES,
          "material_forms": MATERIAL_FORMS, "ratings": RATINGS, "rated_as": RATED_AS, "rectification": RECTIFICATION, "concerns": CONCERNS,
          "rating_channels": RATING_CHANNELS, "appeal_grounds": APPEAL_GROUNDS, "appeals": APPEALS,
          "pledge_checks": PLEDGE_CHECKS,
          "applicant_kinds": APPLICANT_KINDS, "item_kinds": ITEM_KINDS, "case_types": CASE_TYPES,
          "element_types": ELEMENT_TYPES, "element_fields": ELEMENT_FIELDS,
          "step_properties": STEP_PROPERTIES, "element_attributes": ELEMENT_ATTRIBUTES,
          "agency_services": AGENCY_SERVICES, "agency_ratings": AGENCY_RATINGS, "commissions": COMMISSIONS}


def own_word(words: dict | None, name: str) -> str | None:
    """An item's own word for a decision (catalogue.decision_words, by code; an event's
    decision_word or title) in the reader's language, its English one on English pages; None
    where the item gives none in that language, for the generic word."""
    english = get_locale() is not None and get_locale().language == "en"
    return (words or {}).get(name + catalogue.ENGLISH if english else name)


def presented(material: dict) -> str:
    """How the guide says a material is handed in (原件1份（纸质）), where its item says so."""
    if not {"original_or_copy", "medium", "count"} & material.keys():
        return ""
    form, medium, count = catalogue.presentation(material)
    return gettext("%(form)s%(count)s份（%(medium)s）", form=ORIGINAL_OR_COPY[form], count=count, medium=MEDIA[medium])


def service_objects(names: list[str]) -> str:
    """An item's 服务对象 in the reader's language (a name the catalogue does not know, as written)."""
    return gettext("、").join(str(SERVICE_OBJECTS.get(name, name)) for name in names)


def party_role(role: str | None) -> str:
    """A joint application's party's role as the item writes it (卖方), in the reader's language
    where the engine knows it (engine/parties.ROLES)."""
    return translated(parties.role_name(role)) if role else ""


def payer(line: dict) -> str:
    """Who pays a payment notice's line: the payer's role in the reader's language, then the name
    (卖方 王五, or seller 王五). A line from before the role was kept apart holds both in its payer,
    in Chinese, and is shown as it was written."""
    role = line.get("payer_role")
    return " ".join(filter(None, (party_role(role), line.get("payer") or "")))


def limit(n, unit: str | None = None) -> str:
    """A limit of n in its unit (20 个工作日, 2 小时); an item or event from before units gave none:
    working days."""
    return str(LIMITS[unit or units.WORKING_DAYS]) % {"n": n}


def time_left(clock: dict) -> str:
    """What is left of a clock's promised limit (剩余 3 个工作日), or how far it is past (超期 2 小时)."""
    left = clock["left"]
    return str((LEFT if left >= 0 else PAST)[clock["promised_unit"]]) % {"n": abs(left)}


def units_of(rows) -> list[str]:
    """The units a notice's limits count in: of each row (an acceptance notice's data, or each
    item of a 一件事's) not decided on the spot, its promise's and, where it has one, its
    statutory limit's (a notice from before units: working days)."""
    used = []
    for row in rows:
        if not row.get("immediate"):
            used.append(row.get("promised_unit") or "working_days")
            if row.get("statutory_due"):
                used.append(row.get("statutory_unit") or "working_days")
    return used


def counted(used) -> str:
    """How a notice's limits are counted, a clause for each unit they are in (working days first)."""
    return gettext("；").join(str(COUNTED[unit]) for unit in COUNTED if unit in used)
