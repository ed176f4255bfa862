package dev.confine.it;

import java.nio.file.Path;

/**
 * The fault ITs' fixture: a fresh jail and, outside it, a fresh working directory for the child
 * (a working directory moved into the jail and not put back shows from outside); both removed by
 * {@link #close()}.
 */
final class JailAndCwd implements AutoCloseable {
  final Path jail;
  final Path cwd;

  JailAndCwd(String name) {
    Root.require();
    jail = Jails.fresh(name);
    Path made;
    try {
      made = Jails.fresh(name + "-cwd");
    } catch (RuntimeException e) {
      Jails.remove(jail);
      throw e;
    }
    cwd = made;
  }

  @Override
  public void close() {
    Jails.remove(jail);
    Jails.remove(cwd);
  }
}
