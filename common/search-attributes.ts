import { defineSearchAttributeKey } from '@temporalio/common';

// Only ids and stage names: search attributes are not encrypted by the payload codec.
export const CUSTOMER_ID = defineSearchAttributeKey('CustomerId', 'KEYWORD');
export const LIFECYCLE_STAGE = defineSearchAttributeKey('LifecycleStage', 'KEYWORD');

/** What the namespace must have registered; `ops dev` registers these, `ops doctor` checks them. */
export const REQUIRED_SEARCH_ATTRIBUTES: Readonly<Record<string, 'Keyword'>> = {
  [CUSTOMER_ID.name]: 'Keyword',
  [LIFECYCLE_STAGE.name]: 'Keyword',
};
