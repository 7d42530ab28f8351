// Signing on the person's own side: with NCALayer, the desktop signer of Kazakhstan's national
// PKI (NCA RK), or with the eGov mobile app by QR code. The key never leaves the person's
// machine or phone; the server only verifies the result.
//
// NCALayer listens on wss://127.0.0.1:13579 (the page's <meta name="otinish-ncalayer">). Its
// current module is kz.gov.pki.knca.basics, method "sign": a CMS (the content attached here),
// restricted to keys whose extended key usage fits — the signing one (1.3.6.1.5.5.7.3.4) for
// documents, the authentication one (1.3.6.1.5.5.7.3.2) for signing in. Older NCALayer
// versions have only kz.gov.pki.knca.commonUtils, method createCAdESFromBase64: used when
// "basics" is refused. The message shapes follow the public client sigex-kz/ncalayer-js-client.
//
// eGov mobile: the server registers the document (POST /sign/mobile) and answers with the QR
// code to show; the app reads it, signs on the phone and sends the CMS to the server; the page
// polls /sign/mobile/<id> and submits its form once the signature is there.
//
// A button <button class="js-sign" data-form=… data-kind=… data-via=…> signs: data-kind says
// what (challenge, document: the form's data-sign; appeal, vks, record: the form's fields), data-via
// how (ncalayer, mgov). The form carries the messages (data-missing, data-cancelled,
// data-failed, data-expired) and a hidden "signature" field.
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

  // kz.gov.pki.knca.basics / sign; commonUtils on an old NCALayer.
  function ncalayer(base64Data, eku) {
    return ask({
      module: "kz.gov.pki.knca.basics",
      method: "sign",
      args: {
        allowedStorages: null,
        format: "cms",
        data: base64Data,
        signingParams: { decode: true, encapsulate: true, digested: false },
        signerParams: { extKeyUsageOids: [eku], chain: [] },
        locale: document.documentElement.lang || "ru"
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

  function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

  // eGov mobile by QR: register, show the code, wait for the phone.
  async function mgov(form, base64Data, purpose) {
    var body = new URLSearchParams();
    body.set("csrf", form.elements.csrf.value);
    body.set("document", base64Data);
    body.set("purpose", purpose);
    var r = await fetch("/sign/mobile", { method: "POST", body: body, credentials: "same-origin" });
    if (!r.ok) {
      var said = "";
      try { said = (await r.json()).error || ""; } catch (e) { said = ""; }
      throw failure("failed", said || "HTTP " + r.status);
    }
    var started = await r.json();
    var box = form.querySelector(".js-mgov-qr");
    if (box) {
      box.innerHTML = started.qr_svg; // made by the server from its own address
      box.setAttribute("data-qr", started.qr);
      box.hidden = false;
    }
    var hint = form.querySelector(".js-mgov-hint");
    if (hint) hint.hidden = false;
    try {
      for (;;) {
        await sleep(1500);
        var s = await fetch("/sign/mobile/" + encodeURIComponent(started.id), { credentials: "same-origin" });
        if (!s.ok) throw failure("failed", "HTTP " + s.status);
        var state = await s.json();
        if (state.state === "signed") return state.signature;
        if (state.state === "expired") throw failure("expired");
      }
    } finally {
      if (box) box.hidden = true;
      if (hint) hint.hidden = true;
    }
  }

  async function sha256Hex(buffer) {
    var d = new Uint8Array(await crypto.subtle.digest("SHA-256", buffer));
    return Array.prototype.map.call(d, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  function fieldsOf(form, skip) {
    var fields = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.readOnly || skip.indexOf(el.name) >= 0) return;
      if (el.type === "checkbox") fields[el.name] = el.checked;
      else fields[el.name] = el.value;
    });
    return fields;
  }

  // What a button signs.
  async function documentOf(form, kind) {
    if (kind === "appeal") {
      var fields = fieldsOf(form, ["csrf", "signature", "idempotency_key", "file", "demo_sign"]);
      var files = [];
      var input = form.elements.file;
      for (var i = 0; input && i < input.files.length; i++) {
        var f = input.files[i];
        files.push({ name: f.name, sha256: await sha256Hex(await f.arrayBuffer()), size: f.size });
      }
      return JSON.stringify({ otinish: "appeal/1", applicant_type: form.dataset.applicantType, form: fields, files: files });
    }
    if (kind === "record") {
      return JSON.stringify({ otinish: "vks-record/1", reception: Number(form.dataset.reception), form: fieldsOf(form, ["csrf", "signature", "demo_sign"]) });
    }
    if (kind === "hearing") {
      return JSON.stringify({ otinish: "hearing-position/1", appeal: Number(form.dataset.appeal), hearing: Number(form.dataset.hearing), position: form.elements.position.value.trim() });
    }
    if (kind === "pr") {
      return JSON.stringify({ otinish: "pr-signup/1", form: fieldsOf(form, ["csrf", "signature", "demo_sign"]) });
    }
    if (kind === "vks") {
      return JSON.stringify({ otinish: "vks-request/1", form: fieldsOf(form, ["csrf", "signature", "demo_sign", "body"]) });
    }
    return form.dataset.sign;
  }

  function showError(form, e) {
    var p = form.querySelector(".js-sign-error");
    if (!p) return;
    var text = e.kind === "missing" ? form.dataset.missing
      : e.kind === "cancelled" ? form.dataset.cancelled
      : e.kind === "expired" ? form.dataset.expired
      : (form.dataset.failed || "") + " " + e.message;
    p.textContent = text;
    p.hidden = false;
  }

  document.querySelectorAll(".js-sign").forEach(function (button) {
    button.addEventListener("click", async function () {
      var form = document.getElementById(button.dataset.form);
      var p = form.querySelector(".js-sign-error");
      if (p) p.hidden = true;
      var kind = button.dataset.kind;
      try {
        var data = toBase64(utf8(await documentOf(form, kind)));
        var cms = button.dataset.via === "mgov"
          ? await mgov(form, data, button.dataset.purpose || "appeal")
          : await ncalayer(data, kind === "challenge" ? AUTHENTICATION : SIGNING);
        form.elements.signature.value = cms;
        form.submit();
      } catch (e) {
        showError(form, e.kind ? e : failure("failed", e.message));
      }
    });
  });
})();
