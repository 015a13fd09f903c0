import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { ApplicationFailure } from '@temporalio/activity';

export const OPS_ROLE_MISMATCH = 'OpsRoleMismatch';

/**
 * The IAM role ARN behind a caller identity: an assumed-role session `arn:aws:sts::ACCT:assumed-role/NAME/SESSION`
 * is the role `arn:aws:iam::ACCT:role/NAME` (STS drops the role's path; the comparison below allows for it).
 * Anything else (a user, the root account) is returned as it is.
 */
export function roleArnOf(callerArn: string): string {
  const match = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(callerArn);
  return match ? `arn:${match[1]}:iam::${match[2]}:role/${match[3]}` : callerArn;
}

/** True when the caller is the configured role: same partition, account and role name (the path may differ). */
export function isOpsRole(callerArn: string, opsRoleArn: string): boolean {
  const caller = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArnOf(callerArn));
  const wanted = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(opsRoleArn);
  return Boolean(caller && wanted && caller[1] === wanted[1] && caller[2] === wanted[2] && caller[3] === wanted[3]);
}

/**
 * Whom AWS sees when the worker calls it. A bucket closed by a Deny for everyone but `opsRoleArn` locks out the
 * worker itself (and every later archive, purge or reinstatement) if the worker runs as someone else: checked
 * when the worker starts, by `ops doctor`, and again before every Deny is written.
 */
export async function callerIdentity(sts: STSClient): Promise<{ arn: string; account: string }> {
  const out = await sts.send(new GetCallerIdentityCommand({}));
  return { arn: out.Arn ?? '', account: out.Account ?? '' };
}

export async function assertRunsAsOpsRole(sts: STSClient, opsRoleArn: string | undefined): Promise<void> {
  if (!opsRoleArn) {
    throw ApplicationFailure.nonRetryable('aws.opsRoleArn is not set: the worker cannot close a bucket without knowing the role it must keep open', OPS_ROLE_MISMATCH);
  }
  const { arn } = await callerIdentity(sts);
  if (!isOpsRole(arn, opsRoleArn)) {
    throw ApplicationFailure.nonRetryable(
      `the worker runs as ${arn}, not as the ops role ${opsRoleArn}: a Deny for everyone but the ops role would lock the worker out too`,
      OPS_ROLE_MISMATCH,
    );
  }
}
