// A case's BPMN diagram, read-only, with completed and active steps marked.
(function () {
  var box = document.getElementById('diagram');
  if (!box || !window.BpmnJS) { return; }
  var viewer = new window.BpmnJS({ container: box });
  fetch(box.dataset.xmlUrl, { credentials: 'same-origin' })
    .then(function (res) {
      if (!res.ok) { throw new Error(res.status + ' ' + res.statusText); }
      return res.text();
    })
    .then(function (xml) { return viewer.importXML(xml); })
    .then(function () {
      var canvas = viewer.get('canvas');
      var registry = viewer.get('elementRegistry');
      // Engine-internal tasks (Start, EndJoin) have no shape: mark only what the diagram draws.
      function mark(ids, marker) {
        ids.forEach(function (id) { if (registry.get(id)) { canvas.addMarker(id, marker); } });
      }
      mark(JSON.parse(box.dataset.completed), 'done');
      mark(JSON.parse(box.dataset.active), 'active');
      canvas.zoom('fit-viewport');
      box.dataset.ready = 'true';
    })
    .catch(function (err) {
      box.textContent = err.message;
      box.dataset.ready = 'error';
    });
})();
