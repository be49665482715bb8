// The rule designer's modeler: dmn-js, in Chinese like the process modeler. Bundled at install
// time (the Makefile runs esbuild) into web/static/vendor/shenpi-dmn.js, which designer.js loads.
import DmnModeler from 'dmn-js/lib/Modeler';

import chineseModule from './translate-zh';

const VIEWS = ['drd', 'decisionTable', 'literalExpression', 'boxedExpression'];
// The widths dmn-js writes on a decision table's column heads when nobody has resized them.
const DEFAULT_WIDTHS = ['192px', '400px'];

window.ShenpiDmnModeler = function (options, lang) {
  // Each view takes its own modules (dmn-js does not pass `common.additionalModules` on).
  const modules = lang === 'zh' ? [chineseModule] : [];
  keepWidenedColumns(document.querySelector(options.container));
  return new DmnModeler({ ...options, ...Object.fromEntries(VIEWS.map((v) => [v, { additionalModules: modules }])) });
};

// designer.css lays a decision table out by what its columns hold, so that it fits beside the
// problem list; there a width is only a wish. A column the designer widened by hand (a width other
// than dmn-js's default, also while dragging) is held to it as its minimum.
function keepWidenedColumns(container) {
  const keep = (th) => {
    const wanted = DEFAULT_WIDTHS.includes(th.style.width) ? '' : th.style.width;
    if (th.style.minWidth !== wanted) th.style.minWidth = wanted;
  };
  const heads = (node) => (node.nodeType !== 1 ? [] : [...(node.matches('th') ? [node] : []), ...node.querySelectorAll('th')]);
  new MutationObserver((changes) => changes.forEach((change) => {
    if (change.type === 'attributes') heads(change.target).forEach(keep);
    change.addedNodes.forEach((node) => heads(node).forEach(keep));
  })).observe(container, { subtree: true, childList: true, attributes: true, attributeFilter: ['style'] });
}
