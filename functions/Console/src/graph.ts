// Template → graph (nodes, edges, phases). Pure functions, no React, no layout.
import type { ConditionSpec, JourneyTemplate, StepSpec } from './api';

export type GraphNodeType = 'step' | 'goal' | 'exit';

export interface GraphNode {
  id: string;
  type: GraphNodeType;
  /** Bold line: the step id, "goal: purchase" or "exit". */
  title: string;
  /** The step kind (for steps). */
  kind?: string;
  /** Small line: the kind's most telling detail. */
  detail: string;
  phase: string | null;
  isStart: boolean;
  isEnd: boolean;
  description?: string | null;
}

export type EdgeStyle = 'normal' | 'timeout' | 'else' | 'goal' | 'repeat' | 'past';

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  label: string;
  style: EdgeStyle;
}

export interface TemplateGraphModel {
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Phase per step id (null: no phase reaches the step). */
  phases: Record<string, string | null>;
  /** Phases in use, in template order of appearance. */
  usedPhases: string[];
}

export const GOAL_NODE_PREFIX = 'goal:';
export const EXIT_NODE_ID = '__exit';

function short(value: unknown): string {
  if (typeof value === 'string') return value.length > 24 ? `"${value.slice(0, 22)}…"` : `"${value}"`;
  const s = JSON.stringify(value);
  return s === undefined ? String(value) : s.length > 26 ? s.slice(0, 25) + '…' : s;
}

/** A short text for a condition: "data.odometerKm ≥ 2500", "a and (b or c)". */
export function conditionText(c: ConditionSpec | null | undefined): string {
  if (!c) return '?';
  if (c.all && c.all.length) return c.all.map((x) => wrap(x)).join(' and ');
  if (c.any && c.any.length) return c.any.map((x) => wrap(x)).join(' or ');
  if (c.not) return `not ${wrap(c.not)}`;
  const p = c.path ?? '?';
  if (c.exists !== undefined && c.exists !== null) return c.exists ? `${p} exists` : `${p} missing`;
  if (c.equalTo !== undefined) return `${p} = ${short(c.equalTo)}`;
  if (c.notEqualTo !== undefined) return `${p} ≠ ${short(c.notEqualTo)}`;
  if (c.greaterThan !== undefined && c.greaterThan !== null) return `${p} > ${c.greaterThan}`;
  if (c.greaterOrEqual !== undefined && c.greaterOrEqual !== null) return `${p} ≥ ${c.greaterOrEqual}`;
  if (c.lessThan !== undefined && c.lessThan !== null) return `${p} < ${c.lessThan}`;
  if (c.lessOrEqual !== undefined && c.lessOrEqual !== null) return `${p} ≤ ${c.lessOrEqual}`;
  if (c.in) return `${p} in ${short(c.in)}`;
  if (c.contains !== undefined) return `${p} contains ${short(c.contains)}`;
  if (c.op) return `${p} ${c.op}${c.value !== undefined ? ' ' + short(c.value) : ''}`;
  return p;
}

function wrap(c: ConditionSpec): string {
  const t = conditionText(c);
  return (c.all && c.all.length > 1) || (c.any && c.any.length > 1) ? `(${t})` : t;
}

/** The label of a wait step's `next` edge. */
export function waitText(s: StepSpec): string {
  const parts: string[] = [];
  if (s.duration) parts.push(s.duration);
  if (s.until) parts.push(`until ${s.until}`);
  if (s.untilData) parts.push(`until ${s.untilData}${s.offset ? ' ' + (s.offset.startsWith('-') ? s.offset : '+' + s.offset) : ''}`);
  if (s.businessHours) parts.push('business hours');
  if (s.at) parts.push(`at ${s.at}`);
  return parts.join(' ') || 'wait';
}

function stepDetail(s: StepSpec): string {
  switch (s.kind) {
    case 'email':
      return `${s.email ?? ''}${s.category === 'transactional' ? ' (transactional)' : ''}`;
    case 'task':
      return `${s.task ?? ''}${s.dueIn ? ' · due ' + s.dueIn : ''}`;
    case 'wait':
      return waitText(s);
    case 'waitForEvent':
      return `${(s.events ?? []).length} event${(s.events ?? []).length === 1 ? '' : 's'}${s.timeout ? ' · timeout ' + s.timeout : ''}`;
    case 'condition':
      return conditionText(s.if);
    case 'split':
      return `${(s.branches ?? []).length} branches`;
    case 'setPhase':
      return `→ ${s.phase ?? '?'}`;
    case 'goal':
      return s.goal ?? '';
    case 'repeat':
      return `→ ${s.goto ?? '?'}${s.times ? ' ×' + s.times : ''}`;
    case 'approval':
      return `${s.approver ?? ''}${s.timeout ? ' · timeout ' + s.timeout : ''}`;
    default:
      return '';
  }
}

interface RawEdge {
  target: string;
  label: string;
  style: EdgeStyle;
}

/** The outgoing edges of one step, unmerged. */
export function stepEdges(s: StepSpec): RawEdge[] {
  const out: RawEdge[] = [];
  const add = (target: string | null | undefined, label: string, style: EdgeStyle = 'normal') => {
    if (target) out.push({ target, label, style });
  };
  switch (s.kind) {
    case 'wait':
      add(s.next, waitText(s));
      add(s.ifPast, 'if past', 'past');
      break;
    case 'waitForEvent': {
      const on = s.on ?? {};
      for (const [event, target] of Object.entries(on)) add(target, event);
      const rest = (s.events ?? []).filter((e) => !(e in on));
      const labels = [...rest];
      if (s.timeout && !s.onTimeout) labels.push(`timeout ${s.timeout}`);
      if (s.next) add(s.next, labels.join(', ') || 'next');
      if (s.onTimeout) add(s.onTimeout, `timeout ${s.timeout ?? ''}`.trim(), 'timeout');
      break;
    }
    case 'condition':
      add(s.then, `if ${conditionText(s.if)}`);
      add(s.else, 'else', 'else');
      break;
    case 'split': {
      const branches = s.branches ?? [];
      const total = branches.reduce((a, b) => a + (b.weight || 0), 0) || 1;
      branches.forEach((b, i) => {
        const share = Math.round(((b.weight || 0) / total) * 1000) / 10;
        add(b.next, `${b.name ?? 'branch ' + (i + 1)} ${share} %`);
      });
      break;
    }
    case 'approval':
      add(s.onApproved, 'approved');
      add(s.onRejected, 'rejected', 'else');
      add(s.onTimeout, `timeout ${s.timeout ?? ''}`.trim(), 'timeout');
      add(s.next, '');
      break;
    case 'repeat':
      add(s.goto, `repeat${s.times ? ' ×' + s.times : ''}`, 'repeat');
      break;
    case 'end':
      break;
    default:
      add(s.next, '');
  }
  return out;
}

export function buildGraph(t: JourneyTemplate): TemplateGraphModel {
  const steps = t.steps ?? [];
  const byId = new Map(steps.map((s) => [s.id, s] as const));

  // Edges, merged when they join the same two nodes in the same style.
  const edges: GraphEdge[] = [];
  const merged = new Map<string, GraphEdge>();
  for (const s of steps) {
    for (const e of stepEdges(s)) {
      if (!byId.has(e.target)) continue;
      const key = `${s.id}→${e.target}:${e.style}`;
      const existing = merged.get(key);
      if (existing) {
        if (e.label) existing.label = existing.label ? `${existing.label}, ${e.label}` : e.label;
        continue;
      }
      const edge: GraphEdge = { id: `e${edges.length}`, source: s.id, target: e.target, label: e.label, style: e.style };
      merged.set(key, edge);
      edges.push(edge);
    }
  }

  // Phases: a step's own phase, else inherited along the edges from the start (first one wins); goals seed their target.
  const phases: Record<string, string | null> = {};
  const successors = new Map<string, string[]>();
  for (const e of edges) successors.set(e.source, [...(successors.get(e.source) ?? []), e.target]);
  const visit = (seeds: [string, string | null][]) => {
    const queue = [...seeds];
    while (queue.length) {
      const [id, inherited] = queue.shift()!;
      if (id in phases || !byId.has(id)) continue;
      const own = byId.get(id)!.phase ?? null;
      const phase = own ?? inherited;
      phases[id] = phase;
      for (const next of successors.get(id) ?? []) if (!(next in phases)) queue.push([next, phase]);
    }
  };
  visit([[t.start, null]]);
  visit((t.goals ?? []).map((g) => [g.goto, g.phase ?? null] as [string, string | null]));
  for (const s of steps) if (!(s.id in phases)) visit([[s.id, null]]);

  const nodes: GraphNode[] = steps.map((s) => ({
    id: s.id,
    type: 'step',
    title: s.id,
    kind: s.kind,
    detail: stepDetail(s),
    phase: phases[s.id] ?? null,
    isStart: s.id === t.start,
    isEnd: s.kind === 'end',
    description: s.description,
  }));

  (t.goals ?? []).forEach((g, i) => {
    const id = `${GOAL_NODE_PREFIX}${i}`;
    nodes.push({
      id,
      type: 'goal',
      title: `goal: ${g.name || g.event}`,
      detail: `${g.event}${g.phase ? ' → ' + g.phase : ''}${g.forward ? ' (forward)' : ''}`,
      phase: g.phase ?? null,
      isStart: false,
      isEnd: false,
    });
    if (byId.has(g.goto)) edges.push({ id: `g${i}`, source: id, target: g.goto, label: g.event, style: 'goal' });
  });

  const exitEvents = t.exit?.events ?? [];
  if (exitEvents.length) {
    nodes.push({
      id: EXIT_NODE_ID,
      type: 'exit',
      title: 'exit',
      detail: exitEvents.join(', '),
      phase: null,
      isStart: false,
      isEnd: true,
      description: 'These events end the journey from wherever it waits.',
    });
  }

  const usedPhases: string[] = [];
  for (const n of nodes) if (n.phase && !usedPhases.includes(n.phase)) usedPhases.push(n.phase);
  return { nodes, edges, phases, usedPhases };
}

/** Steps in template order with their phase (for charts). */
export function stepPhases(t: JourneyTemplate): Record<string, string | null> {
  return buildGraph(t).phases;
}
