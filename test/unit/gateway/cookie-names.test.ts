import { describe, expect, it } from 'vitest';
import { stepgateCookies, withoutCookie, withoutCookies } from '../../../gateway/http/cookie-names.js';
import { ownCookie } from '../../../gateway/http/session-cookie.js';

const SESSION = { cookie_name: 'sg', cookie_domain: '' };

describe('stepgateCookies', () => {
  it('names the pre-session cookies __Host- outside localhost without a cookie_domain, at Path=/', () => {
    const published = stepgateCookies(SESSION, 'https://sso.example.org');
    expect([published.csrf, published.saml, published.oidc]).toEqual([
      '__Host-sg_csrf',
      '__Host-sg_saml',
      '__Host-sg_oidc',
    ]);
    expect(published.path('/_stepgate/saml')).toBe('/');
    const local = stepgateCookies(SESSION, 'http://localhost:8080');
    expect([local.csrf, local.path('/_stepgate')]).toEqual(['sg_csrf', '/_stepgate']);
    const shared = stepgateCookies(
      { cookie_name: 'sg', cookie_domain: 'example.org' },
      'https://sso.example.org',
    );
    expect(shared.hostOnly).toBe(false);
    // A prefixed session cookie name is not prefixed twice.
    expect(stepgateCookies({ cookie_name: '__Host-sg', cookie_domain: '' }, 'https://a.example').csrf).toBe(
      '__Host-sg_csrf',
    );
  });

  it("takes out every one of stepgate's cookies, in any of its names, and nothing else", () => {
    const { owns } = stepgateCookies({ cookie_name: '__Host-sg', cookie_domain: '' }, 'https://a.example');
    const header =
      'a=1; sg=x;__Host-sg=y; sg_csrf=1 ; __Host-sg_saml=2; __Secure-sg_oidc_st=3; sg_oidc_=4; sg_other=5; ' +
      'xsg=6; sg_csrfx=7; __Host-sg_oidc=8; sg_oidcx=9; b=10';
    expect(withoutCookies(header, owns)).toBe(
      'a=1; sg_oidc_=4; sg_other=5; xsg=6; sg_csrfx=7; sg_oidcx=9; b=10',
    );
    expect(withoutCookies('sg=1; __Host-sg_csrf=2', owns)).toBeUndefined();
    const untouched = 'a=1;b=2';
    expect(withoutCookies(untouched, owns)).toBe(untouched);
    expect(withoutCookie(' sg = 1 ; a=2; sg=3', 'sg')).toBe('a=2');
  });

  it('knows its names whatever the letter case of their prefix, as browsers read the prefixes', () => {
    const { owns, session } = stepgateCookies(
      { cookie_name: '__HOST-sg', cookie_domain: '' },
      'https://a.example',
    );
    expect(session).toBe('__HOST-sg');
    const header =
      'a=1; __HOST-sg=x; __host-sg_csrf=1; __SECURE-sg_saml=2; __sEcUrE-sg_oidc_st=3; __HOST-SG=4; b=5';
    expect(withoutCookies(header, owns)).toBe('a=1; __HOST-SG=4; b=5');
    // A name that only begins like a prefix keeps its base as it is.
    const odd = stepgateCookies({ cookie_name: '__Host-__host-sg', cookie_domain: '' }, 'https://a.example');
    expect(withoutCookies('__Host-__host-sg=1; __host-sg=2; sg=3', odd.owns)).toBe('sg=3');
  });
});

describe('ownCookie', () => {
  it('reads one cookie as cookie@0.7 does, and tells a name sent twice', () => {
    expect(ownCookie('a=1; sid="s%3Ax"', 'sid')).toEqual({ value: 's:x', twice: false });
    expect(ownCookie('a=1', 'sid')).toEqual({ value: undefined, twice: false });
    expect(ownCookie(undefined, 'sid')).toEqual({ value: undefined, twice: false });
    expect(ownCookie('sid=1; a=2; sid=1', 'sid')).toEqual({ value: undefined, twice: true });
    expect(ownCookie('sid=; \tsid =2', 'sid')).toEqual({ value: undefined, twice: true });
    // A no-break space is part of the name for cookie@0.7, so this is another cookie.
    expect(ownCookie('\u00a0sid=a; sid=b', 'sid')).toEqual({ value: 'b', twice: false });
  });
});
