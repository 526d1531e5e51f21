import 'reflect-metadata';
import { generateKeyPairSync } from 'node:crypto';
import { decodeProtectedHeader, importSPKI, jwtVerify } from 'jose';
import { keyId } from '@plaza/nest-runtime';
import { LocalSigner, voterIdentity } from './tokens';

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
