// Reading and writing an element's <spiffworkflow:property name value> entries, the way Shenpi's
// procedures ask for forms, departments and time limits (engine/orchestrator.py).
//
// The modeler has no schema for the spiffworkflow namespace and keeps those elements as generic
// XML; so does this code, so that every other spiffworkflow element (scripts, unit tests) is
// saved exactly as it was read.
const SPIFF = 'http://spiffworkflow.org/bpmn/schema/1.0/core';

function propertiesOf(businessObject) {
  const values = (businessObject.extensionElements && businessObject.extensionElements.values) || [];
  return values.find((value) => value.$type === 'spiffworkflow:properties');
}

function propertyOf(businessObject, name) {
  const properties = propertiesOf(businessObject);
  return ((properties && properties.$children) || [])
    .find((child) => child.$type === 'spiffworkflow:property' && child.name === name);
}

export function getSpiffProperty(element, name) {
  const property = propertyOf(element.businessObject, name);
  return property ? property.value : undefined;
}

// A command, so that undo and redo work and the panel hears of the change.
// context: { element, name, value }; an empty value removes the property.
export function SetSpiffPropertyHandler(bpmnFactory, moddle) {
  this._bpmnFactory = bpmnFactory;
  this._moddle = moddle;
}

SetSpiffPropertyHandler.$inject = ['bpmnFactory', 'moddle'];

SetSpiffPropertyHandler.prototype.execute = function (context) {
  const { element, name, value } = context;
  const businessObject = element.businessObject;
  let extensions = businessObject.extensionElements;
  context.before = { extensions: extensions, values: extensions && extensions.values.slice() };
  if (!extensions) {
    extensions = this._bpmnFactory.create('bpmn:ExtensionElements', { values: [] });
    extensions.$parent = businessObject;
    businessObject.extensionElements = extensions;
  }
  let properties = propertiesOf(businessObject);
  if (!properties) {
    properties = this._moddle.createAny('spiffworkflow:properties', SPIFF, {});
    properties.$children = [];
    properties.$parent = extensions;
    extensions.values.push(properties);
  }
  const property = propertyOf(businessObject, name);
  Object.assign(context.before, { properties: properties, children: properties.$children.slice(),
                                  property: property, value: property && property.value });
  if (value === undefined || value === '') {
    properties.$children = properties.$children.filter((child) => child !== property);
    if (!properties.$children.length) {
      extensions.values.splice(extensions.values.indexOf(properties), 1);
    }
  } else if (property) {
    property.value = value;
  } else {
    properties.$children.push(this._moddle.createAny('spiffworkflow:property', SPIFF, { name: name, value: value }));
  }
  return element;
};

SetSpiffPropertyHandler.prototype.revert = function (context) {
  const { element, before } = context;
  const businessObject = element.businessObject;
  const extensions = businessObject.extensionElements;
  if (before.extensions) {
    extensions.values.splice(0, extensions.values.length, ...before.values);
  } else {
    businessObject.extensionElements = undefined;
  }
  before.properties.$children = before.children;
  if (before.property) before.property.value = before.value;
  return element;
};
