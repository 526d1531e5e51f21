import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../support/launcher';

/** `plaza doctor` (the compiled CLI: npm test builds first) on a broken set-up: no JDK on PATH, port 3001 taken. */
describe('plaza doctor', () => {
  const bin = mkdtempSync(join(tmpdir(), 'plaza-doctor-bin-'));
  let holder: Server | undefined;
  beforeAll(async () => {
    // A PATH with node and nothing else: no java, no mvn.
    symlinkSync(process.execPath, join(bin, 'node'));
    // Take port 3001 (proposals); when something else already holds it the doctor must report it all the same.
    holder = await new Promise<Server | undefined>((done) => {
      const server = createServer();
      server.once('error', () => done(undefined));
      server.listen(3001, '127.0.0.1', () => done(server));
    });
  });
  afterAll(async () => {
    await new Promise((r) => (holder ? holder.close(r) : r(undefined)));
    rmSync(bin, { recursive: true, force: true });
  });

  const doctor = (args: string[] = []) =>
    spawnSync(join(bin, 'node'), [join(ROOT, 'apps', 'cli', 'bin', 'plaza.js'), 'doctor', ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, PATH: bin, PROPOSALS_PORT: '3001' },
    });

  it('names the missing JDK and the taken port, each with its fix, and exits 1', () => {
    const run = doctor();
    expect(run.status).toBe(1);
    const lines = run.stdout.split('\n');
    const jdk = lines.find((l) => l.includes('FAIL') && l.includes('JDK'));
    expect(jdk).toMatch(/no `java` on PATH/);
    expect(jdk).toMatch(/fix: .*Debian\/Ubuntu `sudo apt install openjdk-17-jdk-headless`.*macOS `brew install openjdk@21`.*WSL/);
    const port = lines.find((l) => l.includes('FAIL') && l.includes('port 3001'));
    expect(port).toMatch(/in use, but proposals needs it — fix: .*set PROPOSALS_PORT to a free port/);
    // What is fine says so, one line each: Node, the database, the broker, the other ports, the dev keys.
    expect(lines.find((l) => l.includes('Node.js'))).toMatch(/^ {2}ok/);
    expect(lines.some((l) => /^ {2}(ok|FAIL) +database: /.test(l))).toBe(true);
    expect(lines.some((l) => /^ {2}(ok|FAIL) +broker: /.test(l))).toBe(true);
    expect(lines.some((l) => /^ {2}(ok|FAIL) +dev keys: /.test(l))).toBe(true);
    expect(run.stderr).toBe('');
  });

  it('--json gives the same checks as data', () => {
    const run = doctor(['--json']);
    const report = JSON.parse(run.stdout) as { ok: boolean; checks: { name: string; ok: boolean; fix?: string }[] };
    expect(report.ok).toBe(false);
    expect(report.checks.find((c) => c.name === 'JDK')).toEqual(expect.objectContaining({ ok: false, fix: expect.stringContaining('openjdk') }));
    expect(report.checks.find((c) => c.name === 'port 3001')).toEqual(expect.objectContaining({ ok: false }));
  });
});
