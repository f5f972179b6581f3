/**
 * One catalog of API error codes. Expected failures (bad input, wrong key, duplicates) are
 * values with a precise reason; exceptions stay for the unexpected.
 */
import type { Issue } from '../ceb/index.ts';

export const ERRORS = {
  INVALID_MESSAGE: { status: 400, message: 'The message is not valid against the CEB 202205 standard.' },
  INVALID_REQUEST: { status: 400, message: 'The request is not valid.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Send application/xml (a CEB message or DxpMsg) or application/json.' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The body is larger than the limit.' },
  UNAUTHORIZED: { status: 401, message: 'A valid credential is required: an API key (Authorization: Bearer <apiKey>) a console session (the sg_session cookie from POST /api/v1/session) or, over HTTPS, a registered client certificate.' },
  FORBIDDEN: { status: 403, message: 'This key may not do that.' },
  SENDER_MISMATCH: { status: 403, message: 'The message is transmitted in the name of another enterprise.' },
  NOT_FOUND: { status: 404, message: 'Not found.' },
  CONFLICT: { status: 409, message: 'The declaration conflicts with one already stored.' },
  LOCKED: { status: 423, message: 'The account is locked after too many failed logins; try again after the time given.' },
  RATE_LIMITED: { status: 429, message: 'Too many requests; retry after the time given in Retry-After.' },
  UNAVAILABLE: { status: 503, message: 'The platform is shutting down or overloaded; retry later.' },
  INTERNAL: { status: 500, message: 'Internal error.' },
} as const;

export type ErrorCode = keyof typeof ERRORS;

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly issues: Issue[] = [],
    /** Where customs would answer with a receipt: its returnStatus and returnInfo. */
    readonly customs?: { returnStatus: string; returnInfo: string },
  ) {
    super(message ?? ERRORS[code].message);
    this.status = ERRORS[code].status;
  }

  toJSON() {
    return { error: { code: this.code, message: this.message, issues: this.issues, ...(this.customs ?? {}) } };
  }
}
