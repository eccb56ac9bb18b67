/** Credentials as the flows, the help desk and the APIs show them: what they are, never their data. */
import type { CredentialRecord } from '../ports.js';
import type { CredentialSummary } from './types.js';

export function credentialSummary(record: CredentialRecord): CredentialSummary {
  return {
    id: record.id,
    method: record.type,
    name: record.name,
    createdAt: record.createdAt,
    lastUsedAt: record.lastUsedAt,
  };
}

export interface CredentialJson {
  id: string;
  method: string;
  name: string | null;
  created_at: string;
  last_used_at: string | null;
}

/** A credential in the JSON of the settings, the admin API and the sidecar API. */
export function credentialJson(credential: CredentialSummary): CredentialJson {
  return {
    id: credential.id,
    method: credential.method,
    name: credential.name,
    created_at: credential.createdAt.toISOString(),
    last_used_at: credential.lastUsedAt?.toISOString() ?? null,
  };
}
