package dev.confine.it;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Samples a child's threads from outside, every few milliseconds, until it ends: each thread's
 * ids, groups, state, the system call it is in and its root, and the process's root. What the
 * fault ITs judge "no thread seen past the failed step with a root id or the host's root" by.
 */
final class ProcWatch implements AutoCloseable {
  /** One thread at one moment. */
  static final class Task {
    final String tid;
    final String name;
    final String state;
    /** The first field of /proc/PID/task/TID/syscall: a number, "running", or "?" if unreadable. */
    final String syscall;
    final String uid;
    final String gid;
    final String groups;
    final String root;

    Task(String tid, Map<String, String> status, String syscall, String root) {
      this.tid = tid;
      this.name = status.getOrDefault("Name", "?");
      this.state = status.getOrDefault("State", "?");
      this.syscall = syscall;
      this.uid = status.getOrDefault("Uid", "?");
      this.gid = status.getOrDefault("Gid", "?");
      this.groups = status.getOrDefault("Groups", "?");
      this.root = root;
    }

    String field(String name) {
      switch (name) {
        case "Uid": return uid;
        case "Gid": return gid;
        case "Groups": return groups;
        default: throw new IllegalArgumentException(name);
      }
    }

    boolean blocked() {
      return !syscall.equals("running") && !syscall.equals("?");
    }

    @Override
    public String toString() {
      return name + "(" + tid + ", " + state.split(" ")[0] + ", " + syscallName(syscall) + ")";
    }
  }

  /** Every thread at one moment, with the process's root. */
  static final class Sample {
    final long nanos;
    final String processRoot;
    final List<Task> tasks;

    Sample(long nanos, String processRoot, List<Task> tasks) {
      this.nanos = nanos;
      this.processRoot = processRoot;
      this.tasks = List.copyOf(tasks);
    }
  }

  private final long pid;
  private final List<Sample> samples = new ArrayList<>();
  private final Thread sampler;
  private volatile boolean stop;

  private ProcWatch(long pid, long intervalMillis) {
    this.pid = pid;
    this.sampler =
        new Thread(
            () -> {
              while (!stop) {
                Sample s = sample();
                if (s == null) {
                  return; // the process is gone (or a zombie)
                }
                synchronized (samples) {
                  samples.add(s);
                }
                try {
                  Thread.sleep(intervalMillis);
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "proc-watch-" + pid);
    sampler.setDaemon(true);
  }

  static ProcWatch start(long pid, long intervalMillis) {
    ProcWatch watch = new ProcWatch(pid, intervalMillis);
    watch.sampler.start();
    return watch;
  }

  /** Waits for the sampler to see the process end (or stops it) and returns every sample. */
  List<Sample> finish() throws InterruptedException {
    sampler.join(5_000);
    stop = true;
    sampler.join();
    synchronized (samples) {
      return List.copyOf(samples);
    }
  }

  @Override
  public void close() throws InterruptedException {
    stop = true;
    sampler.join();
  }

  private Sample sample() {
    Path proc = Path.of("/proc", String.valueOf(pid));
    try {
      Map<String, String> status = ProcView.status(proc.resolve("status"));
      if (status.getOrDefault("State", "Z").startsWith("Z")) {
        return null;
      }
      String processRoot = Files.readSymbolicLink(proc.resolve("root")).toString();
      List<Task> tasks = new ArrayList<>();
      try (DirectoryStream<Path> dir = Files.newDirectoryStream(proc.resolve("task"))) {
        for (Path task : dir) {
          try {
            Map<String, String> ts = ProcView.status(task.resolve("status"));
            String syscall = "?";
            try {
              syscall = Files.readString(task.resolve("syscall")).trim().split(" ")[0];
            } catch (IOException e) {
              // unreadable for a moment (the thread ends): "?"
            }
            String root = Files.readSymbolicLink(task.resolve("root")).toString();
            tasks.add(new Task(task.getFileName().toString(), ts, syscall, root));
          } catch (IOException e) {
            // the thread ended while we looked
          }
        }
      }
      return new Sample(System.nanoTime(), processRoot, tasks);
    } catch (IOException e) {
      return null;
    }
  }

  /** x86_64 names of the calls a held thread is seen in; others by number. */
  static String syscallName(String nr) {
    switch (nr) {
      case "0": return "read";
      case "7": return "poll";
      case "35": return "nanosleep";
      case "202": return "futex";
      case "230": return "clock_nanosleep";
      case "232": return "epoll_wait";
      case "281": return "epoll_pwait";
      case "61": return "wait4";
      default: return nr.matches("\\d+") ? "syscall " + nr : nr;
    }
  }
}
