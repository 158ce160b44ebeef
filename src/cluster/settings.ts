// Settings of `make cluster`: where its state lives and which loopback ports each component takes.
import path from 'node:path';
import { z } from 'zod';
import { modelNameSchema } from '../registry/model-name';

const port = (fallback: number) =>
  z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be between 1 and 65535').max(65535, 'must be between 1 and 65535').default(fallback);

const portList = (fallback: number[], count?: number) =>
  z
    .string()
    .regex(/^\d{1,5}(,\d{1,5})*$/, 'must be comma-separated port numbers, e.g. 8080,8081')
    .transform((s) => s.split(',').map(Number))
    .refine((ports) => ports.every((p) => p >= 1 && p <= 65535), 'ports must be between 1 and 65535')
    .refine((ports) => count === undefined || ports.length === count, `must list exactly ${count ?? 0} ports`)
    .optional()
    .transform((v) => v ?? fallback);

/** The Temporal server's own ports besides the frontend: frontend membership and HTTP, history, matching, worker (gRPC + membership). */
export const TEMPORAL_INTERNAL_PORTS = 8;
/** The server stores membership ports in a PostgreSQL smallint: they must stay below 32768. */
export const MAX_MEMBERSHIP_PORT = 32767;
const MEMBERSHIP_INDEXES = [0, 3, 5, 7];

export const ClusterEnvSchema = z.object({
  PROJECT_ROOT: z.string().default(path.resolve(__dirname, '..', '..', '..')),
  /** All state of the cluster: PostgreSQL data, Temporal config, MinIO data, each worker's scratch folder. */
  CLUSTER_DIR: z.string().optional(),
  /** PostgreSQL's port (loopback only). */
  CLUSTER_POSTGRES_PORT: port(5433),
  TEMPORAL_PORT: port(7233),
  TEMPORAL_UI_PORT: port(8233),
  /** frontend membership, frontend HTTP, history gRPC/membership, matching gRPC/membership, worker gRPC/membership. */
  CLUSTER_TEMPORAL_INTERNAL_PORTS: portList([6933, 7243, 7234, 6934, 7235, 6935, 7239, 6939], TEMPORAL_INTERNAL_PORTS).refine(
    (ports) => MEMBERSHIP_INDEXES.every((i) => ports[i] <= MAX_MEMBERSHIP_PORT),
    `membership ports (1st, 4th, 6th, 8th) must be at most ${MAX_MEMBERSHIP_PORT}: the server stores them as a smallint`,
  ),
  /** MinIO's S3 port. */
  MINIO_PORT: port(9000),
  /** MinIO's console port. */
  MINIO_CONSOLE_PORT: port(9001),
  /** One API replica per port. */
  CLUSTER_API_PORTS: portList([8080, 8081]),
  /** How many TypeScript workers (each with its own scratch folder). */
  CLUSTER_WORKERS: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(8, 'must be at most 8').default(2),
  /** The S3 bucket the artifact store uses on MinIO. */
  CLUSTER_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{2,62}$/, 'must be an S3 bucket name')
    .default('ml-pipeline'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TASK_QUEUE: z.string().min(1).default('ml-pipeline'),
  MODEL_NAME: modelNameSchema().default('flights'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type ClusterSettings = {
  projectRoot: string;
  dir: string;
  postgresPort: number;
  temporalPort: number;
  temporalUiPort: number;
  temporalInternalPorts: number[];
  minioPort: number;
  minioConsolePort: number;
  apiPorts: number[];
  workers: number;
  bucket: string;
  namespace: string;
  taskQueue: string;
  modelName: string;
  logLevel: z.infer<typeof ClusterEnvSchema>['LOG_LEVEL'];
  /** Extra environment for the workers and API replicas (tests shorten polling and flushing). */
  appEnv?: Record<string, string>;
};

/** Parses the cluster's settings from the environment; throws one message naming every bad variable. */
export function clusterSettingsFromEnv(source: NodeJS.ProcessEnv = process.env): ClusterSettings {
  const relevant: Record<string, string> = {};
  for (const key of Object.keys(ClusterEnvSchema.shape)) {
    const value = source[key];
    if (value !== undefined && value !== '') relevant[key] = value;
  }
  const parsed = ClusterEnvSchema.safeParse(relevant);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  - ${String(i.path[0] ?? '(settings)')}: ${i.message}`);
    throw new Error(`invalid cluster settings:\n${problems.join('\n')}`);
  }
  const e = parsed.data;
  return {
    projectRoot: e.PROJECT_ROOT,
    dir: path.resolve(e.PROJECT_ROOT, e.CLUSTER_DIR ?? 'var/cluster'),
    postgresPort: e.CLUSTER_POSTGRES_PORT,
    temporalPort: e.TEMPORAL_PORT,
    temporalUiPort: e.TEMPORAL_UI_PORT,
    temporalInternalPorts: e.CLUSTER_TEMPORAL_INTERNAL_PORTS,
    minioPort: e.MINIO_PORT,
    minioConsolePort: e.MINIO_CONSOLE_PORT,
    apiPorts: e.CLUSTER_API_PORTS,
    workers: e.CLUSTER_WORKERS,
    bucket: e.CLUSTER_BUCKET,
    namespace: e.TEMPORAL_NAMESPACE,
    taskQueue: e.TASK_QUEUE,
    modelName: e.MODEL_NAME,
    logLevel: e.LOG_LEVEL,
  };
}

/** Every port the topology listens on, by name (to check they are free before starting). */
export function clusterPorts(s: ClusterSettings): [string, number][] {
  return [
    ['CLUSTER_POSTGRES_PORT', s.postgresPort],
    ['TEMPORAL_PORT', s.temporalPort],
    ['TEMPORAL_UI_PORT', s.temporalUiPort],
    ...s.temporalInternalPorts.map((p, i): [string, number] => [`CLUSTER_TEMPORAL_INTERNAL_PORTS[${i}]`, p]),
    ['MINIO_PORT', s.minioPort],
    ['MINIO_CONSOLE_PORT', s.minioConsolePort],
    ...s.apiPorts.map((p, i): [string, number] => [`CLUSTER_API_PORTS[${i}]`, p]),
  ];
}
