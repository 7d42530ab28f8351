// Signing through NCALayer, the desktop signer of Kazakhstan's national PKI.
// It listens on wss://127.0.0.1:13579 and signs with module kz.gov.pki.knca.commonUtils,
// method createCAdESFromBase64(storage, keyType, base64Data, attach) -> CMS (base64).
// The key never leaves the applicant's machine; the server only verifies the result.
(function () {
  "use strict";

  function toBase64(bytes) {
    var s = "";
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s);
  }

  function utf8(text) { return new TextEncoder().encode(text); }

  function sign(base64Data) {
    return new Promise(function (resolve, reject) {
      var ws;
      try { ws = new WebSocket("wss://127.0.0.1:13579/"); } catch (e) { reject(new Error("missing")); return; }
      var done = false;
      ws.onerror = function () { if (!done) { done = true; reject(new Error("missing")); } };
      ws.onopen = function () {
        ws.send(JSON.stringify({
          module: "kz.gov.pki.knca.commonUtils",
          method: "createCAdESFromBase64",
          args: ["PKCS12", "SIGNATURE", base64Data, true]
        }));
      };
      ws.onmessage = function (msg) {
        var reply;
        try { reply = JSON.parse(msg.data); } catch (e) { return; }
        if (reply.result && reply.result.version) return; // the greeting
        done = true;
        ws.close();
        if (reply.code === "200" && reply.responseObject) resolve(reply.responseObject);
        else reject(new Error(reply.message || "cancelled"));
      };
    });
  }

  function showError(form, text) {
    var p = form.querySelector(".js-ncalayer-error");
    if (p) { p.textContent = text; p.hidden = false; }
  }

  async function sha256Hex(buffer) {
    var d = new Uint8Array(await crypto.subtle.digest("SHA-256", buffer));
    return Array.prototype.map.call(d, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  // Sign-in: sign the challenge.
  document.querySelectorAll(".js-ncalayer").forEach(function (button) {
    button.addEventListener("click", function () {
      var form = document.getElementById(button.dataset.form);
      sign(toBase64(utf8(form.dataset.sign))).then(function (cms) {
        form.elements.signature.value = cms;
        form.submit();
      }, function (e) {
        showError(form, e.message === "missing" ? button.dataset.missing : e.message);
      });
    });
  });

  // An appeal: sign the card's fields and the digests of the attached files.
  document.querySelectorAll(".js-ncalayer-appeal").forEach(function (button) {
    button.addEventListener("click", async function () {
      var form = document.getElementById(button.dataset.form);
      var fields = {};
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.readOnly || ["csrf", "signature", "idempotency_key", "file", "demo_sign"].indexOf(el.name) >= 0) return;
        if (el.type === "checkbox") fields[el.name] = el.checked;
        else fields[el.name] = el.value;
      });
      var files = [];
      var input = form.elements.file;
      for (var i = 0; input && i < input.files.length; i++) {
        var f = input.files[i];
        files.push({ name: f.name, sha256: await sha256Hex(await f.arrayBuffer()), size: f.size });
      }
      var doc = JSON.stringify({ otinish: "appeal/1", applicant_type: form.dataset.applicantType, form: fields, files: files });
      sign(toBase64(utf8(doc))).then(function (cms) {
        form.elements.signature.value = cms;
        form.submit();
      }, function (e) {
        showError(form, e.message === "missing" ? button.dataset.missing : e.message);
      });
    });
  });
  // A request for a VKS reception (VC-02, VC-03): sign the form's fields.
  document.querySelectorAll(".js-ncalayer-vks").forEach(function (button) {
    button.addEventListener("click", function () {
      var form = document.getElementById(button.dataset.form);
      var fields = {};
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.readOnly || ["csrf", "signature", "demo_sign", "body"].indexOf(el.name) >= 0) return;
        fields[el.name] = el.value;
      });
      var doc = JSON.stringify({ otinish: "vks-request/1", form: fields });
      sign(toBase64(utf8(doc))).then(function (cms) {
        form.elements.signature.value = cms;
        form.submit();
      }, function (e) {
        showError(form, e.message === "missing" ? button.dataset.missing : e.message);
      });
    });
  });
})();
