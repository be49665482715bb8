// A multi-instance task's data, as SpiffWorkflow reads it: <loopDataInputRef> and
// <loopDataOutputRef> hold the *name* of case data (pending_reviews), and <inputDataItem> and
// <outputDataItem> give as their id the name of the variable an instance works with.
//
// BPMN (and bpmn-moddle) has the refs point at an element's id: naming none, they were dropped on
// import, a mere warning, and the saved XML lacked them, which SpiffWorkflow refuses. The items are
// elements with ids, which must be unique: an item named as another element, or an output item
// named as its input item, was dropped too. This extension of the schema reads all four as the
// names they are, written back as read (same tags and attributes, no new namespace), which copy
// and paste keep like any other property; the panel's multi-instance group shows and edits them.
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';
import { useService } from 'bpmn-js-properties-panel';
import { TextFieldEntry, isTextFieldEntryEdited } from '@bpmn-io/properties-panel';
import { jsx } from '@bpmn-io/properties-panel/preact/jsx-runtime';

const LOOP = 'bpmn:MultiInstanceLoopCharacteristics';

// Properties named 'bpmn:...' keep their BPMN tags; the item's attributes are inherited (from
// Named), which the writer writes without a prefix.
function replacing(name, type, item) {
  const property = { name: 'bpmn:' + name, type, replaces: LOOP + '#' + name };
  return item ? { ...property, xml: { serialize: 'property' } } : property;
}

// The loop element's tag is spelled by the package that extends it last, this one: hence BPMN's
// lower-case tag alias (<bpmn:multiInstanceLoopCharacteristics>, not <bpmn:MultiInstance...>).
export const spiffLoopsDescriptor = {
  name: 'SpiffLoops', uri: 'http://shenpi.example/schema/spiff-loops', prefix: 'spiffloops',
  xml: { tagAlias: 'lowerCase' },
  types: [
    { name: 'MultiInstanceData', extends: [LOOP], properties: [
      replacing('loopDataInputRef', 'String'), replacing('loopDataOutputRef', 'String'),
      replacing('inputDataItem', 'spiffloops:DataItem', true),
      replacing('outputDataItem', 'spiffloops:DataItem', true),
    ] },
    { name: 'Named', properties: [
      { name: 'id', isAttr: true, type: 'String' }, { name: 'name', isAttr: true, type: 'String' },
    ] },
    { name: 'DataItem', superClass: ['Named'] },
  ],
};

// The panel's entries: [property, label, description, whether it is an item].
const ENTRIES = [
  ['loopDataInputRef', 'Input collection', 'The list in the case data: one instance for each item'],
  ['inputDataItem', 'Input element', 'The name under which an instance gets its item', true],
  ['loopDataOutputRef', 'Output collection', "Collects each instance's output element"],
  ['outputDataItem', 'Output element', 'The name under which an instance leaves its result', true],
];

function LoopName(props) {
  const { element, id, entry: [property, label, description, isItem] } = props;
  const commandStack = useService('commandStack');
  const bpmnFactory = useService('bpmnFactory');
  const translate = useService('translate');
  const loop = getBusinessObject(element).loopCharacteristics;
  const update = (moddleElement, properties) =>
    commandStack.execute('element.updateModdleProperties', { element, moddleElement, properties });
  return jsx(TextFieldEntry, {
    element, id, label: translate(label), description: translate(description),
    debounce: useService('debounceInput'),
    getValue: () => (isItem ? (loop.get(property) || {}).id : loop.get(property)) || '',
    setValue: (value) => {
      const item = isItem && loop.get(property);
      if (!isItem || !value) {
        update(loop, { [property]: value });  // empty: no such name, or no item, in the XML
      } else if (item) {
        update(item, { id: value });  // renamed, keeping its label (name)
      } else {
        update(loop, { [property]: bpmnFactory.create('spiffloops:DataItem', { id: value }) });
      }
    },
  });
}

function SpiffLoopsProvider(propertiesPanel) {
  propertiesPanel.registerProvider(400, this);
}

SpiffLoopsProvider.$inject = ['propertiesPanel'];

// Into the library's multi-instance group (loop cardinality, completion condition).
SpiffLoopsProvider.prototype.getGroups = function (element) {
  return (groups) => {
    const group = groups.find((candidate) => candidate.id === 'multiInstance');
    if (group && is(getBusinessObject(element).loopCharacteristics, LOOP)) {
      group.entries.push(...ENTRIES.map((entry) => ({
        id: 'spiff-' + entry[0], element, entry, component: LoopName, isEdited: isTextFieldEntryEdited,
      })));
    }
    return groups;
  };
};

export default {
  __init__: ['spiffLoopsProvider'],
  spiffLoopsProvider: ['type', SpiffLoopsProvider],
};
