package dev.confine.agent.runtime;

import java.io.File;
import java.io.IOException;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.lang.instrument.UnmodifiableClassException;
import java.net.JarURLConnection;
import java.net.URL;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * Reading the application's own jar through a {@code jar:} URL after chroot. The JDK answers such a
 * URL from its cache of open jars ({@code JarFileFactory}, keyed by the jar's file URL) when the
 * connection uses caches, and otherwise opens the jar again by its path: gone in an empty jail.
 * Two things make those reads work confined:
 *
 * <ul>
 *   <li>right before apply(), every jar of java.class.path is opened once into that cache and held
 *       ({@link #holdClassPathJars}): a cached read after chroot finds it open;
 *   <li>Jersey's {@code ServiceFinder.parse} (every Jersey server: Dropwizard, Jersey on Jetty or
 *       Grizzly) and the JDK's own {@code ServiceLoader} (its class-path lookup; HK2 finds its
 *       locator generator through it) turn caching off for each {@code META-INF/services} file
 *       they read, so their {@code setUseCaches(false)} is rewritten to {@code setUseCaches(true)}:
 *       without it, Dropwizard's servlet init, after its ports listened, failed with
 *       {@code ServiceConfigurationError ... NoSuchFileException: <the app's jar>} (issue 29), and
 *       with Jersey's alone, HK2 then found no {@code ServiceLocatorGenerator}. The JDK's
 *       ServiceLoader read through caches until Java 9 ({@code URL.openStream()}).
 * </ul>
 *
 * <p>Caching only changes when the jar is closed (never, rather than after each read); what is
 * read is the same bytes. A class that opens the jar by a {@code File} or {@code Path} of its own is
 * not helped: Quarkus's fast-jar is refused for that reason ({@link ReopenedJars}).
 */
final class JarUrlCache {
  /** Jersey's service finder, by the end of its name: a shaded copy is rewritten too. */
  static final String SERVICE_FINDER = "org/glassfish/jersey/internal/ServiceFinder";

  /** What the cache holds, held here as well: nothing closes these before the JVM ends. */
  private static final List<JarFile> HELD = new ArrayList<>();

  private JarUrlCache() {}

  /** The JDK's ServiceLoader reads each class-path provider file so too (java.base: rewritten once loaded, retransformed). */
  static final String JDK_SERVICE_LOADER = "java/util/ServiceLoader$LazyClassPathLookupIterator";

  /**
   * Rewrites Jersey's ServiceFinder and the JDK's ServiceLoader lookup as they load (only those:
   * every other class passes unread).
   */
  static final ClassFileTransformer REWRITE = new ClassFileTransformer() {
    @Override
    public byte[] transform(Module module, ClassLoader loader, String name, Class<?> redefined, ProtectionDomain domain, byte[] bytes) {
      if (name == null || !(name.endsWith(SERVICE_FINDER) || name.equals(JDK_SERVICE_LOADER))) {
        return null;
      }
      try {
        return cachedUrlReads(bytes);
      } catch (RuntimeException e) {
        return null; // an unknown shape of the class: left as it is; the jar's URL reads may then fail confined
      }
    }
  };

  private static boolean retransformed;

  /**
   * Registers {@link #REWRITE} for the classes loaded from now on. Nothing is rewritten here: ASM
   * is loaded only when one of the two classes loads, or by {@link #rewriteLoaded}.
   */
  static void register(Instrumentation instrumentation) {
    instrumentation.addTransformer(REWRITE, true);
  }

  /**
   * Rewrites the JDK's lookup if it was loaded before {@link #register} (the agent's own slf4j
   * loads it in premain): once, off premain (the agent's warm-up) and in any case before apply().
   */
  static synchronized void rewriteLoaded(Instrumentation instrumentation) throws UnmodifiableClassException {
    if (retransformed) {
      return;
    }
    retransformed = true;
    for (Class<?> loaded : instrumentation.getAllLoadedClasses()) {
      if (loaded.getName().equals(JDK_SERVICE_LOADER.replace('/', '.')) && instrumentation.isModifiableClass(loaded)) {
        instrumentation.retransformClasses(loaded);
      }
    }
  }

  /**
   * The class with each {@code URLConnection.setUseCaches(boolean)} given {@code true} whatever it
   * was given; null if it makes no such call.
   */
  static byte[] cachedUrlReads(byte[] bytes) {
    return Asm.cachedUrlReads(bytes);
  }

  /**
   * The rewrite itself, apart: the verifier loads the ASM classes a method passes around when it
   * loads the method's class, and JarUrlCache is loaded in premain; this class (and ASM) only
   * when one of the two classes is seen.
   */
  private static final class Asm {
    private Asm() {}

    static byte[] cachedUrlReads(byte[] bytes) {
      ClassReader reader = new ClassReader(bytes);
      ClassWriter writer = new ClassWriter(reader, 0);
      boolean[] changed = {false};
      reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
        @Override
        public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
          return new MethodVisitor(Opcodes.ASM9, super.visitMethod(access, name, descriptor, signature, exceptions)) {
            @Override
            public void visitMethodInsn(int opcode, String owner, String method, String desc, boolean isInterface) {
              if (opcode == Opcodes.INVOKEVIRTUAL && method.equals("setUseCaches") && desc.equals("(Z)V")
                  && (owner.equals("java/net/URLConnection") || owner.equals("java/net/JarURLConnection"))) {
                // the same stack depth: the argument replaced by true
                super.visitInsn(Opcodes.POP);
                super.visitInsn(Opcodes.ICONST_1);
                changed[0] = true;
              }
              super.visitMethodInsn(opcode, owner, method, desc, isInterface);
            }
          };
        }
      }, 0);
      return changed[0] ? writer.toByteArray() : null;
    }
  }

  /**
   * Opens each jar of {@code classPath} into the JDK's cache of jar: URLs, as the application
   * class loader names it (canonical path), and holds it. Returns the jars it could not open (a
   * jar that cannot be opened now is one the server cannot read confined either; apply() goes on).
   */
  static synchronized List<String> holdClassPathJars(String classPath) {
    List<String> failed = new ArrayList<>();
    if (classPath == null || classPath.isEmpty()) {
      return failed;
    }
    for (String entry : classPath.split(File.pathSeparator)) {
      if (!entry.endsWith(".jar")) {
        continue;
      }
      try {
        File jar = new File(entry).getCanonicalFile();
        if (!jar.isFile()) {
          continue;
        }
        URL url = new URL("jar:" + jar.toURI().toURL() + "!/");
        JarURLConnection connection = (JarURLConnection) url.openConnection();
        connection.setUseCaches(true);
        HELD.add(connection.getJarFile());
      } catch (IOException | RuntimeException e) {
        failed.add(entry + " (" + e + ")");
      }
    }
    return failed;
  }
}
