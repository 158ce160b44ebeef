// What a registry model may be called: one rule for specs, settings, monitors, routes and the registry itself.
import { z } from 'zod';

/**
 * Lower-case letters, digits, - and _, at most 63: the name is a store folder, a URL segment, part of schedule and
 * report ids and a Slack line. "current" is taken: GET /v1/models/current answers for the default model.
 */
export const MODEL_NAME = /^(?!current$)[a-z0-9][a-z0-9_-]{0,62}$/;

export const MODEL_NAME_RULE = 'lower-case letters, digits, - and _, at most 63, not "current"';

/** A registry model name in any external input; `what` starts the message, e.g. "must be a registry model name". */
export const modelNameSchema = (what = 'must be a registry model name') => z.string().regex(MODEL_NAME, `${what} (${MODEL_NAME_RULE})`);
