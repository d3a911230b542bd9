import { Injectable, type PipeTransform } from '@nestjs/common';
import { INVALID_REQUEST_PROBLEM, ProblemException, problemDetailsFilter, type ProblemExtensions } from '@parley/service-runtime';

export const conflict = (detail: string, type = 'about:blank', extensions: ProblemExtensions = {}): ProblemException =>
  new ProblemException(409, detail, type, undefined, extensions);
export const badRequest = (detail: string, field?: string): ProblemException =>
  new ProblemException(400, detail, INVALID_REQUEST_PROBLEM, field ? [{ field, message: detail }] : undefined);

/** identity's internal API answers every error as application/problem+json; a 401 says how to send the token. */
export const identityProblemFilter = problemDetailsFilter({
  genericDetails: { 401: 'Send the internal token as `Authorization: Bearer <token>`.' },
});

const ORG_ID = /^org_[A-Za-z0-9]{8,40}$/;

/** `@Param('orgId', OrgIdPipe)`: a malformed org id is a 400 naming `orgId`. */
@Injectable()
export class OrgIdPipe implements PipeTransform<unknown, string> {
  transform(value: unknown): string {
    if (typeof value !== 'string' || !ORG_ID.test(value)) throw badRequest('orgId: expected an org id like org_XXXXXXXX.', 'orgId');
    return value;
  }
}
