// Typed client for the JourneyOrchestrator HTTP API (same origin). One function per route.
// Every call sends X-Api-Key; errors are RFC 9457 problem details, thrown as ApiError.

export type Role = 'admin' | 'marketing' | 'dealer';

export interface Me {
  role: Role;
  dealerId: string | null;
}

export interface ProblemError {
  path: string;
  message: string;
  line?: number | null;
  column?: number | null;
}

export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: ProblemError[];
}

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;
  constructor(status: number, problem: Problem) {
    super(problem.title || problem.detail || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
  }
}

export interface Health {
  status: string;
  engine?: string;
  clock?: string;
  now?: string;
}

export interface TemplateSummary {
  id: string;
  name: string;
  latestVersion: number;
  publishedAt: string;
  entryEvents: string[];
}

export interface ConditionSpec {
  path?: string;
  equalTo?: unknown;
  notEqualTo?: unknown;
  exists?: boolean;
  greaterThan?: number;
  greaterOrEqual?: number;
  lessThan?: number;
  lessOrEqual?: number;
  in?: unknown[];
  contains?: unknown;
  /** Generic form (op/value), accepted as well. */
  op?: string;
  value?: unknown;
  all?: ConditionSpec[];
  any?: ConditionSpec[];
  not?: ConditionSpec;
}

export interface EscalateSpec {
  after?: string;
  action?: string;
  event?: string;
  to?: string;
}

export interface SplitBranch {
  name?: string;
  weight: number;
  next: string;
}

export interface StepSpec {
  id: string;
  kind: string;
  next?: string | null;
  phase?: string | null;
  description?: string | null;
  email?: string | null;
  category?: string | null;
  sendGridTemplateId?: string | null;
  capped?: string | null;
  task?: string | null;
  title?: string | null;
  dueIn?: string | null;
  onComplete?: string | null;
  escalate?: EscalateSpec | null;
  duration?: string | null;
  until?: string | null;
  untilData?: string | null;
  offset?: string | null;
  ifPast?: string | null;
  businessHours?: boolean | null;
  at?: string | null;
  calendar?: string | null;
  events?: string[] | null;
  timeout?: string | null;
  approver?: string | null;
  onApproved?: string | null;
  onRejected?: string | null;
  on?: Record<string, string> | null;
  onTimeout?: string | null;
  if?: ConditionSpec | null;
  then?: string | null;
  else?: string | null;
  branches?: SplitBranch[] | null;
  goal?: string | null;
  goto?: string | null;
  times?: number | null;
}

export interface GoalSpec {
  name?: string | null;
  event: string;
  phase?: string | null;
  goto: string;
  forward?: boolean;
}

export interface JourneyTemplate {
  id: string;
  version: number;
  name: string;
  description?: string | null;
  events: string[];
  entry?: { events: string[] } | null;
  exit?: { events: string[] } | null;
  goals: GoalSpec[];
  start: string;
  steps: StepSpec[];
}

export interface TemplateVersion {
  id: string;
  version: number;
  name: string;
  publishedAt: string;
  contentType: string;
  versions: number[];
  template: JourneyTemplate;
  source: string;
}

export interface ValidationResult {
  valid: boolean;
  errors: ProblemError[];
}

export interface PublishResult {
  id: string;
  version: number;
  created: boolean;
  uri: string;
}

export interface TouchpointCause {
  kind: 'event' | 'timer' | 'start' | 'repeat' | 'escalation' | string;
  name?: string | null;
  eventId?: string | null;
  at?: string | null;
}

export interface TimelineEntry {
  index: number;
  at: string;
  elapsed?: string | null;
  local: string;
  customerLocal?: string | null;
  kind: string;
  step?: string | null;
  name?: string | null;
  status?: string | null;
  detail?: string | null;
  data?: Record<string, unknown> | null;
}

export interface ExpectationResult {
  path: string;
  expectation: string;
  passed: boolean;
  entries: number[];
  problem?: string | null;
}

export interface SimulationResult {
  scenario: string;
  templateId: string;
  templateVersion: number;
  start: string;
  horizon: string;
  dealerTimeZone: string;
  outcome: string;
  endedAt: string;
  episodes: number;
  timeline: TimelineEntry[];
  expectations: ExpectationResult[];
  passed: boolean;
}

export type SimulationRequest =
  | { template: string; scenario: string }
  | { templateId: string; templateVersion: number; scenario: string };

export interface JourneySummary {
  id: string;
  status: string;
  templateId: string;
  templateVersion: number;
  dealerId: string;
  customerId: string;
  journeyKey: string;
  phase?: string | null;
  currentSteps: string[];
  createdAt: string;
  lastUpdatedAt: string;
  completedAt?: string | null;
}

export interface JourneyPage {
  items: JourneySummary[];
  continuationToken?: string | null;
}

export interface JourneyDetail extends JourneySummary {
  waitingFor: string[];
  nextTimerDue?: string | null;
  goalsReached: string[];
  iteration: number;
  lastError?: string | null;
  touchpoints: unknown[];
}

export interface JourneyTimeline {
  journeyId: string;
  templateId: string;
  templateVersion: number;
  dealerTimeZone: string;
  customerTimeZone?: string | null;
  /** False when the history could not be replayed to its end (then `problem` says why). */
  complete: boolean;
  problem?: string | null;
  entries: TimelineEntry[];
}

export interface JourneyFilter {
  template?: string;
  version?: string;
  phase?: string;
  status?: string;
  dealer?: string;
  customer?: string;
  pageSize?: number;
  continuationToken?: string | null;
}

export interface GoalConversion {
  goal: string;
  reached: number;
  conversion: number;
}

export interface Funnel {
  templateId: string;
  templateVersion: number;
  dealerId?: string | null;
  journeys: number;
  computedAt: string;
  scanned: number;
  truncated: boolean;
  statuses: Record<string, number>;
  steps: { stepId: string; kind: string; phase?: string | null; entered: number }[];
  phases: { phase: string; entered: number }[];
  goals: GoalConversion[];
  waits: { stepId: string; entered: number; byEvent: Record<string, number>; timedOut: number; waiting: number }[];
  splits: {
    stepId: string;
    arms: { arm: string; journeys: number; goals: GoalConversion[] }[];
    comparisons: { goal: string; arm: string; baseline: string; difference: number; low: number; high: number }[];
  }[];
}

export interface SalesTask {
  id: string;
  dealerId: string;
  journeyId: string;
  customerId: string;
  stepId: string;
  type: string;
  title: string;
  status: string;
  createdAt: string;
  dueAt: string;
  completedAt?: string | null;
  outcome?: string | null;
  notes?: string | null;
  completedBy?: string | null;
  onCompleteEvent?: string | null;
  assignee?: string | null;
}

export interface TaskBoard {
  now: string;
  open: SalesTask[];
  overdue: SalesTask[];
  escalated: SalesTask[];
  truncated: boolean;
}

export interface MailboxMessage {
  id: string;
  journeyId: string;
  dealerId: string;
  customerId: string;
  to: string;
  subject: string;
  body: string;
  emailTemplate: string;
  category: string;
  sentAt: string;
}

export interface Clock {
  mode: string;
  now: string;
  nextDue?: string | null;
}

// ---------------------------------------------------------------------------------------------------------------------

const KEY_STORAGE = 'journeys.apiKey';

export function loadApiKey(): string | null {
  try {
    return sessionStorage.getItem(KEY_STORAGE);
  } catch {
    return null;
  }
}

export function storeApiKey(key: string | null): void {
  try {
    if (key) sessionStorage.setItem(KEY_STORAGE, key);
    else sessionStorage.removeItem(KEY_STORAGE);
  } catch {
    /* storage unavailable: the key lives in memory only */
  }
  currentKey = key;
}

let currentKey: string | null = loadApiKey();
let unauthorizedHandler: (() => void) | null = null;

/** Called on any 401 (except while signing in), so the app can go back to the sign-in page. */
export function onUnauthorized(handler: (() => void) | null): void {
  unauthorizedHandler = handler;
}

interface RequestOptions {
  body?: unknown;
  /** Sent as is (text) when given; otherwise the body is JSON. */
  contentType?: string;
  signal?: AbortSignal;
  auth?: boolean;
  key?: string;
  /** Don't trigger the global sign-out on 401. */
  quiet401?: boolean;
}

async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json, application/problem+json' };
  const key = options.key ?? currentKey;
  if (options.auth !== false && key) headers['X-Api-Key'] = key;
  let body: BodyInit | undefined;
  if (options.body !== undefined) {
    if (options.contentType) {
      headers['Content-Type'] = options.contentType;
      body = options.body as string;
    } else {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
  }
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body, signal: options.signal });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, { title: 'The API is unreachable', detail: e instanceof Error ? e.message : String(e) });
  }
  const text = await response.text();
  let parsed: unknown = undefined;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  if (!response.ok) {
    const problem: Problem =
      parsed && typeof parsed === 'object'
        ? (parsed as Problem)
        : { title: response.statusText || `HTTP ${response.status}`, status: response.status, detail: text.slice(0, 300) || undefined };
    if (!problem.title) problem.title = response.statusText || `HTTP ${response.status}`;
    if (problem.status === undefined) problem.status = response.status;
    if (response.status === 401 && !options.quiet401 && unauthorizedHandler) unauthorizedHandler();
    throw new ApiError(response.status, problem);
  }
  return parsed as T;
}

function qs(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') search.set(k, String(v));
  }
  const s = search.toString();
  return s ? `?${s}` : '';
}

const enc = encodeURIComponent;

// ---- identity & host ----
export const getMe = (key?: string) => request<Me>('GET', '/api/me', { key, quiet401: key !== undefined });
export const getHealth = () => request<Health>('GET', '/health', { auth: false });

// ---- templates ----
export const listTemplates = () => request<TemplateSummary[]>('GET', '/api/templates');
export const getTemplate = (id: string) => request<TemplateVersion>('GET', `/api/templates/${enc(id)}`);
export const getTemplateVersion = (id: string, version: number) =>
  request<TemplateVersion>('GET', `/api/templates/${enc(id)}/versions/${version}`);
export const validateTemplate = (yaml: string, signal?: AbortSignal) =>
  request<ValidationResult>('POST', '/api/templates/validate', { body: yaml, contentType: 'application/yaml', signal });
export const publishTemplate = (id: string, yaml: string) =>
  request<PublishResult>('PUT', `/api/templates/${enc(id)}`, { body: yaml, contentType: 'application/yaml' });

// ---- simulations ----
export const runSimulation = (req: SimulationRequest, signal?: AbortSignal) =>
  request<SimulationResult>('POST', '/api/simulations', { body: req, signal });

// ---- journeys ----
export const listJourneys = (f: JourneyFilter, signal?: AbortSignal) =>
  request<JourneyPage>(
    'GET',
    `/api/journeys${qs({
      template: f.template,
      version: f.version,
      phase: f.phase,
      status: f.status,
      dealer: f.dealer,
      customer: f.customer,
      pageSize: f.pageSize ?? 50,
      continuationToken: f.continuationToken,
    })}`,
    { signal },
  );
export const getJourney = (id: string) => request<JourneyDetail>('GET', `/api/journeys/${enc(id)}`);
export const getJourneyTimeline = (id: string) => request<JourneyTimeline>('GET', `/api/journeys/${enc(id)}/timeline`);
export const suspendJourney = (id: string, reason?: string) =>
  request<unknown>('POST', `/api/journeys/${enc(id)}/suspend${qs({ reason })}`);
export const resumeJourney = (id: string, reason?: string) =>
  request<unknown>('POST', `/api/journeys/${enc(id)}/resume${qs({ reason })}`);
export const terminateJourney = (id: string, reason?: string) =>
  request<unknown>('POST', `/api/journeys/${enc(id)}/terminate${qs({ reason })}`);

// ---- analytics ----
export const getFunnel = (template: string, version: number, dealer?: string) =>
  request<Funnel>('GET', `/api/analytics/funnel${qs({ template, version, dealer })}`);

// ---- tasks ----
export const getTaskBoard = (dealerId?: string) => request<TaskBoard>('GET', `/api/tasks/board${qs({ dealerId })}`);
export const completeTask = (id: string, outcome = 'done') =>
  request<unknown>('POST', `/api/tasks/${enc(id)}/complete`, { body: { outcome } });

// ---- development ----
export const getMailbox = () => request<{ items: MailboxMessage[] }>('GET', '/api/dev/mailbox');
export const getClock = () => request<Clock>('GET', '/api/dev/clock');
export const advanceClock = (by: string) => request<Clock>('POST', '/api/dev/clock/advance', { body: { by } });
