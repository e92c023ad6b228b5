// vpe1.cjs builds and opens VPE1 envelopes (docs/envelope.md) with code
// nobody in callscope wrote: @hpke/core + @hpke/chacha20poly1305 for the
// HPKE schemes, libsodium-wrappers for sealed boxes. Everything format
// specific (kid, rcpt, the 58-byte AAD, bind) is computed here from the
// document, not taken from Go, so a test passing means both sides read the
// format the same way. Protocol: one JSON request on stdin, one JSON answer
// on stdout; errors go to stderr with exit status 1.
"use strict";
const nodeCrypto = require("node:crypto");
const { CipherSuite, DhkemX25519HkdfSha256, DhkemP256HkdfSha256, HkdfSha256, Aes256Gcm } = require("@hpke/core");
const { Chacha20Poly1305 } = require("@hpke/chacha20poly1305");
const sodium = require("libsodium-wrappers");

const SCHEMES = {
  "hpke-x25519-sha256-chacha20poly1305": { id: 1, suite: () => new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Chacha20Poly1305() }) },
  "hpke-p256-sha256-aes256gcm": { id: 2, suite: () => new CipherSuite({ kem: new DhkemP256HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() }) },
  "sodium-sealedbox-x25519-xsalsa20poly1305": { id: 3, suite: null },
};
const INFO = Buffer.from("VPE1 call-request");

const b64 = (b) => Buffer.from(b).toString("base64url");
const unb64 = (s) => Buffer.from(s, "base64url");
const sha256 = (...parts) => nodeCrypto.createHash("sha256").update(Buffer.concat(parts)).digest();
const buf = (ab) => new Uint8Array(ab).buffer.slice(0);

// Caller signatures (docs/envelope.md): Ed25519 over
// SHA-256(aad) ‖ "VPE1 sig" ‖ str(type) ‖ str(call_uuid) ‖ str(caller.handle) ‖
// str(caller.handle_type) ‖ str(caller.name) ‖ u8(video) ‖ str(text) ‖ str(signer_kid),
// str(s) = u32be(UTF-8 length) ‖ UTF-8 bytes; a missing member is "".
const PKCS8_ED25519 = Buffer.from("302e020100300506032b657004220420", "hex");
const SPKI_ED25519 = Buffer.from("302a300506032b6570032100", "hex");
function signerKid(pub) { return sha256(Buffer.from("VPE1 signer"), pub).subarray(0, 8); }
function str(s) {
  const b = Buffer.from(s || "", "utf8");
  const n = Buffer.alloc(4);
  n.writeUInt32BE(b.length);
  return Buffer.concat([n, b]);
}
function signedBytes(a, pt) {
  const c = pt.caller || {};
  return Buffer.concat([sha256(a), Buffer.from("VPE1 sig"), str(pt.type), str(pt.call_uuid), str(c.handle),
    str(c.handle_type), str(c.name), Buffer.from([pt.video ? 1 : 0]), str(pt.text), str(pt.signer_kid)]);
}
function sign(a, pt, seed) {
  const priv = nodeCrypto.createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: "der", type: "pkcs8" });
  const pub = nodeCrypto.createPublicKey(priv).export({ format: "der", type: "spki" }).subarray(SPKI_ED25519.length);
  pt.signer_kid = b64(signerKid(pub));
  pt.sig = b64(nodeCrypto.sign(null, signedBytes(a, pt), priv));
}
function verify(a, pt, pub) {
  if (!pt.sig || pt.signer_kid !== b64(signerKid(pub))) return false;
  const key = nodeCrypto.createPublicKey({ key: Buffer.concat([SPKI_ED25519, pub]), format: "der", type: "spki" });
  return nodeCrypto.verify(null, signedBytes(a, pt), key, unb64(pt.sig));
}
// pad rounds the JSON up to a multiple of 512 bytes with a "pad" member of spaces.
function pad(pt) {
  delete pt.pad;
  const n = Buffer.byteLength(JSON.stringify(pt)) + ',"pad":""'.length;
  pt.pad = " ".repeat(Math.ceil(n / 512) * 512 - n);
  return Buffer.from(JSON.stringify(pt));
}

function kid(id, pub) { return sha256(Buffer.from("VPE1 kid"), Buffer.from([id]), pub).subarray(0, 8); }
function rcpt(token) { return sha256(Buffer.from("VPE1 rcpt"), token).subarray(0, 16); }

// aad is "VPE1" ‖ u8 v ‖ u8 scheme id ‖ kid(8) ‖ rcpt(16) ‖ u64be ts ‖ u32be ttl ‖ nonce(16).
function aad(h) {
  const b = Buffer.alloc(58);
  b.write("VPE1", 0, "ascii");
  b[4] = h.v;
  b[5] = SCHEMES[h.alg].id;
  unb64(h.kid).copy(b, 6);
  unb64(h.rcpt).copy(b, 14);
  b.writeBigUInt64BE(BigInt(h.ts), 30);
  b.writeUInt32BE(h.ttl, 38);
  unb64(h.nonce).copy(b, 42);
  return b;
}

async function seal(req) {
  const s = SCHEMES[req.alg];
  const pub = unb64(req.public_key);
  const h = { v: 1, alg: req.alg, kid: b64(kid(s.id, pub)), rcpt: b64(rcpt(Buffer.from(req.device_token, "hex"))),
    ts: req.ts, ttl: req.ttl, nonce: b64(nodeCrypto.randomBytes(16)) };
  const a = aad(h);
  const pt = Object.assign({}, req.plaintext, { sent_ms: h.ts, nonce: h.nonce });
  if (!s.suite) pt.bind = b64(sha256(a));
  if (req.signing_key) sign(a, pt, unb64(req.signing_key));
  const body = pad(pt);
  if (!s.suite) {
    await sodium.ready;
    h.ct = b64(sodium.crypto_box_seal(body, pub));
    return h;
  }
  const suite = s.suite();
  const pk = await suite.kem.deserializePublicKey(buf(pub));
  const sender = await suite.createSenderContext({ recipientPublicKey: pk, info: buf(INFO) });
  const ct = await sender.seal(buf(body), buf(a));
  return Object.assign(h, { enc: b64(sender.enc), ct: b64(ct) });
}

async function open(req) {
  const e = req.envelope;
  const s = SCHEMES[e.alg];
  const pub = unb64(req.public_key), priv = unb64(req.private_key);
  if (e.kid !== b64(kid(s.id, pub))) throw new Error("kid " + e.kid + " is not this key's " + b64(kid(s.id, pub)));
  if (e.rcpt !== b64(rcpt(Buffer.from(req.device_token, "hex")))) throw new Error("rcpt is not this device's");
  const a = aad(e);
  let pt;
  if (!s.suite) {
    await sodium.ready;
    pt = sodium.crypto_box_seal_open(unb64(e.ct), pub, priv);
  } else {
    const suite = s.suite();
    const sk = await suite.kem.deserializePrivateKey(buf(priv));
    const r = await suite.createRecipientContext({ recipientKey: sk, enc: buf(unb64(e.enc)), info: buf(INFO) });
    pt = new Uint8Array(await r.open(buf(unb64(e.ct)), buf(a)));
  }
  const obj = JSON.parse(Buffer.from(pt).toString("utf8"));
  if (!s.suite && obj.bind !== b64(sha256(a))) throw new Error("bind does not match the header");
  if (obj.nonce !== e.nonce || obj.sent_ms !== e.ts) throw new Error("inner nonce/sent_ms differ from the header");
  const out = { plaintext: obj, aad: a.toString("hex"), plaintext_bytes: pt.length };
  if (req.signer_public_key) out.sig_ok = verify(a, obj, unb64(req.signer_public_key));
  return out;
}

let input = "";
process.stdin.on("data", (d) => (input += d));
process.stdin.on("end", async () => {
  try {
    const req = JSON.parse(input);
    const out = req.op === "seal" ? await seal(req) : await open(req);
    process.stdout.write(JSON.stringify(out));
  } catch (err) {
    process.stderr.write(String(err && err.stack || err) + "\n");
    process.exit(1);
  }
});
