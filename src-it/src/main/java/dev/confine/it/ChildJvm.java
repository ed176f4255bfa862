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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM running one of the programs of src-it's main sources from a class path of jars
 * (directories would break after chroot), or any child process ({@link #startCommand}). Its
 * output is read line by line, each line stamped with System.nanoTime() on arrival; the parent
 * waits for a line, inspects the child through /proc, then tells it to exit. Shared by the ITs
 * and confine-bench (which times "process start to line" as a supervisor would see it).
 */
public final class ChildJvm implements AutoCloseable {
  private static final String END = "\u0000END";

  /** A line of the child's output and when the parent read it (System.nanoTime()). */
  public static final class Line {
    public final String text;
    public final long arrivedNanos;

    Line(String text, long arrivedNanos) {
      this.text = text;
      this.arrivedNanos = arrivedNanos;
    }
  }

  private final long startedNanos;
  private final Process process;
  private final BlockingQueue<Line> lines = new LinkedBlockingQueue<>();
  private final List<String> seen = Collections.synchronizedList(new ArrayList<>());
  /** Counted down once the reader has seen the end of the child's output. */
  private final CountDownLatch outputEnded = new CountDownLatch(1);
  private final Writer stdin;

  private ChildJvm(ProcessBuilder builder) throws IOException {
    this.startedNanos = System.nanoTime();
    this.process = builder.start();
    this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                  long now = System.nanoTime();
                  seen.add(line);
                  lines.add(new Line(line, now));
                }
              } catch (IOException ignored) {
                // the child died; END below tells the waiter
              }
              lines.add(new Line(END, System.nanoTime()));
              outputEnded.countDown();
            },
            "child-output-" + process.pid());
    reader.setDaemon(true);
    reader.start();
  }

  public static String javaHome() {
    return System.getProperty("confine.it.javaHome", System.getProperty("java.home"));
  }

  /** Starts {@code mainClass} with the given JVM options and arguments, stderr merged into stdout. */
  public static ChildJvm start(List<String> jvmOptions, String mainClass, String... args) throws IOException {
    return start(javaHome(), jvmOptions, mainClass, args);
  }

  public static ChildJvm start(String javaHome, List<String> jvmOptions, String mainClass, String... args) throws IOException {
    return start(List.of(), null, classpath(), javaHome, jvmOptions, mainClass, args);
  }

  /**
   * As {@link #start}, with the java command run by {@code wrapper} (its arguments follow the
   * wrapper's), e.g. {@code unshare --mount --propagation private sh -c '...; exec "$@"' sh}.
   */
  public static ChildJvm startWrapped(List<String> wrapper, String javaHome, List<String> jvmOptions, String mainClass, String... args)
      throws IOException {
    return start(wrapper, null, classpath(), javaHome, jvmOptions, mainClass, args);
  }

  /** The class path of the child programs: jars only. */
  public static String classpath() {
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
  public static ChildJvm start(
      List<String> prefix, Path directory, String classpath, String javaHome, List<String> jvmOptions, String mainClass, String... args)
      throws IOException {
    List<String> command = new ArrayList<>(prefix);
    command.addAll(javaCommand(javaHome, jvmOptions, classpath, mainClass, args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    if (directory != null) {
      builder.directory(directory.toFile());
    }
    return new ChildJvm(builder);
  }

  /** Starts any command (stderr merged into stdout), e.g. a C program or a JVM with options of its own. */
  public static ChildJvm startCommand(List<String> command) throws IOException {
    return new ChildJvm(new ProcessBuilder(command).redirectErrorStream(true));
  }

  /**
   * The java command for {@code mainClass}: the JDK at javaHome, the options that keep JDK 22+
   * quiet about jffi, the given options, the class path; {@code mainClass} null for none (e.g.
   * -Xshare:dump).
   */
  public static List<String> javaCommand(String javaHome, List<String> jvmOptions, String classpath, String mainClass, String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(javaHome, "bin", "java").toString());
    int feature = featureVersion(javaHome);
    if (feature >= 22) {
      // jffi calls System.load: say that we allow it, so the JVM does not warn. No flag for
      // sun.misc.Unsafe: confine turns jffi's use of it off (NativeKernel), and the suite on 25
      // shows that it needs none.
      command.add("--enable-native-access=ALL-UNNAMED");
    }
    // The suite's third run forces a binding in every child (children-on-jdk25-ffm).
    String binding = System.getProperty("confine.it.binding", "");
    if (!binding.isEmpty()) {
      command.add("-Dconfine.binding=" + binding);
    }
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(classpath);
    if (mainClass != null) {
      command.add(mainClass);
    }
    command.addAll(List.of(args));
    return command;
  }

  /** The feature version (17, 25) of the JDK at javaHome, from its release file. */
  public static int featureVersion(String javaHome) {
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

  public long pid() {
    return process.pid();
  }

  /** When the process was started (System.nanoTime(), just before the fork). */
  public long startedNanos() {
    return startedNanos;
  }

  /** Waits for a line starting with {@code prefix}; fails with all output seen if it does not come. */
  public String await(String prefix, Duration timeout) throws InterruptedException {
    return awaitLine(prefix, timeout).text;
  }

  /** As {@link #await}, with the time the line arrived. */
  public Line awaitLine(String prefix, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      Line line = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
      if (line == null) {
        throw new AssertionError("no line starting with \"" + prefix + "\" within " + timeout + "; child said:\n" + output());
      }
      if (line.text.equals(END)) {
        lines.add(line);
        throw new AssertionError("child ended before \"" + prefix + "\"; it said:\n" + output());
      }
      if (line.text.startsWith(prefix)) {
        return line;
      }
    }
  }

  /** Every "PROBE name value" line seen so far, by name. */
  /** Waits for the child's "READY" line and returns the probes it printed before it. */
  public Map<String, String> awaitReady(Duration timeout) throws InterruptedException {
    await("READY", timeout);
    return probes();
  }

  /** Tells a child waiting after READY to exit, and requires status 0 within 30 s. */
  public void exitCleanly() throws IOException, InterruptedException {
    send("exit");
    int status = waitFor(Duration.ofSeconds(30));
    if (status != 0) {
      throw new AssertionError("exit status " + status + ", expected 0; the child said:\n" + output());
    }
  }

  public Map<String, String> probes() {
    return tagged("PROBE");
  }

  /** Every "TAG name value" line seen so far, by name (a later line wins). */
  public Map<String, String> tagged(String tag) {
    String prefix = tag + " ";
    Map<String, String> probes = new LinkedHashMap<>();
    synchronized (seen) {
      for (String line : seen) {
        if (line.startsWith(prefix)) {
          String[] parts = line.split(" ", 3);
          probes.put(parts[1], parts.length > 2 ? parts[2] : "");
        }
      }
    }
    return probes;
  }

  public String output() {
    synchronized (seen) {
      return String.join("\n", seen);
    }
  }

  public void send(String line) throws IOException {
    stdin.write(line + "\n");
    stdin.flush();
  }

  /** Closes the child's stdin (end of input). */
  public void closeStdin() throws IOException {
    stdin.close();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /**
   * Waits until the child's output has been read to its end (the reader saw end of file): after
   * {@link #waitFor} the process has ended, but its last lines may still be on their way to
   * {@link #output()}. Fails if the output does not end within {@code timeout}.
   */
  public void awaitOutputEnd(Duration timeout) throws InterruptedException {
    if (!outputEnded.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("the child's output did not end within " + timeout + "; it said:\n" + output());
    }
  }

  /**
   * Waits for the child to end and returns its exit status, its output read to the end: a test
   * that reads {@link #output()} next sees its last lines (seen once missing: a message still on
   * its way when the status was already known). A grandchild that inherited the output may keep it
   * open: then this waits at most 5 s more for it and returns what has been read.
   */
  public int waitFor(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("child did not end within " + timeout + "; it said:\n" + output());
    }
    outputEnded.await(5, TimeUnit.SECONDS);
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
