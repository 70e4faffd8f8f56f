import { z } from "zod";
import { normalizeE164 } from "../../cli/validate.js";
import {
  COST_NOTE,
  guarded,
  ok,
  type Registrar,
  SPENDING,
  spend,
  spendOut,
  TIER_NOTE,
  warningOut,
  withWarning,
} from "../tool-kit.js";

/** The two tools that place a call now: to the owner (callback) and to someone else (third party). */

export const registerCalls: Registrar = (server, deps) => {
  server.registerTool(
    "call_me",
    {
      title: "Call the owner now",
      description: `Phones the owner's registered phone now and speaks the message (for example "Your build finished: all tests passed."). With allow_followup (the default) the owner can answer and talk to their phone agent on the same call; otherwise it hangs up after the message. ${TIER_NOTE} The account needs a personal phone number. ${COST_NOTE} Use it when the owner asked to be called, not for routine updates. Returns the call_sid (see get_call).`,
      inputSchema: {
        message: z
          .string()
          .trim()
          .min(1)
          .max(1000)
          .describe("what to say, as plain spoken sentences (no markdown or links)"),
        allow_followup: z
          .boolean()
          .default(true)
          .describe("true: keep the line open for the owner to answer; false: hang up after the message"),
      },
      outputSchema: {
        call_sid: z.string(),
        callback_id: z.string(),
        allow_followup: z.boolean(),
        spend: spendOut,
        minutes_warning: warningOut,
      },
      annotations: { title: "Call the owner now", ...SPENDING },
    },
    ({ message, allow_followup }) =>
      guarded(deps, async () => {
        const r = await spend(deps, "call the owner", () => deps.relay.callback(message, allow_followup));
        return ok(
          withWarning(
            `Calling the owner now (call ${r.value.call_sid}). ${r.spend.remaining_today} of ${r.spend.cap} MCP calls left today.`,
            r.minutes_warning,
          ),
          {
            call_sid: r.value.call_sid,
            callback_id: r.value.callback_id,
            allow_followup,
            spend: r.spend,
            minutes_warning: r.minutes_warning,
          },
        );
      }),
  );

  server.registerTool(
    "call_someone",
    {
      title: "Phone someone for the owner",
      description: `Has the relay phone a third party (a restaurant, a shop, a dentist) while the owner's phone agent holds the conversation toward the objective, announcing that the call may be recorded. ${TIER_NOTE} ${COST_NOTE} Only call numbers the owner gave or clearly wants called; never emergency or premium numbers. Returns job_id and call_sid: follow it with get_call or wait_for_call (the outcome and transcript arrive when the call ends).`,
      inputSchema: {
        to_number: z
          .string()
          .min(1)
          .max(40)
          .describe("the number to call in E.164: +, country code, number (e.g. +14155550123)"),
        objective: z
          .string()
          .trim()
          .min(1)
          .max(1000)
          .describe('what the call should achieve, e.g. "Book a table for 2 at 7pm tonight"'),
        context: z
          .string()
          .max(2000)
          .default("")
          .describe(
            "facts the phone agent may share (names, times, constraints); nothing the callee should not hear",
          ),
      },
      outputSchema: {
        job_id: z.string(),
        call_sid: z.string(),
        to_number: z.string(),
        spend: spendOut,
        minutes_warning: warningOut,
      },
      annotations: { title: "Phone someone for the owner", ...SPENDING },
    },
    ({ to_number, objective, context }) =>
      guarded(deps, async () => {
        const to = normalizeE164(to_number, "to_number");
        const r = await spend(deps, `call ${to}`, () =>
          deps.relay.thirdParty({ to_number: to, objective, context: context.trim() }),
        );
        return ok(
          withWarning(
            `Calling ${to} now (job ${r.value.job_id}, call ${r.value.call_sid}). Use wait_for_call or get_call with this call_sid and job_id for the outcome.`,
            r.minutes_warning,
          ),
          {
            job_id: r.value.job_id,
            call_sid: r.value.call_sid,
            to_number: to,
            spend: r.spend,
            minutes_warning: r.minutes_warning,
          },
        );
      }),
  );
};
