import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import type { MetadataStorage } from 'class-transformer/types/MetadataStorage';

// class-transformer's own registry of @Type() targets (exported by its CommonJS build, typed under types/).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as { defaultMetadataStorage: MetadataStorage };
import { EVENT_REGISTRY, type PlazaEventType } from './registry';
import { topicFor } from './topics';

/**
 * libs/contracts/EVENTS.md, the event catalogue, is generated from the registry and the payload classes'
 * validation metadata, so it cannot drift from what consumers accept. This spec fails when the committed file is
 * stale; `UPDATE_EVENT_CATALOGUE=1 npx jest libs/contracts/src/event-catalogue.spec.ts` rewrites it.
 */
const FILE = join(__dirname, '..', 'EVENTS.md');

type Ctor = new () => object;

function constraint(m: ValidationMetadata): string | undefined {
  const c = m.constraints ?? [];
  const each = m.each ? ' (each)' : '';
  switch (m.name) {
    case 'isOptional':
    case 'isDefined':
      return undefined;
    case 'matches':
      return `matches \`${String(c[0])}\`${each}`;
    case 'isIn':
      return `one of ${(c[0] as unknown[]).map((v) => `\`${String(v)}\``).join(', ')}${each}`;
    case 'isLength':
      return `length ${c[0]}..${c[1] ?? '∞'}${each}`;
    case 'min':
      return `≥ ${c[0]}${each}`;
    case 'max':
      return `≤ ${c[0]}${each}`;
    case 'arrayMinSize':
      return `at least ${c[0]} items`;
    case 'arrayMaxSize':
      return `at most ${c[0]} items`;
    default:
      if (m.type === 'nestedValidation') return undefined;
      return `${m.name ?? m.type}${c.length > 0 && typeof c[0] !== 'object' ? ` ${c.map(String).join(', ')}` : ''}${each}`;
  }
}

function fields(payload: Ctor, nestedSeen?: Map<string, Ctor>): string[] {
  const metas = getMetadataStorage().getTargetValidationMetadatas(payload, '', true, false);
  const byField = new Map<string, ValidationMetadata[]>();
  for (const m of metas) byField.set(m.propertyName, [...(byField.get(m.propertyName) ?? []), m]);
  return [...byField].map(([name, ms]) => {
    const optional = ms.some((m) => m.name === 'isOptional');
    const nested = ms.some((m) => m.type === 'nestedValidation');
    const type = nested ? (defaultMetadataStorage.findTypeMetadata(payload, name)?.typeFunction() as Ctor | undefined)?.name : undefined;
    const checks = [...new Set(ms.map(constraint).filter((c): c is string => c !== undefined))];
    if (type) {
      checks.unshift(`a [\`${type}\`](#${type.toLowerCase()})`);
      const ctor = defaultMetadataStorage.findTypeMetadata(payload, name)?.typeFunction() as Ctor;
      if (nestedSeen && !nestedSeen.has(type)) nestedSeen.set(type, ctor);
    }
    return `| \`${name}\` | ${optional ? 'optional' : 'required'} | ${checks.join('; ').replace(/\|/g, '\\|')} |`;
  });
}

export function eventCatalogue(): string {
  const out: string[] = [
    '# Plaza event catalogue',
    '',
    '<!-- Generated from libs/contracts/src/registry.ts and the payload classes by event-catalogue.spec.ts;',
    '     UPDATE_EVENT_CATALOGUE=1 npx jest libs/contracts/src/event-catalogue.spec.ts rewrites it. Do not edit. -->',
    '',
    'Every event travels in the envelope of `envelope.ts` (id, type, schemaVersion, streamId, streamVersion, roundId,',
    'occurredAt, producer, correlationId, causationId, payload) on its producer\'s topic. A consumer accepts an event',
    'only from its registered producer at a known schema version (`validateEnvelope`); payload fields not listed are',
    'tolerated (versioning by adding). Earlier versions are read and upcast, never rewritten.',
    '',
    '| type | producer (topic) | schemaVersion | earlier versions read |',
    '|---|---|---|---|',
  ];
  const types = Object.keys(EVENT_REGISTRY) as PlazaEventType[];
  const nested = new Map<string, Ctor>();
  for (const t of types) {
    const e = EVENT_REGISTRY[t];
    out.push(`| [${t}](#${t.toLowerCase()}) | ${e.producer} (\`${topicFor(e.producer)}\`) | ${e.schemaVersion} | ${Object.keys(e.earlier ?? {}).join(', ') || '—'} |`);
  }
  for (const t of types) {
    const e = EVENT_REGISTRY[t];
    out.push('', `## ${t}`, '', `Producer \`${e.producer}\`, schemaVersion ${e.schemaVersion}, payload class \`${e.payload.name}\`.`, '');
    out.push('| field | | checks |', '|---|---|---|', ...fields(e.payload, nested));
    for (const [v, cls] of Object.entries(e.earlier ?? {})) {
      out.push('', `Version ${v} (\`${cls.name}\`${e.upcast?.[Number(v)] ? ', upcast on read' : ''}):`, '', '| field | | checks |', '|---|---|---|', ...fields(cls, nested));
    }
  }
  out.push('', '# Nested payload types', '');
  // Breadth first: a nested type's own nested types are appended as they are found.
  for (const [name, ctor] of nested) out.push(`## ${name}`, '', '| field | | checks |', '|---|---|---|', ...fields(ctor, nested), '');
  out.pop();
  return out.join('\n') + '\n';
}

describe('the event catalogue (libs/contracts/EVENTS.md)', () => {
  it('lists every registered event with its producer, version and payload fields, and is up to date', () => {
    const now = eventCatalogue();
    for (const t of Object.keys(EVENT_REGISTRY)) expect(now).toContain(`## ${t}\n`);
    expect(now).toMatch(/## BallotCast\n\nProducer `voting`, schemaVersion 2/);
    expect(now).toContain('| `commitment` | required |');
    if (process.env.UPDATE_EVENT_CATALOGUE === '1') writeFileSync(FILE, now);
    let committed = '';
    try {
      committed = readFileSync(FILE, 'utf8');
    } catch {
      /* missing: reported below */
    }
    if (committed !== now) throw new Error('libs/contracts/EVENTS.md is stale: run UPDATE_EVENT_CATALOGUE=1 npx jest libs/contracts/src/event-catalogue.spec.ts');
  });
});
