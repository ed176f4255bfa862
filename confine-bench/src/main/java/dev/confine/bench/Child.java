package dev.confine.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A child process (a JVM or the C program) started now; each output line is stamped with
 * System.nanoTime() on arrival, so "start to line" is what a supervisor would see.
 */
final class Child implements AutoCloseable {
  private static final String END = "\u0000END";

  static final class Line {
    final String text;
    final long arrivedNanos;

    Line(String text, long arrivedNanos) {
      this.text = text;
      this.arrivedNanos = arrivedNanos;
    }
  }

  final long startedNanos;
  private final Process process;
  private final BlockingQueue<Line> lines = new LinkedBlockingQueue<>();
  private final List<String> seen = Collections.synchronizedList(new ArrayList<>());

  private Child(List<String> command) throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    this.startedNanos = System.nanoTime();
    this.process = builder.start();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader out =
                  new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                  long now = System.nanoTime();
                  seen.add(line);
                  lines.add(new Line(line, now));
                }
              } catch (IOException ignored) {
                // the child ended; END tells the waiter
              }
              lines.add(new Line(END, System.nanoTime()));
            },
            "bench-child-output");
    reader.setDaemon(true);
    reader.start();
  }

  static Child start(List<String> command) throws IOException {
    return new Child(command);
  }

  long pid() {
    return process.pid();
  }

  /** Waits for a line starting with {@code prefix}; throws with everything said if it does not come. */
  Line await(String prefix, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      Line line = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
      if (line == null) {
        throw new IllegalStateException("no line \"" + prefix + "\" within " + timeout + "; child said:\n" + output());
      }
      if (line.text.equals(END)) {
        lines.add(line);
        throw new IllegalStateException("child ended before \"" + prefix + "\"; it said:\n" + output());
      }
      if (line.text.startsWith(prefix)) {
        return line;
      }
    }
  }

  /** Every "BENCH key value" line seen so far, as key to value. */
  Map<String, String> figures() {
    Map<String, String> figures = new LinkedHashMap<>();
    synchronized (seen) {
      for (String line : seen) {
        if (line.startsWith("BENCH ")) {
          String[] parts = line.split(" ", 3);
          figures.put(parts[1], parts.length > 2 ? parts[2] : "");
        }
      }
    }
    return figures;
  }

  String output() {
    synchronized (seen) {
      return String.join("\n", seen);
    }
  }

  void closeStdin() throws IOException {
    process.getOutputStream().close();
  }

  int waitFor(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException("child did not end within " + timeout + "; it said:\n" + output());
    }
    return process.exitValue();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
