import { INVALID_REQUEST_PROBLEM, ProblemException, type ProblemExtensions } from '@parley/service-runtime';

export const conflict = (detail: string, type = 'about:blank', extensions: ProblemExtensions = {}): ProblemException =>
  new ProblemException(409, detail, type, undefined, extensions);
export const badRequest = (detail: string, field?: string): ProblemException =>
  new ProblemException(400, detail, INVALID_REQUEST_PROBLEM, field ? [{ field, message: detail }] : undefined);
