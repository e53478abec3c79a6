// The flow lines bench:cwapi sends, shared by the bench and its client process (bench/cwapi-client.mjs).

export const IN_FLIGHT = 4;

/** 10,000 default-format lines within one minute before `now` - 600 s, a tenth of them rejected SSH (different in every batch). */
export function batch(b, now) {
  const lines = [];
  for (let i = 0; i < 10_000; i++) {
    const t = now - 600 + Math.floor((i * 60) / 10_000);
    const ssh = i % 10 === 0;
    lines.push(
      `2 123456789012 eni-0a${b % 10} 10.${b % 250}.${(i >> 8) & 255}.${i & 255} 10.0.0.${i % 250} ${1024 + (i % 50000)} ${ssh ? 22 : 443} 6 ${1 + (i % 20)} ${100 + i} ${t} ${t + 30} ${ssh ? 'REJECT' : 'ACCEPT'} OK`,
    );
  }
  return lines;
}

/** Runs fn(0..n-1) with `inFlight` calls at a time. */
export async function pool(n, inFlight, fn) {
  let next = 0;
  const worker = async () => {
    while (next < n) await fn(next++);
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}
