package dev.procpool.hazelcast.internal;

import dev.procpool.Task;
import java.io.Serializable;

/**
 * What a member needs to know about a caller's pool before it runs the pool's first chunk; shipped once
 * per member (Java-serialized), then cached there under the pool's key.
 *
 * @param poolName the pool's name, for thread names
 * @param initializer run once by each member worker thread before its first chunk, or null
 * @param maxTasksPerWorker replace a member worker thread after this many items, or 0 for never
 */
record PoolSpec(String poolName, Task<?> initializer, int maxTasksPerWorker) implements Serializable {}
