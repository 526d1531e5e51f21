import 'reflect-metadata';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProtectedHeader, importSPKI, jwtVerify } from 'jose';
import { keyId } from '@plaza/nest-runtime';
import { findDevKey, LocalSigner, voterIdentity } from './tokens';

test('LocalSigner signs tokens the services verify: EdDSA, iss/aud plaza, sub, roles, kid', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const signer = new LocalSigner(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'plaza', 'plaza');
  const token = await signer.token('pb-17', ['resident']);
  const key = await importSPKI(publicKey.export({ type: 'spki', format: 'pem' }).toString(), 'EdDSA');
  const { payload } = await jwtVerify(token, key, { issuer: 'plaza', audience: 'plaza' });
  expect(payload).toMatchObject({ sub: 'pb-17', roles: ['resident'] });
  expect(typeof payload.jti).toBe('string');
  expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'EdDSA', typ: 'JWT' });
  // The kid the services look the key up by.
  expect(decodeProtectedHeader(token).kid).toBe(keyId(publicKey));
});

test('voterIdentity: one valid subject per voter id, distinct for distinct ids', () => {
  expect(voterIdentity('E1177117')).toBe('pb-E1177117');
  expect(voterIdentity('vote01006bcf-62b6-435d-a0de-2966c3e75249')).toBe('pb-vote01006bcf-62b6-435d-a0de-2966c3e75249');
  const odd = voterIdentity('a b/ć');
  expect(odd).toMatch(/^pbh-[0-9a-f]{64}$/);
  expect(voterIdentity('a b/ć ')).not.toBe(odd);
});

test('findDevKey: the private key `npm start` provisions in .plaza/dev-auth/, or the one named', () => {
  const root = mkdtempSync(join(tmpdir(), 'plaza-devkey-'));
  const saved = process.env['AUTH_SIGNING_KEY_FILE'];
  delete process.env['AUTH_SIGNING_KEY_FILE'];
  try {
    expect(findDevKey(root)).toBeUndefined();
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const dir = join(root, '.plaza', 'dev-auth');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'public-key.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
    writeFileSync(join(dir, 'signing-key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    expect(findDevKey(root)?.file).toBe(join(dir, 'signing-key.pem'));
    expect(() => findDevKey(root, join(dir, 'public-key.pem'))).toThrow(/holds no PKCS#8 private key/);
    expect(() => findDevKey(root, join(dir, 'missing.pem'))).toThrow(/cannot read the dev key/);
  } finally {
    if (saved !== undefined) process.env['AUTH_SIGNING_KEY_FILE'] = saved;
    rmSync(root, { recursive: true, force: true });
  }
});
