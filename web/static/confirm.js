// A form marked data-confirm="..." asks before it is sent: for actions that cannot be taken back
// with one click (deactivating a person, revoking a token, refusing a case).
document.addEventListener('submit', function (event) {
  var question = event.target.getAttribute && event.target.getAttribute('data-confirm');
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
}, true);
