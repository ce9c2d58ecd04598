import { createPrivateKey, createPublicKey } from 'node:crypto';
import type { AppConfig } from '../../config/index.ts';

/** The one keypair behind every actor: a WebCrypto key for signing and the public PEM. */
export interface ActorKeys {
  privateKey: CryptoKey;
  publicKeyPem: string;
}

const cache = new WeakMap<AppConfig, Promise<ActorKeys>>();

/**
 * Imports `config.secrets.apPrivateKey` once per configuration. Every actor publishes the same
 * public PEM under its own key id (`<actor>#main-key`).
 */
export function loadActorKeys(config: AppConfig): Promise<ActorKeys> {
  let keys = cache.get(config);
  if (!keys) {
    keys = importKeys(config.secrets.apPrivateKey);
    cache.set(config, keys);
  }
  return keys;
}

async function importKeys(pem: string): Promise<ActorKeys> {
  const keyObject = createPrivateKey(pem);
  const der = keyObject.export({ type: 'pkcs8', format: 'der' });
  const privateKey = await crypto.subtle.importKey(
    'pkcs8',
    der,
    { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    true,
    ['sign'],
  );
  const publicKeyPem = createPublicKey(keyObject).export({ type: 'spki', format: 'pem' }).toString();
  return { privateKey, publicKeyPem };
}
