import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { EXIT } from "../../exit-codes.js";
import { sandboxTarget } from "../../sandbox/softphone/cli-common.js";
import { SandboxUnreachableError, SimClient } from "../../sandbox/softphone/sim-client.js";
import {
  CallFollower,
  formatEvent,
  listeningGather,
  newTurnClock,
} from "../../sandbox/softphone/terminal.js";
import { sleep } from "../../util/sleep.js";
import type { CommandContext } from "../command.js";

export const summary = "an interactive terminal softphone on the sandbox: type a line, hear the agent";
export const usage = `Usage: clawcall phone [--from NUMBER] [--to NUMBER] [--url URL] [--verbose]

Calls your agent on the running sandbox relay (the demo user's phone dialling the shared number) and
turns the terminal into the caller's handset. Type what you say and press Enter; the agent's lines,
fillers and timings appear as the caller would hear them:

  agent: Hello! How can I help you today?
  What time is it?
    … "One moment please." (filler, 12.0 s)
  agent (14.0 s): It's 3 PM.

Timings count from the moment your line was queued for the agent. A line typed while the agent is
speaking or thinking is held until the line listens again (a real line would lose it).

Commands: /silence (stay silent: the line hears nothing), /hangup, /quit (hang up and leave).
Reads stdin line by line, so a pipe works too; when the input ends, it hangs up after the last
answer. Exits when the call ends. Only works against the sandbox (the real relay has no simulator).

Options:
  --from NUMBER  caller ID (default: the demo user's phone)
  --to NUMBER    number dialled (default: the shared number)
  --url URL      sandbox URL (default: CLAWCALL_API_URL, or http://127.0.0.1:$CLAWCALL_SANDBOX_PORT)
  --verbose      also print the plumbing (messages queued, gathers, webhooks, status)

Exit codes: 0 the call ended; 1 the sandbox failed mid-call; 64 usage; 69 the sandbox is not
running; 78 a live relay is configured.`;

const SILENCE = Symbol("silence");
const HANGUP = Symbol("hangup");
type Input = string | typeof SILENCE | typeof HANGUP;

export async function run(argv: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      from: { type: "string" },
      to: { type: "string" },
      url: { type: "string" },
      verbose: { type: "boolean", default: false },
    },
    strict: true,
  });
  const target = sandboxTarget("phone", ctx.config(), values.url);
  if (!target.ok) {
    ctx.err(target.message);
    return EXIT.CONFIG;
  }
  const client = new SimClient(target.url);
  const interactive = process.stdin.isTTY === true;
  const rl = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  const pending: Input[] = [];
  let inputClosed = false;
  let quit = false;
  rl.on("line", (raw) => {
    const line = raw.trim();
    if (!line) return;
    if (line === "/quit" || line === "/exit") quit = true;
    // Typed at a terminal, /hangup is immediate; in a piped script it is the next turn, like the lines.
    else if (line === "/hangup" && interactive) pending.unshift(HANGUP);
    else if (line === "/hangup") pending.push(HANGUP);
    else if (line === "/silence") pending.push(SILENCE);
    else if (line === "/help")
      ctx.out("  /silence  stay silent · /hangup  end the call · /quit  hang up and leave");
    else pending.push(line);
  });
  rl.on("close", () => {
    inputClosed = true;
  });
  const onSigint = () => {
    quit = true;
  };
  process.on("SIGINT", onSigint);

  let sid: string | undefined;
  try {
    await client.probe();
    sid = await client.startCall({ from: values.from, to: values.to });
    const first = await client.call(sid);
    ctx.out(`calling ${first.to ?? "the sandbox"} from ${first.from ?? "the demo phone"} (${sid})`);
    if (interactive) ctx.out("type what you say and press Enter · /silence · /hangup · /quit");

    const clock = newTurnClock();
    const follower = new CallFollower(client, sid, (ev) => {
      const line = formatEvent(ev, clock, { echoCaller: !interactive, verbose: values.verbose === true });
      if (line) ctx.out(line);
    });
    let usedGather = -1;
    let hungUp = false;
    for (;;) {
      const call = await follower.tick();
      if (follower.ended) break;
      if (quit) {
        await client.hangup(sid).catch(() => {});
        await follower.tick().catch(() => {});
        break;
      }
      if (pending[0] === HANGUP && interactive) {
        pending.shift();
        if (!hungUp) await client.hangup(sid).catch(() => {});
        hungUp = true;
        continue;
      }
      const g = listeningGather(call);
      if (g && g.index > usedGather && !hungUp) {
        const next = pending.shift();
        if (next === HANGUP) {
          hungUp = true;
          await client.hangup(sid).catch(() => {});
          continue;
        }
        if (next === SILENCE) {
          usedGather = g.index;
          await client.silence(sid);
        } else if (next !== undefined) {
          usedGather = g.index;
          // If the line stopped listening meanwhile, the log shows caller_unheard (printed above).
          await client.say(sid, next);
        } else if (inputClosed) {
          // The input is over and the last answer has been spoken: leave the call.
          hungUp = true;
          await client.hangup(sid).catch(() => {});
          continue;
        }
      }
      await sleep(100);
    }
    return EXIT.OK;
  } catch (err) {
    if (err instanceof SandboxUnreachableError) {
      ctx.err(`clawcall phone: ${err.message}`);
      return sid ? EXIT.FAILURE : EXIT.UNAVAILABLE;
    }
    ctx.err(`clawcall phone: ${(err as Error).message}`);
    if (sid) await client.hangup(sid).catch(() => {});
    return EXIT.FAILURE;
  } finally {
    process.off("SIGINT", onSigint);
    rl.close();
    process.stdin.pause();
    await client.close();
  }
}
