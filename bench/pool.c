// SPDX-License-Identifier: MIT
// How a benchmark splits its rows over the pool's threads (model/pool.h runs them).
#include "bench.h"

void bb_split_rows(size_t m, int tid, int n, size_t *r0, size_t *r1)
{
    size_t blk = m >= 8 * (size_t)n ? 8 : 1;
    size_t blocks = (m + blk - 1) / blk;
    size_t b0 = blocks * (size_t)tid / (size_t)n, b1 = blocks * (size_t)(tid + 1) / (size_t)n;
    *r0 = b0 * blk < m ? b0 * blk : m;
    *r1 = b1 * blk < m ? b1 * blk : m;
}
