// Ask before a form marked data-confirm is sent (close, delete, revoke). Without JavaScript
// the forms still work; the server checks the CSRF token either way.
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
