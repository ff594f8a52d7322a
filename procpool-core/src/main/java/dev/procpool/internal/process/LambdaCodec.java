package dev.procpool.internal.process;

import java.io.IOException;
import java.io.InvalidClassException;
import java.io.InvalidObjectException;
import java.io.StreamCorruptedException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandleInfo;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Method;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Sends a serializable lambda as the fields of its {@link SerializedLambda} and its captured values,
 * without Java serialization: that costs a stream, class descriptors and their parsing for every
 * function, which made each {@code applyAsync} (a function of its own) spend most of its time in
 * {@code ObjectOutputStream} and {@code ObjectInputStream}. The worker rebuilds the lambda the way
 * Java serialization does, through its capturing class's {@code $deserializeLambda$}, which accepts
 * only lambdas that class really has.
 *
 * <p>Captured values travel in {@link Codec}'s compact form, as nested lambdas, or Java-serialized one
 * by one (and filtered like every Java-serialized value). Anything this cannot describe, such as a
 * function that is not a lambda or captures something not serializable, makes {@link #encode} return
 * null, and the function goes by Java serialization with its usual errors.
 */
final class LambdaCodec {
  private LambdaCodec() {}

  /** First byte of a function in this form; Java serialization starts with 0xAC instead. */
  static final byte FORM = 'L';
  private static final byte VALUE = 1;
  private static final byte LAMBDA = 2;
  private static final byte JAVA = 3;
  private static final int MAX_NESTING = 16;

  /**
   * Each lambda class's {@code writeReplace}, as a method handle: a lambda class is hidden, so
   * reflection would call it through JNI every time.
   */
  private static final ClassValue<MethodHandle> WRITE_REPLACE = new ClassValue<>() {
    @Override
    protected MethodHandle computeValue(Class<?> type) {
      try {
        Method m = type.getDeclaredMethod("writeReplace");
        m.setAccessible(true);
        return MethodHandles.lookup().unreflect(m).asType(MethodType.methodType(Object.class, Object.class));
      } catch (ReflectiveOperationException | RuntimeException e) {
        return null;
      }
    }
  };

  /**
   * In the pool: each lambda class's {@link #template}, encoded once, in a holder filled on first use (the
   * template needs an instance). A ClassValue, so that classes can unload and a look-up takes no lock.
   */
  private static final ClassValue<byte[][]> TEMPLATES = new ClassValue<>() {
    @Override
    protected byte[][] computeValue(Class<?> type) {
      return new byte[1][];
    }
  };

  /** In the worker: each capturing class's {@code $deserializeLambda$}. */
  private static final Map<Class<?>, MethodHandle> DESERIALIZERS = new ConcurrentHashMap<>();
  /** In the worker: templates already read, by their bytes, so that each is parsed and resolved once. */
  private static final Map<ByteBuffer, Template> TEMPLATES_READ = new ConcurrentHashMap<>();
  /** Templates kept at most; a program does not have more lambda classes than that in use at once. */
  private static final int MAX_TEMPLATES = 10_000;

  /** A lambda class's template as a worker read it. */
  private record Template(Class<?> capturing, String interfaceClass, String interfaceMethod,
      String interfaceSignature, int implKind, String implClass, String implMethod, String implSignature,
      String instantiatedType, MethodHandle deserializer) {}

  /** Encodes {@code fn} in this form, or returns null if it is not a lambda this can describe. */
  static byte[] encode(Object fn) {
    Out out = SCRATCH.get();
    SCRATCH.set(null); // a nested encode, from a captured value's serialization, takes a buffer of its own
    if (out == null) {
      out = new Out();
    }
    try {
      out.put(FORM);
      return lambda(fn, out, 0) ? out.toArray() : null;
    } catch (IOException | RuntimeException | LinkageError | StackOverflowError e) {
      return null;
    } finally {
      if (out.reset()) {
        SCRATCH.set(out);
      }
    }
  }

  /**
   * Each thread's buffer to encode into, kept between calls: with one function per {@code applyAsync},
   * a fresh buffer (and its growth) per call was most of what a call allocated in the pool's JVM.
   */
  private static final ThreadLocal<Out> SCRATCH = new ThreadLocal<>();

  private static boolean lambda(Object fn, Out out, int depth) throws IOException {
    SerializedLambda s = serializedForm(fn);
    if (s == null || depth > MAX_NESTING) {
      return false;
    }
    byte[][] template = TEMPLATES.get(fn.getClass());
    if (template[0] == null) {
      template[0] = template(s); // a race only encodes it twice
    }
    out.put(template[0]);
    out.integer(s.getCapturedArgCount());
    for (int i = 0; i < s.getCapturedArgCount(); i++) {
      Object arg = s.getCapturedArg(i);
      int compact = Codec.compactSize(arg);
      if (compact >= 0 && arg != Codec.Marker.SKIPPED) {
        Codec.putCompact(out.room(1 + compact).put(VALUE), arg);
      } else if (serializedForm(arg) != null) {
        out.put(LAMBDA);
        if (!lambda(arg, out, depth + 1)) {
          return false;
        }
      } else {
        byte[] java = Codec.serialize(arg); // throws for what is not serializable: then Java serialization says why
        out.put(JAVA);
        out.integer(java.length);
        out.put(java);
      }
    }
    return true;
  }

  /** What every instance of a lambda class has in common: where it comes from and what it implements. */
  private static byte[] template(SerializedLambda s) {
    Out out = new Out();
    out.string(s.getCapturingClass());
    out.string(s.getFunctionalInterfaceClass());
    out.string(s.getFunctionalInterfaceMethodName());
    out.string(s.getFunctionalInterfaceMethodSignature());
    out.integer(s.getImplMethodKind());
    out.string(s.getImplClass());
    out.string(s.getImplMethodName());
    out.string(s.getImplMethodSignature());
    out.string(s.getInstantiatedMethodType());
    return out.toArray();
  }

  /** The serialized form of a serializable lambda, or null for anything else. */
  private static SerializedLambda serializedForm(Object o) {
    if (o == null || !o.getClass().isSynthetic()) {
      return null;
    }
    MethodHandle writeReplace = WRITE_REPLACE.get(o.getClass());
    if (writeReplace == null) {
      return null;
    }
    try {
      return (Object) writeReplace.invokeExact(o) instanceof SerializedLambda s ? s : null;
    } catch (Throwable e) {
      return null;
    }
  }

  /**
   * Rebuilds a function encoded by {@link #encode}, from {@code in} positioned at its first byte.
   *
   * @throws IOException if the bytes are malformed, a class is missing (an {@link InvalidClassException}
   *     caused by the {@link ClassNotFoundException}, as Java serialization reports it), or the capturing
   *     class does not have that lambda
   */
  static Object decode(ByteBuffer in, ClassLoader loader) throws IOException {
    try {
      if (in.get() != FORM) {
        throw new StreamCorruptedException("not a lambda in compact form");
      }
      return readLambda(in, loader, 0);
    } catch (BufferUnderflowException | NegativeArraySizeException e) {
      throw new StreamCorruptedException("a lambda cut short");
    }
  }

  private static Object readLambda(ByteBuffer in, ClassLoader loader, int depth) throws IOException {
    if (depth > MAX_NESTING) {
      throw new InvalidObjectException("lambdas nested too deeply");
    }
    Template template = template(in, loader);
    int count = in.getInt();
    if (count < 0 || count > in.remaining()) {
      throw new StreamCorruptedException(count + " captured values in " + in.remaining() + " bytes");
    }
    Object[] args = new Object[count];
    for (int i = 0; i < count; i++) {
      byte tag = in.get();
      switch (tag) {
        case VALUE -> args[i] = Codec.getCompact(in);
        case LAMBDA -> args[i] = readLambda(in, loader, depth + 1);
        case JAVA -> {
          int n = in.getInt();
          if (n < 0 || n > in.remaining()) {
            throw new StreamCorruptedException("a captured value of " + n + " bytes in " + in.remaining());
          }
          args[i] = Codec.deserialize(in.array(), in.arrayOffset() + in.position(), n, loader);
          in.position(in.position() + n);
        }
        default -> throw new StreamCorruptedException("unknown captured value tag " + tag);
      }
    }
    SerializedLambda form = new SerializedLambda(template.capturing(), template.interfaceClass(),
        template.interfaceMethod(), template.interfaceSignature(), template.implKind(), template.implClass(),
        template.implMethod(), template.implSignature(), template.instantiatedType(), args);
    try {
      return (Object) template.deserializer().invokeExact(form);
    } catch (IllegalArgumentException | ClassCastException e) {
      // $deserializeLambda$ refuses a lambda its class does not have
      InvalidObjectException ioe = new InvalidObjectException("the lambda cannot be rebuilt: " + e);
      ioe.initCause(e);
      throw ioe;
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      InvalidObjectException ioe = new InvalidObjectException("the lambda cannot be rebuilt: " + e);
      ioe.initCause(e);
      throw ioe;
    }
  }

  /** Reads a template, parsing and resolving it only the first time these bytes come. */
  private static Template template(ByteBuffer in, ClassLoader loader) throws IOException {
    int start = in.position();
    for (int i = 0; i < 9; i++) {
      if (i == 4) {
        in.getInt(); // the method handle kind
      } else {
        skipString(in);
      }
    }
    int end = in.position();
    ByteBuffer key = ByteBuffer.wrap(in.array(), in.arrayOffset() + start, end - start);
    Template known = TEMPLATES_READ.get(key);
    if (known != null) {
      return known;
    }
    in.position(start);
    String capturingClass = string(in);
    String interfaceClass = string(in);
    String interfaceMethod = string(in);
    String interfaceSignature = string(in);
    int implKind = in.getInt();
    String implClass = string(in);
    String implMethod = string(in);
    String implSignature = string(in);
    String instantiatedType = string(in);
    Class<?> capturing;
    try {
      capturing = Class.forName(capturingClass.replace('/', '.'), false, loader);
    } catch (ClassNotFoundException e) {
      InvalidClassException ice = new InvalidClassException(e.getMessage(), "class not found in this JVM");
      ice.initCause(e);
      throw ice;
    }
    Template t = new Template(capturing, interfaceClass, interfaceMethod, interfaceSignature, implKind, implClass,
        implMethod, implSignature, instantiatedType, deserializer(capturing));
    if (TEMPLATES_READ.size() >= MAX_TEMPLATES) {
      TEMPLATES_READ.clear();
    }
    byte[] copy = new byte[end - start];
    System.arraycopy(in.array(), in.arrayOffset() + start, copy, 0, copy.length);
    TEMPLATES_READ.put(ByteBuffer.wrap(copy), t);
    return t;
  }

  /**
   * In the worker, when a lease ends: resolves the templates read so far against the next lease's class
   * loader, whose classes are loaded afresh (so that the old ones can be unloaded, and the next pool's
   * functions need not be resolved again). Nothing is initialized.
   */
  static void rebindClasses(ClassLoader next) {
    DESERIALIZERS.clear();
    for (Map.Entry<ByteBuffer, Template> e : TEMPLATES_READ.entrySet()) {
      Template t = e.getValue();
      try {
        Class<?> capturing = Class.forName(t.capturing().getName(), false, next);
        Template rebound = new Template(capturing, t.interfaceClass(), t.interfaceMethod(), t.interfaceSignature(),
            t.implKind(), t.implClass(), t.implMethod(), t.implSignature(), t.instantiatedType(),
            deserializer(capturing));
        e.setValue(rebound);
        link(rebound, next);
      } catch (ClassNotFoundException | InvalidClassException | LinkageError | RuntimeException ex) {
        TEMPLATES_READ.remove(e.getKey());
      }
    }
  }

  /**
   * Rebuilds the template's lambda once in the next lease's classes, with placeholder captured values,
   * and drops it: the first rebuild of a lambda in a class links the class's lambda factory (a class is
   * generated for it), some milliseconds that would otherwise come before the next pool's first task.
   * Only where that runs no code of the application: rebuilding initializes the capturing class.
   */
  private static void link(Template t, ClassLoader loader) {
    try {
      if (!LeaseLoader.initializesQuietly(t.capturing())) {
        return;
      }
      MethodType impl = MethodType.fromMethodDescriptorString(t.implSignature(), loader);
      int arity = MethodType.fromMethodDescriptorString(t.instantiatedType(), loader).parameterCount();
      boolean receiver = t.implKind() != MethodHandleInfo.REF_invokeStatic
          && t.implKind() != MethodHandleInfo.REF_newInvokeSpecial;
      int captured = impl.parameterCount() + (receiver ? 1 : 0) - arity;
      if (captured < 0) {
        return;
      }
      Object[] args = new Object[captured];
      for (int i = 0; i < captured; i++) {
        Class<?> type = receiver ? (i == 0 ? null : impl.parameterType(i - 1)) : impl.parameterType(i);
        args[i] = type != null && type.isPrimitive() ? MethodHandles.zero(type).invoke() : null;
      }
      SerializedLambda form = new SerializedLambda(t.capturing(), t.interfaceClass(), t.interfaceMethod(),
          t.interfaceSignature(), t.implKind(), t.implClass(), t.implMethod(), t.implSignature(),
          t.instantiatedType(), args);
      Object ignored = (Object) t.deserializer().invokeExact(form);
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable e) {
      // linked or not, the lambda is rebuilt as usual when it comes
    }
  }

  private static MethodHandle deserializer(Class<?> capturing) throws InvalidClassException {
    MethodHandle m = DESERIALIZERS.get(capturing);
    if (m == null) {
      try {
        Method method = capturing.getDeclaredMethod("$deserializeLambda$", SerializedLambda.class);
        method.setAccessible(true);
        m = MethodHandles.lookup().unreflect(method)
            .asType(MethodType.methodType(Object.class, SerializedLambda.class));
      } catch (NoSuchMethodException | IllegalAccessException | RuntimeException e) {
        throw new InvalidClassException(capturing.getName(), "has no serializable lambdas to rebuild: " + e);
      }
      DESERIALIZERS.put(capturing, m);
    }
    return m;
  }

  private static void skipString(ByteBuffer in) throws StreamCorruptedException {
    int n = in.getInt();
    if (n < 0 || n > in.remaining()) {
      throw new StreamCorruptedException("a string of " + n + " bytes in " + in.remaining());
    }
    in.position(in.position() + n);
  }

  private static String string(ByteBuffer in) throws StreamCorruptedException {
    int n = in.getInt();
    if (n < 0 || n > in.remaining()) {
      throw new StreamCorruptedException("a string of " + n + " bytes in " + in.remaining());
    }
    String s = new String(in.array(), in.arrayOffset() + in.position(), n, StandardCharsets.UTF_8);
    in.position(in.position() + n);
    return s;
  }

  /** The encoding as it is written: one buffer that grows as needed. */
  private static final class Out {
    /** Larger buffers, grown by a large captured value, are not kept for the next encoding. */
    private static final int MAX_KEPT_BYTES = 64 << 10;
    private ByteBuffer buffer = ByteBuffer.allocate(256);

    /** Makes room for {@code n} more bytes and returns the buffer to write them to. */
    ByteBuffer room(int n) {
      if (buffer.remaining() < n) {
        ByteBuffer bigger = ByteBuffer.allocate(Math.max(2 * buffer.capacity(), buffer.position() + n));
        bigger.put(buffer.array(), 0, buffer.position());
        buffer = bigger;
      }
      return buffer;
    }

    void put(byte b) {
      room(1).put(b);
    }

    void put(byte[] b) {
      room(b.length).put(b);
    }

    void string(String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      integer(b.length);
      put(b);
    }

    void integer(int v) {
      room(4).putInt(v);
    }

    byte[] toArray() {
      return java.util.Arrays.copyOf(buffer.array(), buffer.position());
    }

    /** Empties the buffer for the next encoding; false if it grew too large to keep. */
    boolean reset() {
      buffer.clear();
      return buffer.capacity() <= MAX_KEPT_BYTES;
    }
  }
}
