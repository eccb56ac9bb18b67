/**
 * What every page of the help-desk console shares: the navigation between finding a user and the
 * history, and the script that shows times in the viewer's own time zone (loaded with this
 * response's nonce, the one script the console's pages run).
 */
import type { Response } from 'express';
import { LOCAL_TIME_PATH } from '../../http/assets.js';
import { html, type SafeHtml } from '../../http/html.js';
import { allowScripts } from '../../http/security-headers.js';
import { t } from '../../i18n/index.js';

export interface ConsolePage {
  basePath: string;
  csrf: string;
  scripts: { src: string; nonce: string }[];
}

export function consolePage(basePath: string, csrf: string, res: Response): ConsolePage {
  return { basePath, csrf, scripts: [{ src: `${basePath}${LOCAL_TIME_PATH}`, nonce: allowScripts(res) }] };
}

export function consoleNav(basePath: string): SafeHtml {
  return html`<nav aria-label="${t('admin.nav.label')}" class="actions">
    <a href="${basePath}/admin">${t('admin.nav.find')}</a>
    <a href="${basePath}/admin/history">${t('admin.nav.history')}</a>
  </nav>`;
}
