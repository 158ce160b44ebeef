// How to reach a Temporal frontend: address, TLS (server CA, client certificate for mTLS, server name) and API key.
// The variable names are the official `temporal` CLI's, so one set of settings serves this project and that CLI.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { TLSConfig } from '@temporalio/client';
import { Secret } from '../util/redact';

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' }).transform((v) => v === 'true' || v === '1' || v === 'yes');
const file = z.string().min(1, 'must be a file path');

/** The settings this module reads; merged into the process's settings schema (src/config/env.ts). */
export const temporalTargetSettings = {
  /** Turns TLS on (system roots) or off; default on when any other TLS setting or an API key is set. */
  TEMPORAL_TLS: bool.optional(),
  /** PEM client certificate for mTLS (with TEMPORAL_TLS_KEY). */
  TEMPORAL_TLS_CERT: file.optional(),
  /** PEM private key of TEMPORAL_TLS_CERT. */
  TEMPORAL_TLS_KEY: file.optional(),
  /** PEM CA that signed the server's certificate; default: the system's roots. */
  TEMPORAL_TLS_CA: file.optional(),
  /** The name the server's certificate is checked against (SNI), when it differs from the address's host. */
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
  /** Temporal Cloud (or a proxy's) API key, sent as `Authorization: Bearer`; turns TLS on unless TEMPORAL_TLS=false. */
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  /** The API key read from a file (e.g. a mounted secret) instead of the environment. */
  TEMPORAL_API_KEY_FILE: file.optional(),
};

type Raw = { [K in keyof typeof temporalTargetSettings]?: z.output<(typeof temporalTargetSettings)[K]> };

export interface TemporalTls {
  certFile?: string;
  keyFile?: string;
  caFile?: string;
  serverName?: string;
}

export interface TemporalTarget {
  address: string;
  /** false: plain text; otherwise TLS with these files (all optional: {} is TLS with the system's roots). */
  tls: false | TemporalTls;
  apiKey?: Secret;
  apiKeyFile?: string;
}

/** Cross-field rules, as zod issues on the named variable. */
export function checkTemporalTarget(e: Raw, ctx: z.RefinementCtx): void {
  const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  if ((e.TEMPORAL_TLS_CERT === undefined) !== (e.TEMPORAL_TLS_KEY === undefined)) {
    issue(e.TEMPORAL_TLS_CERT === undefined ? 'TEMPORAL_TLS_CERT' : 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be set together (the client certificate and its key)');
  }
  if (e.TEMPORAL_API_KEY !== undefined && e.TEMPORAL_API_KEY_FILE !== undefined) issue('TEMPORAL_API_KEY_FILE', 'set TEMPORAL_API_KEY or TEMPORAL_API_KEY_FILE, not both');
  if (e.TEMPORAL_TLS === false) {
    for (const key of ['TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_CA', 'TEMPORAL_TLS_SERVER_NAME'] as const) {
      if (e[key] !== undefined) issue(key, `${key} is set but TEMPORAL_TLS=false turns TLS off`);
    }
  }
}

export function temporalTarget(address: string, e: Raw): TemporalTarget {
  const tlsAsked = e.TEMPORAL_TLS_CERT !== undefined || e.TEMPORAL_TLS_CA !== undefined || e.TEMPORAL_TLS_SERVER_NAME !== undefined;
  const apiKeyAsked = e.TEMPORAL_API_KEY !== undefined || e.TEMPORAL_API_KEY_FILE !== undefined;
  const on = e.TEMPORAL_TLS ?? (tlsAsked || apiKeyAsked);
  return {
    address,
    tls: on
      ? {
          ...(e.TEMPORAL_TLS_CERT ? { certFile: e.TEMPORAL_TLS_CERT } : {}),
          ...(e.TEMPORAL_TLS_KEY ? { keyFile: e.TEMPORAL_TLS_KEY } : {}),
          ...(e.TEMPORAL_TLS_CA ? { caFile: e.TEMPORAL_TLS_CA } : {}),
          ...(e.TEMPORAL_TLS_SERVER_NAME ? { serverName: e.TEMPORAL_TLS_SERVER_NAME } : {}),
        }
      : false,
    ...(e.TEMPORAL_API_KEY ? { apiKey: new Secret(e.TEMPORAL_API_KEY) } : {}),
    ...(e.TEMPORAL_API_KEY_FILE ? { apiKeyFile: e.TEMPORAL_API_KEY_FILE } : {}),
  };
}

/** A TLS or API-key file that cannot be read: a settings problem, reported like any bad setting. */
export class TemporalCredentialsError extends Error {
  constructor(
    readonly variable: string,
    file: string,
    cause: unknown,
  ) {
    super(`${variable}: cannot read ${file} (${cause instanceof Error ? cause.message.replace(/^[A-Z]+: /, '') : String(cause)})`);
    this.name = 'TemporalCredentialsError';
  }
}

async function load(variable: string, path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new TemporalCredentialsError(variable, path, err);
  }
}

/** The SDK's connection options (Connection and NativeConnection take the same `tls` and `apiKey`), files read now. */
export async function connectionOptions(target: TemporalTarget | string): Promise<{ address: string; tls?: TLSConfig | false; apiKey?: string }> {
  if (typeof target === 'string') return { address: target };
  let tls: TLSConfig | false = false;
  if (target.tls) {
    const t = target.tls;
    tls = {
      ...(t.serverName ? { serverNameOverride: t.serverName } : {}),
      ...(t.caFile ? { serverRootCACertificate: await load('TEMPORAL_TLS_CA', t.caFile) } : {}),
      ...(t.certFile && t.keyFile ? { clientCertPair: { crt: await load('TEMPORAL_TLS_CERT', t.certFile), key: await load('TEMPORAL_TLS_KEY', t.keyFile) } } : {}),
    };
  }
  const apiKey = target.apiKey?.reveal() ?? (target.apiKeyFile ? (await load('TEMPORAL_API_KEY_FILE', target.apiKeyFile)).toString('utf8').trim() : undefined);
  return { address: target.address, tls, ...(apiKey ? { apiKey } : {}) };
}

/** For logs: how the connection is secured, no secrets. */
export function describeTarget(target: TemporalTarget | string): string {
  if (typeof target === 'string' || !target.tls) return typeof target !== 'string' && (target.apiKey || target.apiKeyFile) ? 'plain text, API key' : 'plain text';
  const parts = [target.tls.certFile ? 'mTLS' : 'TLS'];
  if (target.tls.caFile) parts.push(`CA ${target.tls.caFile}`);
  if (target.tls.serverName) parts.push(`server name ${target.tls.serverName}`);
  if (target.apiKey || target.apiKeyFile) parts.push('API key');
  return parts.join(', ');
}
