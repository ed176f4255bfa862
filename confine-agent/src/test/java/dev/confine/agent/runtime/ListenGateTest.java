package dev.confine.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/** The rewrite of this JDK's own listen call sites, read from the runtime image (no JVM is changed). */
class ListenGateTest {
  private static byte[] jdkClass(String name) throws Exception {
    FileSystem jrt = FileSystems.getFileSystem(URI.create("jrt:/"));
    return Files.readAllBytes(jrt.getPath("modules", "java.base", name + ".class"));
  }

  /** The calls each method makes, in order, as "owner.name". */
  private static List<String> calls(byte[] bytes) {
    List<String> calls = new ArrayList<>();
    new ClassReader(bytes).accept(new ClassVisitor(Opcodes.ASM9) {
      @Override
      public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
        return new MethodVisitor(Opcodes.ASM9) {
          @Override
          public void visitMethodInsn(int opcode, String owner, String method, String desc, boolean isInterface) {
            calls.add(owner + "." + method);
          }
        };
      }
    }, 0);
    return calls;
  }

  @Test
  void everyListenOfTheJdkPassesTheGateFirstAndNothingElseChanges() throws Exception {
    for (Map.Entry<String, Integer> site : Map.of("sun/nio/ch/ServerSocketChannelImpl", 2, "sun/nio/ch/NioSocketImpl", 1).entrySet()) {
      byte[] original = jdkClass(site.getKey());
      List<String> before = calls(original);
      List<String> after = calls(ListenGate.rewrite(original));
      int listens = 0;
      for (int i = 0; i < after.size(); i++) {
        if (after.get(i).equals("sun/nio/ch/Net.listen")) {
          listens++;
          assertEquals(List.of("java/lang/System.getProperties", "java/util/Properties.get", "java/util/function/ObjIntConsumer.accept"),
              after.subList(i - 3, i), site.getKey());
        }
      }
      assertEquals(site.getValue(), listens, site.getKey() + " (this JDK's call sites)");
      List<String> without = new ArrayList<>(after);
      without.removeAll(List.of("java/lang/System.getProperties", "java/util/Properties.get", "java/util/function/ObjIntConsumer.accept"));
      List<String> beforeWithout = new ArrayList<>(before);
      beforeWithout.removeAll(List.of("java/lang/System.getProperties", "java/util/Properties.get", "java/util/function/ObjIntConsumer.accept"));
      assertEquals(beforeWithout, without, "the rest of the class is as it was");
    }
  }

  @Test
  void aClassWithoutTheCallIsLeftAlone() throws Exception {
    assertNull(ListenGate.rewrite(jdkClass("java/lang/String")));
  }

  /** The calls of one method ("listen" with the descriptor given), in order. */
  private static List<String> callsOf(byte[] bytes, String method, String descriptor) {
    List<String> calls = new ArrayList<>();
    new ClassReader(bytes).accept(new ClassVisitor(Opcodes.ASM9) {
      @Override
      public MethodVisitor visitMethod(int access, String name, String desc, String signature, String[] exceptions) {
        if (!name.equals(method) || !desc.equals(descriptor)) {
          return null;
        }
        return new MethodVisitor(Opcodes.ASM9) {
          @Override
          public void visitMethodInsn(int opcode, String owner, String called, String d, boolean isInterface) {
            calls.add(owner + "." + called);
          }
        };
      }
    }, 0);
    return calls;
  }

  @Test
  void nettysNativeListenPassesTheGateFirstWithTheSocket() throws Exception {
    byte[] original;
    try (java.io.InputStream in = ListenGateTest.class.getResourceAsStream("/io/netty/channel/unix/Socket.class")) {
      original = in.readAllBytes();
    }
    List<String> before = callsOf(original, "listen", "(I)V");
    List<String> after = callsOf(ListenGate.rewriteNetty(original), "listen", "(I)V");
    assertEquals(List.of("java/lang/System.getProperties", "java/util/Properties.get", "java/util/function/ObjIntConsumer.accept"),
        after.subList(0, 3), "the gate comes first");
    assertEquals(before, after.subList(3, after.size()), "then the method as it was, its native listen(fd, backlog) included");
    assertEquals(true, before.contains("io/netty/channel/unix/Socket.listen"), before.toString());
    // The rest of the class is untouched: the calls of every other method are the same.
    List<String> all = calls(original);
    List<String> allAfter = new ArrayList<>(calls(ListenGate.rewriteNetty(original)));
    allAfter.removeAll(List.of("java/lang/System.getProperties", "java/util/Properties.get", "java/util/function/ObjIntConsumer.accept"));
    List<String> allBefore = new ArrayList<>(all);
    allBefore.removeAll(List.of("java/lang/System.getProperties", "java/util/Properties.get", "java/util/function/ObjIntConsumer.accept"));
    assertEquals(allBefore, allAfter);
    assertEquals(true, ListenGate.isNettySocket("io/netty/channel/unix/Socket"));
    assertEquals(true, ListenGate.isNettySocket("org/example/shaded/io/netty/channel/unix/Socket"));
    assertEquals(false, ListenGate.isNettySocket("io/netty/channel/unix/SocketWritableByteChannel"));
    assertNull(ListenGate.rewriteNetty(jdkClass("java/lang/String")));
  }
}
