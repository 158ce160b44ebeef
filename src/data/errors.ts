// The data layer's typed error: one stable `type` per problem a person must fix in the spec or the files.

/** Every failure type this data layer raises; activities list them as non-retryable (bad input never heals on retry). */
export const DATA_ERROR_TYPES = [
  'DataFileNotFound',
  'DataFileUnreadable',
  'DataSourceSqlInvalid',
  'DataAccessDenied',
  'DataColumnMissing',
  'DataColumnWrongType',
  'DataEmpty',
  'DataSingleClass',
  /** Multiclass: more distinct target values than MAX_CLASSES. */
  'DataTooManyClasses',
  /** Multiclass with `target.classes`: rows whose target is none of them (or an empty string). */
  'DataUnknownClass',
  /** Multiclass with `target.classes`: a listed class no row has. */
  'DataClassMissing',
  /** Regression: every row has the same target value. */
  'DataConstantTarget',
  'ExpectationInvalid',
  'SnapshotInvalid',
] as const;
export type DataErrorType = (typeof DATA_ERROR_TYPES)[number];

/** A data problem a person must fix in the spec or the files; `type` is stable for ApplicationFailure. */
export class DataError extends Error {
  constructor(
    readonly type: DataErrorType,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DataError';
  }
}
