// Native categorical splits: LightGBM's settings and the many-vs-many search over gradient-ordered categories.

/** Smoothing added to a category's hessian when ordering by gradient ratio; categories with fewer rows take no part. */
export const CAT_SMOOTH = 10;
/** Extra L2 on the gain of many-vs-many categorical splits (they fit noise more easily than thresholds). */
export const CAT_L2 = 10;
/** At most this many categories go left in one split. */
export const MAX_CAT_THRESHOLD = 32;
/** Features with at most this many categories at a node try one-vs-rest splits instead. */
export const MAX_CAT_TO_ONEHOT = 4;
/** Rows a group of categories must hold before the scan may cut after it. */
export const MIN_DATA_PER_GROUP = 100;
