/**
 * The scripts a passkey page runs, served by stepgate itself (no CDN): SimpleWebAuthn's browser
 * bundle from node_modules, and the few lines that hand the page's options to it and post the
 * answer with the page's form. Pages load them with a per-response nonce (http/security-headers.ts
 * allowScripts); every other page runs no script at all.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { MethodAsset } from '../types.js';

/** The package's own bundle; its `exports` name only the module, so the path is found from there. */
function bundlePath(): string {
  const main = createRequire(import.meta.url).resolve('@simplewebauthn/browser');
  return join(dirname(main), '..', 'dist', 'bundle', 'index.umd.min.js');
}

/**
 * Runs on the page holding `#webauthn-form`: its `data-options` are the ceremony's options, its
 * `data-ceremony` says which (`register` or `authenticate`). Submitting asks the browser for the
 * key, puts the answer in the form's `response` field and posts the form. What it tells the
 * person is in the status line's data- attributes (`data-unsupported`, `data-asking`,
 * `data-failed` with `{error}`), written by pages.ts in the request's language. Written for the
 * browsers that have WebAuthn (no build step), and reads nothing but the page.
 */
export const PAGE_SCRIPT = `(function () {
  'use strict';
  var form = document.getElementById('webauthn-form');
  var status = document.getElementById('webauthn-status');
  if (!form || !status) return;
  var button = form.querySelector('button[type="submit"]');
  var answer = form.querySelector('input[name="response"]');
  var library = window.SimpleWebAuthnBrowser;
  if (!library || !library.browserSupportsWebAuthn()) {
    status.textContent = status.getAttribute('data-unsupported');
    return;
  }
  var options = JSON.parse(form.getAttribute('data-options'));
  var register = form.getAttribute('data-ceremony') === 'register';
  button.disabled = false;
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    button.disabled = true;
    status.textContent = status.getAttribute('data-asking');
    var asked = register
      ? library.startRegistration({ optionsJSON: options })
      : library.startAuthentication({ optionsJSON: options });
    asked.then(
      function (response) {
        answer.value = JSON.stringify(response);
        form.submit();
      },
      function (error) {
        button.disabled = false;
        var reason = String(error && error.message ? error.message : error);
        status.textContent = status.getAttribute('data-failed').split('{error}').join(reason);
      },
    );
  });
})();
`;

let bundle: Promise<string> | undefined;

/** The files the passkey pages load, under `<base_path>/methods/webauthn/`. */
export const ASSETS: Readonly<Record<string, MethodAsset>> = {
  'simplewebauthn-browser.js': {
    contentType: 'text/javascript; charset=utf-8',
    body: () => (bundle ??= readFile(bundlePath(), 'utf8')),
  },
  'webauthn.js': { contentType: 'text/javascript; charset=utf-8', body: async () => PAGE_SCRIPT },
};
