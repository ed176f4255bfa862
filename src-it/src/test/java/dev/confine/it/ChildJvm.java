package dev.confine.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * A child JVM running one of the programs of src-it's main sources from a class path of jars
 * (directories would break after chroot). Its output is read line by line; the parent waits for
 * a line, inspects the child through /proc, then tells it to exit.
 */
final class ChildJvm implements AutoCloseable {
  private static final String END = "\u0000END";

  private final Process process;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final List<String> seen = Collections.synchronizedList(new ArrayList<>());
  private final Writer stdin;

  private ChildJvm(Process process) {
    this.process = process;
    this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                  seen.add(line);
                  lines.add(line);
                }
              } catch (IOException ignored) {
                // the child died; END below tells the waiter
              }
              lines.add(END);
            },
            "child-output-" + process.pid());
    reader.setDaemon(true);
    reader.start();
  }

  static String javaHome() {
    return System.getProperty("confine.it.javaHome", System.getProperty("java.home"));
  }

  /** Starts {@code mainClass} with the given JVM options and arguments, stderr merged into stdout. */
  static ChildJvm start(List<String> jvmOptions, String mainClass, String... args) throws IOException {
    return start(javaHome(), jvmOptions, mainClass, args);
  }

  static ChildJvm start(String javaHome, List<String> jvmOptions, String mainClass, String... args) throws IOException {
    return start(List.of(), null, classpath(), javaHome, jvmOptions, mainClass, args);
  }

  /**
   * As {@link #start}, with the java command run by {@code wrapper} (its arguments follow the
   * wrapper's), e.g. {@code unshare --mount --propagation private sh -c '...; exec "$@"' sh}.
   */
  static ChildJvm startWrapped(List<String> wrapper, String javaHome, List<String> jvmOptions, String mainClass, String... args)
      throws IOException {
    return start(wrapper, null, classpath(), javaHome, jvmOptions, mainClass, args);
  }

  /** The class path of the child programs: jars only. */
  static String classpath() {
    String classpath = System.getProperty("confine.it.childClasspath");
    if (classpath == null || classpath.isEmpty()) {
      throw new IllegalStateException("confine.it.childClasspath is not set: run the ITs through Maven (mvn verify)");
    }
    return classpath;
  }

  /**
   * Starts the child behind a command prefix (for example {@code unshare --mount ...} or
   * {@code setpriv --reuid=...}, which must exec the rest so that the pid stays the JVM's), in
   * {@code directory} (null: the parent's), with the given class path.
   */
  static ChildJvm start(
      List<String> prefix, Path directory, String classpath, String javaHome, List<String> jvmOptions, String mainClass, String... args)
      throws IOException {
    List<String> command = new ArrayList<>(prefix);
    command.add(Path.of(javaHome, "bin", "java").toString());
    int feature = featureVersion(javaHome);
    if (feature >= 22) {
      // jffi calls System.load and sun.misc.Unsafe: say that we allow it, so the JVM does not warn.
      command.add("--enable-native-access=ALL-UNNAMED");
    }
    if (feature >= 24) {
      command.add("--sun-misc-unsafe-memory-access=allow");
    }
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(classpath);
    command.add(mainClass);
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    if (directory != null) {
      builder.directory(directory.toFile());
    }
    return new ChildJvm(builder.start());
  }

  /** The feature version (17, 25) of the JDK at javaHome, from its release file. */
  static int featureVersion(String javaHome) {
    try {
      for (String line : Files.readAllLines(Path.of(javaHome, "release"))) {
        if (line.startsWith("JAVA_VERSION=")) {
          String v = line.substring("JAVA_VERSION=".length()).replace("\"", "");
          return Integer.parseInt(v.split("[.+-]")[0]);
        }
      }
    } catch (IOException | NumberFormatException e) {
      throw new IllegalStateException("cannot tell the version of the JDK at " + javaHome, e);
    }
    throw new IllegalStateException("no JAVA_VERSION in " + javaHome + "/release");
  }

  long pid() {
    return process.pid();
  }

  /** Waits for a line starting with {@code prefix}; fails with all output seen if it does not come. */
  String await(String prefix, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      String line = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
      if (line == null) {
        throw new AssertionError("no line starting with \"" + prefix + "\" within " + timeout + "; child said:\n" + output());
      }
      if (line.equals(END)) {
        lines.add(END);
        throw new AssertionError("child ended before \"" + prefix + "\"; it said:\n" + output());
      }
      if (line.startsWith(prefix)) {
        return line;
      }
    }
  }

  /** Every "PROBE name value" line seen so far, by name. */
  Map<String, String> probes() {
    Map<String, String> probes = new LinkedHashMap<>();
    synchronized (seen) {
      for (String line : seen) {
        if (line.startsWith("PROBE ")) {
          String[] parts = line.split(" ", 3);
          probes.put(parts[1], parts.length > 2 ? parts[2] : "");
        }
      }
    }
    return probes;
  }

  String output() {
    synchronized (seen) {
      return String.join("\n", seen);
    }
  }

  void send(String line) throws IOException {
    stdin.write(line + "\n");
    stdin.flush();
  }

  /** Waits for the child to end and returns its exit status. */
  int waitFor(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("child did not end within " + timeout + "; it said:\n" + output());
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
