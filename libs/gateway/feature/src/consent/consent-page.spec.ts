import { consentGranted, consentLinkInvalid, consentRefusedByProvider, consentUnavailable, escapeHtml, renderConsentPage } from './consent-page';

describe('consent pages', () => {
  it('tells the person Parley can now act for them in Teams', () => {
    const page = consentGranted('ada@contoso.test');
    expect(page.status).toBe(200);
    const html = renderConsentPage(page);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('Parley can now act for you (ada@contoso.test) in Microsoft Teams');
    expect(html).not.toMatch(/<script|<link|src=/i);
  });

  it('explains a refusal from the identity platform, repeating its description escaped and shortened', () => {
    const page = consentRefusedByProvider('access_denied', 'AADSTS65004: User declined to consent <script>alert(1)</script>\r\nTrace ID: 1');
    expect(page.status).toBe(400);
    const html = renderConsentPage(page);
    expect(html).toContain('You declined');
    expect(html).toContain('AADSTS65004: User declined to consent &lt;script&gt;alert(1)&lt;/script&gt; Trace ID: 1');
    expect(html).not.toContain('<script>');
    expect(renderConsentPage(consentRefusedByProvider('weird_error', 'x'.repeat(5000))).length).toBeLessThan(2000);
    expect(consentRefusedByProvider('weird_error', undefined).message).toBe('Microsoft sign-in answered "weird_error".');
  });

  it('has a clear page for a used or expired link and for a busy Parley', () => {
    expect(consentLinkInvalid()).toMatchObject({ status: 400, message: expect.stringContaining('Ask your admin for a new link') });
    expect(consentUnavailable().status).toBe(503);
  });

  it('escapes every HTML special character', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});
