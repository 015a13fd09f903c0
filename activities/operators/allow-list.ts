import { readFile } from 'node:fs/promises';
import { ApplicationFailure } from '@temporalio/activity';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { normaliseOperatorId, type OperatorRole } from '../../common/operator-assertion.js';
import { publicKeyObject } from '../../common/operator-signing.js';
import { OPERATOR_NOT_VERIFIED } from './failures.js';

const entrySchema = z
  .object({
    id: z.string().min(1).max(64),
    publicKey: z.string().regex(/^[A-Za-z0-9+/=]{40,200}$/, 'base64 of an Ed25519 SPKI public key (ops operator init prints it)'),
    roles: z.array(z.enum(['operator', 'approver'])).min(1).default(['operator']),
  })
  .strict();
const fileSchema = z.object({ operators: z.array(entrySchema) }).strict();

export interface AllowListEntry {
  id: string;
  publicKey: string;
  roles: OperatorRole[];
}

/**
 * The operators the worker trusts, read from its own file (never from the CLI) on every verification, so an
 * entry added or removed takes effect without a restart. Ids and keys must each be unique.
 */
export async function loadAllowList(path: string): Promise<AllowListEntry[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    // Without its allow-list the worker can verify nobody: retrying will not make the file appear by itself soon.
    throw ApplicationFailure.nonRetryable(
      missing
        ? `the worker has no operator allow-list at ${path}: create it (ops operator init <id> --allow-list ${path})`
        : `cannot read the operator allow-list ${path}: ${(err as Error).message}`,
      OPERATOR_NOT_VERIFIED,
    );
  }
  const parsed = fileSchema.safeParse(parseYaml(text) ?? { operators: [] });
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw ApplicationFailure.nonRetryable(`the operator allow-list ${path} is invalid: ${issues}`, OPERATOR_NOT_VERIFIED);
  }
  const ids = new Set<string>();
  const keys = new Set<string>();
  for (const entry of parsed.data.operators) {
    const id = normaliseOperatorId(entry.id);
    if (ids.has(id)) throw ApplicationFailure.nonRetryable(`the operator allow-list ${path} lists ${id} twice`, OPERATOR_NOT_VERIFIED);
    if (keys.has(entry.publicKey)) {
      throw ApplicationFailure.nonRetryable(`the operator allow-list ${path} gives one key to two operators (${id})`, OPERATOR_NOT_VERIFIED);
    }
    try {
      if (publicKeyObject(entry.publicKey).asymmetricKeyType !== 'ed25519') throw new Error('not Ed25519');
    } catch {
      throw ApplicationFailure.nonRetryable(`the operator allow-list ${path}: the key of ${id} is not an Ed25519 public key`, OPERATOR_NOT_VERIFIED);
    }
    ids.add(id);
    keys.add(entry.publicKey);
  }
  return parsed.data.operators;
}
