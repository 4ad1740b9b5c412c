// A cluster CIDR cut into per-node subnets (kube's cidrset): 10.244.0.0/16 with a /24 node mask
// gives 256 subnets, 10.244.0.0/24 ... 10.244.255.0/24. Only IPv4, as kubemu's networks are.
export class CidrSetError extends Error {
  override readonly name = 'CidrSetError';
}

function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

function formatIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

export function parseCidr(cidr: string): { base: number; prefix: number } | undefined {
  const [ip, bits] = cidr.trim().split('/');
  const base = parseIpv4(ip ?? '');
  const prefix = Number(bits);
  if (base === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  return { base: base - (base % size), prefix };
}

export class CidrSet {
  private readonly used = new Set<number>();
  private readonly base: number;
  readonly size: number;

  constructor(
    readonly clusterCidr: string,
    readonly nodeMaskSize = 24,
  ) {
    const c = parseCidr(clusterCidr);
    if (c === undefined) throw new CidrSetError(`invalid CIDR address: ${clusterCidr}`);
    if (c.prefix > nodeMaskSize) throw new CidrSetError(`cluster CIDR ${clusterCidr} is smaller than the node mask /${nodeMaskSize}`);
    this.base = c.base;
    this.size = 2 ** (nodeMaskSize - c.prefix);
  }

  cidrOf(index: number): string {
    return `${formatIpv4(this.base + index * 2 ** (32 - this.nodeMaskSize))}/${this.nodeMaskSize}`;
  }

  /** The subnet index of `cidr` when it is one of this set's subnets. */
  indexOf(cidr: string): number | undefined {
    const c = parseCidr(cidr);
    if (c === undefined || c.prefix !== this.nodeMaskSize) return undefined;
    const offset = c.base - this.base;
    const step = 2 ** (32 - this.nodeMaskSize);
    if (offset < 0 || offset % step !== 0 || offset / step >= this.size) return undefined;
    return offset / step;
  }

  occupy(cidr: string): boolean {
    const i = this.indexOf(cidr);
    if (i === undefined) return false;
    this.used.add(i);
    return true;
  }

  release(cidr: string): void {
    const i = this.indexOf(cidr);
    if (i !== undefined) this.used.delete(i);
  }

  /** The lowest free subnet, now taken; undefined when the range is exhausted. */
  allocateNext(): string | undefined {
    for (let i = 0; i < this.size; i++) {
      if (!this.used.has(i)) {
        this.used.add(i);
        return this.cidrOf(i);
      }
    }
    return undefined;
  }

  inUse(): number {
    return this.used.size;
  }
}
