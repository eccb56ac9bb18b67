/**
 * The few files stepgate's pages load besides themselves: the organisation's logo (branding.
 * logo_file) and the script that shows the help desk's times in the viewer's own time zone. They
 * are served under base_path with the same security headers as the pages; a page loads the script
 * with its own nonce (security-headers.ts allowScripts), so no other script can run beside it.
 */
import { Router } from 'express';
import type { LoadedBranding } from './branding.js';
import { LOGO_PATH } from './branding.js';

export const LOCAL_TIME_PATH = '/assets/local-time.js';

/**
 * Rewrites each `<time datetime>` (written by the server in UTC, with the zone named) in the
 * browser's own time zone and language, keeping the UTC text as its tooltip. Without the script
 * the UTC text stays, which is still right.
 */
const LOCAL_TIME_SCRIPT = `'use strict';
(function () {
  // Fields one by one: dateStyle and timeStyle cannot be combined with timeZoneName (a TypeError).
  var format = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  });
  document.querySelectorAll('time[datetime]').forEach(function (element) {
    var when = new Date(element.getAttribute('datetime'));
    if (isNaN(when.getTime())) return;
    element.title = element.textContent;
    element.textContent = format.format(when);
  });
})();
`;

export function assetRoutes(branding: LoadedBranding): Router {
  const router = Router();
  router.get(LOCAL_TIME_PATH, (_req, res) => {
    res.set('Cache-Control', 'public, max-age=3600').type('text/javascript').send(LOCAL_TIME_SCRIPT);
  });
  const { logo } = branding;
  if (logo) {
    router.get(LOGO_PATH, (_req, res) => {
      res.set('Cache-Control', 'public, max-age=3600').type(logo.type).send(logo.body);
    });
  }
  return router;
}
