import type { Command } from 'commander';
import { keyFingerprint } from '../../common/operator-signing.js';
import type { OperatorRole } from '../../common/operator-assertion.js';
import { configFor } from '../context.js';
import { addToAllowList, allowListEntry, allowListYaml, createOperatorKeyFile, loadOperatorKey } from '../operator-key.js';
import { note, printJson } from '../output.js';

export function registerOperatorCommands(program: Command): void {
  const operator = program
    .command('operator')
    .description('your operator key: destructive commands are signed with it and verified by the workers');

  operator
    .command('init')
    .description('create your operator key pair and print the entry the workers\' allow-list needs')
    .argument('[operator-id]', 'your operator id (default: config operator.id, your login name)')
    .option('--key-file <path>', 'where to write the private key (default: config operator.keyFile)')
    .option('--approver', 'the entry may approve purges and shorter holds (a second operator)')
    .option('--allow-list <file>', 'also add the entry to this allow-list file (the local stack\'s, or one you administer)')
    .option('--force', 'replace an existing key file')
    .option('--json', 'print JSON')
    .addHelpText('after', `
The private key stays in the key file (mode 0600). The workers trust only keys on their own allow-list
(config operator.allowListFile, OPS_OPERATORS_FILE): send the printed entry to whoever runs them. With
\`ops dev\`, pass --allow-list with the file it prints, and the entry works at once.`)
    .action(function (this: Command, id: string | undefined, options: { keyFile?: string; approver?: boolean; allowList?: string; force?: boolean; json?: boolean }) {
      const { config } = configFor(this);
      const path = options.keyFile ?? config.operator.keyFile;
      const key = createOperatorKeyFile(path, id ?? config.operator.id, options.force);
      const roles: OperatorRole[] = options.approver ? ['operator', 'approver'] : ['operator'];
      const entry = allowListEntry(key, roles);
      if (options.allowList) addToAllowList(options.allowList, entry);
      if (options.json) return printJson({ keyFile: path, fingerprint: keyFingerprint(key.publicKey), entry, addedTo: options.allowList ?? null });
      note(`wrote the private key of ${key.operator} to ${path} (${keyFingerprint(key.publicKey)})`);
      if (options.allowList) note(`added ${key.operator} to ${options.allowList}`);
      process.stdout.write(allowListYaml(entry));
    });

  operator
    .command('show')
    .description('who your key says you are, its fingerprint and its allow-list entry')
    .option('--json', 'print JSON')
    .action(function (this: Command, options: { json?: boolean }) {
      const { config } = configFor(this);
      const key = loadOperatorKey(config);
      const entry = { id: key.operator, publicKey: key.publicKey };
      if (options.json) return printJson({ keyFile: config.operator.keyFile, fingerprint: keyFingerprint(key.publicKey), entry });
      process.stdout.write(`operator     ${key.operator}\nkey file     ${config.operator.keyFile}\nfingerprint  ${keyFingerprint(key.publicKey)}\npublic key   ${key.publicKey}\n`);
    });
}
