package dev.procpool.hazelcast.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * How many chunks each member may hold at once. Following the cluster, a member holds as many as it has
 * worker threads, so a member that joins adds its capacity and one that leaves takes it away. With a
 * {@code workers} the user fixed, that number is split over the members that take chunks now, in
 * proportion to their threads (largest remainders first), and the others get none.
 */
final class Shares {
  private Shares() {}

  /** Gives each member its threads. */
  static void follow(Iterable<MemberEntry> members) {
    for (MemberEntry m : members) {
      m.quota = m.capacity;
    }
  }

  /**
   * Splits {@code workers} over the {@code active} members, in proportion to their threads.
   *
   * @param workers the chunks in flight, over the whole cluster
   * @param members every member, whose quotas are set
   * @param active the members that take chunks now, a subset of {@code members}
   */
  static void split(int workers, Iterable<MemberEntry> members, List<MemberEntry> active) {
    for (MemberEntry m : members) {
      m.quota = 0;
    }
    long threads = 0;
    for (MemberEntry m : active) {
      threads += m.capacity;
    }
    int given = 0;
    List<double[]> rest = new ArrayList<>(active.size());
    for (int i = 0; i < active.size(); i++) {
      double exact = (double) workers * active.get(i).capacity / threads;
      active.get(i).quota = (int) exact;
      given += (int) exact;
      rest.add(new double[] {exact - (int) exact, i});
    }
    rest.sort((a, b) -> Double.compare(b[0], a[0]));
    for (int k = 0; given < workers && k < rest.size(); k++, given++) {
      active.get((int) rest.get(k)[1]).quota++;
    }
  }
}
