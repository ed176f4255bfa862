/**
 * confine: a daemon started as root chroots itself and gives up root for good. The API is
 * {@code dev.confine}; the test kit for a daemon's own policy tests is {@code dev.confine.testing}.
 * Everything else is internal and not exported.
 *
 * <p>jffi is an automatic module (its jar names itself in the manifest): required knowingly, hence the suppressed lint.
 */
@SuppressWarnings("requires-automatic")
module dev.confine {
  requires org.jnrproject.jffi;
  requires org.slf4j;
  // The JVM preparations ready management (its MXBeans) and java.util.logging before chroot.
  requires java.management;
  requires java.logging;

  exports dev.confine;
  exports dev.confine.testing;
}
