// Which object's reconcile is running: kernel changes made inside it are logged with its key.
import { AsyncLocalStorage } from 'node:async_hooks';

const current = new AsyncLocalStorage<string>();

export function inObjectScope<T>(key: string, fn: () => T): T {
  return current.run(key, fn);
}

export function currentObject(): string | undefined {
  return current.getStore();
}
