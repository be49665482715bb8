// Reading and writing an element's <spiffworkflow:property name value> entries, the way Shenpi's
// procedures ask for forms, departments and time limits (engine/orchestrator.py).
//
// The modeler has no schema for the spiffworkflow namespace and keeps those elements as generic
// XML; so does this code, so that every other spiffworkflow element (scripts, unit tests) is
// saved exactly as it was read. They are known by their namespace, whatever prefix a file gives it.
export const SPIFF = 'http://spiffworkflow.org/bpmn/schema/1.0/core';

function isSpiff(element, localName) {
  const ns = element.$descriptor && element.$descriptor.ns;
  return Boolean(ns && ns.uri === SPIFF && ns.localName === localName);
}

// Any element of the namespace, kept as generic XML (see spiff-copy for copy and paste).
export function isSpiffElement(value) {
  const descriptor = value && typeof value === 'object' && value.$descriptor;
  return Boolean(descriptor && descriptor.isGeneric && descriptor.ns && descriptor.ns.uri === SPIFF);
}

// extensionElements.values is only made when first asked for (get), even for an empty element.
function extensionsOf(businessObject) {
  return businessObject.extensionElements ? businessObject.extensionElements.get('values') : [];
}

function propertiesOf(businessObject) {
  return extensionsOf(businessObject).find((value) => isSpiff(value, 'properties'));
}

function propertyOf(businessObject, name) {
  const properties = propertiesOf(businessObject);
  return ((properties && properties.$children) || []).find((child) => isSpiff(child, 'property') && child.name === name);
}

// The prefix the file declares for the namespace, so new elements read like the old ones.
function prefixFor(businessObject) {
  let definitions = businessObject;
  while (definitions.$parent) definitions = definitions.$parent;
  const declared = Object.keys(definitions.$attrs || {}).find((key) => key.startsWith('xmlns:') && definitions.$attrs[key] === SPIFF);
  return declared ? declared.slice('xmlns:'.length) : 'spiffworkflow';
}

export function getSpiffProperty(element, name) {
  const property = propertyOf(element.businessObject, name);
  return property ? property.value : undefined;
}

// A command, so that undo and redo work and the panel hears of the change.
// context: { element, name, value }; an empty value removes the property, and with the last one
// the properties element and an extensionElements left empty.
export function SetSpiffPropertyHandler(bpmnFactory, moddle) {
  this._bpmnFactory = bpmnFactory;
  this._moddle = moddle;
}

SetSpiffPropertyHandler.$inject = ['bpmnFactory', 'moddle'];

SetSpiffPropertyHandler.prototype.execute = function (context) {
  const { element, name, value } = context;
  const businessObject = element.businessObject;
  const prefix = prefixFor(businessObject);
  let extensions = businessObject.extensionElements;
  let properties = propertiesOf(businessObject);
  const property = propertyOf(businessObject, name);
  // Everything this step may change, as it was: revert puts it back.
  context.before = {
    extensions: extensions, values: extensionsOf(businessObject).slice(), properties: properties,
    children: properties && properties.$children.slice(), property: property, value: property && property.value,
  };
  if (!extensions) {
    extensions = this._bpmnFactory.create('bpmn:ExtensionElements', { values: [] });
    extensions.$parent = businessObject;
    businessObject.extensionElements = extensions;
  }
  if (!properties) {
    properties = this._moddle.createAny(prefix + ':properties', SPIFF, {});
    properties.$children = [];
    properties.$parent = extensions;
    extensions.get('values').push(properties);
  }
  if (value === undefined || value === '') {
    properties.$children = properties.$children.filter((child) => child !== property);
    if (!properties.$children.length) {
      const values = extensions.get('values');
      values.splice(values.indexOf(properties), 1);
      if (!values.length) businessObject.extensionElements = undefined;
    }
  } else if (property) {
    property.value = value;
  } else {
    properties.$children.push(this._moddle.createAny(prefix + ':property', SPIFF, { name: name, value: value }));
  }
  return element;
};

SetSpiffPropertyHandler.prototype.revert = function (context) {
  const { element, before } = context;
  const businessObject = element.businessObject;
  businessObject.extensionElements = before.extensions;
  if (before.extensions) {
    const values = before.extensions.get('values');
    values.splice(0, values.length, ...before.values);
  }
  if (before.properties) before.properties.$children = before.children;
  if (before.property) before.property.value = before.value;
  return element;
};
