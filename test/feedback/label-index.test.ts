// The feedback duplicate index: fixed-size digests capped in bytes, recent ids kept, fullness reported.
import assert from 'node:assert/strict';
import { LabelIndex } from '../../src/feedback/label-index';

describe('feedback: label index', () => {
  it('stays within its byte cap however many ids arrive, keeps the most recent ones and says how full it is', () => {
    const cap = 1024 * 1024;
    const index = new LabelIndex(cap);
    assert.ok(index.bytes < cap / 10, 'starts small');
    const long = 'x'.repeat(290); // ids of near the maximum length cost the same as short ones
    for (let i = 0; i < 300_000; i++) {
      index.set('key-a', `${long}${i}`, i + 1);
      assert.ok(index.bytes <= cap);
    }
    assert.ok(cap - index.bytes < 48, `uses the cap whole: ${index.bytes} of ${cap}`);
    // the last ~15,000 ids (at least one full generation of 24-byte slots) are remembered with their values
    for (let i = 299_999; i > 285_000; i--) assert.equal(index.get('key-a', `${long}${i}`), i + 1);
    // the oldest were forgotten, not kept at the cost of memory
    assert.equal(index.get('key-a', `${long}0`), undefined);
    assert.ok(index.dropped > 0);
    assert.ok(index.fullness > 0.4 && index.fullness <= 1, `fullness ${index.fullness}`);
  });

  it('keeps each key apart: the same id from another key is another entry', () => {
    const index = new LabelIndex(64 * 1024);
    index.set('alice', 'id-1', 5);
    index.set('bob', 'id-1', -7);
    assert.equal(index.get('alice', 'id-1'), 5);
    assert.equal(index.get('bob', 'id-1'), -7);
    assert.equal(index.get('carol', 'id-1'), undefined);
    // a key and an id are not confused by where one ends and the other starts
    assert.equal(index.get('alic', 'eid-1'), undefined);
    index.set('alice', 'id-1', -9);
    assert.equal(index.get('alice', 'id-1'), -9);
    assert.equal(index.entries, 2);
  });

  it('keeps a digest of each label value, so numbers and classes compare without being stored', () => {
    const index = new LabelIndex(64 * 1024);
    const d = (v: unknown) => index.valueDigest(v);
    assert.equal(d(2.5), d(2.5));
    assert.equal(d('cat'), d('cat'));
    assert.notEqual(d(2.5), d(2.50001));
    assert.notEqual(d('cat'), d('dog'));
    assert.notEqual(d(1), d('1'), 'a class "1" is not the number 1');
    assert.notEqual(d(true), d('true'));
    assert.notEqual(d(0), d(1));
    index.set('alice', 'id-1', 5, d('cat'));
    assert.deepEqual(index.entry('alice', 'id-1'), { value: 5, tag: d('cat') });
    index.set('alice', 'id-1', 6, d('dog'));
    assert.deepEqual(index.entry('alice', 'id-1'), { value: 6, tag: d('dog') });
  });

  it('refuses a cap too small to hold two generations', () => {
    assert.throws(() => new LabelIndex(1000), /at least/);
  });
});
