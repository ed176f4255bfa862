package dev.confine.agent.runtime;

import java.io.FileDescriptor;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.ProtectionDomain;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ObjIntConsumer;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * Confines the server at the moment it makes its first listed port listen, before listen(2):
 * no connection to that port can be accepted, let alone answered, as root. Binding needs root,
 * listen(2) does not, so the socket is bound (by root) and listens (as the target).
 *
 * <p>Every server the JDK runs listens through one call, {@code sun.nio.ch.Net.listen(FileDescriptor,
 * int)}: from {@code ServerSocketChannelImpl} (NIO: the JDK's HttpServer, Tomcat, Jetty, Netty's
 * NIO transport) and from {@code NioSocketImpl} ({@code java.net.ServerSocket}: H2, blocking
 * servers). The gate rewrites those call sites (ASM, in the agent's own class loader) to pass the
 * descriptor and backlog to this gate first; the rewritten code reaches the gate through the
 * system properties, as java.base sees no class of the agent's.
 *
 * <p>Netty's native transports (epoll, io_uring) call listen(2) from C, but always through one
 * Java method, {@code io.netty.channel.unix.Socket.listen(int)}: its first instruction is made to
 * pass the same gate with the socket itself (whose {@code localAddress()} names the port). A
 * server that calls listen(2) some other way passes no gate: the agent's look at the kernel's
 * tables then confines it once it listens, and says so.
 */
final class ListenGate implements ObjIntConsumer<Object> {
  /** The key under which the rewritten call sites find the gate in the system properties. */
  static final String KEY = "dev.confine.agent.listenGate";

  private static final List<String> SITES = List.of("sun/nio/ch/ServerSocketChannelImpl", "sun/nio/ch/NioSocketImpl");
  /** Netty's native socket, by the end of its name: a shaded copy (its JNI names renamed with it) is gated too. */
  private static final String NETTY_SOCKET = "io/netty/channel/unix/Socket";

  private final List<AgentOptions.Listen> listen;
  private final java.util.function.Consumer<InetSocketAddress> confine;
  private volatile boolean passed;

  private ListenGate(List<AgentOptions.Listen> listen, java.util.function.Consumer<InetSocketAddress> confine, Instrumentation instrumentation) {
    this.listen = listen;
    this.confine = confine;
    this.instrumentation = instrumentation;
  }

  private final Instrumentation instrumentation;
  private volatile Method localAddress;

  /**
   * Net.localAddress(FileDescriptor), with sun.nio.ch opened to the agent, at the first listen
   * rather than in premain: opening the module and initializing sun.nio.ch.Net (the JDK's socket
   * natives and options, which the server's own bind loads anyway) took 7 ms (Java 17) to 14 ms
   * (Temurin 25) before main. A failure here is thrown to the server's listen, which then fails:
   * the listen never happens unchecked. Not synchronized on the gate: a thread that holds the gate
   * while it confines waits for the agent's warm-up, whose own listens (the JDK's network
   * preparation) pass here (a deadlock seen with Netty); two threads may both look it up, the same.
   */
  private Method localAddress() {
    Method method = localAddress;
    if (method == null) {
      instrumentation.redefineModule(Object.class.getModule(), Set.of(), Map.of(), Map.of("sun.nio.ch", Set.of(ListenGate.class.getModule())),
          Set.of(), Map.of());
      try {
        method = Class.forName("sun.nio.ch.Net").getDeclaredMethod("localAddress", FileDescriptor.class);
        method.setAccessible(true);
        localAddress = method;
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("confine-agent's gate: sun.nio.ch.Net.localAddress(FileDescriptor): " + e, e);
      }
    }
    return method;
  }

  /**
   * Installs the gate: puts the gate where the rewritten code finds it, and rewrites the two
   * classes, those already loaded included (sun.nio.ch is opened to the agent, for
   * Net.localAddress, at the first listen).
   * {@code confine} runs once, on the thread about to make the first listed port listen.
   */
  static void install(Instrumentation instrumentation, List<AgentOptions.Listen> listen, java.util.function.Consumer<InetSocketAddress> confine)
      throws Exception {
    System.getProperties().put(KEY, new ListenGate(List.copyOf(listen), confine, instrumentation));
    ClassFileTransformer rewrite = new ClassFileTransformer() {
      @Override
      public byte[] transform(Module module, ClassLoader loader, String name, Class<?> redefined, ProtectionDomain domain, byte[] bytes) {
        if (name == null) {
          return null;
        }
        try {
          return SITES.contains(name) ? rewrite(bytes) : isNettySocket(name) ? rewriteNetty(bytes) : null;
        } catch (Throwable e) {
          // The JVM drops a transformer's exception and loads the class as it was: the listen would
          // then go ungated though the armed line said gated. ASM loads here, at the first class to
          // rewrite (not in premain), so its failure (the agent's jar changed underneath, no room
          // for classes) is met here: stop, as a refusal in premain would have.
          System.err.println("confine-agent: cannot gate " + name + "'s listen (" + e + ")");
          System.err.println("confine-agent: stopping the JVM (status " + AgentRuntime.NOT_CONFINED
              + "): a server asked to be confined does not run unconfined");
          System.err.flush();
          Runtime.getRuntime().halt(AgentRuntime.NOT_CONFINED);
          return null;
        }
      }
    };
    instrumentation.addTransformer(rewrite, true);
    // Sorted by their public supertypes first, not by name: the first getName() of each of the
    // ~800 classes loaded by then took 5 ms of premain (Java 17).
    for (Class<?> loaded : instrumentation.getAllLoadedClasses()) {
      if ((java.nio.channels.ServerSocketChannel.class.isAssignableFrom(loaded) || java.net.SocketImpl.class.isAssignableFrom(loaded))
          && SITES.contains(loaded.getName().replace('.', '/')) && instrumentation.isModifiableClass(loaded)) {
        instrumentation.retransformClasses(loaded);
      }
    }
  }

  static boolean isNettySocket(String name) {
    return name.equals(NETTY_SOCKET) || name.endsWith("/" + NETTY_SOCKET);
  }

  /** Whether a listed port's listen passed this gate (so confinement happened at listen, not after). */
  boolean passed() {
    return passed;
  }

  static java.util.Optional<ListenGate> installed() {
    Object gate = System.getProperties().get(KEY);
    return gate instanceof ListenGate ? java.util.Optional.of((ListenGate) gate) : java.util.Optional.empty();
  }

  /**
   * Called by the rewritten code, on the server's thread, right before listen(2): from the JDK with
   * the FileDescriptor (before Net.listen(fd, backlog)), from Netty with its Socket (on entry to
   * Socket.listen(backlog)).
   */
  @Override
  public void accept(Object socket, int backlog) {
    if (passed) {
      return;
    }
    Method netLocalAddress = socket instanceof FileDescriptor ? localAddress() : null;
    SocketAddress address;
    try {
      address = netLocalAddress != null
          ? (SocketAddress) netLocalAddress.invoke(null, socket)
          : (SocketAddress) socket.getClass().getMethod("localAddress").invoke(socket);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return; // not an inet socket (a Unix domain socket): not a listed port
    }
    if (!(address instanceof InetSocketAddress)) {
      return;
    }
    InetSocketAddress inet = (InetSocketAddress) address;
    for (AgentOptions.Listen wanted : listen) {
      if (wanted.port == inet.getPort() && Listening.matches(wanted.host, inet.getAddress().getAddress())) {
        synchronized (this) {
          if (!passed) {
            confine.accept(inet); // halts the JVM if it cannot confine: the listen never happens as root
            passed = true;
          }
        }
        return;
      }
    }
  }

  /**
   * Before each {@code invokestatic sun/nio/ch/Net.listen(Ljava/io/FileDescriptor;I)V}, with the
   * descriptor and backlog on the stack: dup2, the gate from System.getProperties(), dup_x2, pop,
   * then ObjIntConsumer.accept(fd, backlog): the stack is as it was, and no branch is added, so
   * the method's frames stand.
   */
  static byte[] rewrite(byte[] bytes) {
    return Asm.rewrite(bytes);
  }

  /**
   * At the entry of Netty's {@code public final void listen(int backlog)}: the gate from
   * System.getProperties(), then ObjIntConsumer.accept(this, backlog). Nothing else changes, and no
   * branch is added, so the method's frames stand.
   */
  static byte[] rewriteNetty(byte[] bytes) {
    return Asm.rewriteNetty(bytes);
  }

  /**
   * The rewrites themselves, apart: the verifier loads the ASM classes a method passes around when
   * it loads the method's class, and ListenGate is loaded in premain; this class (and ASM) only
   * when a class to rewrite is seen.
   */
  private static final class Asm {
    private Asm() {}

    static byte[] rewrite(byte[] bytes) {
      ClassReader reader = new ClassReader(bytes);
      ClassWriter writer = new ClassWriter(reader, ClassWriter.COMPUTE_MAXS);
      boolean[] changed = {false};
      reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
        @Override
        public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
          MethodVisitor next = super.visitMethod(access, name, descriptor, signature, exceptions);
          return new MethodVisitor(Opcodes.ASM9, next) {
            @Override
            public void visitMethodInsn(int opcode, String owner, String method, String desc, boolean isInterface) {
              if (opcode == Opcodes.INVOKESTATIC && owner.equals("sun/nio/ch/Net") && method.equals("listen")
                  && desc.equals("(Ljava/io/FileDescriptor;I)V")) {
                super.visitInsn(Opcodes.DUP2);
                pushGate(mv);
                super.visitInsn(Opcodes.DUP_X2);
                super.visitInsn(Opcodes.POP);
                super.visitMethodInsn(Opcodes.INVOKEINTERFACE, "java/util/function/ObjIntConsumer", "accept", "(Ljava/lang/Object;I)V", true);
                changed[0] = true;
              }
              super.visitMethodInsn(opcode, owner, method, desc, isInterface);
            }
          };
        }
      }, 0);
      return changed[0] ? writer.toByteArray() : null;
    }

    /** Pushes the gate, as the rewritten code finds it: (ObjIntConsumer) System.getProperties().get(KEY). */
    static void pushGate(MethodVisitor out) {
      out.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/System", "getProperties", "()Ljava/util/Properties;", false);
      out.visitLdcInsn(KEY);
      out.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/util/Properties", "get", "(Ljava/lang/Object;)Ljava/lang/Object;", false);
      out.visitTypeInsn(Opcodes.CHECKCAST, "java/util/function/ObjIntConsumer");
    }

    static byte[] rewriteNetty(byte[] bytes) {
      ClassReader reader = new ClassReader(bytes);
      ClassWriter writer = new ClassWriter(reader, ClassWriter.COMPUTE_MAXS);
      boolean[] changed = {false};
      reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
        @Override
        public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
          MethodVisitor next = super.visitMethod(access, name, descriptor, signature, exceptions);
          if (!name.equals("listen") || !descriptor.equals("(I)V") || (access & Opcodes.ACC_STATIC) != 0) {
            return next;
          }
          return new MethodVisitor(Opcodes.ASM9, next) {
            @Override
            public void visitCode() {
              super.visitCode();
              pushGate(mv);
              super.visitVarInsn(Opcodes.ALOAD, 0);
              super.visitVarInsn(Opcodes.ILOAD, 1);
              super.visitMethodInsn(Opcodes.INVOKEINTERFACE, "java/util/function/ObjIntConsumer", "accept", "(Ljava/lang/Object;I)V", true);
              changed[0] = true;
            }
          };
        }
      }, 0);
      return changed[0] ? writer.toByteArray() : null;
    }
  }
}
