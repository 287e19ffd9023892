// Autosave reflections as the teacher types (progressive enhancement: the Save button still works).
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.fetch) { return; }
  var status = form.querySelector("[data-autosave-status]");
  var timer = null;
  var last = null;
  function save() {
    var body = new FormData(form);
    var text = body.get("response");
    if (text === last) { return; }
    fetch(form.action, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-Autosave": "1" }
    }).then(function (response) {
      if (response.ok) { last = text; status.textContent = "Saved."; }
      else { status.textContent = "Not saved yet; use the Save button."; }
    }).catch(function () { status.textContent = "Not saved yet; use the Save button."; });
  }
  form.addEventListener("input", function () {
    if (timer) { clearTimeout(timer); }
    status.textContent = "";
    timer = setTimeout(save, 1500);
  });
})();
