/**
 * The MaxMind GeoIP adapter (adapters/geoip/maxmind.ts) against MaxMind's own test database
 * (test/fixtures/geoip/README.md names the addresses it holds).
 */
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GeoIpDatabaseError, MaxMindPlaces } from '../../../adapters/geoip/maxmind.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/geoip/', import.meta.url));
const CITY_DB = join(FIXTURES, 'GeoLite2-City-Test.mmdb');

describe('MaxMindPlaces', () => {
  it('names the city and the country in English, or the country alone when no city is known', async () => {
    const places = await MaxMindPlaces.open(CITY_DB);
    expect(await places.placeOf('81.2.69.142')).toBe('London, United Kingdom');
    expect(await places.placeOf('::ffff:81.2.69.142')).toBe('London, United Kingdom');
    expect(await places.placeOf('2001:480::1')).toBe('San Diego, United States');
    expect(await places.placeOf('67.43.156.1')).toBe('Bhutan');
  });

  it('has no place for an address the database does not know, a private one, or no address', async () => {
    const places = await MaxMindPlaces.open(CITY_DB);
    for (const ip of ['1.1.1.1', '10.0.0.1', '127.0.0.1', '192.168.1.20', '::1', 'fe80::1', '', 'nonsense']) {
      expect(await places.placeOf(ip), ip).toBeUndefined();
    }
  });

  it('refuses a missing file, a directory, a file that is no database, and a database of no places', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stepgate-geoip-'));
    const text = join(dir, 'GeoLite2-City.mmdb');
    writeFileSync(text, 'not a database\n');
    const refusals: [string, string][] = [
      [join(dir, 'none.mmdb'), `file '${join(dir, 'none.mmdb')}' not found`],
      [dir, `'${dir}' is a directory, not a file`],
      [text, `'${text}' is not a MaxMind database (.mmdb) file: `],
      [
        join(FIXTURES, 'GeoIP2-Connection-Type-Test.mmdb'),
        `'${join(FIXTURES, 'GeoIP2-Connection-Type-Test.mmdb')}' is a GeoIP2-Connection-Type database, which holds no places`,
      ],
    ];
    for (const [path, message] of refusals) {
      const opened = MaxMindPlaces.open(path);
      await expect(opened, path).rejects.toBeInstanceOf(GeoIpDatabaseError);
      await expect(opened, path).rejects.toThrow(message);
    }
  });

  it('keeps the database in use when a reload finds a file that is no database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stepgate-geoip-reload-'));
    const path = join(dir, 'GeoLite2-City.mmdb');
    copyFileSync(CITY_DB, path);
    const places = await MaxMindPlaces.open(path);
    writeFileSync(path, 'half a download');
    await expect(places.reload()).rejects.toBeInstanceOf(GeoIpDatabaseError);
    expect(await places.placeOf('81.2.69.142')).toBe('London, United Kingdom');
  });
});
