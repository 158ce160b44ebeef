// Fixed-window counters and the primary's hub: counts per key, window roll-over, other processes' counts without double counting.
import assert from 'node:assert/strict';
import { WindowCounter, WindowCounterHub } from '../../src/serving/window-counter';

describe('serving: window counters shared across processes', () => {
  it('counts per key within a window aligned to the clock and starts again in the next', () => {
    const c = new WindowCounter(1000);
    assert.equal(c.hit('a', 1, 5000), 1);
    assert.equal(c.hit('a', 2, 5999), 3);
    assert.equal(c.count('b', 5999), 0);
    assert.equal(c.msLeft(5250), 750);
    assert.equal(c.count('a', 6000), 0, 'a new window starts at the next multiple of the window');
  });

  it('bounds memory: past maxKeys new keys share one overflow count', () => {
    const c = new WindowCounter(1000, 2);
    c.hit('a', 1, 0);
    c.hit('b', 1, 0);
    assert.equal(c.hit('c', 1, 0), 1);
    assert.equal(c.hit('d', 1, 0), 2, 'c and d share the overflow bucket');
    assert.equal(c.hit('a', 1, 0), 2);
  });

  it('two processes and a hub: each sees the sum, nobody counts its own hits twice, old windows are ignored', () => {
    const hub = new WindowCounterHub();
    const p0 = new WindowCounter(1000);
    const p1 = new WindowCounter(1000);
    const sync = (from: number, c: WindowCounter, to: WindowCounter, toIndex: number) => {
      const report = c.takeReport(100);
      if (!report) return;
      const keys = hub.add(from, report).map(([k]) => k);
      to.setOthers(report.window, hub.othersFor(toIndex, keys), 100);
    };
    p0.hit('key', 3, 100);
    p1.hit('key', 2, 100);
    sync(0, p0, p1, 1);
    sync(1, p1, p0, 0);
    assert.equal(p0.count('key', 100), 5);
    assert.equal(p1.count('key', 100), 5);
    assert.equal(p0.takeReport(100), undefined, 'nothing new to report');
    p0.hit('key', 1, 100);
    sync(0, p0, p1, 1);
    assert.equal(p1.count('key', 100), 6);
    assert.equal(p0.count('key', 100), 6);
    // a late report of an earlier window changes nothing
    assert.deepEqual(hub.add(1, { window: -1, counts: [['key', 50]] }), []);
    // the next window starts from zero everywhere
    assert.equal(p0.count('key', 1000), 0);
    assert.deepEqual(hub.add(0, { window: 1, counts: [['key', 1]] }), [['key', 1]]);
    assert.deepEqual(hub.othersFor(1, ['key']), [['key', 1]]);
    assert.deepEqual(hub.othersFor(0, ['key']), [['key', 0]]);
  });
});
