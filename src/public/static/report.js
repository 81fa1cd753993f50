// 码上巡察: the proof of work of the public forms (ALTCHA PoW v2, PBKDF2-SHA-256, counter as
// 4 bytes big-endian after the nonce), solved with the browser's own WebCrypto. The submit
// button stays disabled until the work is done; the solution goes in the hidden field
// `challenge` with the challenge as given.
(function () {
  'use strict';
  function fromHex(h) {
    var a = new Uint8Array(h.length / 2);
    for (var i = 0; i < a.length; i++) a[i] = parseInt(h.substr(i * 2, 2), 16);
    return a;
  }
  function toHex(buf) {
    return Array.prototype.map.call(new Uint8Array(buf), function (b) {
      return ('0' + b.toString(16)).slice(-2);
    }).join('');
  }
  async function solve(c) {
    var p = c.parameters, nonce = fromHex(p.nonce), salt = fromHex(p.salt);
    var password = new Uint8Array(nonce.length + 4);
    password.set(nonce);
    var view = new DataView(password.buffer);
    for (var n = 0; n <= 4294967295; n++) {
      view.setUint32(nonce.length, n, false);
      var key = await crypto.subtle.importKey('raw', password, 'PBKDF2', false, ['deriveBits']);
      var bits = await crypto.subtle.deriveBits(
        { name: 'PBKDF2', hash: 'SHA-256', salt: salt, iterations: p.cost }, key, p.keyLength * 8);
      var hex = toHex(bits);
      if (hex.indexOf(p.keyPrefix) === 0) return { counter: n, derivedKey: hex };
    }
    return null;
  }
  function start(form) {
    var field = form.querySelector('input[name="challenge"]');
    var button = form.querySelector('button[type="submit"]');
    var note = form.querySelector('.pow-status');
    if (!window.crypto || !crypto.subtle) {
      note.textContent = '当前浏览器无法完成安全验证:请使用页面的 https 地址打开,或更换浏览器。';
      return;
    }
    var challenge = JSON.parse(form.getAttribute('data-challenge'));
    solve(challenge).then(function (solution) {
      if (!solution) { note.textContent = '安全验证未能完成,请刷新页面重试。'; return; }
      field.value = JSON.stringify({ challenge: challenge, solution: solution });
      button.disabled = false;
      note.textContent = '安全验证已完成,可以提交。';
      note.className = 'pow-status done';
    }, function () {
      note.textContent = '安全验证未能完成,请刷新页面重试。';
    });
  }
  function ready() {
    var forms = document.querySelectorAll('form[data-challenge]');
    for (var i = 0; i < forms.length; i++) start(forms[i]);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', ready);
  else ready();
})();
