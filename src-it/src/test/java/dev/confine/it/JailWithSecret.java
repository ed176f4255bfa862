package dev.confine.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The escape ITs' scene, made once: a fresh jail, and beside it a fresh directory outside it
 * holding {@code secret.txt} (0644: readable by the target uid once it gets out) with a token made
 * for this test alone. A child that reads the token has escaped; the control run shows that it can
 * where the protection is off. {@link #close} stops the helper processes the test started and
 * removes every directory it made, the jail and the outside included.
 */
final class JailWithSecret implements AutoCloseable {
  final Path jail;
  final Path outside;
  final Path secret;
  final String token;
  private final List<Path> made = new ArrayList<>();
  private final List<Process> helpers = new ArrayList<>();

  private JailWithSecret(String name) {
    jail = made(Jails.fresh(name));
    outside = made(Jails.fresh(name + "-outside"));
    secret = outside.resolve("secret.txt");
    token = "secret-" + UUID.randomUUID();
    try {
      Files.writeString(secret, token + "\n");
      Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-r--r--"));
    } catch (IOException e) {
      close();
      throw new UncheckedIOException(e);
    }
  }

  /** Under {@link Jails#BASE}: {@code name-XXXX} and {@code name-outside-XXXX}. The caller has checked for root. */
  static JailWithSecret make(String name) {
    return new JailWithSecret(name);
  }

  /** Another directory the test made ({@link Jails#fresh}), removed with the scene. */
  Path made(Path path) {
    made.add(path);
    return path;
  }

  /** A process the test started beside the child (a victim, a holder), stopped with the scene. */
  Process helper(Process process) {
    helpers.add(process);
    return process;
  }

  /** The secret as a path relative to the host's "/": what an escaped process opens from there. */
  String secretFromHostRoot() {
    return secret.toString().substring(1);
  }

  @Override
  public void close() {
    for (Process helper : helpers) {
      helper.destroyForcibly();
      try {
        helper.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    made.forEach(Jails::remove);
  }
}
