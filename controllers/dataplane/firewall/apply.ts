// Applies nft command lines as one `nft -f -` transaction: the kernel takes all of it or none.
import { runOk } from '../../lib/exec.js';
import { TABLE_REF } from './ir.js';

export function scriptOf(commands: string[]): string {
  return commands.length ? commands.join('\n') + '\n' : '';
}

export async function applyNft(commands: string[]): Promise<void> {
  if (commands.length === 0) return;
  try {
    await runOk({ argv: ['nft', '-f', '-'], input: scriptOf(commands), timeoutMs: 120_000 });
  } catch (cause) {
    throw new Error(`apply ${commands.length} nft commands to ${TABLE_REF}`, { cause });
  }
}

/** Deletes our table whether or not it exists (add-then-delete keeps it one idempotent transaction). */
export async function deleteTable(): Promise<void> {
  await applyNft([`add table ${TABLE_REF}`, `delete table ${TABLE_REF}`]);
}
