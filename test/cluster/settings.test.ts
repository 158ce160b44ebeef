// `make cluster`'s settings: defaults that match the README, and one message naming every bad variable.
import assert from 'node:assert/strict';
import path from 'node:path';
import { clusterPorts, clusterSettingsFromEnv } from '../../src/cluster/settings';
import { projectRoot } from '../support/temporal';

describe('make cluster settings', () => {
  it('defaults to var/cluster, two workers and two API replicas on 8080 and 8081', () => {
    const s = clusterSettingsFromEnv({ PROJECT_ROOT: projectRoot });
    assert.equal(s.dir, path.join(projectRoot, 'var', 'cluster'));
    assert.equal(s.workers, 2);
    assert.deepEqual(s.apiPorts, [8080, 8081]);
    assert.equal(s.temporalPort, 7233);
    const ports = clusterPorts(s).map(([, p]) => p);
    assert.equal(new Set(ports).size, ports.length, 'no port is used twice by default');
  });

  it('names every bad variable, including a membership port the server cannot store', () => {
    assert.throws(
      () =>
        clusterSettingsFromEnv({
          PROJECT_ROOT: projectRoot,
          CLUSTER_API_PORTS: '8080,http',
          CLUSTER_WORKERS: '0',
          CLUSTER_TEMPORAL_INTERNAL_PORTS: '40000,7243,7234,6934,7235,6935,7239,6939',
          CLUSTER_BUCKET: 'Not_A_Bucket',
        }),
      (err: Error) =>
        /CLUSTER_API_PORTS: must be comma-separated port numbers/.test(err.message) &&
        /CLUSTER_WORKERS: must be at least 1/.test(err.message) &&
        /CLUSTER_TEMPORAL_INTERNAL_PORTS: membership ports .* at most 32767/.test(err.message) &&
        /CLUSTER_BUCKET: must be an S3 bucket name/.test(err.message),
    );
  });
});
