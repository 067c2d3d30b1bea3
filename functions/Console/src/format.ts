// Display helpers (times are shown in UTC unless the API gives a local text).

export function fmtTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())} UTC`;
}

/** "3 h", "2 d" — the rough distance between two instants. */
export function fmtDistance(ms: number): string {
  const abs = Math.abs(ms);
  const min = Math.round(abs / 60000);
  if (min < 60) return `${min} min`;
  const h = Math.round(abs / 3600000);
  if (h < 48) return `${h} h`;
  return `${Math.round(abs / 86400000)} d`;
}

/** 0.1234 → "12.3 %". */
export function pct(x: number | null | undefined): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '–';
  return `${(x * 100).toFixed(1)} %`;
}

/** 0.032 → "+3.2 %", -0.01 → "−1.0 %". */
export function signedPct(x: number): string {
  const v = (x * 100).toFixed(1);
  if (x > 0) return `+${v} %`;
  if (x < 0) return `−${v.replace('-', '')} %`;
  return `${v} %`;
}

export const PHASES = ['orientation', 'communication', 'choice', 'purchase', 'usage'] as const;

export const PHASE_COLORS: Record<string, string> = {
  orientation: '#7c3aed',
  communication: '#2563eb',
  choice: '#c2410c',
  purchase: '#15803d',
  usage: '#0e7490',
};

export const NO_PHASE_COLOR = '#6b7280';

export function phaseColor(phase: string | null | undefined): string {
  return (phase && PHASE_COLORS[phase]) || NO_PHASE_COLOR;
}

export const JOURNEY_STATUSES = ['Running', 'Completed', 'Failed', 'Terminated', 'Suspended', 'Pending'] as const;

/** The `id:` of a YAML (or JSON) template document, found with a simple pattern. */
export function documentId(text: string): string | null {
  const yaml = /^id:\s*["']?([a-z0-9-]+)["']?\s*(#.*)?$/m.exec(text);
  if (yaml) return yaml[1];
  const json = /"id"\s*:\s*"([a-z0-9-]+)"/.exec(text);
  return json ? json[1] : null;
}
