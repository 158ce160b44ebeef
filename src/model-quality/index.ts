// Model-quality monitoring: live predictions joined with ground truth, judged against the holdout, reported.
export * from './join';
export * from './report';
export * from './retrain';
export * from './run';
export * from './verdict';
