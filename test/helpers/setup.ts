/** Runs before every test file (vitest `setupFiles`): its hooks run after the file's own. */
import { afterAll } from "vitest";
import { removeTempDirs } from "./temp-dirs.js";

afterAll(removeTempDirs);
