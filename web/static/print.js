// A button marked data-print prints the page: a script file, as the Content-Security-Policy
// runs no inline script (no onclick attribute).
document.addEventListener('click', function (event) {
  if (event.target.closest && event.target.closest('[data-print]')) {
    window.print();
  }
});
