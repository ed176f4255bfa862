package dev.confine.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/** What every child JVM of the integration tests does the same way, from its side. */
public final class ChildSide {
  private ChildSide() {}

  /** Says READY, then lives until the parent writes "exit" or closes stdin. */
  public static void readyThenAwaitExit() throws IOException {
    System.out.println("READY");
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      if (line.equals("exit")) {
        break;
      }
    }
  }

  /**
   * {@code spawners} daemon threads, each starting and joining one short-lived thread after
   * another until {@link #stop()}: threads are born and end while apply() runs.
   */
  public static final class ThreadChurn {
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong born = new AtomicLong();
    private final List<Thread> spawners = new ArrayList<>();

    public ThreadChurn(int spawners, String namePrefix) {
      for (int i = 0; i < spawners; i++) {
        Thread spawner =
            new Thread(
                () -> {
                  while (!stop.get()) {
                    Thread shortLived = new Thread(born::incrementAndGet);
                    shortLived.start();
                    try {
                      shortLived.join();
                    } catch (InterruptedException e) {
                      return;
                    }
                  }
                },
                namePrefix + i);
        spawner.setDaemon(true);
        spawner.start();
        this.spawners.add(spawner);
      }
    }

    /** How many short-lived threads have run so far. */
    public long born() {
      return born.get();
    }

    /** Stops the spawners and waits for them. */
    public void stop() throws InterruptedException {
      stop.set(true);
      for (Thread spawner : spawners) {
        spawner.join();
      }
    }
  }
}
