// Renders an alert as a Slack Block Kit message plus a plain-text fallback, within Slack's size limits.
import type { Alert, AlertDetails, DriftedFeature, FailedExpectation, Severity } from './model';
import { isHttpUrl } from './model';

/** The subset of Block Kit this module emits (Slack's own types are looser than we need). */
export type TextObject = { type: 'mrkdwn'; text: string } | { type: 'plain_text'; text: string; emoji?: boolean };
export type Block =
  | { type: 'header'; text: { type: 'plain_text'; text: string; emoji: boolean } }
  | { type: 'section'; text?: TextObject; fields?: TextObject[] }
  | { type: 'context'; elements: TextObject[] }
  | { type: 'divider' };

export interface SlackMessage {
  text: string;
  blocks: Block[];
}

// Slack limits: header 150 chars, section text 3000, a field 2000, at most 10 fields and 50 blocks.
const HEADER_MAX = 150;
const SECTION_MAX = 3000;
const FIELD_MAX = 2000;
const LIST_MAX = 15;
const LINE_MAX = 400;

const SEVERITY_ICON: Record<Severity, string> = {
  info: ':large_blue_circle:',
  warning: ':large_orange_circle:',
  error: ':red_circle:',
  critical: ':rotating_light:',
};

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Slack mrkdwn needs &, < and > escaped; everything user-supplied goes through this. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Inline code that survives backticks in the value. */
function code(text: string): string {
  return `\`${escapeMrkdwn(text.replace(/`/g, "'"))}\``;
}

function num(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value !== 0 && Math.abs(value) < 0.001) return value.toExponential(2);
  return String(Number(value.toPrecision(4)));
}

function observed(value: unknown): string {
  if (value === undefined) return '';
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- String() only for what JSON cannot show (undefined inside, functions, symbols)
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return clip(text, 80);
}

function expectationLine(f: FailedExpectation): string {
  const parts = [`• ${code(f.name)}`];
  if (f.column) parts.push(`on ${code(f.column)}`);
  const facts: string[] = [];
  if (f.observedValue !== undefined && f.observedValue !== null) facts.push(`observed ${code(observed(f.observedValue))}`);
  if (f.unexpectedPercent !== undefined && f.unexpectedPercent !== null) facts.push(`${num(f.unexpectedPercent)}% unexpected`);
  if (facts.length === 0 && f.summary) facts.push(escapeMrkdwn(clip(f.summary, 200)));
  return facts.length > 0 ? `${parts.join(' ')}: ${facts.join(', ')}` : parts.join(' ');
}

function driftLine(f: DriftedFeature): string {
  const usesPValue = f.pValue !== undefined && f.pValue !== null && (f.method === 'ks' || f.method === 'chisquare');
  const decision = usesPValue
    ? `${escapeMrkdwn(f.method)} statistic ${num(f.statistic)}, p = ${num(f.pValue as number)} < threshold ${num(f.threshold)}`
    : `${escapeMrkdwn(f.method)} = ${num(f.statistic)} ≥ threshold ${num(f.threshold)}`;
  const psi = f.psi !== undefined && f.psi !== null && f.method !== 'psi' ? ` (PSI ${num(f.psi)})` : '';
  return `• ${code(f.feature)}: ${decision}${psi}`;
}

function listSection(heading: string, lines: string[]): Block {
  // Fit whole lines into one section and say how many did not fit, rather than cutting mid-line.
  let text = `*${heading}*`;
  let shown = 0;
  for (const line of lines.slice(0, LIST_MAX)) {
    const next = `${text}\n${clip(line, LINE_MAX)}`;
    if (next.length > SECTION_MAX - 40) break;
    text = next;
    shown++;
  }
  if (shown < lines.length) text += `\n…and ${lines.length - shown} more`;
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

function detailBlocks(details: AlertDetails): Block[] {
  switch (details.kind) {
    case 'gate': {
      const of = details.total !== undefined ? ` (${details.failedExpectations.length} of ${details.total})` : ` (${details.failedExpectations.length})`;
      return [listSection(`Failed expectations${of}`, details.failedExpectations.map(expectationLine))];
    }
    case 'drift': {
      const of = details.numberOfFeatures !== undefined ? ` (${details.driftedFeatures.length} of ${details.numberOfFeatures})` : ` (${details.driftedFeatures.length})`;
      const model = details.model ? ` in ${code(`${details.model}${details.version !== undefined ? ` v${details.version}` : ''}`)}` : '';
      return [listSection(`Drifted features${of}${model}`, details.driftedFeatures.map(driftLine))];
    }
    case 'fields': {
      const lines = Object.entries(details.fields).map(([k, v]) => `• *${escapeMrkdwn(k)}*: ${escapeMrkdwn(clip(v, 300))}`);
      return lines.length > 0 ? [listSection('Details', lines)] : [];
    }
  }
}

function field(label: string, value: string): TextObject {
  return { type: 'mrkdwn', text: clip(`*${label}*\n${value}`, FIELD_MAX) };
}

/** The whole message: header, what failed, the error, details, links; resolved alerts get a short form. */
export function renderSlackMessage(alert: Alert): SlackMessage {
  const s = alert.source;
  const resolved = alert.kind === 'resolved';
  const header = resolved ? `Resolved: ${alert.title}` : alert.title;
  const icon = resolved ? ':white_check_mark:' : SEVERITY_ICON[alert.severity];
  const blocks: Block[] = [{ type: 'header', text: { type: 'plain_text', text: clip(header, HEADER_MAX), emoji: true } }];

  const fields: TextObject[] = [field('Severity', `${icon} ${resolved ? 'resolved' : alert.severity}`), field('Workflow', `${code(s.workflowType)}\n${code(s.workflowId)}`)];
  if (s.activity) fields.push(field('Activity', code(s.activity)));
  if (s.attempt !== undefined) fields.push(field('Attempt', String(s.attempt)));
  if (s.errorType) fields.push(field('Error type', code(s.errorType)));
  if (s.retryState) fields.push(field('Retry state', code(s.retryState)));
  blocks.push({ type: 'section', fields: fields.slice(0, 10) });

  if (s.message.trim().length > 0) {
    const body = escapeMrkdwn(s.message.replace(/```/g, "'''"));
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(`\`\`\`${clip(body, SECTION_MAX - 8)}\`\`\``, SECTION_MAX) } });
  }
  if (alert.details && !resolved) blocks.push(...detailBlocks(alert.details));

  const links: string[] = [];
  if (alert.links.run) links.push(`<${alert.links.run}|Open the run in Temporal Web UI>`);
  if (alert.links.report) {
    links.push(isHttpUrl(alert.links.report) ? `<${alert.links.report}|Report>` : `Report: ${code(alert.links.report)}`);
  }
  if (links.length > 0) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: links.join('  ·  ') } });
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: clip(`key ${code(alert.key)} · ${escapeMrkdwn(alert.raisedAt)} · run ${code(s.runId)}`, FIELD_MAX) }],
  });

  return { text: fallbackText(alert), blocks };
}

/** The notification / screen-reader text; carries the essentials and the run link on its own. */
export function fallbackText(alert: Alert): string {
  const s = alert.source;
  const label = alert.kind === 'resolved' ? 'RESOLVED' : alert.severity.toUpperCase();
  const what = s.activity ? `${s.workflowType}/${s.activity}` : s.workflowType;
  const link = alert.links.run ? ` ${alert.links.run}` : '';
  return escapeMrkdwn(clip(`[${label}] ${alert.title} (${what}, ${s.workflowId}): ${s.message}`, 1000)) + link;
}
