package dev.procpool.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import dev.procpool.Pool;
import dev.procpool.ResultIterator;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * Workload 8, run by {@link Compare} in a fresh JVM with a small fixed heap: {@code imap} of x * x over
 * a generator of 10,000,000 items (never a list), consumed as it comes. Prints one line of JSON: the
 * largest heap occupancy right after a collection, minus the occupancy before the call (the growth of
 * what the call keeps alive), the peak heap use including garbage, the number of collections, and
 * items per second.
 */
public final class ImapMemory {
  private ImapMemory() {}

  /**
   * Runs the workload.
   *
   * @param args {@code processes} or {@code threads}, then optionally the number of items, the chunk
   *     size (0: the pool's default), and how many untimed passes over the same input go first (default 0)
   * @throws Exception if the call fails
   */
  public static void main(String[] args) throws Exception {
    String backend = args[0];
    long n = args.length > 1 ? Long.parseLong(args[1]) : 10_000_000L;
    int chunksize = args.length > 2 ? Integer.parseInt(args[2]) : 0;
    int warmPasses = args.length > 3 ? Integer.parseInt(args[3]) : 0;
    try (Pool pool = backend.equals("processes") ? Pool.processes(2) : Pool.threads(2)) {
      pool.map(Work.SQUARE, java.util.List.of(1, 2, 3, 4)); // workers up, classes loaded
      for (int pass = 0; pass < warmPasses; pass++) {
        try (ResultIterator<Integer> results = imap(pool, n, chunksize)) {
          while (results.hasNext()) {
            results.next();
          }
        }
      }
      AtomicLong afterGc = new AtomicLong();
      AtomicLong collections = new AtomicLong();
      for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
        ((NotificationEmitter) gc).addNotificationListener((notification, handback) -> {
          if (!notification.getType().equals(GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) {
            return;
          }
          GarbageCollectionNotificationInfo info =
              GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
          long used = 0;
          for (MemoryUsage u : info.getGcInfo().getMemoryUsageAfterGc().values()) {
            used += u.getUsed();
          }
          long nonHeap = nonHeapUsed(info);
          afterGc.accumulateAndGet(used - nonHeap, Math::max);
          collections.incrementAndGet();
        }, null, null);
      }
      long baseline = settledHeap();
      afterGc.set(0);
      collections.set(0);
      for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
        p.resetPeakUsage();
      }
      long t0 = System.nanoTime();
      long count = 0;
      long check = 0;
      try (ResultIterator<Integer> results = imap(pool, n, chunksize)) {
        while (results.hasNext()) {
          int r = results.next();
          check += r;
          count++;
        }
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      long peak = 0;
      for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
        if (p.getType() == MemoryType.HEAP) {
          peak += p.getPeakUsage().getUsed();
        }
      }
      Thread.sleep(200); // let the last notifications arrive
      long growth = Math.max(0, afterGc.get() - baseline);
      System.out.printf("{\"backend\": \"%s\", \"items\": %d, \"checksum\": %d, \"seconds\": %.3f,"
              + " \"growthAfterGcMB\": %.1f, \"peakUsedMB\": %.1f, \"baselineMB\": %.1f, \"collections\": %d,"
              + " \"maxHeapMB\": %.0f, \"warmPasses\": %d}%n",
          backend, count, check, seconds, growth / 1e6, peak / 1e6, baseline / 1e6, collections.get(),
          Runtime.getRuntime().maxMemory() / 1e6, warmPasses);
    }
  }

  /** The non-heap pools' part of a collection's figures (code cache, metaspace), left out of the heap. */
  private static long nonHeapUsed(GarbageCollectionNotificationInfo info) {
    long used = 0;
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.NON_HEAP) {
        MemoryUsage u = info.getGcInfo().getMemoryUsageAfterGc().get(p.getName());
        if (u != null) {
          used += u.getUsed();
        }
      }
    }
    return used;
  }

  private static ResultIterator<Integer> imap(Pool pool, long n, int chunksize) {
    return chunksize > 0 ? pool.imap(Work.SQUARE, generator(n), chunksize) : pool.imap(Work.SQUARE, generator(n));
  }

  private static long settledHeap() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** 0, 1, 2, ... n - 1, made one at a time. */
  private static Iterator<Integer> generator(long n) {
    return new Iterator<>() {
      private long next;

      @Override
      public boolean hasNext() {
        return next < n;
      }

      @Override
      public Integer next() {
        if (next >= n) {
          throw new NoSuchElementException();
        }
        return (int) next++;
      }
    };
  }
}
