package dev.procpool.internal;

import dev.procpool.Progress;
import java.time.Duration;

/**
 * What a call was asked for beyond its function and items.
 *
 * @param operation the API method's name, for progress and logs
 * @param taskTimeout the per-item timeout, or null
 * @param progress whether to show a progress bar
 * @param origin the runnable given to execute()/submit(Runnable), for shutdownNow(); otherwise null
 */
record CallSpec(String operation, Duration taskTimeout, Progress progress, Runnable origin) {}
