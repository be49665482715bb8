"""Read a DMN file (DMN 1.1 to 1.5 namespaces) into a DmnModel, compiling every FEEL text up front
so that a bad rule is reported when the file is deployed, not when a case reaches it."""
from collections import Counter
from pathlib import Path

from lxml import etree

from engine.errors import Message

from . import hitpolicy
from .errors import DmnParseError, FeelError
from .feel import Expression, UnaryTests, constants
from .itemdefs import FEEL_TYPES, ItemDefinition, local_type_name
from .logic import DecisionTable, Input, LiteralExpression, Output, Rule
from .model import BusinessKnowledgeModel, Decision, DmnModel, InputData
from .xmlsafe import parse_xml

DMN_NAMESPACES = {
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
    "http://www.omg.org/spec/DMN/20180521/MODEL/",
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "https://www.omg.org/spec/DMN/20211108/MODEL/",
    "https://www.omg.org/spec/DMN/20230324/MODEL/",
}
_HIT_POLICIES = hitpolicy.SINGLE_HIT + hitpolicy.MULTIPLE_HIT


def load_dmn(source: bytes | str | Path, filename: str | None = None) -> DmnModel:
    """Load a model from XML bytes, XML text, or a path (a str not starting with '<' is a path)."""
    if isinstance(source, str) and source.lstrip("\ufeff \t\r\n").startswith("<"):
        data = source.encode("utf-8")
    elif isinstance(source, (str, Path)):
        data, filename = Path(source).read_bytes(), filename or str(source)
    else:
        data = source
    return _Loader(parse_xml(data, filename), filename).model()


class _Loader:
    def __init__(self, root: etree._Element, filename: str | None):
        self.root, self.filename = root, filename
        namespace = etree.QName(root).namespace
        if etree.QName(root).localname != "definitions" or namespace not in DMN_NAMESPACES:
            raise DmnParseError(Message("root element %(element)s is not DMN definitions", element=root.tag),
                                filename=filename)
        self.ns = namespace

    def model(self) -> DmnModel:
        definitions = map(self.item_definition, self.children(self.root, "itemDefinition"))
        model = DmnModel(
            name=self.root.get("name", ""),
            namespace=self.root.get("namespace", ""),
            filename=self.filename,
            decisions=self.by_id(self.decision, "decision"),
            knowledge_models=self.by_id(self.knowledge_model, "businessKnowledgeModel"),
            input_data=self.by_id(self.input_data, "inputData"),
            item_definitions={definition.name: definition for definition in definitions},
        )
        self.check_graph(model)
        return model

    # Helpers

    def children(self, element, name: str) -> list:
        return element.findall(f"{{{self.ns}}}{name}")

    def child(self, element, name: str):
        return element.find(f"{{{self.ns}}}{name}")

    def text(self, element, name: str = "text") -> str | None:
        found = None if element is None else self.child(element, name)
        return None if found is None else (found.text or "")

    def error(self, message: Message, element) -> DmnParseError:
        nearest = next((e for e in (element, *element.iterancestors()) if e.get("id")), None)
        return DmnParseError(message, element_id=nearest.get("id") if nearest is not None else None,
                             filename=self.filename)

    def feel(self, make, element, text: str | None):
        """Compile FEEL text found in element, reporting errors against the element."""
        if text is None:
            raise self.error(Message("%(element)s has no text", element=etree.QName(element).localname), element)
        try:
            return make(text)
        except FeelError as error:
            raise self.error(self.invalid_feel(element, repr(text), str(error)), element) from error
        except RecursionError:
            raise self.error(Message("invalid FEEL %(text)s...: nested too deeply", text=repr(text[:60])), element) from None

    def invalid_feel(self, element, text: str, error: str) -> Message:
        """FEEL the engine cannot read, said where the table editor shows it: 'row 13, 地上层数: '
        (its ids count rows from 0, the editor from 1). The FEEL parser's own words are the detail."""
        row, label = self.cell(element)
        if row and label:
            return Message("row %(row)s, %(column)s: invalid FEEL %(text)s: %(error)s",
                           row=row, column=label, text=text, error=error)
        if row:
            return Message("row %(row)s: invalid FEEL %(text)s: %(error)s", row=row, text=text, error=error)
        return Message("invalid FEEL %(text)s: %(error)s", text=text, error=error)

    def cell(self, element) -> tuple[int | None, str | None]:
        """A rule's entry as (row from 1, its column's label); (None, None) for any other element."""
        kind = etree.QName(element).localname
        if kind not in ("inputEntry", "outputEntry"):
            return None, None
        rule = element.getparent()
        table = rule.getparent()
        row = self.children(table, "rule").index(rule) + 1
        column = self.children(rule, kind).index(element)
        heads = self.children(table, "input" if kind == "inputEntry" else "output")
        head = heads[column] if column < len(heads) else None
        return row, head is not None and (head.get("label") or head.get("name")) or None

    def by_id(self, build, tag: str) -> dict:
        return {item.id: item for item in map(build, self.children(self.root, tag))}

    def identity(self, element) -> tuple[str, str]:
        name = element.get("name")
        if not name:
            raise self.error(Message("%(element)s without a name", element=etree.QName(element).localname), element)
        return element.get("id") or name, name

    def type_ref(self, element) -> str | None:
        variable = self.child(element, "variable")
        type_ref = variable.get("typeRef") if variable is not None else None
        return local_type_name(type_ref) if type_ref else None

    def hrefs(self, element, *paths: str) -> tuple[str, ...]:
        return tuple(ref.get("href", "").rpartition("#")[2]
                     for path in paths for ref in element.iterfind(path, namespaces={"dmn": self.ns}))

    # DRG elements

    def item_definition(self, element) -> ItemDefinition:
        type_ref = self.text(element, "typeRef")
        allowed = self.child(element, "allowedValues")
        return ItemDefinition(
            name=element.get("name", ""),
            type_ref=local_type_name(type_ref.strip()) if type_ref else None,
            allowed=None if allowed is None else self.feel(UnaryTests, allowed, self.text(allowed)),
            components=tuple(map(self.item_definition, self.children(element, "itemComponent"))),
            is_collection=element.get("isCollection") == "true",
        )

    def input_data(self, element) -> InputData:
        return InputData(*self.identity(element), self.type_ref(element))

    def decision(self, element) -> Decision:
        element_id, name = self.identity(element)
        return Decision(element_id, name, self.type_ref(element),
                        self.hrefs(element, "dmn:informationRequirement/dmn:requiredInput",
                                   "dmn:informationRequirement/dmn:requiredDecision",
                                   "dmn:knowledgeRequirement/dmn:requiredKnowledge"),
                        self.logic(element, element_id))

    def knowledge_model(self, element) -> BusinessKnowledgeModel:
        element_id, name = self.identity(element)
        body = self.child(element, "encapsulatedLogic")
        if body is None:
            raise self.error(Message("business knowledge model without encapsulatedLogic"), element)
        return BusinessKnowledgeModel(element_id, name,
                                      tuple(p.get("name") for p in self.children(body, "formalParameter")),
                                      self.hrefs(element, "dmn:knowledgeRequirement/dmn:requiredKnowledge"),
                                      self.logic(body, element_id))

    def logic(self, holder, owner_id: str):
        literal, table = self.child(holder, "literalExpression"), self.child(holder, "decisionTable")
        if literal is not None:
            return LiteralExpression(self.feel(Expression, literal, self.text(literal)))
        if table is not None:
            return self.decision_table(table, owner_id)
        raise self.error(Message("only literal expressions and decision tables are supported as decision logic"),
                         holder)

    # Decision tables

    def decision_table(self, element, owner_id: str) -> DecisionTable:
        hit_policy = element.get("hitPolicy", "UNIQUE")
        aggregation = element.get("aggregation")
        outputs = tuple(map(self.output, self.children(element, "output")))
        if hit_policy not in _HIT_POLICIES:
            raise self.error(Message("unknown hit policy %(policy)s", policy=repr(hit_policy)), element)
        if aggregation and (hit_policy != "COLLECT" or aggregation not in hitpolicy.AGGREGATIONS or len(outputs) != 1):
            raise self.error(Message("aggregation %(aggregation)s needs hit policy COLLECT and exactly one output",
                                     aggregation=repr(aggregation)), element)
        if not outputs or (len(outputs) > 1 and not all(output.name for output in outputs)):
            raise self.error(Message("a decision table needs one output, or several outputs each with a name"), element)
        inputs = tuple(map(self.input, self.children(element, "input")))
        rules = tuple(self.rule(rule, len(inputs), len(outputs)) for rule in self.children(element, "rule"))
        return DecisionTable(owner_id, self.filename, inputs, outputs, rules, hit_policy, aggregation)

    def input(self, element) -> Input:
        expression = self.child(element, "inputExpression")
        return Input(element.get("id"), self.feel(Expression, element, self.text(expression)), element.get("label"),
                     None if expression is None or not expression.get("typeRef")
                     else local_type_name(expression.get("typeRef")),
                     self.listed(self.child(element, "inputValues")))

    def listed(self, values) -> list | None:
        """An input values list of constants ("person","company"), offered to whoever tries the table; one
        of other tests (< 5) lists nothing to offer. The engine does not enforce either."""
        try:
            return None if values is None else constants(self.text(values) or "")
        except FeelError:
            return None

    def output(self, element) -> Output:
        values, default = self.child(element, "outputValues"), self.child(element, "defaultOutputEntry")
        return Output(element.get("name"), element.get("label"),
                      None if values is None else self.feel(constants, values, self.text(values)),
                      None if default is None else self.feel(Expression, default, self.text(default)))

    def rule(self, element, input_count: int, output_count: int) -> Rule:
        entries, cells = self.children(element, "inputEntry"), self.children(element, "outputEntry")
        tests = [self.feel(UnaryTests, e, self.text(e)) for e in entries]
        outputs = [self.feel(Expression, e, self.text(e)) for e in cells]
        if (len(tests), len(outputs)) != (input_count, output_count):
            raise self.error(Message("rule has %(tests)s input and %(outputs)s output entries, the table has "
                                     "%(inputs)s inputs and %(columns)s outputs", tests=len(tests),
                                     outputs=len(outputs), inputs=input_count, columns=output_count), element)
        return Rule(element.get("id", ""), tuple(tests), tuple(outputs), tuple(e.get("id") for e in entries),
                    tuple(e.get("id") for e in cells))

    # Whole-graph checks

    def check_graph(self, model: DmnModel):
        kinds = ("inputData", "decision", "businessKnowledgeModel")
        # Requirements refer by id and FEEL by name, so both must be unique across all three kinds.
        for key in ("id", "name"):
            seen = Counter(element.get(key) or element.get("name")
                           for kind in kinds for element in self.children(self.root, kind))
            if duplicates := sorted(value for value, count in seen.items() if count > 1):
                said = Message("duplicate ids %(values)s", values=duplicates) if key == "id" else \
                    Message("duplicate names %(values)s", values=duplicates)
                raise DmnParseError(said, filename=self.filename)
        elements = {**model.input_data, **model.decisions, **model.knowledge_models}
        for element in elements.values():
            for required in getattr(element, "requirements", ()):
                if required not in elements:
                    raise DmnParseError(Message("requirement %(required)s is not in this model", required=repr(required)),
                                        element_id=element.id, filename=self.filename)
            type_ref = getattr(element, "type_ref", None)
            if type_ref and type_ref not in FEEL_TYPES and type_ref not in model.item_definitions:
                raise DmnParseError(Message("unknown type %(type)s", type=repr(type_ref)), element_id=element.id,
                                    filename=self.filename)
        self.check_acyclic(elements)

    def check_acyclic(self, elements: dict):
        done, path = set(), []

        def visit(element_id: str):
            if element_id in path:
                cycle = " -> ".join(path[path.index(element_id):] + [element_id])
                raise DmnParseError(Message("requirement cycle %(cycle)s", cycle=cycle), element_id=element_id,
                                    filename=self.filename)
            if element_id not in done:
                path.append(element_id)
                for required in getattr(elements[element_id], "requirements", ()):
                    visit(required)
                path.pop()
                done.add(element_id)

        for element_id in elements:
            visit(element_id)
