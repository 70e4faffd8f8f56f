/** Faults the simulation API can inject in front of relay endpoints, each for a chosen number of requests. */
import { z } from "zod";

export const FAULT_KINDS = [
  "latency",
  "html500",
  "html502",
  "reset_before",
  "reset_after",
  "status401",
  "status429",
  "hang",
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Relay endpoint names used by faults and stats. */
export const ENDPOINTS = [
  "health",
  "register",
  "account",
  "phone",
  "voice",
  "webhook",
  "agents",
  "listen",
  "respond",
  "callback",
  "third-party",
  "schedule",
  "history",
  "billing",
  "other",
] as const;
export type Endpoint = (typeof ENDPOINTS)[number];

export const faultSchema = z.object({
  endpoint: z.union([z.enum(ENDPOINTS), z.literal("*")]),
  kind: z.enum(FAULT_KINDS),
  count: z.number().int().min(1).max(1_000_000).default(1),
  latency_ms: z.number().int().min(0).max(600_000).optional(),
  retry_after_s: z.number().int().min(0).max(86_400).optional(),
});
export type FaultSpec = z.output<typeof faultSchema>;

export interface Fault extends FaultSpec {
  id: number;
  remaining: number;
}

export class Faults {
  private list: Fault[] = [];
  private nextId = 1;

  add(spec: FaultSpec): Fault {
    const f: Fault = { ...spec, id: this.nextId++, remaining: spec.count };
    this.list.push(f);
    return f;
  }

  /** The first armed fault for this endpoint, with one use consumed. */
  take(endpoint: Endpoint): Fault | undefined {
    const f = this.list.find((x) => x.endpoint === endpoint || x.endpoint === "*");
    if (!f) return undefined;
    f.remaining -= 1;
    if (f.remaining <= 0) this.list = this.list.filter((x) => x !== f);
    return f;
  }

  clear(): number {
    const n = this.list.length;
    this.list = [];
    return n;
  }

  armed(): Fault[] {
    return this.list.map((f) => ({ ...f }));
  }
}
