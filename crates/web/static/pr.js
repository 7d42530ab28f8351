// The call-center screen: Ctrl+Enter sends the sign-up from any field; after a sign-up the
// form is empty again with the cursor in its first field.
document.addEventListener('keydown', function (e) {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
    var f = document.getElementById('take');
    if (f) { e.preventDefault(); f.requestSubmit(); }
  }
});
