// A bad rating (差评) needs its reason: the reason box becomes required as soon as such a level is
// chosen, so the browser asks for it by the box, before the page is sent (the server refuses too).
document.addEventListener('change', function (event) {
  var form = event.target.form;
  var reason = form && form.querySelector('textarea[data-required-for]');
  if (!reason || event.target.name !== 'level') return;
  reason.required = reason.dataset.requiredFor.split(' ').indexOf(event.target.value) >= 0;
});
