package dev.procpool;

import java.io.Serializable;
import java.util.concurrent.Callable;

/**
 * A unit of work without an item, for {@link Pool#apply(Task)}, {@link Pool#applyAsync(Task)} and
 * {@link Pool#submit(Task)}; also the type of a worker {@linkplain PoolBuilder#initializer
 * initializer}.
 *
 * <p>It is a {@link Callable} that is also {@link Serializable}, so a lambda assigned to it can be
 * shipped to a worker process without a cast:
 *
 * <pre>{@code
 * AsyncResult<String> r = pool.applyAsync(() -> expensiveReport());
 * }</pre>
 *
 * @param <R> the result type; for side effects only, an {@link Action} needs no {@code return null;}
 */
@FunctionalInterface
public interface Task<R> extends Callable<R>, Serializable {}
