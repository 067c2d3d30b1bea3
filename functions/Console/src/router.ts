// A tiny hash router: routes look like #/templates/new-car-purchase/1. Never put secrets in the hash.
import { useEffect, useState } from 'react';

export interface Route {
  /** Path segments after "#/", URL-decoded. */
  segments: string[];
  path: string;
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '').split('?')[0];
  const segments = raw
    .split('/')
    .filter((s) => s.length > 0)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
  return { segments, path: '/' + segments.join('/') };
}

/** "#/a/b" for the segments a, b (each encoded). */
export function href(...segments: (string | number)[]): string {
  return '#/' + segments.map((s) => encodeURIComponent(String(s))).join('/');
}

export function navigate(...segments: (string | number)[]): void {
  const target = href(...segments);
  if (window.location.hash !== target) window.location.hash = target;
}

export function useRoute(): Route {
  const [route, setRoute] = useState<Route>(() => parseHash(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseHash(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
