/** English: What people are sent (codes, notices) and the pages their links open; durations in words. */
export const messages = {
  // What people are sent (factors/messages.ts)
  'message.sms_code': '{code} is your verification code. It expires in {lifetime}. Never share it.',
  'message.email_code.subject': 'Your verification code',
  'message.email_code.body':
    '{code} is your verification code.\n\nEnter it on the sign-in page to confirm it is you. It expires in {lifetime} and works once.\n\nIf you did not just try to sign in, someone may know your password: change it and tell your help desk.\n',
  'message.new_mobile.subject': 'A new mobile number was registered',
  'message.new_mobile.body':
    'The mobile number {mobile} was just registered for your account. Verification codes will be sent to it.\n\nIf this was not you, tell your help desk at once: they can remove the number.\n',
  'message.new_network.subject': 'New sign-in to your account from a new network',
  'message.new_network.body':
    'Your account was just signed in to from a network it had not been confirmed on before.\n\nWhen: {time}\nNetwork: {network}\n{place}Confirmed with: {method}\n\nIf this was you, there is nothing to do.\n\nIf it was not you, open this link to forget that network and sign out its sessions, then change your password and tell your help desk:\n{link}\n\nThe link works once, for 7 days.\n',
  'message.new_network.place': 'Approximate place: {place}\n',
  'message.mobile_removed.subject': 'A mobile number was removed from your account',
  'message.mobile_removed.body':
    'The mobile number {mobile} was removed from your account. Verification codes are no longer sent to it.\n\nIf you did not expect this, tell your help desk.\n',
  'message.credential_added.subject': 'A way to confirm it is you was added to your account',
  'message.credential_added.body':
    '{method} was just added to your account as a way to confirm it is you.\n\nIf this was not you, tell your help desk at once: they can remove it.\n',
  'message.credential_removed.subject': 'A way to confirm it is you was removed from your account',
  'message.credential_removed.body':
    '{method} was just removed from your account.\n\nIf this was not you, tell your help desk at once.\n',
  'network_revoke.title': 'Forget this network?',
  'network_revoke.text':
    'Signing in from {network} will ask you to confirm it is you again, and every session signed in from it is signed out.',
  'network_revoke.submit': 'Forget the network and sign out its sessions',
  'network_revoke.done':
    'The network {network} was forgotten and {count} session(s) from it were signed out.',
  'error.revoke_link_invalid': 'This link is not valid. Open the link from the email exactly as it was sent.',
  'error.revoke_link_expired': 'This link has expired. Ask your help desk to forget the network for you.',
  'error.revoke_link_used': 'This link was used already: the network was forgotten then.',
  'message.temporary_code.subject': 'A temporary verification code was issued for you',
  'message.temporary_code.body':
    'Your help desk issued a temporary verification code for your account. It works until {time}.\n\nIf you did not ask for one, tell your help desk at once: they can expire it, and so can you in your sign-in settings.\n',
  'duration.seconds.one': '{count} second',
  'duration.seconds.other': '{count} seconds',
  'duration.minutes.one': '{count} minute',
  'duration.minutes.other': '{count} minutes',
  'duration.hours.one': '{count} hour',
  'duration.hours.other': '{count} hours',
  'duration.days.one': '{count} day',
  'duration.days.other': '{count} days',
} as const;
