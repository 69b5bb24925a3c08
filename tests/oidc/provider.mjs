// A small OpenID Connect provider for Rolehub's tests, built on the npm package oidc-provider 9.
//
// Started as `node tests/oidc/provider.mjs`; configured through the environment:
//   OIDC_MODULES        the node_modules directory oidc-provider is installed in (required)
//   OIDC_HOST           address to listen on (default 127.0.0.1)
//   OIDC_PORT           port to listen on (default 0: pick a free one)
//   OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URI
//                       the one registered confidential client (code flow, PKCE S256)
//   OIDC_KEYS           number of RS256 keys published in the JWKS (1 or 2; the first signs)
//
// Once listening it prints one line `issuer=http://HOST:PORT` on stdout and runs until killed.
// Sign-in goes through oidc-provider's built-in development login and consent pages: any login
// name is accepted (the password is ignored) and becomes the account's `sub`, `email` and `name`.
// For tests only: the issuer is plain http, accounts and secrets are throwaway.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const env = process.env;
const need = (name) => {
  if (!env[name]) {
    console.error(`oidc: ${name} must be set`);
    process.exit(2);
  }
  return env[name];
};

const modules = need('OIDC_MODULES');
const clientId = need('OIDC_CLIENT_ID');
const clientSecret = need('OIDC_CLIENT_SECRET');
const redirectUri = need('OIDC_REDIRECT_URI');
const host = env.OIDC_HOST || '127.0.0.1';
const port = Number(env.OIDC_PORT || 0);
const keyCount = Number(env.OIDC_KEYS || 1);

// oidc-provider prints its notices with console.info, i.e. on stdout; stdout carries only the
// issuer line, so everything the library says goes to stderr.
console.log = console.info = console.error;

// oidc-provider 9 is ESM-only and lives outside this script's node_modules lookup path, so a bare
// `import 'oidc-provider'` cannot find it: resolve its entry file from OIDC_MODULES (the package
// has a `main` and no `exports`, so require.resolve works) and import that file by URL.
const entry = createRequire(import.meta.url).resolve('oidc-provider', { paths: [modules] });
const { default: Provider } = await import(pathToFileURL(entry).href);

const rsaKey = () => ({
  ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
  alg: 'RS256',
  use: 'sig',
});
// With several keys of the same kind, oidc-provider signs with the first one listed.
const keys = Array.from({ length: keyCount }, rsaKey);

// Listen first so that the issuer can carry the port picked for OIDC_PORT=0.
const server = createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(port, host, resolve);
});
const issuer = `http://${host}:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  // A client registered with either secret method may use the other one too (oidc-provider
  // treats them as one family); the other methods are left out of discovery.
  clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
  jwks: { keys },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  // Any login is an account.
  findAccount: (ctx, id) => ({
    accountId: id,
    claims: () => ({ sub: id, email: id.toLowerCase(), email_verified: true, name: id }),
  }),
  scopes: ['openid', 'email', 'profile'],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  // By default the claims of the requested scopes are only served by userinfo when an access
  // token is issued too; the relying party reads the email from the ID token itself.
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  // The default only warns (on stdout); no CORS is needed, the browser navigates.
  clientBasedCORS: () => false,
});

for (const event of ['server_error', 'authorization.error', 'grant.error', 'userinfo.error']) {
  provider.on(event, (_ctx, err) => {
    console.error(`oidc: ${event}: ${[err.message, err.error_description].filter(Boolean).join(': ')}`);
  });
}

server.on('request', provider.callback());
process.stdout.write(`issuer=${issuer}\n`);
console.error(`oidc: listening as ${issuer}`);

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => process.exit(0));
}
