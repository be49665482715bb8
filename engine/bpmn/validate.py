"""Deploy-time validation: every problem of every file, each naming the file and element id.

In order: hardened parsing, the BPMN 2.0 schema, elements the engine cannot run faithfully,
every expression through the restricted language's checker, SpiffWorkflow's own parser, and
a dry start of each process so nothing deploys that fails structurally at its first step.
"""
from dataclasses import dataclass, field
from functools import lru_cache

from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.parser.BpmnParser import XSD_PATH, BpmnValidator
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.task import Task

from engine import expressions
from engine.errors import EngineFailure, Invalid, Message
from engine.expressions import syntax
from engine.xml_problems import located, schema_problem

from . import literals
from .parser import make_parser, parse_xml
from .scripting import PRODUCT_FUNCTIONS, make_script_engine

NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
# Elements SpiffWorkflow parses but this product does not run faithfully, and why.
UNSUPPORTED = {
    "complexGateway": Message("complex gateways are not supported"),
    "transaction": Message("transaction subprocesses (and compensation) are not supported"),
    "adHocSubProcess": Message("ad-hoc subprocesses are not supported"),
    "serviceTask": Message("service tasks cannot call out from this product"),
    "businessRuleTask": Message("use a script task with decide('decision_id', inputs) for DMN decisions"),
    "sendTask": Message("messages between processes are not supported"),
    "receiveTask": Message("messages between processes are not supported"),
    "compensateEventDefinition": Message("compensation is not supported"),
    "choreography": Message("choreographies are not executable"),
    "choreographyTask": Message("choreographies are not executable"),
    "conversation": Message("conversations are not executable"),
    "messageEventDefinition": Message("messages between processes are not supported"),
    "signalEventDefinition": Message("signals are not supported"),
    "conditionalEventDefinition": Message("conditional events are not supported"),
    "linkEventDefinition": Message("link events are not supported"),
    "escalationEventDefinition": Message("escalation events are not supported"),
}
EXPRESSIONS = {  # element -> mode of the restricted language
    "conditionExpression": "eval", "script": "exec", "timeDate": "eval", "timeDuration": "eval",
    "timeCycle": "eval", "loopCardinality": "eval", "completionCondition": "eval", "loopCondition": "eval",
}
# The spiffworkflow properties whose values engine/orchestrator.py evaluates as expressions.
PROPERTY_EXPRESSIONS = ("groupExpression", "titleExpression", "promisedDaysExpression", "statutoryDaysExpression",
                        "paymentNoticeExpression", "refusalExpression", "silenceConsentsExpression")


@dataclass
class Problem:
    file: str
    element_id: str | None
    message: str


class ValidationFailed(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(f"{p.file} {p.element_id or ''}: {p.message}" for p in problems))
        self.problems = problems


@dataclass
class Process:
    key: str
    name: str
    spec: object
    subprocess_specs: dict
    file: str


@dataclass
class ParsedBundle:
    parser: object
    processes: list = field(default_factory=list)
    roots: dict = field(default_factory=dict)  # file name -> its parsed document


@lru_cache(maxsize=1)
def _schema() -> BpmnValidator:
    return BpmnValidator(XSD_PATH)


def owner_id(el) -> str | None:
    """The id of the element a problem is shown on: the nearest with one, passing over an event's
    definition (a timer's), which the diagram does not draw."""
    while el is not None:
        if el.get("id") and not etree.QName(el).localname.endswith("EventDefinition"):
            return el.get("id")
        el = el.getparent()
    return None


GATEWAYS = ("exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway")


def _check_file(name: str, root) -> list[Problem]:
    problems = []
    if root.tag != f"{{{NS}}}definitions":
        return [Problem(name, None, Message("not a BPMN 2.0 definitions document"))]
    validator = _schema()
    validator.preprocess(root)
    if not validator.validator.validate(root):
        for error in list(validator.validator.error_log)[:20]:
            problems.append(Problem(name, owner_id(located(root, error)), schema_problem(error)))
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        local = etree.QName(el).localname
        if etree.QName(el).namespace == NS and local in UNSUPPORTED:
            problems.append(Problem(name, owner_id(el), Message("unsupported element <bpmn:%(element)s>: %(reason)s",
                                                                element=local, reason=UNSUPPORTED[local])))
        if (found := _expression(el)) is not None:
            label, mode, source = found
            try:
                if (wrong := literals.problem(label, source)) is not None:
                    problems.append(Problem(name, owner_id(el), wrong))
                else:
                    syntax.check(source, mode, PRODUCT_FUNCTIONS)
            except expressions.ExpressionError as exc:
                problems.append(Problem(name, owner_id(el), Message("%(label)s: %(reason)s", label=label,
                                                                      reason=exc.message)))
    return problems + _dead_ends(name, root) + _flows(name, root) + _unfinished(name, root) + _silent(name, root)


def expressions_in(root):
    """Every expression under `root` as (element, label, mode, source), for the deploy-time
    warnings (lint.py) to read what the checks above passed."""
    for el in root.iter():
        if isinstance(el.tag, str) and (found := _expression(el)) is not None:
            yield el, *found


def _expression(el) -> tuple[str, str, str] | None:
    """The element's expression as (label, mode of the restricted language, source), if it holds one."""
    local, namespace = etree.QName(el).localname, etree.QName(el).namespace
    mode = EXPRESSIONS.get(local) if namespace == NS else None
    label, source = local, el.text
    if local in ("preScript", "postScript") and namespace == SPIFF:
        mode = "exec"
    if local == "property" and namespace == SPIFF and el.get("name") in PROPERTY_EXPRESSIONS:
        mode, label, source = "eval", el.get("name"), el.get("value")  # the orchestrator evaluates it
    return (label, mode, source) if mode and (source or "").strip() else None


def _dead_ends(name: str, root) -> list[Problem]:
    """A gateway no flow leaves: a case reaching it would wait there for ever, silently (a task
    with none simply ends its path, as BPMN allows)."""
    sources = {flow.get("sourceRef") for flow in root.iter(f"{{{NS}}}sequenceFlow")}
    return [Problem(name, gateway.get("id"), Message("<bpmn:%(element)s> has no outgoing sequence flow: a case "
                                                     "reaching it would stop there",
                                                     element=etree.QName(gateway).localname))
            for gateway in root.iter(*(f"{{{NS}}}{tag}" for tag in GATEWAYS)) if gateway.get("id") not in sources]


def _silent(name: str, root) -> list[Problem]:
    """A step whose silence consents has its own limit to be silent past: the consent falls due
    when its step clock (promisedDaysExpression) ends, and without one would never come."""
    problems = []
    for props in root.iter(f"{{{SPIFF}}}properties"):
        given = {p.get("name") for p in props.iter(f"{{{SPIFF}}}property")}
        if "silenceConsentsExpression" in given and "promisedDaysExpression" not in given:
            problems.append(Problem(name, owner_id(props), Message(
                "silenceConsentsExpression needs promisedDaysExpression beside it: the department's silence "
                "becomes its consent when the step's own limit ends")))
    return problems


TIMES = {"timeDate": Message("date"), "timeDuration": Message("duration"), "timeCycle": Message("cycle")}


def _unfinished(name: str, root) -> list[Problem]:
    """What the modeler leaves half set: a timer whose type or value was never given, a flow out
    of a choosing gateway with no condition that is not its default. The library refuses the
    first and the last in words of its own, without the flow's id ("Unknown Time Specification",
    "Non-default exclusive outgoing sequence flow without condition"), and deploys an empty
    timer value that then fails every case reaching it."""
    problems = []
    for timer in root.iter(f"{{{NS}}}timerEventDefinition"):
        given = [el for el in timer if isinstance(el.tag, str) and etree.QName(el).localname in TIMES]
        if not given:
            problems.append(Problem(name, owner_id(timer), Message(
                "the timer has no type: choose a date, a duration or a cycle, and give its value")))
        elif not any((el.text or "").strip() for el in given):
            problems.append(Problem(name, owner_id(timer), Message(
                "the timer's %(kind)s has no value: give one, such as 'P3D' (three days), or an expression",
                kind=TIMES[etree.QName(given[0]).localname])))
    leaving: dict[str, list] = {}
    for flow in root.iter(f"{{{NS}}}sequenceFlow"):
        leaving.setdefault(flow.get("sourceRef"), []).append(flow)
    for gateway in root.iter(f"{{{NS}}}exclusiveGateway", f"{{{NS}}}inclusiveGateway"):
        flows = leaving.get(gateway.get("id"), [])
        if len(flows) < 2:  # a lone flow is simply taken
            continue
        for flow in flows:
            if flow.get("id") != gateway.get("default") and not (flow.findtext(f"{{{NS}}}conditionExpression") or "").strip():
                problems.append(Problem(name, flow.get("id"), Message(
                    "this flow out of the gateway %(gateway)s has no condition and is not its default flow: give it "
                    "a condition, or make it the default", gateway=gateway.get("name") or gateway.get("id"))))
    return problems


# Steps and events in the middle of a path go on one way: the engine does not split after them.
ONE_WAY_ON = ("task", "userTask", "scriptTask", "manualTask", "callActivity", "subProcess",
              "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent")


def _flows(name: str, root) -> list[Problem]:
    """Sequence flows that join what is there: each ends at elements of its own process (or
    subprocess), and a step has at most one way on. The library's own answers to these name the
    wrong element, or no type."""
    problems = []
    for scope in root.iter(f"{{{NS}}}process", f"{{{NS}}}subProcess"):
        ids = {el.get("id") for el in scope if isinstance(el.tag, str) and el.get("id")}
        leaving: dict[str, int] = {}
        for flow in scope.findall(f"{{{NS}}}sequenceFlow"):
            for end in ("sourceRef", "targetRef"):
                if flow.get(end) is not None and flow.get(end) not in ids:  # a missing one: the schema says so
                    problems.append(Problem(name, flow.get("id"), Message(
                        "sequence flow %(flow)s: its %(end)s %(ref)s is no element of this process",
                        flow=flow.get("id"), end=end, ref=repr(flow.get(end)))))
            leaving[flow.get("sourceRef")] = leaving.get(flow.get("sourceRef"), 0) + 1
        for el in scope:
            if isinstance(el.tag, str) and etree.QName(el).localname in ONE_WAY_ON and leaving.get(el.get("id"), 0) > 1:
                problems.append(Problem(name, el.get("id"), Message(
                    "<bpmn:%(element)s> has %(n)s outgoing sequence flows: a step goes on one way; add a gateway "
                    "after it to split or choose", element=etree.QName(el).localname, n=leaving[el.get("id")])))
    return problems


def validate_bpmn(files: list[tuple[str, bytes]]) -> ParsedBundle:
    problems, trees = [], []
    for name, content in files:
        try:
            root = parse_xml(content)
        except Invalid as exc:
            problems.append(Problem(name, None, exc.message))
            continue
        found = _check_file(name, root)
        problems += found
        if not found:
            trees.append((name, root))
    problems += _defined_twice(trees)
    if problems:
        raise ValidationFailed(problems)
    parser, bundle = make_parser(), None
    for name, root in trees:
        processes = root.findall(f"{{{NS}}}process")
        if processes and all(p.get("isExecutable") == "false" for p in processes):
            # Models drawn in other tools often mark nothing executable; if every element is one
            # we run, their processes deploy rather than being refused for a flag.
            for proc in processes:
                proc.set("isExecutable", "true")
        try:
            parser.add_bpmn_xml(root, filename=name)
        except SpiffWorkflowException as exc:
            problems.append(Problem(name, getattr(exc, "id", None), _reason(exc, str(exc))))
        except Exception as exc:  # a bad file must never crash a deployment
            problems.append(Problem(name, None, Message("cannot be parsed: %(reason)s", reason=_reason(exc))))
    bundle = ParsedBundle(parser, roots=dict(trees))
    for name, root in trees:
        executable = [p for p in root.findall(f"{{{NS}}}process") if p.get("isExecutable", "true") != "false"]
        if not executable:
            problems.append(Problem(name, None, Message("no process in this file")))
        for proc in executable:
            key = proc.get("id")
            try:
                spec = parser.get_spec(key)
                subs = parser.get_subprocess_specs(key)
            except SpiffWorkflowException as exc:
                problems.append(Problem(name, getattr(exc, "id", None) or key, _reason(exc, str(exc))))
                continue
            except Exception as exc:
                problems.append(Problem(name, key, Message("cannot be built: %(reason)s", reason=_reason(exc))))
                continue
            problem = _dry_start(spec, subs)
            if problem:
                problems.append(Problem(name, problem[0] or key, problem[1]))
            bundle.processes.append(Process(key, proc.get("name") or key, spec, subs, name))
    if problems:
        raise ValidationFailed(problems)
    return bundle


def _defined_twice(trees) -> list[Problem]:
    """A process two files of one deployment define (an old copy chosen with the new one): which
    would deploy is anyone's guess. The library says only "Duplicate process ID"."""
    problems, defined = [], {}
    for name, root in trees:
        for proc in root.findall(f"{{{NS}}}process"):
            if proc.get("id") in defined:
                problems.append(Problem(name, proc.get("id"), Message(
                    "process %(key)s is defined in %(other)s too: deploy one file for it", key=repr(proc.get("id")),
                    other=defined[proc.get("id")])))
            defined.setdefault(proc.get("id"), name)
    return problems


def _from_expression(exc) -> bool:
    cause = expressions.found_in(exc)  # running too long is no data issue
    return cause is not None and not isinstance(cause, expressions.ExpressionTimeout)


def _dry_start(spec, subs):
    """Start the process on empty data; a structural failure here would fail every real case.

    Collections that multi-instance tasks iterate are given as empty lists: a process meant to
    be called receives them from its caller.
    """
    from .runtime import run_engine
    collections = {getattr(t.data_input, "bpmn_id", None) for s in [spec, *subs.values()]
                   for t in s.task_specs.values() if getattr(t, "data_input", None) is not None}
    try:
        workflow = BpmnWorkflow(spec, subs, script_engine=make_script_engine())
        workflow.task_tree.data.update({name: [] for name in collections if name})
        run_engine(workflow)
    except EngineFailure as exc:
        return None, Message("the process cannot start: %(reason)s", reason=exc.message)
    except SpiffWorkflowException as exc:
        if _from_expression(exc):
            return None  # the expressions passed their static check; on empty data they may fail
        return getattr(exc, "task_spec", None) and exc.task_spec.name, Message("the process cannot start: %(reason)s",
                                                                               reason=str(exc))
    except Exception as exc:
        return _failed_element(exc), Message("the process cannot start: %(reason)s", reason=_reason(exc))
    return None


def _failed_element(exc: Exception) -> str | None:
    """The element a bare library error came from (a timer duration it cannot read): the
    library names none, so it is the innermost task the library was working on when it raised,
    found by the name SpiffWorkflow's task specs give it (`my_task`); None if it is not there."""
    element, frame = None, exc.__traceback__
    while frame is not None:
        task = frame.tb_frame.f_locals.get("my_task")
        if isinstance(task, Task):
            element = task.task_spec.name
        frame = frame.tb_next
    return element


def _reason(exc: Exception, text: str | None = None) -> str:
    """What went wrong, for the designer. The library follows a chain of elements by recursion,
    and reports running out of it in its own words, or not at all."""
    if isinstance(exc, RecursionError) or "RecursionError" in str(exc) or isinstance(exc.__cause__, RecursionError):
        return Message("the chain of elements is too long to follow (thousands in a row); "
                       "split the process into call activities")
    return text or f"{type(exc).__name__}: {exc}"
