package dev.confine.it;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Predicate;

/**
 * A client that asks one loopback port for one path from before the server listens until
 * {@link #stop}, over and over (a new connection each time, HTTP/1.0), and keeps every answer's
 * body: what a request sent in the moment between listen and confinement gets. {@code asRoot}
 * tells an answer given by the unconfined process (root's /etc/shadow, a page saying /etc/passwd
 * is visible, a health report saying "confined":false).
 */
final class Hammer implements AutoCloseable {
  final List<String> answers = Collections.synchronizedList(new ArrayList<>());
  private final Predicate<String> asRoot;
  private final Thread thread;
  private volatile boolean stop;

  Hammer(int port, String path, Predicate<String> asRoot, Duration bound) {
    this.asRoot = asRoot;
    byte[] request = ("GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    thread = new Thread(() -> {
      long deadline = System.nanoTime() + bound.toNanos();
      while (!stop && System.nanoTime() < deadline) {
        try (Socket socket = new Socket()) {
          socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
          socket.setSoTimeout(20_000); // a held request waits for confinement: longer than any apply()
          socket.getOutputStream().write(request);
          String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
          int body = response.indexOf("\r\n\r\n");
          if (body >= 0) {
            answers.add(response.substring(body + 4));
          }
        } catch (IOException notYet) {
          java.util.concurrent.locks.LockSupport.parkNanos(200_000); // not listening yet, or going away
        }
      }
    }, "hammer-" + port);
    thread.setDaemon(true);
    thread.start();
  }

  /** The agent ITs' servers: /file/etc/shadow answers root's line only to root. */
  static Hammer shadow(int port, Duration bound) {
    return new Hammer(port, "/file/etc/shadow", a -> a.startsWith("root:"), bound);
  }

  long asRoot() {
    synchronized (answers) {
      return answers.stream().filter(asRoot).count();
    }
  }

  /** Waits until {@code count} answers came (or the bound passed), then stops asking. */
  void awaitAnswers(int count, Duration bound) throws InterruptedException {
    long deadline = System.nanoTime() + bound.toNanos();
    while (answers.size() < count && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    stop();
  }

  /** Stops asking and waits for the last answer. */
  void stop() {
    stop = true;
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    stop();
  }
}
