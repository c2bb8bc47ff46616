// Traefik's sticky cookie: set on a response when the request carried no valid one, followed after.
// The value identifies the backend by a hash of its URL, never the address itself.
import { createHash } from 'node:crypto';
import type { Service, StickyCookie } from '../traefik/dynamic-config.ts';

export const backendHash = (url: string) => createHash('sha256').update(url).digest('hex').slice(0, 16);

/** Without a configured name Traefik derives one from the service name: a short hash, so it stays stable. */
export const cookieName = (service: Service, cookie: StickyCookie) =>
  cookie.name || `_${createHash('sha1').update(service.name).digest('hex').slice(0, 6)}`;

export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

export function setCookieHeader(name: string, value: string, cookie: StickyCookie): string {
  const attributes = [`${name}=${value}`, `Path=${cookie.path || '/'}`];
  if (cookie.maxAge) attributes.push(`Max-Age=${cookie.maxAge}`);
  if (cookie.httpOnly) attributes.push('HttpOnly');
  if (cookie.secure) attributes.push('Secure');
  if (cookie.sameSite)
    attributes.push(`SameSite=${cookie.sameSite[0].toUpperCase()}${cookie.sameSite.slice(1).toLowerCase()}`);
  return attributes.join('; ');
}
