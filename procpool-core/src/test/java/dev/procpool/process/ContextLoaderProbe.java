package dev.procpool.process;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;

/**
 * An item that, as some libraries do, resolves classes through the thread's context class loader while
 * it is deserialized: in a worker whose lease has a class loader of its own, that must be the lease's.
 */
public final class ContextLoaderProbe implements Serializable {
  private static final long serialVersionUID = 1L;
  private transient boolean contextSeesThisClass;

  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    Class<?> viaContext = Class.forName(ContextLoaderProbe.class.getName(), false,
        Thread.currentThread().getContextClassLoader());
    contextSeesThisClass = viaContext == ContextLoaderProbe.class;
  }

  /** Whether, when the item was read, the context class loader resolved this very class; and at the task. */
  public static String check(ContextLoaderProbe item) {
    boolean atTask = Thread.currentThread().getContextClassLoader() == ContextLoaderProbe.class.getClassLoader();
    return item.contextSeesThisClass + " " + atTask;
  }
}
