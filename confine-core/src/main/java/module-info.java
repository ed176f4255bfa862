/**
 * confine: a daemon started as root chroots itself and gives up root for good. The API is
 * {@code dev.confine}; the test kit for a daemon's own policy tests is the module
 * {@code dev.confine.testing} (the artifact confine-testing), to which alone the internals are
 * exported. Everything else is internal.
 *
 * <p>jffi is an automatic module (its jar names itself in the manifest): required knowingly, hence the
 * suppressed lint; and the test kit's module is built after this one, so javac cannot find it here ("module").
 */
@SuppressWarnings({"requires-automatic", "module"})
module dev.confine {
  requires org.jnrproject.jffi;
  requires org.slf4j;
  // The JVM preparations ready management (its MXBeans) and java.util.logging before chroot.
  requires java.management;
  requires java.logging;
  // sun.misc.Signal: SIGTERM, SIGINT and SIGHUP held across the irreversible part of apply() (SignalHold).
  requires jdk.unsupported;

  exports dev.confine;
  // The test kit (confine-testing) builds its simulated kernel on the internals; nothing else sees them.
  exports dev.confine.internal to dev.confine.testing;
  exports dev.confine.internal.jvm to dev.confine.testing;
  exports dev.confine.internal.linux to dev.confine.testing;
}
