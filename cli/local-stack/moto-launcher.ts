import { createHash } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from './cache.js';

/**
 * moto evaluates bucket policies without their conditions: a Deny statement with any Condition denies
 * everyone, so "deny all but the ops role" would lock out the ops role too. This launcher runs moto_server
 * with that evaluation made AWS-like: conditions on aws:PrincipalArn are evaluated (the caller's principal
 * comes from its access key id: `test`/`ops*` keys act as the local ops role, any other key as the IAM user
 * of that name), and a statement whose condition does not hold does not apply.
 *
 * It also makes moto's S3 behave like S3 where the archive depends on it:
 * - An object request a bucket policy denies answers AccessDenied in an XML body (moto sends a bare 403, which
 *   the SDK cannot name); a HEAD stays bare, as on S3.
 * - CopyObject of an SSE-KMS or multipart source gives the copy a new ETag (moto keeps the source's; S3 does
 *   not), so nothing can match a copy to its source by ETag.
 * - SSE-C: an object written with a customer-provided key cannot be read without it: HeadObject answers 400
 *   without a body, GetObject / CopyObject / UploadPartCopy answer InvalidRequest (moto ignores the key).
 * - Intelligent-Tiering archive tiers: moto has no tiering clock, so `POST /moto-api/ops/archive-tier` with
 *   {"bucket", "key", "versionId", "status": "ARCHIVE_ACCESS" | "DEEP_ARCHIVE_ACCESS"} puts a version in a tier,
 *   as S3 does after 90/180 days without access: HeadObject reports its ArchiveStatus, reads and copies answer
 *   InvalidObjectState.
 * Everything else is moto.
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
    _request.environ = environ
    if environ.get("PATH_INFO") == "/moto-api/ops/archive-tier" and environ.get("REQUEST_METHOD") == "POST":
        return _archive_tier(environ, start_response)
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

# --- S3 behaviours moto does not model (see the comment in moto-launcher.ts) ---
import hashlib, json
from moto.s3.exceptions import S3ClientError
from moto.s3.models import S3Backend, s3_backends
from moto.s3.responses import S3Response
from urllib.parse import parse_qs, unquote, urlparse

_copy = S3Backend.copy_object
def _copy_object(self, src_key, dest_bucket_name, dest_key_name, *args, **kwargs):
    result = _copy(self, src_key, dest_bucket_name, dest_key_name, *args, **kwargs)
    if src_key.encryption == "aws:kms" or src_key.multipart:
        new_key = self.get_object(dest_bucket_name, dest_key_name)
        if new_key is not None:
            seed = (src_key.etag + str(new_key.version_id)).encode()
            new_key._etag = hashlib.md5(seed).hexdigest()
    return result
S3Backend.copy_object = _copy_object

def _header(name):
    environ = getattr(_request, "environ", None) or {}
    return environ.get("HTTP_" + name.upper().replace("-", "_"))

_put = S3Backend.put_object
def _put_object(self, *args, **kwargs):
    key = _put(self, *args, **kwargs)
    # The destination's customer key (PutObject, or the target of a CopyObject).
    key_md5 = _header("x-amz-server-side-encryption-customer-key-md5")
    if key is not None and _header("x-amz-server-side-encryption-customer-algorithm"):
        key.ops_sse_c = key_md5 or "?"
    return key
S3Backend.put_object = _put_object

class _CustomerKeyRequired(S3ClientError):
    def __init__(self):
        super().__init__("InvalidRequest", "The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.")

class _InArchiveTier(S3ClientError):
    def __init__(self):
        super().__init__("InvalidObjectState", "The operation is not valid for the object's access tier")

def _check_readable(key, copy_source=False):
    if key is None:
        return
    wanted = getattr(key, "ops_sse_c", None)
    if wanted is not None:
        prefix = "x-amz-copy-source-server-side-encryption-customer-" if copy_source else "x-amz-server-side-encryption-customer-"
        given = _header(prefix + "key-md5")
        if not _header(prefix + "algorithm") or (given and wanted != "?" and given != wanted):
            raise _CustomerKeyRequired()
    if getattr(key, "ops_archive_status", None):
        raise _InArchiveTier()

def _source_key(response):
    parsed = urlparse(response.headers.get("x-amz-copy-source"))
    bucket, name = unquote(parsed.path).lstrip("/").split("/", 1)
    version = parse_qs(parsed.query).get("versionId", [None])[0]
    return response.backend.get_object(bucket, name, version_id=version)

_get_object = S3Response.get_object
def _get_object_checked(self):
    version = self.querystring.get("versionId", [None])[0]
    _check_readable(self.backend.get_object(self.bucket_name, self.parse_key_name(), version_id=version))
    return _get_object(self)
S3Response.get_object = _get_object_checked

_copy_response = S3Response.copy_object
def _copy_object_checked(self):
    _check_readable(_source_key(self), copy_source=True)
    return _copy_response(self)
S3Response.copy_object = _copy_object_checked

_part_copy = S3Response.upload_part_copy
def _upload_part_copy_checked(self):
    _check_readable(_source_key(self), copy_source=True)
    return _part_copy(self)
S3Response.upload_part_copy = _upload_part_copy_checked

_head = S3Response.head_object
def _head_object(self, bucket_name, query, key_name, headers):
    status, response_headers, body = _head(self, bucket_name, query, key_name, headers)
    if status != 200:
        return status, response_headers, body
    key = self.backend.get_object(bucket_name, key_name, version_id=query.get("versionId", [None])[0])
    try:
        _check_readable(key)
    except _CustomerKeyRequired:
        return 400, {}, ""  # S3 answers a HEAD without a body: the client cannot name the error
    except _InArchiveTier:
        pass  # HEAD works on an archived object and says where it is
    if getattr(key, "ops_archive_status", None):
        response_headers["x-amz-archive-status"] = key.ops_archive_status
    return status, response_headers, body
S3Response.head_object = _head_object

_key_response = S3Response._key_response
def _key_response_named(self, request, full_url):
    status, headers, body = _key_response(self, request, full_url)
    if status == 403 and not body and request.method != "HEAD":
        body = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>'
        headers = {**headers, "Content-Type": "application/xml"}
    return status, headers, body
S3Response._key_response = _key_response_named

def _archive_tier(environ, start_response):
    try:
        body = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)) or b"{}")
        status = body["status"]
        if status not in ("ARCHIVE_ACCESS", "DEEP_ARCHIVE_ACCESS"):
            raise ValueError("status must be ARCHIVE_ACCESS or DEEP_ARCHIVE_ACCESS")
        key = None
        for backend in s3_backends.values():
            for partition in backend.values():
                if body["bucket"] in partition.buckets:
                    key = partition.get_object(body["bucket"], body["key"], version_id=body.get("versionId"))
        if key is None or key.storage_class != "INTELLIGENT_TIERING":
            raise ValueError("no such INTELLIGENT_TIERING object version")
        key.ops_archive_status = status
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b"{}"]
    except Exception as err:
        start_response("400 Bad Request", [("Content-Type", "application/json")])
        return [json.dumps({"error": str(err)}).encode()]

# STS answers as AWS would for a worker running under the ops role: an assumed-role session of that role, so the
# suite's "is the worker really the ops role?" check sees what it sees on AWS. Other keys: moto's own answer.
from moto.sts import models as _sts_models
_caller = _sts_models.STSBackend.get_caller_identity
def _get_caller_identity(self, access_key_id, region):
    # moto hands STS a placeholder key; the caller's own key is the one the dispatcher read from the request.
    key = getattr(_request, "access_key", None) or "test"
    role = re.match(r"^arn:([^:]+):iam::(\d{12}):role/(?:.*/)?([^/]+)$", OPS_ROLE_ARN)
    if role and (key == "test" or key.startswith("ops")):
        return "AROAOPSROLE:" + key, "arn:%s:sts::%s:assumed-role/%s/%s" % (role.group(1), role.group(2), role.group(3), key), role.group(2)
    return _caller(self, access_key_id, region)
_sts_models.STSBackend.get_caller_identity = _get_caller_identity

sys.exit(main(sys.argv[1:]))
`;

/** The role the local stack's moto treats as the ops role (access key `test`/`ops*`): `ops dev` and the tests use it. */
export const LOCAL_OPS_ROLE_ARN = 'arn:aws:iam::123456789012:role/lifecycle-ops';

/** Writes the launcher into the cache (once per content) and returns its path. */
export function motoLauncherPath(): string {
  const path = join(cacheDir(), `moto-launcher-${createHash('sha256').update(LAUNCHER).digest('hex').slice(0, 12)}.py`);
  if (!existsSync(path)) writeFileSync(path, LAUNCHER);
  return path;
}
