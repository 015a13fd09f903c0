import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { OperatorAction, OperatorAssertion, OperatorRole } from '../../common/operator-assertion.js';
import { generateOperatorKey, signAssertion, type OperatorKey } from '../../common/operator-signing.js';

export interface TestOperators {
  /** The workers' allow-list file. */
  allowListFile: string;
  keys: Record<string, OperatorKey>;
  /** A key file per operator, as `ops operator init` writes it (for the CLI's OPS_OPERATOR_KEY). */
  keyFiles: Record<string, string>;
  sign(operator: string, action: OperatorAction, workflowId: string, args: Record<string, unknown>): OperatorAssertion;
}

/**
 * Real key pairs and a real allow-list file: `approvers` may approve; `outsiders` have keys the workers do not
 * list. Signing goes through the same code as the CLI's.
 */
export function testOperators(options: { operators?: string[]; approvers?: string[]; outsiders?: string[] } = {}): TestOperators {
  const dir = mkdtempSync(join(tmpdir(), 'ops-operators-'));
  const operators = options.operators ?? ['alice', 'bob', 'carol', 'dave'];
  const approvers = new Set(options.approvers ?? ['alice', 'bob', 'carol']);
  const keys: Record<string, OperatorKey> = {};
  const keyFiles: Record<string, string> = {};
  for (const id of [...operators, ...(options.outsiders ?? [])]) {
    keys[id] = generateOperatorKey(id);
    keyFiles[id] = join(dir, `${id}.key.json`);
    writeFileSync(keyFiles[id], JSON.stringify(keys[id]), { mode: 0o600 });
  }
  const entries = operators.map((id) => ({
    id,
    publicKey: keys[id]!.publicKey,
    roles: (approvers.has(id) ? ['operator', 'approver'] : ['operator']) satisfies OperatorRole[],
  }));
  const allowListFile = join(dir, 'operators.yaml');
  writeFileSync(allowListFile, stringify({ operators: entries }));
  return {
    allowListFile,
    keys,
    keyFiles,
    sign: (operator, action, workflowId, args) => {
      const key = keys[operator];
      if (!key) throw new Error(`no test key for ${operator}`);
      return signAssertion(key, action, workflowId, args);
    },
  };
}
