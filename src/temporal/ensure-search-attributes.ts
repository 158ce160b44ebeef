// Registers the project's search attributes on a namespace; a persisted dev server ignores new --search-attribute flags.
import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { projectSearchAttributes } from './search-attributes';

const indexedType: Record<string, temporal.api.enums.v1.IndexedValueType> = {
  KEYWORD: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  INT: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
};

export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const have = new Set(Object.keys(existing.customAttributes ?? {}));
  const missing = projectSearchAttributes.filter((k) => !have.has(k.name));
  if (missing.length === 0) return [];
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((k) => [k.name, indexedType[k.type]])),
  });
  return missing.map((k) => k.name);
}
