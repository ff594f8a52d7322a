"""What this machine charges for the first write to a fresh page of memory, and for the next.

A JVM's young generation is written page by page until its first collection, and G1 grows it while
the program runs; CPython reuses the memory it frees at once. Where the first touch of a page is
expensive (some virtual machines back guest memory lazily), that difference shows in every
throughput figure of a fresh JVM. Run: /usr/bin/python3 procpool-bench/python/first_touch.py
"""
import mmap
import time

SIZE = 256 << 20
PAGE = mmap.PAGESIZE

for _ in range(3):
    m = mmap.mmap(-1, SIZE)
    t0 = time.perf_counter()
    for off in range(0, SIZE, PAGE):
        m[off] = 1
    t1 = time.perf_counter()
    for off in range(0, SIZE, PAGE):
        m[off] = 2
    t2 = time.perf_counter()
    pages = SIZE // PAGE
    print("first write %.2f us a page, next %.2f us a page (%d pages of %d bytes, %.0f MB/s first)"
          % ((t1 - t0) / pages * 1e6, (t2 - t1) / pages * 1e6, pages, PAGE, SIZE / (t1 - t0) / 1e6))
    m.close()
