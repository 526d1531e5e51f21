// The pure parts of infra/checks.js (plain CommonJS: npm start runs it before anything is built).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const checks = require('../../infra/checks.js') as {
  checkNode(version: string): { ok: boolean; detail: string; fix?: string };
  parseJavaMajor(text: string): number | undefined;
  formatCheck(result: { name: string; ok: boolean; detail: string; fix?: string }): string;
  FIX: Record<'node' | 'java' | 'maven', string>;
};

describe('machine checks', () => {
  it('Node.js 20.19 or newer passes; older names what to install', () => {
    expect(checks.checkNode('20.19.0').ok).toBe(true);
    expect(checks.checkNode('22.1.0').ok).toBe(true);
    const old = checks.checkNode('20.11.1');
    expect(old).toEqual(expect.objectContaining({ ok: false, detail: '20.11.1 is too old (20.19 or newer is needed)' }));
    expect(checks.checkNode('18.20.4').ok).toBe(false);
  });

  it('reads the JDK major version the way java -version prints it', () => {
    expect(checks.parseJavaMajor('openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment')).toBe(17);
    expect(checks.parseJavaMajor('openjdk version "21" 2023-09-19')).toBe(21);
    expect(checks.parseJavaMajor('java version "1.8.0_392"')).toBe(8);
    expect(checks.parseJavaMajor('something else')).toBeUndefined();
  });

  it('every fix names the Debian/Ubuntu, macOS and Windows (WSL) way, in one sentence on one line', () => {
    for (const fix of Object.values(checks.FIX)) {
      expect(fix).toMatch(/Debian\/Ubuntu .*macOS .*Windows: in WSL/);
      expect(fix).not.toContain('\n');
    }
    expect(checks.formatCheck({ name: 'JDK', ok: false, detail: 'no `java` on PATH', fix: checks.FIX.java })).toMatch(/^ {2}FAIL {2}JDK: no `java` on PATH — fix: install a JDK 17 or newer: /);
    expect(checks.formatCheck({ name: 'Node.js', ok: true, detail: '22.1.0' })).toBe('  ok    Node.js: 22.1.0');
  });
});
