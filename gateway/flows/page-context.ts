import type { Request, Response } from 'express';
import type { GatewayContext } from '../context.js';
import type { PageContext } from '../factors/types.js';
import { allowScripts } from '../http/security-headers.js';

/** What a method's page needs from this request: where stepgate lives, the form token, script nonces. */
export function pageContext(ctx: GatewayContext, req: Request, res: Response): PageContext {
  let nonce: string | undefined;
  return {
    basePath: ctx.basePath,
    csrf: ctx.csrfToken(req),
    scriptNonce: () => (nonce ??= allowScripts(res)),
  };
}
