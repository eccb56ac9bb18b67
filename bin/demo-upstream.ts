/**
 * The demo application stepgate protects in `npm start`: one page that shows which
 * X-Stepgate-* headers arrived, so a person can see what an upstream learns, with the links an
 * application puts beside its own pages: the person's sign-in settings, and signing out (GET
 * /logout asks, then signs out with the form's token, as the application cannot post it).
 */
import { createServer, type Server } from 'node:http';
import { escapeHtml } from '../gateway/http/html.js';

export function demoUpstream(options: { basePath?: string } = {}): Server {
  const base = escapeHtml(options.basePath ?? '/_stepgate');
  return createServer((req, res) => {
    const identity = Object.entries(req.headers)
      .filter(([name]) => name.startsWith('x-stepgate-'))
      .map(
        ([name, value]) =>
          `<tr><th scope="row">${escapeHtml(name)}</th><td>${escapeHtml(String(value))}</td></tr>`,
      )
      .join('');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Demo application</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1d2330}th{text-align:left;padding-right:1rem}a{color:#2450b2}nav{display:flex;gap:1.5rem}</style></head>
<body><header><nav aria-label="Account"><a href="${base}/settings">Settings</a><a href="${base}/logout">Sign out</a></nav></header>
<main><h1>Demo application</h1>
<p>You reached the application behind stepgate at <code>${escapeHtml(req.url ?? '/')}</code>. It received these identity headers:</p>
<table><caption>Identity headers</caption>${identity || '<tr><td>(none)</td></tr>'}</table>
</main></body></html>`);
  });
}
