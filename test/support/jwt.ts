import crypto, { KeyObject } from 'node:crypto';
import http from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * A stand-in for the Bot Framework's OpenID provider (login.botframework.com) on loopback,
 * and an RS256 signer built on node:crypto only. The bot is pointed at it with
 * BOT_OPENID_METADATA_URL; tokens signed with `key` are what the Teams channel would send.
 */

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function generateSigningKey(kid = `test-${crypto.randomUUID()}`): SigningKey {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, privateKey, publicKey };
}

const b64url = (data: string | Buffer): string => Buffer.from(data).toString('base64url');

export type JwtHeader = { alg: string; typ?: string; kid?: string } & Record<string, unknown>;
export type JwtClaims = Record<string, unknown>;

/** A compact JWS signed with RS256 (or the header's RS384/RS512) by `privateKey`. */
export function signJwt(claims: JwtClaims, key: Pick<SigningKey, 'kid' | 'privateKey'>, header: Partial<JwtHeader> = {}): string {
  const h: JwtHeader = { alg: 'RS256', typ: 'JWT', kid: key.kid, ...header };
  const hash = { RS256: 'sha256', RS384: 'sha384', RS512: 'sha512' }[h.alg];
  if (!hash) throw new Error(`signJwt: unsupported alg ${h.alg}`);
  const input = `${b64url(JSON.stringify(h))}.${b64url(JSON.stringify(claims))}`;
  const signature = crypto.sign(hash, Buffer.from(input), key.privateKey);
  return `${input}.${b64url(signature)}`;
}

/** An unsecured JWT (`alg: none`, empty signature), as an attacker would send it. */
export function unsignedJwt(claims: JwtClaims, header: Partial<JwtHeader> = {}): string {
  const h = { typ: 'JWT', ...header, alg: 'none' };
  return `${b64url(JSON.stringify(h))}.${b64url(JSON.stringify(claims))}.`;
}

/** The claims the Bot Framework channel puts in a token for `appId`, valid for an hour. */
export function channelClaims(appId: string, serviceUrl: string, overrides: JwtClaims = {}): JwtClaims {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: 'https://api.botframework.com',
    aud: appId,
    serviceurl: serviceUrl,
    nbf: now - 60,
    iat: now - 60,
    exp: now + 3600,
    ...overrides,
  };
}

export interface OpenIdProvider {
  /** The OpenID configuration document URL (what BOT_OPENID_METADATA_URL is set to). */
  metadataUrl: string;
  /** The key whose public half the JWKS publishes. */
  key: SigningKey;
  /** Requests served, by path: shows the bot really fetched the metadata and the keys. */
  hits: Record<string, number>;
  sign(claims: JwtClaims, header?: Partial<JwtHeader>): string;
  stop(): Promise<void>;
}

/**
 * Serves `/.well-known/openid-configuration` and `/keys` (a JWKS with one RSA key,
 * endorsed for `msteams` as the real Bot Framework keys are) on 127.0.0.1.
 */
export async function startOpenIdProvider(options: { endorsements?: string[]; key?: SigningKey } = {}): Promise<OpenIdProvider> {
  const key = options.key ?? generateSigningKey();
  const endorsements = options.endorsements ?? ['msteams'];
  const hits: Record<string, number> = {};
  let base = '';
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits[path] = (hits[path] ?? 0) + 1;
    let body: unknown;
    if (path === '/.well-known/openid-configuration') {
      body = {
        issuer: 'https://api.botframework.com',
        authorization_endpoint: `${base}/authorize`,
        jwks_uri: `${base}/keys`,
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['private_key_jwt'],
      };
    } else if (path === '/keys') {
      const jwk = key.publicKey.export({ format: 'jwk' });
      body = { keys: [{ kty: 'RSA', use: 'sig', kid: key.kid, n: jwk.n, e: jwk.e, endorsements }] };
    } else {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    metadataUrl: `${base}/.well-known/openid-configuration`,
    key,
    hits,
    sign: (claims, header) => signJwt(claims, key, header),
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}
