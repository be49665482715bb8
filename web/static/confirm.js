// A form marked data-confirm="..." asks before it is sent: for actions that cannot be taken back
// with one click (deactivating a person, revoking a token, refusing a case). A submit button may
// carry its own question, for the one action of a form that cannot be taken back.
document.addEventListener('submit', function (event) {
  var button = event.submitter;
  var question = (button && button.getAttribute('data-confirm')) ||
                 (event.target.getAttribute && event.target.getAttribute('data-confirm'));
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
}, true);
