// The designer's pages. The modeler page: bpmn-js or dmn-js, and the validate / draft / deploy /
// download buttons.
// Problems from the server carry element ids; they are listed and marked on the diagram.
// A rule's validation and deployment answer with its saved test cases' outcomes (trial.js shows
// them, told by a shenpi:tested event); one refused for a failing case offers "intended".
(function () {
  'use strict';
  const source = document.getElementById('designer-config');
  if (!source) return;
  const config = JSON.parse(source.textContent);
  const text = config.text;
  const isBpmn = config.kind === 'bpmn';
  const modeler = isBpmn
    ? window.ShenpiModeler({ container: '#canvas', propertiesPanel: { parent: '#properties' },
                            shenpi: { groups: config.groups, otherGroups: config.otherGroups } }, config.lang)
    : window.ShenpiDmnModeler({ container: '#canvas' }, config.lang);
  const status = document.getElementById('status');
  const problemList = document.getElementById('problems');
  window.designer = { modeler: modeler };  // for the browser tests, trial.js and the curious

  function say(message, kind) {
    status.textContent = message;
    status.className = kind || '';
  }

  // XML that could not be read leaves the previous diagram on the canvas: until it is mended
  // (or the page reloaded), the buttons refuse rather than send a diagram that is not on screen.
  let unreadable = false;
  async function load(xml) {
    try {
      const laidOut = isBpmn && lacksDiagram(xml);
      if (laidOut) xml = await drawn(xml);
      await modeler.importXML(xml);
      document.body.dataset.modeler = 'ready';
      unreadable = false;
      document.dispatchEvent(new Event('shenpi:loaded'));
      if (!isBpmn) return;
      fit(modeler.get('canvas'));
      if (laidOut) say(text.laidOut, 'warning');
      // An element the XML gives no shape is not on the canvas (bpmn-js skips it without a word):
      // say which, and how to get it drawn.
      const undrawn = undrawnIds();
      if (undrawn.length) say(text.undrawn.replace('{ids}', undrawn.join('、')), 'warning');
    } catch (err) {
      unreadable = true;
      say(text.importFailed + err.message, 'error');
    }
  }

  // XML with no diagram at all (bpmn-js would only say "no diagram to display"), pasted into the
  // XML panel: the server lays it out as it does a file opened from the list.
  function lacksDiagram(xml) {
    const doc = new DOMParser().parseFromString(xml, 'application/xml');
    return doc.getElementsByTagName('parsererror').length === 0
      && doc.getElementsByTagNameNS('http://www.omg.org/spec/BPMN/20100524/DI', 'BPMNDiagram').length === 0;
  }

  async function drawn(xml) {
    const body = new FormData();
    body.append('kind', config.kind);
    body.append('xml', xml);
    return (await window.shenpiPost(config.urls.drawable, body, text.network)).xml;
  }

  function undrawnIds() {
    const registry = modeler.get('elementRegistry');
    const ids = [];
    const visit = (container) => (container.flowElements || []).forEach((element) => {
      if (!registry.get(element.id)) ids.push(element.id);
      visit(element);
    });
    modeler.getDefinitions().rootElements.filter((e) => e.$type === 'bpmn:Process').forEach(visit);
    return ids;
  }

  // The whole diagram in view, clear of the palette, which floats over the canvas's left edge.
  function fit(canvas) {
    canvas.zoom('fit-viewport');
    const { inner, outer } = canvas.viewbox();
    const palette = document.querySelector('#canvas .djs-palette');
    const left = (palette ? palette.getBoundingClientRect().width : 0) + 20;
    const margin = 20;
    const scale = Math.min((outer.width - left - margin) / inner.width,
                           (outer.height - 2 * margin) / inner.height, 1);
    canvas.viewbox({ x: inner.x - left / scale, y: inner.y - margin / scale,
                     width: outer.width / scale, height: outer.height / scale });
  }

  // The process (or decision) the diagram defines: the one opened, else the first.
  function currentKey() {
    const definitions = modeler.getDefinitions();
    const ids = isBpmn
      ? definitions.rootElements.filter((e) => e.$type === 'bpmn:Process').map((e) => e.id)
      : definitions.drgElement.filter((e) => e.$type === 'dmn:Decision').map((e) => e.id);
    return ids.includes(config.key) ? config.key : (ids[0] || config.key);
  }

  // Whether what is on the page supersedes the author's draft: it was opened from the draft, or
  // saved as one here. Deploying anything else leaves the draft alone.
  let ownsDraft = Boolean(config.draftOpen);

  async function post(url) {
    const { xml } = await modeler.saveXML({ format: true });
    const body = new FormData();
    body.append('kind', config.kind);
    body.append('key', currentKey());
    body.append('xml', xml);
    if (ownsDraft) body.append('draft', '1');
    if (url === config.urls.deploy && intended && intended.checked) body.append('intended', '1');
    const forms = document.getElementById('form-files');
    for (const file of (forms ? forms.files : [])) body.append('form', file);
    return window.shenpiPost(url, body, text.network);
  }

  // Marks live on the DRD or the BPMN canvas; a DMN table view has none, the list still shows all.
  function viewer() {
    return isBpmn ? modeler : modeler.getActiveViewer();
  }

  function service(name) {
    try { return viewer().get(name); } catch (err) { return null; }
  }

  function clearMarks() {
    const overlays = service('overlays');
    if (overlays) overlays.remove({ type: 'problem' });
    const canvas = service('canvas');
    const registry = service('elementRegistry');
    if (canvas && registry) {
      registry.forEach((element) => {
        canvas.removeMarker(element.id, 'has-problem');
        canvas.removeMarker(element.id, 'has-warning');
      });
    }
  }

  function mark(problem, warning) {
    const registry = service('elementRegistry');
    const canvas = service('canvas');
    const overlays = service('overlays');
    const element = registry && canvas && overlays && problem.element_id && registry.get(problem.element_id);
    if (!element) return false;
    canvas.addMarker(element.id, warning ? 'has-warning' : 'has-problem');
    const badge = document.createElement('div');
    badge.className = warning ? 'problem-badge warning' : 'problem-badge';
    badge.title = problem.message;
    badge.textContent = '!';
    overlays.add(element.id, 'problem', { position: { top: -10, right: 10 }, html: badge });
    return true;
  }

  // What was refused, or, after a deployment went through, its warnings: what deploys but would
  // get a case stuck. Both are listed and marked on the diagram, warnings in their own colour.
  function showProblems(problems, warning) {
    clearMarks();
    problemList.replaceChildren();
    if (!problems.length) {
      const li = document.createElement('li');
      li.className = 'muted none';
      li.textContent = text.none;
      problemList.append(li);
      return;
    }
    for (const problem of problems) {
      const li = document.createElement('li');
      li.className = warning ? 'problem warning' : 'problem';
      li.dataset.elementId = problem.element_id || '';
      const where = document.createElement('code');
      where.textContent = problem.element_id || (text.fileLevel + ' ' + (problem.file || ''));
      li.append(where, ' ', problem.message);
      if (mark(problem, warning)) {  // the element is on the diagram: a click or a key shows it
        li.tabIndex = 0;
        li.setAttribute('role', 'button');
        li.addEventListener('click', () => focus(problem.element_id));
        li.addEventListener('keydown', (event) => {
          if (event.key === 'Enter' || event.key === ' ') {
            event.preventDefault();
            focus(problem.element_id);
          }
        });
      }
      problemList.append(li);
    }
  }

  function focus(elementId) {
    const registry = service('elementRegistry');
    const element = registry && registry.get(elementId);
    if (!element) return;
    const selection = service('selection');
    if (selection) selection.select(element);
    if (isBpmn) modeler.get('canvas').scrollToElement(element);
  }

  // Leaving with changes neither saved as a draft nor deployed asks first (the browser's own question).
  let unsaved = false;
  function watch(viewer) {
    viewer.get('eventBus').on('commandStack.changed', () => {
      unsaved = true;
      document.dispatchEvent(new Event('shenpi:changed'));
    });
  }
  if (isBpmn) watch(modeler);
  else modeler.on('views.changed', () => { const active = modeler.getActiveViewer(); if (active) watch(active); });
  window.addEventListener('beforeunload', (event) => {
    if (unsaved) {
      event.preventDefault();
      event.returnValue = '';
    }
  });

  async function act(url, after, saves) {
    if (unreadable) {
      say(text.unreadable, 'error');
      return null;
    }
    say(text.working, 'working');
    try {
      const answer = await post(url);
      say(answer.message, !answer.ok ? 'error' : (answer.warnings || []).length ? 'warning' : 'ok');
      if (answer.ok && saves) unsaved = false;
      if (after) after(answer);
      return answer;
    } catch (err) {
      say(err.message, 'error');
      return null;
    }
  }

  // The deployment of a rule its saved test cases refused may go again, said to be intended.
  const intended = document.getElementById('deploy-intended');
  function tested(answer) {
    if (answer.tests) document.dispatchEvent(new CustomEvent('shenpi:tested', { detail: answer.tests }));
    if (!intended) return;
    const refused = !answer.ok && (answer.tests || []).some((test) => !test.passed);
    if (refused) intended.closest('label').hidden = false;
    if (answer.ok && answer.deployment_id !== undefined) {
      intended.checked = false;
      intended.closest('label').hidden = true;
    }
  }

  document.getElementById('validate').addEventListener('click', () =>
    act(config.urls.validate, (answer) => {
      showProblems(answer.ok ? answer.warnings : answer.problems, answer.ok);
      tested(answer);
    }));

  document.getElementById('save-draft').addEventListener('click', () => act(config.urls.draft, (answer) => {
    if (answer.ok) ownsDraft = true;
    else showProblems(answer.problems);
  }, true));

  document.getElementById('deploy').addEventListener('click', () => {
    if (!unreadable && !window.confirm(text.confirmDeploy)) return;
    act(config.urls.deploy, (answer) => {
      showProblems(answer.ok ? answer.warnings : answer.problems, answer.ok);
      tested(answer);
      if (answer.ok) {
        // The page now shows a deployed process: reloading it opens the process, not 新建 again.
        history.replaceState(null, '', config.urls.edit.replace('KEY', encodeURIComponent(currentKey())));
        const link = document.createElement('a');
        link.href = config.urls.index;
        link.textContent = ' →';
        status.append(link);
      }
    }, true);
  });

  // The diagram on screen as a file, to keep, mail or open in another modeler.
  document.getElementById('download').addEventListener('click', async () => {
    if (unreadable) {
      say(text.unreadable, 'error');
      return;
    }
    try {
      const { xml } = await modeler.saveXML({ format: true });
      const link = document.createElement('a');
      link.href = URL.createObjectURL(new Blob([xml], { type: 'application/xml' }));
      link.download = currentKey() + '.' + config.kind;
      link.click();
      // Some browsers read the link after the click has returned: let it be for a while.
      setTimeout(() => URL.revokeObjectURL(link.href), 10000);
    } catch (err) {
      say(err.message, 'error');
    }
  });

  const xmlPanel = document.getElementById('xml-panel');
  const xmlText = document.getElementById('xml-text');
  document.getElementById('toggle-xml').addEventListener('click', async () => {
    if (xmlPanel.hidden) xmlText.value = (await modeler.saveXML({ format: true })).xml;
    xmlPanel.hidden = !xmlPanel.hidden;
  });
  document.getElementById('apply-xml').addEventListener('click', () => { unsaved = true; load(xmlText.value); });

  load(config.xml);
})();

// The comparison page: both versions in viewers, elements marked added, removed or changed.
(function () {
  'use strict';
  const source = document.getElementById('compare-config');
  if (!source) return;
  const config = JSON.parse(source.textContent);

  async function show(container, xml, marks) {
    const viewer = new window.BpmnJS({ container: container });
    await viewer.importXML(xml);
    viewer.get('canvas').zoom('fit-viewport');
    const registry = viewer.get('elementRegistry');
    for (const [css, ids] of Object.entries(marks)) {
      ids.filter((id) => registry.get(id)).forEach((id) => viewer.get('canvas').addMarker(id, css));
    }
  }

  show('#old-diagram', config.old, { 'diff-removed': config.removed, 'diff-changed': config.changed });
  show('#new-diagram', config.new, { 'diff-added': config.added, 'diff-changed': config.changed });
})();
