package dev.confine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Every call of {@link Kernel} that can fail names its {@link SyscallOf}: the test kit's
 * FaultyKernel fails and records a call only by it, so a call without one could never be made to
 * fail in a test, and would go unrecorded.
 */
class KernelCallsTest {
  /** Declared to throw, but gettid(2) cannot fail: passed on, not recorded. */
  private static final Set<String> CANNOT_FAIL = Set.of("threadId");

  @Test
  void everyCallThatCanFailSaysWhichSyscallItIs() {
    Set<String> missing = new TreeSet<>();
    for (Method method : Kernel.class.getMethods()) {
      boolean throwsErrno = Arrays.asList(method.getExceptionTypes()).contains(ErrnoException.class);
      if (throwsErrno && method.getAnnotationsByType(SyscallOf.class).length == 0 && !CANNOT_FAIL.contains(method.getName())) {
        missing.add(method.getName());
      }
    }
    assertEquals(Set.of(), missing, "Kernel methods that can fail but carry no @SyscallOf");
  }

  @Test
  void aCallThatReportsNoFailureIsSaidSo() {
    for (Method method : Kernel.class.getMethods()) {
      for (SyscallOf call : method.getAnnotationsByType(SyscallOf.class)) {
        boolean throwsErrno = Arrays.asList(method.getExceptionTypes()).contains(ErrnoException.class);
        assertEquals(throwsErrno, call.canFail(), method.getName() + ": canFail must match whether it throws ErrnoException");
      }
    }
  }

  @Test
  void aCallWithTwoSyscallsNamesBoth() throws NoSuchMethodException {
    SyscallOf[] calls = Kernel.class.getMethod("openFiles").getAnnotationsByType(SyscallOf.class);
    assertEquals(List.of(dev.confine.Syscall.READDIR, dev.confine.Syscall.READLINK), Arrays.stream(calls).map(SyscallOf::value).collect(java.util.stream.Collectors.toList()));
  }
}
