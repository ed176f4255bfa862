package dev.confine.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/** Jersey's uncached jar: URL reads made cached, and the class path's jars held in the JDK's cache. */
class JarUrlCacheTest {
  /**
   * A class shaped like Jersey's ServiceFinder.parse: {@code static boolean read(URL)} opens a
   * connection, calls setUseCaches(false) and returns getUseCaches(). Loaded as is and rewritten.
   */
  private static byte[] finderLike(String internalName) {
    ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS);
    writer.visit(Opcodes.V17, Opcodes.ACC_PUBLIC, internalName, null, "java/lang/Object", null);
    MethodVisitor read = writer.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "read", "(Ljava/net/URL;)Z", null, new String[] {"java/io/IOException"});
    read.visitCode();
    read.visitVarInsn(Opcodes.ALOAD, 0);
    read.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/net/URL", "openConnection", "()Ljava/net/URLConnection;", false);
    read.visitVarInsn(Opcodes.ASTORE, 1);
    read.visitVarInsn(Opcodes.ALOAD, 1);
    read.visitInsn(Opcodes.ICONST_0);
    read.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/net/URLConnection", "setUseCaches", "(Z)V", false);
    read.visitVarInsn(Opcodes.ALOAD, 1);
    read.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/net/URLConnection", "getUseCaches", "()Z", false);
    read.visitInsn(Opcodes.IRETURN);
    read.visitMaxs(0, 0);
    read.visitEnd();
    writer.visitEnd();
    return writer.toByteArray();
  }

  private static boolean callRead(byte[] bytes, String internalName, URL url) throws Exception {
    ClassLoader loader = new ClassLoader(JarUrlCacheTest.class.getClassLoader()) {
      @Override
      protected Class<?> findClass(String name) throws ClassNotFoundException {
        return defineClass(name, bytes, 0, bytes.length);
      }
    };
    return (boolean) loader.loadClass(internalName.replace('/', '.')).getMethod("read", URL.class).invoke(null, url);
  }

  @Test
  void jerseysServiceFinderReadsThroughTheCache(@TempDir Path dir) throws Exception {
    URL url = dir.toUri().toURL();
    byte[] original = finderLike(JarUrlCache.SERVICE_FINDER);
    assertEquals(false, callRead(original, JarUrlCache.SERVICE_FINDER, url), "control: Jersey's own code turns caching off");
    byte[] rewritten = JarUrlCache.REWRITE.transform((Module) null, null, JarUrlCache.SERVICE_FINDER, null, null, original);
    assertEquals(true, callRead(rewritten, JarUrlCache.SERVICE_FINDER, url));
    // A shaded copy is rewritten too; any other class is not even read.
    String shaded = "com/example/shaded/" + JarUrlCache.SERVICE_FINDER;
    byte[] shadedBytes = finderLike(shaded);
    assertEquals(true, callRead(JarUrlCache.REWRITE.transform((Module) null, null, shaded, null, null, shadedBytes), shaded, url));
    assertNull(JarUrlCache.REWRITE.transform((Module) null, null, "com/example/Other", null, null, finderLike("com/example/Other")));
  }

  @Test
  void theJdksServiceLoaderLookupIsRewrittenToo() throws Exception {
    java.nio.file.FileSystem jrt = java.nio.file.FileSystems.getFileSystem(java.net.URI.create("jrt:/"));
    byte[] jdk = Files.readAllBytes(jrt.getPath("modules", "java.base", JarUrlCache.JDK_SERVICE_LOADER + ".class"));
    byte[] rewritten = JarUrlCache.REWRITE.transform((Module) null, null, JarUrlCache.JDK_SERVICE_LOADER, null, null, jdk);
    // Each setUseCaches now gets "true": the instruction before the call is ICONST_1, after a POP.
    List<Integer> before = new java.util.ArrayList<>();
    new org.objectweb.asm.ClassReader(rewritten).accept(new org.objectweb.asm.ClassVisitor(Opcodes.ASM9) {
      @Override
      public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
        return new MethodVisitor(Opcodes.ASM9) {
          int last = -1;

          @Override
          public void visitInsn(int opcode) {
            last = opcode;
          }

          @Override
          public void visitVarInsn(int opcode, int var) {
            last = opcode;
          }

          @Override
          public void visitMethodInsn(int opcode, String owner, String method, String desc, boolean isInterface) {
            if (method.equals("setUseCaches")) {
              before.add(last);
            }
            last = opcode;
          }
        };
      }
    }, 0);
    assertEquals(List.of(Opcodes.ICONST_1), before);
  }

  @Test
  void aHeldJarIsReadThroughACachedUrlAfterItsPathIsGone(@TempDir Path dir) throws Exception {
    Path jar = dir.resolve("app.jar");
    try (OutputStream out = Files.newOutputStream(jar); JarOutputStream zip = new JarOutputStream(out)) {
      zip.putNextEntry(new JarEntry("META-INF/services/com.example.Spi"));
      zip.write("com.example.Impl\n".getBytes(StandardCharsets.UTF_8));
    }
    Path control = dir.resolve("control.jar");
    Files.copy(jar, control);
    assertEquals(List.of(), JarUrlCache.holdClassPathJars(jar + java.io.File.pathSeparator + dir.resolve("classes")));
    // As after chroot: the path names nothing any more.
    Path moved = Files.move(jar, dir.resolve("moved.jar"));
    Files.move(control, dir.resolve("control-moved.jar"));
    URL entry = new URL("jar:" + jar.toFile().getCanonicalFile().toURI().toURL() + "!/META-INF/services/com.example.Spi");
    URLConnection cached = entry.openConnection();
    cached.setUseCaches(true);
    try (InputStream in = cached.getInputStream()) {
      assertEquals("com.example.Impl\n", new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    assertSame(((JarURLConnection) cached).getJarFile(), ((JarURLConnection) entry.openConnection()).getJarFile());
    // Control: a jar not held is opened by its path, gone.
    URLConnection notHeld = new URL("jar:" + dir.resolve("control.jar").toUri().toURL() + "!/META-INF/services/com.example.Spi").openConnection();
    notHeld.setUseCaches(true);
    try (InputStream in = notHeld.getInputStream()) {
      throw new AssertionError("read a jar whose path is gone: " + in);
    } catch (IOException expected) {
      assertTrue(expected.toString().contains("control.jar"), expected.toString());
    }
    assertTrue(Files.exists(moved));
  }
}
