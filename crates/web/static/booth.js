// The video appeal booth: records at most 3 minutes (VA-04) with a visible countdown and sends
// the recording with the form; the server measures the recording itself. Then the receipt
// (VA-05) is shown and printed; "Another appeal" keeps the addressee for the next part.
// The session ends with "Finish", or by itself after a few idle minutes (sooner once the
// receipt is shown): the page starts clean, so the next person sees nothing of the last.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });
  var root = document.getElementById("booth");
  if (!root) return;
  var MAX = 180;
  var form = document.getElementById("booth-form");
  var video = document.getElementById("preview");
  var start = document.getElementById("record-start");
  var stop = document.getElementById("record-stop");
  var left = document.getElementById("countdown");
  var status = document.getElementById("record-status");
  var errors = document.getElementById("booth-errors");
  var receipt = document.getElementById("receipt");
  var kind = document.getElementById("kind");
  var complaint = document.getElementById("complaint");
  var recorder = null, chunks = [], timer = null, startedAt = 0, stream = null;

  function fmt(s) { return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0"); }
  function showComplaint() { complaint.hidden = kind.value !== "complaint"; }
  kind.addEventListener("change", showComplaint);
  showComplaint();
  // VA-06: only the officials of the chosen body.
  var bodySel = document.getElementById("body");
  var official = document.getElementById("official");
  function filterOfficials() {
    Array.prototype.forEach.call(official.options, function (o) {
      if (o.value) o.hidden = o.dataset.body !== bodySel.value;
    });
    var chosen = official.options[official.selectedIndex];
    if (chosen && chosen.hidden) official.value = "";
  }
  bodySel.addEventListener("change", filterOfficials);
  filterOfficials();

  function tick() {
    var s = Math.max(0, MAX - Math.floor((Date.now() - startedAt) / 1000));
    left.textContent = fmt(s);
    if (s <= 0) finish();
  }

  function begin() {
    errors.innerHTML = "";
    if (!form.reportValidity()) return;
    navigator.mediaDevices.getUserMedia({ video: true, audio: true }).then(function (s) {
      stream = s;
      video.srcObject = s;
      video.play().catch(function () {});
      chunks = [];
      var types = ["video/webm;codecs=vp8,opus", "video/webm"];
      var type = types.find(function (t) { return MediaRecorder.isTypeSupported(t); });
      recorder = type ? new MediaRecorder(s, { mimeType: type }) : new MediaRecorder(s);
      recorder.ondataavailable = function (e) { if (e.data && e.data.size) chunks.push(e.data); };
      recorder.onstop = send;
      recorder.start(1000);
      startedAt = Date.now();
      start.disabled = true;
      stop.disabled = false;
      status.textContent = root.dataset.recording;
      tick();
      timer = setInterval(tick, 250);
    }).catch(function () { status.textContent = root.dataset.noCamera; });
  }

  function finish() {
    if (recorder && recorder.state === "recording") {
      clearInterval(timer);
      stop.disabled = true;
      status.textContent = root.dataset.sending;
      recorder.stop();
    }
  }

  function send() {
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    var data = new FormData(form);
    data.append("recording", new Blob(chunks, { type: "video/webm" }), "appeal.webm");
    fetch(form.action, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .catch(function () { return { ok: false, errors: [{ field: "", message: root.dataset.failed }] }; })
      .then(function (j) {
        if (j.ok) {
          document.getElementById("receipt-number").textContent = j.number;
          document.getElementById("receipt-sent").textContent = j.sent_at;
          document.getElementById("receipt-length").textContent = j.length;
          document.getElementById("receipt-due").textContent = j.due;
          document.getElementById("receipt-code").textContent = j.code;
          document.getElementById("receipt-barcode").innerHTML = j.barcode;
          receipt.hidden = false;
          form.hidden = true;
          document.querySelector(".recorder").hidden = true;
          status.textContent = "";
        } else {
          (j.errors || []).forEach(function (e) {
            var li = document.createElement("li");
            var label = e.field && document.querySelector("label[for='" + e.field + "']");
            li.textContent = (label ? label.textContent + ": " : "") + e.message;
            errors.appendChild(li);
          });
          status.textContent = "";
          start.disabled = false;
          left.textContent = fmt(MAX);
        }
      });
  }

  // A clean start: the form emptied and the page loaded afresh (the receipt and its secret
  // code gone with it).
  function endSession() {
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    form.reset();
    location.replace(location.pathname);
  }
  var lastActivity = Date.now();
  ["pointerdown", "keydown", "input", "touchstart"].forEach(function (e) {
    document.addEventListener(e, function () { lastActivity = Date.now(); }, true);
  });
  // The limits are read on every check, from the page (seconds).
  setInterval(function () {
    if (recorder && recorder.state === "recording") { lastActivity = Date.now(); return; }
    var limit = Number(receipt.hidden ? root.dataset.idleForm : root.dataset.idleReceipt);
    var touched = !receipt.hidden || Array.prototype.some.call(form.elements, function (e) {
      return (e.type === "text" || e.type === "email" || e.tagName === "TEXTAREA") && e.value;
    });
    if (touched && limit > 0 && Date.now() - lastActivity > limit * 1000) endSession();
  }, 1000);

  start.addEventListener("click", begin);
  document.getElementById("finish").addEventListener("click", endSession);
  stop.addEventListener("click", finish);
  document.getElementById("print").addEventListener("click", function () { window.print(); });
  // VA-04: more than 3 minutes is a new appeal to the same addressee, one touch away.
  document.getElementById("again").addEventListener("click", function () {
    receipt.hidden = true;
    form.hidden = false;
    document.querySelector(".recorder").hidden = false;
    start.disabled = false;
    left.textContent = fmt(MAX);
  });
})();
