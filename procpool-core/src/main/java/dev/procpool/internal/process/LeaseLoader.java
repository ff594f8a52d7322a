package dev.procpool.internal.process;

import java.io.IOException;
import java.io.InputStream;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.security.CodeSource;
import java.security.ProtectionDomain;
import java.security.cert.Certificate;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Loads the application's classes afresh for one lease of a reusable worker JVM (see
 * {@link WarmWorkers}), so that a pool that leases a parked worker finds every class of its own with its
 * static fields not yet initialized, as in a new JVM. It is child-first over the worker's classpath: a
 * class is defined here from the bytes the system class loader would load it from, except the JDK's
 * classes and procpool-core's own (whose identity the worker and the tasks must share: {@code Fn},
 * {@code Task}, {@code WorkerLocal}, ...), which come from the system class loader as usual. Resources
 * are shared: they hold no state. ("The system class loader" here is {@link WorkerMain#APPLICATION}: in a
 * worker started through Spring Boot's launcher, Boot's class loader.)
 *
 * <p>Where each class was found, and its bytes, are remembered for the worker's life (its classpath
 * never changes), so that a lease defines its classes without searching the classpath again; and when a
 * lease ends, the loader of the next one is made at once with the classes this one used already defined
 * and linked, but not initialized: no code of the application runs before the next pool's initializer.
 * Or the next lease keeps this loader, when none of its classes can hold state ({@link #holdsNoState}).
 *
 * <p>When the lease ends nothing refers to the loader any more (its tasks' thread has ended, the jobs and
 * worker-local states are dropped), so its classes can be unloaded; a thread a task started and left
 * running keeps them.
 */
final class LeaseLoader extends ClassLoader {
  static {
    registerAsParallelCapable();
  }

  private static final String OWN_CLASS = WorkerMain.class.getName().replace('.', '/') + ".class";
  /** Where procpool-core's classes come from, as the prefix of their resource URLs. */
  private static final String OWN_PREFIX = ownPrefix();

  /** What was found for a class name: its {@link Found} bytes, or {@link #SHARED} for the system loader's. */
  private static final Map<String, Object> FOUND = new ConcurrentHashMap<>();
  private static final Object SHARED = new Object();
  private static final Map<String, ProtectionDomain> DOMAINS = new ConcurrentHashMap<>();

  /** A class of the application: its bytes, and the classpath entry they came from. */
  private record Found(byte[] bytes, ProtectionDomain domain) {}

  private final ClassLoader system;
  /** The classes this loader defined, in order, for {@link #successor}. */
  private final Set<String> defined = ConcurrentHashMap.newKeySet();

  LeaseLoader(int lease) {
    super("procpool-lease-" + lease, WorkerMain.APPLICATION);
    this.system = getParent();
  }

  private static String ownPrefix() {
    URL own = WorkerMain.APPLICATION.getResource(OWN_CLASS);
    String s = own == null ? null : own.toString();
    return s != null && s.endsWith(OWN_CLASS) ? s.substring(0, s.length() - OWN_CLASS.length()) : null;
  }

  @Override
  protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
    synchronized (getClassLoadingLock(name)) {
      Class<?> c = findLoadedClass(name);
      if (c == null) {
        c = defineOwn(name);
      }
      if (c == null) {
        c = system.loadClass(name);
      }
      if (resolve) {
        resolveClass(c);
      }
      return c;
    }
  }

  /**
   * A loader for the next lease, with the classes this one defined already defined and linked there
   * (linking runs no code of theirs; initializing them is left to their first use).
   */
  LeaseLoader successor(int number) {
    LeaseLoader next = new LeaseLoader(number);
    for (String name : defined) {
      try {
        Class.forName(name, false, next).getDeclaredMethods(); // HotSpot links a class to list its methods
      } catch (ClassNotFoundException | LinkageError | RuntimeException e) {
        // it fails again, in the same way, if the next lease uses it
      }
    }
    return next;
  }

  /**
   * Whether the next lease may keep this loader: none of the classes it defined can hold state, for none
   * has a static initializer or a static field that is not final (without a static initializer, a final
   * one is a constant). A successor would give the next lease the same classes, only later: defining and
   * linking them again and spinning their lambdas anew was most of what a leased worker did between two
   * short pools, on the way to the next pool's first task when that pool came at once.
   */
  boolean holdsNoState() {
    for (String name : defined) {
      Class<?> c = findLoadedClass(name);
      if (c == null || !STATELESS.computeIfAbsent(name, n -> stateless(c))) {
        return false;
      }
    }
    return true;
  }

  /** By class name, whether {@link #holdsNoState} found its class stateless: its bytes never change. */
  private static final Map<String, Boolean> STATELESS = new ConcurrentHashMap<>();

  private static boolean stateless(Class<?> c) {
    if (!(FOUND.get(c.getName()) instanceof Found f) || indexOf(f.bytes(), CLINIT) >= 0) {
      return false;
    }
    try {
      for (Field field : c.getDeclaredFields()) {
        int m = field.getModifiers();
        if (Modifier.isStatic(m) && !Modifier.isFinal(m)) {
          return false;
        }
      }
      return true;
    } catch (LinkageError | RuntimeException e) {
      return false;
    }
  }

  /**
   * Whether initializing {@code c} runs no code of the application: every class its initialization
   * initializes (its superclasses and superinterfaces) is the JDK's or procpool's, or was defined by a
   * lease loader from bytes without a static initializer.
   */
  static boolean initializesQuietly(Class<?> c) {
    for (Class<?> k = c; k != null; k = k.getSuperclass()) {
      if (!quiet(k)) {
        return false;
      }
      for (Class<?> i : k.getInterfaces()) {
        if (!initializesQuietly(i)) {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean quiet(Class<?> k) {
    ClassLoader l = k.getClassLoader();
    if (l instanceof LeaseLoader) {
      // A class with a static initializer has a method named <clinit>, so its constant pool holds the name.
      return FOUND.get(k.getName()) instanceof Found f && indexOf(f.bytes(), CLINIT) < 0;
    }
    return l == null || l == ClassLoader.getPlatformClassLoader() || k.getName().startsWith("dev.procpool.");
  }

  private static final byte[] CLINIT = "<clinit>".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  private static int indexOf(byte[] bytes, byte[] part) {
    outer:
    for (int i = 0; i <= bytes.length - part.length; i++) {
      for (int j = 0; j < part.length; j++) {
        if (bytes[i + j] != part[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /** Defines the class here if it is the application's; null if the system loader should have it. */
  private Class<?> defineOwn(String name) throws ClassNotFoundException {
    if (name.startsWith("java.")) {
      return null;
    }
    Object found = FOUND.get(name);
    if (found == null) {
      found = find(name);
      FOUND.put(name, found);
    }
    if (found == SHARED) {
      return null;
    }
    Found f = (Found) found;
    defined.add(name);
    return defineClass(name, f.bytes(), 0, f.bytes().length, f.domain());
  }

  private Object find(String name) throws ClassNotFoundException {
    String path = name.replace('.', '/') + ".class";
    URL url = system.getResource(path);
    if (url == null || "jrt".equals(url.getProtocol())) {
      return SHARED; // not there at all (the system loader says so), or the JDK's
    }
    String where = url.toString();
    if (OWN_PREFIX == null || name.startsWith("dev.procpool.") && where.startsWith(OWN_PREFIX)) {
      return SHARED; // procpool itself (or, if its location is unknown, anything: share rather than fail)
    }
    try (InputStream in = url.openStream()) {
      return new Found(in.readAllBytes(), domain(where, path));
    } catch (IOException e) {
      throw new ClassNotFoundException(name + " could not be read from " + where, e);
    }
  }

  /** The protection domain of a classpath entry, so that a class knows the jar or directory it came from. */
  private static ProtectionDomain domain(String where, String path) {
    String base = where.endsWith(path) ? where.substring(0, where.length() - path.length()) : where;
    if (base.startsWith("jar:") && base.endsWith("!/")) {
      base = base.substring(4, base.length() - 2);
    }
    return DOMAINS.computeIfAbsent(base, b -> {
      URL location;
      try {
        location = URI.create(b).toURL();
      } catch (MalformedURLException | IllegalArgumentException e) {
        location = null;
      }
      return new ProtectionDomain(new CodeSource(location, (Certificate[]) null), null);
    });
  }
}
