// The workflow bundle's entry point: every workflow the worker runs.
export { doctorWorkflow } from './doctor.js';
