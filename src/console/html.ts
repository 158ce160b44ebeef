// The console's page shell and small HTML pieces: every value goes through esc(), scripts carry the response's nonce.
import { esc } from '../drift/report/escape';

export { esc };

/** Colour class of a drift or quality verdict (null: no report yet). */
export function badge(kind: 'drift' | 'quality', verdict: string | null, href?: string): string {
  const tone = verdict === null ? 'none' : verdict === 'no drift' || verdict === 'ok' ? 'good' : verdict === 'insufficient data' || verdict === 'insufficient labels' ? 'unknown' : 'bad';
  const text = `${kind}: ${verdict ?? 'no report'}`;
  const inner = `<span class="badge ${tone}" data-kind="${esc(kind)}" data-verdict="${esc(verdict ?? '')}">${esc(text)}</span>`;
  return href ? `<a href="${esc(href)}">${inner}</a>` : inner;
}

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1b1f24;background:#fafbfc}
header{background:#24292f;color:#fff;padding:.6rem 1.2rem;display:flex;gap:1.2rem;align-items:center}
header a{color:#fff}main{padding:1rem 1.2rem;max-width:1200px}
table{border-collapse:collapse;margin:.5rem 0 1rem}th,td{border-bottom:1px solid #d0d7de;padding:.3rem .6rem;text-align:left;vertical-align:top}
th{background:#f0f3f6}.num{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;border-radius:1em;padding:0 .6em;font-size:12px;border:1px solid}
.good{background:#dafbe1;border-color:#1a7f37;color:#116329}.bad{background:#ffebe9;border-color:#cf222e;color:#a40e26}
.unknown{background:#fff8c5;border-color:#9a6700;color:#7d4e00}.none{background:#eaeef2;border-color:#8c959f;color:#57606a}
a:focus,button:focus,input:focus,select:focus{outline:3px solid #0969da;outline-offset:2px}
.charts{display:flex;flex-wrap:wrap;gap:1rem}figure{margin:0;background:#fff;border:1px solid #d0d7de;padding:.4rem}
figcaption{font-weight:600;font-size:13px}.admin{background:#fff;border:1px solid #d0d7de;padding:.6rem;margin:1rem 0}
#admin-status{font-weight:600}.champion{font-weight:700}
`;

export interface PageParts {
  title: string;
  body: string;
  /** Inline script for this page (run with the response's nonce), if any. */
  script?: string;
  nonce: string;
}

export function page(p: PageParts): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(p.title)} · model console</title><style>${STYLE}</style></head>
<body><header><strong>Model console</strong><nav aria-label="console"><a href="/console">Models</a> · <a href="/console/reports">Reports</a> · <a href="/docs">API</a></nav></header>
<main id="main">${p.body}</main>${p.script ? `<script nonce="${esc(p.nonce)}">${p.script}</script>` : ''}</body></html>`;
}

/** Scripts run only with this response's nonce; the page fetches nothing but this API. */
export function pageHeaders(nonce: string): Record<string, string> {
  return {
    'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-${nonce}'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'self'`,
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-cache',
  };
}

export function fmt(x: unknown, digits = 4): string {
  return typeof x === 'number' && Number.isFinite(x) ? Number(x.toPrecision(digits)).toString() : '–';
}
