package dev.procpool.internal;

import dev.procpool.spi.Chunk;
import dev.procpool.spi.Job;
import java.util.List;

/**
 * The engine's chunk: what a backend sees, the fault budgets its items carry (see {@link FailurePolicy}),
 * and, once a worker took it, what that worker said of it. A chunk is taken by one worker at most: items
 * that must run again go into new chunks.
 */
final class WorkChunk implements Chunk {
  final Call call;
  private final long firstIndex;
  private final List<?> items;
  /** Times this chunk's single, isolated item was running alone when its worker died. */
  final int deaths;
  /** Times these items were held, unbegun, by a worker that died. */
  final int suspicion;
  /** Times in a row these items were handed back unstarted. */
  final int handBacks;
  /** Whether the chunk is one suspect item that must run alone on its worker. */
  final boolean isolated;

  // What the worker that took it said of it: written by that worker's reports, read when it is gone.
  /** The worker that took it, or null while queued. */
  volatile Link holder;
  /** When a worker took it (System.nanoTime), for adaptive chunk sizes and the frozen-worker watch. */
  volatile long takenAt;
  volatile boolean started;
  /** The offset of the item the worker said runs now, or -1. */
  volatile int running = -1;
  /** Outcomes the worker reported (one worker reports on a chunk, from one thread at a time). */
  volatile int reported;

  WorkChunk(Call call, long firstIndex, List<?> items) {
    this(call, firstIndex, items, 0, 0, 0, false);
  }

  WorkChunk(Call call, long firstIndex, List<?> items, int deaths, int suspicion, int handBacks, boolean isolated) {
    this.call = call;
    this.firstIndex = firstIndex;
    this.items = items;
    this.deaths = deaths;
    this.suspicion = suspicion;
    this.handBacks = handBacks;
    this.isolated = isolated;
  }

  @Override
  public Job job() {
    return call;
  }

  @Override
  public long firstIndex() {
    return firstIndex;
  }

  @Override
  public List<?> items() {
    return items;
  }

  @Override
  public String toString() {
    return "chunk[job " + call.id() + ", items " + firstIndex + ".." + (firstIndex + items.size() - 1) + "]";
  }
}
