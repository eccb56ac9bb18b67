import { describe, expect, it } from 'vitest';
import { UsersFile } from '../../../adapters/users-file/users-file.js';
import { directAuthenticator } from '../../../gateway/flows/login/authenticate.js';
import { hashPassword, isPasswordHash, verifyPassword } from '../../../gateway/flows/login/password.js';
import { TEST_HASH, TEST_PASSWORD, TEST_USERS } from '../../helpers/gateway.js';

describe('password hashes', () => {
  it('verifies the password it was made from and nothing else', async () => {
    const hash = await hashPassword('s3cret pass', { ln: 10, r: 8, p: 1 });
    expect(isPasswordHash(hash)).toBe(true);
    expect(await verifyPassword('s3cret pass', hash)).toBe(true);
    expect(await verifyPassword('s3cret pasS', hash)).toBe(false);
  });
  it('salts every hash', async () => {
    const cost = { ln: 10, r: 8, p: 1 };
    expect(await hashPassword('same', cost)).not.toBe(await hashPassword('same', cost));
  });
  it('never matches a malformed or absurdly cheap hash', async () => {
    expect(await verifyPassword(TEST_PASSWORD, 'plaintext')).toBe(false);
    expect(await verifyPassword(TEST_PASSWORD, TEST_HASH.replace('ln=10', 'ln=4'))).toBe(false);
  });
});

describe('direct authenticator', () => {
  /** Counts key derivations: every answer must cost one, whether or not the account exists. */
  async function counting() {
    const hashes: string[] = [];
    const authenticate = await directAuthenticator(
      UsersFile.fromContent(TEST_USERS),
      async (password, hash) => {
        hashes.push(hash);
        return verifyPassword(password, hash);
      },
    );
    return { authenticate, hashes };
  }

  it('derives a key once for a known user, an unknown user and an inactive user alike', async () => {
    const { authenticate, hashes } = await counting();
    expect((await authenticate('alice', TEST_PASSWORD)).user).toMatchObject({ username: 'alice' });
    expect((await authenticate('nobody', TEST_PASSWORD)).user).toBeUndefined();
    expect((await authenticate('gone', TEST_PASSWORD)).user).toBeUndefined();
    expect((await authenticate('alice', 'wrong')).user).toBeUndefined();
    expect(hashes).toHaveLength(4);
    // The unknown user was checked against a decoy hash at full cost, not skipped.
    expect(hashes[1]).toMatch(/^\$scrypt\$ln=15,/);
  });
});
