// Model cards: one self-contained page and JSON per registry version.
export { CARD_FILES, ModelCard, modelCardPath } from './card';
export { buildModelCard, storeModelCard, type CardInput } from './build';
export { binaryCurves, Curves } from './curves';
export { renderModelCardHtml } from './html';
export { BinaryModelCard, MulticlassModelCard, RegressionModelCard } from './card';
export { buildTaskCard, type TaskCardInput } from './build';
export { regressionCharts, RegressionCharts } from './task-charts';
