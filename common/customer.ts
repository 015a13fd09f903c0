import { z } from 'zod';

/** Customer ids are DNS-label-like: they appear in workflow ids, S3 prefixes and snapshot names. */
export const CUSTOMER_ID_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
export const customerIdSchema = z.string().regex(CUSTOMER_ID_PATTERN, 'lowercase letters, digits and inner dashes, 1-63 characters');

const s3BucketName = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'not a valid S3 bucket name');
const awsIdentifier = z.string().regex(/^[a-zA-Z][a-zA-Z0-9-]{0,62}$/, 'not a valid cluster / instance identifier');

/**
 * Where a customer's data lives. An S3 resource is a whole bucket (dedicated, prefix '') or a prefix in a
 * shared bucket (ending in '/'). Redshift clusters and RDS instances are dedicated or shared.
 */
export const resourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('s3'), bucket: s3BucketName, prefix: z.string().default(''), dedicated: z.boolean().default(false) }).strict(),
  z.object({ kind: z.literal('redshift'), clusterId: awsIdentifier, dedicated: z.boolean().default(true) }).strict(),
  z.object({ kind: z.literal('rds'), instanceId: awsIdentifier, dedicated: z.boolean().default(true) }).strict(),
]);
export type ResourceInput = z.input<typeof resourceSchema>;
export type Resource = z.infer<typeof resourceSchema>;
export type S3Resource = Extract<Resource, { kind: 's3' }>;
export type RedshiftResource = Extract<Resource, { kind: 'redshift' }>;
export type RdsResource = Extract<Resource, { kind: 'rds' }>;

export const customerSchema = z
  .object({
    id: customerIdSchema,
    name: z.string().min(1).max(200),
    organization: z.string().min(1).max(200),
    projects: z
      .array(
        z
          .object({
            id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - only'),
            name: z.string().min(1).max(200),
            tokens: z.array(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a token id: letters, digits, _ and - only')).default([]),
          })
          .strict(),
      )
      .default([]),
    resources: z.array(resourceSchema).default([]),
  })
  .strict();
export type CustomerInput = z.input<typeof customerSchema>;
export type Customer = z.infer<typeof customerSchema>;

/** A stored resource, with the inventory's id. */
export type InventoryResource = Resource & { id: number; customerId: string };

export function describeResource(resource: Resource): string {
  switch (resource.kind) {
    case 's3':
      return `s3://${resource.bucket}/${resource.prefix}`;
    case 'redshift':
      return `redshift:${resource.clusterId}`;
    case 'rds':
      return `rds:${resource.instanceId}`;
  }
}

/** A row of `ops customers list`. */
export interface CustomerSummary {
  id: string;
  name: string;
  organization: string;
  stage: string | null;
  projects: number;
  activeTokens: number;
  resources: number;
  createdAt: string;
}

/** `ops customers show`: the inventory record with what termination changed. */
export interface CustomerDetail {
  id: string;
  name: string;
  organization: string;
  stage: string | null;
  deletedAt: string | null;
  projects: { id: string; name: string; deleted: boolean; tokens: { id: string; revoked: boolean }[] }[];
  resources: (Customer['resources'][number] & { id: number; removed: boolean })[];
}
