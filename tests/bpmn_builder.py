"""Small BPMN documents written from a compact description, for tests and benchmarks.

The procedures users run live in processes/ with diagrams; these exist so a test can state
the shape it needs in a few lines.
"""
from xml.sax.saxutils import escape, quoteattr

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
        'id="Definitions_{pid}" targetNamespace="http://shenpi.example/bpmn">\n')
TAGS = {"start": "startEvent", "end": "endEvent", "user": "userTask", "script": "scriptTask",
        "xor": "exclusiveGateway", "and": "parallelGateway", "task": "task",
        "call": "callActivity", "timer": "intermediateCatchEvent", "boundary": "boundaryEvent"}


def process(pid: str, nodes: list, flows: list, lanes: dict | None = None, name: str | None = None,
            extra_processes: str = "") -> str:
    """nodes: (kind, id, name, options); flows: (source, target) or (source, target, condition).

    options: script=..., form=..., props={name: value} (spiffworkflow properties: promisedDaysExpression,
    paymentNoticeExpression ...), default=flow target id, loop=condition (standard loop),
    called=process id (call activity); timer and boundary nodes take date=, duration= or cycle=
    (an expression), a boundary also attached= and cancel=.
    """
    incoming, outgoing, flow_xml = {}, {}, []
    for i, flow in enumerate(flows):
        src, dst = flow[0], flow[1]
        fid = f"Flow_{src}_{dst}"
        outgoing.setdefault(src, []).append(fid)
        incoming.setdefault(dst, []).append(fid)
        cond = flow[2] if len(flow) > 2 else None
        body = f"<bpmn:conditionExpression>{escape(cond)}</bpmn:conditionExpression>" if cond else ""
        flow_xml.append(f'<bpmn:sequenceFlow id="{fid}" sourceRef="{src}" targetRef="{dst}">{body}'
                        f'</bpmn:sequenceFlow>')
    node_xml = []
    for kind, nid, label, *rest in nodes:
        opts = rest[0] if rest else {}
        attrs = f' id="{nid}" name={quoteattr(label)}'
        if "default" in opts:
            attrs += f' default="Flow_{nid}_{opts["default"]}"'
        if kind == "call":
            attrs += f' calledElement="{opts["called"]}"'
        if kind == "boundary":
            attrs += f' attachedToRef="{opts["attached"]}" cancelActivity="{str(opts.get("cancel", True)).lower()}"'
        inner = "".join(f"<bpmn:incoming>{f}</bpmn:incoming>" for f in incoming.get(nid, []))
        inner += "".join(f"<bpmn:outgoing>{f}</bpmn:outgoing>" for f in outgoing.get(nid, []))
        props = {**({"formJsonSchemaFilename": opts["form"]} if "form" in opts else {}), **opts.get("props", {})}
        if props:
            inner = ('<bpmn:extensionElements><spiffworkflow:properties>'
                     + "".join(f'<spiffworkflow:property name="{k}" value={quoteattr(v)}/>' for k, v in props.items())
                     + '</spiffworkflow:properties></bpmn:extensionElements>') + inner
        if "loop" in opts:
            inner += ('<bpmn:standardLoopCharacteristics testBefore="false">'
                      f'<bpmn:loopCondition>{escape(opts["loop"])}</bpmn:loopCondition>'
                      '</bpmn:standardLoopCharacteristics>')
        for field in ("date", "duration", "cycle"):
            if field in opts:
                tag = "time" + field.capitalize()
                inner += (f'<bpmn:timerEventDefinition id="Timer_{nid}"><bpmn:{tag}>{escape(opts[field])}'
                          f'</bpmn:{tag}></bpmn:timerEventDefinition>')
        if "script" in opts:
            inner += f"<bpmn:script>{escape(opts['script'])}</bpmn:script>"
        node_xml.append(f"<bpmn:{TAGS[kind]}{attrs}>{inner}</bpmn:{TAGS[kind]}>")
    lane_xml = ""
    if lanes:
        lane_xml = '<bpmn:laneSet id="LaneSet_1">' + "".join(
            f'<bpmn:lane id="Lane_{i}" name={quoteattr(lane)}>'
            + "".join(f"<bpmn:flowNodeRef>{n}</bpmn:flowNodeRef>" for n in members) + "</bpmn:lane>"
            for i, (lane, members) in enumerate(lanes.items())) + "</bpmn:laneSet>"
    return (HEAD.format(pid=pid)
            + f'<bpmn:process id="{pid}" name={quoteattr(name or pid)} isExecutable="true">'
            + lane_xml + "".join(node_xml) + "".join(flow_xml) + "</bpmn:process>"
            + extra_processes + "</bpmn:definitions>\n")


def approval(pid="approval", name="简单审批") -> str:
    """Intake at the window, review by housing, then a decision by the lead on approval."""
    return process(pid, [
        ("start", "start", "申请"),
        ("user", "intake", "窗口受理", {"form": "intake.json"}),
        ("user", "review", "住建审查"),
        ("xor", "decide", "是否同意", {"default": "rejected"}),
        ("user", "sign", "领导签发"),
        ("end", "approved", "准予许可"),
        ("end", "rejected", "不予许可"),
    ], [("start", "intake"), ("intake", "review"), ("review", "decide"),
        ("decide", "sign", "opinion == 'approve'"), ("decide", "rejected"),
        ("sign", "approved")],
        lanes={"窗口 (window)": ["intake"], "housing": ["review"], "lead": ["sign"]}, name=name)


def parallel(pid="parallel", branches=9, name="并联审批") -> str:
    """Intake, N departments in parallel, a decision: the shape of 多评合一."""
    nodes = [("start", "start", "申请"), ("user", "intake", "受理"), ("and", "split", "分送"),
             ("and", "join", "汇总"), ("user", "decision", "牵头部门决定"), ("end", "end", "办结")]
    flows = [("start", "intake"), ("intake", "split"), ("join", "decision"), ("decision", "end")]
    for i in range(branches):
        nodes.append(("user", f"assess_{i}", f"评估{i}"))
        flows += [("split", f"assess_{i}"), (f"assess_{i}", "join")]
    return process(pid, nodes, flows, name=name)


INTAKE_FORM = {
    "type": "object",
    "required": ["applicant"],
    "properties": {"applicant": {"type": "string", "minLength": 1},
                   "area": {"type": "number", "minimum": 0}},
}


def one_review(pid: str, title: str, lane: str) -> str:
    """A service item's procedure at its smallest: one department reviews, and the case is granted
    (a procedure must end with a decision)."""
    return process(pid, [("start", "s", "申请"), ("user", "review", title),
                         ("script", "grant", "准予", {"script": "decision = 'approve'"}), ("end", "e", "办结")],
                   [("s", "review"), ("review", "grant"), ("grant", "e")], lanes={lane: ["review", "grant"]})
