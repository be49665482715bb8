"""试算: a designer tries a decision on inputs of their choosing, in the XML on their screen (not
saved, not deployed) or as last deployed. Nothing is stored: the XML is read by the deployment's
own parser, within the deployment's size, and dropped with the answer."""
from engine import rules
from engine.dmn import DmnError, DmnModel, load_dmn, trial
from engine.errors import Invalid, Message, NotFound
from engine.store.db import read_session
from engine.store.models import User

from . import deploy
from .users import require


def decisions(xml: str, actor: User) -> list[dict]:
    """Each decision the file defines, with the inputs a trial asks of it:
    [{"id", "name", "inputs": [{"id", "name", "label", "type", "values"}]}]."""
    require(actor, "designer")
    model = read(xml)
    return [{"id": d.id, "name": d.name, "inputs": trial.fields(model, d.id)} for d in model.decisions.values()]


def deployed(key: str) -> tuple[int, DmnModel]:
    """(version, model) of the decision key's newest deployed version; NotFound for none."""
    with read_session() as session:
        definition = deploy.find_definition(session, key, kind="dmn")
        return definition.version, rules.model_of(definition)


def evaluate(key: str, inputs: dict, actor: User, xml: str | None = None) -> dict:
    """Decision `key` on the inputs, in `xml` when given, else in its newest deployed version:
    {"key", "version" (None for the XML), "result", "decisions"} (engine/dmn/trial.explain)."""
    require(actor, "designer")
    version, model = deployed(key) if xml is None else (None, read(xml))
    if key not in model.decisions:
        raise NotFound("The file defines no decision %(key)s", key=repr(key))
    return {"key": key, "version": version, **tried(model, key, inputs)}


def read(xml: str, filename: str | None = None) -> DmnModel:
    """The model in the XML, refused as a deployment would refuse the file."""
    if len(xml.encode("utf-8")) > deploy.MAX_FILE_BYTES:
        raise Invalid("The file is larger than %(limit)s bytes", limit=deploy.MAX_FILE_BYTES)
    try:
        return load_dmn(xml.encode("utf-8"), filename)
    except DmnError as exc:
        raise Invalid("The file cannot be read as a decision model", [_detail(exc.element_id, exc.message, filename)]) \
            from exc


def tried(model: DmnModel, key: str, inputs: dict) -> dict:
    """trial.explain, the inputs checked first: every one missing, or not read, said at once with
    its element; then what failed in the evaluation, with the cell, rule or decision it failed in."""
    wanted = {field["name"]: field for field in trial.fields(model, key)}
    problems = [_detail(field["id"], Message("input %(name)s is missing", name=name), model.filename)
                for name, field in wanted.items() if name not in inputs]
    problems += [_detail(None, Message("%(key)s reads no input %(name)s", key=key, name=repr(name)), model.filename)
                 for name in inputs if name not in wanted]
    if problems:
        raise Invalid("%(count)s problem(s) with the inputs", problems, count=len(problems))
    try:
        return trial.explain(model, key, inputs)
    except DmnError as exc:
        raise Invalid("The decision cannot be evaluated on these inputs",
                      [_detail(exc.element_id, exc.message, model.filename)]) from exc


def _detail(element_id: str | None, message: str, filename: str | None) -> dict:
    """As a deployment's problems are: the page lists and marks them the same way."""
    return {"file": filename, "element_id": element_id, "message": message}
