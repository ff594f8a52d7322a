package dev.procpool.internal;

import dev.procpool.Fn;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.RandomAccess;
import java.util.concurrent.CompletableFuture;

/**
 * A call whose whole input is known up front ({@code map}, {@code starmap}, {@code apply},
 * {@code submit}): results are collected by index and the call fails fast on the first failure.
 */
final class MapCall extends Call {
  private final Object[] values;
  private final BitSet resolved;
  private int remaining;
  /** Completes with the results in input order, or exceptionally with the failure record. */
  final CompletableFuture<List<Object>> done = new CompletableFuture<>();

  private MapCall(Engine engine, Fn<Object, Object> fn, int size, CallSpec spec) {
    super(engine, fn, spec, size);
    this.values = new Object[size];
    this.resolved = new BitSet(size);
    this.remaining = size;
  }

  /** Registers the call and queues its items in chunks of {@code chunksize}. */
  static MapCall start(Engine engine, Fn<Object, Object> fn, Object[] items, int chunksize, CallSpec spec) {
    MapCall call = new MapCall(engine, fn, items.length, spec);
    engine.register(call);
    try {
      List<WorkChunk> chunks = new ArrayList<>(items.length / chunksize + 1);
      for (int from = 0; from < items.length; from += chunksize) {
        chunks.add(new WorkChunk(call, from, new ArraySlice(items, from, Math.min(items.length, from + chunksize))));
      }
      engine.enqueue(chunks);
    } catch (Throwable t) {
      call.abort(new dev.procpool.CallStartException("the call could not start: " + t, t));
      throw t;
    }
    return call;
  }

  /** An already-completed call for an empty input; never registered with the engine. */
  static MapCall empty(Engine engine) {
    MapCall call = new MapCall(engine, null, 0, new CallSpec("map", null, dev.procpool.Progress.OFF, null));
    call.done.complete(new ArrayList<>());
    return call;
  }

  @Override
  void onResults(long firstIndex, List<?> results) {
    boolean complete;
    int fresh = 0;
    // The results reach the call's array in one System.arraycopy: the array is old (a million references
    // is a humongous object for G1), and storing young objects into it one by one pays the collector's
    // write barrier on every store, most of a big map's cost on threads. A slice of a backend's array is
    // copied from that array under the lock; any other list is first copied out, before it (element by
    // element for indexed lists: the JDK's sublists copy through an iterator).
    ArraySlice slice = results instanceof ArraySlice s ? s : null;
    Object[] incoming = slice != null ? null : results instanceof RandomAccess ? copy(results) : results.toArray();
    synchronized (this) {
      if (done.isDone()) {
        return;
      }
      int first = (int) firstIndex;
      int n = results.size();
      int set = resolved.nextSetBit(first);
      if (set < 0 || set >= first + n) {
        // The usual case, none of them reported yet: one copy, one range of bits.
        if (slice != null) {
          slice.copyInto(values, first);
        } else {
          System.arraycopy(incoming, 0, values, first, n);
        }
        resolved.set(first, first + n);
        fresh = n;
      } else {
        for (int k = 0; k < n; k++) {
          if (!resolved.get(first + k)) {
            resolved.set(first + k);
            values[first + k] = slice != null ? slice.get(k) : incoming[k];
            fresh++;
          }
        }
      }
      remaining -= fresh;
      complete = remaining == 0;
      count(fresh, 0);
    }
    progressed(fresh);
    if (complete) {
      announceFinished();
      done.complete(new ResultList<>(values));
      finish();
    }
  }

  private static Object[] copy(List<?> list) {
    Object[] out = new Object[list.size()];
    for (int k = 0; k < out.length; k++) {
      out[k] = list.get(k);
    }
    return out;
  }

  @Override
  void onFailure(long index, Throwable error, boolean byPool) {
    synchronized (this) {
      if (done.isDone() || resolved.get((int) index)) {
        return;
      }
      resolved.set((int) index);
      count(0, 1);
    }
    progressed(1);
    markCancelled();
    announceFinished();
    done.completeExceptionally(Failures.record(index, error, byPool));
    finish();
  }

  @Override
  public long size() {
    return total;
  }

  @Override
  synchronized boolean isResolved(long index) {
    return done.isDone() || resolved.get((int) index);
  }

  @Override
  void abort(RuntimeException reason) {
    markCancelled();
    announceFinished();
    done.completeExceptionally(reason);
    finish();
  }
}
