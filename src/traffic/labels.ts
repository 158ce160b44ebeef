// Sends ground truth for replayed rows to the feedback API, in calls of at most 10,000 labels.
import { TrafficError } from './replay';

export interface LabelSendResult {
  sent: number;
  accepted: number;
  duplicates: number;
  malformed: number;
  calls: number;
}

/** POSTs `labels` to <url>/v1/models/<model>/feedback (or /v1/feedback without a model), 10,000 per call, retrying 429/503. */
export async function sendLabels(o: { url: string; key: string; model?: string; labels: readonly { id: string; label: 0 | 1 }[]; chunk?: number; signal?: AbortSignal }): Promise<LabelSendResult> {
  const base = o.url.replace(/\/+$/, '');
  const route = o.model ? `${base}/v1/models/${encodeURIComponent(o.model)}/feedback` : `${base}/v1/feedback`;
  const chunk = Math.max(1, Math.min(10_000, o.chunk ?? 10_000));
  const out: LabelSendResult = { sent: 0, accepted: 0, duplicates: 0, malformed: 0, calls: 0 };
  for (let i = 0; i < o.labels.length && !o.signal?.aborted; i += chunk) {
    const part = o.labels.slice(i, i + chunk);
    for (let attempt = 1; ; attempt++) {
      const res = await fetch(route, {
        method: 'POST',
        headers: { authorization: `Bearer ${o.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ labels: part }),
        signal: AbortSignal.timeout(30_000),
      });
      out.calls++;
      if ((res.status === 429 || res.status === 503) && attempt < 6) {
        const wait = Number(res.headers.get('retry-after'));
        await new Promise((r) => setTimeout(r, Number.isFinite(wait) && wait > 0 ? wait * 1000 : 500 * attempt));
        continue;
      }
      const body = (await res.json().catch(() => ({}))) as { accepted?: number; duplicates?: number; malformed?: unknown[]; message?: string };
      if (!res.ok) throw new TrafficError(`feedback answered ${res.status}: ${body.message ?? 'no message'}`);
      out.sent += part.length;
      out.accepted += body.accepted ?? 0;
      out.duplicates += body.duplicates ?? 0;
      out.malformed += body.malformed?.length ?? 0;
      break;
    }
  }
  return out;
}
