// The template as a graph: elkjs lays it out (layered, top-down, orthogonal edges), @xyflow/react draws it.
import { useEffect, useMemo, useState } from 'react';
import ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkNode, ElkExtendedEdge } from 'elkjs/lib/elk.bundled.js';
import {
  ReactFlow,
  Controls,
  Background,
  Handle,
  Position,
  BaseEdge,
  EdgeLabelRenderer,
  type Node,
  type Edge,
  type NodeProps,
  type EdgeProps,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import type { JourneyTemplate } from '../api';
import { buildGraph, type GraphEdge, type GraphNode, type EdgeStyle } from '../graph';
import { PHASES, phaseColor, NO_PHASE_COLOR } from '../format';

const NODE_W = 184;
const NODE_H = 58;
const LABEL_CHAR_W = 6.3;
const LABEL_H = 16;
/** The height (graph units) of the top part shown when the graph opens. */
const FOCUS_HEIGHT = 520;

const elk = new ELK();

type StepNodeData = { node: GraphNode; highlighted: boolean };
type RoutedEdgeData = { points: { x: number; y: number }[]; label: string; labelX: number; labelY: number; style: EdgeStyle };

function StepNode({ data }: NodeProps<Node<StepNodeData>>) {
  const n = data.node;
  const color = n.type === 'exit' ? '#991b1b' : phaseColor(n.phase);
  const classes = ['gnode', `gnode-${n.type}`];
  if (n.isEnd) classes.push('gnode-end');
  if (n.isStart) classes.push('gnode-start');
  if (data.highlighted) classes.push('gnode-highlight');
  return (
    <div
      className={classes.join(' ')}
      data-testid={n.type === 'step' ? `node-${n.id}` : n.type === 'exit' ? 'node-exit' : `goal-node`}
      style={{ borderColor: color, ['--phase' as string]: color }}
      title={[n.title, n.kind, n.detail, n.description].filter(Boolean).join('\n')}
    >
      <Handle type="target" position={Position.Top} className="ghandle" isConnectable={false} />
      <div className="gnode-title">
        {n.isStart && <span className="badge badge-start">start</span>}
        <strong>{n.title}</strong>
      </div>
      <div className="gnode-detail">
        {n.kind && <span className="gnode-kind">{n.kind}</span>} {n.detail}
      </div>
      <Handle type="source" position={Position.Bottom} className="ghandle" isConnectable={false} />
    </div>
  );
}

function RoutedEdge({ id, data, sourceX, sourceY, targetX, targetY, markerEnd }: EdgeProps<Edge<RoutedEdgeData>>) {
  const points = data?.points?.length ? data.points : [{ x: sourceX, y: sourceY }, { x: targetX, y: targetY }];
  const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x},${p.y}`).join(' ');
  const style = data?.style ?? 'normal';
  return (
    <>
      <BaseEdge id={id} path={path} markerEnd={markerEnd} className={`gedge gedge-${style}`} />
      {data?.label ? (
        <EdgeLabelRenderer>
          <div
            className={`gedge-label gedge-label-${style}`}
            style={{ transform: `translate(-50%, -50%) translate(${data.labelX}px, ${data.labelY}px)` }}
          >
            {data.label}
          </div>
        </EdgeLabelRenderer>
      ) : null}
    </>
  );
}

const nodeTypes = { step: StepNode };
const edgeTypes = { routed: RoutedEdge };

async function layout(nodes: GraphNode[], edges: GraphEdge[]) {
  const graph: ElkNode = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.edgeRouting': 'ORTHOGONAL',
      'elk.layered.spacing.nodeNodeBetweenLayers': '46',
      'elk.spacing.nodeNode': '28',
      'elk.spacing.edgeNode': '16',
      'elk.spacing.edgeEdge': '10',
      'elk.spacing.edgeLabel': '4',
      'elk.edgeLabels.placement': 'CENTER',
      'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
      'elk.layered.crossingMinimization.strategy': 'LAYER_SWEEP',
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
    },
    children: nodes.map((n) => ({ id: n.id, width: NODE_W, height: NODE_H })),
    edges: edges.map(
      (e): ElkExtendedEdge => ({
        id: e.id,
        sources: [e.source],
        targets: [e.target],
        labels: e.label ? [{ text: e.label, width: Math.min(220, e.label.length * LABEL_CHAR_W + 10), height: LABEL_H }] : [],
      }),
    ),
  };
  return elk.layout(graph);
}

export default function TemplateGraph({ template, highlight }: { template: JourneyTemplate; highlight?: string[] }) {
  const model = useMemo(() => buildGraph(template), [template]);
  const [laidOut, setLaidOut] = useState<{ nodes: Node<StepNodeData>[]; edges: Edge<RoutedEdgeData>[]; focus: { id: string }[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const highlightKey = (highlight ?? []).join('|');

  useEffect(() => {
    let cancelled = false;
    setError(null);
    const hl = new Set(highlightKey ? highlightKey.split('|') : []);
    layout(model.nodes, model.edges)
      .then((result) => {
        if (cancelled) return;
        const pos = new Map((result.children ?? []).map((c) => [c.id, c] as const));
        const nodes: Node<StepNodeData>[] = model.nodes.map((n) => {
          const p = pos.get(n.id);
          return {
            id: n.id,
            type: 'step',
            position: { x: p?.x ?? 0, y: p?.y ?? 0 },
            data: { node: n, highlighted: hl.has(n.id) },
            width: NODE_W,
            height: NODE_H,
            draggable: false,
            connectable: false,
            ariaLabel: `${n.title}${n.kind ? ' (' + n.kind + ')' : ''}${n.phase ? ', phase ' + n.phase : ''}`,
          };
        });
        const routed = new Map((result.edges ?? []).map((e) => [e.id, e] as const));
        const edges: Edge<RoutedEdgeData>[] = model.edges.map((e) => {
          const r = routed.get(e.id);
          const section = r?.sections?.[0];
          const points = section ? [section.startPoint, ...(section.bendPoints ?? []), section.endPoint] : [];
          const lbl = r?.labels?.[0];
          let labelX = 0;
          let labelY = 0;
          if (lbl && lbl.x !== undefined && lbl.y !== undefined) {
            labelX = lbl.x + (lbl.width ?? 0) / 2;
            labelY = lbl.y + (lbl.height ?? 0) / 2;
          } else if (points.length) {
            const mid = points[Math.floor(points.length / 2)];
            labelX = mid.x;
            labelY = mid.y;
          }
          return {
            id: e.id,
            source: e.source,
            target: e.target,
            type: 'routed',
            data: { points, label: e.label, labelX, labelY, style: e.style },
            markerEnd: { type: 'arrowclosed' as never, width: 16, height: 16, color: e.style === 'goal' ? '#7c3aed' : '#475569' },
            focusable: false,
          } as Edge<RoutedEdgeData>;
        });
        // A big template fitted whole is unreadable: open on its top (where it starts) at a readable zoom; the controls'
        // "fit view" shows it all.
        const top = Math.min(...nodes.map((n) => n.position.y));
        const focus = nodes.filter((n) => n.position.y <= top + FOCUS_HEIGHT).map((n) => ({ id: n.id }));
        setLaidOut({ nodes, edges, focus });
      })
      .catch((e: unknown) => !cancelled && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      cancelled = true;
    };
  }, [model, highlightKey]);

  return (
    <div className="graph-wrap">
      <PhaseLegend used={model.usedPhases} />
      <div className="graph" data-testid="template-graph" aria-label={`Graph of template ${template.id}`} role="region">
        {error && <p className="error">Layout failed: {error}</p>}
        {!laidOut && !error && <p className="muted pad">Laying out {model.nodes.length} nodes…</p>}
        {laidOut && (
          <ReactFlow
            nodes={laidOut.nodes}
            edges={laidOut.edges}
            nodeTypes={nodeTypes}
            edgeTypes={edgeTypes}
            fitView
            fitViewOptions={{ nodes: laidOut.focus, padding: 0.05, minZoom: 0.7, maxZoom: 1.1 }}
            minZoom={0.1}
            maxZoom={2}
            nodesDraggable={false}
            nodesConnectable={false}
            elementsSelectable={false}
            proOptions={{ hideAttribution: true }}
          >
            <Background gap={24} color="#e5e7eb" />
            <Controls showInteractive={false} fitViewOptions={{ padding: 0.05 }} />
          </ReactFlow>
        )}
      </div>
    </div>
  );
}

export function PhaseLegend({ used }: { used?: string[] }) {
  return (
    <ul className="legend" data-testid="phase-legend" aria-label="Phase colours">
      {PHASES.map((p) => (
        <li key={p} className={used && !used.includes(p) ? 'legend-unused' : undefined}>
          <span className="swatch" style={{ background: phaseColor(p) }} aria-hidden="true" /> {p}
        </li>
      ))}
      <li>
        <span className="swatch" style={{ background: NO_PHASE_COLOR }} aria-hidden="true" /> no phase
      </li>
      <li>
        <span className="swatch swatch-goal" aria-hidden="true" /> goal (dashed: jumps from any wait)
      </li>
      <li>
        <span className="swatch swatch-end" aria-hidden="true" /> end / exit
      </li>
    </ul>
  );
}
