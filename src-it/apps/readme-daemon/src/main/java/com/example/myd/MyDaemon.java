package com.example.myd;

import dev.confine.Confinement;
import dev.confine.ConfinementPolicy;
import dev.confine.ConfinementReport;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;

/**
 * The README's quickstart as a daemon's main class: bind as root, confine, serve. Nothing runs
 * {@code main} here: the module exists for its test, which is docs/testing.md's.
 */
public final class MyDaemon {
  private MyDaemon() {}

  /** The daemon's policy, in one place so that its unit test checks the policy it runs with. */
  public static ConfinementPolicy confinementPolicy() {
    return Confinement.builder().root(Path.of("/srv/myd/jail")).user("nobody").build();
  }

  public static void main(String[] args) throws IOException {
    try (ServerSocket listening = new ServerSocket(80)) { // needs root: before apply()
      ConfinementReport report = confinementPolicy().apply(); // root is gone from here on
      System.out.println("confinement report:\n" + report);
      listening.accept().close();
    }
  }
}
