/**
 * A software authenticator for the flow tests: it answers WebAuthn options as a platform
 * authenticator would (P-256 keys, attestation `none`), built from the specification with
 * node:crypto alone, so the gateway's checks are met by an independent implementation. Each
 * answer names the origin and RP ID it was made for, which a test may set to another site's.
 */
import { createHash, generateKeyPairSync, randomBytes, randomUUID, sign, type KeyObject } from 'node:crypto';
import type { CredentialRecord } from '../../gateway/ports.js';

type Cbor = number | string | Uint8Array | Map<Cbor, Cbor>;

function head(major: number, length: number): Buffer {
  if (length < 24) return Buffer.from([(major << 5) | length]);
  if (length < 0x100) return Buffer.from([(major << 5) | 24, length]);
  if (length < 0x10000) return Buffer.from([(major << 5) | 25, length >> 8, length & 0xff]);
  const out = Buffer.alloc(5);
  out[0] = (major << 5) | 26;
  out.writeUInt32BE(length, 1);
  return out;
}

/** The few CBOR shapes COSE keys and attestation objects use (RFC 8949). */
function cbor(value: Cbor): Buffer {
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === 'string')
    return Buffer.concat([head(3, Buffer.byteLength(value)), Buffer.from(value)]);
  if (value instanceof Uint8Array) return Buffer.concat([head(2, value.length), value]);
  const entries = [...value].flatMap(([k, v]) => [cbor(k), cbor(v)]);
  return Buffer.concat([head(5, value.size), ...entries]);
}

const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();

/** Authenticator data flags (WebAuthn §6.1). */
const FLAGS = { up: 0x01, uv: 0x04, be: 0x08, bs: 0x10, at: 0x40 };

interface KeyOptions {
  challenge: string;
  rp?: { id?: string };
  rpId?: string;
}

export interface AnswerOptions {
  /** The page's origin the browser reports; the gateway's own by default. */
  origin?: string;
  /** The RP ID the authenticator signs for; the options' by default. */
  rpId?: string;
}

export class SoftwareAuthenticator {
  readonly credentialId = randomBytes(16);
  private readonly privateKey: KeyObject;
  private readonly cose: Buffer;
  /** The signature counter; a key that keeps none leaves it at 0. */
  counter = 0;

  constructor(
    private readonly defaults: { origin: string },
    private readonly options: { countsSignatures?: boolean; userVerified?: boolean } = {},
  ) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = privateKey;
    const jwk = publicKey.export({ format: 'jwk' });
    this.cose = cbor(
      new Map<Cbor, Cbor>([
        [1, 2], // kty: EC2
        [3, -7], // alg: ES256
        [-1, 1], // crv: P-256
        [-2, Buffer.from(jwk.x ?? '', 'base64url')],
        [-3, Buffer.from(jwk.y ?? '', 'base64url')],
      ]),
    );
  }

  get id(): string {
    return b64url(this.credentialId);
  }

  /**
   * The key as the settings store it once set up (a `webauthn` credential), for a test that needs
   * a user holding one without the ceremony; the format is gateway/factors/webauthn/ceremony.ts's.
   */
  credential(user: string, createdAt: Date): CredentialRecord {
    const data = {
      credentialId: this.id,
      publicKey: b64url(this.cose),
      transports: ['internal'],
      aaguid: '00000000-0000-0000-0000-000000000000',
      backupEligible: false,
      backedUp: false,
    };
    return {
      id: randomUUID(),
      user,
      type: 'webauthn',
      name: 'key',
      data: JSON.stringify(data),
      createdAt,
      lastUsedAt: null,
      counter: null,
    };
  }

  private authenticatorData(rpId: string, attested: boolean): Buffer {
    if (this.options.countsSignatures) this.counter += 1;
    const flags = FLAGS.up | (this.options.userVerified === false ? 0 : FLAGS.uv) | (attested ? FLAGS.at : 0);
    const count = Buffer.alloc(4);
    count.writeUInt32BE(this.counter);
    const parts: Uint8Array[] = [sha256(rpId), Buffer.from([flags]), count];
    if (attested) {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(this.credentialId.length);
      parts.push(Buffer.alloc(16), length, this.credentialId, this.cose);
    }
    return Buffer.concat(parts);
  }

  private clientData(type: string, challenge: string, origin: string): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }

  /** What `navigator.credentials.create()` answers to registration options, as SimpleWebAuthn sends it. */
  register(options: KeyOptions, answer: AnswerOptions = {}): Record<string, unknown> {
    const rpId = answer.rpId ?? options.rp?.id ?? '';
    const clientDataJSON = this.clientData(
      'webauthn.create',
      options.challenge,
      answer.origin ?? this.defaults.origin,
    );
    const attestationObject = cbor(
      new Map<Cbor, Cbor>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', this.authenticatorData(rpId, true)],
      ]),
    );
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: {
        clientDataJSON: b64url(clientDataJSON),
        attestationObject: b64url(attestationObject),
        transports: ['internal'],
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /** What `navigator.credentials.get()` answers to authentication options. */
  assert(options: KeyOptions, answer: AnswerOptions = {}): Record<string, unknown> {
    const rpId = answer.rpId ?? options.rpId ?? '';
    const clientDataJSON = this.clientData(
      'webauthn.get',
      options.challenge,
      answer.origin ?? this.defaults.origin,
    );
    const authenticatorData = this.authenticatorData(rpId, false);
    const signature = sign(
      'sha256',
      Buffer.concat([authenticatorData, sha256(clientDataJSON)]),
      this.privateKey,
    );
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authenticatorData),
        signature: b64url(signature),
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }
}
