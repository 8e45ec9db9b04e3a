// Applies nft command lines as one `nft -f -` transaction: the kernel takes all of it or none.
import { ExecError } from '../../lib/exec.js';
import { TABLE_REF } from './ir.js';
import { nftScript } from './nft-run.js';

export function scriptOf(commands: string[]): string {
  return commands.length ? commands.join('\n') + '\n' : '';
}

export async function applyNft(commands: string[]): Promise<void> {
  if (commands.length === 0) return;
  try {
    const res = await nftScript(scriptOf(commands), 120_000);
    if (res.code !== 0) throw new ExecError(['nft', '-f', '-'], res);
  } catch (cause) {
    throw new Error(`apply ${commands.length} nft commands to ${TABLE_REF}`, { cause });
  }
}

/** Deletes our table whether or not it exists (add-then-delete keeps it one idempotent transaction). */
export async function deleteTable(): Promise<void> {
  await applyNft([`add table ${TABLE_REF}`, `delete table ${TABLE_REF}`]);
}
