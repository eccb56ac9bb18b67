/**
 * Approximate places from a MaxMind-format GeoIP database (GeoLite2-City, GeoIP2-City, or a
 * Country database), for new-network notices: "City, Country" in English, the country alone when
 * the database knows no city, nothing for an address it does not know. Addresses that are not
 * on the public internet (private, loopback, link-local, ...) are never looked up: a database
 * has no place for them, and a notice must not guess one.
 *
 * The whole file is read into memory once (`maxmind.open`); `reload` reads it again, for the
 * weekly database updates, and keeps the one in use when the new file cannot be read.
 */
import ipaddr from 'ipaddr.js';
import maxmind, { type CityResponse, type Reader } from 'maxmind';
import type { PlaceLookup } from '../../gateway/ports.js';

/** Why a GeoIP database cannot be used, in words that name the file; never a stack trace. */
export class GeoIpDatabaseError extends Error {
  override readonly name = 'GeoIpDatabaseError';
}

/** Only database types whose records carry a `country` (and maybe a `city`) give places. */
const PLACE_DATABASE = /City|Country/i;

async function openReader(path: string): Promise<Reader<CityResponse>> {
  let reader: Reader<CityResponse>;
  try {
    reader = await maxmind.open<CityResponse>(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new GeoIpDatabaseError(`file '${path}' not found`);
    if (code === 'EACCES' || code === 'EPERM')
      throw new GeoIpDatabaseError(`file '${path}' cannot be read: permission denied`);
    if (code === 'EISDIR') throw new GeoIpDatabaseError(`'${path}' is a directory, not a file`);
    throw new GeoIpDatabaseError(
      `'${path}' is not a MaxMind database (.mmdb) file: ${(error as Error).message}`,
    );
  }
  const type = reader.metadata.databaseType;
  if (!PLACE_DATABASE.test(type)) {
    throw new GeoIpDatabaseError(
      `'${path}' is a ${type} database, which holds no places: use a City or Country database (GeoLite2-City)`,
    );
  }
  return reader;
}

function isPublic(ip: string): boolean {
  if (!ipaddr.isValid(ip)) return false;
  return ipaddr.process(ip).range() === 'unicast';
}

export class MaxMindPlaces implements PlaceLookup {
  private constructor(
    readonly path: string,
    private reader: Reader<CityResponse>,
  ) {}

  /** Opens the database; throws GeoIpDatabaseError when the file is missing, unreadable or no database. */
  static async open(path: string): Promise<MaxMindPlaces> {
    return new MaxMindPlaces(path, await openReader(path));
  }

  /** Reads the file again; the database in use stays when the new one cannot be used (and this throws). */
  async reload(): Promise<void> {
    this.reader = await openReader(this.path);
  }

  placeOf(ip: string): Promise<string | undefined> {
    if (!isPublic(ip)) return Promise.resolve(undefined);
    const record = this.reader.get(ip);
    // Not registered_country: where the block is registered says nothing of where the person is.
    const country = record?.country?.names.en;
    if (country === undefined) return Promise.resolve(undefined);
    const city = record?.city?.names.en;
    return Promise.resolve(city === undefined ? country : `${city}, ${country}`);
  }
}
