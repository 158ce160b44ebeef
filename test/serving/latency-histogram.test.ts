// The request-latency histogram kept in plain numbers: Prometheus text with cumulative buckets, sum and count per label set.
import assert from 'node:assert/strict';
import { ServingMetrics } from '../../src/serving/metrics';

/** `name{labels} value` lines of one metric family, as a map from the line's name and labels to its value. */
function samples(text: string, family: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(family)) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

describe('serving: request latency histogram', () => {
  it('counts each request in the first bucket whose bound it does not exceed, cumulatively, per route, method and status', async () => {
    const m = new ServingMetrics(false);
    for (const s of [0.0004, 0.0005, 0.0007, 0.003, 7]) m.observeRequest('/v1/predict', 'POST', 200, s);
    m.observeRequest('/v1/predict', 'POST', 400, 0.002);
    const h = samples(await m.registry.metrics(), 'http_request_duration_seconds');
    const ok = 'route="/v1/predict",method="POST",status="200"';
    assert.equal(h.get(`http_request_duration_seconds_bucket{${ok},le="0.0005"}`), 2, 'a value equal to a bound counts in that bucket');
    assert.equal(h.get(`http_request_duration_seconds_bucket{${ok},le="0.001"}`), 3);
    assert.equal(h.get(`http_request_duration_seconds_bucket{${ok},le="0.005"}`), 4);
    assert.equal(h.get(`http_request_duration_seconds_bucket{${ok},le="2.5"}`), 4);
    assert.equal(h.get(`http_request_duration_seconds_bucket{${ok},le="+Inf"}`), 5);
    assert.equal(h.get(`http_request_duration_seconds_count{${ok}}`), 5);
    assert.ok(Math.abs(h.get(`http_request_duration_seconds_sum{${ok}}`)! - 7.0046) < 1e-12);
    assert.equal(h.get('http_request_duration_seconds_count{route="/v1/predict",method="POST",status="400"}'), 1);
    assert.equal(h.get('http_request_duration_seconds_bucket{route="/v1/predict",method="POST",status="400",le="0.001"}'), 0);
  });

  it('counts rows per model run in one series per model, also when the model is loaded again', async () => {
    const m = new ServingMetrics(false);
    m.batchRowsOf('flights')(1);
    m.batchRowsOf('flights')(3); // a reload asks again: same series, not a second one
    m.batchRowsOf('movies')(300);
    m.registry.setDefaultLabels({ process: '1' });
    const text = await m.registry.metrics();
    const h = samples(text, 'inference_batch_rows');
    assert.equal(h.get('inference_batch_rows_count{model="flights",process="1"}'), 2);
    assert.equal(h.get('inference_batch_rows_bucket{model="flights",le="2",process="1"}'), 1);
    assert.equal(h.get('inference_batch_rows_bucket{model="flights",le="4",process="1"}'), 2);
    assert.equal(h.get('inference_batch_rows_sum{model="movies",process="1"}'), 300);
    assert.equal(text.match(/inference_batch_rows_count\{model="flights"/g)?.length, 1);
  });

  it('starts from zero after a registry reset', async () => {
    const m = new ServingMetrics(false);
    m.observeRequest('/healthz', 'GET', 200, 0.001);
    m.registry.resetMetrics();
    m.observeRequest('/healthz', 'GET', 200, 0.01);
    const h = samples(await m.registry.metrics(), 'http_request_duration_seconds');
    assert.equal(h.get('http_request_duration_seconds_count{route="/healthz",method="GET",status="200"}'), 1);
    assert.equal(h.get('http_request_duration_seconds_bucket{route="/healthz",method="GET",status="200",le="0.005"}'), 0);
  });
});
