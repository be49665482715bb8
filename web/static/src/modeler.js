// The process designer's modeler: bpmn-js with a properties panel and Shenpi's own entries.
// Bundled at install time (the Makefile runs esbuild) into web/static/vendor/shenpi-modeler.js,
// which designer.js loads; the packages come from the npm registry, like every front-end library.
import Modeler from 'bpmn-js/lib/Modeler';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';

import ShenpiPropertiesModule from './shenpi-properties';
import SpiffCopyModule from './spiff-copy';
import SpiffLoopsModule, { spiffLoopsDescriptor } from './spiff-loops';
import chineseModule from './translate-zh';

window.ShenpiModeler = function (options, lang) {
  const modules = [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, ShenpiPropertiesModule, SpiffCopyModule,
                   SpiffLoopsModule];
  return new Modeler({ ...options, moddleExtensions: { spiffloops: spiffLoopsDescriptor },
                       additionalModules: lang === 'zh' ? [...modules, chineseModule] : modules });
};
