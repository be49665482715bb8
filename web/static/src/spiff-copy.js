// Copy and paste, and 更改类型 (replace), keep an element's spiffworkflow XML.
//
// Both go through bpmn-js's ModdleCopy, which copies an element property by property as its
// schema describes them. The modeler has no schema for the spiffworkflow namespace: its elements
// (properties, preScript, postScript, ...) are generic ones, which ModdleCopy leaves out, and an
// extensionElements left empty is not copied at all; its attributes on BPMN elements (e.g.
// scriptsOnInstances on a multi-instance marker) sit in $attrs, which ModdleCopy never reads.
// Here a generic element in the spiffworkflow namespace is copied whole, and an element's
// spiffworkflow attributes go with it. Other namespaces are left as bpmn-js leaves them.
import { SPIFF, isSpiffElement } from './spiff-properties';

// Before the library's own check (1000), which would let a generic element be dropped.
const HIGH_PRIORITY = 1500;

// A generic element with its attributes, text and children, each copy its own.
function cloneGeneric(moddle, element) {
  const attributes = {};
  Object.keys(element).forEach((key) => {
    if (!key.startsWith('$')) attributes[key] = element[key];
  });
  const copy = moddle.createAny(element.$type, element.$descriptor.ns.uri, attributes);
  if (element.$body !== undefined) copy.$body = element.$body;
  if (element.$children) {
    copy.$children = element.$children.map((child) => {
      const childCopy = cloneGeneric(moddle, child);
      childCopy.$parent = copy;
      return childCopy;
    });
  }
  return copy;
}

// The prefixes under which the namespace is declared: on the element or the elements around it
// (a copy on the clipboard has none), and on the diagram's definitions.
function spiffPrefixes(element, definitions) {
  const prefixes = new Set();
  const declare = (attrs) => Object.keys(attrs || {}).forEach((key) => {
    if (key.startsWith('xmlns:') && attrs[key] === SPIFF) prefixes.add(key.slice('xmlns:'.length));
  });
  for (let current = element; current; current = current.$parent) declare(current.$attrs);
  if (definitions) declare(definitions.$attrs);
  return prefixes;
}

export function SpiffCopy(eventBus, moddle, bpmnjs) {
  eventBus.on('moddleCopy.canCopyProperty', HIGH_PRIORITY, (context) => {
    const { property } = context;
    if (isSpiffElement(property)) return cloneGeneric(moddle, property);
  });

  // Fired once for every element ModdleCopy copies (the task, its loop marker, ...), before
  // its properties: the spiffworkflow attributes go across here.
  eventBus.on('moddleCopy.canCopyProperties', HIGH_PRIORITY, (context) => {
    const { sourceElement, targetElement } = context;
    const attrs = sourceElement && sourceElement.$attrs;
    if (!attrs || !targetElement || !targetElement.$attrs) return;
    const prefixes = spiffPrefixes(sourceElement, bpmnjs.getDefinitions());
    Object.keys(attrs).forEach((key) => {
      const colon = key.indexOf(':');
      if (colon > 0 && prefixes.has(key.slice(0, colon))) {
        targetElement.$attrs[key] = attrs[key];
      }
    });
  });
}

SpiffCopy.$inject = ['eventBus', 'moddle', 'bpmnjs'];

export default {
  __init__: ['spiffCopy'],
  spiffCopy: ['type', SpiffCopy],
};
