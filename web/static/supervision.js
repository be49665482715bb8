// The board waits while it is paused (WCAG 2.2.2: what updates itself can be stopped) and while the
// keyboard is in it: a new board would drop the focus back to the top of the page.
(function () {
  var pause = document.getElementById('board-pause');
  if (!pause) { return; }
  pause.addEventListener('click', function () {
    pause.setAttribute('aria-pressed', String(pause.getAttribute('aria-pressed') !== 'true'));
  });
  document.body.addEventListener('htmx:beforeRequest', function (event) {
    var board = document.getElementById('board');
    if (event.detail.elt === board
        && (pause.getAttribute('aria-pressed') === 'true' || board.contains(document.activeElement))) {
      event.preventDefault();
    }
  });
})();

// The dashboard's charts, drawn from the numbers in the tables beside them (one source for both),
// and drawn again each time the board reloads itself (htmx swaps in a new #board).
(function () {
  if (!window.Chart) { return; }
  var charts = [];
  var colours = { normal: '#287a4d', warning: '#d4a017', yellow: '#e67e22', red: '#c0392b' };  // as app.css

  function rows(tableId) {
    return Array.prototype.slice.call(document.querySelectorAll('#' + tableId + ' tbody tr'))
      .filter(function (tr) { return tr.querySelector('[data-value]'); });
  }
  function value(tr) {
    var v = tr.querySelector('[data-value]').dataset.value;
    return v === '' ? null : Number(v);
  }
  function label(tr) { return tr.querySelector('th').textContent.trim(); }

  function draw() {
    charts.forEach(function (chart) { chart.destroy(); });  // their canvases left with the old board
    charts = [];
    if (!document.getElementById('on-time-chart')) { return; }
    var departments = rows('on-time-table');
    var levels = rows('levels-table');
    charts = [
      new window.Chart(document.getElementById('on-time-chart'), {
        type: 'bar',
        data: { labels: departments.map(label),
                datasets: [{ label: '%', data: departments.map(value), backgroundColor: '#1f5fa8' }] },
        options: { animation: false, maintainAspectRatio: false, plugins: { legend: { display: false } },
                   scales: { y: { min: 0, max: 100 } } }
      }),
      new window.Chart(document.getElementById('levels-chart'), {
        type: 'doughnut',
        data: { labels: levels.map(label),
                datasets: [{ data: levels.map(value),
                             backgroundColor: levels.map(function (tr) { return colours[tr.dataset.level]; }) }] },
        options: { animation: false, maintainAspectRatio: false }
      })
    ];
    document.body.dataset.chartsReady = 'true';
  }

  draw();
  document.body.addEventListener('htmx:afterSettle', function () {
    if (!charts.length || !document.body.contains(charts[0].canvas)) { draw(); }  // a new board
  });
  // A reload refused (the session ended, the role was taken away, the server failed): the whole
  // page is loaded again, so the person sees why instead of a board that no longer changes.
  document.body.addEventListener('htmx:responseError', function () { window.location.reload(); });
})();
