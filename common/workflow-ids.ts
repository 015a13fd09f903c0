/** Predictable workflow ids: one workflow per subject and process, so a repeat is a no-op, not a duplicate. */
export const workflowIds = {
  lifecycle: (customerId: string) => `lifecycle/${customerId}`,
  doctor: (nonce: string) => `doctor/${nonce}`,
  /** Short request workflows of the CLI (inventory, audit, certificates, purge plans). */
  request: (kind: string, nonce: string) => `ops/${kind}/${nonce}`,
} as const;

export function temporalUiLink(uiUrl: string, namespace: string, workflowId: string, runId?: string): string {
  const base = uiUrl.replace(/\/+$/, '');
  const path = `/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return `${base}${path}${runId ? `/${encodeURIComponent(runId)}` : ''}`;
}
