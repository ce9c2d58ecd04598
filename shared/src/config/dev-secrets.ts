import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DevSecrets {
  internalToken: string;
  cookieKeys: string[];
  oidcClientSecrets: Record<'blog' | 'market' | 'cart' | 'events' | 'account', string>;
  oidcSigningKey: string;
  apPrivateKey: string;
}

/**
 * Throwaway secrets for development, generated once into `<dataDir>/dev-secrets.json` so
 * sessions and keys survive restarts. Never used in production (config refuses to start).
 */
export function developmentSecrets(dataDir: string): DevSecrets {
  const file = join(dataDir, 'dev-secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as DevSecrets;
  const secrets = generateSecrets();
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  chmodSync(file, 0o600);
  return secrets;
}

export function generateSecrets(): DevSecrets {
  const token = () => randomBytes(32).toString('base64url');
  const rsa = () =>
    generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    }).privateKey;
  return {
    internalToken: token(),
    cookieKeys: [token()],
    oidcClientSecrets: {
      blog: token(),
      market: token(),
      cart: token(),
      events: token(),
      account: token(),
    },
    oidcSigningKey: rsa(),
    apPrivateKey: rsa(),
  };
}
