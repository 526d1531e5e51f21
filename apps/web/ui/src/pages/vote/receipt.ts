/**
 * Ballot receipts as a resident keeps them: the file the vote pages download, and reading it (or any text
 * holding an event id and a leaf hash) back on the receipt check page. Pure, unit-tested.
 */

/** The audit API's ReceiptDto rules, with its messages (so the page's own check reads like the API's). */
export const EVENT_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const LEAF_HASH_PATTERN = /^[0-9a-f]{64}$/i;
export const EVENT_ID_MESSAGE = 'eventId must be a UUID';
export const LEAF_HASH_MESSAGE = 'leafHash must be 64 hex digits';

export interface ReceiptKey {
  readonly eventId: string;
  readonly leafHash: string;
}

/** Field problems of a receipt typed by hand, in the audit API's words (empty when it may be sent). */
export function receiptProblems(receipt: ReceiptKey): Record<string, string[]> {
  const problems: Record<string, string[]> = {};
  if (!EVENT_ID_PATTERN.test(receipt.eventId.trim())) problems.eventId = [EVENT_ID_MESSAGE];
  if (!LEAF_HASH_PATTERN.test(receipt.leafHash.trim())) problems.leafHash = [LEAF_HASH_MESSAGE];
  return problems;
}

export interface ReceiptFacts extends ReceiptKey {
  readonly roundId: string;
  readonly roundName: string;
  readonly unitId: string;
  readonly unitName: string;
  readonly ballotVersion: number;
  /** When the ballot was cast (ISO timestamp). */
  readonly castAt: string;
  readonly channel?: string;
}

/** The receipt file: facts plus where and how to check it (instructions in the resident's language). */
export function receiptDocument(
  facts: ReceiptFacts,
  check: { readonly page: string; readonly api: string; readonly howTo: string },
): Record<string, unknown> {
  return {
    kind: 'plaza-ballot-receipt',
    round: { id: facts.roundId, name: facts.roundName },
    unit: { id: facts.unitId, name: facts.unitName },
    ballotVersion: facts.ballotVersion,
    castAt: facts.castAt,
    ...(facts.channel ? { channel: facts.channel } : {}),
    eventId: facts.eventId,
    leafHash: facts.leafHash,
    check: {
      howTo: check.howTo,
      page: check.page,
      api: { method: 'POST', url: check.api, body: { eventId: facts.eventId, leafHash: facts.leafHash } },
    },
  };
}

export function receiptJson(facts: ReceiptFacts, check: { readonly page: string; readonly api: string; readonly howTo: string }): string {
  return `${JSON.stringify(receiptDocument(facts, check), null, 2)}\n`;
}

/** `plaza-receipt-<round 8>-<unit>-v<version>.json` */
export function receiptFilename(facts: Pick<ReceiptFacts, 'roundId' | 'unitId' | 'ballotVersion'>): string {
  const unit = facts.unitId.replace(/[^a-z0-9-]/gi, '');
  return `plaza-receipt-${facts.roundId.slice(0, 8)}-${unit}-v${facts.ballotVersion}.json`;
}

/** The check page's address for a receipt (what "Check in the ledger" links to). */
export function checkPath(receipt: ReceiptKey): string {
  return `/receipts?${new URLSearchParams({ eventId: receipt.eventId, leafHash: receipt.leafHash }).toString()}`;
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const LABELLED_UUID = new RegExp(`event[\\s_-]*id["']?\\s*[:=]?\\s*["']?(${UUID})`, 'i');
const ANY_UUID = new RegExp(UUID, 'gi');
const HASH_IN_TEXT = /(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])/i;

/**
 * Reads a receipt back: the downloaded JSON file (or any JSON with `eventId` and `leafHash`, also under
 * `receipt`), or plain text holding the event id (labelled `eventId`, or the only UUID in it) and one
 * 64-digit hash (e.g. the copied receipt). Undefined when either cannot be found.
 */
export function parseReceipt(text: string): ReceiptKey | undefined {
  try {
    const data = JSON.parse(text) as unknown;
    const pick = (o: unknown): ReceiptKey | undefined => {
      if (!o || typeof o !== 'object') return undefined;
      const r = o as Record<string, unknown>;
      if (typeof r.eventId === 'string' && typeof r.leafHash === 'string') return { eventId: r.eventId.trim(), leafHash: r.leafHash.trim() };
      return undefined;
    };
    const found = pick(data) ?? pick((data as Record<string, unknown> | null)?.receipt);
    if (found) return found;
  } catch {
    // not JSON: look for the two values in the text
  }
  const hash = HASH_IN_TEXT.exec(text)?.[0];
  const uuids = [...new Set([...text.matchAll(ANY_UUID)].map((m) => m[0].toLowerCase()))];
  const id = LABELLED_UUID.exec(text)?.[1] ?? (uuids.length === 1 ? uuids[0] : undefined);
  return hash && id ? { eventId: id, leafHash: hash } : undefined;
}
