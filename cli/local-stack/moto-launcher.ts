import { createHash } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from './cache.js';

/**
 * moto evaluates bucket policies without their conditions: a Deny statement with any Condition denies
 * everyone, so "deny all but the ops role" would lock out the ops role too. This launcher runs moto_server
 * with that evaluation made AWS-like: conditions on aws:PrincipalArn are evaluated (the caller's principal
 * comes from its access key id: `test`/`ops*` keys act as the local ops role, any other key as the IAM user
 * of that name), and a statement whose condition does not hold does not apply. Everything else is moto.
 */
const LAUNCHER = String.raw`
import fnmatch, os, re, sys, threading
from moto.iam import access_control as ac
from moto.server import DomainDispatcherApplication, main

OPS_ROLE_ARN = os.environ.get("MOTO_OPS_ROLE_ARN", "arn:aws:iam::123456789012:role/lifecycle-ops")
_request = threading.local()

def principal_arn():
    key = getattr(_request, "access_key", None) or "test"
    if key == "test" or key.startswith("ops"):
        return OPS_ROLE_ARN
    return "arn:aws:iam::123456789012:user/" + key

_call = DomainDispatcherApplication.__call__
def _dispatch(self, environ, start_response):
    match = re.search(r"Credential=([^/]+)/", environ.get("HTTP_AUTHORIZATION", ""))
    _request.access_key = match.group(1) if match else None
    return _call(self, environ, start_response)
DomainDispatcherApplication.__call__ = _dispatch

def _holds(conditions):
    context = {"aws:principalarn": principal_arn()}
    for operator, pairs in conditions.items():
        base, if_exists = (operator[:-8], True) if operator.endswith("IfExists") else (operator, False)
        negated = "Not" in base
        kind = base.replace("Not", "")
        if kind not in ("StringEquals", "StringLike", "ArnEquals", "ArnLike"):
            continue  # unknown to this shim: ignored, as moto does
        for key, expected in pairs.items():
            actual = context.get(key.lower())
            if actual is None:
                if not (if_exists or negated):
                    return False
                continue
            values = expected if isinstance(expected, list) else [expected]
            glob = kind in ("StringLike", "ArnLike", "ArnEquals")
            hit = any(fnmatch.fnmatchcase(actual, v) if glob else actual == v for v in values)
            if hit == negated:
                return False
    return True

_permitted = ac.IAMPolicyStatement.is_action_permitted
def _is_action_permitted(self, action, resource="*", principal=None, incoming_condition_values=None):
    conditions = self._statement.get("Condition")
    if not conditions:
        return _permitted(self, action, resource, principal, incoming_condition_values)
    if not _holds(conditions):
        return ac.PermissionResult.NEUTRAL
    del self._statement["Condition"]
    try:
        return _permitted(self, action, resource, principal, incoming_condition_values)
    finally:
        self._statement["Condition"] = conditions
ac.IAMPolicyStatement.is_action_permitted = _is_action_permitted

sys.exit(main(sys.argv[1:]))
`;

/** Writes the launcher into the cache (once per content) and returns its path. */
export function motoLauncherPath(): string {
  const path = join(cacheDir(), `moto-launcher-${createHash('sha256').update(LAUNCHER).digest('hex').slice(0, 12)}.py`);
  if (!existsSync(path)) writeFileSync(path, LAUNCHER);
  return path;
}
