/**
 * The demo application stepgate protects in `npm start`: one page that shows which
 * X-Stepgate-* headers arrived, so a person can see what an upstream learns.
 */
import { createServer, type Server } from 'node:http';
import { escapeHtml } from '../gateway/http/html.js';

export function demoUpstream(): Server {
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
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto}th{text-align:left;padding-right:1rem}</style></head>
<body><h1>Demo application</h1>
<p>You reached the application behind stepgate at <code>${escapeHtml(req.url ?? '/')}</code>. It received these identity headers:</p>
<table>${identity || '<tr><td>(none)</td></tr>'}</table>
<form method="post" action="/_stepgate/logout"><p><a href="/_stepgate/settings">Settings</a></p></form>
</body></html>`);
  });
}
