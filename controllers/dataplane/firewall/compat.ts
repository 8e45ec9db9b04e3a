// iptables compatibility. When something (Docker) set the filter FORWARD policy to DROP, that
// chain drops our bridges' traffic whatever our nft table accepts. We then keep one chain of our
// own, NODENET-FORWARD, jumped to from the top of FORWARD, accepting traffic from/to our bridges;
// our nft table still enforces isolation, ICC and internal, since a drop anywhere wins.
// We never touch any other chain or rule: only our chain and jump lines carrying our comment.
import { ExecError, run, runOk } from '../../lib/exec.js';

export type CompatBinary = 'iptables' | 'ip6tables';
export const COMPAT_BINARIES: readonly CompatBinary[] = ['iptables', 'ip6tables'];

export const COMPAT_CHAIN = 'NODENET-FORWARD';
const MARK = '-m comment --comment nodenet';
const JUMP = `-A FORWARD ${MARK} -j ${COMPAT_CHAIN}`;

export interface CompatState {
  /** False when the binary is not installed: nothing to be compatible with. */
  available: boolean;
  policyDrop: boolean;
  /** Our chain's rules as `iptables -S` prints them; undefined when the chain does not exist. */
  chainRules: string[] | undefined;
  /** How many of our jump rules FORWARD holds. */
  jumps: number;
}

export interface CompatPlan {
  binary: CompatBinary;
  /** iptables-restore --noflush input; '' when nothing is to be done. */
  restore: string;
  /** The same change as human-readable commands (for plan()). */
  lines: string[];
  after: CompatState;
}

/** Reads the filter table; `-S` lists without creating anything on a clean host. */
export async function readCompat(binary: CompatBinary): Promise<CompatState> {
  let res;
  try {
    res = await run({ argv: [binary, '-w', '-t', 'filter', '-S'] });
  } catch {
    return { available: false, policyDrop: false, chainRules: undefined, jumps: 0 };
  }
  if (res.code !== 0) throw new Error(`read ${binary} filter table`, { cause: new ExecError([binary, '-S'], res) });
  return parseCompat(res.stdout);
}

export function parseCompat(text: string): CompatState {
  const state: CompatState = { available: true, policyDrop: false, chainRules: undefined, jumps: 0 };
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (line === '-P FORWARD DROP') state.policyDrop = true;
    else if (line === `-N ${COMPAT_CHAIN}`) state.chainRules ??= [];
    else if (line.startsWith(`-A ${COMPAT_CHAIN} `)) (state.chainRules ??= []).push(line);
    else if (line === JUMP) state.jumps++;
  }
  return state;
}

export function compatRules(bridges: string[]): string[] {
  return [...bridges].sort().flatMap((b) => [`-A ${COMPAT_CHAIN} -i ${b} ${MARK} -j ACCEPT`, `-A ${COMPAT_CHAIN} -o ${b} ${MARK} -j ACCEPT`]);
}

/** What to change so FORWARD lets our bridges' traffic reach our nft table's decision. Bridges must be validated. */
export function planCompat(binary: CompatBinary, bridges: string[], state: CompatState): CompatPlan {
  const none: CompatPlan = { binary, restore: '', lines: [], after: state };
  if (!state.available) return none;
  const needed = state.policyDrop && bridges.length > 0;
  const body: string[] = [];
  const lines: string[] = [];
  if (needed) {
    const want = compatRules(bridges);
    if (state.jumps === 1 && same(state.chainRules, want)) return none;
    // Declaring the chain creates it, or flushes it when it exists (also with --noflush).
    body.push(`:${COMPAT_CHAIN} - [0:0]`, ...want);
    lines.push(`${binary} ${state.chainRules ? '-F' : '-N'} ${COMPAT_CHAIN}`, ...want.map((r) => `${binary} ${r}`));
    const extra = Array<string>(Math.max(0, state.jumps - 1)).fill(`-D FORWARD ${MARK} -j ${COMPAT_CHAIN}`);
    if (state.jumps === 0) extra.push(`-I FORWARD 1 ${MARK} -j ${COMPAT_CHAIN}`);
    body.push(...extra);
    lines.push(...extra.map((r) => `${binary} ${r}`));
    return { binary, restore: restoreScript(body), lines, after: { ...state, chainRules: want, jumps: 1 } };
  }
  if (state.chainRules === undefined && state.jumps === 0) return none;
  body.push(...Array<string>(state.jumps).fill(`-D FORWARD ${MARK} -j ${COMPAT_CHAIN}`));
  if (state.chainRules !== undefined) body.push(`-F ${COMPAT_CHAIN}`, `-X ${COMPAT_CHAIN}`);
  lines.push(...body.map((r) => `${binary} ${r}`));
  return { binary, restore: restoreScript(body), lines, after: { ...state, chainRules: undefined, jumps: 0 } };
}

function same(a: string[] | undefined, b: string[]): boolean {
  return a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
}

function restoreScript(body: string[]): string {
  return ['*filter', ...body, 'COMMIT', ''].join('\n');
}

/** Applies a plan in one iptables-restore call (atomic per table). */
/** Applies a compat plan; returns the number of iptables changes made. */
export async function applyCompat(plan: CompatPlan): Promise<number> {
  if (!plan.restore) return 0;
  try {
    await runOk({ argv: [`${plan.binary}-restore`, '-w', '--noflush'], input: plan.restore });
  } catch (cause) {
    throw new Error(`update ${plan.binary} compat chain ${COMPAT_CHAIN}`, { cause });
  }
  return plan.lines.length;
}
