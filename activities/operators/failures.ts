/** An operator's signed request did not check out: no retry can fix a bad signature or an unknown key. */
export const OPERATOR_NOT_VERIFIED = 'OperatorNotVerified';
