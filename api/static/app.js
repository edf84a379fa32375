// Progressive enhancement of the web page: drag-and-drop upload with a progress bar, feedback without
// reloading, confirmation before deleting. Without JavaScript the plain forms do the same work.
(function () {
  "use strict";

  function errorMessage(xhr) {
    try {
      var body = JSON.parse(xhr.responseText);
      if (body && body.error && body.error.message) { return body.error.message; }
    } catch (e) { /* not JSON */ }
    return "Máy chủ trả lỗi HTTP " + xhr.status + ".";
  }

  // ------------------------------------------------------------------ upload
  function setupUpload() {
    var form = document.getElementById("upload-form");
    if (!form || !window.FormData || !window.XMLHttpRequest) { return; }
    var input = document.getElementById("file");
    var zone = document.getElementById("dropzone");
    var label = document.getElementById("dz-file");
    var box = document.getElementById("progress");
    var bar = document.getElementById("progress-bar");
    var text = document.getElementById("progress-text");
    var alert = document.getElementById("upload-error");
    var button = document.getElementById("upload-submit");

    function showFile() {
      label.textContent = input.files && input.files.length ? input.files[0].name : "";
    }
    input.addEventListener("change", showFile);
    ["dragenter", "dragover"].forEach(function (ev) {
      zone.addEventListener(ev, function (e) { e.preventDefault(); zone.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (ev) {
      zone.addEventListener(ev, function (e) { e.preventDefault(); zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (e) {
      if (e.dataTransfer && e.dataTransfer.files && e.dataTransfer.files.length) {
        input.files = e.dataTransfer.files;
        showFile();
      }
    });

    form.addEventListener("submit", function (e) {
      if (!input.files || !input.files.length) { return; }  // let the browser say the file is required
      e.preventDefault();
      var max = parseInt(form.getAttribute("data-max-bytes"), 10);
      if (max && input.files[0].size > max) {  // refuse before sending megabytes the server will refuse
        alert.textContent = "Tệp có dung lượng " + (input.files[0].size / 1048576).toFixed(1) +
          " MB, vượt giới hạn " + Math.round(max / 1048576) + " MB cho mỗi tài liệu.";
        alert.hidden = false;
        return;
      }
      var data = new FormData(form);
      ["profile", "sector"].forEach(function (k) { if (!data.get(k)) { data.delete(k); } });  // "" = default
      var xhr = new XMLHttpRequest();
      xhr.open("POST", "/v1/reviews");
      xhr.setRequestHeader("Accept", "application/json");
      alert.hidden = true;
      box.hidden = false;
      button.disabled = true;
      bar.value = 0;
      text.textContent = "Đang tải lên…";
      xhr.upload.addEventListener("progress", function (ev) {
        if (ev.lengthComputable) {
          bar.value = Math.round(ev.loaded / ev.total * 100);
          text.textContent = "Đang tải lên… " + bar.value + "%";
        }
      });
      xhr.upload.addEventListener("load", function () {
        bar.removeAttribute("value");  // indeterminate while the server analyses
        text.textContent = "Đã tải lên, đang phân tích hợp đồng…";
      });
      xhr.addEventListener("load", function () {
        if (xhr.status === 201) {
          var report = JSON.parse(xhr.responseText);
          text.textContent = "Xong. Đang mở báo cáo…";
          window.location.href = "/reviews/" + encodeURIComponent(report.id);
          return;
        }
        if (xhr.status === 401) { window.location.href = "/login?next=/"; return; }
        box.hidden = true;
        button.disabled = false;
        alert.textContent = errorMessage(xhr);
        alert.hidden = false;
      });
      xhr.addEventListener("error", function () {
        box.hidden = true;
        button.disabled = false;
        alert.textContent = "Mất kết nối tới máy chủ. Vui lòng thử lại.";
        alert.hidden = false;
      });
      xhr.send(data);
    });
  }

  // ------------------------------------------------------------------ feedback
  function setupFeedback() {
    var forms = document.querySelectorAll("form.cr-feedback[data-api]");
    Array.prototype.forEach.call(forms, function (form) {
      var clicked = null;
      Array.prototype.forEach.call(form.querySelectorAll("button[name=verdict]"), function (b) {
        b.addEventListener("click", function () { clicked = b; });
      });
      form.addEventListener("submit", function (e) {
        if (!clicked || !window.fetch) { return; }
        e.preventDefault();
        var status = form.querySelector(".fb-status");
        var note = form.querySelector("input[name=note]");
        var verdict = clicked.value;
        status.textContent = "Đang lưu…";
        fetch(form.getAttribute("data-api"), {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "Accept": "application/json" },
          body: JSON.stringify({ verdict: verdict, note: note ? note.value : "" })
        }).then(function (resp) {
          return resp.json().then(function (body) { return { ok: resp.ok, body: body }; });
        }).then(function (r) {
          if (!r.ok) { throw new Error(r.body && r.body.error ? r.body.error.message : "Lỗi khi lưu phản hồi."); }
          Array.prototype.forEach.call(form.querySelectorAll("button[name=verdict]"), function (b) {
            b.setAttribute("aria-pressed", b.value === verdict ? "true" : "false");
          });
          status.textContent = (verdict === "confirmed" ? "Đã xác nhận: phát hiện đúng" : "Đã bác bỏ: phát hiện sai") +
            " (" + r.body.author + ")";
        }).catch(function (err) {
          status.textContent = err.message;
        });
      });
    });
  }

  function setupConfirm() {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-confirm]"), function (form) {
      form.addEventListener("submit", function (e) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { e.preventDefault(); }
      });
    });
  }

  function init() { setupUpload(); setupFeedback(); setupConfirm(); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
