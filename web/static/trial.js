// 试算 in the rule modeler (web/designer/trial.py). The decision chosen is tried on the inputs
// typed here, in the XML on screen (sent, never saved); the answer shows the rows each table
// matched and those its hit policy applied, the decisions it required first. Its test cases
// (试算用例) are listed, saved from a trial, loaded to be changed, deleted; after a validation or a
// deployment (designer.js's shenpi:tested event) each says whether it passed.
(function () {
  'use strict';
  const source = document.getElementById('trial-config');
  if (!source) return;
  const config = JSON.parse(source.textContent);
  const text = config.text;
  const choice = document.getElementById('trial-decision');
  const inputsBox = document.getElementById('trial-inputs');
  const resultBox = document.getElementById('trial-result');
  const status = document.getElementById('trial-status');
  const casesBody = document.querySelector('#trial-cases tbody');
  const caseForm = document.getElementById('case-form');
  const cancel = document.getElementById('case-cancel');
  let decisions = [];  // of the XML on screen: [{id, name, inputs: [{id, name, label, type, values}]}]
  let cases = [];  // saved, of every decision of the file
  let outcomes = {};  // case id -> how it fared in the last validation or deployment
  let editing = null;  // the case loaded to be changed

  async function xml() {
    return (await window.designer.modeler.saveXML({ format: true })).xml;
  }

  function send(url, fields) {
    const body = new FormData();
    Object.entries(fields).forEach(([name, value]) => body.append(name, value));
    return window.shenpiPost(url, body, text.network);
  }

  function element(tag, className, content) {
    const made = document.createElement(tag);
    if (className) made.className = className;
    if (content !== undefined) made.append(content);
    return made;
  }

  // A value as the tables write it: text as it is, anything else as JSON.
  function shown(value) {
    return typeof value === 'string' ? value : JSON.stringify(value);
  }

  function say(message, kind) {
    status.textContent = message;
    status.className = kind || '';
  }

  // What went wrong, each with its element's id, as a deployment's problems are listed.
  function showProblems(problems) {
    say(text.problems.replace('{n}', problems.length), 'error');
    resultBox.replaceChildren();
    const list = element('ol', 'trial-problems');
    for (const problem of problems) {
      const item = element('li');
      item.dataset.elementId = problem.element_id || '';
      if (problem.element_id) item.append(element('code', null, problem.element_id), ' ');
      item.append(problem.message);
      list.append(item);
    }
    resultBox.append(list);
  }

  async function ask(url, fields) {
    try {
      const answer = await send(url, fields);
      if (!answer.ok) showProblems(answer.problems);
      return answer.ok ? answer : null;
    } catch (err) {
      showProblems([{ element_id: null, message: err.message }]);
      return null;
    }
  }

  // The decisions of the XML on screen and the inputs each reads; what was typed stays, by name.
  async function refresh() {
    const answer = await ask(config.urls.decisions, { xml: await xml() });
    if (!answer) return;
    if (resultBox.querySelector('.trial-problems')) {  // the XML reads again: what it said is gone
      resultBox.replaceChildren();
      say('');
    }
    decisions = answer.decisions;
    cases = answer.cases;
    const chosen = choice.value || config.key;
    choice.replaceChildren(...decisions.map((d) => new Option(d.name === d.id ? d.id : d.name + ' · ' + d.id, d.id)));
    choice.value = decisions.some((d) => d.id === chosen) ? chosen : (decisions[0] || {}).id || '';
    showInputs();
    showCases();
  }

  function current() {
    return decisions.find((d) => d.id === choice.value);
  }

  function showInputs() {
    const typed = {};
    inputsBox.querySelectorAll('[name]').forEach((control) => { typed[control.name] = control.value; });
    inputsBox.replaceChildren();
    const decision = current();
    if (!decision) return;
    if (!decision.inputs.length) inputsBox.append(element('p', 'muted', text.noInputs));
    for (const input of decision.inputs) {
      const control = controlFor(input);
      control.name = input.name;
      control.dataset.type = input.type || '';
      control.dataset.elementId = input.id;
      if (typed[input.name] !== undefined) control.value = typed[input.name];
      const label = element('label', null, (input.label || input.name) + ' ');
      label.append(element('code', null, input.name), control);
      inputsBox.append(label);
    }
  }

  // A choice where the values are known (a boolean; an input values list), each option's value the
  // JSON of its own; else a box of the type's kind.
  function controlFor(input) {
    const options = input.type === 'boolean' ? [[true, text.yes], [false, text.no]]
      : input.values ? input.values.map((value) => [value, shown(value)]) : null;
    if (options) {
      const select = element('select');
      select.append(new Option(text.choose, ''), ...options.map(([value, label]) => new Option(label, JSON.stringify(value))));
      return select;
    }
    const box = element('input');
    box.type = { number: 'number', date: 'date' }[input.type] || 'text';
    if (box.type === 'number') box.step = 'any';
    return box;
  }

  // The inputs typed, each as its type reads it; one left empty is not sent, and the trial says
  // it is missing with its element's id.
  function entered() {
    const inputs = {};
    inputsBox.querySelectorAll('[name]').forEach((control) => {
      if (control.value === '') return;
      const type = control.dataset.type;
      if (control.tagName === 'SELECT') inputs[control.name] = JSON.parse(control.value);
      else if (type === 'number') inputs[control.name] = Number(control.value);
      else if (type === 'string' || type === 'date') inputs[control.name] = control.value;
      else inputs[control.name] = jsonOr(control.value);
    });
    return inputs;
  }

  function jsonOr(raw) {
    try {
      return JSON.parse(raw);
    } catch (err) {
      return raw;
    }
  }

  function fill(inputs) {
    inputsBox.querySelectorAll('[name]').forEach((control) => {
      const value = inputs[control.name];
      if (value === undefined) control.value = '';
      else control.value = control.tagName === 'SELECT' ? JSON.stringify(value) : (typeof value === 'string' ? value : JSON.stringify(value));
    });
  }

  document.getElementById('trial-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const answer = await ask(config.urls.evaluate, { xml: await xml(), key: choice.value, inputs: JSON.stringify(entered()) });
    if (!answer) return;
    say('');
    showResult(answer);
    caseForm.elements.expected.value = JSON.stringify(answer.result, null, 2);
  });

  function rows(numbers) {
    return numbers.join(text.rows);
  }

  // A list of records (a COLLECT table's lines) as a table, its columns in the tables' order of
  // outputs (the answer's JSON has its keys sorted); any other value as JSON.
  function valueView(value, order) {
    const records = Array.isArray(value) && value.length && value.every((v) => v && typeof v === 'object' && !Array.isArray(v));
    if (!records) return element('code', null, shown(value));
    const keys = [...new Set(value.flatMap(Object.keys))];
    const rank = (key) => (order.includes(key) ? order.indexOf(key) : order.length);
    keys.sort((a, b) => rank(a) - rank(b));
    const table = element('table', 'trial-hits');
    const head = element('tr');
    head.append(...keys.map((key) => element('th', null, key)));
    head.querySelectorAll('th').forEach((th) => { th.scope = 'col'; });
    const body = element('tbody');
    value.forEach((record) => {
      const row = element('tr');
      row.append(...keys.map((key) => element('td', null, key in record ? shown(record[key]) : '')));
      body.append(row);
    });
    table.append(element('thead', null, head), body);
    return table;
  }

  function showResult(answer) {
    const order = answer.decisions.flatMap((step) => step.outputs.map((output) => output.name));
    const outcome = element('div', 'trial-answer', element('strong', null, text.result));
    outcome.append(' ', valueView(answer.result, order));
    resultBox.replaceChildren(outcome);
    for (const step of answer.decisions) {
      const part = element('section', 'trial-decision');
      part.dataset.decision = step.id;
      const title = element('h4', null, step.name + ' ');
      title.append(element('code', null, step.id));
      if (step.id !== answer.key) title.append(' ', element('span', 'muted', text.required));
      part.append(title);
      const policy = step.hit_policy + (step.aggregation ? ' ' + step.aggregation : '');
      if (step.kind === 'literal') part.append(element('p', 'trial-policy', text.literal));
      else if (!step.matched.length) part.append(element('p', 'trial-policy', text.noMatch.replace('{policy}', policy)));
      else {
        part.append(element('p', 'trial-policy', text.policy.replace('{policy}', policy)
          .replace('{matched}', rows(step.matched)).replace('{applied}', rows(step.applied.map((hit) => hit.row)))));
      }
      if (step.applied.length) part.append(hitTable(step));
      // A table's rows applied are its result, but for an aggregation's number or a default's value.
      if (step.kind === 'literal' || step.aggregation || !step.applied.length) {
        const result = element('div', 'trial-answer', text.result + ' ');
        result.append(valueView(step.result, order));
        part.append(result);
      }
      resultBox.append(part);
    }
  }

  function hitTable(step) {
    const table = element('table', 'trial-hits');
    const head = element('tr');
    head.append(element('th', null, text.rule), ...step.outputs.map((output) => element('th', null, output.label || output.name || '')));
    head.querySelectorAll('th').forEach((th) => { th.scope = 'col'; });
    const body = element('tbody');
    for (const hit of step.applied) {
      const row = element('tr');
      row.dataset.row = hit.row;
      row.append(element('th', null, String(hit.row)), ...hit.outputs.map((value) => element('td', null, shown(value))));
      row.firstChild.scope = 'row';
      body.append(row);
    }
    table.append(element('thead', null, head), body);
    return table;
  }

  function showCases() {
    casesBody.replaceChildren();
    const mine = cases.filter((c) => c.key === choice.value);
    if (!mine.length) {
      const cell = element('td', 'muted', text.noCases);
      cell.colSpan = 5;
      casesBody.append(element('tr', null, cell));
    }
    for (const saved of mine) {
      const row = element('tr');
      row.dataset.case = saved.id;
      const load = element('button', 'link', text.load);
      load.type = 'button';
      load.addEventListener('click', () => edit(saved));
      const remove = element('button', 'link', text.delete);
      remove.type = 'button';
      remove.addEventListener('click', () => drop(saved));
      const actions = element('td', 'trial-actions', load);
      actions.append(' ', remove);
      const inputs = Object.entries(saved.inputs).map(([name, value]) => name + ' = ' + shown(value)).join('\n');
      row.append(element('td', null, saved.name), element('td', 'trial-case-inputs', inputs),
                 element('td', null, element('code', null, shown(saved.expected))), outcomeCell(outcomes[saved.id]), actions);
      casesBody.append(row);
    }
  }

  function outcomeCell(outcome) {
    if (!outcome) return element('td', 'muted', text.notRun);
    const cell = element('td', outcome.passed ? 'passed' : 'failed', outcome.passed ? text.passed : text.failed);
    if (!outcome.passed) cell.append(' ', text.got, element('code', null, outcome.error || shown(outcome.actual)));
    return cell;
  }

  function edit(saved) {
    editing = saved;
    fill(saved.inputs);
    caseForm.elements.id.value = saved.id;
    caseForm.elements.name.value = saved.name;
    caseForm.elements.expected.value = JSON.stringify(saved.expected, null, 2);
    document.getElementById('case-save').textContent = text.editing;
    cancel.hidden = false;
  }

  function stopEditing() {
    editing = null;
    caseForm.reset();
    caseForm.elements.id.value = '';
    document.getElementById('case-save').textContent = text.saveNew;
    cancel.hidden = true;
  }

  cancel.addEventListener('click', stopEditing);

  async function drop(saved) {
    if (!window.confirm(text.confirmDelete.replace('{name}', saved.name))) return;
    const answer = await ask(config.urls.delete.replace('/0/', '/' + saved.id + '/'), { key: saved.key });
    if (!answer) return;
    say(answer.message, 'ok');
    if (editing && editing.id === saved.id) stopEditing();
    refresh();
  }

  caseForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const expected = caseForm.elements.expected.value;
    try {
      JSON.parse(expected);
    } catch (err) {
      showProblems([{ element_id: null, message: text.badExpected }]);
      return;
    }
    const fields = { key: editing ? editing.key : choice.value, name: caseForm.elements.name.value,
                     inputs: JSON.stringify(entered()), expected: expected };
    if (editing) fields.id = editing.id;
    const answer = await ask(config.urls.save, fields);
    if (!answer) return;
    say(answer.message, 'ok');
    stopEditing();
    refresh();
  });

  document.getElementById('trial-run-cases').addEventListener('click', () => document.getElementById('validate').click());
  document.getElementById('trial-refresh').addEventListener('click', refresh);
  choice.addEventListener('change', () => {
    showInputs();
    showCases();
  });
  document.addEventListener('shenpi:tested', (event) => {
    outcomes = {};
    event.detail.forEach((outcome) => { outcomes[outcome.id] = outcome; });
    showCases();
  });
  document.addEventListener('shenpi:loaded', refresh);
  if (document.body.dataset.modeler === 'ready') refresh();  // loaded before this script was
  // The inputs follow the tables as they are edited: asked again once the editing pauses.
  let pending = null;
  document.addEventListener('shenpi:changed', () => {
    clearTimeout(pending);
    pending = setTimeout(refresh, 800);
  });
  // Opening a decision's table in the modeler chooses it here too.
  window.designer.modeler.on('views.changed', ({ activeView }) => {
    const id = activeView && activeView.element && activeView.element.id;
    if (id && id !== choice.value && decisions.some((d) => d.id === id)) {
      choice.value = id;
      showInputs();
      showCases();
    }
  });
})();
