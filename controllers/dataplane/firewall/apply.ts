// Applies nft command lines as one `nft -f -` transaction: the kernel takes all of it or none.
import { ExecError } from '../../lib/exec.js';
import { TABLE_REF } from './ir.js';
import { nftScript, nftText } from './nft-run.js';

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

/** Deletes our table if it exists; true when there was one to delete. */
export async function deleteTable(): Promise<boolean> {
  const listed = await nftText(['list', 'table', ...TABLE_REF.split(' ')]);
  if (listed.code !== 0) {
    if (/No such file or directory/.test(listed.stderr)) return false;
    throw new ExecError(['nft', 'list', 'table', TABLE_REF], listed);
  }
  await applyNft([`delete table ${TABLE_REF}`]);
  return true;
}
