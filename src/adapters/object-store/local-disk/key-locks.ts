/** Named locks within this process: a call runs after every earlier call with the same name. */
export class KeyLocks {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `fn` after any earlier call with the same lock name. */
  async withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(name) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.tails.set(name, tail);
    try {
      return await run;
    } finally {
      if (this.tails.get(name) === tail) this.tails.delete(name);
    }
  }
}
