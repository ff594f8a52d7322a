package dev.procpool.internal;

import dev.procpool.spi.Chunk;
import dev.procpool.spi.Job;
import java.util.List;

/** The engine's chunk: what a backend sees, plus how often its item already killed a worker. */
final class WorkChunk implements Chunk {
  final Call call;
  private final long firstIndex;
  private final List<?> items;
  /** Times this chunk's single item was running when its worker died; only isolated chunks count. */
  final int deaths;
  /** Times these items were lost with a worker that could not say whether it had started them. */
  final int uncertainLosses;
  /** Times in a row these items were handed back unstarted. */
  final int handBacks;
  /** When a backend took the chunk from the engine's queue (System.nanoTime), for adaptive chunk sizes. */
  volatile long takenAt;

  WorkChunk(Call call, long firstIndex, List<?> items, int deaths) {
    this(call, firstIndex, items, deaths, 0, 0);
  }

  WorkChunk(Call call, long firstIndex, List<?> items, int deaths, int uncertainLosses, int handBacks) {
    this.call = call;
    this.firstIndex = firstIndex;
    this.items = items;
    this.deaths = deaths;
    this.uncertainLosses = uncertainLosses;
    this.handBacks = handBacks;
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
