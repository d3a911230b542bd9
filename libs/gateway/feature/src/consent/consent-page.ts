/** The small HTML pages a person sees after the identity platform sends their browser back to Parley. */

export interface ConsentPage {
  readonly status: 200 | 400 | 503;
  readonly title: string;
  readonly message: string;
}

const MAX_PROVIDER_TEXT = 300;

/** What the identity platform's `error` codes mean for the person (OAuth 2.0 §4.1.2.1 and Entra's additions). */
const providerErrors: Readonly<Record<string, string>> = {
  access_denied: 'You declined, or your organization does not allow you to give Parley this permission.',
  consent_required: 'Your consent is needed, and the sign-in did not ask for it. Open the link from your admin again.',
  interaction_required: 'The sign-in needs you to do something more (for example multi-factor authentication). Open the link from your admin again.',
  login_required: 'You were not signed in. Open the link from your admin again.',
  invalid_request: 'The sign-in request was not valid. Ask your admin for a new link.',
  unauthorized_client: 'Parley is not allowed to ask for this permission in your organization. Tell your admin.',
  invalid_scope: 'Parley asked for a permission your organization does not offer. Tell your admin.',
  server_error: 'Microsoft sign-in had a problem. Try the link again in a few minutes.',
  temporarily_unavailable: 'Microsoft sign-in is busy. Try the link again in a few minutes.',
};

export function consentGranted(email: string): ConsentPage {
  return {
    status: 200,
    title: 'You are all set',
    message: `Parley can now act for you (${email}) in Microsoft Teams: messages you send from Slack appear in Teams as sent by you. You can close this page.`,
  };
}

/** The identity platform sent an error instead of a code. Its description is repeated, shortened and escaped. */
export function consentRefusedByProvider(error: string, description: string | undefined): ConsentPage {
  const known = providerErrors[error];
  const from = description ? ` Microsoft said: ${truncate(description)}` : '';
  return {
    status: 400,
    title: 'Parley cannot act for you yet',
    message: `${known ?? `Microsoft sign-in answered "${truncate(error, 60)}".`}${from}`,
  };
}

/** What Slack's authorize page can send back instead of a code (access_denied when the person clicks Cancel). */
const slackErrors: Readonly<Record<string, string>> = {
  access_denied: 'You clicked Cancel on Slack, so Parley cannot send your messages from Teams as you on Slack. Open the link again to allow it.',
  invalid_scope: 'Parley asked Slack for a permission your workspace does not allow. Tell your admin.',
  invalid_team_for_non_distributed_app: 'You signed in to another Slack workspace than your organization\'s. Open the link again and choose your organization\'s workspace.',
};

export function slackConsentGranted(email: string): ConsentPage {
  return {
    status: 200,
    title: 'You are all set',
    message: `Parley can now act for you (${email}) in Slack: messages you send from Microsoft Teams appear in Slack as sent by you. You can close this page.`,
  };
}

/** Slack sent an error instead of a code; nothing was stored. */
export function slackConsentRefused(error: string): ConsentPage {
  return {
    status: 400,
    title: 'Parley cannot act for you in Slack yet',
    message: slackErrors[error] ?? `Slack answered "${truncate(error, 60)}". Nothing was saved; ask your admin for a new link.`,
  };
}

/** The person approved while signed in to Slack as someone else; their token was not kept. */
export function slackConsentWrongAccount(): ConsentPage {
  return {
    status: 400,
    title: 'That was not your Slack account',
    message: 'You approved while signed in to Slack as someone else, so Parley kept nothing. Sign in to Slack as yourself and ask your admin for a new link.',
  };
}

export function consentLinkIncomplete(): ConsentPage {
  return {
    status: 400,
    title: 'This page needs the link from your admin',
    message: 'The sign-in did not come back with what Parley needs. Open the consent link your admin gave you again.',
  };
}

export function consentLinkInvalid(): ConsentPage {
  return {
    status: 400,
    title: 'This link has expired or was already used',
    message: 'Parley could not match this sign-in to a consent link that is still valid. Ask your admin for a new link.',
  };
}

export function consentUnavailable(): ConsentPage {
  return {
    status: 503,
    title: 'Parley is busy',
    message: 'Parley could not finish saving your consent right now. Open the link from your admin again in a few minutes.',
  };
}

function truncate(text: string, max = MAX_PROVIDER_TEXT): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** A self-contained page: no script, no external resource. */
export function renderConsentPage(page: ConsentPage): string {
  const title = escapeHtml(page.title);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Parley: ${title}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;line-height:1.5;color:#1d1d1f}h1{font-size:1.4rem}</style>
</head>
<body>
<h1>${title}</h1>
<p>${escapeHtml(page.message)}</p>
</body>
</html>
`;
}
