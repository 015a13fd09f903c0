// The workflow bundle's entry point: every workflow the worker runs.
export { doctorWorkflow } from './doctor.js';
export { customerLifecycleWorkflow } from './lifecycle/lifecycle-workflow.js';
export {
  addCustomersWorkflow,
  listCustomersWorkflow,
  showCustomerWorkflow,
  readAuditWorkflow,
  readCertificateWorkflow,
  purgePlanWorkflow,
  recordCliRefusalWorkflow,
} from './requests.js';
