/**
 * nginx (Debian's /usr/sbin/nginx) with docs/forward-auth/nginx.conf in front of stepgate and an
 * application: auth_request, the 401 redirect to sign in, the identity headers.
 */
import { startNginx } from '../helpers/proxies.js';
import { describeForwardAuth } from './forward-auth-walk.js';

describeForwardAuth('nginx', startNginx);
