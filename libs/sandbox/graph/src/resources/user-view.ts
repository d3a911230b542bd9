import type { User } from '../state/model';

/** Properties v1.0 returns when there is no $select (userType and accountEnabled are not among them). */
export const DEFAULT_USER_FIELDS = ['businessPhones', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName', 'id'];

export const USER_FIELDS: ReadonlySet<string> = new Set([
  ...DEFAULT_USER_FIELDS,
  'userType',
  'accountEnabled',
  'createdDateTime',
  'mailNickname',
  'externalUserState',
  'otherMails',
  'identities',
]);

export const FILTERABLE_USER_FIELDS: ReadonlySet<string> = new Set(['userType', 'mail', 'userPrincipalName', 'displayName', 'accountEnabled', 'givenName', 'surname', 'mailNickname', 'id']);

export function userRecord(user: User): Record<string, unknown> {
  return {
    id: user.id,
    businessPhones: [],
    displayName: user.displayName,
    givenName: user.givenName,
    jobTitle: user.jobTitle,
    mail: user.mail,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: null,
    surname: user.surname,
    userPrincipalName: user.userPrincipalName,
    userType: user.userType,
    accountEnabled: user.accountEnabled,
    createdDateTime: user.createdDateTime,
    mailNickname: user.mailNickname,
    externalUserState: user.externalUserState,
    otherMails: user.userType === 'Guest' && user.mail ? [user.mail] : [],
    identities: [],
  };
}
