/**
 * Caddy (Debian's /usr/bin/caddy) with docs/forward-auth/Caddyfile in front of stepgate and an
 * application: forward_auth, the redirect to sign in, the identity headers.
 */
import { startCaddy } from '../helpers/proxies.js';
import { describeForwardAuth } from './forward-auth-walk.js';

describeForwardAuth('Caddy', startCaddy, { cookieLinesEditedApart: true });
