import { parseArgs } from "node:util";
import { EXIT } from "../../exit-codes.js";
import { sandboxTarget } from "../../sandbox/softphone/cli-common.js";
import { SandboxUnreachableError, SimClient, type SimEvent } from "../../sandbox/softphone/sim-client.js";
import {
  CallFollower,
  clean,
  formatEvent,
  listeningGather,
  newTurnClock,
} from "../../sandbox/softphone/terminal.js";
import type { CommandContext } from "../command.js";

export const summary = "one sandbox call, one utterance: print the agent's spoken answer and the latency";
export const usage = `Usage: clawcall say "text" [--timeout-ms N] [--json] [--from NUMBER] [--to NUMBER] [--url URL]

Places one call on the sandbox relay (the demo user's phone dialling the shared number), waits for
the greeting, says the text, and waits for the agent's answer through the running listener and
bridge. Prints every filler the caller hears, the answer ("agent: …") and the latency, then hangs up:
"answered N ms after you stopped speaking" (from the message being queued for the agent to the answer
being spoken) and "about X s including the simulated speech" (the ~1.5 s the simulated caller takes
to speak and be heard as done, in phone time, plus that latency: what a caller would wait).

Only works against the sandbox (\`npm start\` with no CLAWCALL_API_KEY): the real relay has no phone
simulator.

Options:
  --timeout-ms N  give up when nothing is answered within N ms of speaking (default 30000)
  --json          print one JSON object instead of lines
  --from NUMBER   caller ID (default: the demo user's phone)
  --to NUMBER     number dialled (default: the shared number)
  --url URL       sandbox URL (default: CLAWCALL_API_URL, or http://127.0.0.1:$CLAWCALL_SANDBOX_PORT)

Exit codes: 0 answered; 1 no answer within the timeout, or the call ended first; 64 usage;
69 the sandbox is not running; 78 a live relay is configured.`;

interface Filler {
  text: string;
  after_ms: number;
}

interface SayOptions {
  text: string;
  timeoutMs: number;
  json: boolean;
  from: string | undefined;
  to: string | undefined;
  url: string;
}

export async function run(argv: string[], ctx: CommandContext): Promise<number> {
  const opts = parseSay(argv, ctx);
  return typeof opts === "number" ? opts : converse(ctx, opts);
}

/** The options and the sandbox URL, or the exit code after printing why not. */
function parseSay(argv: string[], ctx: CommandContext): SayOptions | number {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      "timeout-ms": { type: "string", default: "30000" },
      json: { type: "boolean", default: false },
      from: { type: "string" },
      to: { type: "string" },
      url: { type: "string" },
    },
    allowPositionals: true,
    strict: true,
  });
  const text = positionals.join(" ").trim();
  if (!text) {
    ctx.err('clawcall say: nothing to say. Usage: clawcall say "What time is it?"');
    return EXIT.USAGE;
  }
  const timeoutMs = Number(values["timeout-ms"]);
  if (!/^\d+$/.test(values["timeout-ms"] ?? "") || timeoutMs < 1) {
    ctx.err("clawcall say: --timeout-ms expects a whole number of milliseconds");
    return EXIT.USAGE;
  }
  const json = values.json === true;
  const target = sandboxTarget("say", ctx.config(), values.url);
  if (!target.ok) {
    if (json) ctx.out(JSON.stringify({ ok: false, error: target.message }));
    else ctx.err(target.message);
    return EXIT.CONFIG;
  }
  return { text, timeoutMs, json, from: values.from, to: values.to, url: target.url };
}

/** One call: wait for the line to listen, say the text, wait for the answer, hang up. */
async function converse(ctx: CommandContext, opts: SayOptions): Promise<number> {
  const { text, timeoutMs, json } = opts;
  const client = new SimClient(opts.url);
  const fillers: Filler[] = [];
  let sid: string | undefined;
  let queuedMs: number | undefined;
  /** Phone time (the sandbox's sim_s) when the caller started speaking and when the speech was posted. */
  let saidSimS: number | undefined;
  let queuedSimS: number | undefined;
  let answer: SimEvent | undefined;
  const clock = newTurnClock();

  const fail = (code: number, message: string, extra: Record<string, unknown> = {}) => {
    if (json)
      ctx.out(JSON.stringify({ ok: false, error: message, call_sid: sid, said: text, fillers, ...extra }));
    else ctx.err(`clawcall say: ${message}`);
    return code;
  };

  try {
    await client.probe();
    sid = await client.startCall({ from: opts.from, to: opts.to });
    let saidAt = -1;
    const follower = new CallFollower(client, sid, (ev) => {
      const line = formatEvent(ev, clock, { echoCaller: false, verbose: false });
      if (ev.index > saidAt && saidAt >= 0) {
        if (ev.type === "caller_said" && saidSimS === undefined) saidSimS = ev.sim_s;
        if (ev.type === "message_queued" && queuedMs === undefined) {
          queuedMs = ev.ms;
          queuedSimS = ev.sim_s;
        }
        if (ev.type === "filler" && queuedMs !== undefined) {
          fillers.push({ text: clean(String(ev.text ?? "")), after_ms: Math.round(ev.ms - queuedMs) });
        }
        if (ev.type === "answer_spoken" && !answer) answer = ev;
      }
      // After speaking and before the answer, print what the caller hears as it happens (fillers).
      if (line && !json && saidAt >= 0 && ev.index > saidAt && !answer) ctx.out(line);
    });

    // 1. The greeting, then a Gather that listens.
    const start = Date.now();
    const ready = await follower.until((c) => listeningGather(c) !== undefined, start + timeoutMs);
    if (ready !== "ok") {
      const why =
        ready === "ended"
          ? "the call ended before the line listened (is the demo number routed to an agent?)"
          : `the line did not listen within ${timeoutMs} ms`;
      return fail(EXIT.FAILURE, why);
    }

    // 2. Say it.
    saidAt = follower.lastIndex;
    const { captured } = await client.say(sid, text);
    if (!captured) return fail(EXIT.FAILURE, "the line did not hear the text (nobody was listening)");
    if (!json) ctx.out(`you: ${clean(text)}`);

    // 3. Wait for the answer.
    const deadline = Date.now() + timeoutMs;
    const got = await follower.until(() => answer !== undefined, deadline);
    if (!answer) {
      const after = fillers.length
        ? ` (${fillers.length} filler${fillers.length === 1 ? "" : "s"} heard)`
        : "";
      const why =
        got === "ended"
          ? `the call ended before the agent answered${after}`
          : `no answer within ${timeoutMs} ms${after}: is the listener running? (\`clawcall status\`)`;
      await hangupQuietly(client, sid, follower.ended);
      return fail(EXIT.FAILURE, why);
    }

    const latency = queuedMs !== undefined ? Math.round(answer.ms - queuedMs) : undefined;
    // The simulated speech in phone time (whatever the time scale), so the total is what a caller waits.
    const speechMs =
      saidSimS !== undefined && queuedSimS !== undefined
        ? Math.round((queuedSimS - saidSimS) * 1000)
        : undefined;
    const answerText = clean(String(answer.text ?? ""));
    await hangupQuietly(client, sid, follower.ended);
    printAnswer(ctx, {
      sid,
      text,
      answerText,
      latency,
      speechMs,
      fillers,
      endCall: answer.end_call === true,
      json,
    });
    return EXIT.OK;
  } catch (err) {
    if (err instanceof SandboxUnreachableError) return fail(EXIT.UNAVAILABLE, err.message);
    if (sid) await hangupQuietly(client, sid, false);
    return fail(EXIT.FAILURE, (err as Error).message);
  } finally {
    await client.close();
  }
}

/** The answer as one JSON object, or as lines: what the agent said and the latency. */
function printAnswer(
  ctx: CommandContext,
  a: {
    sid: string;
    text: string;
    answerText: string;
    latency: number | undefined;
    speechMs: number | undefined;
    fillers: Filler[];
    endCall: boolean;
    json: boolean;
  },
): void {
  if (a.json) {
    ctx.out(
      JSON.stringify({
        ok: true,
        call_sid: a.sid,
        said: a.text,
        answer: a.answerText,
        latency_ms: a.latency ?? null,
        speech_ms: a.speechMs ?? null,
        total_ms: a.latency !== undefined && a.speechMs !== undefined ? a.latency + a.speechMs : null,
        fillers: a.fillers,
        end_call: a.endCall,
      }),
    );
  } else {
    ctx.out(`agent: ${a.answerText}${a.endCall ? "  [ends the call]" : ""}`);
    const n = a.fillers.length;
    const f = n ? ` after ${n} filler${n === 1 ? "" : "s"}` : "";
    if (a.latency === undefined) ctx.out(`answered${f}`);
    else {
      const total =
        a.speechMs !== undefined
          ? `; about ${((a.latency + a.speechMs) / 1000).toFixed(1)} s including the simulated speech`
          : "";
      ctx.out(`answered ${a.latency} ms after you stopped speaking${f}${total}`);
    }
  }
}

async function hangupQuietly(client: SimClient, sid: string, ended: boolean): Promise<void> {
  if (ended) return;
  try {
    await client.hangup(sid);
  } catch {
    // Already over, or the sandbox went away: nothing to clean up.
  }
}
