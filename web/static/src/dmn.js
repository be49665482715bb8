// The rule designer's modeler: dmn-js, in Chinese like the process modeler. Bundled at install
// time (the Makefile runs esbuild) into web/static/vendor/shenpi-dmn.js, which designer.js loads.
import DmnModeler from 'dmn-js/lib/Modeler';

import chineseModule from './translate-zh';

const VIEWS = ['drd', 'decisionTable', 'literalExpression', 'boxedExpression'];

window.ShenpiDmnModeler = function (options, lang) {
  // Each view takes its own modules (dmn-js does not pass `common.additionalModules` on).
  const modules = lang === 'zh' ? [chineseModule] : [];
  return new DmnModeler({ ...options, ...Object.fromEntries(VIEWS.map((v) => [v, { additionalModules: modules }])) });
};
