/** Process exit codes shared by every entry point (sysexits where one fits). */
export const EXIT = {
  OK: 0,
  /** Unexpected failure, or a second Ctrl-C that cut shutdown short. */
  FAILURE: 1,
  /** `clawcall status`: not everything runs (LSB "program is not running"). */
  NOT_RUNNING: 3,
  USAGE: 64,
  /** A service the command needs is not there (the sandbox relay for `say` and `phone`). */
  UNAVAILABLE: 69,
  /** Another copy already holds the lock. */
  ALREADY_RUNNING: 75,
  /** The relay rejected the API key (401): re-register or fix the key; retrying will not help. */
  KEY_REJECTED: 77,
  CONFIG: 78,
} as const;
