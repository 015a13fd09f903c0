import type pg from 'pg';
import type { ClosedGroups } from './network.js';
import type { WarehouseService } from './service.js';
import type { WarehouseChecked, WarehouseLocation } from './types.js';

/** Everything one warehouse activity works with, for one kind (Redshift or RDS). */
export interface WarehouseContext {
  db: pg.Pool;
  service: WarehouseService;
  /** The region of the service's client and the account of the worker's credentials. */
  here(): Promise<WarehouseLocation>;
  network: ClosedGroups;
}

// Checked on moto 5.2: it implements no AWS Backup recovery-point API, so the listing is left out, and said so.
const BACKUP_NOT_LISTED = {
  what: 'backup-recovery-points',
  why: 'AWS Backup is not asked (ListRecoveryPointsByResource is not used: the local emulator, moto, does not implement it); a recovery point kept by an AWS Backup plan would not be found',
} as const;

export function checkedIn(service: WarehouseService, here: WarehouseLocation): WarehouseChecked {
  return { ...here, listed: [...service.listings.listed], apis: [...service.listings.apis], notListed: [{ ...BACKUP_NOT_LISTED }] };
}
