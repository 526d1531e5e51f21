import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on every Linux we run on). */
const TICKS = 100;

/** Processes whose CPU the bench reports, by name; a group may be several processes (PostgreSQL backends). */
export type ProcessGroups = Record<string, () => number[]>;

function ticksOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name (which may contain spaces): utime is 14th, stime 15th overall.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(rest[11]) + Number(rest[12]);
  } catch {
    return undefined;
  }
}

function allPids(): number[] {
  try {
    return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  } catch {
    return [];
  }
}

function matching(test: (comm: string, cmdline: string) => boolean): number[] {
  const out: number[] = [];
  for (const pid of allPids()) {
    try {
      const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (test(comm, cmdline)) out.push(pid);
    } catch {
      // gone
    }
  }
  return out;
}

/** PostgreSQL server processes (postmaster, backends, WAL writer, checkpointer…) on this machine. */
export const postgresPids = () => matching((comm) => comm === 'postgres' || comm.startsWith('postgres'));
/** The Kafka broker JVM. */
export const kafkaPids = () => matching((comm, cmd) => comm === 'java' && cmd.includes('kafka.Kafka'));

export interface CpuUse {
  /** CPU seconds used in the window (user + system). */
  readonly cpuSeconds: number;
  /** Of one core, over the window: 100 = one core busy the whole time. */
  readonly percentOfCore: number;
}

/**
 * CPU time of each group between `start()` and `stop()`. Process lists are re-read at the end too, so
 * PostgreSQL backends that connected during the window are counted (from their start).
 */
export class CpuSampler {
  private before = new Map<number, number>();
  private startedAt = 0;

  constructor(private readonly groups: ProcessGroups) {}

  start(): void {
    this.before.clear();
    for (const pids of Object.values(this.groups)) for (const pid of pids()) this.before.set(pid, ticksOf(pid) ?? 0);
    this.startedAt = performance.now();
  }

  stop(): { wallSeconds: number; cores: number; groups: Record<string, CpuUse> } {
    const wall = (performance.now() - this.startedAt) / 1000;
    const groups: Record<string, CpuUse> = {};
    for (const [name, pids] of Object.entries(this.groups)) {
      let ticks = 0;
      for (const pid of pids()) {
        const now = ticksOf(pid);
        if (now !== undefined) ticks += now - (this.before.get(pid) ?? 0);
      }
      const cpuSeconds = ticks / TICKS;
      groups[name] = { cpuSeconds: Number(cpuSeconds.toFixed(2)), percentOfCore: Math.round((cpuSeconds / Math.max(wall, 1e-9)) * 100) };
    }
    return { wallSeconds: Number(wall.toFixed(2)), cores: cpus().length, groups };
  }
}
