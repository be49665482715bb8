// An applicant's kind and ID type go together: an organisation registers with its unified social
// credit code, a person with a personal ID. Choosing the kind picks the matching ID type (the
// server checks the pair either way).
(function () {
  var kind = document.getElementById('kind');
  var idType = document.getElementById('id_type');
  if (!kind || !idType) { return; }
  kind.addEventListener('change', function () {
    var company = kind.value === 'company';
    if (company && idType.value !== 'uscc') { idType.value = 'uscc'; }
    if (!company && idType.value === 'uscc') { idType.value = 'id_card'; }
  });
})();
