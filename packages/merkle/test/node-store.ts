import type { NodeAccessor, TreeNode } from '../src/tree';
import { Frontier } from '../src/tree';

/** In-memory stand-in for the database table of perfect-subtree nodes. Missing nodes throw. */
export class MemoryNodeStore {
  readonly #nodes = new Map<string, Uint8Array>();
  reads = 0;

  put(node: Pick<TreeNode, 'level' | 'index' | 'hash'>): void {
    const key = `${node.level}/${node.index}`;
    if (this.#nodes.has(key)) throw new Error(`node ${key} stored twice`);
    this.#nodes.set(key, node.hash);
  }

  get count(): number {
    return this.#nodes.size;
  }

  readonly get: NodeAccessor = (level, index) => {
    this.reads++;
    const h = this.#nodes.get(`${level}/${index}`);
    if (h === undefined) throw new Error(`node ${level}/${index} is not stored`);
    return h;
  };
}

/** Appends every leaf through a Frontier, storing leaves and every completed node as a server would. */
export function buildStore(leafHashes: readonly Uint8Array[]): {
  store: MemoryNodeStore;
  frontier: Frontier;
} {
  const store = new MemoryNodeStore();
  const frontier = Frontier.empty();
  for (const h of leafHashes) {
    store.put({ level: 0, index: frontier.size, hash: h });
    for (const node of frontier.append(h).completed) store.put(node);
  }
  return { store, frontier };
}

/** Deterministic distinct leaf hashes for property tests. */
export function syntheticLeaves(n: number, salt = 0): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => {
    const h = new Uint8Array(32);
    new DataView(h.buffer).setUint32(0, i);
    new DataView(h.buffer).setUint32(4, salt);
    h[31] = 0xa5;
    return h;
  });
}
