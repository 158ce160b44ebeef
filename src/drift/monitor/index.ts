// The drift monitor's public surface: capture windows, the DuckDB live profile, the comparison, the report model, runs.
export * from './window';
export * from './capture-files';
export * from './live';
export * from './report-model';
export * from './settings';
export * from './compare';
export * from './check';
export * from './state';
export * from './run';
