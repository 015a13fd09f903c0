import { ApplicationFailure } from '@temporalio/activity';
import type pg from 'pg';
import { customerSchema, type InventoryResource } from '../../common/customer.js';
import {
  assertCustomerExists,
  forgetCustomerInventory,
  liveAccess,
  markResourcesRemoved,
  restoreInventoryAccess,
  revokeInventoryAccess,
  setCustomerStage,
} from './access.js';
import { addCustomers, listCustomers, showCustomer } from './customers.js';
import { assertCustomerId } from './ownership.js';
import { customerResources } from './resources.js';

/** Inventory activities: the customer records that termination, reinstatement and purge change. */
export function createInventoryActivities({ db }: { db: pg.Pool }) {
  return {
    /** What a lifecycle starts from: the customer's live resources. A purged customer cannot be terminated again. */
    async loadLifecycleSubject(customerId: string): Promise<{ resources: InventoryResource[] }> {
      const { stage } = await assertCustomerExists(db, customerId);
      if (stage === 'purged') {
        throw ApplicationFailure.nonRetryable(`customer ${customerId} was purged: nothing is left to terminate`, 'CustomerPurged');
      }
      return { resources: await customerResources(db, customerId) };
    },
    revokeInventoryAccess: (customerId: string) => revokeInventoryAccess(db, customerId),
    restoreInventoryAccess: (customerId: string) => restoreInventoryAccess(db, customerId),
    liveAccess: (customerId: string) => liveAccess(db, customerId),
    setCustomerStage: (customerId: string, stage: string | null) => setCustomerStage(db, customerId, stage),
    markResourcesRemoved: (customerId: string, resourceIds: number[]) => markResourcesRemoved(db, customerId, resourceIds),
    forgetCustomerInventory: (customerId: string) => forgetCustomerInventory(db, customerId),

    /** Validates again on the worker: the CLI's check is a convenience, this one is the guard. */
    async addCustomers(customers: unknown[]): Promise<{ added: string[] }> {
      const parsed = customers.map((c, i) => {
        const result = customerSchema.safeParse(c);
        if (!result.success) {
          const issues = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
          throw ApplicationFailure.nonRetryable(`customer #${i + 1}: ${issues}`, 'InvalidCustomer');
        }
        return result.data;
      });
      await addCustomers(db, parsed);
      return { added: parsed.map((c) => c.id) };
    },
    listCustomers: () => listCustomers(db),
    async showCustomer(customerId: string) {
      assertCustomerId(customerId);
      return showCustomer(db, customerId);
    },
  };
}
