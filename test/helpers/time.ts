/** Wait until at least `margin` seconds remain in the current UTC minute, so a test's requests share one window. */
export async function freshMinute(margin = 10): Promise<void> {
  const s = new Date().getUTCSeconds();
  if (60 - s > margin) return;
  await new Promise((r) => setTimeout(r, (60 - s) * 1000 - new Date().getUTCMilliseconds() + 50));
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
