import type { IncomingHttpHeaders } from 'node:http';

/**
 * Whether a request comes from another site's page, by what browsers send with it: `Sec-Fetch-Site`
 * (cross-site or same-site but another origin) or an `Origin` whose host is not the request's own.
 * A request with neither (curl, an agent, an old browser's same-origin GET) is not refused here: it
 * carries no ambient cookie another site could have made it send, beyond what SameSite=Strict stops.
 */
export function isCrossOrigin(headers: IncomingHttpHeaders): boolean {
  const site = headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return true;
  const origin = headers.origin;
  if (!origin) return false;
  if (origin === 'null') return true;
  try {
    return new URL(origin).host !== headers.host;
  } catch {
    return true;
  }
}
