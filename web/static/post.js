// Form data posted from the designer's pages (designer.js, trial.js), with the page's CSRF token,
// answered JSON. An answer that is not JSON (an error page: a session that ended, a proxy's) is
// an Error saying `failed` (the page's words for it) and its status.
window.shenpiPost = async function (url, body, failed) {
  'use strict';
  const token = document.querySelector('meta[name=csrf-token]').content;
  const response = await fetch(url, { method: 'POST', body: body, headers: { 'X-CSRFToken': token },
                                      credentials: 'same-origin' });
  if (!(response.headers.get('Content-Type') || '').includes('json')) {
    throw new Error(failed + ' (' + response.status + ')');
  }
  return response.json();
};
