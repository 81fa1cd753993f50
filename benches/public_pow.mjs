// 码上巡察 (issue 13): what the public form's proof of work costs a browser. The same loop as
// src/public/static/report.js (WebCrypto PBKDF2-SHA-256, the counter as 4 bytes big-endian
// after the nonce) at the defaults (2,000 iterations a try; the counter falls in 100–400).
// Run: node benches/public_pow.mjs   (Node 19+: WebCrypto is global)
const subtle = globalThis.crypto.subtle;
const nonce = crypto.getRandomValues(new Uint8Array(16)), salt = crypto.getRandomValues(new Uint8Array(16));
const pw = new Uint8Array(20); pw.set(nonce); const v = new DataView(pw.buffer);
const t0 = performance.now();
for (let n = 0; n < 400; n++) {
  v.setUint32(16, n, false);
  const key = await subtle.importKey('raw', pw, 'PBKDF2', false, ['deriveBits']);
  await subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations: 2000 }, key, 256);
}
const ms = performance.now() - t0;
console.log(`400 tries of PBKDF2-SHA-256 x2000: ${ms.toFixed(0)} ms (${(ms/400).toFixed(2)} ms a try); expected counter 250 -> ${(ms/400*250).toFixed(0)} ms, worst 400 -> ${ms.toFixed(0)} ms`);
