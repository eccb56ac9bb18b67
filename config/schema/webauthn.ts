/** stepgate.yaml `webauthn:`: the relying party that passkeys and security keys are bound to. */
import { z } from 'zod';

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

/** A host name (no scheme, port or path), as WebAuthn takes an RP ID: `example.com`, `localhost`. */
const rpId = z.string().trim().toLowerCase().regex(HOST_NAME, {
  message: "must be a host name such as 'example.com', without a scheme, port or path",
});

/** An origin as browsers send it: scheme, host and port only. */
const origin = z
  .string()
  .trim()
  .refine((value) => URL.canParse(value) && new URL(value).origin === value.replace(/\/$/, ''), {
    message: "must be an origin such as 'https://login.example.com' (a scheme, a host and a port, no path)",
  })
  .transform((value) => new URL(value).origin);

export const webauthnSchema = z
  .strictObject({
    rp_id: rpId
      .optional()
      .describe(
        "The relying party ID passkeys are bound to: server.public_url's host name when absent. A parent domain (example.com) lets keys work on every subdomain; it cannot be changed later without setting the keys up again.",
      ),
    rp_name: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(64, 'must be at most 64 characters')
      .prefault('stepgate')
      .describe('The name the browser shows when a passkey is set up.'),
    origins: z
      .array(origin)
      .min(1, 'must list at least one origin')
      .optional()
      .describe(
        "The origins a passkey's answer may come from: server.public_url's origin when absent. Add an identity provider's origin (Keycloak) when it offers passkeys through the sidecar API.",
      ),
  })
  .describe('Passkeys and security keys (WebAuthn): where their answers may come from.');

export type WebauthnConfig = z.output<typeof webauthnSchema>;

/** Whether `host` is `rpId` or one of its subdomains: the only hosts a key of that RP ID answers on. */
export function hostMatchesRpId(host: string, rpId: string): boolean {
  return host === rpId || host.endsWith(`.${rpId}`);
}

/**
 * The relying party as the gateway uses it, defaults filled from server.public_url. Each origin
 * must be on the RP ID's domain, or no browser would ever answer from it: `stepgate check` says so.
 */
export function relyingParty(webauthn: WebauthnConfig, publicUrl: string) {
  const url = new URL(publicUrl);
  return {
    id: webauthn.rp_id ?? url.hostname,
    name: webauthn.rp_name,
    origins: webauthn.origins ?? [url.origin],
  };
}

/** Problems with the relying party, each with its key path under `webauthn`, for the config's validation. */
export function relyingPartyProblems(
  webauthn: WebauthnConfig,
  publicUrl: string,
): { path: (string | number)[]; message: string }[] {
  // A value refused on its own is reported as such, not again here.
  if (!URL.canParse(publicUrl) || (webauthn.rp_id !== undefined && !HOST_NAME.test(webauthn.rp_id)))
    return [];
  const party = relyingParty(webauthn, publicUrl);
  return party.origins.flatMap((origin, index) =>
    !URL.canParse(origin) || hostMatchesRpId(new URL(origin).hostname, party.id)
      ? []
      : [
          {
            path: webauthn.origins ? ['origins', index] : ['rp_id'],
            message: `'${origin}' is not on the domain of rp_id '${party.id}': a passkey would never answer from there`,
          },
        ],
  );
}
