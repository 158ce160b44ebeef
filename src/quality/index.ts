// The data-quality gate's public surface: run a suite, read and write its report.
export { runQualitySuite, type QualityInput, type QualityOptions } from './run';
export { compileSuite, compileExamples, regexSearchSql, unexpectedPredicate, type CompiledSuite, type ExampleSource } from './compile';
export { classSplit, classSplitWarnings, ClassSplit } from './class-split';
export { DataQualityReport, ExpectationResult, FailingRow, writeQualityReport, describeExpectation, failureLines } from './report';
