#!/usr/bin/env node
// Generates the secrets infra/docker-compose.yml mounts as Docker secrets, into infra/secrets/ (or the folder given),
// each file mode 0600. Existing files are kept, so running it again only fills what is missing; delete one file and
// run it again to rotate that secret (README "Deploy").
//
//   node infra/secrets.js [DIR]
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const dir = path.resolve(process.argv[2] ?? path.join(__dirname, 'secrets'));
fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
fs.chmodSync(dir, 0o700);
// Compose (outside Swarm) bind-mounts file secrets with the host file's mode and owner, and the services run as the
// image's `node` user: the files are readable (0644) and the folder (0700) is what keeps other host users out.
const FILE_MODE = 0o644;

const password = () => crypto.randomBytes(24).toString('base64url');
const write = (name, make) => {
  const file = path.join(dir, name);
  if (fs.existsSync(file)) return false;
  fs.writeFileSync(file, make(), { mode: FILE_MODE });
  return true;
};
const read = (name) => fs.readFileSync(path.join(dir, name), 'utf8').trim();

const made = [];
for (const name of [
  'db-admin-password',
  'db-migrator-password',
  'db-proposals-password',
  'db-voting-password',
  'db-audit-password',
  // Kafka SASL/SCRAM: the broker's super user (kafka-acls) and one principal per service (infra/kafka/compose-broker.sh).
  'kafka-admin-password',
  'kafka-proposals-password',
  'kafka-voting-password',
  'kafka-audit-password',
]) {
  if (write(name, password)) made.push(name);
}
// The services take whole connection URLs (DATABASE_URL_FILE, MIGRATION_DATABASE_URL_FILE): derived from the passwords.
const url = (role, pw) => `postgres://${role}:${encodeURIComponent(read(pw))}@postgres:5432/plaza`;
for (const service of ['proposals', 'voting', 'audit']) {
  fs.writeFileSync(path.join(dir, `db-url-${service}`), url(`plaza_${service}`, `db-${service}-password`), { mode: FILE_MODE });
}
fs.writeFileSync(path.join(dir, 'db-url-migrator'), url('plaza_migrator', 'db-migrator-password'), { mode: FILE_MODE });
fs.writeFileSync(path.join(dir, 'db-url-admin'), url('postgres', 'db-admin-password'), { mode: FILE_MODE });
// Voting-code tokens: the voting service alone signs and verifies them (AUTH_VOTING_CODE_KEY_FILE); no other service
// holds any half of this key. Staff, admin and auditor tokens come from the city's OpenID Connect provider.
if (write('voting-code-key.pem', () => crypto.generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }))) {
  made.push('voting-code-key.pem');
}
// The ledger's checkpoint key (audit).
if (write('ledger-signing-key.pem', () => crypto.generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }))) {
  made.push('ledger-signing-key.pem');
}
process.stdout.write(`secrets in ${dir}${made.length ? ` (new: ${made.join(', ')})` : ' (all kept)'}\n`);
