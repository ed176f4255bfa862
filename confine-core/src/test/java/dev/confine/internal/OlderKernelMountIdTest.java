package dev.confine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.Syscall;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * The real kernel through a libc that answers as an older one would: statx without
 * STATX_MNT_ID in its returned mask (Linux before 5.8), or no statx at all. A descriptor's mount
 * then comes from /proc/self/fdinfo, and must equal what this kernel's statx says; a thread's root
 * read through the task list (as the verifier reads it after chroot, where fdinfo is out of reach)
 * fails closed. No root needed; nothing is confined.
 */
class OlderKernelMountIdTest {
  private static final NativeKernel REAL = NativeKernel.get();

  /** The process's binding, with statx's mask stripped of STATX_MNT_ID, or without statx. */
  private static NativeKernel older(boolean withStatx) {
    LibC libc = NativeKernel.bindLibC();
    InvocationHandler handler =
        (proxy, method, args) -> {
          if (method.getName().equals("hasStatx") && !withStatx) {
            return false;
          }
          Object result;
          try {
            result = method.invoke(libc, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
          if ((method.getName().equals("fstatx") || method.getName().equals("statxAt")) && (Integer) result == 0) {
            ByteBuffer buffer = ByteBuffer.wrap((byte[]) args[args.length - 1]).order(ByteOrder.nativeOrder());
            buffer.putInt(0, buffer.getInt(0) & ~NativeKernel.STATX_MNT_ID);
            buffer.putLong(144, 0); // as a kernel that does not know the field leaves it
          }
          return result;
        };
    return NativeKernel.over((LibC) Proxy.newProxyInstance(LibC.class.getClassLoader(), new Class<?>[] {LibC.class}, handler));
  }

  @Test
  void aDescriptorsMountComesFromFdinfoAndIsStatxs() throws Exception {
    for (boolean withStatx : new boolean[] {true, false}) {
      NativeKernel older = older(withStatx);
      for (String path : new String[] {"/", "/proc/1", "/dev"}) {
        int fd = REAL.openDirectoryNoFollow(path);
        try {
          FileStatus expected = REAL.fstat(fd);
          assertEquals(expected.toString(), older.fstat(fd).toString(), path + (withStatx ? "" : ", without statx"));
          assertTrue(older.lstat(path).orElseThrow().sameFileAndMountAs(expected), path);
          assertTrue(older.stat(path).orElseThrow().sameFileAndMountAs(expected), path);
        } finally {
          REAL.close(fd);
        }
      }
      assertTrue(older.lstat("/no-such-path-confine-test").isEmpty());
    }
  }

  @Test
  void aThreadsRootThroughTheTaskListFailsClosed() throws Exception {
    int threads = REAL.openThreadList();
    try {
      String tid = String.valueOf(REAL.threadId());
      assertTrue(REAL.statAt(threads, tid + "/root").mountId.isPresent(), "control: this kernel's statx has the mount");
      for (boolean withStatx : new boolean[] {true, false}) {
        ErrnoException e = assertThrows(ErrnoException.class, () -> older(withStatx).statAt(threads, tid + "/root"));
        assertEquals(Syscall.FSTAT, e.syscall());
        assertEquals(withStatx ? "ENOTSUP" : "ENOSYS", e.errnoName(), e.getMessage());
        assertTrue(Sequence.hint(e).contains("STATX_MNT_ID needs Linux 5.8"), Sequence.hint(e));
        // The verifier's own call, its path built as bytes: the same refusal.
        e = assertThrows(ErrnoException.class, () -> older(withStatx).statThreadView(threads, Long.parseLong(tid), "root"));
        assertEquals(Syscall.FSTAT, e.syscall());
        assertEquals(withStatx ? "ENOTSUP" : "ENOSYS", e.errnoName(), e.getMessage());
        assertTrue(e.getMessage().contains(tid + "/root"), e.getMessage());
      }
      FileStatus viaBytes = REAL.statThreadView(threads, Long.parseLong(tid), "root");
      assertTrue(viaBytes.sameFileAndMountAs(REAL.statAt(threads, tid + "/root")), "control: the same file as statAt reads");
      assertTrue(REAL.statThreadView(threads, Long.parseLong(tid), "cwd").sameFileAndMountAs(REAL.statAt(threads, tid + "/cwd")));
    } finally {
      REAL.close(threads);
    }
  }
}
