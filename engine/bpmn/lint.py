"""What deploys but would get a case stuck: warnings beside a deployment, never refusals.

- A lane whose name gives its user tasks a group that is neither a department code nor a role:
  no one can claim them (a department may still be created after the deployment).
- A user task outside every lane of a process drawn in lanes: open to every reviewer.
- An element no sequence flow enters (a case never gets there), or a task or event (not an end
  event) none leaves (a case's path ends there unannounced): usually a flow forgotten. Processes
  a file only documents (not executable beside one that is) are not read.
- A condition or expression reading a name that nothing of its process could put into the
  case's data: it fails when a case gets there. Start data could still carry it (a process
  that runs no service item is started with any data), so only names that no form, script,
  data element, called process or application form could give are named.
"""
import ast

from engine.errors import Invalid, Message
from engine.expressions import helpers
from engine.forms import check as form_check

from .runtime import form_of, lane_group, properties
from .scripting import PRODUCT_FUNCTIONS
from .validate import GATEWAYS, NS, SPIFF, Problem, expressions_in, owner_id

# Elements a case's data is keyed by, under their id (or name): data objects, inputs and outputs,
# a multi-instance task's item; and elements whose text names data: a multi-instance task's
# collections, the variable an error event stores its error in.
DATA_ELEMENTS = tuple(f"{{{NS}}}{tag}" for tag in (
    "dataObject", "dataObjectReference", "dataStoreReference", "dataInput", "dataOutput",
    "inputDataItem", "outputDataItem", "property"))
DATA_NAMES = (f"{{{NS}}}loopDataInputRef", f"{{{NS}}}loopDataOutputRef", f"{{{SPIFF}}}variableName")
HELPERS = frozenset(helpers.HELPERS) | frozenset(PRODUCT_FUNCTIONS)
# What a sequence flow should enter (start and boundary events start paths of their own), and
# what one should leave (end events end paths; a gateway none leaves is refused: validate.py).
ACTIVITIES = ("task", "userTask", "manualTask", "scriptTask", "callActivity", "subProcess")
ENTERED = frozenset(f"{{{NS}}}{tag}" for tag in (*ACTIVITIES, *GATEWAYS, "intermediateCatchEvent",
                                                    "intermediateThrowEvent", "endEvent"))
LEFT = frozenset(f"{{{NS}}}{tag}" for tag in (*ACTIVITIES, "startEvent", "intermediateCatchEvent",
                                                 "intermediateThrowEvent", "boundaryEvent"))
# How the form check refuses a field the form does not have.
NOT_A_FIELD = ("additionalProperties", "unevaluatedProperties")


def unknown_lanes(bundle, known: dict[str, str]) -> list[Problem]:
    """Each lane that gives a user task a group not in `known` (code -> name; its groupExpression,
    if it has one, names the group at run time instead). A lane named by a department's name
    rather than its code is told the name that works."""
    unclaimable = {}  # (file, lane's name) -> the group its name gives
    for spec, task_spec in _user_tasks(bundle.processes):
        group = lane_group(task_spec)
        if group and group not in known and "groupExpression" not in properties(task_spec):
            unclaimable[(spec.file, task_spec.lane)] = group
    codes = {name: code for code, name in known.items() if name != code}
    return [Problem(file, lane.get("id"), _unknown_lane(name, group, codes.get(group)))
            for (file, name), group in unclaimable.items()
            for lane in bundle.roots[file].iter(f"{{{NS}}}lane") if lane.get("name") == name]


def _unknown_lane(name: str, group: str, code: str | None) -> Message:
    if code is not None:
        return Message("lane %(lane)s names the department %(group)s by its name, not its code: no one can claim "
                       "its tasks; name the lane %(suggested)s", lane=repr(name), group=repr(group),
                       suggested=repr(f"{group} ({code})"))
    return Message("lane %(lane)s names %(group)s, which is neither a department code nor a role: "
                   "no one can claim its tasks until a department %(group)s exists", lane=repr(name), group=repr(group))


def laneless_tasks(bundle) -> list[Problem]:
    """Each user task a process drawn in lanes leaves outside all of them (unless its
    groupExpression names its group): it is open to every reviewer, which is what a task outside
    any lane means (api.md) but hardly what a process that gives its other tasks lanes wants."""
    problems, seen = [], set()
    for proc in bundle.processes:
        specs = proc.spec.task_specs.values()
        if not any(task_spec.lane for task_spec in specs):
            continue
        for task_spec in specs:
            if task_spec.manual and not task_spec.lane and "groupExpression" not in properties(task_spec) \
                    and (proc.file, task_spec.bpmn_id) not in seen:
                seen.add((proc.file, task_spec.bpmn_id))
                label = f"{task_spec.bpmn_name!r} ({task_spec.bpmn_id})" if task_spec.bpmn_name else repr(task_spec.bpmn_id)
                problems.append(Problem(proc.file, task_spec.bpmn_id, Message(
                    "the user task %(task)s is in none of the process's lanes: every reviewer may claim it; put it "
                    "in the lane of the department that does it", task=label)))
    return problems


def unconnected(bundle) -> list[Problem]:
    """In each process deployed, each element no sequence flow enters and each start event, task
    or other event none leaves (a start event that leads nowhere ends the case at once). An event
    subprocess has no flows: its start event starts it."""
    problems = []
    for proc in bundle.processes:
        process = _element(bundle, proc)
        flows = list(process.iter(f"{{{NS}}}sequenceFlow"))
        entered, left = {f.get("targetRef") for f in flows}, {f.get("sourceRef") for f in flows}
        for el in process.iter(*(ENTERED | LEFT)):
            if el.get("triggeredByEvent") == "true":
                continue
            if el.tag in ENTERED and el.get("id") not in entered:
                problems.append(Problem(proc.file, el.get("id"), Message(
                    "no sequence flow leads to %(element)s: no case will ever get there", element=_label(el))))
            elif el.tag in LEFT and el.get("id") not in left:
                problems.append(Problem(proc.file, el.get("id"), Message(
                    "no sequence flow leaves %(element)s: a case's path ends there, without an end event",
                    element=_label(el))))
    return problems


def _label(el) -> str:
    """'审查' (Task_1), or the id alone."""
    name = (el.get("name") or "").strip()
    return f"{name!r} ({el.get('id')})" if name else repr(el.get("id"))


def unprovided_names(bundle, forms: dict, start_names: set[str], application_forms: dict) -> list[Problem]:
    """Each name a condition or expression reads that nothing could provide: not its processes'
    task forms (`forms`, by file name), scripts or data elements, not `start_names`, not the
    application forms of the service items that run them (process key -> forms).

    Processes joined by call activities share their data (a called process gets its caller's and
    gives its own back), so they are read together. A user task without a form takes any data:
    its processes are not read.
    """
    problems = []
    for family in _families(bundle.processes):
        schemas = _task_forms(family, forms)
        if schemas is None:
            continue
        schemas += [form for proc in family for form in application_forms.get(proc.key, ())]
        given = set(start_names).union(*(_given(bundle.roots[proc.file]) for proc in family))
        for proc in family:
            for el, label, name in _reads(_element(bundle, proc)):
                if name not in given and not any(_takes(schema, name) for schema in schemas):
                    problems.append(Problem(proc.file, owner_id(el), Message(
                        "%(expression)s reads %(name)s, which no form, script or start data of the process "
                        "provides: unless the case's data carries it, the case fails here",
                        expression=label, name=repr(name))))
    return problems


def _user_tasks(processes):
    """(spec, task spec) of every user task of the processes, their subprocesses and the
    processes they call."""
    for proc in processes:
        for spec in [proc.spec, *proc.subprocess_specs.values()]:
            yield from ((spec, task_spec) for task_spec in spec.task_specs.values() if task_spec.manual)


def _families(processes) -> list[list]:
    """The processes in groups joined by call activities, either way round."""
    by_key = {proc.key: proc for proc in processes}
    calls = {key: proc.subprocess_specs.keys() & by_key.keys() for key, proc in by_key.items()}
    families, placed = [], set()
    for key in by_key:
        if key in placed:
            continue
        family, todo = [], [key]
        while todo:
            current = todo.pop()
            if current not in placed:
                placed.add(current)
                family.append(by_key[current])
                todo += [*calls[current], *(caller for caller, called in calls.items() if current in called)]
        families.append(family)
    return families


def _task_forms(family, forms: dict) -> list[dict] | None:
    """The forms of the family's user tasks; None when one has none (it takes any data)."""
    names = [form_of(task_spec) for _, task_spec in _user_tasks(family)]
    return None if not all(names) else [forms[name] for name in names]


def _element(bundle, proc):
    return next(el for el in bundle.roots[proc.file].iter(f"{{{NS}}}process") if el.get("id") == proc.key)


def _given(root) -> set[str]:
    """Names the document's scripts assign and its data elements key data by (the whole
    document's: an error event's variable is named outside the process, on the error)."""
    names = {node.id for _, _, mode, source in expressions_in(root) if mode == "exec"
             for node in ast.walk(ast.parse(source, mode="exec"))
             if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}
    names |= {value for el in root.iter(*DATA_ELEMENTS) for value in (el.get("id"), el.get("name")) if value}
    return names | {el.text.strip() for el in root.iter(*DATA_NAMES) if (el.text or "").strip()}


def _reads(process):
    """(element, label, name) for each name of the case's data a condition or expression reads:
    not a helper, nor a comprehension's own variable."""
    for el, label, mode, source in expressions_in(process):
        if mode != "eval":
            continue
        nodes = [node for node in ast.walk(ast.parse(source.strip(), mode="eval")) if isinstance(node, ast.Name)]
        own = {node.id for node in nodes if isinstance(node.ctx, ast.Store)}
        for name in sorted({node.id for node in nodes} - own - HELPERS):
            yield el, label, name


def _takes(schema: dict, name: str) -> bool:
    """Whether data carrying `name` gets past the form: the same check completing a task runs,
    which refuses a field the form does not have unless the form takes others."""
    try:
        form_check(schema, {name: None}, Message("The form data is not valid"))
    except Invalid as exc:
        return not any(isinstance(d, dict) and d.get("rule") in NOT_A_FIELD for d in exc.details)
    return True
