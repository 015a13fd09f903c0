/** One line of `ops doctor`: a part of the system, whether it is healthy, and what was seen. */
export interface HealthCheck {
  name: string;
  status: 'ok' | 'fail' | 'skipped';
  detail: string;
  ms?: number;
}
