/** Process exit codes shared by every entry point (sysexits where one fits). */
export const EXIT = {
  OK: 0,
  /** Unexpected failure, or a second Ctrl-C that cut shutdown short. */
  FAILURE: 1,
  /** `clawcall status`: the bridge or the listener is not running (LSB's "program is not running"). */
  NOT_RUNNING: 3,
  USAGE: 64,
  /** Another copy already holds the lock. */
  ALREADY_RUNNING: 75,
  /** The relay rejected the API key (401): re-register or fix the key; retrying will not help. */
  KEY_REJECTED: 77,
  CONFIG: 78,
} as const;
