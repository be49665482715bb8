// 评估报告 on an application form (templates/_reports.html report_inputs): which kinds' reports the
// project needs follows from the form's project information, by the rules the case will be held to.
// As the form changes, the server says which (web/report_forms.py); the form then offers an input
// for those only, and says why none is asked where none is (the zone's regional assessment covers
// them, or the rules ask none). A file chosen for a kind no longer needed is let go, so that it is
// not sent. Without this script every kind is offered and the server refuses one not needed.
(function () {
  var box = document.querySelector('[data-reports-url]');
  if (!box) { return; }
  var form = box.closest('form');
  var waiting = null;

  function fields() {
    var body = new FormData();
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled || el.type === 'file') { return; }
      if ((el.type === 'checkbox' || el.type === 'radio') && !el.checked) { return; }
      body.append(el.name, el.value);
    });
    return body;
  }

  function show(answer) {
    box.dataset.state = answer.state;
    box.querySelectorAll('[data-says]').forEach(function (line) { line.hidden = line.dataset.says !== answer.state; });
    box.querySelectorAll('[data-report-kind]').forEach(function (row) {
      var offered = !answer.complete || answer.needed.indexOf(row.dataset.reportKind) >= 0;
      row.hidden = !offered;
      var input = row.querySelector('input[type=file]');
      if (input && !offered) { input.value = ''; }
    });
    var covered = box.querySelector('.reports-covered');
    covered.hidden = !answer.covered;
    covered.querySelector('.covered-list').textContent = answer.covered;  // said by the server, in the page's language
  }

  function ask() {
    fetch(box.dataset.reportsUrl, {method: 'POST', body: fields(), credentials: 'same-origin'})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) { if (answer) { show(answer); } })
      .catch(function () {});  // offline or signed out: every kind stays offered
  }

  function changed(event) {
    if (event.target.type === 'file') { return; }
    clearTimeout(waiting);
    waiting = setTimeout(ask, 300);
  }
  form.addEventListener('change', changed);
  form.addEventListener('input', changed);
  ask();
})();
