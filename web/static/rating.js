// A bad rating (差评) needs its reason and what it is about: the reason box and the choice between
// the window's service and the department's handling are required, and a blank reason is refused,
// as soon as such a level is ticked (also when the page comes back with one ticked), so the browser
// asks for them by their fields before the page is sent (the server refuses too).
function checkReason(form) {
  var reason = form.querySelector('textarea[data-required-for]');
  if (!reason) return;
  var level = form.querySelector('input[name=level]:checked');
  var needed = !!level && reason.dataset.requiredFor.split(' ').indexOf(level.value) >= 0;
  reason.required = needed;
  reason.setCustomValidity(needed && !reason.value.trim() ? reason.dataset.message : '');
  form.querySelectorAll('input[name=concerns]').forEach(function (choice) { choice.required = needed; });
}
document.addEventListener('change', function (event) { if (event.target.form) checkReason(event.target.form); });
document.addEventListener('input', function (event) { if (event.target.form) checkReason(event.target.form); });
document.addEventListener('DOMContentLoaded', function () {
  document.querySelectorAll('form').forEach(checkReason);
});
