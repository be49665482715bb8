// Shenpi's entries in the properties panel: what a user task asks of the orchestrator (form,
// department, title, time limit and whether silence past it consents, result document, the
// window's correction round, taken by the department's head), the department or role a lane
// stands for, a gateway flow's condition, the process a call activity calls and a script task's
// script. Labels are English here, Chinese in translate-zh.
import { is } from 'bpmn-js/lib/util/ModelUtil';
import { useService } from 'bpmn-js-properties-panel';
import {
  CheckboxEntry, SelectEntry, TextAreaEntry, TextFieldEntry, isCheckboxEntryEdited, isSelectEntryEdited,
  isTextAreaEntryEdited, isTextFieldEntryEdited
} from '@bpmn-io/properties-panel';
import { jsx } from '@bpmn-io/properties-panel/preact/jsx-runtime';

import { SetSpiffPropertyHandler, getSpiffProperty } from './spiff-properties';

const TASK_FIELDS = [
  { name: 'formJsonSchemaFilename', label: 'Form (JSON Schema file)',
    description: 'A .json file deployed with the procedure' },
  { name: 'groupExpression', label: 'Department (expression)',
    description: "Empty: the lane's department" },
  { name: 'titleExpression', label: 'Task title (expression)' },
  { name: 'promisedDaysExpression', label: 'Promised working days (expression)' },
  { name: 'statutoryDaysExpression', label: 'Statutory working days (expression)',
    description: 'Beside the promised days: the limit set by law (red card past it)' },
  { name: 'refusalExpression', label: 'Refuse to close when (expression)',
    description: 'On the data and the form sent: a text refuses, and is told as the reason' },
  { name: 'paymentNoticeExpression', label: 'Payment notice: lines due (expression)',
    description: 'A list of {name, amount}: the applicant is told to pay them' },
  { name: 'silenceConsentsExpression', label: 'Silence consents (expression)',
    description: 'True: still open when its promised limit ends, the step is completed as its department\'s agreement' },
];
const TASK_SWITCHES = [
  { name: 'requiresDocument', label: 'Upload the result document before closing' },
  { name: 'correctionNotice', label: "The window's merged correction round" },
  { name: 'leadDecides', label: "Only the department's head (lead) takes it" },
];

// Sets a property through the command stack; a value that is already there makes no undo step.
function useSpiffSetter(element, name) {
  const commandStack = useService('commandStack');
  return (value) => {
    if (value !== (getSpiffProperty(element, name) || '')) {
      commandStack.execute('shenpi.setSpiffProperty', { element, name, value });
    }
  };
}

function SpiffTextField(props) {
  const { element, id, field } = props;
  const translate = useService('translate');
  return jsx(TextFieldEntry, {
    element, id, label: translate(field.label),
    description: field.description && translate(field.description),
    debounce: useService('debounceInput'),
    getValue: () => getSpiffProperty(element, field.name) || '',
    setValue: useSpiffSetter(element, field.name),
  });
}

function SpiffCheckbox(props) {
  const { element, id, field } = props;
  const translate = useService('translate');
  const set = useSpiffSetter(element, field.name);
  return jsx(CheckboxEntry, {
    element, id, label: translate(field.label),
    getValue: () => getSpiffProperty(element, field.name) === 'true',
    setValue: (value) => set(value ? 'true' : ''),
  });
}

function Condition(props) {
  const { element, id } = props;
  const modeling = useService('modeling');
  const bpmnFactory = useService('bpmnFactory');
  const translate = useService('translate');
  return jsx(TextAreaEntry, {
    element, id, label: translate('Condition'), monospace: true, rows: 2,
    description: translate('An expression over the case data, e.g. opinion == "approve"'),
    debounce: useService('debounceInput'),
    getValue: () => (element.businessObject.conditionExpression || {}).body || '',
    setValue: (value) => modeling.updateProperties(element, {
      conditionExpression: value ? bpmnFactory.create('bpmn:FormalExpression', { body: value }) : undefined,
    }),
  });
}

// A lane's tasks go to the group its name ends with, '住建局 (housing)', or that a bare name is
// (engine/bpmn/runtime.py lane_group, whose \w takes any letter or digit, Chinese too). The
// designer picks the department or role by name; the lane is renamed to carry its code, or
// named by the bare code when the code has characters a name's ending cannot carry.
const CODE = '[\\p{L}\\p{N}_.-]+';
const LANE_CODE = new RegExp('[（(]\\s*(' + CODE + ')\\s*[)）]\\s*$', 'u');
const WHOLE_CODE = new RegExp('^' + CODE + '$', 'u');

function laneCode(name) {
  const match = LANE_CODE.exec(name || '');
  return match ? match[1] : (name || '').trim();
}

// Whether the lane's name decides who works: one of its user tasks takes its department from it
// (a task with a groupExpression names its own), as the deploy warning reads it.
function assigns(lane) {
  return (lane.flowNodeRef || []).some((node) => is(node, 'bpmn:UserTask')
    && !getSpiffProperty({ businessObject: node }, 'groupExpression'));
}

function byName(group) {
  return group.name + ' (' + group.code + ')';
}

// How the picker shows a lane's code it does not offer: a role lanes may name by its name, else
// the code and why it is not in the list.
function unoffered(code, lane, groups, others, translate) {
  const other = others.find((group) => group.code === code);
  if (other) return byName(other);
  const why = !assigns(lane) ? 'no task of this lane is given by it'
    : groups.some((group) => group.name === code) ? 'a name, not a code: choose it in this list'
      : 'no such department or role';
  return code + ' — ' + translate(why);
}

function LaneGroup(props) {
  const { element, id, groups, others } = props;
  const modeling = useService('modeling');
  const translate = useService('translate');
  const getValue = () => laneCode(element.businessObject.name);
  return jsx(SelectEntry, {
    element, id, label: translate('Department or role'),
    description: translate('Its tasks go to this department or role; the name ends with its code'),
    getValue,
    getOptions: () => {
      const current = getValue();
      // <none> only for a lane without a name: choosing it would not clear one.
      const options = (current ? [] : [{ value: '', label: translate('<none>') }]).concat(
        groups.map((group) => ({ value: group.code, label: byName(group) })));
      if (current && !groups.some((group) => group.code === current)) {
        options.push({ value: current, label: unoffered(current, element.businessObject, groups, others, translate) });
      }
      return options;
    },
    setValue: (code) => {
      const group = groups.find((candidate) => candidate.code === code);
      if (!group) return;
      const name = WHOLE_CODE.test(group.code) ? byName(group) : group.code;
      modeling.updateProperties(element, { name });
    },
  });
}

// Elements whose own BPMN attribute gets a group of one entry: the process a call activity calls,
// a script task's script (several lines, in a text area).
const ATTRIBUTES = [
  { type: 'bpmn:CallActivity', group: 'shenpi-call', title: 'Called process', id: 'shenpi-called-element',
    attribute: 'calledElement', label: 'Process key', description: 'Deployed together with this procedure' },
  { type: 'bpmn:ScriptTask', group: 'shenpi-script', title: 'Script', id: 'shenpi-script-body',
    attribute: 'script', label: 'Script', rows: 6 },
];

function AttributeEntry(props) {
  const { element, id, field } = props;
  const modeling = useService('modeling');
  const translate = useService('translate');
  return jsx(field.rows ? TextAreaEntry : TextFieldEntry, {
    element, id, label: translate(field.label), monospace: Boolean(field.rows), rows: field.rows,
    description: field.description && translate(field.description),
    debounce: useService('debounceInput'),
    getValue: () => element.businessObject[field.attribute] || '',
    setValue: (value) => modeling.updateProperties(element, { [field.attribute]: value || undefined }),
  });
}

// A gateway's flows other than its default one, which is taken when no condition holds and
// whose own condition SpiffWorkflow never reads.
function hasCondition(element) {
  const flow = element.businessObject;
  const source = flow.sourceRef;
  return is(element, 'bpmn:SequenceFlow') && source.default !== flow && (flow.conditionExpression
    || is(source, 'bpmn:ExclusiveGateway') || is(source, 'bpmn:InclusiveGateway'));
}

function groupsFor(element, translate, groups, others) {
  if (is(element, 'bpmn:Lane')) {
    return [{ id: 'shenpi-lane', label: translate('Department'),
              entries: [{ id: 'shenpi-lane-group', element, groups, others, component: LaneGroup,
                          isEdited: isSelectEntryEdited }] }];
  }
  if (is(element, 'bpmn:UserTask')) {
    const entries = TASK_FIELDS.map((field) => ({
      id: 'shenpi-' + field.name, element, field, component: SpiffTextField, isEdited: isTextFieldEntryEdited,
    })).concat(TASK_SWITCHES.map((field) => ({
      id: 'shenpi-' + field.name, element, field, component: SpiffCheckbox, isEdited: isCheckboxEntryEdited,
    })));
    return [{ id: 'shenpi-approval', label: translate('Approval'), entries }];
  }
  if (hasCondition(element)) {
    return [{ id: 'shenpi-condition', label: translate('Condition'),
              entries: [{ id: 'shenpi-condition-expression', element, component: Condition,
                          isEdited: isTextAreaEntryEdited }] }];
  }
  const field = ATTRIBUTES.find((candidate) => is(element, candidate.type));
  if (field) {
    return [{ id: field.group, label: translate(field.title),
              entries: [{ id: field.id, element, field, component: AttributeEntry,
                          isEdited: field.rows ? isTextAreaEntryEdited : isTextFieldEntryEdited }] }];
  }
  return [];
}

// The modeler's option `shenpi`: `groups`, the departments and roles ({code, name}) the lane picker
// offers; `otherGroups`, the roles a lane may name but that do no casework (shown, not offered).
function ShenpiPropertiesProvider(propertiesPanel, translate, commandStack, shenpi) {
  this._translate = translate;
  this._groups = (shenpi && shenpi.groups) || [];
  this._others = (shenpi && shenpi.otherGroups) || [];
  commandStack.registerHandler('shenpi.setSpiffProperty', SetSpiffPropertyHandler);
  propertiesPanel.registerProvider(500, this);
}

ShenpiPropertiesProvider.prototype.getGroups = function (element) {
  return (groups) => {
    // Right after the general group (name and id), before the library's others.
    return groups.slice(0, 1).concat(groupsFor(element, this._translate, this._groups, this._others), groups.slice(1));
  };
};

ShenpiPropertiesProvider.$inject = ['propertiesPanel', 'translate', 'commandStack', 'config.shenpi'];

export default {
  __init__: ['shenpiPropertiesProvider'],
  shenpiPropertiesProvider: ['type', ShenpiPropertiesProvider],
};
