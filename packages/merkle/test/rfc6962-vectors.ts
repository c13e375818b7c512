/**
 * Published RFC 6962 / RFC 9162 test data, as used by the transparency-dev/merkle Go module
 * (testonly/constants.go, proof/verify_test.go, proof/proof_test.go). Values only, as hex.
 */

/** Leaf inputs (entries before leaf hashing). */
export const LEAF_INPUTS = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
];

/** NODE_HASHES[level][index]: every perfect subtree of the 8-leaf tree. */
export const NODE_HASHES = [
  [
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
    '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7',
    '07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7',
    'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    '4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658',
    'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
    '46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1',
  ],
  [
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
  ],
  [
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
  ],
  ['5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328'],
];

/** ROOT_HASHES[n]: root of the tree of the first n leaves. */
export const ROOT_HASHES = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

/** COMPACT_TREES[n]: the frontier (compact range [0, n)) hashes, largest subtree first, as [level, index]. */
export const COMPACT_TREES: [number, number][][] = [
  [],
  [[0, 0]],
  [[1, 0]],
  [
    [1, 0],
    [0, 2],
  ],
  [[2, 0]],
  [
    [2, 0],
    [0, 4],
  ],
  [
    [2, 0],
    [1, 2],
  ],
  [
    [2, 0],
    [1, 2],
    [0, 6],
  ],
  [[3, 0]],
];

/** Inclusion proofs; `leaf` is 1-based as in the source data. */
export const INCLUSION_PROOFS = [
  {
    leaf: 1,
    size: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    leaf: 6,
    size: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { leaf: 3, size: 3, proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    leaf: 2,
    size: 5,
    proof: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];

/** Consistency proofs between tree sizes of the 8-leaf tree. */
export const CONSISTENCY_PROOFS = [
  { size1: 1, size2: 1, proof: [] as string[] },
  {
    size1: 1,
    size2: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    size1: 6,
    size2: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    size1: 2,
    size2: 5,
    proof: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
  {
    size1: 6,
    size2: 7,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];

/** An arbitrary 32-byte value that is no node of the test tree. */
export const SOME_HASH = 'abacaba000000000000000000000000000000000000000000060061e00123456';

/**
 * Node layouts of inclusion proofs (proof/proof_test.go), as [level, index] ids in proof order. A
 * `rehash` range [begin, end) marks ids that together form one proof element; within it the source lists
 * the smaller (right) subtree first.
 */
export interface NodeLayoutVector {
  a: number;
  b: number;
  ids: [number, number][];
  rehash?: [number, number];
}

export const INCLUSION_LAYOUTS: NodeLayoutVector[] = [
  { a: 0, b: 1, ids: [] },
  { a: 0, b: 2, ids: [[0, 1]] },
  { a: 1, b: 2, ids: [[0, 0]] },
  {
    a: 1,
    b: 3,
    ids: [
      [0, 0],
      [0, 2],
    ],
  },
  {
    a: 0,
    b: 7,
    ids: [
      [0, 1],
      [1, 1],
      [0, 6],
      [1, 2],
    ],
    rehash: [2, 4],
  },
  {
    a: 1,
    b: 7,
    ids: [
      [0, 0],
      [1, 1],
      [0, 6],
      [1, 2],
    ],
    rehash: [2, 4],
  },
  {
    a: 2,
    b: 7,
    ids: [
      [0, 3],
      [1, 0],
      [0, 6],
      [1, 2],
    ],
    rehash: [2, 4],
  },
  {
    a: 3,
    b: 7,
    ids: [
      [0, 2],
      [1, 0],
      [0, 6],
      [1, 2],
    ],
    rehash: [2, 4],
  },
  {
    a: 4,
    b: 7,
    ids: [
      [0, 5],
      [0, 6],
      [2, 0],
    ],
  },
  {
    a: 5,
    b: 7,
    ids: [
      [0, 4],
      [0, 6],
      [2, 0],
    ],
  },
  {
    a: 6,
    b: 7,
    ids: [
      [1, 2],
      [2, 0],
    ],
  },
  {
    a: 2,
    b: 4,
    ids: [
      [0, 3],
      [1, 0],
    ],
  },
  {
    a: 3,
    b: 5,
    ids: [
      [0, 2],
      [1, 0],
      [0, 4],
    ],
  },
  {
    a: 3,
    b: 6,
    ids: [
      [0, 2],
      [1, 0],
      [1, 2],
    ],
  },
  {
    a: 4,
    b: 6,
    ids: [
      [0, 5],
      [2, 0],
    ],
  },
  {
    a: 10,
    b: 15,
    ids: [
      [0, 11],
      [1, 4],
      [0, 14],
      [1, 6],
      [3, 0],
    ],
    rehash: [2, 4],
  },
  {
    a: 24,
    b: 31,
    ids: [
      [0, 25],
      [1, 13],
      [0, 30],
      [1, 14],
      [3, 2],
      [4, 0],
    ],
    rehash: [2, 4],
  },
  {
    a: 81,
    b: 95,
    ids: [
      [0, 80],
      [1, 41],
      [2, 21],
      [0, 94],
      [1, 46],
      [2, 22],
      [4, 4],
      [6, 0],
    ],
    rehash: [3, 6],
  },
];

/** Node layouts of consistency proofs from size `a` to size `b` (proof/proof_test.go). */
export const CONSISTENCY_LAYOUTS: NodeLayoutVector[] = [
  { a: 1, b: 2, ids: [[0, 1]] },
  {
    a: 1,
    b: 4,
    ids: [
      [0, 1],
      [1, 1],
    ],
  },
  {
    a: 1,
    b: 6,
    ids: [
      [0, 1],
      [1, 1],
      [1, 2],
    ],
  },
  { a: 2, b: 3, ids: [[0, 2]] },
  {
    a: 2,
    b: 8,
    ids: [
      [1, 1],
      [2, 1],
    ],
  },
  {
    a: 3,
    b: 7,
    ids: [
      [0, 2],
      [0, 3],
      [1, 0],
      [0, 6],
      [1, 2],
    ],
    rehash: [3, 5],
  },
  {
    a: 4,
    b: 7,
    ids: [
      [0, 6],
      [1, 2],
    ],
    rehash: [0, 2],
  },
  {
    a: 5,
    b: 7,
    ids: [
      [0, 4],
      [0, 5],
      [0, 6],
      [2, 0],
    ],
  },
  {
    a: 6,
    b: 7,
    ids: [
      [1, 2],
      [0, 6],
      [2, 0],
    ],
  },
  {
    a: 7,
    b: 8,
    ids: [
      [0, 6],
      [0, 7],
      [1, 2],
      [2, 0],
    ],
  },
  { a: 1, b: 1, ids: [] },
  { a: 2, b: 2, ids: [] },
  { a: 3, b: 3, ids: [] },
  { a: 4, b: 4, ids: [] },
  { a: 5, b: 5, ids: [] },
  { a: 7, b: 7, ids: [] },
  { a: 8, b: 8, ids: [] },
  { a: 2, b: 4, ids: [[1, 1]] },
  {
    a: 3,
    b: 5,
    ids: [
      [0, 2],
      [0, 3],
      [1, 0],
      [0, 4],
    ],
  },
  {
    a: 3,
    b: 6,
    ids: [
      [0, 2],
      [0, 3],
      [1, 0],
      [1, 2],
    ],
  },
  { a: 4, b: 6, ids: [[1, 2]] },
  {
    a: 1,
    b: 7,
    ids: [
      [0, 1],
      [1, 1],
      [0, 6],
      [1, 2],
    ],
    rehash: [2, 4],
  },
  {
    a: 10,
    b: 15,
    ids: [
      [1, 4],
      [1, 5],
      [0, 14],
      [1, 6],
      [3, 0],
    ],
    rehash: [2, 4],
  },
  {
    a: 24,
    b: 31,
    ids: [
      [3, 2],
      [0, 30],
      [1, 14],
      [2, 6],
      [4, 0],
    ],
    rehash: [1, 4],
  },
  {
    a: 81,
    b: 95,
    ids: [
      [0, 80],
      [0, 81],
      [1, 41],
      [2, 21],
      [0, 94],
      [1, 46],
      [2, 22],
      [4, 4],
      [6, 0],
    ],
    rehash: [4, 7],
  },
];
