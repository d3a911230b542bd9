import { Catch, type ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { throwError, type Observable } from 'rxjs';

/**
 * Nest's default RPC filter turns any handler error into "Internal server error". The bus needs the original error
 * (its type decides retry or dead letter; its message is the dead letter's reason), so on the RPC side it passes
 * through unchanged; HTTP errors keep Nest's usual handling.
 */
@Catch()
export class RethrowRpcFilter extends BaseExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): Observable<never> | void {
    if (host.getType() === 'rpc') return throwError(() => exception);
    return super.catch(exception, host);
  }
}
