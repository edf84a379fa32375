// Filters for the report page. Without JavaScript the form stays hidden and everything is shown.
(function () {
  "use strict";
  // printed reports show every explanation
  window.addEventListener("beforeprint", function () {
    var ds = document.querySelectorAll("details");
    for (var i = 0; i < ds.length; i++) { ds[i].open = true; }
  });
  var form = document.getElementById("filters");
  if (!form) { return; }
  form.hidden = false;

  function checked(name) {
    var out = {};
    var boxes = form.querySelectorAll("input[name='" + name + "']");
    for (var i = 0; i < boxes.length; i++) { if (boxes[i].checked) { out[boxes[i].value] = true; } }
    return out;
  }

  function apply() {
    var sev = checked("sev");
    var code = checked("code");
    var hasCodes = form.querySelector("input[name='code']") !== null;
    var only = form.querySelector("input[name='only']").checked;
    var items = document.querySelectorAll(".finding, .finding-row");
    for (var i = 0; i < items.length; i++) {
      var el = items[i];
      var show = sev[el.getAttribute("data-sev")] && (!hasCodes || code[el.getAttribute("data-code")]);
      el.classList.toggle("filtered-out", !show);
    }
    var clauses = document.querySelectorAll(".clause");
    for (var j = 0; j < clauses.length; j++) {
      var c = clauses[j];
      var visible = c.querySelectorAll(".finding:not(.filtered-out)").length > 0;
      // a flagged clause whose findings are all filtered out loses its highlight
      c.classList.toggle("muted", c.classList.contains("flagged") && !visible);
      c.classList.toggle("filtered-out", only && !visible);
    }
  }

  form.addEventListener("change", apply);
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  apply();
})();
