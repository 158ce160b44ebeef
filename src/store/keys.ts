// Store keys: plain relative strings like `registry/flights/versions/3/model.onnx`, checked before any backend sees them.

/** A key or prefix that could escape the store, or that a backend cannot hold. */
export class StoreKeyError extends Error {
  override name = 'StoreKeyError';
}

// One segment: what object stores and file systems both take without quoting; never `.` or `..`.
const SEGMENT = /^[A-Za-z0-9_=+@,~-][A-Za-z0-9._=+@,~-]*$/;
const MAX_KEY_BYTES = 900;

/** Returns the key when it is a safe relative key, else throws StoreKeyError naming the problem. */
export function checkKey(key: string): string {
  if (typeof key !== 'string' || key.length === 0) throw new StoreKeyError('a store key must be a non-empty string');
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) throw new StoreKeyError(`store key longer than ${MAX_KEY_BYTES} bytes: ${key.slice(0, 80)}...`);
  if (key.startsWith('/') || /^[A-Za-z]:/.test(key)) throw new StoreKeyError(`store key ${JSON.stringify(key)} must be relative, not an absolute path`);
  for (const segment of key.split('/')) {
    if (segment === '..' || segment === '.') throw new StoreKeyError(`store key ${JSON.stringify(key)} must not contain "${segment}" segments`);
    if (!SEGMENT.test(segment)) {
      throw new StoreKeyError(`store key ${JSON.stringify(key)} has a bad segment ${JSON.stringify(segment)}: use letters, digits and . _ - = + @ , ~ (not leading "."), separated by single "/"`);
    }
  }
  return key;
}

/** A listing prefix: empty, or a key, or a key followed by "/". */
export function checkPrefix(prefix: string): string {
  if (prefix === '') return prefix;
  checkKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
  return prefix;
}

/** Joins key parts with "/", dropping empty parts; the result is checked. */
export function joinKey(...parts: (string | number)[]): string {
  return checkKey(
    parts
      .map(String)
      .filter((p) => p.length > 0)
      .join('/'),
  );
}

/** Turns any text (a workflow id, a host name) into one safe key segment. */
export function keySegment(text: string, max = 100): string {
  const cleaned = text
    .replace(/[^A-Za-z0-9._=+@,~-]/g, '_')
    .replace(/^\.+/, '_')
    .slice(0, max);
  return cleaned.length ? cleaned : '_';
}
