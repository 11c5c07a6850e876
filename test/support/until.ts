/**
 * Calls `probe` every 100 ms until `done` holds for what it returns, or 20 s have passed; returns
 * the last value either way (the caller's assertion says what was expected).
 */
export async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const end = Date.now() + 20_000;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > end) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}
