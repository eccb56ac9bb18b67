/**
 * stepgate.yaml: one schema per section, each in config/schema/, each key with a description
 * and a default. The resolved type (defaults filled, durations in milliseconds) is what the code
 * uses; the JSON Schema in config/stepgate.schema.json is generated from here. The sections are
 * re-exported, so the rest of the code imports the configuration's schemas from this one module.
 */
import { z } from 'zod';
import { adminSchema } from './schema/admin.js';
import { brandingSchema } from './schema/branding.js';
import { RELATIVE } from './schema/common.js';
import { loginsSchema } from './schema/logins.js';
import { notificationsSchema } from './schema/notifications.js';
import { serverSchema } from './schema/server.js';
import { sessionSchema } from './schema/session.js';
import { storeSchema } from './schema/store.js';
import { upstreamSchema } from './schema/upstream.js';
import { webauthnSchema } from './schema/webauthn.js';

export { adminSchema, apiTokenName } from './schema/admin.js';
export { brandingSchema } from './schema/branding.js';
export { loginsSchema } from './schema/logins.js';
export { notificationsSchema } from './schema/notifications.js';
export { serverSchema } from './schema/server.js';
export { sessionSchema } from './schema/session.js';
export { storeSchema } from './schema/store.js';
export { upstreamSchema } from './schema/upstream.js';
export { relyingParty, webauthnSchema } from './schema/webauthn.js';

export const configSchema = z
  .strictObject({
    server: serverSchema.prefault({}),
    upstream: upstreamSchema,
    session: sessionSchema,
    store: storeSchema.prefault({}),
    logins: loginsSchema.prefault({}),
    notifications: notificationsSchema.prefault({}),
    policy_file: z
      .string()
      .optional()
      .describe(`Path of policy.yaml; without it the built-in default policy applies. ${RELATIVE}`),
    admin: adminSchema.prefault({}),
    webauthn: webauthnSchema.prefault({}),
    branding: brandingSchema.prefault({}),
  })
  .describe('stepgate.yaml: the operator configuration of stepgate.');

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
