import { durationSeconds, MAX_DURATION_SECONDS } from './durations.js';
import { z } from 'zod';

const duration = z
  .string()
  .regex(/^\d{1,9}[smhd]$/, 'a duration like 30d, 12h, 90m or 45s')
  .refine((text) => durationSeconds(text) <= MAX_DURATION_SECONDS, 'at most 10 years');

// One typed shape for every setting; defaults are the local `ops dev` stack.
export const configSchema = z
  .object({
    temporal: z
      .object({
        address: z.string().min(1).default('127.0.0.1:7233'),
        namespace: z.string().min(1).default('default'),
        taskQueue: z.string().min(1).default('lifecycle-ops'),
        apiKey: z.string().min(1).optional(),
        tls: z
          .object({
            enabled: z.boolean().optional(),
            clientCertPath: z.string().min(1).optional(),
            clientKeyPath: z.string().min(1).optional(),
            serverCaCertPath: z.string().min(1).optional(),
            serverName: z.string().min(1).optional(),
          })
          .strict()
          .default({}),
        uiUrl: z.url().default('http://127.0.0.1:8233'),
      })
      .strict()
      .prefault({}),
    aws: z
      .object({
        region: z.string().min(1).default('us-east-1'),
        endpoint: z.url().optional(),
        // No default: a wrong role here locks the workers out of every bucket they close. Exactly one role, no wildcards.
        opsRoleArn: z
          .string()
          // ArnNotEquals matches wildcards as ArnLike does: a pattern would let every role it matches through.
          .refine((arn) => !/[*?]/.test(arn), 'must name exactly one role: no wildcards (* or ?), the closing Deny would admit every role they match')
          .refine(
            (arn) => /[*?]/.test(arn) || /^arn:aws[a-z-]*:iam::\d{12}:role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/.test(arn),
            'an IAM role ARN like arn:aws:iam::111122223333:role/lifecycle-ops or …:role/a/path/lifecycle-ops (not a user, an assumed-role session, a root or an empty path segment)',
          )
          .optional(),
      })
      .strict()
      .prefault({}),
    database: z
      .object({
        url: z
          .string()
          .regex(/^(postgres(ql)?|pglite):\/\//, 'must be a postgres:// or postgresql:// URL (or pglite:///path, pglite://memory for the embedded database)')
          .default('postgres://postgres@127.0.0.1:54329/ops'),
        migrateOnStart: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    operator: z
      .object({
        // A label only (read-only requests, worker identity): destructive requests are signed with keyFile's key.
        id: z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/, 'letters, digits and . _ @ - only, at most 64'),
        /** The CLI's signing key (ops operator init writes it). */
        keyFile: z.string().min(1),
        /** The worker's allow-list of operators and approvers (their public keys). */
        allowListFile: z.string().min(1),
      })
      .strict(),
    lifecycle: z
      .object({
        /** The contractual hold: a shorter --hold needs a second operator's approval. */
        hold: duration.default('30d'),
        /** No hold may be shorter or longer than these, approved or not. */
        minHold: duration.default('1h'),
        maxHold: duration.default('365d'),
        archiveStorageClass: z.enum(['GLACIER', 'DEEP_ARCHIVE']).default('GLACIER'),
        purgeApprovalWindow: duration.default('72h'),
        s3PageSize: z.number().int().min(1).max(1000).default(1000),
        s3PurgePageSize: z.number().int().min(1).max(1000).default(1000),
      })
      .strict()
      .prefault({}),
    worker: z
      .object({
        shutdownGraceSeconds: z.number().int().min(0).max(3600).default(30),
      })
      .strict()
      .prefault({}),
    log: z
      .object({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
/** What a config file or the environment may give: any subset. */
export type ConfigInput = Partial<z.input<typeof configSchema>>;
