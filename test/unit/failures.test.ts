import { describe, expect, it } from 'vitest';
import { OPERATOR_NOT_VERIFIED } from '../../activities/operators/index.js';
import { CHECKPOINT_MISSING } from '../../activities/checkpoints/index.js';
import { S3_FAILURE_TYPES } from '../../activities/s3/errors.js';
import * as warehouseErrors from '../../activities/warehouse/errors.js';
import * as warehouseRefusals from '../../activities/warehouse/refusals.js';
import { UNKNOWN_CUSTOMER } from '../../activities/inventory/access.js';
import { INVENTORY_CONFLICT } from '../../activities/inventory/customers.js';
import { OWNERSHIP_VIOLATION } from '../../activities/inventory/ownership.js';
import { FAILURES, NON_RETRYABLE_TYPES, failureSpec } from '../../common/failures.js';
import { INVALID_LIFECYCLE_INPUT } from '../../workflows/lifecycle/input.js';

describe('the failure catalog', () => {
  it('lists every failure type the activities and workflows raise', () => {
    const raised: string[] = [
      ...S3_FAILURE_TYPES,
      ...(Object.values(warehouseErrors) as unknown[]).filter((v): v is string => typeof v === 'string' && /^[A-Z]\w+$/.test(v)),
      warehouseRefusals.FINAL_SNAPSHOT_MISSING,
      warehouseRefusals.FINAL_SNAPSHOT_CONFLICT,
      warehouseRefusals.DELETION_PROTECTED,
      OPERATOR_NOT_VERIFIED,
      CHECKPOINT_MISSING,
      UNKNOWN_CUSTOMER,
      INVENTORY_CONFLICT,
      OWNERSHIP_VIOLATION,
      INVALID_LIFECYCLE_INPUT,
    ];
    expect(raised.filter((type) => !failureSpec(type))).toEqual([]);
  });

  it('derives the non-retryable list from it: throttling stays retryable, refusals do not', () => {
    expect(NON_RETRYABLE_TYPES).toContain('OperatorNotVerified');
    expect(NON_RETRYABLE_TYPES).toContain('S3AccessDenied');
    expect(NON_RETRYABLE_TYPES).not.toContain('WarehouseAwsUnavailable');
    expect(NON_RETRYABLE_TYPES.length).toBe(Object.values(FAILURES).filter((f) => !f.retryable).length);
    expect(failureSpec('toString')).toBeUndefined();
  });
});
