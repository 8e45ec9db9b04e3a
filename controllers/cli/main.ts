#!/usr/bin/env node
// nodenet: declarative container networking for Linux nodes.
import { errorText } from '../lib/log.js';
import { cleanupCommand, CLEANUP_HELP } from './cleanup.js';
import { UsageError } from './options.js';
import { runCommand, RUN_HELP } from './run.js';
import { statusCommand, STATUS_HELP } from './status.js';
import { planCommand, PLAN_HELP } from './plan.js';
import { explainCommand, EXPLAIN_HELP } from './explain.js';

const USAGE = `Usage: nodenet <command> [options]

Commands:
  run       converge this node to the declared objects (file mode: --dir)
  status    show every object, Ready or not and why
  plan      print the kernel changes a run would make, change nothing
  cleanup   remove everything nodenet owns on this node
  explain   why a packet from A reaches B or not, and which rule or setting decides

Run "nodenet <command> --help" for a command's options.`;

const COMMANDS: Record<string, { run: (args: string[]) => Promise<number>; help: string }> = {
  run: { run: runCommand, help: RUN_HELP },
  status: { run: statusCommand, help: STATUS_HELP },
  plan: { run: planCommand, help: PLAN_HELP },
  cleanup: { run: cleanupCommand, help: CLEANUP_HELP },
  explain: { run: explainCommand, help: EXPLAIN_HELP },
};

async function main(argv: string[]): Promise<number> {
  const [cmd, ...args] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    console.log(USAGE);
    return cmd ? 0 : 2;
  }
  const c = COMMANDS[cmd];
  if (!c) {
    console.error(`nodenet: unknown command "${cmd}"\n\n${USAGE}`);
    return 2;
  }
  try {
    return await c.run(args);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`nodenet ${cmd}: ${err.message}\n\n${c.help}`);
      return 2;
    }
    console.error(`nodenet ${cmd}: ${errorText(err)}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
