import { HttpException, MethodNotAllowedException, UnsupportedMediaTypeException } from '@nestjs/common';
import { toProblem } from '@parley/service-runtime';
import { gatewayGenericDetails, problemTypes, unauthorized } from './problem-details';

const request = { method: 'POST', originalUrl: '/v1/orgs?token=abc' };

// The shared renderer and filter are tested in service-runtime; these are the gateway's own problem types and details.
describe('gateway problem details', () => {
  it('answers a missing or wrong API key as the unauthorized problem type', () => {
    expect(toProblem(unauthorized(), request, gatewayGenericDetails)).toEqual({
      type: 'urn:parley:problem:unauthorized',
      title: 'Unauthorized',
      status: 401,
      detail: 'Send an API key as `Authorization: Bearer <key>`.',
      instance: '/v1/orgs',
    });
    expect(toProblem(unauthorized('The API key is not valid.'), request, gatewayGenericDetails).detail).toBe('The API key is not valid.');
  });

  it('tells the API caller what to send on a 405 or 415 it did not cause through gateway code', () => {
    expect(toProblem(new UnsupportedMediaTypeException('unsupported charset "LATIN-1"'), request, gatewayGenericDetails).detail).toBe('Send the body as application/json.');
    expect(toProblem(new MethodNotAllowedException('x'), request, gatewayGenericDetails).detail).toBe('Method not allowed.');
    expect(toProblem(new HttpException('x', 400), request, gatewayGenericDetails).detail).toBe('The request could not be read (is the body valid JSON?).');
  });

  it('keeps the problem type URIs of the public API (the OpenAPI document and clients name them)', () => {
    expect(problemTypes).toEqual({
      invalidRequest: 'urn:parley:problem:invalid-request',
      unauthorized: 'urn:parley:problem:unauthorized',
      connectionRefused: 'urn:parley:problem:connection-refused',
      serviceUnavailable: 'urn:parley:problem:service-unavailable',
      notFound: 'about:blank',
    });
  });
});
