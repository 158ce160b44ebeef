// One compose project booted for a test: podman's Docker API on a private socket, the Docker Compose CLI pointed at
// it, free host ports, the local stand-in images of `make images`, and health checks run the way Docker's engine would.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { freePort } from '../../src/up/processes';
import { waitFor } from '../cluster/helpers';
import { appImage, podman, requireImages, runtimeWrapper } from '../support/podman';
import { projectRoot } from '../support/temporal';

const run = promisify(execFile);

export const PORT_NAMES = ['TEMPORAL_PUBLISH_PORT', 'TEMPORAL_UI_PUBLISH_PORT', 'MINIO_PUBLISH_PORT', 'MINIO_CONSOLE_PUBLISH_PORT', 'API_1_PUBLISH_PORT', 'API_2_PUBLISH_PORT'] as const;
export type PortName = (typeof PORT_NAMES)[number];

/** images/local.env (written by `make images` when it made local stand-ins) as variables for compose. */
export function localImages(): Record<string, string> {
  const file = path.join(projectRoot, 'images', 'local.env');
  if (!existsSync(file)) return {};
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

/**
 * Every image docker-compose.temporal.yml names, as compose resolves `${VAR:-default}` with images/local.env: images
 * built from another checkout (podman's store is per machine, local.env per checkout) leave the official names here.
 */
export function composeImages(): string[] {
  const file = parse(readFileSync(path.join(projectRoot, 'docker-compose.temporal.yml'), 'utf8')) as { services: Record<string, { image?: string }> };
  const vars = localImages();
  const images = Object.values(file.services).flatMap((svc) => (svc.image ? [svc.image.replace(/\$\{([A-Z_]+):-([^}]*)\}/g, (_, name: string, dflt: string) => vars[name] ?? dflt)] : []));
  return [...new Set(images)];
}

/** Skips (under `make test`) or fails (under `make container-test`) when an image or the Compose CLI is missing. */
export async function requireComposeTools(ctx: Mocha.Context): Promise<void> {
  await requireImages(ctx, [appImage, ...composeImages()]);
  if (process.env.CONTAINER_TEST !== '1' && !existsSync(path.join(projectRoot, '.tools', 'compose', 'docker-compose'))) {
    process.stdout.write('      skipped: the Docker Compose CLI is not built yet: run `make container-test`\n');
    ctx.skip();
  }
}

let dnsChecked: Promise<void> | undefined;
/**
 * Compose services reach each other by service name through podman's DNS plugin (aardvark-dns with netavark, dnsname
 * with CNI). `apt-get install --no-install-recommends podman` installs neither, and every service then fails with
 * "no such host": this probe names the missing package instead, once per run.
 */
export function checkContainerDns(image: string): Promise<void> {
  dnsChecked ??= (async () => {
    const tag = `mlp-dns-probe-${process.pid}`;
    await podman(['network', 'create', tag]);
    try {
      const a = await podman(['run', '-d', '--name', `${tag}-a`, '--network', tag, '--entrypoint', 'sleep', image, '60']);
      if (a.code !== 0) throw new Error(`podman run for the DNS probe failed: ${a.stderr.trim()}`);
      const b = await podman(['run', '--rm', '--network', tag, '--entrypoint', 'getent', image, 'hosts', `${tag}-a`]);
      if (b.code === 0) return;
      const backend = (await podman(['info', '--format', '{{.Host.NetworkBackend}}'])).stdout.trim();
      const pkg = backend === 'netavark' ? 'aardvark-dns' : 'golang-github-containernetworking-plugin-dnsname';
      throw new Error(
        `containers on a podman network cannot resolve each other by name (podman's ${backend} backend has no DNS plugin), so compose services cannot find each other: apt-get install ${pkg}`,
      );
    } finally {
      await podman(['rm', '-f', '-v', '-t', '0', `${tag}-a`]); // -v: the image's /data VOLUME, anonymous here
      await podman(['network', 'rm', '-f', tag]);
    }
  })();
  return dnsChecked;
}

export class ComposeStack {
  readonly project = `mlp-compose-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
  readonly ports = {} as Record<PortName, number>;
  private socketDir = '';
  private service: ChildProcess | undefined;
  private composeBin = '';
  private env: NodeJS.ProcessEnv = {};
  private healthTicker: NodeJS.Timeout | undefined;

  /** files: compose files in order (-f each); env: the project's variables (passwords, TEMPORAL_TLS_DIR...). */
  constructor(
    private readonly files: string[],
    private readonly vars: Record<string, string>,
  ) {}

  /** Starts podman's Docker API and the health checks; `up` is the caller's (which services, --wait or not). */
  async start(): Promise<void> {
    await checkContainerDns(appImage);
    this.composeBin = execFileSync(path.join(projectRoot, 'scripts', 'compose-cli.sh'), { encoding: 'utf8' }).trim();
    this.socketDir = mkdtempSync(path.join(os.tmpdir(), 'mlp-podman-api-'));
    const socket = path.join(this.socketDir, 'podman.sock');
    // podman's Docker-compatible API for the Compose CLI, with the project's runc wrapper.
    this.service = spawn('podman', ['--runtime', runtimeWrapper, 'system', 'service', '--time=0', `unix://${socket}`], { stdio: 'ignore' });
    await waitFor('the podman API socket', 30_000, () => Promise.resolve(existsSync(socket)));
    this.startHealthChecks();
    for (const name of PORT_NAMES) {
      let p = await freePort();
      while (Object.values(this.ports).includes(p)) p = await freePort();
      this.ports[name] = p;
    }
    this.env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DOCKER_HOST: `unix://${socket}`,
      ...localImages(),
      ...this.vars,
      ...Object.fromEntries(Object.entries(this.ports).map(([k, v]) => [k, String(v)])),
    };
  }

  async compose(args: string[], timeoutMs = 600_000): Promise<{ stdout: string; stderr: string }> {
    const files = this.files.flatMap((f) => ['-f', path.join(projectRoot, f)]);
    try {
      return await run(this.composeBin, [...files, '-p', this.project, ...args], { env: this.env, cwd: projectRoot, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(`compose ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`, { cause: err });
    }
  }

  /** Runs the Compose CLI to its end and never throws on a non-zero exit: for commands expected to fail. */
  async composeExit(args: string[], timeoutMs = 300_000): Promise<{ code: number; output: string }> {
    const files = this.files.flatMap((f) => ['-f', path.join(projectRoot, f)]);
    try {
      const r = await run(this.composeBin, [...files, '-p', this.project, ...args], { env: this.env, cwd: projectRoot, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
      return { code: 0, output: r.stdout + r.stderr };
    } catch (err) {
      const e = err as { code?: unknown; stdout?: string; stderr?: string };
      if (typeof e.code !== 'number') throw err;
      return { code: e.code, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
    }
  }

  /** The container of a service, as the Compose CLI names it. */
  container(svc: string, n = 1): string {
    return `${this.project}-${svc}-${n}`;
  }

  /** Each service's containers as `state:exitCode`, from `compose ps --all`. */
  async states(): Promise<(svc: string) => string[]> {
    const { stdout } = await this.compose(['ps', '--all', '--format', 'json']);
    const rows = stdout.trim().startsWith('[')
      ? (JSON.parse(stdout) as { Service: string; State: string; ExitCode: number }[])
      : stdout
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as { Service: string; State: string; ExitCode: number });
    return (svc) => rows.filter((r) => r.Service === svc).map((r) => `${r.State}:${r.ExitCode}`);
  }

  /** Prints the logs' tail when asked (a failed test), then `compose down --volumes` and the API service stops. */
  async stop(printLogs: boolean): Promise<void> {
    clearInterval(this.healthTicker);
    if (this.composeBin && this.service) {
      if (printLogs || process.env.CONTAINER_TEST_LOGS === '1') {
        const logs = await this.compose(['logs', '--no-color', '--tail', '60']).catch((e: Error) => ({ stdout: e.message }));
        process.stdout.write(`\n--- compose logs (tail) ---\n${logs.stdout}\n`);
      }
      await this.compose(['down', '--volumes', '--remove-orphans', '--timeout', '20'], 300_000).catch((e: Error) => process.stdout.write(`${e.message}\n`));
    }
    const service = this.service;
    if (service && service.exitCode === null && service.signalCode === null) {
      const exited = new Promise((resolve) => service.once('exit', resolve));
      service.kill('SIGTERM');
      await exited;
    }
    if (this.socketDir) rmSync(this.socketDir, { recursive: true, force: true });
  }

  /**
   * podman schedules health checks with systemd timers; with no systemd (this machine, most CI containers) none run,
   * and `depends_on: service_healthy` would wait forever. Docker's engine runs them itself: this does the same.
   */
  private startHealthChecks(): void {
    let busy = false;
    const once = async () => {
      const names = (await podman(['ps', '--filter', `label=com.docker.compose.project=${this.project}`, '--format', '{{.Names}} {{.Status}}'])).stdout.trim().split('\n');
      await Promise.all(names.filter((l) => /\((starting|healthy|unhealthy)\)/.test(l)).map((l) => podman(['healthcheck', 'run', l.split(' ')[0]], { timeoutMs: 30_000 })));
    };
    this.healthTicker = setInterval(() => {
      if (busy) return;
      busy = true;
      once()
        .catch(() => undefined)
        .finally(() => (busy = false));
    }, 3000);
  }
}
