// The environment of a `make up` (dist/src/up/main.js) started by a test: its own free ports and var folder, the
// Temporal CLI, and no inherited TEMPORAL_ADDRESS (a developer's shell may export one; make up then starts its own).
import { freePort } from '../../src/up/processes';
import { temporalCli, tempVarDir } from './temporal';

export interface UpPorts {
  temporalPort: number;
  uiPort: number;
  apiPort: number;
  varDir: string;
}

/** Ports and settings for one `make up`; `extra` adds or overrides settings. */
export async function upEnv(varPrefix: string, extra: NodeJS.ProcessEnv = {}): Promise<{ env: NodeJS.ProcessEnv } & UpPorts> {
  const [temporalPort, uiPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const varDir = tempVarDir(varPrefix);
  const { TEMPORAL_ADDRESS: _inherited, ...inherited } = process.env;
  const env: NodeJS.ProcessEnv = {
    ...inherited,
    TEMPORAL_CLI: temporalCli(),
    TEMPORAL_PORT: String(temporalPort),
    TEMPORAL_UI_PORT: String(uiPort),
    API_PORT: String(apiPort),
    VAR_DIR: varDir,
    ...extra,
  };
  return { env, temporalPort, uiPort, apiPort, varDir };
}
