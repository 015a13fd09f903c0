import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseDocument, stringify } from 'yaml';
import type { Config } from '../common/config.js';
import { normaliseOperatorId, type OperatorAction, type OperatorAssertion, type OperatorRole } from '../common/operator-assertion.js';
import { generateOperatorKey, signAssertion, type OperatorKey } from '../common/operator-signing.js';
import { CliError, EXIT } from './exit-codes.js';

/** The operator's key file: the private key never leaves it; the CLI signs each destructive request with it. */
export function loadOperatorKey(config: Config): OperatorKey {
  const path = config.operator.keyFile;
  if (!existsSync(path)) {
    throw new CliError(`no operator key at ${path}: create yours with \`ops operator init <your-id>\` and have it added to the workers' allow-list`, EXIT.CONFIG);
  }
  let key: Partial<OperatorKey>;
  try {
    key = JSON.parse(readFileSync(path, 'utf8')) as Partial<OperatorKey>;
  } catch (err) {
    throw new CliError(`cannot read the operator key ${path}: ${(err as Error).message}`, EXIT.CONFIG);
  }
  if (typeof key.operator !== 'string' || typeof key.privateKey !== 'string' || typeof key.publicKey !== 'string') {
    throw new CliError(`${path} is not an operator key file (ops operator init writes one)`, EXIT.CONFIG);
  }
  return key as OperatorKey;
}

/** Signs one action with the configured operator key. */
export function signAs(config: Config, action: OperatorAction, workflowId: string, args: Record<string, unknown>): OperatorAssertion {
  return signAssertion(loadOperatorKey(config), action, workflowId, args);
}

/** Writes a new key file (mode 0600), refusing to overwrite one unless forced. */
export function createOperatorKeyFile(path: string, operator: string, force = false): OperatorKey {
  if (existsSync(path) && !force) throw new CliError(`${path} exists: keep it, or pass --force to replace it (the old key stops working)`, EXIT.USAGE);
  const key = generateOperatorKey(normaliseOperatorId(operator));
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(key, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return key;
}

/** The allow-list entry of a key, as the workers' operators file lists it. */
export function allowListEntry(key: OperatorKey, roles: OperatorRole[]): { id: string; publicKey: string; roles: OperatorRole[] } {
  return { id: key.operator, publicKey: key.publicKey, roles };
}

/**
 * Adds (or replaces) an operator's entry in an allow-list file, keeping the rest of the file and its comments.
 * For the local stack and for whoever administers the workers' file; the CLI never sends it to a worker.
 */
export function addToAllowList(path: string, entry: ReturnType<typeof allowListEntry>): void {
  const doc = existsSync(path) ? parseDocument(readFileSync(path, 'utf8')) : parseDocument('operators: []\n');
  const current = (doc.toJS() as { operators?: { id: string }[] } | null)?.operators ?? [];
  const kept = current.filter((e) => normaliseOperatorId(e.id) !== normaliseOperatorId(entry.id));
  doc.set('operators', [...kept, entry]);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, doc.toString());
}

export function allowListYaml(entry: ReturnType<typeof allowListEntry>): string {
  return stringify({ operators: [entry] });
}
