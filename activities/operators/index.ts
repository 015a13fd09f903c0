import { verifyOperator, type VerifyOperatorInput } from './verify.js';

export { OPERATOR_NOT_VERIFIED } from './failures.js';
export type { VerifyOperatorInput } from './verify.js';

/** Operator identity, verified on the worker against its own allow-list file. */
export function createOperatorActivities(options: { operatorsFile: string }) {
  return {
    verifyOperator: (input: VerifyOperatorInput) => verifyOperator(options.operatorsFile, input),
  };
}
