"""The OpenAPI schemas of 办件信息汇聚's records (engine/exchange_sets.py): one closed schema per data
set of GB/T 39046-2020, each property described by the standard's Chinese name for it."""


def _object(properties: dict) -> dict:
    return {"type": "object", "properties": properties, "additionalProperties": False, "required": list(properties)}


def _s(name, null=True, **more):
    return {"type": ["string", "null"] if null else "string", "description": name, **more}


def _i(name, null=True):
    return {"type": ["integer", "null"] if null else "integer", "description": name}


def _time(name, null=True):
    return _s(name, null, format="date-time")


def _codes(name, codes):
    return {"enum": list(codes), "description": name}


def _record(dataset: str, name: str, fields: dict) -> dict:
    return {**_object({
        "key": _s("记录键: case number / data set / sequence; a record sent again under it replaces the first", False),
        "cursor": _i("the event that produced it: a pull after it starts behind it", False),
        "dataset": {"const": dataset, "description": name}, "case_number": _s("办件编号", False),
        "seq": _i("序号 within the case's data set", False), **fields}), "description": name}


_UNITS = ("工作日", "自然日", "小时")  # GB/T 39046's 时限单位 (engine/clock/units.py NAMES)
_DEPARTMENT = {"department_code": _s("实施主体 (the product's department code)", False),
               "department_name": _s("实施主体名称"),
               "department_credit_code": _s("实施主体统一社会信用代码 (the item's implementer_credit_code)")}
_STEP_DEPARTMENT = {"department": _s("处理单位"), "department_code": _s("处理单位 (the product's department code)")}

ACCEPTANCE = _record("acceptance", "受理信息", {
    "implementation_code": _s("实施编码"), "item_code": _s("事项编码 (the product's catalogue code)", False),
    "item_name": _s("事项名称", False), "item_version": _i("事项版本", False),
    "item_type": _codes("事项类型 (A.1)", ("01", "05", "07", "08", "09", "10", "20")),
    "case_type": _codes("办件类型 (A.6)", ("1", "2", "9")),
    "case_subtype": {"enum": ["上报件", "联办件", None], "description": "办件类型的地方细分"},
    "handling_form": _codes("办理形式 (A.5), 申报来源", ("1", "2", "3", "4", "9")),
    "handling_form_name": _s("办理形式名称", False),
    "applicant_name": _s("申请人名称", False), "applicant_type": _codes("申请人类型 (服务对象, A.4)", "123456"),
    "applicant_id_type": _codes("申请人证件类型 (GA/T 2000.156; 001 统一社会信用代码)", ("111", "414", "516", "001", "990")),
    "applicant_id_type_name": _s("申请人证件类型名称", False), "applicant_id_number": _s("申请人证件号码 (personal data)", False),
    "applicant_phone": _s("申请人联系电话 (personal data)"), "agent_name": _s("代理人 (the 代办员 who filed it)"),
    "submitted_at": _time("申请时间", False), "accepted_at": _time("受理时间 (when it was recorded)", False),
    "accepted_on": _s("受理日期 (for a deemed acceptance, the day the materials arrived)", False, format="date"),
    "deemed_accepted": {"type": "boolean", "description": "视为受理 (Art. 32)"},
    "acceptance_notice_number": _s("受理文书编号"), **_DEPARTMENT,
    "accepted_by": _s("受理人员 (null: deemed accepted)"), "window_name": _s("受理窗口"),
    "statutory_days": _i("法定办结时限"), "promised_days": _i("承诺办结时限", False),
    "statutory_unit": _codes("法定办结时限单位", _UNITS), "promised_unit": _codes("承诺办结时限单位", _UNITS),
    "promised_due": _s("承诺办结时间 (the end of that day, for a promise in days)", False, format="date"),
    "promised_due_at": _time("承诺办结时间 of a promise in hours, to the minute (null for one in days)")})

PROCESS = _record("process", "过程信息", {
    "step_name": _s("环节名称", False), "action": {"enum": ["通过", "不通过", "退回", "其他"], "description": "业务动作"},
    "handler": _s("处理人"), "opinion": _s("处理意见"), **_STEP_DEPARTMENT,
    "started_at": _time("环节开始时间", False), "ended_at": _time("环节结束时间", False),
    "step_state": _codes("环节办理状态 (2 已办)", ("2",))})

SPECIAL = _record("special_procedure", "特别程序信息", {
    "kind_code": _codes("特别程序种类 (A.7)", ("1", "2")), "kind_name": _s("特别程序种类名称", False),
    "reason": _s("启动理由或依据"), "started_at": _time("开始时间", False), "requested_by": _s("申请人 (who started it)"),
    "limit_days": _i("特别程序时限"), "time_unit": _codes("特别程序时限单位 (an extension's: of the limit it extends)",
                                                        ("工作日", "自然日")),
    "ended_at": _time("结束时间 (null while it runs)"), "result": _s("特别程序结果"),
    "paused_days": _i("working days not counted against the limits"), **_STEP_DEPARTMENT,
    "approved_by": _s("批准人 (an extension's)")})

CONCLUSION = _record("conclusion", "办结信息", {
    "concluded_at": _time("办结时间", False), "concluded_by": _s("办理人"), **_DEPARTMENT,
    "result": {"enum": ["approve", "approve_with_conditions", "reject", "not_accepted", "withdrawn", "terminated"],
               "description": "办结结果"}, "result_name": _s("办结结果名称", False),
    "result_description": _s("办件结果描述"), "certificate_name": _s("结果证照名称"),
    "certificate_number": _s("结果证照编号 (the seal's verification code)"),
    "certificate_valid_until": _s("证照有效期限", format="date"), "delivered_at": _time("送达时间"),
    "delivery_method": _s("送达方式"), "by_express": {"type": "boolean", "description": "是否快递寄送结果"},
    "tracking_number": _s("快递单号"), "charged": {"type": "boolean", "description": "是否收费"}})

RATING = _record("rating", "好差评信息", {
    "rated_at": _time("评价时间", False), "channel": _s("评价渠道 (its name in GB/T 39046 表9)", False),
    "channel_code": _codes("评价渠道 as the national 好差评 system codes it: 1 PC端, 3 二维码", "13"), "rater": _s("评价人 (personal data)", False),
    "times": _i("评价次数", False), "satisfaction": _codes("满意度 (A.8)", "12345"),
    "satisfaction_name": _s("满意度名称", False), "text": _s("文字评价"),
    "department_code": _s("被评价部门 (the product's department code)", False), "department_name": _s("被评价部门")})

SCHEMAS = {"ExchangePage": _object({
    "records": {"type": "array", "items": {"oneOf": [{"$ref": f"#/components/schemas/Exchange{name}"} for name in (
        "Acceptance", "Process", "SpecialProcedure", "Conclusion", "Rating")]}},
    "next": _i("the cursor to pull after next time (unchanged when there was nothing new)", False)}),
    "ExchangeAcceptance": ACCEPTANCE, "ExchangeProcess": PROCESS, "ExchangeSpecialProcedure": SPECIAL,
    "ExchangeConclusion": CONCLUSION, "ExchangeRating": RATING}
