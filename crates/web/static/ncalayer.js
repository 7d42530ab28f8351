// Signing through NCALayer, the desktop signer of Kazakhstan's national PKI (NCA RK).
// NCALayer listens on wss://127.0.0.1:13579 (the page's <meta name="otinish-ncalayer">). The
// current module is kz.gov.pki.knca.basics, method "sign": a CMS (attached content for the
// documents here), restricted to keys whose extended key usage fits — the signing one
// (1.3.6.1.5.5.7.3.4) for documents, the authentication one (1.3.6.1.5.5.7.3.2) for signing
// in. Older NCALayer versions have only kz.gov.pki.knca.commonUtils, method
// createCAdESFromBase64: it is used when "basics" is refused. The message shapes follow the
// public client sigex-kz/ncalayer-js-client. The key never leaves the person's machine; the
// server only verifies the result.
(function () {
  "use strict";

  var SIGNING = "1.3.6.1.5.5.7.3.4";
  var AUTHENTICATION = "1.3.6.1.5.5.7.3.2";

  function toBase64(bytes) {
    var s = "";
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s);
  }

  function utf8(text) { return new TextEncoder().encode(text); }

  function url() {
    var m = document.querySelector('meta[name="otinish-ncalayer"]');
    return (m && m.content) || "wss://127.0.0.1:13579/";
  }

  function failure(kind, message) {
    var e = new Error(message || kind);
    e.kind = kind;
    return e;
  }

  // One request on a fresh connection; resolves with the reply (after NCALayer's greeting).
  function ask(request) {
    return new Promise(function (resolve, reject) {
      var ws;
      try { ws = new WebSocket(url()); } catch (e) { reject(failure("missing")); return; }
      var done = false;
      var sent = false;
      function send() { if (!sent) { sent = true; ws.send(JSON.stringify(request)); } }
      ws.onerror = function () { if (!done) { done = true; reject(failure("missing")); } };
      ws.onclose = function () { if (!done) { done = true; reject(failure("missing")); } };
      ws.onopen = function () { setTimeout(send, 50); };
      ws.onmessage = function (msg) {
        var reply;
        try { reply = JSON.parse(msg.data); } catch (e) { return; }
        if (reply.result && reply.result.version && !("status" in reply) && !("code" in reply)) { send(); return; }
        done = true;
        ws.close();
        resolve(reply);
      };
    });
  }

  // kz.gov.pki.knca.basics / sign; falls back to commonUtils on an old NCALayer.
  function sign(base64Data, eku, lang) {
    return ask({
      module: "kz.gov.pki.knca.basics",
      method: "sign",
      args: {
        allowedStorages: null,
        format: "cms",
        data: base64Data,
        signingParams: { decode: true, encapsulate: true, digested: false },
        signerParams: { extKeyUsageOids: [eku], chain: [] },
        locale: lang
      }
    }).then(function (reply) {
      if (reply.status === true) {
        var result = reply.body && reply.body.result;
        if (Array.isArray(result)) result = result[0];
        if (!result) throw failure("cancelled");
        return result;
      }
      var message = String(reply.message || reply.details || "");
      var oldLayer = /module|not\s*found|unknown|не\s*найден/i.test(message) || reply.code === "404";
      if (!oldLayer) throw failure("failed", message);
      return ask({
        module: "kz.gov.pki.knca.commonUtils",
        method: "createCAdESFromBase64",
        args: ["PKCS12", eku === AUTHENTICATION ? "AUTHENTICATION" : "SIGNATURE", base64Data, true]
      }).then(function (old) {
        if (old.code === "200" && old.responseObject) return old.responseObject;
        var m = String(old.message || "");
        if (!m || /action\.canceled|cancel/i.test(m)) throw failure("cancelled");
        throw failure("failed", m);
      });
    });
  }

  function showError(form, button, e) {
    var p = form.querySelector(".js-ncalayer-error");
    if (!p) return;
    var text = e.kind === "missing" ? button.dataset.missing
      : e.kind === "cancelled" ? button.dataset.cancelled
      : (button.dataset.failed || "") + " " + e.message;
    p.textContent = text;
    p.hidden = false;
  }

  function lang() { return document.documentElement.lang || "ru"; }

  async function sha256Hex(buffer) {
    var d = new Uint8Array(await crypto.subtle.digest("SHA-256", buffer));
    return Array.prototype.map.call(d, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  function signAndSubmit(form, button, document, eku) {
    var p = form.querySelector(".js-ncalayer-error");
    if (p) p.hidden = true;
    sign(toBase64(utf8(document)), eku, lang()).then(function (cms) {
      form.elements.signature.value = cms;
      form.submit();
    }, function (e) { showError(form, button, e); });
  }

  // Sign-in: the challenge, with the authentication key.
  document.querySelectorAll(".js-ncalayer").forEach(function (button) {
    button.addEventListener("click", function () {
      var form = document.getElementById(button.dataset.form);
      signAndSubmit(form, button, form.dataset.sign, button.dataset.eku === "signing" ? SIGNING : AUTHENTICATION);
    });
  });

  // A prepared document (a staff member's answer, a record): the form carries it.
  document.querySelectorAll(".js-ncalayer-document").forEach(function (button) {
    button.addEventListener("click", function () {
      var form = document.getElementById(button.dataset.form);
      signAndSubmit(form, button, form.dataset.sign, SIGNING);
    });
  });

  // An appeal: the card's fields and the digests of the attached files.
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
      signAndSubmit(form, button, doc, SIGNING);
    });
  });

  // A request for a VKS reception (VC-02, VC-03): the form's fields.
  document.querySelectorAll(".js-ncalayer-vks").forEach(function (button) {
    button.addEventListener("click", function () {
      var form = document.getElementById(button.dataset.form);
      var fields = {};
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.readOnly || ["csrf", "signature", "demo_sign", "body"].indexOf(el.name) >= 0) return;
        fields[el.name] = el.value;
      });
      var doc = JSON.stringify({ otinish: "vks-request/1", form: fields });
      signAndSubmit(form, button, doc, SIGNING);
    });
  });
})();
