import type { ModelBackend } from "./types.js";

/**
 * The same back end with `complete` wrapped (the warm-up's watch, the per-turn timing): everything
 * else is the original's. No `warmUp`: wrappers sit on the gate's path, keep-warm turns bypass them.
 */
export function withComplete(model: ModelBackend, complete: ModelBackend["complete"]): ModelBackend {
  return {
    get mode() {
      return model.mode;
    },
    get modelName() {
      return model.modelName;
    },
    complete,
    gateway: () => model.gateway(),
    probe: () => model.probe(),
    close: () => model.close(),
  };
}
