/** A seeded generator (mulberry32): the same scenario and seed always give the same files. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + this.next() * (hi - lo);
  }

  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.next() * list.length)]!;
  }

  /** Index drawn with weight 1/(i+1): a few names are tried far more than the rest, as in real dictionaries. */
  zipf(n: number): number {
    let total = 0;
    for (let i = 1; i <= n; i++) total += 1 / i;
    let x = this.next() * total;
    for (let i = 1; i <= n; i++) {
      x -= 1 / i;
      if (x <= 0) return i - 1;
    }
    return n - 1;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }
}
