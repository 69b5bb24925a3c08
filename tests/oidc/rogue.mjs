// A deliberately misbehaving OpenID Connect provider for Rolehub's tests: it serves the code
// flow (PKCE S256, auto-approved, no login page) and issues ID tokens that a real provider never
// would, so that the relying party's checks can be exercised one by one.
//
// Started as `node tests/oidc/rogue.mjs`; configured through the environment:
//   OIDC_MODULES        a node_modules directory holding `jose` 6 (e.g. the one oidc-provider
//                       is installed in; required)
//   OIDC_HOST           address to listen on (default 127.0.0.1)
//   OIDC_PORT           port to listen on (default 0: pick a free one)
//   OIDC_CLIENT_ID, OIDC_CLIENT_SECRET
//                       the one accepted client (any redirect_uri is accepted)
//
// Once listening it prints one line `issuer=http://HOST:PORT` on stdout and runs until killed.
//
// `POST /mode/<name>` picks what the next ID tokens look like (default `ok`):
//   ok                signed with k1, everything as it should be
//   wrong_audience    aud is "another-client"
//   expired           iat two hours ago, exp one hour ago
//   tampered          payload swapped for one naming admin@acme.example, signature kept
//   wrong_nonce       nonce is "not-the-nonce"
//   rotated           signed with k2; from then on the JWKS publishes k1 and k2
//   unverified_email  email_verified is false
//   no_email          neither email nor email_verified
//   wrong_issuer      iss is "http://evil.example"
// The email (also sub and name) is the authorization request's login_hint lower-cased, or
// user001@acme.example without one.
// For tests only: plain http, throwaway keys and secrets, state kept in memory.

import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const env = process.env;
const need = (name) => {
  if (!env[name]) {
    console.error(`rogue: ${name} must be set`);
    process.exit(2);
  }
  return env[name];
};

const modules = need('OIDC_MODULES');
const clientId = need('OIDC_CLIENT_ID');
const clientSecret = need('OIDC_CLIENT_SECRET');
const host = env.OIDC_HOST || '127.0.0.1';
const port = Number(env.OIDC_PORT || 0);

// jose 6 is ESM-only and outside this script's lookup path (see provider.mjs): resolve its entry
// file from OIDC_MODULES (its exports map has a `default` condition, so require.resolve finds it)
// and import that file by URL.
const entry = createRequire(import.meta.url).resolve('jose', { paths: [modules] });
const { generateKeyPair, exportJWK, SignJWT, calculateJwkThumbprint } =
  await import(pathToFileURL(entry).href);

// jose 6 returns WebCrypto CryptoKeys; the private halves stay non-extractable, which is fine.
const makeKey = async () => {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { kid, privateKey, jwk: { ...jwk, kid, alg: 'RS256', use: 'sig' } };
};
const k1 = await makeKey();
const k2 = await makeKey();

const MODES = new Set(['ok', 'wrong_audience', 'expired', 'tampered', 'wrong_nonce', 'rotated',
  'unverified_email', 'no_email', 'wrong_issuer']);
let mode = 'ok';
// k2 stays published once it has been, as after a real rotation.
let rotatedOnce = false;
const codes = new Map(); // code → { nonce, loginHint, codeChallenge }

const b64url = (buf) => Buffer.from(buf).toString('base64url');

async function idToken(issuer, { nonce, loginHint }) {
  const now = Math.floor(Date.now() / 1000);
  const email = loginHint ? loginHint.toLowerCase() : 'user001@acme.example';
  const claims = {
    iss: mode === 'wrong_issuer' ? 'http://evil.example' : issuer,
    sub: email,
    aud: mode === 'wrong_audience' ? 'another-client' : clientId,
    iat: mode === 'expired' ? now - 7200 : now,
    exp: mode === 'expired' ? now - 3600 : now + 300,
    nonce: mode === 'wrong_nonce' ? 'not-the-nonce' : nonce,
    email,
    email_verified: mode !== 'unverified_email',
    name: email,
  };
  if (mode === 'no_email') {
    delete claims.email;
    delete claims.email_verified;
  }
  const key = mode === 'rotated' ? k2 : k1;
  const jwt = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
    .sign(key.privateKey);
  if (mode !== 'tampered') return jwt;
  // Keep header and signature, swap the payload: only signature verification can catch it.
  const [header, , signature] = jwt.split('.');
  const forged = { ...claims, sub: 'admin@acme.example', email: 'admin@acme.example' };
  return `${header}.${b64url(JSON.stringify(forged))}.${signature}`;
}

// RFC 6749 §2.3.1: the Basic credentials are form-urlencoded before being joined with ':'.
const formDecode = (s) => decodeURIComponent(s.replace(/\+/g, ' '));

function clientOf(req, form) {
  const auth = req.headers.authorization;
  if (auth) {
    const m = /^Basic\s+(\S+)$/i.exec(auth);
    if (!m) return null;
    const decoded = Buffer.from(m[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return null;
    try {
      return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
    } catch {
      return null; // malformed %-escape
    }
  }
  return { id: form.get('client_id'), secret: form.get('client_secret') };
}

const send = (res, status, body, headers = {}) => {
  const json = body !== undefined && typeof body !== 'string';
  res.writeHead(status, {
    ...(body === undefined ? {} : { 'Content-Type': json ? 'application/json' : 'text/plain; charset=utf-8' }),
    ...headers,
  });
  res.end(body === undefined ? undefined : json ? JSON.stringify(body) : body);
};

const readBody = (req) => new Promise((resolve, reject) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  req.on('error', reject);
});

async function handle(req, res, issuer) {
  const url = new URL(req.url, issuer);
  const path = url.pathname;

  if (req.method === 'GET' && path === '/.well-known/openid-configuration') {
    return send(res, 200, {
      issuer,
      authorization_endpoint: `${issuer}/auth`,
      token_endpoint: `${issuer}/token`,
      jwks_uri: `${issuer}/jwks`,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      scopes_supported: ['openid', 'email', 'profile'],
      code_challenge_methods_supported: ['S256'],
      // The redirect carries `iss` (RFC 9207), so say so.
      authorization_response_iss_parameter_supported: true,
    });
  }

  if (req.method === 'GET' && path === '/jwks') {
    return send(res, 200, { keys: rotatedOnce ? [k1.jwk, k2.jwk] : [k1.jwk] });
  }

  if (req.method === 'POST' && path.startsWith('/mode/')) {
    const name = path.slice('/mode/'.length);
    if (!MODES.has(name)) return send(res, 400, `unknown mode ${name}\n`);
    mode = name;
    if (name === 'rotated') rotatedOnce = true;
    console.error(`rogue: mode ${name}`);
    return send(res, 204);
  }

  if (req.method === 'GET' && path === '/auth') {
    const q = url.searchParams;
    const missing = ['response_type', 'client_id', 'redirect_uri', 'state', 'nonce',
      'code_challenge', 'code_challenge_method'].filter((p) => !q.get(p));
    if (missing.length) return send(res, 400, `missing ${missing.join(', ')}\n`);
    if (q.get('response_type') !== 'code') return send(res, 400, 'response_type must be code\n');
    if (q.get('client_id') !== clientId) return send(res, 400, 'unknown client_id\n');
    if (q.get('code_challenge_method') !== 'S256') return send(res, 400, 'code_challenge_method must be S256\n');
    const code = b64url(randomBytes(24));
    codes.set(code, {
      nonce: q.get('nonce'),
      loginHint: q.get('login_hint') || null,
      codeChallenge: q.get('code_challenge'),
    });
    const redirect = q.get('redirect_uri');
    const sep = redirect.includes('?') ? '&' : '?';
    const location = `${redirect}${sep}code=${code}&state=${encodeURIComponent(q.get('state'))}`
      + `&iss=${encodeURIComponent(issuer)}`;
    return send(res, 302, undefined, { Location: location });
  }

  if (req.method === 'POST' && path === '/token') {
    const form = new URLSearchParams(await readBody(req));
    const client = clientOf(req, form);
    if (!client || client.id !== clientId || client.secret !== clientSecret) {
      return send(res, 401, { error: 'invalid_client' });
    }
    if (form.get('grant_type') !== 'authorization_code') {
      return send(res, 400, { error: 'unsupported_grant_type' });
    }
    const code = form.get('code');
    const grant = code && codes.get(code);
    if (!grant) return send(res, 400, { error: 'invalid_grant' });
    codes.delete(code); // single use, even when the verifier turns out wrong
    const verifier = form.get('code_verifier') || '';
    if (b64url(createHash('sha256').update(verifier).digest()) !== grant.codeChallenge) {
      return send(res, 400, { error: 'invalid_grant' });
    }
    return send(res, 200, {
      access_token: b64url(randomBytes(24)),
      token_type: 'Bearer',
      expires_in: 300,
      id_token: await idToken(issuer, grant),
    }, { 'Cache-Control': 'no-store', Pragma: 'no-cache' });
  }

  return send(res, 404, 'not found\n');
}

const server = createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(port, host, resolve);
});
const issuer = `http://${host}:${server.address().port}`;
server.on('request', (req, res) => {
  handle(req, res, issuer).catch((err) => {
    console.error(`rogue: ${req.method} ${req.url}: ${err.stack || err}`);
    if (!res.headersSent) send(res, 500, { error: 'server_error' });
    else res.destroy();
  });
});

process.stdout.write(`issuer=${issuer}\n`);
console.error(`rogue: listening as ${issuer}`);

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => process.exit(0));
}
