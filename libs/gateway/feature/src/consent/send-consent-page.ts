import type { Response } from 'express';
import { renderConsentPage, type ConsentPage } from './consent-page';

/** Answers a consent page. The URL held a one-time code: the page must not be cached nor send it on as a referrer. */
export function sendConsentPage(response: Response, page: ConsentPage): void {
  response
    .status(page.status)
    .setHeader('Cache-Control', 'no-store')
    .setHeader('Referrer-Policy', 'no-referrer')
    .setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
    .type('html')
    .send(renderConsentPage(page));
}
