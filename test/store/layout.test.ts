// The store's key layout: every key byte-identical to what earlier versions wrote, and no other src/ module spelling one.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import * as layout from '../../src/store/layout';
import { projectRoot } from '../support/temporal';

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return tsFiles(full);
    return name.endsWith('.ts') ? [full] : [];
  });
}

describe('store key layout', () => {
  it('builds the keys stored data already lives under, byte for byte', () => {
    assert.equal(layout.capturePrefix('flights'), 'capture/flights/');
    assert.equal(layout.labelsPrefix('flights'), 'labels/flights/');
    assert.equal(layout.appendLogFileName(layout.hourStamp(Date.UTC(2025, 0, 31, 9, 59)), 'api-1', 7), '20250131T09-api-1-000007.jsonl');
    assert.deepEqual(layout.reportObjectKeys(layout.DRIFT_REPORTS_PREFIX, 'r1'), { jsonKey: 'reports/drift/r1.json', htmlKey: 'reports/drift/r1.html' });
    assert.deepEqual(layout.reportObjectKeys(layout.QUALITY_REPORTS_PREFIX, 'r1'), { jsonKey: 'reports/model-quality/r1.json', htmlKey: 'reports/model-quality/r1.html' });
    assert.equal(layout.driftStateKey('flights'), 'drift/flights/state.json');
    assert.equal(layout.driftRetrainSpecKey('flights', 3), 'drift/flights/retrain-spec-v3.json');
    assert.equal(layout.qualityStateKey('flights'), 'model-quality/flights/state.json');
    assert.equal(layout.qualityRetrainPrefix('flights', 'r1'), 'model-quality/flights/retrain/r1/');
    assert.equal(layout.runPrefix('train/flights', 'abc'), 'runs/train_flights__abc');
    const run = layout.runKeys('runs/train-flights__abc');
    assert.equal(run.snapshot, 'runs/train-flights__abc/snapshot.parquet');
    assert.equal(run.onnx, 'runs/train-flights__abc/model.onnx');
    assert.equal(run.qualityReport, 'reports/quality/train-flights__abc.json');
  });

  it('builds the alert, usage and registry keys byte for byte, and reads registry keys back', () => {
    assert.equal(layout.alertKey('drift:flights'), 'alerts/drift_flights-7adf16c98bc4.json');
    assert.equal(layout.alertKey('gate:flights:datasets/flights.json'), 'alerts/gate_flights_datasets_flights.json-182f603f89a3.json');
    assert.equal(layout.usageKey(), 'usage.json');
    assert.equal(layout.usageKey('api-1'), 'usage/api-1.json');
    const root = layout.REGISTRY_PREFIX;
    assert.equal(root, 'registry');
    assert.equal(layout.registryVersionsPrefix(root, 'flights'), 'registry/flights/versions/');
    assert.equal(layout.registryVersionKey(root, 'flights', 3), 'registry/flights/versions/3');
    assert.equal(layout.registryFileKey(root, 'flights', 3, 'model.onnx'), 'registry/flights/versions/3/model.onnx');
    assert.equal(layout.registryAliasesKey(root, 'flights'), 'registry/flights/aliases.json');
    assert.equal(layout.registryRunIndexKey(root, 'flights', 'run-1'), 'registry/flights/runs/4e65d3fbe8ad6535681b021b30785b12.json');
    assert.equal(layout.registryClaimsPrefix(root, 'flights'), 'registry/flights/claims/');
    assert.equal(layout.registryClaimKey(root, 'flights', 4), 'registry/flights/claims/4.json');
    assert.equal(layout.registryClaimOf(root, 'flights', 'registry/flights/claims/4.json'), 4);
    assert.equal(layout.registryClaimOf(root, 'flights', 'registry/flights/claims/x.json'), undefined);
    assert.equal(layout.registryClaimOf(root, 'flights', 'registry/other/claims/4.json'), undefined);
    assert.deepEqual(layout.registryMetadataOf(root, layout.registryFileKey(root, 'flights', 3, layout.REGISTRY_METADATA_FILE)), { name: 'flights', version: 3 });
    assert.equal(layout.registryMetadataOf(root, 'registry/flights/versions/3/model.onnx'), undefined);
    assert.equal(layout.registryMetadataOf(root, 'other/flights/versions/3/metadata.json'), undefined);
  });

  it('is the only src/ module that spells a capture/, labels/, reports/, runs/, alerts/, usage or registry key', () => {
    // A key starts with a quoted prefix, is built after an interpolation (`${root}/claims/`), or is parsed by a regex (`versions\/\d`).
    const spelled =
      /[`'"](capture|labels|reports|runs|alerts|usage|registry)\/|(drift|model-quality)\/\$\{|[`'"]usage\.json|[`'"]registry[`'"]|\}\/(aliases\.json|claims\/|runs\/)|versions\\\/\\d|[`'"]metadata\.json/;
    const offenders = tsFiles(path.join(projectRoot, 'src'))
      .filter((file) => !file.endsWith(path.join('store', 'layout.ts')))
      .flatMap((file) =>
        readFileSync(file, 'utf8')
          .split('\n')
          .map((line, i) => ({ line, where: `${path.relative(projectRoot, file)}:${i + 1}` }))
          .filter(({ line }) => !/^\s*(\/\/|\*|\/\*\*)/.test(line) && spelled.test(line))
          .map(({ where, line }) => `${where}: ${line.trim()}`),
      );
    assert.deepEqual(offenders, []);
  });
});
