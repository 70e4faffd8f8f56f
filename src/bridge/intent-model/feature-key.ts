/**
 * A feature's name as a number: two 32-bit FNV-1a hashes (different seeds, each finished with
 * murmur3's mixer) folded into 53 bits, exact in a double. The packed table holds these numbers
 * instead of tens of thousands of strings in a Map: megabytes less memory, and reading the weights
 * makes no string per feature. Two of the shipped features sharing a key is refused at packing; an unseen
 * feature meets a shipped one's key about once in 10^11 lookups.
 */
export function featureKey(s: string, start = 0, end = s.length): number {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193);
  }
  return (mix(a) >>> 0) * 2 ** 21 + (mix(b ^ 0x5bd1e995) >>> 11);
}

function mix(h: number): number {
  let x = h ^ (h >>> 16);
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  return x ^ (x >>> 16);
}
