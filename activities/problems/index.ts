import type pg from 'pg';

export type ProblemSeverity = 'critical' | 'error' | 'warning' | 'info';

export interface ProblemReport {
  /** One cause, one open problem: e.g. `lifecycle/acme:stuck:archiving`. Repeats count, they do not multiply. */
  cause: string;
  /** What noticed it: `lifecycle`, `snapshots`, `retention`... */
  source: string;
  severity: ProblemSeverity;
  /** One line for a page or a status-page post. No personal data. */
  summary: string;
  details?: Record<string, unknown>;
}

/**
 * The one "report a problem" function of the suite: a stale snapshot, a stuck stage or a failed workflow lands
 * here, deduplicated per cause. The incidents capability turns open reports into an incident and a page.
 */
export function createProblemActivities({ db }: { db: pg.Pool }) {
  return {
    async reportProblem(report: ProblemReport): Promise<{ occurrences: number }> {
      const { rows } = await db.query<{ occurrences: number }>(
        `INSERT INTO problem_reports (cause, source, severity, summary, details) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (cause) DO UPDATE SET severity = EXCLUDED.severity, summary = EXCLUDED.summary, details = EXCLUDED.details,
           last_seen = now(), occurrences = problem_reports.occurrences + 1, resolved_at = NULL
         RETURNING occurrences`,
        [report.cause, report.source, report.severity, report.summary, JSON.stringify(report.details ?? {})],
      );
      return { occurrences: Number(rows[0]?.occurrences ?? 1) };
    },

    /** The cause is gone (the stuck stage moved on): the report closes, and a later one opens afresh. */
    async resolveProblem(cause: string): Promise<void> {
      await db.query(`UPDATE problem_reports SET resolved_at = now() WHERE cause = $1 AND resolved_at IS NULL`, [cause]);
    },

    async openProblems(): Promise<(ProblemReport & { occurrences: number; firstSeen: string; lastSeen: string })[]> {
      const { rows } = await db.query<{
        cause: string; source: string; severity: ProblemSeverity; summary: string; details: Record<string, unknown>;
        occurrences: number; first_seen: Date | string; last_seen: Date | string;
      }>(`SELECT * FROM problem_reports WHERE resolved_at IS NULL ORDER BY last_seen DESC`);
      return rows.map((r) => ({
        cause: r.cause, source: r.source, severity: r.severity, summary: r.summary, details: r.details,
        occurrences: Number(r.occurrences), firstSeen: new Date(r.first_seen).toISOString(), lastSeen: new Date(r.last_seen).toISOString(),
      }));
    },
  };
}
