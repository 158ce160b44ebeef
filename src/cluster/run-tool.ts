// Runs a one-shot setup command (initdb, the Temporal SQL tool) and turns a failure into a message with its output.
import { execFile } from 'node:child_process';

export interface ToolResult {
  stdout: string;
  stderr: string;
}

export class ToolFailed extends Error {
  constructor(
    readonly command: string,
    readonly output: string,
    code: number | string | undefined,
  ) {
    super(`${command} failed (exit ${code ?? '?'}):\n${output.trim().split('\n').slice(-20).join('\n')}`);
    this.name = 'ToolFailed';
  }
}

export function runTool(command: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; uid?: number; gid?: number; timeoutMs?: number } = {}): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      {
        env: opts.env ?? process.env,
        cwd: opts.cwd,
        timeout: opts.timeoutMs ?? 120_000,
        maxBuffer: 16 * 1024 * 1024,
        ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
        ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
      },
      (err, stdout, stderr) => {
        if (err) {
          const code = (err as NodeJS.ErrnoException & { code?: number | string }).code;
          reject(new ToolFailed(`${command.split('/').pop() ?? command} ${args.join(' ')}`, `${stdout}\n${stderr}`, code));
        } else resolve({ stdout, stderr });
      },
    );
  });
}
